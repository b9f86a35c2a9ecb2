"""Terminal output: the progress bars' ETA, for fresh and resumed runs and calibrations."""

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


def test_the_calibration_bar_counts_only_the_trials_run_now(clock, capsys) -> None:
    from hubsim.cli import _CalibrationProgress

    progress = _CalibrationProgress()
    progress("amenity round 1/5 (before the study)", 0, 5)
    progress("trials", 4, 10)  # a resumed study held 4 trials
    clock[0] += 6.0
    progress("trials", 7, 10)  # 3 trials in 6 s: 3 to go
    last = capsys.readouterr().err.strip().splitlines()[-1]
    assert "trials 7/10" in last and last.endswith("ETA 6s")
