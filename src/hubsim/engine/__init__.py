"""The engine: `HubModel` and the state, clock, tables, phases and rules that make a month.

Data flows one way: scenario -> engine -> output; experiments drive the engine, never the reverse.
"""

from hubsim.engine.model import City, HubModel

__all__ = ["City", "HubModel"]
