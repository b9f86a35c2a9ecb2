"""Tuning incentives: `run_tune(path)` runs an Optuna study of a tuning file, resumably.

Trials are asked and told in this process; their replications run on local processes or Dask.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hubsim.errors import RunInterrupted
from hubsim.experiments.study import (
    Runner,
    fail_abandoned,
    quiet_optuna,
)
from hubsim.experiments.tune.check import run_check
from hubsim.experiments.tune.file import TuneError, load_tuning
from hubsim.experiments.tune.outputs import trials_table, write_manifest, write_outputs
from hubsim.experiments.tune.result import TuneResult
from hubsim.experiments.tune.stats import best_trial
from hubsim.experiments.tune.storage import open_study, tune_folder
from hubsim.experiments.tune.text import interrupted_text
from hubsim.experiments.tune.trials import Session, base_values

Progress = Callable[[int, int, int, int, str], None]  # done, total, failed, before, best


def run_tune(
    path: str | Path,
    *,
    trials: int | None = None,
    workers: int | None = None,
    scheduler: Any = None,
    storage: str | None = None,
    out: str | Path = "results",
    plots: bool = True,
    check: bool = True,
    progress: Progress | None = None,
    announce: Callable[[str], None] | None = None,
) -> TuneResult:
    """Run (or resume) the study of a tuning file until it holds `trials` counted trials.

    Args:
        path: the tuning YAML file.
        trials: trials the study should hold (default: the file's `trials`); finished and
            failed trials count, trials abandoned by a killed session do not.
        workers: local worker processes (default: all cores); with `scheduler`, runs in flight.
        scheduler: a Dask scheduler address or `distributed.Client`; None: local processes.
        storage: an Optuna storage URL; default: a journal file in the study folder.
        out: results folder; the study goes to `out/<name>/<study-id>/`.
        plots: draw the figures into `plots/`.
        check: run the best package on fresh seeds (not the study's) and report it.
        progress: called after each trial with (done, total, failed, done before, best so far).
        announce: called with a line before the steps that run without a progress bar.

    Raises:
        TuneError: a bad tuning file, folder or storage (nothing is run).
        RunInterrupted: Ctrl-C; every finished trial is kept, rerun to go on.
    """
    if workers is not None and workers < 1:
        raise TuneError(f"workers must be at least 1, not {workers}.")
    tuning = load_tuning(path)
    wanted = trials or tuning.spec.trials
    store = tune_folder(Path(out), tuning)
    folder = store.root
    url = storage or str(folder / "study.journal")
    with quiet_optuna():
        study = open_study(tuning, url)
        abandoned = fail_abandoned(study)
    session = Session(tuning, study, wanted, progress)
    say = announce or (lambda _line: None)
    with quiet_optuna(), contextlib.ExitStack() as stack:
        runner = Runner(workers, scheduler, stack)
        try:
            if tuning.needs_base and "base_outcomes" not in study.user_attrs:
                say(f"running the base scenario on the study's {tuning.replications} seeds")
            base = base_values(tuning, study, runner)
            session.run(runner, base)
        except KeyboardInterrupt:
            session.stop("interrupted by the user")
            store.set_status("interrupted")
            raise RunInterrupted(interrupted_text(tuning, study, folder)) from None
        except Exception as exc:  # e.g. an unreachable scheduler or a pool that keeps dying
            session.stop(f"stopped: {type(exc).__name__}: {exc}")
            raise
        finally:
            if progress is not None and hasattr(progress, "close"):
                progress.close()
        best = best_trial(study, tuning)
        fresh = None
        if check and best is not None:
            say(f"checking trial {best.number} on {tuning.spec.check_replications} fresh seeds")
            fresh = run_check(tuning, study, best, runner, folder)
    result = TuneResult(
        tuning,
        folder,
        url,
        trials_table(study, tuning),
        best,
        fresh,
        session.ran,
        session.failed,
        session.before,
        abandoned,
    )
    result.files = write_outputs(result, study, plots)
    write_manifest(result, session, store)
    return result
