"""Progress bars (output.progress): the ETA of fresh and resumed runs, sweeps, tunes and
calibrations, and clean lines when stderr is not a terminal."""

from __future__ import annotations

import io

import pytest
import tqdm.std

from hubsim.output import progress


@pytest.fixture
def clock(monkeypatch):
    now = [100.0]
    monkeypatch.setattr(tqdm.std, "time", lambda: now[0])
    return now


def _last_line(stream: io.StringIO) -> str:
    return stream.getvalue().strip().splitlines()[-1]


def test_the_eta_of_a_resumed_run_counts_only_the_months_run_now(clock) -> None:
    stream = io.StringIO()
    bar = progress.RunProgress(stream=stream)
    bar(2, 4, 1, 10)  # replications 0 and 1 were kept: this session starts at month 21 of 40
    clock[0] += 9.0
    bar(2, 4, 10, 10)  # 10 months in 9 s (the first counted from the start): 10 to go
    bar.close()
    last = _last_line(stream)
    assert "rep 3/4  month 10/10" in last
    assert "ETA 00:09" in last  # not 3 s (9 s * 10 / 30), as if the kept months had been run now


def test_a_fresh_run_after_another_restarts_the_clock(clock) -> None:
    stream = io.StringIO()
    bar = progress.RunProgress(stream=stream)
    bar(0, 1, 1, 4)
    clock[0] += 30.0
    bar(0, 1, 4, 4)
    bar(0, 1, 1, 4)  # the next scenario of a compare
    clock[0] += 1.0
    bar(0, 1, 2, 4)
    bar(0, 1, 4, 4)
    assert _last_line(stream).endswith("00:01 elapsed, ETA 00:00")


def test_the_calibration_bar_counts_only_the_trials_run_now(clock) -> None:
    stream = io.StringIO()
    bar = progress.CalibrationProgress(stream=stream)
    bar("amenity round 1/5 (before the study)", 0, 5)
    bar("trials", 4, 10)  # a resumed study held 4 trials
    clock[0] += 6.0
    bar("trials", 7, 10)  # 3 trials in 6 s: 3 to go
    bar.close()
    lines = stream.getvalue().strip().splitlines()
    assert lines[0] == "amenity round 1/5 (before the study)"
    assert "trials 7/10" in lines[-1] and lines[-1].endswith("ETA 00:06")


def test_the_sweep_and_tune_bars_count_only_this_session(clock) -> None:
    stream = io.StringIO()
    sweep = progress.SweepProgress(stream=stream)
    sweep(30, 45, 0, 30)  # 30 runs were on disk
    clock[0] += 10.0
    sweep(34, 45, 1, 30)  # 5 runs (one failed) in 10 s: 10 to go
    sweep.close()
    assert "runs 34/45 (30 before)  failed 1" in _last_line(stream)
    assert _last_line(stream).endswith("ETA 00:20")
    stream = io.StringIO()
    tune = progress.TuneProgress(stream=stream)
    tune(5, 30, 0, 5, "best 1.2bn (trial 3)")
    clock[0] += 10.0
    tune(10, 30, 0, 5, "best 1.1bn (trial 9)")  # 5 trials in 10 s: 20 to go
    tune.close()
    assert "trials 10/30 (5 before)  failed 0  best 1.1bn (trial 9)" in _last_line(stream)
    assert _last_line(stream).endswith("ETA 00:40")


def test_a_log_gets_whole_lines_a_few_seconds_apart(clock) -> None:
    """Not a terminal: no carriage returns, a line at most every LOG_INTERVAL s, and the end."""
    stream = io.StringIO()
    bar = progress.RunProgress(stream=stream)
    for month in range(1, 121):
        clock[0] += 0.1  # 12 s in all
        bar(0, 1, month, 120)
    text = stream.getvalue()
    assert "\r" not in text
    lines = text.splitlines()
    assert 2 <= len(lines) <= 1 + 12 / progress.LOG_INTERVAL + 1
    assert "month 120/120" in lines[-1] and "#" * 30 in lines[-1]
