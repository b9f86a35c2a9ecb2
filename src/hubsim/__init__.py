"""hubsim: talent migration between China's tier-1 cities and second-tier tech hubs.

`hubsim.run(path_or_scenario, **overrides)` runs a scenario and returns a `RunResult`.
The names below are imported on first use, so `import hubsim.scenario` loads no engine.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["RunResult", "Scenario", "load_scenario", "run"]
__version__ = "0.1.0"
_HOMES = {
    "run": "hubsim.experiments.replications",
    "RunResult": "hubsim.output.result",
    "Scenario": "hubsim.scenario",
    "load_scenario": "hubsim.scenario",
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        return getattr(importlib.import_module(_HOMES[name]), name)
    raise AttributeError(f"module 'hubsim' has no attribute {name!r}")
