"""Running a sweep: its tasks, one run of a task, the executors, and the crash-safe store.

A task is one (point, strategy, replicate). :func:`run_point` runs it through the one
replicate path (:func:`sim.studies.replicate.run_replicate`) and returns its metrics or
the error that stopped it; :func:`run_sweep` keeps the executor busy and records every
finished run in ``runs.sqlite`` at once, so that a killed sweep resumes where it stopped.
The executor is this process, a local pool of spawned worker processes (which stop
themselves when the driver dies) or a Dask cluster (:func:`make_executor`).

Seeds: every point uses ``run.seed = sweep.seed``, so points that differ only in
non-population fields share the same people, network and influencer pool. Run
``(point p, replicate r)`` uses ``SeedSequence(seed, spawn_key=(1, p, r))``, which is
``SeedSequence(seed).spawn(2)[1].spawn(n_points)[p].spawn(replicates)[r]`` (all strategies
of a point and replicate share it: common random numbers); it draws the replicate's
outreach answers, random ranking and campaign. With ``common_random_numbers = true``
every point uses ``(4, r)`` instead. Nothing depends on the executor, the number of
workers or the order in which runs finish.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import sys
import time
import traceback
from concurrent.futures import (FIRST_COMPLETED, BrokenExecutor, CancelledError, Executor, Future,
                                ProcessPoolExecutor, wait)
from dataclasses import dataclass
from pathlib import Path

from sim.errors import InfluSimError
from sim.scenario import Scenario
from sim.studies.runs import deferred_signals, stop_workers, worker_init
from sim.studies.store import ResultStore
from sim.studies.sweep.spec import Sweep


# -- tasks ---------------------------------------------------------------------------------------------
def sweep_tasks(sw: Sweep, skip=frozenset()) -> list[tuple]:
    """One task per (point, strategy, replicate) not in ``skip``, in an order that lets a process reuse markets.

    A task is ``(point, strategy, replicate, scenario, seed, cache_population)``.

    A process keeps the market it drew last (:mod:`sim.world`), and the strategies of a
    (point, replicate) share its seed and so its market: they come together, strategy
    innermost. With common random numbers and one population for every point, a
    replicate's market is the same at every point, so the points of a replicate come
    together too (replicate outermost): :meth:`~sim.studies.sweep.Sweep.run_order`. Results do not depend on
    the order.

    Examples
    --------
    >>> from sim.studies.sweep import parse_sweep
    >>> sw = parse_sweep({"sweep": {"replicates": 2}, "vary": {"brand.budget": [20000, 60000]}})
    >>> [t[:3] for t in sweep_tasks(sw)][:3]
    [(0, 'macro', 0), (0, 'micro_equal_budget', 0), (0, 'macro', 1)]
    >>> sw = parse_sweep({"sweep": {"replicates": 2, "common_random_numbers": True},
    ...                   "vary": {"brand.budget": [20000, 60000]}})
    >>> [t[:3] for t in sweep_tasks(sw)][:3]
    [(0, 'macro', 0), (0, 'micro_equal_budget', 0), (1, 'macro', 0)]
    """
    shared_population = len({_pop_key(sc) for sc in sw.scenarios}) == 1
    order = zip(*(a.tolist() for a in sw.run_order(shared_population)))
    return [(p, name, r, sw.scenarios[p], sw.run_seed(p, r), shared_population)
            for p, r in order for name in sw.strategies if (p, name, r) not in skip]


def _pop_key(sc: Scenario) -> str:
    from sim.world import population_key

    return population_key(sc)


def run_point(task: tuple) -> dict:
    """Run one (point, strategy, replicate) and return its metrics, or the error that stopped it.

    Module-level so that process pools and Dask can ship it; a model exception is
    caught and returned (a failed run), never raised.

    Examples
    --------
    >>> from sim.studies.sweep import parse_sweep
    >>> sw = parse_sweep({"overrides": {"population": {"size": 2000, "represents": 1000}, "campaign.days": 2,
    ...                                 "parameters.offer_response_days": 0},  # 2 days: answers must be instant
    ...                   "vary": {"brand.budget": [30000]}, "sweep": {"replicates": 1}})
    >>> out = run_point(sweep_tasks(sw)[0])
    >>> out["strategy"], out["error"], out["metrics"]["influencers"]
    ('macro', None, 1.0)
    """
    point, name, rep, sc, seed, cache_population = task
    t0 = time.perf_counter()
    try:
        metrics = _simulate(sc, name, seed, cache_population)
        error = None
    except Exception as exc:  # a failed run is data, not the end of the sweep
        metrics = None
        error = "".join(traceback.format_exception(exc)[-6:]).strip()
    return {"point": point, "strategy": name, "replicate": rep, "metrics": metrics, "error": error,
            "seconds": time.perf_counter() - t0}


def _simulate(sc, name: str, seed, cache_population: bool) -> dict:
    """One run of the sweep, through the one replicate path. A market shared by every point
    goes to the on-disk cache; markets that differ from point to point stay in memory."""
    from sim.studies.replicate import run_replicate
    from sim.world import cache

    with cache.disk_cache(cache_population):
        result = run_replicate(sc, name, seed)
    return {k: float(v) for k, v in result.metrics.items()}


# -- executors -----------------------------------------------------------------------------------------
class _Inline(Executor):
    """Runs each task in this process when submitted (``--workers 1``)."""

    def submit(self, fn, /, *args, **kwargs):
        fut = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller through the future
            if isinstance(exc, KeyboardInterrupt):
                raise
            fut.set_exception(exc)
        return fut


#: Seconds a Dask sweep waits for a lost scheduler to come back or for a worker when none is left.
WORKER_TIMEOUT = 60.0


class SweepLost(InfluSimError):
    """The sweep's cluster went away (scheduler or every worker); finished runs are in the store (exit code 1)."""

    exit_code = 1


def make_executor(workers: int | None = None, scheduler: str | None = None,
                  worker_timeout: float | None = None):
    """The executor of a sweep: ``(executor, slots, description, close)``.

    With a scheduler address (or ``DASK_SCHEDULER_ADDRESS``) a Dask cluster's executor,
    which gives up when the scheduler or every worker has been gone for ``worker_timeout``
    seconds (:data:`WORKER_TIMEOUT` by default); otherwise a local process pool of
    ``workers`` processes (this process when 1), whose workers stop themselves if this
    process dies. ``slots`` is how many runs to keep in flight; ``close(kill=False)``
    shuts the executor down (``kill=True``: local workers are stopped at once, their runs
    in flight are lost and are run again by a rerun).
    """
    ex: _Dask | ProcessPoolExecutor
    address = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS")
    if address:
        client = dask_client(address)
        threads = sum(client.nthreads().values()) or 1
        ex = _Dask(client, address, WORKER_TIMEOUT if worker_timeout is None else worker_timeout)
        return (ex, max(8, 2 * threads),
                f"Dask scheduler {address} ({len(client.nthreads())} workers, {threads} threads)", ex.close)
    n = workers or os.cpu_count() or 1
    if n == 1:
        return _Inline(), 1, "1 worker (this process)", lambda kill=False: None
    # spawn, not fork: workers must not inherit the store's lock (a worker orphaned by kill -9 would hold
    # it) nor the threads of this process
    ex = ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_worker_init, initargs=(os.getpid(),))

    def close(kill: bool = False) -> None:
        if kill:
            stop_workers(ex)
        else:
            ex.shutdown(wait=False, cancel_futures=True)

    return ex, 2 * n, f"{n} local worker processes", close


# Ctrl-C is the driver's to handle: it stops submitting, keeps what finished, stops the workers and exits;
# a driver killed with -9 cannot stop its workers: they stop themselves (sim.studies.runs.worker_init)
_worker_init = worker_init


class _Dask(Executor):
    """A Dask client's executor that notices a lost scheduler or the loss of every worker.

    :meth:`ready` says whether the cluster can take runs now; once it has not been able
    to for ``timeout`` seconds, or the client gave up reconnecting, it raises
    :class:`SweepLost` with one line.
    """

    def __init__(self, client, address: str, timeout: float):
        self.client, self.address, self.timeout = client, address, float(timeout)
        self._ex = client.get_executor()
        self._since: float | None = None  # when the cluster stopped being able to take runs
        self._checked = -1e9
        _quiet_dask_client()

    def submit(self, fn, /, *args, **kwargs):
        return self._ex.submit(fn, *args, **kwargs)

    def _problem(self) -> str | None:
        status = getattr(self.client, "status", "running")
        if status != "running":
            return f"lost the Dask scheduler at {self.address}"
        try:
            info = self.client.scheduler_info(n_workers=1)
            workers = info.get("n_workers", len(info.get("workers", {})))
        except Exception:  # noqa: BLE001 - the connection broke while asking
            return f"lost the Dask scheduler at {self.address}"
        return None if workers else f"no Dask worker left at {self.address}"

    def ready(self) -> bool:
        connected = getattr(self.client, "status", "running") == "running"
        if connected and self._since is None and time.monotonic() - self._checked < 1.0:
            return True  # asked the scheduler for its workers less than a second ago
        self._checked = time.monotonic()
        problem = self._problem()
        if problem is None:
            self._since = None
            return True
        now = time.monotonic()
        self._since = self._since or now
        waited = now - self._since
        if getattr(self.client, "status", "") == "closed":  # the client gave up reconnecting
            raise SweepLost(f"{problem}: it did not come back in {waited:.0f} s; finished runs are saved: rerun "
                            "the same command to resume")
        if waited >= self.timeout:
            raise SweepLost(f"{problem} for {waited:.0f} s (--worker-timeout {self.timeout:g}); finished runs are "
                            "saved: rerun the same command to resume")
        return False

    def close(self, kill: bool = False) -> None:
        with contextlib.suppress(Exception):  # a lost scheduler cannot be told goodbye
            self.client.close(timeout=2 if kill or self._since else 10)


def _quiet_dask_client() -> None:
    """The driver reports a lost scheduler in one line: Dask's own log lines about it would repeat it."""
    import logging

    for name in ("distributed.client", "distributed.core", "distributed.comm", "distributed.batched",
                 "distributed.utils", "tornado.application"):  # tornado: a cancelled future's callback
        logging.getLogger(name).setLevel(logging.CRITICAL)


def _lost(exc: BaseException) -> bool:
    """Whether a run's exception says the cluster lost it (the run is put back), not that the run failed."""
    if isinstance(exc, CancelledError):
        return True
    name = type(exc).__name__
    module = type(exc).__module__ or ""
    return module.startswith("distributed") and name in ("CommClosedError", "ClosedClientError", "FutureCancelledError")


def dask_client(address: str):
    """A ``distributed.Client`` for ``address``; a clear one-line error if Dask is missing or unreachable."""
    try:
        from distributed import Client
    except ImportError:
        raise InfluSimError("running on a Dask cluster needs Dask: pip install 'influsim[dask]' "
                            "(or pip install 'dask[distributed]')") from None
    try:
        return Client(address, timeout="20s")
    except (OSError, TimeoutError, ValueError) as exc:  # ValueError: a malformed or another process's address
        raise InfluSimError(f"cannot reach the Dask scheduler at {address} ({exc})") from None


# -- running -------------------------------------------------------------------------------------------
@dataclass
class SweepOutcome:
    """What a call of :func:`run_sweep` did."""

    total: int  # runs of the sweep
    skipped: int  # already in the store
    ran: int  # finished now (ok or failed)
    failed: int  # failed runs in the store after this call
    seconds: float
    first_error: str | None = None


def run_sweep(sw: Sweep, out: str | Path, executor: Executor | None = None, slots: int | None = None,
              progress: bool = True) -> SweepOutcome:
    """Run the sweep's missing runs into the store ``out/runs.sqlite``, recording each as it finishes.

    Successful runs already in the store are skipped; failed ones are retried.
    ``executor`` is any ``concurrent.futures.Executor`` (default: this process).

    Examples
    --------
    >>> import tempfile
    >>> from sim.studies.sweep import parse_sweep
    >>> sw = parse_sweep({"overrides": {"population": {"size": 2000, "represents": 1000}, "campaign.days": 2},
    ...                   "vary": {"brand.budget": [30000, 60000]}, "sweep": {"replicates": 1}})
    >>> d = tempfile.mkdtemp()
    >>> o = run_sweep(sw, d, progress=False); (o.total, o.ran, o.failed)
    (4, 4, 0)
    >>> run_sweep(sw, d, progress=False).skipped
    4
    """
    from tqdm import tqdm

    out = Path(out)
    t0 = time.perf_counter()
    with ResultStore(out / "runs.sqlite", sw.identity(), {"name": sw.name, "sweep_file": sw.source}) as store:
        done = store.done()
        tasks = sweep_tasks(sw, done)
        if tasks and tasks[0][5] and sw.scenarios[0].run.market == "fixed":
            from sim.world import build_population

            # once here, so that workers load it from the cache (a market per replicate is built where it runs)
            build_population(sw.scenarios[0])
        executor = executor or _Inline()
        slots = slots or 1
        ready = getattr(executor, "ready", None)  # a Dask executor: is the cluster there to take runs?
        n_failed = 0
        first_error = None
        bar = tqdm(total=sw.n_runs, initial=sw.n_runs - len(tasks), desc=sw.name, unit="run",
                   disable=(not progress) or None, file=sys.stderr, dynamic_ncols=True)
        bar.set_postfix(failed=0)
        pending: dict = {}
        todo = iter(tasks)
        returned: list = []  # runs the cluster lost (scheduler or worker gone): run them again
        exhausted = not tasks
        try:
            while True:
                can_submit = ready() if ready else True
                while can_submit and len(pending) < slots:
                    t = returned.pop() if returned else next(todo, None)
                    if t is None:
                        exhausted = True
                        break
                    try:
                        with deferred_signals():  # a worker being started is not interrupted (sim.studies.runs)
                            pending[executor.submit(run_point, t)] = t
                    except Exception as exc:  # noqa: BLE001 - e.g. the Dask client closed meanwhile
                        if not _lost(exc) or ready is None:  # without ready(), nothing would end the wait
                            raise
                        returned.append(t)
                        break
                if not pending and not returned and exhausted:
                    break
                if not pending:  # the cluster cannot take the runs it lost: wait for it (ready() times out)
                    time.sleep(0.5)
                    continue
                finished, _ = wait(pending, timeout=1.0 if ready else None, return_when=FIRST_COMPLETED)
                for fut in sorted(finished, key=lambda f: pending[f][:3]):
                    t = pending.pop(fut)
                    try:
                        res = fut.result()
                    except BrokenExecutor as exc:
                        raise SweepLost(f"the worker pool died ({exc}); finished runs are saved: rerun the "
                                        "same command to resume") from None
                    except Exception as exc:  # noqa: BLE001
                        if _lost(exc):  # not the run's fault: back to the queue, never stored as failed
                            returned.append(t)
                            continue
                        res = {"point": t[0], "strategy": t[1], "replicate": t[2], "metrics": None,
                               "error": f"{type(exc).__name__}: {exc}", "seconds": None}
                    store.record(res["point"], res["strategy"], res["replicate"], res["metrics"], res["error"],
                                 res["seconds"])
                    if res["error"] is not None:
                        n_failed += 1
                        first_error = first_error or res["error"].splitlines()[-1]
                        bar.set_postfix(failed=n_failed, refresh=False)
                    bar.update(1)
        finally:
            bar.close()
            for fut in pending:
                fut.cancel()
        counts = store.counts()
    return SweepOutcome(sw.n_runs, sw.n_runs - len(tasks), len(tasks), counts["failed"], time.perf_counter() - t0,
                        first_error)

