"""The Python API a researcher scripts against: run replicates, get a pandas DataFrame.

Runs in this process by default (safe inside other tools' worker processes, such as EMA
Workbench's evaluators); a pool of processes only when asked with ``workers``.

Examples
--------
>>> import sim
>>> scenario = sim.with_fields(sim.default_scenario(), {"population.size": 2000, "population.represents": 500,
...                                                    "campaign.days": 5, "run.replicates": 2,
...                                                    "parameters.offer_response_days": 0.5})
>>> frame = sim.run(scenario, cache=False)
>>> sorted(frame["strategy"].unique()), len(frame)
(['macro', 'micro_equal_budget'], 4)
>>> {"roi", "roas", "spend", "staff_cost", "hired"} <= set(frame.columns)
True
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from sim.scenario import Scenario, load_scenario, with_fields
from sim.studies.replicate import ReplicateResult
from sim.studies.runs import run_scenario
from sim.world import cache as market_cache


def run(scenario: Scenario | str | Path | None = None, *, changes: dict | None = None, replicates: int | None = None,
        seed: int | None = None, workers: int = 1, cache: bool = True, progress=None) -> pd.DataFrame:
    """Run every strategy of a scenario over its replicates; one row per (strategy, replicate).

    Parameters
    ----------
    scenario : Scenario, path or None
        A scenario object or file; the embedded default if None.
    changes : dict, optional
        Dotted-path changes (``{"brand.budget": 20000}``; a table value adds or replaces
        a table, ``None`` removes a strategy).
    replicates, seed : int, optional
        Override ``run.replicates`` and ``run.seed``.
    workers : int
        Worker processes; 1 (the default) runs in this process.
    cache : bool
        False keeps markets in memory only (nothing written to the on-disk cache).
    progress : callable, optional
        Called with the results of each finished replicate.
    """
    return results_frame(run_results(scenario, changes=changes, replicates=replicates, seed=seed, workers=workers,
                                     cache=cache, progress=progress))


def run_results(scenario: Scenario | str | Path | None = None, *, changes: dict | None = None,
                replicates: int | None = None, seed: int | None = None, workers: int = 1, cache: bool = True,
                progress=None) -> list[ReplicateResult]:
    """Like :func:`run`, returning the :class:`~sim.studies.replicate.ReplicateResult` objects."""
    scenario = scenario if isinstance(scenario, Scenario) else load_scenario(scenario)
    changes = dict(changes or {})
    if replicates is not None:
        changes["run.replicates"] = replicates
    if seed is not None:
        changes["run.seed"] = seed
    if changes:
        scenario = with_fields(scenario, changes)
    with market_cache.disk_cache(cache):
        return run_scenario(scenario, workers=workers, progress=progress)


def results_frame(results: list[ReplicateResult]) -> pd.DataFrame:
    """One row per (strategy, replicate): the replicate's metrics.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> results_frame([SimpleNamespace(strategy="a", replicate=0, metrics={"roi": 0.5})])
      strategy  replicate  roi
    0        a          0  0.5
    """
    return pd.DataFrame([{"strategy": r.strategy, "replicate": r.replicate, **r.metrics} for r in results])
