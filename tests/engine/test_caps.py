"""Population caps act on every way into a capped city: movers, graduates and young entrants.

A cap already exceeded when it starts pushes people out by housing removal.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from hubsim.engine import HubModel
from hubsim.engine.phases import demography, migration
from hubsim.engine.rules import programmes as programme_rules
from hubsim.experiments.replications import resolve
from hubsim.scenario import CITY_KEYS, scenario_from_dict

BASELINE = Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"

BEIJING = CITY_KEYS.index("beijing")
TOLERANCE = 0.01  # a binding cap is never exceeded by more than 1 %
MONTHS = 120  # long enough for the rule this replaced to overshoot by more
PRESSURE = 0.3  # added to Beijing's amenity in these tests
QUIET = {"hazards": {"base_per_year": 0, "young_per_year": 0, "unemployed_per_year": 0,
                     "new_graduate_per_year": 0, "outside_per_year": 0}}  # fmt: skip


def capped(
    cap_over_start: float, months: int, migration_keys: dict | None = None, scale: float = 20_000
) -> HubModel:
    """The baseline's cities (fitted amenities, Beijing's raised by PRESSURE), no programmes
    but a cap on Beijing from 2010-01 at `cap_over_start` times its 2010 residents."""
    base = resolve(BASELINE, months=months, scale=scale, seed=7).model_dump(mode="python")
    base["programmes"], base["targets"] = [], {}
    # Beijing made more attractive so that it presses against its cap whatever the other
    # settings (without a cap it would grow past it within the decade).
    base["cities"]["beijing"]["amenity"] += PRESSURE
    base["behaviour"]["migration"].update(migration_keys or {})
    start = HubModel(scenario_from_dict(base)).initial_metrics["population"][BEIJING]
    cap = {"city": "beijing", "start": "2010-01", "instrument": "population_cap",
           "amount": cap_over_start * start}  # fmt: skip
    return HubModel(scenario_from_dict({**base, "programmes": [cap]}))


def populations_over_cap(model: HubModel) -> np.ndarray:
    """Beijing's residents / its cap, each month."""
    cap = model.state.book.cap_people[0]
    ratios = []
    for _ in range(model.state.calendar.months):
        model.step()
        ratios.append(model.city_metrics["population"][BEIJING] / cap)
    return np.array(ratios)


def worst_excess_once_binding(ratios: np.ndarray) -> float:
    """The largest residents / cap after the city first enters the cap's last 10 %."""
    binding = np.flatnonzero(ratios >= 0.9)
    assert len(binding), f"the cap never bound (highest {ratios.max():.4f} of it)"
    return float(ratios[binding[0] :].max())


# Every way in (movers, outside arrivals, graduates, entrants), then only graduates and
# entrants (nobody reconsiders; new graduates still choose once).
WAYS_IN = [pytest.param(None, id="every-way-in"), pytest.param(QUIET, id="graduates-and-entrants")]


@pytest.mark.parametrize("keys", WAYS_IN)
def test_a_binding_cap_is_never_exceeded_by_more_than_one_percent(keys):
    ratios = populations_over_cap(capped(1.01, MONTHS, keys))
    assert worst_excess_once_binding(ratios) <= 1 + TOLERANCE


def _old_cap_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    """The rule this replaced: a linear cost (2 at the cap) paid by movers only; graduates
    placed in the city and young entrants pass freely."""

    def linear(state, counts):
        people = counts["population"] * state.scale / state.behaviour.demography.working_age_share
        cost = np.zeros(state.cities.n)
        cost[BEIJING] = 2.0 * max(0.0, (people[BEIJING] / state.book.cap_people[0] - 0.9) / 0.1)
        return cost

    monkeypatch.setattr(migration, "cap_cost", linear)
    monkeypatch.setattr(migration, "pays_cap_cost", lambda moving, newcomer: moving)
    monkeypatch.setattr(demography, "admitted_share", lambda cost, scale: np.ones_like(cost))


@pytest.mark.parametrize("keys", WAYS_IN)
def test_negative_control_the_old_linear_cap_is_exceeded(keys, monkeypatch):
    _old_cap_rule(monkeypatch)
    ratios = populations_over_cap(capped(1.01, MONTHS, keys))
    assert worst_excess_once_binding(ratios) > 1 + TOLERANCE


def test_a_cap_exceeded_at_its_start_pushes_people_out_by_housing_removal():
    # 30 % a year: 2.5 % of residents a month are displaced while the city is above its cap.
    pushed = populations_over_cap(capped(0.95, 12, {"population_cap_removal_per_year": 0.3}))
    start = 1 / 0.95
    assert start - pushed[0] >= 0.02 * start
    assert pushed[-1] <= 1 + TOLERANCE  # down to the cap ...
    assert pushed[-1] >= 0.97  # ... and not far below it: removal stops there
    # Negative control: without removal only retirements and movers take people out.
    kept = populations_over_cap(capped(0.95, 12, {"population_cap_removal_per_year": 0.0}))
    assert start - kept[0] < 0.01 * start
    assert kept[2] > 1 + TOLERANCE


def check_a_city_at_its_cap_admits_nobody() -> None:
    """Beijing starts above a cap of 90 % of its residents, with no housing removal, and runs
    to the July cohort: at the cap its cost is infinite for every way in, so no mover, no
    arrival from the rest of China, no graduate placed at its universities and no young
    entrant may stay. Its residents can only fall, month by month (exact, no tolerance)."""
    # 5,000 people an agent: about 50 of July's graduates are placed at Beijing's universities.
    model = capped(0.9, 7, {"population_cap_removal_per_year": 0.0}, scale=5_000)
    cap, state = model.state.book.cap_people[0], model.state
    residents = [model.initial_metrics["population"][BEIJING]]
    for month in range(7):
        model.step()
        residents.append(model.city_metrics["population"][BEIJING])
        assert residents[-1] >= cap  # still at (above) its cap: the cost is infinite
        assert state.tallies.flows[:, BEIJING].sum() == 0, f"month {month}: movers came in"
    july = state.calendar.first + 6
    w = state.workers
    placed = np.count_nonzero((w.graduated == july) & (w.city == BEIJING))
    assert state.tallies.entrants[BEIJING] > 20  # graduates were placed there in July ...
    assert placed == 0, f"Beijing at its cap kept {placed} of its new graduates"  # ... and left
    assert np.all(np.diff(residents) <= 0), "Beijing at its cap took in people"


def test_a_city_at_its_cap_admits_nobody_by_any_way_in():
    check_a_city_at_its_cap_admits_nobody()


@pytest.mark.parametrize("broken", ["graduates_exempt_from_caps"], indirect=True)
def test_negative_control_graduates_exempt_from_caps(broken):
    with pytest.raises(AssertionError, match="new graduates"):
        check_a_city_at_its_cap_admits_nobody()


def test_negative_control_young_entrants_exempt_from_caps(monkeypatch):
    """The same check sees young entrants let in past a cap."""
    monkeypatch.setattr(demography, "admitted_share", lambda cost, scale: np.ones_like(cost))
    with pytest.raises(AssertionError, match="took in people"):
        check_a_city_at_its_cap_admits_nobody()


def test_the_cap_rules_used_here_are_the_engines():
    assert migration.over_cap_removals is programme_rules.over_cap_removals
    assert demography.admitted_share is programme_rules.admitted_share
