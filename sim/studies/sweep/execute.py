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

import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from sim.errors import InfluSimError
from sim.scenario import Scenario
from sim.studies.store import ResultStore
from sim.studies.sweep.spec import Sweep


# -- tasks ---------------------------------------------------------------------------------------------
def sweep_tasks(sw: Sweep, skip=frozenset()) -> list[tuple]:
    """One task per (point, strategy, replicate) not in ``skip``, point-major.

    A task is ``(point, strategy, replicate, scenario, seed, cache_population)``.
    """
    shared_population = len({_pop_key(sc) for sc in sw.scenarios}) == 1
    out = []
    for p, sc in enumerate(sw.scenarios):
        for name in sw.strategies:
            for r in range(sw.replicates):
                if (p, name, r) not in skip:
                    out.append((p, name, r, sc, sw.run_seed(p, r), shared_population))
    return out


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
    >>> sw = parse_sweep({"overrides": {"population": {"size": 2000, "represents": 1000}, "campaign.days": 2},
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


def make_executor(workers: int | None = None, scheduler: str | None = None):
    """The executor of a sweep: ``(executor, slots, description, close)``.

    With a scheduler address (or ``DASK_SCHEDULER_ADDRESS``) a Dask cluster's executor;
    otherwise a local process pool of ``workers`` processes (this process when 1).
    ``slots`` is how many runs to keep in flight.
    """
    address = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS")
    if address:
        client = dask_client(address)
        threads = sum(client.nthreads().values()) or 1
        return (client.get_executor(), max(8, 2 * threads),
                f"Dask scheduler {address} ({len(client.nthreads())} workers, {threads} threads)", client.close)
    n = workers or os.cpu_count() or 1
    if n == 1:
        return _Inline(), 1, "1 worker (this process)", lambda: None
    # spawn, not fork: workers must not inherit the store's lock (a worker orphaned by kill -9 would hold
    # it) nor the threads of this process
    ex = ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_worker_init, initargs=(os.getpid(),))
    return ex, 2 * n, f"{n} local worker processes", lambda: ex.shutdown(wait=False, cancel_futures=True)


def _worker_init(parent: int) -> None:
    # Ctrl-C is the driver's to handle: it stops submitting, keeps what finished, and exits;
    # workers finish their current run quietly instead of printing tracebacks
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def orphaned() -> None:  # a driver killed with -9 cannot stop its workers: they stop themselves
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=orphaned, daemon=True).start()


def dask_client(address: str):
    """A ``distributed.Client`` for ``address``; a clear one-line error if Dask is missing or unreachable."""
    try:
        from distributed import Client
    except ImportError:
        raise InfluSimError("running on a Dask cluster needs Dask: pip install 'influsim[dask]' "
                            "(or pip install 'dask[distributed]')") from None
    try:
        return Client(address, timeout="20s")
    except (OSError, TimeoutError) as exc:
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
        if tasks and tasks[0][5]:
            from sim.world import build_population

            build_population(sw.scenarios[0])  # once here, so that workers load it from the cache
        executor = executor or _Inline()
        slots = slots or 1
        n_failed = 0
        first_error = None
        bar = tqdm(total=sw.n_runs, initial=sw.n_runs - len(tasks), desc=sw.name, unit="run",
                   disable=(not progress) or None, file=sys.stderr, dynamic_ncols=True)
        bar.set_postfix(failed=0)
        pending: dict = {}
        todo = iter(tasks)
        try:
            while True:
                while len(pending) < slots:
                    t = next(todo, None)
                    if t is None:
                        break
                    pending[executor.submit(run_point, t)] = t
                if not pending:
                    break
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in sorted(finished, key=lambda f: pending[f][:3]):
                    t = pending.pop(fut)
                    try:
                        res = fut.result()
                    except BrokenExecutor as exc:
                        raise InfluSimError(f"the worker pool died ({exc}); finished runs are saved: rerun the "
                                            "same command to resume") from None
                    except Exception as exc:  # e.g. a Dask worker killed while running this task
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

