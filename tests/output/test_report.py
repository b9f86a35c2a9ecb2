"""Terminal output: the run progress bar's ETA, for fresh and resumed runs."""

from __future__ import annotations

import io

import pytest

from hubsim.output import report


@pytest.fixture
def clock(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(report.time, "perf_counter", lambda: now[0])
    return now


def test_the_eta_of_a_resumed_run_counts_only_the_months_run_now(clock) -> None:
    stream = io.StringIO()
    bar = report.ProgressBar(stream=stream)
    bar(2, 4, 1, 10)  # replications 0 and 1 were kept: this session starts at month 21 of 40
    clock[0] += 9.0
    bar(2, 4, 10, 10)  # 10 months in 9 s (the first counted from the start): 10 to go
    last = stream.getvalue().strip().splitlines()[-1]
    assert "rep 3/4  month 10/10" in last
    assert "ETA 9s" in last  # not 3 s (9 s * 10 / 30), as if the kept months had been run now


def test_a_fresh_run_after_another_restarts_the_clock(clock) -> None:
    stream = io.StringIO()
    bar = report.ProgressBar(stream=stream)
    bar(0, 1, 1, 4)
    clock[0] += 30.0
    bar(0, 1, 4, 4)
    bar(0, 1, 1, 4)  # the next scenario of a compare
    clock[0] += 1.0
    bar(0, 1, 2, 4)
    bar(0, 1, 4, 4)
    assert stream.getvalue().strip().splitlines()[-1].endswith("1s elapsed, ETA 0s")
