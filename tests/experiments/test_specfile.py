"""What the sweep, tuning and calibration files share (experiments.specfile): the decision
variable's checks, the `--set` text of a value, where an error is, messages reworded."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from hubsim.experiments.specfile import VariableSpec, reword, where_names, yaml_text


def test_a_value_is_written_so_that_set_reads_it_back_exactly() -> None:
    assert yaml_text(0.1 + 0.2) == "0.30000000000000004"
    assert yaml_text(True) == "true" and yaml_text("chengdu") == "chengdu"


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ({"low": 2, "high": 1}, "the bounds are reversed"),
        ({"low": 1, "high": 1}, "leaves nothing to tune"),
        ({"kind": "log", "low": 0, "high": 1}, "kind log needs low above 0"),
        ({"kind": "int", "low": 0.5, "high": 3}, "kind int needs whole-number bounds"),
        ({"kind": "categorical", "low": 0, "choices": [1]}, "takes choices"),
    ],
)
def test_a_variable_that_cannot_be_searched_is_refused(spec: dict, problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        VariableSpec(**spec)


def test_an_error_location_names_the_item_as_the_file_does() -> None:
    where = where_names("parameters", "parameter", numbered=("objectives",))
    assert where(("parameters", "b_w", "range", "stop")) == "parameter 'b_w', key 'range.stop',"
    assert where(("objectives", 1)) == "objective 2"
    assert where(("seed",)) == "key 'seed'" and where(()) == "the file"


def test_a_scenario_message_loses_its_in_memory_prefix() -> None:
    assert reword("<dict>: --set a.b: no such key") == "a.b: no such key"
