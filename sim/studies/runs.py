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

import multiprocessing
import os
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
    # forkserver: forking a process that runs threads (BLAS, Dask, a GUI) can deadlock the child
    ex = executor or ProcessPoolExecutor(max_workers=workers, mp_context=_forkserver())
    try:
        futures = {ex.submit(fn, t): i for i, t in enumerate(tasks)}
        out = [None] * len(tasks)
        for fut in as_completed(futures):
            out[futures[fut]] = fut.result()
            if progress:
                progress(out[futures[fut]])
        return out
    finally:
        if own:
            ex.shutdown(cancel_futures=True)


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
