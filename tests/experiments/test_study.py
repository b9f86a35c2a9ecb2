"""The Optuna study session tuning and calibration share (experiments.study), on an in-memory
study: which trials count, the distributions of decision variables, Ctrl-C held in a block."""

from __future__ import annotations

import os
import signal

import optuna
import pytest
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.trial import TrialState

from hubsim.experiments.specfile import Variable, VariableSpec
from hubsim.experiments.study import (
    counted,
    distribution,
    fail_abandoned,
    interrupt_deferred,
    session_tag,
)


def variable(**spec) -> Variable:
    return Variable("k", "k", VariableSpec(**spec))


def test_each_kind_of_variable_gets_its_distribution() -> None:
    assert distribution(variable(low=0, high=1)) == FloatDistribution(0, 1)
    assert distribution(variable(kind="log", low=1, high=100)) == FloatDistribution(
        1, 100, log=True
    )
    assert distribution(variable(kind="int", low=2, high=8, step=2)) == IntDistribution(
        2, 8, step=2
    )
    assert distribution(variable(kind="categorical", choices=["a", "b"])) == (
        CategoricalDistribution(["a", "b"])
    )


def test_failed_runs_count_and_stopped_or_abandoned_trials_do_not() -> None:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study()
    done = study.ask()
    study.tell(done, 1.0)
    broken = study.ask()
    broken.set_user_attr("error", "a run failed")
    study.tell(broken, state=TrialState.FAIL)
    stopped = study.ask()
    study.tell(stopped, state=TrialState.FAIL)
    running = study.ask()
    trials = {t.number: counted(t) for t in study.get_trials()}
    assert trials == {done.number: True, broken.number: True, stopped.number: False,
                      running.number: True}  # fmt: skip


def test_a_trial_of_a_dead_session_on_this_machine_is_failed() -> None:
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study()
    mine, dead = study.ask(), study.ask()
    mine.set_user_attr("session", session_tag())  # this process: alive
    host = session_tag().rpartition(":")[0]
    dead.set_user_attr("session", f"{host}:{2**22 + 7}")  # above Linux's pid limit: gone
    assert fail_abandoned(study) == [dead.number]
    states = {t.number: t.state for t in study.get_trials()}
    assert states == {mine.number: TrialState.RUNNING, dead.number: TrialState.FAIL}


def test_a_ctrl_c_inside_the_block_is_raised_after_it() -> None:
    ran = []
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal
    try:
        with pytest.raises(KeyboardInterrupt), interrupt_deferred():
            os.kill(os.getpid(), signal.SIGINT)
            ran.append("the rest of the block")
    finally:
        signal.signal(signal.SIGINT, previous)
    assert ran == ["the rest of the block"]
