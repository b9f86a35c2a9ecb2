"""Progress bars on stderr for `hubsim run`, `compare`, `sweep`, `tune` and `calibrate`.

All of them are tqdm bars (optuna and mesa depend on tqdm already, so it costs nothing to
install). On a terminal a bar redraws in place; in a log or CI it prints a whole line at most
every LOG_INTERVAL seconds and once at the end, with no carriage returns. `--quiet` passes no
progress callback at all. Each bar's ETA counts only the work done in this session: runs,
months or trials found on disk (a resumed command) are its `initial`, not work done now.
"""

from __future__ import annotations

import sys
from typing import TextIO

from tqdm import tqdm

LOG_INTERVAL = 5.0  # seconds between lines when stderr is not a terminal
BAR_FORMAT = "[{bar:30}] {desc}  {elapsed} elapsed, ETA {remaining}"


class _Bar(tqdm):
    monitor_interval = 0  # no monitor thread: each bar is moved by its own callback


class _Lines:
    """A stream for a bar in a log: each redraw becomes one line (tqdm starts it with '\\r')."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream

    def write(self, text: str) -> None:
        line = text.replace("\r", "").rstrip()
        if line:
            self.stream.write(line + "\n")

    def flush(self) -> None:
        self.stream.flush()


class Progress:
    """One bar at a time: opened with the work done before (`initial`), moved, closed at 100 %."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.bar: tqdm | None = None
        self.opened = False

    def open(self, total: int, initial: int, label: str) -> None:
        self.close()
        self.opened = True
        tty = getattr(self.stream, "isatty", lambda: False)()
        self.bar = _Bar(
            total=max(total, 1),
            initial=initial,
            desc=label,
            file=self.stream if tty else _Lines(self.stream),
            mininterval=0.2 if tty else LOG_INTERVAL,
            smoothing=0,  # the ETA from the mean rate of this session
            bar_format=BAR_FORMAT,
            ascii=None if tty else " #",
        )

    def move(self, done: int, label: str) -> None:
        """Show `done` of the total with `label`; a bar at its total is drawn and closed."""
        if self.bar is None:  # closed already
            return
        self.bar.set_description_str(label, refresh=False)
        self.bar.update(done - self.bar.n)
        if self.bar.total is not None and done >= self.bar.total:
            self.close()

    def close(self) -> None:
        """Draw the bar's last state and end its line (also when stopped part way)."""
        if self.bar is not None:
            self.bar.close()
            self.bar = None


class RunProgress(Progress):
    """`[###---] rep 1/3  month 120/240  00:20 elapsed, ETA 00:04` for `hubsim run` and
    `compare` (one bar per scenario: a month before the last one seen starts a new bar)."""

    _last: tuple[int, int] | None = None  # (replication, month) of the previous call

    def __call__(self, replication: int, replications: int, month: int, months: int) -> None:
        position = replication * months + month
        label = f"rep {replication + 1}/{replications}  month {month}/{months}"
        if self._last is None or (replication, month) < self._last:  # a new or resumed run
            self.open(replications * months, position - 1, label)
        self._last = (replication, month)
        self.move(position, label)


class CalibrationProgress(Progress):
    """`hubsim calibrate`: one line per stage, and a bar while the trials run."""

    stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != "trials":
            self.close()
            print(stage, file=self.stream, flush=True)
        else:
            label = f"trials {done}/{total}"
            if self.stage != "trials":  # trials a resumed study holds take no time here
                self.open(total, done, label)
            self.move(done, label)
        self.stage = stage


class SweepProgress(Progress):
    """`[###---] runs 12/45 (30 before)  failed 1  00:20 elapsed, ETA 00:31` for a sweep."""

    def __call__(self, done: int, total: int, failed: int, before: int) -> None:
        before_text = f" ({before} before)" if before else ""
        label = f"runs {done}/{total}{before_text}  failed {failed}"
        if not self.opened:
            self.open(total, before, label)
        self.move(done + failed, label)


class TuneProgress(Progress):
    """`[###---] trials 12/30 (5 before)  failed 0  best 1.2bn (trial 9)  00:20 elapsed, ...`."""

    def __call__(self, done: int, total: int, failed: int, before: int, best: str) -> None:
        before_text = f" ({before} before)" if before else ""
        label = f"trials {done}/{total}{before_text}  failed {failed}  {best}"
        if not self.opened:
            self.open(total, before, label)
        self.move(done, label)
