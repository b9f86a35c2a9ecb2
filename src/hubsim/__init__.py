"""hubsim: talent migration between China's tier-1 cities and second-tier tech hubs.

`hubsim.run(path_or_scenario, **overrides)` runs a scenario and returns a `RunResult`.
"""

from hubsim.experiments.replications import run
from hubsim.output.result import RunResult
from hubsim.scenario import Scenario, load_scenario

__all__ = ["RunResult", "Scenario", "load_scenario", "run"]
__version__ = "0.1.0"
