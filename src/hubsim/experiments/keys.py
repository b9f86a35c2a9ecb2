"""Scenario keys in sweep files: the selectors of `hubsim.scenario.selectors`, kept here by name.

`programmes[city=chengdu,instrument=rent].amount` becomes `programmes.19.amount` for the base.
"""

from hubsim.scenario.selectors import KeyProblem, resolve_key, split_key

__all__ = ["KeyProblem", "resolve_key", "split_key"]
