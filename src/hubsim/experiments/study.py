"""The Optuna study session that tuning and calibration share: storage, trials, runs, signals.

`tune` and `calibrate` each run an Optuna study resumably; the pieces here open its storage and
folder, ask trials tagged with this session, fail the trials of dead sessions, run the trials'
replications and hold a Ctrl-C while a trial is being written.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import signal
import socket
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import optuna
import optuna.storages.journal  # a subpackage: named for type checkers
from optuna.distributions import (
    BaseDistribution,
    CategoricalDistribution,
    FloatDistribution,
    IntDistribution,
)
from optuna.trial import FrozenTrial, TrialState

from hubsim.experiments import executors
from hubsim.experiments.specfile import Variable
from hubsim.experiments.store import ResumableFolder
from hubsim.output.run_folder import process_alive

JOURNAL_GRACE_S = 5


def open_study_folder(
    out: Path, name: str, study_id: str, error: type[Exception]
) -> ResumableFolder:
    """`out/<name>/<study_id>/` with its `plots/`, created or resumed; `error` if it cannot be."""
    return ResumableFolder.open(out, name, study_id, subfolders=("plots",), error=error)


def study_folder(out: Path, name: str, study_id: str, error: type[Exception]) -> Path:
    """The path of `open_study_folder`'s folder."""
    return open_study_folder(out, name, study_id, error).root


def session_tag() -> str:
    """This process's tag on the trials it asks (`fail_abandoned` reads it)."""
    return f"{socket.gethostname()}:{os.getpid()}"


def ask_tagged(study: optuna.Study, spaces: dict[str, BaseDistribution], tag: str):
    """A trial asked from `spaces` and tagged with `tag` from birth: it is queued carrying the
    tag, then asked. A kill before the ask leaves a WAITING trial the next ask takes over; a
    kill after leaves a RUNNING trial with a dead session's tag, which `fail_abandoned` fails.
    (Another session may pop the queued trial first; the tag set after the ask makes it this
    session's.) Call it inside `interrupt_deferred`."""
    study.enqueue_trial({}, user_attrs={"session": tag})
    trial = study.ask(spaces)
    trial.set_user_attr("session", tag)
    return trial


def open_storage(url: str, error: type[Exception]) -> optuna.storages.BaseStorage:
    """An Optuna storage: a URL (sqlite:///..., postgresql://...) or a journal file path;
    `error` (the tool's error) if it cannot be opened."""
    if "://" not in url:
        # A session killed while writing leaves the lock behind; Optuna breaks a lock after its
        # grace period (30 s by default). Writes take milliseconds: 5 s is still generous.
        lock = optuna.storages.journal.JournalFileSymlinkLock(url, grace_period=JOURNAL_GRACE_S)
        try:
            backend = optuna.storages.journal.JournalFileBackend(url, lock_obj=lock)
        except OSError as exc:
            raise error(
                f"--storage {url}: cannot open the journal file ({exc.strerror}). Give a path in "
                "a folder you can write to, or an Optuna storage URL (postgresql://...)."
            ) from None
        return optuna.storages.journal.JournalStorage(backend)
    try:
        return optuna.storages.RDBStorage(url)
    except Exception as exc:  # SQLAlchemy errors vary by database
        raise error(
            f"--storage {url}: Optuna cannot open this storage ({type(exc).__name__}: "
            f"{' '.join(str(exc).split())[:200]}). Give an SQLAlchemy URL such as "
            "sqlite:///study.db or postgresql://user@host/db, or a journal file path."
        ) from None


def fail_abandoned(study: optuna.Study) -> list[int]:
    """Mark FAIL the RUNNING trials whose session on this machine is gone (killed).

    Trials run by live sessions, or by sessions on other machines, are left alone.
    """
    host, lost = socket.gethostname(), []
    for trial in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        where, _, pid = str(trial.user_attrs.get("session", "")).rpartition(":")
        if where and (where != host or process_alive(int(pid))):
            continue
        if not where and _just_asked(trial):
            # A live session tags its trial right after asking (and ask itself still writes
            # the trial's parameters): failing it now would break that session's ask.
            continue
        with interrupt_deferred():
            study.tell(trial.number, state=TrialState.FAIL, skip_if_finished=True)
        lost.append(trial.number)
    return lost


UNTAGGED_GRACE_S = 60.0  # an untagged RUNNING trial older than this was left by a dead session


def fail_in_flight(study: optuna.Study, pending: dict[int, dict], why: str) -> None:
    """Fail a session's trials in flight (`pending[number]["trial"]`), saying why; empties it."""
    for entry in pending.values():
        # best effort: a trial the interruption caught half-told is failed on resume
        with contextlib.suppress(Exception):
            entry["trial"].set_user_attr("stopped", why)
            study.tell(entry["trial"], state=TrialState.FAIL, skip_if_finished=True)
    pending.clear()


def _just_asked(trial: FrozenTrial) -> bool:
    started = trial.datetime_start
    return started is None or (datetime.datetime.now() - started).total_seconds() < UNTAGGED_GRACE_S


def counted(trial: FrozenTrial) -> bool:
    """Trials that count toward `trials`: finished, failed by their runs, or running."""
    if trial.state in (TrialState.COMPLETE, TrialState.RUNNING):
        return True
    return trial.state == TrialState.FAIL and "error" in trial.user_attrs


@contextlib.contextmanager
def quiet_optuna() -> Iterator[None]:
    """Optuna logs every trial at INFO; the progress bar says it instead."""
    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        yield
    finally:
        optuna.logging.set_verbosity(level)


def distribution(variable: Variable) -> BaseDistribution:
    spec = variable.spec
    if spec.kind == "categorical":
        assert spec.choices is not None  # VariableSpec checks it, as it checks the bounds below
        return CategoricalDistribution(spec.choices)
    assert spec.low is not None and spec.high is not None
    if spec.kind == "int":
        return IntDistribution(int(spec.low), int(spec.high), step=int(spec.step or 1))
    return FloatDistribution(spec.low, spec.high, log=spec.kind == "log", step=spec.step)


# --------------------------------------------------------------------------- running trials


class Runner:
    """Runs tasks on a local process pool (one per batch) or on one Dask client for the session."""

    def __init__(self, workers: int | None, scheduler: Any, stack: contextlib.ExitStack):
        self.workers = workers
        self.client = None
        if scheduler is not None:
            self.client = stack.enter_context(executors.dask_client(scheduler))

    def results(self, tasks: Iterator[executors.RunTask]) -> executors.Records:
        if self.client is None:
            return executors.local_results(tasks, self.workers or executors.local_cores())
        return executors.dask_results(tasks, self.client, self.workers)


@contextlib.contextmanager
def interrupt_deferred() -> Iterator[None]:
    """Hold a Ctrl-C (SIGINT) until the block has run, then raise it: asking a trial writes it
    to the storage, and an interruption halfway would leave it RUNNING and unknown to `stop`.
    Outside the main thread, or when SIGINT is not Python's default handler, it does nothing."""
    if (
        threading.current_thread() is not threading.main_thread()
        or signal.getsignal(signal.SIGINT) is not signal.default_int_handler
    ):
        yield
        return
    caught: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda number, _frame: caught.append(number))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt
