"""Grade-A space is let over time (`rules.offices.next_leased`): a delivery wave stays partly
empty for years while space built to demand is let as delivered; each recorded city's seats
per job come from its recorded stock; and which cities built ahead of demand."""

from __future__ import annotations

import numpy as np
import pytest

from hubsim.engine.rules import offices

NATURAL = 0.08


def vacancy_a_year_after_wave(absorption_per_year: float) -> float:
    """Seats double at once (100 let of 100 -> 200) while firms want 300: the vacancy twelve
    months later."""
    leased, seats, wanted = np.array([100.0]), np.array([200.0]), np.array([300.0])
    rate = offices.monthly_rate(absorption_per_year)
    for _ in range(12):
        leased = offices.next_leased(leased, seats, wanted, rate)
    return float(offices.vacancy(leased, seats)[0])


def test_a_delivery_wave_stays_partly_empty_for_a_year() -> None:
    # 100 empty seats, of which 45 % are let within the year: 55 stay empty of 200.
    assert vacancy_a_year_after_wave(0.45) == pytest.approx(0.55 * 100 / 200)


def test_negative_control_unlimited_absorption_lets_the_wave_at_once() -> None:
    # Leasing without delay (the old rule) leaves nothing empty: the test above would fail.
    assert vacancy_a_year_after_wave(1.0) == 0.0


def grown_to_demand(prelet: bool) -> float:
    """Five years of demand growing 1 % a month in a city without a record, seats built to
    demand at the natural vacancy: the vacancy at the end (space built to demand let on
    delivery, or, with `prelet` False, waiting for tenants like a speculative wave)."""
    growth, rate = np.zeros(1), offices.monthly_rate(0.45)
    wanted = np.array([920.0])
    seats, leased, recorded = wanted / (1 - NATURAL), wanted.copy(), np.array([np.nan])
    for _ in range(60):
        wanted = wanted * 1.01
        seats, let_now = offices.next_seats(seats, recorded, wanted, growth, NATURAL, leased)
        leased = offices.next_leased(leased, seats, wanted, rate, let_now if prelet else 0.0)
    return float(offices.vacancy(leased, seats)[0])


def test_space_built_to_demand_keeps_the_natural_vacancy() -> None:
    assert grown_to_demand(prelet=True) == pytest.approx(NATURAL)
    # Negative control: built to demand but waiting for tenants, vacancy climbs well above.
    assert grown_to_demand(prelet=False) > NATURAL + 0.05


def test_a_recorded_city_seats_its_start_demand_at_the_natural_vacancy() -> None:
    # 1,000 recorded seats, 9,200 tradable talent jobs: 0.1 seat a job; no record: 0.33.
    shares = offices.start_seat_shares(
        np.array([1000.0, np.nan]), np.array([9200.0, 9200.0]), 0.33, NATURAL
    )
    assert shares.tolist() == pytest.approx([0.1, 0.33])


def vacancy_after_record_ends(developers_see_empty_space: bool) -> list[float]:
    """A city whose record ends with 200 of 1,000 seats empty while firms' jobs take every seat
    (they are seated before their space is let): the vacancy at the end of each of the next
    three years, with no planned growth and jobs that follow the seats."""
    seats, leased = np.array([1000.0]), np.array([800.0])
    recorded, growth, rate = np.array([np.nan]), np.zeros(1), offices.monthly_rate(0.45)
    path = []
    for month in range(36):
        wanted = seats.copy()  # firms fill whatever stands
        seen = leased if developers_see_empty_space else np.minimum(wanted, seats)
        seats, let_now = offices.next_seats(seats, recorded, wanted, growth, NATURAL, seen)
        leased = offices.next_leased(leased, seats, wanted, rate, let_now)
        if month % 12 == 11:
            path.append(float(offices.vacancy(leased, seats)[0]))
    return path


def test_space_empty_when_the_record_ends_is_let_over_time() -> None:
    # Developers build nothing while a surplus stands: 45 % of the 200 empty seats is let in
    # the first year, and the vacancy reaches the natural level only in the second.
    first, second, third = vacancy_after_record_ends(True)
    assert first == pytest.approx(0.2 * 0.55, abs=0.005)
    assert NATURAL - 1e-9 <= second < first and third == pytest.approx(NATURAL, abs=0.005)
    # Negative control: developers who look only at the jobs build to them at once and let
    # what they build on delivery, so the empty fifth melts into new seats within a year.
    assert vacancy_after_record_ends(False)[0] < NATURAL + 0.02
