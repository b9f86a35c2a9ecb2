"""Where sweep runs execute: a local process pool (the default) or an existing Dask cluster.

Both yield `RunRecord`s as runs finish, keeping a bounded number of runs in flight.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import itertools
import multiprocessing
import os
import signal
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor
from concurrent.futures import wait as wait_futures
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Any

from hubsim.engine import kernels
from hubsim.errors import HubsimError
from hubsim.experiments.outcomes import Outcome, evaluate
from hubsim.experiments.replications import replication_seeds, resolve, simulate
from hubsim.scenario import Scenario

_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's mallopt parameters


@dataclass(frozen=True)
class RunTask:
    """One (point, replication) of a sweep: the base scenario and the point's overrides."""

    sweep_id: str
    point: int
    replication: int
    base: Scenario
    overrides: tuple[str, ...]
    outcomes: tuple[Outcome, ...]
    # Instead of `outcomes`: a module-level function (scenario, run tables) -> {name: value},
    # such as the calibration's moments (it is pickled to the worker).
    measure: Callable[[Scenario, dict], dict[str, float]] | None = None

    @property
    def key(self) -> tuple[int, int]:
        return (self.point, self.replication)


@dataclass
class RunRecord:
    """What a run produced: its outcomes, or the error that stopped it."""

    point: int
    replication: int
    seed: int | None = None
    values: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None
    traceback: str = ""

    @property
    def key(self) -> tuple[int, int]:
        return (self.point, self.replication)


# Runs' records as they finish; a generator, so that closing it stops the runs in flight.
Records = Generator[RunRecord, None, None]


def run_task(task: RunTask) -> RunRecord:
    """Run one replication of one point; never raises (an error is returned in the record).

    Replication r uses child r of the point scenario's SeedSequence (`replication_seeds`), so
    every point shares its seeds with the others (common random numbers) and with
    `hubsim run BASE --set ... --replications R`.
    """
    _undo_malloc_trim()
    started = time.perf_counter()
    record = RunRecord(task.point, task.replication)
    try:
        scenario = resolve(task.base, overrides=list(task.overrides))
        record.seed = scenario.seed
        child = replication_seeds(scenario)[task.replication]
        part = simulate(scenario, child, task.replication)
        if task.measure is not None:
            record.values = task.measure(scenario, part)
        else:
            record.values = evaluate(task.outcomes, scenario, part)
    except Exception as exc:  # a failed run is data, not a reason to stop the sweep
        record.error = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
        record.traceback = traceback.format_exc()
    record.seconds = time.perf_counter() - started
    return record


@functools.cache
def _undo_malloc_trim() -> None:
    """Give glibc back its usual malloc thresholds, once per process, where Dask changed them.

    Dask's nanny starts workers with MALLOC_TRIM_THRESHOLD_=65536, which also pins glibc's mmap
    threshold at 128 KB: every array above that is mapped and unmapped again, and a run takes
    1.5-2 times as long. Setting the thresholds explicitly (32 MB mmap, 64 MB trim) undoes it.
    """
    if sys.platform != "linux" or "MALLOC_TRIM_THRESHOLD_" not in os.environ:
        return
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallopt(_M_MMAP_THRESHOLD, 32 * 2**20)
        libc.mallopt(_M_TRIM_THRESHOLD, 64 * 2**20)
    except (OSError, AttributeError):  # not glibc: nothing to undo
        pass


def _failed(task: RunTask, exc: BaseException) -> RunRecord:
    """A record for a run whose worker (not its model code) failed."""
    return RunRecord(task.point, task.replication, error=f"{type(exc).__name__}: {exc}")


def _drain(
    tasks: Iterator[RunTask],
    submit: Callable[[RunTask], Any],
    wait_some: Callable[[list], Iterable],
    window: Callable[[], int],
) -> Iterator[RunRecord]:
    """Keep `window()` runs in flight; yield each record as its run finishes.

    A broken local pool fails every run in flight (recorded, then BrokenProcessPool re-raised).
    """
    in_flight: dict[Any, RunTask] = {}
    submitting: list[RunTask] = []
    try:
        while True:
            for task in itertools.islice(tasks, max(0, window() - len(in_flight))):
                submitting[:] = [task]
                in_flight[submit(task)] = task
                submitting.clear()
            if not in_flight:
                return
            for future in wait_some(list(in_flight)):
                yield _record(future, in_flight[future])
                del in_flight[future]
    except BrokenProcessPool as exc:
        lost = [*in_flight.values(), *submitting]
        in_flight.clear()
        yield from (_failed(task, exc) for task in lost)
        raise
    finally:
        for future in in_flight:
            future.cancel()


def _record(future: Any, task: RunTask) -> RunRecord:
    try:
        return future.result()
    except BrokenProcessPool:
        raise
    except Exception as exc:  # e.g. Dask's KilledWorker after repeated deaths, or cancelled
        return _failed(task, exc)


# --------------------------------------------------------------------------- local processes


def local_cores() -> int:
    """Cores this process may use (its CPU affinity where the OS tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def local_results(tasks: Iterable[RunTask], workers: int) -> Records:
    """Run `tasks` on `workers` local processes.

    A worker process that dies (e.g. killed for memory) breaks the pool: the runs in flight are
    recorded as failed and a new pool takes the rest, up to three times.
    """
    tasks = iter(tasks)
    # Compiled (the first time) and cached here, once, before the workers load it: processes
    # compiling the same cache at once is what numba warns against.
    kernels.load()
    for attempt in range(4):
        pool = ProcessPoolExecutor(workers, mp_context=_context(), initializer=_worker_init)
        try:
            submit = functools.partial(pool.submit, run_task)
            yield from _drain(tasks, submit, _wait_local, lambda: 2 * workers)
        except BrokenProcessPool as exc:
            _stop(pool)
            if attempt == 3:
                raise HubsimError(
                    f"local worker processes keep dying ({exc}); see the failures/ folder."
                ) from None
            continue
        except BaseException:  # Ctrl-C or a closed generator: do not wait for runs in flight
            _stop(pool)
            raise
        pool.shutdown(wait=True)
        return


def _wait_local(futures: list) -> Iterable:
    return wait_futures(futures, return_when=FIRST_COMPLETED).done


def _context() -> multiprocessing.context.BaseContext:
    """forkserver (workers fork from a clean process that has hubsim imported), else spawn.

    Not fork: numpy's threads (and a notebook's or a Dask client's) make forking the sweep's own
    process unsafe; forkserver is Python 3.14's default for the same reason.
    """
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__])
        return context
    return multiprocessing.get_context("spawn")


def _worker_init() -> None:
    """Ignore Ctrl-C (it reaches the whole process group; the sweep's own process handles it)
    and exit when the sweep's process dies, even by SIGKILL, instead of idling on as an orphan."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = multiprocessing.parent_process()
    if parent is not None:
        threading.Thread(target=_exit_after, args=(parent,), daemon=True).start()


def _exit_after(parent: multiprocessing.process.BaseProcess) -> None:
    parent.join()
    os._exit(1)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Shut the pool down without waiting for runs in flight (they are lost, as documented)."""
    processes = list(getattr(pool, "_processes", None) or {})
    pool.shutdown(wait=False, cancel_futures=True)
    for pid in processes:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGTERM)


# --------------------------------------------------------------------------- Dask


def dask_results(tasks: Iterable[RunTask], client: Any, limit: int | None = None):
    """Run `tasks` on the Dask cluster of `client` (see `dask_client`).

    A worker that dies takes its runs with it; the scheduler reruns them on the others, so every
    task still yields exactly one record. `limit` caps the runs in flight (default: twice the
    cluster's threads, re-read every few seconds as workers come and go).
    """
    window = (lambda: limit) if limit else _cluster_window(client)
    yield from _drain(iter(tasks), _dask_submit(client), _dask_wait(client), window)


@contextlib.contextmanager
def dask_client(scheduler: Any) -> Iterator[Any]:
    """A `distributed.Client` for an address (tcp://HOST:PORT), closed on exit; or `scheduler`
    itself if it is already a client (the caller owns it)."""
    if not isinstance(scheduler, str):
        yield scheduler
        return
    try:
        from distributed import Client
    except ImportError:
        raise HubsimError(
            "--scheduler needs Dask: install it with pip install 'hubsim[cluster]' "
            "(or pip install 'dask[distributed]')."
        ) from None
    try:
        _reachable(scheduler)
        client = Client(scheduler, timeout="20s", set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise HubsimError(
            f"--scheduler {scheduler}: cannot reach a Dask scheduler there ({exc}). Start one with "
            "`dask scheduler` and give the address it prints, e.g. --scheduler tcp://127.0.0.1:8786."
        ) from None
    try:
        yield client
    finally:
        client.close()


def _reachable(address: str) -> None:
    """Check the address's form, and fail at once on a closed port (Dask would retry for 20 s)."""
    scheme, _, rest = address.rpartition("://")
    host, _, port = rest.rpartition(":")
    if not host or not port.isdigit():
        raise HubsimError(
            f"--scheduler {address}: not a scheduler address; give it as tcp://HOST:PORT, "
            "e.g. --scheduler tcp://127.0.0.1:8786 (what `dask scheduler` prints)."
        )
    if scheme in ("", "tcp"):
        socket.create_connection((host.strip("[]"), int(port)), timeout=10).close()


def _cluster_window(client: Any) -> Callable[[], int]:
    state = {"checked": 0.0, "window": 2}

    def window() -> int:
        if time.monotonic() - state["checked"] > 2.0:
            threads = sum(client.nthreads().values())
            state.update(checked=time.monotonic(), window=max(2, 2 * threads))
        return int(state["window"])

    return window


def _dask_submit(client: Any) -> Callable[[RunTask], Any]:
    def submit(task: RunTask) -> Any:
        key = f"hubsim-sweep-{task.sweep_id}-p{task.point:06d}-r{task.replication:04d}"
        return client.submit(run_task, task, key=key, pure=False)

    return submit


def _dask_wait(client: Any) -> Callable[[list], Iterable]:
    from distributed import wait

    def wait_some(futures: list) -> Iterable:
        with client.as_current():  # our client need not be the process's default one
            return wait(futures, return_when="FIRST_COMPLETED").done

    return wait_some
