"""hubsim: talent migration between China's tier-1 cities and second-tier tech hubs.

The library's verbs, one per command of `python -m hubsim`:

- `hubsim.run(path_or_scenario, **overrides)` runs a scenario and returns a `RunResult`;
- `hubsim.compare(inputs)` runs scenarios on common random numbers and compares them;
- `hubsim.sweep(path)` runs a sweep file (resumable);
- `hubsim.tune(path)` tunes incentive parameters with Optuna (resumable);
- `hubsim.calibrate(path)` fits the free parameters by simulated method of moments.

The names are imported on first use, so `import hubsim.scenario` loads no engine; the
`TYPE_CHECKING` block below says the same imports to type checkers and editors.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hubsim.experiments.calibrate import run_calibration as calibrate
    from hubsim.experiments.compare import compare
    from hubsim.experiments.replications import run
    from hubsim.experiments.sweep import run_sweep as sweep
    from hubsim.experiments.tune import run_tune as tune
    from hubsim.output.result import RunResult
    from hubsim.scenario import Scenario, load_scenario

__all__ = [
    "RunResult",
    "Scenario",
    "calibrate",
    "compare",
    "load_scenario",
    "run",
    "sweep",
    "tune",
]
__version__ = "0.1.0"
# name -> (module, its name there); kept equal to the TYPE_CHECKING imports by a test
_HOMES = {
    "run": ("hubsim.experiments.replications", "run"),
    "compare": ("hubsim.experiments.compare", "compare"),
    "sweep": ("hubsim.experiments.sweep", "run_sweep"),
    "tune": ("hubsim.experiments.tune", "run_tune"),
    "calibrate": ("hubsim.experiments.calibrate", "run_calibration"),
    "RunResult": ("hubsim.output.result", "RunResult"),
    "Scenario": ("hubsim.scenario", "Scenario"),
    "load_scenario": ("hubsim.scenario", "load_scenario"),
}


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        module, attribute = _HOMES[name]
        return getattr(importlib.import_module(module), attribute)
    raise AttributeError(f"module 'hubsim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
