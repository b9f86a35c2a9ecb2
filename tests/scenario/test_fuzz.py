"""Fuzzing the schema: any mutation of a valid scenario is accepted or refused in plain words.

Every failure must be a `ScenarioError` (never another exception) whose message shows no
library internals; a mutant of the baseline that `validate` accepts runs 3 months without a
NaN in its tables. Derandomized, so the examples are the same on every run.
"""

from __future__ import annotations

import contextlib
import copy
import io
import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

import hubsim
from hubsim.cli import main
from hubsim.errors import ScenarioError
from hubsim.scenario import Scenario, load_scenario, scenario_from_dict

VALID: dict[str, Any] = {
    "name": "fuzz",
    "start": "2010-01",
    "months": 12,
    "seed": 1,
    "scale": 20000,
    "behaviour": {
        "migration": {"b_w": 1.6, "hazards": {"young_age_max": 30}},
        "labour": {"degree_wage_premium": {"none": 0.85, "phd": 2.0}},
        "demography": {"graduate_decline_from_year": 2025, "graduate_decline_per_year": 0.01},
        "switches": {"housing": True},
    },
    "cities": {"chengdu": {"amenity": 1.0, "hukou_min_degree": "master"}},
    "programmes": [
        {
            "city": "chengdu",
            "start": "2017-01",
            "end": "2019-12",
            "instrument": "rent",
            "amount": 1000,
            "months": 36,
            "eligibility": {"min_degree": "bachelor", "max_age": 35},
            "amount_by_degree": {"master": 1500},
        },
        {"city": ["wuhan", "xian"], "start": "2017-07", "instrument": "hukou"},
    ],
    "targets": {"wuhan": {"by": "2022-12", "gain_people": 1_000_000}},
    "ghost": {"vacancy_above": 0.2, "empty_years": 3},
    "shocks": [{"start": "2022-01", "end": "2024-12", "productivity_factor": 0.9}],
}
INTERNALS = (
    "literal[",
    "union[",
    "pydantic",
    "Input should be",
    "[type=",
    "For further information",
    "model_type",
    "dict_type",
    "<class",
)
FUZZ = settings(
    derandomize=True,
    max_examples=200,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**12), max_value=10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=12),
    st.sampled_from(
        [
            "2035-01",
            "2017-13",
            "2017-1",
            "2017-01-05",
            "20170",
            "cash",
            "phd",
            "doctorate",
            "nobody",
            "chengdu",
            "atlantis",
            "[]",
            "{}",
            "-1",
            "1e400",
            "yes",
        ]
    ),  # fmt: skip
)
junk = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.text(max_size=8) | st.integers(), inner, max_size=3),
    ),
    max_leaves=6,
)


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every location inside `node` (mapping keys and list positions), the root included."""
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


PATHS = _paths(VALID)
SELECTORS = [
    "programmes[city=chengdu].amount",
    "programmes[city=chengdu,instrument=rent].eligibility.max_age",
    "programmes[city=atlantis].amount",
    "programmes[instrument=hukou].city",
    "programmes[city=chengdu.amount",
    "programmes[].amount",
    "cities[amenity=1].amenity",
    "programmes[city=chengdu][start=2017-01].amount",
]


@st.composite
def mutated(draw) -> dict[str, Any]:
    """VALID with one to three mutations: a value replaced, a key added or removed, a wrap."""
    data = copy.deepcopy(VALID)
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(PATHS))
        parent, last = _parent(data, path)
        if parent is None:
            continue
        kind = draw(st.sampled_from(["replace", "unknown_key", "delete", "wrap", "nest"]))
        target = parent[last] if last is not None else data
        if kind == "replace" and last is not None:
            parent[last] = draw(junk)
        elif kind == "unknown_key" and isinstance(target, dict):
            target[draw(st.text(min_size=1, max_size=10))] = draw(junk)
        elif kind == "delete" and last is not None:
            del parent[last]
        elif kind == "wrap" and last is not None:
            parent[last] = [parent[last]]
        elif kind == "nest" and last is not None:
            parent[last] = {draw(st.text(max_size=6)): parent[last]}
    return data


def _parent(data: Any, path: tuple) -> tuple[Any, Any]:
    """(container, key) of `path` in `data`, (data, None) for the root, (None, None) if gone."""
    if not path:
        return data, None
    node = data
    for part in path[:-1]:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return None, None
    try:
        node[path[-1]]
    except (KeyError, IndexError, TypeError):
        return None, None
    return node, path[-1]


def check_message(message: str, given_input: Any) -> None:
    """No internal name in `message` (unless the user typed it), and on one line."""
    leaked = [word for word in INTERNALS if word in message and word not in str(given_input)]
    assert not leaked, f"{leaked} in: {message}"
    assert "\n" not in message, message


def test_the_valid_scenario_is_valid() -> None:
    assert scenario_from_dict(VALID).name == "fuzz"


@FUZZ
@given(mutated())
def test_mutations_of_a_mapping_are_accepted_or_refused_in_plain_words(data) -> None:
    try:
        scenario_from_dict(data)
    except ScenarioError as exc:
        check_message(str(exc), data)


@settings(FUZZ, max_examples=60)
@given(mutated())
def test_mutations_written_to_a_file_are_accepted_or_refused_in_plain_words(data) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        try:
            load_scenario(path)
        except ScenarioError as exc:
            check_message(str(exc), data)


@settings(FUZZ, max_examples=100)
@given(
    st.one_of(
        st.sampled_from([p for p in PATHS if p]).map(lambda p: ".".join(map(str, p))),
        st.sampled_from(SELECTORS),
    ),
    st.one_of(
        junk.map(lambda v: yaml.safe_dump(v, default_flow_style=True).strip()), st.text(max_size=12)
    ),
)
def test_set_overrides_are_accepted_or_refused_in_plain_words(key: str, value: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fuzz.yaml"
        path.write_text(yaml.safe_dump(VALID), encoding="utf-8")
        try:
            load_scenario(path, [f"{key}={value}"])
        except ScenarioError as exc:
            check_message(str(exc), (key, value))


# ------------------------------------------------ every field of the baseline, validated and run

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"
RESOLVED = load_scenario(BASELINE).model_dump(mode="python")  # every field, `extends` resolved
RUN_SCALE = 100_000  # people per agent: every city keeps talent agents, 3 months in about 1 s
# Summary and calibration columns that are NaN by design when a target or moment falls outside
# the simulated months (as in the unmodified baseline run for 3 months).
UNDEFINED_IN_SHORT_RUNS = ("target", "share_of_target", "talent_at_target", "reached", "simulated")


def _leaves(node: Any, prefix: tuple = ()) -> list[tuple[tuple, Any]]:
    """(path, value) of every scalar inside `node`."""
    if isinstance(node, dict):
        return [leaf for k, v in node.items() for leaf in _leaves(v, (*prefix, k))]
    if isinstance(node, list):
        return [leaf for i, v in enumerate(node) for leaf in _leaves(v, (*prefix, i))]
    return [(prefix, node)]


LEAVES = _leaves(RESOLVED)
NUMBERS = [p for p, v in LEAVES if isinstance(v, (int, float)) and not isinstance(v, bool)]
BAD_VALUES = [
    float("nan"),
    float("inf"),
    float("-inf"),
    1e300,
    1e15,
    -1.0,
    -1e9,
    0,
    "text",
    [],
    {},
    None,
    True,
]


def _set(data: dict, path: tuple, value: Any) -> None:
    node = data
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value


@pytest.mark.parametrize("value", [float("nan"), float("inf"), float("-inf")])
def test_every_number_of_the_schema_refuses_nan_and_infinity(value: float) -> None:
    """All numbers at once: pydantic reports one error per field, so each field is checked."""
    data = copy.deepcopy(RESOLVED)
    for path in NUMBERS:
        _set(data, path, value)
    with pytest.raises(ValidationError) as info:
        Scenario.model_validate(data)
    refused = {tuple(e["loc"]) for e in info.value.errors() if e["type"] == "finite_number"}
    # an int field refuses a non-finite float with another type; it is refused all the same
    others = {tuple(e["loc"]) for e in info.value.errors()} - refused
    assert len(NUMBERS) > 200  # the walk found the whole schema
    assert set(NUMBERS) <= refused | others, set(NUMBERS) - refused - others
    floats = [p for p in NUMBERS if isinstance(_get(RESOLVED, p), float)]
    assert set(floats) <= refused, set(floats) - refused


def _get(data: Any, path: tuple) -> Any:
    for part in path:
        data = data[part]
    return data


@st.composite
def baseline_mutants(draw) -> dict[str, Any]:
    """The resolved baseline with one field given a bad value, or deleted."""
    data = copy.deepcopy(RESOLVED)
    path = draw(st.sampled_from([p for p, _ in LEAVES]))
    if draw(st.integers(0, len(BAD_VALUES))) == len(BAD_VALUES):
        parent = _get(data, path[:-1])
        del parent[path[-1]]
    else:
        _set(data, path, draw(st.sampled_from(BAD_VALUES)))
    return data


def validate_then_run(data: dict[str, Any], folder: Path) -> str:
    """`hubsim validate` on `data` written as YAML; if valid, a 3-month run. 'refused' or 'ran'."""
    path = folder / "mutant.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["validate", str(path)])
    message = err.getvalue()
    assert code in (0, 2), message
    if code == 2:
        assert message.startswith("hubsim: ") and message.count("\n") == 1, message
        check_message(message.strip(), data)
        return "refused"
    result = hubsim.run(path, months=3, scale=RUN_SCALE, replications=1, plots=False)
    assert_no_nan(result)
    return "ran"


def assert_no_nan(result: hubsim.RunResult) -> None:
    raw = ("city_month", "flows_year", "pool_year", "city_sector_month")
    for name in (*raw, "summary", "replications", "calibration"):
        table = getattr(result, name).select_dtypes("number")
        if name not in raw:
            keep = [c for c in table if not c.startswith(UNDEFINED_IN_SHORT_RUNS)]
            table = table[keep]
        assert not table.isna().any().any(), (name, table.columns[table.isna().any()].tolist())


def test_the_baseline_runs_for_three_months_without_nan(tmp_path: Path) -> None:
    assert validate_then_run(copy.deepcopy(RESOLVED), tmp_path) == "ran"


def test_the_nan_check_sees_a_nan(tmp_path: Path) -> None:
    """Negative control: a NaN in an output table fails assert_no_nan."""
    result = hubsim.run(BASELINE, months=1, scale=RUN_SCALE, plots=False)
    result.city_month.loc[0, "value"] = float("nan")
    with pytest.raises(AssertionError):
        assert_no_nan(result)


@settings(FUZZ, max_examples=4)
@given(baseline_mutants())
def test_baseline_mutants_are_refused_in_plain_words_or_run_without_nan(data) -> None:
    with tempfile.TemporaryDirectory() as folder:
        validate_then_run(data, Path(folder))


@pytest.mark.slow
@settings(FUZZ, max_examples=300)
@given(baseline_mutants())
def test_many_baseline_mutants_are_refused_in_plain_words_or_run_without_nan(data) -> None:
    with tempfile.TemporaryDirectory() as folder:
        validate_then_run(data, Path(folder))
