"""Runs: every strategy of a scenario, over Monte Carlo replicates, on any executor.

Seeds: ``SeedSequence(run.seed)`` spawns the population's seed (first child) and the
replicates' root (second child); replicate ``r`` uses the r-th child of that root for
every strategy (common random numbers), so results do not depend on the executor,
the number of workers or the order in which runs finish.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import Executor, ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field

import numpy as np

from sim.world.population import build_population
from sim.campaign.strategies import acceptance_draws, build_roster


@dataclass
class RunResult:
    """What one (strategy, replicate) run produced."""

    strategy: str
    replicate: int
    metrics: dict
    series: dict  # name -> array over hours (real people, cumulative)
    influencers: list = field(default_factory=list)
    wom_ties: tuple | None = None  # (sharers, peers) sample, replicate 0 only
    outreach: dict = field(default_factory=dict)


def replicate_seeds(seed: int, n: int) -> list[np.random.SeedSequence]:
    """The seed of each replicate, spawned from the scenario seed.

    Examples
    --------
    >>> a, b = replicate_seeds(7, 2)
    >>> a.spawn_key, b.spawn_key
    ((1, 0), (1, 1))
    """
    return np.random.SeedSequence(seed).spawn(2)[1].spawn(n)


def tasks_for(sc: dict) -> list[tuple]:
    """One task per (strategy, replicate): ``(scenario, strategy, replicate, seed)``."""
    seeds = replicate_seeds(sc["run"]["seed"], sc["run"]["replicates"])
    return [(sc, name, r, seeds[r]) for name in sc["strategies"] for r in range(len(seeds))]


def run_task(task: tuple) -> RunResult:
    """Run one (strategy, replicate) task; module-level so that process pools can pickle it."""
    from sim.campaign.model import CampaignModel  # imported here so that worker start-up stays light

    sc, name, r, seed = task
    pop = build_population(sc)
    roster = build_roster(pop, sc, name, draws=acceptance_draws(pop, seed))
    model = CampaignModel(sc, name, population=pop, roster=roster, rng=seed)
    model.run()
    df = model.datacollector.get_model_vars_dataframe()
    series = {c: df[c].to_numpy() for c in df.columns}
    ties = None
    if r == 0 and model.wom_ties:
        ties = tuple(np.concatenate(x) for x in zip(*model.wom_ties))
    return RunResult(name, r, model.metrics(), series, model.influencer_rows(), ties, dict(model.roster.outreach))


def default_workers(n_tasks: int) -> int:
    """One worker per core, no more than tasks."""
    return max(1, min(os.cpu_count() or 1, n_tasks))


def execute(tasks: list, fn=run_task, executor: Executor | None = None, workers: int | None = None,
            progress=None) -> list:
    """Run ``fn`` over ``tasks`` and return results in task order.

    ``executor`` is any ``concurrent.futures.Executor`` (a Dask ``Client.get_executor()``
    works too); by default a local process pool of ``workers`` processes, or the current
    process when ``workers`` is 1. ``progress`` is called with each finished result.
    """
    workers = workers or default_workers(len(tasks))
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


def run_scenario(sc: dict, workers: int | None = None, executor: Executor | None = None,
                 progress=None) -> list[RunResult]:
    """Run every strategy of a resolved scenario over its replicates.

    The population is built (or loaded from the cache) here first, so that workers
    load it from the cache instead of each building it.

    Examples
    --------
    >>> from sim.scenario import with_fields, default_scenario
    >>> sc = with_fields(default_scenario(), {"population.size": 2000, "population.represents": 500,
    ...                                      "campaign.days": 2, "run.replicates": 2})
    >>> [(r.strategy, r.replicate) for r in run_scenario(sc, workers=1)]
    [('macro', 0), ('macro', 1), ('micro_equal_budget', 0), ('micro_equal_budget', 1)]
    """
    pop = build_population(sc)
    for name in sc["strategies"]:
        build_roster(pop, sc, name)  # fail fast on a strategy that cannot be staffed
    return execute(tasks_for(sc), run_task, executor, workers, progress)
