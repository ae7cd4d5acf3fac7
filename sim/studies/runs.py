"""Runs: every strategy of a scenario, over Monte Carlo replicates, on any executor.

A task is one replicate: every strategy on the replicate's market and luck (paired,
common random numbers), through the one replicate path
(:func:`sim.studies.replicate.run_replicate`). Seeds: replicate ``r`` uses
``SeedSequence(run.seed, spawn_key=(1, r))`` (see :mod:`sim.campaign.luck`), so results
do not depend on the executor, the number of workers or the order runs finish in.

From Python the default is to run in this process; a pool of worker processes only when
asked (``workers > 1``), and never inside a daemon process (such as a
``multiprocessing.Pool`` worker, or EMA Workbench's evaluator), where it falls back to
this process with a warning.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import time
import warnings
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed

from sim.campaign.luck import replicate_seeds
from sim.studies.replicate import ReplicateResult, run_strategies

RunResult = ReplicateResult  # older name

__all__ = ["RunResult", "ReplicateResult", "replicate_seeds", "tasks_for", "run_task", "execute", "run_scenario"]


def tasks_for(scenario, strategies: list[str] | None = None) -> list[tuple]:
    """One task per replicate: ``(scenario, strategies, replicate, seed)``."""
    names = list(strategies or scenario.strategies)
    seeds = replicate_seeds(scenario.run.seed, scenario.run.replicates)
    return [(scenario, names, r, seeds[r]) for r in range(len(seeds))]


def run_task(task: tuple) -> list[ReplicateResult]:
    """Run one replicate of every strategy of the task; module-level so that process pools can pickle it."""
    scenario, names, r, seed = task
    return run_strategies(scenario, names, seed, replicate=r, keep_wom=(r == 0))


def default_workers(n_tasks: int) -> int:
    """One worker per core, no more than tasks."""
    return max(1, min(os.cpu_count() or 1, n_tasks))


def execute(tasks: list, fn=run_task, executor: Executor | None = None, workers: int | None = 1,
            progress=None) -> list:
    """Run ``fn`` over ``tasks`` and return results in task order.

    ``executor`` is any ``concurrent.futures.Executor`` (a Dask ``Client.get_executor()``
    works too); else a local process pool of ``workers`` processes (``None``: one per
    core), or this process when ``workers`` is 1 (the default) or when this process is a
    daemon (which may not have children). ``progress`` is called with each finished result.
    """
    workers = workers or default_workers(len(tasks))
    if executor is None and workers > 1 and multiprocessing.current_process().daemon:
        warnings.warn("running in this process: a daemon process (e.g. a multiprocessing.Pool worker) may not "
                      "start worker processes", RuntimeWarning, stacklevel=2)
        workers = 1
    if executor is None and workers == 1:
        out = []
        for t in tasks:
            out.append(fn(t))
            if progress:
                progress(out[-1])
        return out
    own = executor is None
    ex = executor
    try:
        # Ctrl-C and SIGTERM wait until every worker is started and known to the pool: a worker started but not
        # yet registered would not be stopped, outlive the driver and find the pool's semaphores gone
        with deferred_signals():
            if own:  # forkserver: forking a process that runs threads (BLAS, Dask, a GUI) can deadlock the child
                ex = ProcessPoolExecutor(max_workers=workers, mp_context=_forkserver(), initializer=worker_init,
                                         initargs=(os.getpid(),))
            futures = {ex.submit(fn, t): i for i, t in enumerate(tasks)}  # type: ignore[union-attr]  # given, or made just above
        out = [None] * len(tasks)
        for fut in as_completed(futures):
            out[futures[fut]] = fut.result()
            if progress:
                progress(out[futures[fut]])
        return out
    except BaseException:
        if own and ex is not None:  # Ctrl-C, SIGTERM or a failed task: nobody wants the runs in flight, stop them
            stop_workers(ex)
        raise
    finally:
        if own and ex is not None:
            ex.shutdown(cancel_futures=True)


def worker_init(driver: int) -> None:
    """Initializer of worker processes: they leave Ctrl-C to the driver and stop themselves when it dies.

    A driver killed with ``kill -9`` cannot stop its workers, and a pool worker waiting for
    its next task would wait forever: a thread checks every half second that the process
    that started the pool (``driver``) and this worker's parent (the driver, or the
    forkserver, which exits with the driver) are still there, and ends the worker when
    either is gone, after releasing the pool's semaphores (:func:`release_semaphores`)
    that the dead driver can no longer release.
    """
    import signal
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent and _alive(driver):
            time.sleep(0.5)
        with contextlib.suppress(BaseException):  # nothing may keep an orphan alive
            release_semaphores()
        os._exit(0)

    threading.Thread(target=watch, name="influsim-orphan-check", daemon=True).start()


def release_semaphores() -> list[str]:
    """Unlink the named semaphores this process holds and take them off the resource tracker's list.

    The locks of a process pool's queues are POSIX named semaphores, created by the driver
    (with the ``spawn`` and ``forkserver`` start methods) and registered with
    :mod:`multiprocessing.resource_tracker`, a helper process that every process of the
    pool shares. The driver unlinks them (and unregisters them) when it exits; a driver
    killed with ``kill -9`` cannot, and the tracker, which sees the end of its pipe once
    the last worker has gone, then warns "There appear to be 5 leaked semaphore objects
    to clean up at shutdown" (and unlinks them). The workers outlive the driver by up to
    half a second and hold the same semaphores (they opened them by name): an orphaned
    worker calls this before it exits. ``sem_unlink`` of a name succeeds in exactly one
    process, so exactly one process unregisters each name (the tracker prints a traceback
    for a name it does not know). Returns the names this process released.

    Only for a process about to exit whose driver is dead: the semaphores stop working for
    any process that has not opened them yet (``tests/test_kill_run.py`` kills a run).
    """
    import gc
    from multiprocessing import resource_tracker, synchronize

    released = []
    names = {getattr(getattr(obj, "_semlock", None), "name", None) for obj in gc.get_objects()
             if isinstance(obj, synchronize.SemLock)}
    for name in sorted(n for n in names if n):
        try:
            synchronize.sem_unlink(name)  # type: ignore[attr-defined]  # there at run time; typeshed lacks it
        except OSError:  # released already (by the driver on its way out, or by another worker)
            continue
        resource_tracker.unregister(name, "semaphore")
        released.append(name)
    return released


@contextlib.contextmanager
def deferred_signals(signals=None):
    """Within the block, SIGINT and SIGTERM are noted, and handled (by their handlers) when it ends.

    Starting a worker process is not safe to interrupt: a ``KeyboardInterrupt`` (or the
    command line's ``Terminated``) raised between the start of a worker and its entry in
    the pool's list of processes leaves a worker the driver does not know, so does not
    stop, and that outlives it. Only a Python handler is deferred (an ignored signal stays
    ignored), and only in the main thread (elsewhere signals cannot be handled anyway).

    Examples
    --------
    >>> import signal
    >>> caught = []
    >>> before = signal.signal(signal.SIGTERM, lambda s, f: caught.append("handled"))
    >>> with deferred_signals():
    ...     signal.raise_signal(signal.SIGTERM)
    ...     caught.append("block ended")
    >>> caught
    ['block ended', 'handled']
    >>> _ = signal.signal(signal.SIGTERM, before)
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pending: list[tuple[int, object]] = []
    saved = {}
    for sig in signals or (signal.SIGINT, signal.SIGTERM):
        handler = signal.getsignal(sig)
        if callable(handler):
            saved[sig] = handler
            signal.signal(sig, lambda signum, frame: pending.append((signum, frame)))
    try:
        yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
        for signum, frame in pending:  # e.g. raises KeyboardInterrupt, or the command line's Terminated
            handler = signal.getsignal(signum)
            if callable(handler):
                handler(signum, frame)


def _alive(pid: int) -> bool:
    """Whether process ``pid`` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as fh:
            stat = fh.read()
        return stat[stat.rindex(")") + 2] != "Z"
    except (OSError, ValueError, IndexError):
        return True


def stop_workers(executor: Executor) -> None:
    """End the worker processes of a ``ProcessPoolExecutor`` at once (their runs are lost), then shut it down."""
    for proc in list((getattr(executor, "_processes", None) or {}).values()):
        with contextlib.suppress(Exception):
            proc.terminate()
    with contextlib.suppress(Exception):
        executor.shutdown(wait=True, cancel_futures=True)


def _forkserver():
    """The forkserver context, its server preloading the model's modules.

    Performance: workers then fork from a process that has already imported numpy, Mesa
    and pandas (about 0.8 s of CPU per worker otherwise), and the server outlives pools,
    so later ``execute`` calls in the same process start their workers at once. The
    preload list only counts before the server first starts; a failed import is ignored
    by the server (workers then import as usual).
    """
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload(["__main__", "sim.campaign.model", "sim.studies.runs"])
    return ctx


def run_scenario(scenario, workers: int | None = 1, executor: Executor | None = None,
                 progress=None) -> list[ReplicateResult]:
    """Run every strategy of a resolved scenario over its replicates; results strategy by strategy.

    A fixed market is built (or loaded from the cache) here first, so that workers load
    it from the cache instead of each building it; every strategy's roster is tried on
    the first replicate first, so that a strategy that cannot be staffed fails at once.
    ``progress`` is called once per finished replicate.

    Examples
    --------
    >>> from sim.scenario import with_fields, default_scenario
    >>> scenario = with_fields(default_scenario(), {"population.size": 2000, "population.represents": 500,
    ...                                            "campaign.days": 2, "run.replicates": 2,
    ...                                            "parameters.offer_response_days": 0})
    >>> [(r.strategy, r.replicate) for r in run_scenario(scenario)]
    [('macro', 0), ('macro', 1), ('micro_equal_budget', 0), ('micro_equal_budget', 1)]
    """
    from sim.campaign.setup import draw_market, prepare

    tasks = tasks_for(scenario)
    first_seed = tasks[0][3]
    market = draw_market(scenario, first_seed)
    for name in scenario.strategies:
        if scenario.strategies[name].selection != "optimiser":
            prepare(scenario, name, first_seed, market=market)  # fail fast on a strategy that cannot be staffed
    per_replicate = execute(tasks, run_task, executor, workers, progress)
    names = list(scenario.strategies)
    return [rep[names.index(n)] for n in names for rep in per_replicate]
