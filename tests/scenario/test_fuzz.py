"""Fuzzing the schema: any mutation of a valid scenario is accepted or refused in plain words.

Every failure must be a `ScenarioError` (never another exception) whose message shows no
library internals. Derandomized, so the examples are the same on every run.
"""

from __future__ import annotations

import copy
import tempfile
from pathlib import Path
from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hubsim.errors import ScenarioError
from hubsim.scenario import load_scenario, scenario_from_dict

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
    "ghost": {"occupancy_below": 0.6},
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
