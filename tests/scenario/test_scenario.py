"""Scenario loading: every user mistake is one clear paragraph; extends and --set semantics."""

from __future__ import annotations

from pathlib import Path

import pytest

from hubsim.errors import HubsimError, ScenarioError
from hubsim.scenario import CITY_KEYS, json_schema, load_scenario

SMALL = """
name: small
months: 12
programmes:
  - {city: wuhan, start: 2017-10, instrument: cash, amount: 5000}
  - {city: chengdu, start: 2017-07, instrument: hukou}
"""

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def problem(path: Path, overrides: list[str] | None = None) -> str:
    """The message of the ScenarioError that loading `path` raises (checked to be one line)."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path, overrides)
    message = str(info.value)
    assert "\n" not in message, message
    assert message.startswith(str(path)), message
    return message


# --------------------------------------------------------------------------- files and YAML


def test_scenario_error_is_a_hubsim_error() -> None:
    assert issubclass(ScenarioError, HubsimError)


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    message = problem(tmp_path / "nowhere.yaml")
    assert "nowhere.yaml" in message
    assert "not found" in message


def test_yaml_syntax_error_gives_line_and_column(write) -> None:
    path = write("tabs.yaml", "name: tabs\nbehaviour:\n\tmigration: {b_w: 1}\n")
    message = problem(path)
    assert "YAML syntax error at line 3, column 1" in message
    assert "tabs" in message  # the fix mentions tabs


def test_unclosed_bracket_points_at_where_it_opened(write) -> None:
    path = write("bracket.yaml", "name: b\nseed: 1\nbehaviour:\n  migration: {b_w: 1\n")
    message = problem(path)
    assert "line 4, column 14" in message
    assert "matching brackets" in message


def test_duplicate_key_is_an_error_not_silently_dropped(write) -> None:
    path = write(
        "dup.yaml",
        """
        name: dup
        behaviour:
          migration: {b_w: 2.0}
        behaviour:
          labour: {matching_elasticity: 0.4}
        """,
    )
    message = problem(path)
    assert "'behaviour' appears twice" in message
    assert "line 4" in message


def test_non_utf8_file(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("name: x\nquestion: caf\xe9\n".encode("latin-1"))
    assert "UTF-8" in problem(path)


def test_a_list_is_not_a_scenario(write) -> None:
    assert "mapping of keys" in problem(write("list.yaml", "- name: x\n"))


# --------------------------------------------------------------------------- schema errors


@pytest.mark.parametrize(
    ("text", "key", "suggestion"),
    [
        ("behaviour:\n  migration:\n    bw: 1\n", "behaviour.migration.bw", "b_w"),
        ("programme: []\n", "programme", "programmes"),
        (
            "programmes:\n  - {city: wuhan, start: 2017-10, instrument: cash, amont: 5}\n",
            "programmes.0.amont",
            "amount",
        ),
        ("cities:\n  wuhan: {amenty: 0.1}\n", "cities.wuhan.amenty", "amenity"),
    ],
)
def test_unknown_key_names_the_dotted_key_and_a_close_match(write, text, key, suggestion) -> None:
    message = problem(write("typo.yaml", "name: typo\n" + text))
    assert f"key '{key}' is not a scenario key" in message
    assert f"did you mean '{suggestion}'" in message


@pytest.mark.parametrize(
    ("text", "key"),
    [
        (
            "programmes:\n  - {city: atlantis, start: 2017-10, instrument: hukou}\n",
            "programmes.0.city",
        ),
        (
            "targets:\n  atlantis: {by: 2020-12, gain_share: 0.1}\n",
            "targets.atlantis",
        ),
        ("cities:\n  atlantis: {amenity: 0.1}\n", "cities.atlantis"),
    ],
)
def test_unknown_city_names_the_key_and_lists_the_cities(write, text, key) -> None:
    message = problem(write("city.yaml", "name: city\n" + text))
    assert f"key '{key}'" in message
    assert "'atlantis' is not one of the 13 modelled cities" in message
    assert all(city in message for city in CITY_KEYS)
    assert "{" not in message  # no dump of the whole mapping


@pytest.mark.parametrize(
    ("extra", "key", "value"),
    [
        ("amount: -5", "programmes.0.amount", "-5"),
        ("budget_yuan_per_year: -2000.5", "programmes.0.budget_yuan_per_year", "-2000.5"),
    ],
)
def test_negative_amounts_are_refused(write, extra, key, value) -> None:
    path = write(
        "neg.yaml",
        f"name: neg\nprogrammes:\n  - {{city: wuhan, start: 2017-10, instrument: cash, {extra}}}\n",
    )
    message = problem(path)
    assert f"key '{key}' must be 0 or more, but it is {value}" in message


def test_programme_ending_before_it_starts(write) -> None:
    path = write(
        "end.yaml",
        "name: end\nprogrammes:\n"
        "  - {city: wuhan, start: 2018-05, end: 2018-01, instrument: hukou}\n",
    )
    message = problem(path)
    assert "key 'programmes.0.end'" in message
    assert "2018-01" in message and "2018-05" in message
    assert "set end to 2018-05 or later" in message


def test_share_above_one(write) -> None:
    path = write(
        "share.yaml",
        "name: share\nprogrammes:\n"
        "  - {city: wuhan, start: 2018-01, instrument: housing_discount, amount: 20}\n",
    )
    message = problem(path)
    assert "key 'programmes.0.amount'" in message
    assert "between 0 and 1" in message


def test_target_date_before_start_and_missing_gain(write) -> None:
    path = write(
        "target.yaml",
        """
        name: target
        targets:
          wuhan: {start: 2017-10, by: 2016-12, graduates_staying_people: 1000}
          xian: {by: 2020-12}
          chengdu: {start: 2017-01, by: 2020-12, gain_share: 0.5}
          nanjing: {by: 2020-12, gain_people: 10, base_year: 2015}
        """,
    )
    message = problem(path)
    assert "key 'targets.wuhan.by'" in message
    assert "key 'targets.xian': a target needs exactly one of talent_people" in message
    # A gain counts from a census stock, never from a simulated start.
    assert "key 'targets.chengdu.start'" in message and "remove start" in message
    assert "key 'targets.nanjing.base_year'" in message and "use 2010" in message


def test_a_target_switched_to_another_kind_in_an_extending_file_just_works(write) -> None:
    write(
        "parent.yaml",
        """
        name: parent
        targets:
          chengdu: {by: 2025-12, gain_share: 0.5, source: ASSUMPTION}
          wuhan: {start: 2017-01, by: 2021-12, graduates_staying_people: 1000000,
                  within_years: 3, source: "policy_effects.csv"}
        """,
    )
    child = write(
        "child.yaml",
        """
        extends: parent.yaml
        name: child
        targets:
          chengdu: {gain_people: 2000000}
          wuhan: {talent_people: 3000000, source: "a plan"}
        """,
    )
    targets = load_scenario(child).targets
    assert targets["chengdu"].kind == "gain_people" and targets["chengdu"].amount == 2e6
    assert targets["chengdu"].by == "2025-12"  # inherited
    assert targets["wuhan"].kind == "talent_people" and targets["wuhan"].start is None
    assert targets["wuhan"].source == "a plan"
    # Without a kind the keys merge as before: only the date changes.
    later = write(
        "later.yaml", "extends: parent.yaml\nname: later\ntargets:\n  chengdu: {by: 2029-12}\n"
    )
    assert load_scenario(later).targets["chengdu"].gain_share == 0.5


def test_month_with_a_day_or_bad_format(write) -> None:
    path = write(
        "month.yaml",
        "name: month\nstart: 2010-01-01\nprogrammes:\n"
        "  - {city: wuhan, start: 2017-1, instrument: hukou}\n",
    )
    message = problem(path)
    assert "key 'start' must be a month written YYYY-MM" in message
    assert "2010-01-01" in message and "datetime" not in message
    assert "key 'programmes.0.start' must be a month written YYYY-MM" in message
    assert "pattern" not in message  # no regular expression shown to the analyst


def test_wrong_type_in_file(write) -> None:
    message = problem(write("type.yaml", "name: t\nbehaviour:\n  migration: {b_w: high}\n"))
    assert "key 'behaviour.migration.b_w' must be a number, but it is 'high'" in message


def test_many_problems_are_counted_not_listed(write) -> None:
    lines = "".join(
        f"  - {{city: wuhan, start: 2017-10, instrument: cash, amount: -{i}}}\n"
        for i in range(1, 8)
    )
    message = problem(write("many.yaml", "name: many\nprogrammes:\n" + lines))
    assert "programmes.4.amount" in message
    assert "programmes.5.amount" not in message
    assert "(and 2 more problems)" in message


# --------------------------------------------------------------------------- extends


def test_extends_cycle(write) -> None:
    write("b.yaml", "extends: a.yaml\nname: b\n")
    message = problem_anywhere(write("a.yaml", "extends: b.yaml\nname: a\n"))
    assert "'extends'" in message and "cycle" in message
    assert "a.yaml -> b.yaml -> a.yaml" in message


def test_extends_itself(write) -> None:
    message = problem_anywhere(write("self.yaml", "extends: self.yaml\n"))
    assert "self.yaml -> self.yaml" in message


def problem_anywhere(path: Path) -> str:
    """Like problem(), for messages that name another file of the extends chain first."""
    with pytest.raises(ScenarioError) as info:
        load_scenario(path)
    assert "\n" not in str(info.value)
    return str(info.value)


def test_extends_missing_file(write) -> None:
    message = problem(write("child.yaml", "extends: gone.yaml\nname: child\n"))
    assert "key 'extends' names gone.yaml" in message
    assert "does not exist" in message


def test_extends_not_a_file_name(write) -> None:
    assert "key 'extends' must be a file name" in problem(write("c.yaml", "extends: [a, b]\n"))


def test_error_in_parent_names_the_parent(write) -> None:
    write("parent.yaml", "name: parent\nmonths: zero\n")
    child = write("child.yaml", "extends: parent.yaml\nseed: 3\n")
    with pytest.raises(ScenarioError, match="key 'months' must be a whole number"):
        load_scenario(child)


def test_extends_merges_mappings_and_replaces_lists(write) -> None:
    write(
        "parent.yaml",
        SMALL + "behaviour:\n  migration: {b_w: 2.0, b_r: 0.7, hazards: {base_per_year: 0.05}}\n",
    )
    child = write(
        "child.yaml",
        """
        extends: parent.yaml
        behaviour:
          migration: {b_r: 0.9}
        programmes:
          - {city: xian, start: 2017-03, instrument: hukou}
        """,
    )
    scenario = load_scenario(child)
    migration = scenario.behaviour.migration
    assert migration.b_r == 0.9  # overridden
    assert migration.b_w == 2.0  # sibling kept from the parent
    assert migration.hazards.base_per_year == 0.05  # nested sibling kept
    assert [p.city for p in scenario.programmes] == ["xian"]  # list replaced, not appended
    assert scenario.months == 12  # untouched scalar inherited


def test_an_extending_file_can_drop_every_programme_and_target(write) -> None:
    write("parent.yaml", SMALL + "targets:\n  xian: {by: 2018-12, talent_people: 1000}\n")
    kept = load_scenario(write("kept.yaml", "extends: parent.yaml\ntargets: {}\n"))
    assert list(kept.targets) == ["xian"]  # {} merges: the parent's targets stay
    child = write("child.yaml", "extends: parent.yaml\nprogrammes: []\ntargets: null\n")
    scenario = load_scenario(child)
    assert scenario.programmes == [] and scenario.targets == {}


def test_the_spinup_starts_from_2000_without_programmes_or_targets():
    scenario = load_scenario(SCENARIOS / "spinup-2000.yaml")
    assert (scenario.start, scenario.months) == ("2000-01", 120)
    assert scenario.programmes == [] and scenario.targets == {}
    baseline = load_scenario(SCENARIOS / "baseline.yaml")
    assert scenario.cities == baseline.cities  # the baseline's amenities
    assert scenario.behaviour == baseline.behaviour


def test_child_is_named_after_itself_unless_it_says_otherwise(write) -> None:
    write("parent.yaml", SMALL)
    assert load_scenario(write("child.yaml", "extends: parent.yaml\n")).name == "child"
    named = write("named.yaml", "extends: parent.yaml\nname: my-variant\n")
    assert load_scenario(named).name == "my-variant"
    assert load_scenario(write("plain.yaml", "months: 3\n")).name == "plain"


# --------------------------------------------------------------------------- --set


@pytest.fixture
def small(write) -> Path:
    return write("small.yaml", SMALL)


def test_set_float_is_typed(small: Path) -> None:
    scenario = load_scenario(small, ["behaviour.migration.b_w=1.2"])
    assert scenario.behaviour.migration.b_w == 1.2
    assert isinstance(scenario.behaviour.migration.b_w, float)


def test_set_list_entry(small: Path) -> None:
    scenario = load_scenario(small, ["programmes.0.amount=123"])
    assert scenario.programmes[0].amount == 123.0
    assert scenario.programmes[1].amount == 0.0


def test_set_types_follow_the_schema(small: Path) -> None:
    scenario = load_scenario(
        small,
        ["name=2024", "behaviour.switches.housing=false", "seed=7", "programmes.1.end=2019-12"],
    )
    assert scenario.name == "2024"  # text stays text
    assert scenario.behaviour.switches.housing is False
    assert scenario.seed == 7
    assert scenario.programmes[1].end == "2019-12"


def test_set_unknown_key(small: Path) -> None:
    message = problem(small, ["behaviour.migration.nope=1"])
    assert "--set behaviour.migration.nope" in message
    assert "no key 'behaviour.migration.nope'" in message
    assert "b_w" in message  # lists the keys that exist there


def test_set_typo_suggests(small: Path) -> None:
    assert "did you mean 'migration'" in problem(small, ["behaviour.migratoin.b_w=1"])


@pytest.mark.parametrize("item", ["behaviour.migration.b_w", "=1", "behaviour..b_w=1", ".b_w=1"])
def test_set_without_key_value(small: Path, item: str) -> None:
    message = problem(small, [item])
    assert "is not KEY=VALUE" in message
    assert repr(item) in message


def test_set_wrong_type(small: Path) -> None:
    message = problem(small, ["behaviour.migration.b_w=abc"])
    assert "after --set" in message
    assert "key 'behaviour.migration.b_w' must be a number, but it is 'abc'" in message


def test_set_below_a_single_value(small: Path) -> None:
    message = problem(small, ["months.x=1"])
    assert "'months' is a single value (12)" in message


def test_set_list_index_out_of_range(small: Path) -> None:
    message = problem(small, ["programmes.5.amount=1"])
    assert "'programmes' is a list of 2 entries (numbered 0 to 1)" in message


def test_set_after_valid_file_still_validated(small: Path) -> None:
    message = problem(small, ["programmes.0.amount=-1"])
    assert "key 'programmes.0.amount' must be 0 or more" in message


# --------------------------------------------------------------------------- digest and schema


def test_digest_is_stable_and_tracks_values(small: Path) -> None:
    first = load_scenario(small).digest()
    assert first == load_scenario(small).digest()
    assert len(first) == 64
    assert load_scenario(small, ["months=12"]).digest() == first  # same value, same digest
    assert load_scenario(small, ["months=13"]).digest() != first
    assert load_scenario(small, ["behaviour.migration.b_w=1.51"]).digest() != first


def test_json_schema_lists_programmes() -> None:
    schema = json_schema()
    assert "programmes" in schema["properties"]
    assert schema["additionalProperties"] is False


def test_add_programmes_extends_the_inherited_list(tmp_path):
    from hubsim.scenario import load_scenario

    base = load_scenario(SCENARIOS / "baseline.yaml")
    child = tmp_path / "more.yaml"
    child.write_text(
        f"extends: {SCENARIOS / 'baseline.yaml'}\n"
        "add_programmes:\n"
        "  - {city: [chengdu, xian], start: 2020-01, instrument: cash, amount: 1000}\n"
    )
    more = load_scenario(child)
    assert len(more.programmes) == len(base.programmes) + 2
    assert [p.city for p in more.programmes[-2:]] == ["chengdu", "xian"]
    assert more.programmes[: len(base.programmes)] == base.programmes


def test_every_shipped_scenario_is_valid_and_asks_a_question():
    from hubsim.scenario import load_scenario

    shipped = sorted(SCENARIOS.glob("*.yaml"))
    assert len(shipped) >= 9, f"found only {len(shipped)} scenarios in {SCENARIOS}"
    for path in shipped:
        scenario = load_scenario(path)
        assert scenario.question, path
        assert path.read_text().startswith("#"), f"{path} should open with a comment"


def test_empty_file_and_file_level_key_hints(tmp_path):
    from hubsim.errors import ScenarioError
    from hubsim.scenario import load_scenario

    empty = tmp_path / "empty.yaml"
    empty.write_text("# nothing yet\n")
    with pytest.raises(ScenarioError, match="the file is empty.*extends: baseline.yaml"):
        load_scenario(empty)
    typo = tmp_path / "typo.yaml"
    typo.write_text("extnds: baseline.yaml\n")
    with pytest.raises(ScenarioError, match="did you mean 'extends'"):
        load_scenario(typo)


def test_removed_arrivals_only_key_says_it_was_removed(write) -> None:
    """An old file with eligibility.arrivals_only gets one paragraph naming the key and the fix."""
    path = write(
        "old.yaml",
        """
        name: old
        programmes:
          - {city: chengdu, start: 2018-01, instrument: cash, amount: 1000,
             eligibility: {min_degree: bachelor, arrivals_only: false}}
        """,
    )
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert "key 'programmes.0.eligibility.arrivals_only': this key was removed" in message
    assert "delete the line" in message and "\n" not in message


def test_amount_by_degree_only_for_per_person_instruments(write) -> None:
    base = (
        "name: x\nprogrammes:\n  - {city: guiyang, start: 2018-01, instrument: %s, amount: 5, %s}\n"
    )
    by_degree = "amount_by_degree: {phd: 9}"
    with pytest.raises(ScenarioError, match="office_capacity programmes have one amount"):
        load_scenario(write("seats.yaml", base % ("office_capacity", by_degree)))
    for instrument in ("cash", "rent"):  # the per-person instruments keep their table
        loaded = load_scenario(write(f"{instrument}.yaml", base % (instrument, by_degree)))
        assert loaded.programmes[0].amount_for("phd") == 9
