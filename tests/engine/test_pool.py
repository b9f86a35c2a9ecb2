"""The finite pool (engine.pool and the pool account): cohorts by level from the data, the 2010
stock from the census, national talent = stock + graduates - retirements every month."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import hubsim
from hubsim.engine import HubModel
from hubsim.engine.accounts import national_talent, outside_counts
from hubsim.engine.phases import demography, migration
from hubsim.engine.pool import (
    education_stock,
    education_stock_2010,
    graduate_schedule,
    read_table,
)
from hubsim.engine.rules.demography import cohort_by_degree
from hubsim.experiments.replications import resolve
from hubsim.scenario import CITY_KEYS, DEGREES, TALENT_DEGREE

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"
SPINUP = BASELINE.with_name("spinup-2000.yaml")
# graduates_by_level.csv, 2019 (reported): junior college 3,638,141, bachelor 3,947,157,
# master 577,088, PhD 62,578
COLLEGE_2019, BACHELOR_2019 = 3_638_141, 3_947_157
BACHELOR_PLUS_2019 = BACHELOR_2019 + 577_088 + 62_578
# education_2000_2010.csv: the 2010 census's bachelor (45.63 M) and postgraduate (4.14 M) holders
CENSUS_BACHELOR_PLUS_2010 = 45_630_000 + 4_140_000


def baseline(
    months: int, scale: float = 50_000, start: str = "2010-01", overrides: list[str] = ()
) -> HubModel:
    overrides = [f"start={start}", *overrides]
    return HubModel(resolve(BASELINE, months=months, scale=scale, overrides=overrides))


# ----------------------------------------------------------------------------- the data
def test_schedule_has_every_year_and_marks_what_it_filled():
    schedule = graduate_schedule()
    assert list(schedule.years) == list(range(2000, 2024))
    row = list(schedule.years).index(2019)
    np.testing.assert_array_equal(schedule.people[row], [0, 3_638_141, 3_947_157, 577_088, 62_578])
    assert set(schedule.basis[row][1:]) == {"data"}
    # 2011 has only the totals: the split is an ESTIMATE, and the total is kept.
    y2011 = list(schedule.years).index(2011)
    assert all(b.startswith("ESTIMATE") for b in schedule.basis[y2011][1:])
    assert schedule.people[y2011, 1:3].sum() == pytest.approx(6_081_500)
    assert schedule.people[y2011, 3:].sum() == pytest.approx(430_000)


def test_the_2010_stock_is_the_census_where_it_exists():
    stock = education_stock_2010()
    assert stock.national[TALENT_DEGREE:].sum() == pytest.approx(CENSUS_BACHELOR_PLUS_2010)
    beijing = CITY_KEYS.index("beijing")
    # 31,499 college-and-above residents per 100,000 of Beijing's 19,612,368 (census bulletin)
    assert stock.per_city[beijing].sum() == pytest.approx(0.31499 * 19_612_368)
    assert stock.basis[beijing].startswith("reported")
    assert stock.basis[CITY_KEYS.index("chengdu")].startswith("ESTIMATE")


def test_national_talent_in_2010_is_within_15_percent_of_the_census():
    # The agents are ages 15-59: the census count (all ages) scaled by the ESTIMATE share of
    # degree holders of working age (0.96) is what they should hold; both within 15 %.
    model = baseline(1, scale=2_000)  # degrees are drawn: about 7,000 city agents of talent
    talent = model.state.pool.talent_start * model.state.scale
    assert abs(talent / CENSUS_BACHELOR_PLUS_2010 - 1) <= 0.15
    share = model.state.behaviour.demography.educated_working_age_share
    assert talent == pytest.approx(CENSUS_BACHELOR_PLUS_2010 * share, rel=0.02)
    # The old tier shares (30 %, 18 %, 6 % of working age) gave 73.7 M: 48 % too many.
    assert abs(73_700_000 / CENSUS_BACHELOR_PLUS_2010 - 1) > 0.15


# ----------------------------------------------------------------------------- the account
def account_gaps(model: HubModel, months: int, leak=None) -> np.ndarray:
    """|national talent counted - start - graduates + retirements| each month, in people."""
    gaps = []
    for _ in range(months):
        model.step()
        if leak is not None:
            leak(model)
        counted = national_talent(model.state)
        assert counted == pytest.approx(model.state.counts["talent"].sum(), abs=1e-6)
        gaps.append(abs(counted - model.state.pool.talent_expected()) * model.state.scale)
    return np.array(gaps)


def test_national_talent_is_stock_plus_graduates_less_retirements_every_month():
    # 2016-07 to 2018-12: two Julys, caps binding, programmes and housing removal in force.
    model = baseline(30, start="2016-07")
    gaps = account_gaps(model, 30)
    assert gaps.max() < 1.0  # to the person
    assert model.state.pool.cohort[:, TALENT_DEGREE:].sum() > 0


def leak(model: HubModel) -> None:  # 0.01 % of the outside node's talent vanishes a month
    model.state.outside_agents[TALENT_DEGREE:] *= 0.9999
    outside_counts(model.state, model.state.counts)


def test_negative_control_a_leaking_outside_node_breaks_the_account():
    model = baseline(6, start="2016-07")
    assert account_gaps(model, 6, leak).max() > 1.0


def spinup(months: int) -> HubModel:
    return HubModel(resolve(SPINUP, months=months, scale=50_000))


def test_the_account_holds_from_the_2000_census_too():
    # 2000-01 to 2002-06: the 2000 stock, the 2000 and 2001 cohorts, retirements.
    model = spinup(30)
    gaps = account_gaps(model, 30)
    assert gaps.max() < 1.0  # to the person
    assert model.state.pool.cohort[:2, TALENT_DEGREE:].sum() > 0


def test_national_talent_in_2000_is_the_2000_census_stock():
    # The 2000 census's 18.2 M bachelor-and-above (ESTIMATE split of its 45.7 M college and
    # above) scaled to ages 15-59; about 8,700 agents of talent at this scale: within 2 %.
    model = HubModel(resolve(SPINUP, months=1, scale=2_000))
    talent = model.state.pool.talent_start * model.state.scale
    share = model.state.behaviour.demography.educated_working_age_share
    stock = education_stock(2000).national[TALENT_DEGREE:].sum()
    assert talent == pytest.approx(stock * share, rel=0.02)
    assert stock == pytest.approx(18_168_000, rel=0.01)


def test_negative_control_a_leak_breaks_the_2000_account():
    assert account_gaps(spinup(6), 6, leak).max() > 1.0


def _july_2019(monkeypatch=None, old_rule: bool = False) -> tuple[float, float, HubModel]:
    """(talent, people) the July 2019 cohort adds to the model, counted afresh before and after
    its event in all nodes, and the model. Demography off (nobody retires, so no young
    entrant) and adult degrees off, so that only the cohort changes the counts. `old_rule`
    puts back the rule this replaced: every postgraduate a new person."""
    params = resolve(
        BASELINE, months=7, scale=50_000,
        overrides=["start=2019-01", "behaviour.switches.demography=false",
                   "behaviour.demography.adult_degree_rate_per_year=0"],
    )  # fmt: skip
    if old_rule:
        monkeypatch.setattr(demography, "_upgrade_postgraduates", _no_upgrade)
        monkeypatch.setattr(demography, "_upgrade_outside", _outside_all_new)
    model = HubModel(params)
    for _ in range(6):  # 2019-01 ... 2019-06
        model.step()
    state = model.state

    def people() -> float:
        return np.count_nonzero(state.workers.city >= 0) + state.outside_agents.sum()

    talent, everyone = national_talent(state), people()
    demography.graduate_cohort(state, month=6)  # July's dated event
    scale = state.scale
    return (national_talent(state) - talent) * scale, (people() - everyone) * scale, model


def _no_upgrade(state, at_cities, now, rng):
    return np.zeros(0, dtype=np.int64), np.zeros_like(at_cities)


def _outside_all_new(state, graduates):
    state.outside_agents += graduates
    return np.zeros(len(DEGREES))


def test_the_2019_cohort_adds_its_bachelors_to_talent_and_postgraduates_no_one():
    talent, people, model = _july_2019()
    assert talent == pytest.approx(BACHELOR_2019, rel=0.01)
    # Head count: junior-college and bachelor graduates are new people, postgraduates not.
    assert people == pytest.approx(COLLEGE_2019 + BACHELOR_2019, rel=0.01)
    pool = model.state.pool
    master = DEGREES.index("master")
    assert pool.upgraded[0, master:].sum() == pytest.approx(pool.cohort[0, master:].sum())
    assert pool.cohort[0, master:].sum() * model.state.scale == pytest.approx(
        BACHELOR_PLUS_2019 - BACHELOR_2019, rel=1e-9
    )


def test_negative_control_postgraduates_as_new_people_are_rejected(monkeypatch):
    talent, people, _ = _july_2019(monkeypatch, old_rule=True)
    assert abs(talent / BACHELOR_2019 - 1) > 0.01
    assert abs(people / (COLLEGE_2019 + BACHELOR_2019) - 1) > 0.01


def test_negative_control_the_headline_cohort_as_talent_is_rejected(monkeypatch):
    # The rule replaced before: every graduate, junior college included, became talent.
    def headline_as_talent(demo, year, years, people):
        cohort = cohort_by_degree(demo, year, years, people)
        college = DEGREES.index("college")
        cohort[TALENT_DEGREE] += cohort[college]
        cohort[college] = 0.0
        return cohort

    monkeypatch.setattr(demography, "cohort_by_degree", headline_as_talent)
    assert abs(_july_2019()[0] / BACHELOR_2019 - 1) > 0.01


def talent_closed_form_gap(months: int = 30) -> float:
    """|national talent counted - (start + the data's bachelor cohorts + adult bachelor
    degrees - retirements)| at the end of a baseline run from 2016-07 (two Julys), in
    people: the finite pool in closed form, postgraduates adding no one."""
    model = baseline(months, start="2016-07")
    for _ in range(months):
        model.step()
    state, talent = model.state, slice(TALENT_DEGREE, None)
    bachelor = cohorts_in_the_data(range(2016, 2019))[:, TALENT_DEGREE].sum() / state.scale
    pool = state.pool
    # Postgraduates no holder of the degree below could become (a coarse scale's rounding)
    # enter as new people, and the account records them.
    postgraduates = slice(TALENT_DEGREE + 1, None)
    shortfall = (pool.cohort[:, postgraduates] - pool.upgraded[:, postgraduates]).sum()
    expected = (
        pool.talent_start + bachelor + shortfall + pool.adult[:, talent].sum()
        - pool.retired[:, talent].sum()
    )  # fmt: skip
    assert pool.adult[:, talent].sum() > 0
    gap = abs(national_talent(state) - expected) * state.scale
    return gap, shortfall / pool.cohort[:, postgraduates].sum()


def test_national_talent_is_stock_plus_bachelor_cohorts_plus_adult_degrees_less_retirements():
    # Cohorts are the data's to float rounding: the account holds to a person; at most 5 % of
    # the postgraduates enter as new people (no holder below to upgrade at this coarse scale).
    gap, new_share = talent_closed_form_gap()
    assert gap < 1.0
    assert new_share < 0.05  # 2.8 % at this scale (50,000 people an agent), seed as fixed


def test_negative_control_postgraduates_as_new_people_break_the_closed_form(monkeypatch):
    monkeypatch.setattr(demography, "_upgrade_postgraduates", _no_upgrade)
    monkeypatch.setattr(demography, "_upgrade_outside", _outside_all_new)
    # Every postgraduate of 2017 and 2018 enters as a new person.
    _, new_share = talent_closed_form_gap()
    assert new_share > 0.99


# ----------------------------------------------------------------------------- each July's cohort
LEVELS = {"college": "junior_college(专科)", "bachelor": "bachelor_program(本科)",
          "master": "master", "doctor": "doctor"}  # fmt: skip


def cohorts_in_the_data(years: range) -> np.ndarray:
    """(year, degree) graduates of each level, read straight from graduates_by_level.csv (every
    level is reported for 2014-2021, so no gap rule is involved)."""
    table = read_table("graduates_by_level.csv")
    out = np.zeros((len(years), len(DEGREES)))
    for d, level in enumerate(LEVELS.values(), start=1):
        rows = table[table.level == level].set_index("year")["graduates"]
        out[:, d] = [rows[y] for y in years]
    return out


def cohorts_the_pool_receives(years: range) -> tuple[np.ndarray, list[int]]:
    """(year, degree) people the pool account records as each year's cohort, over a baseline
    run from January of the first year to December of the last (firms, labour market and
    housing off: they do not touch the cohort); and the months of the year in which the
    account's cohort changed."""
    quiet = ("labour_market", "housing", "firm_dynamics")
    overrides = [f"start={years[0]}-01"] + [f"behaviour.switches.{p}=false" for p in quiet]
    # 50,000 people an agent: about 2,000 agents, a second's run. At 200,000 (500 agents) a
    # university city can lack a young bachelor holder for its PhD cohort, and the shortfall
    # enters as whole new agents (pool_year's postgraduates_new), not the data's fraction.
    model = HubModel(resolve(BASELINE, months=12 * len(years), scale=50_000, overrides=overrides))
    pool, changed = model.state.pool, []
    for month in range(model.params.months):
        before = pool.cohort.copy()
        model.step()
        if not np.array_equal(pool.cohort, before):
            changed.append(month % 12 + 1)
    return pool.cohort[: len(years)] * model.state.scale, changed


COHORT_YEARS = range(2014, 2022)


def check_cohorts_are_the_data() -> None:
    received, months = cohorts_the_pool_receives(COHORT_YEARS)
    assert months == [7] * len(COHORT_YEARS), f"cohorts arrived in months {months}"
    # The account holds graduates / scale agents: whole agents placed at the 13 cities'
    # universities, the fraction left to the outside node, so each level's cohort is the
    # data's to float rounding (1e-9 relative), not to the nearest agent.
    expected = cohorts_in_the_data(COHORT_YEARS)
    np.testing.assert_allclose(
        received, expected, rtol=1e-9, atol=0, err_msg="the cohorts received are not the data"
    )


def test_the_cohort_the_pool_receives_each_july_is_the_data():
    check_cohorts_are_the_data()


@pytest.mark.parametrize("broken", ["cohort_2015_doubled"], indirect=True)
def test_negative_control_cohort_2015_doubled(broken):
    # The account still balances under this break (stock + cohorts - retirements).
    with pytest.raises(AssertionError, match="the cohorts received are not the data"):
        check_cohorts_are_the_data()


# ----------------------------------------------------------------------------- it binds
def reached(factor: float) -> float:
    """Targets reached in the baseline to 2025-12 with cohorts multiplied by `factor`."""
    result = hubsim.run(
        BASELINE,
        months=192,
        scale=50_000,
        overrides=[f"behaviour.demography.graduate_cohort_factor={factor}"],
        plots=False,
    )
    return float(result.summary.reached_share.sum())


@pytest.mark.slow  # 4-8 s: the default run stays under 3 minutes; CI runs it
def test_with_cohorts_halved_fewer_targets_are_reached():
    assert reached(0.5) < reached(1.0)


@pytest.mark.slow  # 4-8 s: the default run stays under 3 minutes; CI runs it
def test_negative_control_a_model_ignoring_the_cohort_size_reaches_as_many(monkeypatch):
    def ignoring_factor(demo, year, years, people):
        return cohort_by_degree(demo.model_copy(update={"graduate_cohort_factor": 1.0}), year,
                                years, people)  # fmt: skip

    monkeypatch.setattr(demography, "cohort_by_degree", ignoring_factor)
    assert not reached(0.5) < reached(1.0)


# ----------------------------------------------------------------------------- first choice
def share_of_2010_cohort_in_the_13() -> tuple[float, float]:
    """(share of the July 2010 bachelor+ cohort in the 13 cities after its first choice,
    share of the country's universities in the 13 cities)."""
    model = baseline(7)
    for _ in range(7):
        model.step()
    went = model.state.pool.went[0, :, TALENT_DEGREE:].sum(axis=1)
    c = model.state.cities
    universities = (
        c.universities[:-1].sum() / model.state.behaviour.demography.national_universities
    )
    return float(went[:-1].sum() / went.sum()), float(universities)


def test_graduates_of_the_rest_of_chinas_universities_choose_at_graduation_too():
    in_13, universities = share_of_2010_cohort_in_the_13()
    assert in_13 > universities + 0.05


def test_negative_control_without_their_choice_the_13_keep_only_their_own(monkeypatch):
    monkeypatch.setattr(migration, "_outside_graduates_choose", lambda *args: None)
    in_13, universities = share_of_2010_cohort_in_the_13()
    assert in_13 <= universities + 0.05


# ----------------------------------------------------------------------------- the stock
# education_2000_2010.csv: college-and-above residents per 100,000, 2010 census and 2015 1 %
# sample survey (reported).
CENSUS_2010_PER_100K, SURVEY_2015_PER_100K = 8_930, 12_445


def college_plus_per_100k(adult_rate: float | None = None) -> tuple[float, float]:
    """National junior-college-and-above residents per 100,000 in the baseline at its start
    (2010-01) and at the end of 2015, all 14 nodes: the agents' holders (ages 15-59) over the
    ESTIMATE share of holders of working age, per 100,000 residents (the `population` metric).
    The stock and the population both scale with the agents, so a coarse scale measures it
    (50,000 people an agent: 0.1 % from the baseline's 500 in a check run)."""
    overrides = [] if adult_rate is None else [
        f"behaviour.demography.adult_degree_rate_per_year={adult_rate}"
    ]  # fmt: skip
    model = baseline(72, overrides=overrides)
    share = model.state.behaviour.demography.educated_working_age_share

    def rate(metrics: dict[str, np.ndarray]) -> float:
        holders = (metrics["talent"] + metrics["college"]).sum() / share
        return float(holders / metrics["population"].sum() * 1e5)

    start = rate(model.initial_metrics)
    for _ in range(72):
        model.step()
    return start, rate(model.state.metrics)


def test_the_national_stock_meets_the_2015_survey_within_5_percent():
    start, end = college_plus_per_100k()
    assert start == pytest.approx(CENSUS_2010_PER_100K, rel=0.05)
    assert end == pytest.approx(SURVEY_2015_PER_100K, rel=0.05)


def test_negative_control_without_adult_degrees_the_2015_stock_falls_short():
    # Regular cohorts alone leave the stock about 15 % below the survey.
    assert college_plus_per_100k(adult_rate=0.0)[1] < SURVEY_2015_PER_100K * 0.95
