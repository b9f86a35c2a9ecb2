"""Scenarios: the schema, files with `extends:`, `--set` overrides and their error messages.

`load_scenario(path, overrides)` reads a file; `scenario_from_dict(data)` validates a mapping.
"""

from hubsim.scenario.checking import FRIENDLY, Strict, describe_validation, problem
from hubsim.scenario.files import (
    load_scenario,
    parse_yaml,
    read_spec_file,
    read_yaml,
    scenario_from_dict,
    validate_spec_file,
)
from hubsim.scenario.overrides import apply_override
from hubsim.scenario.schema import (
    CITY_KEYS,
    DEGREES,
    SECTORS,
    SPINUP_YEAR,
    TALENT_DEGREE,
    UNITS,
    Behaviour,
    Demography,
    Eligibility,
    Hazards,
    Instrument,
    Programme,
    Scenario,
    Target,
    json_schema,
    month_index,
)

__all__ = [
    "CITY_KEYS",
    "DEGREES",
    "SECTORS",
    "FRIENDLY",
    "SPINUP_YEAR",
    "TALENT_DEGREE",
    "UNITS",
    "Behaviour",
    "Demography",
    "Eligibility",
    "Hazards",
    "Instrument",
    "Programme",
    "Scenario",
    "Strict",
    "Target",
    "apply_override",
    "describe_validation",
    "json_schema",
    "load_scenario",
    "month_index",
    "parse_yaml",
    "problem",
    "read_spec_file",
    "read_yaml",
    "scenario_from_dict",
    "validate_spec_file",
]
