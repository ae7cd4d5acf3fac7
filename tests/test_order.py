"""Same numbers in any order: no result depends on what ran before in the process (issue 17, point 1).

A replicate's market is kept in memory so that the strategies of one replicate share it;
it must be keyed by everything that draws it (the scenario's market sections and the
seed's entropy, spawn key and pool size), so that a seed never gets another seed's market.
The reference for every comparison is each seed run alone, in a fresh interpreter.

``mesa.batch_run`` (Mesa 3.5) passes each value of ``rng`` to :class:`sim.CampaignModel`
as its seed; ``iterations=N`` is ``rng=[None] * N`` (and cannot be combined with ``rng``):
each ``None`` is fresh entropy from the operating system, so the N runs are N distinct
replicates (their own market and luck), not reproducible between invocations. Reproducible
rows come from explicit seeds: ``rng=[42, 43]`` or ``rng=sim.replicate_seeds(seed, N)``.
"""

from __future__ import annotations

import multiprocessing
import warnings
from concurrent.futures import ProcessPoolExecutor

import mesa
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import sim
from sim.campaign.model import SERIES
from sim.scenario import default_scenario, with_fields
from sim.world import cache, disk_store, population

SEEDS = (42, 43, 44)
STRATEGIES = ("macro", "micro_equal_budget")


def order_scenario():
    """A small scenario (3,000 people x 250: the 750,000-person market a macro account needs), 3 days.

    ``run.parameters = "fixed"``: with drawn parameters the population's own draws would
    hide a shared market behind a different key.
    """
    return with_fields(default_scenario(), {
        "population.size": 3000, "population.represents": 250, "campaign.days": 3,
        "parameters.offer_response_days": 0.5, "run.parameters": "fixed", "run.market": "per_replicate"})


def final_series(model: sim.CampaignModel) -> dict[str, float]:
    """The DataCollector's series at the campaign's end (what a ``batch_run`` row holds)."""
    frame = model.datacollector.get_model_vars_dataframe()
    return {name: float(frame[name].iloc[-1]) for name in SERIES}


def run_once(seed: int, strategy: str) -> tuple[dict, dict[str, float]]:
    """Metrics and final series of one campaign of ``strategy`` on replicate seed ``seed``."""
    model = sim.CampaignModel(order_scenario(), strategy, rng=seed)
    model.run()
    return model.metrics(), final_series(model)


def _alone(seed: int) -> dict[str, tuple[dict, dict[str, float]]]:
    """Every strategy of one seed, in a fresh interpreter (a worker that runs this one task only)."""
    return {strategy: run_once(seed, strategy) for strategy in STRATEGIES}


def same(a: float, b: float) -> bool:
    return bool(a == b or (np.isnan(a) and np.isnan(b)))


def differences(got: dict, want: dict) -> list[str]:
    """Names of the numeric values that differ at all (exact comparison; NaN equals NaN)."""
    return [k for k, v in want.items() if isinstance(v, (int, float)) and not same(float(got[k]), float(v))]


@pytest.fixture(scope="module")
def alone() -> dict[int, dict[str, tuple[dict, dict[str, float]]]]:
    """Each seed run alone in a fresh interpreter: seed -> strategy -> (metrics, final series)."""
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=2, mp_context=context, max_tasks_per_child=1) as pool:
        return dict(zip(SEEDS, pool.map(_alone, SEEDS)))


@pytest.fixture(autouse=True)
def _start_method():
    """``mesa.batch_run`` forces the "spawn" start method on the whole process: put it back."""
    before = multiprocessing.get_start_method(allow_none=True)
    yield
    multiprocessing.set_start_method(before, force=True)


@pytest.mark.parametrize("order", [(42, 43), (43, 42)], ids=["42-then-43", "43-then-42"])
def test_seeds_run_in_one_process_in_either_order_give_what_each_gives_alone(order, alone):
    for seed in order:
        for strategy in STRATEGIES:
            metrics, series = run_once(seed, strategy)
            want_metrics, want_series = alone[seed][strategy]
            assert differences(metrics, want_metrics) == [], (seed, strategy, metrics, want_metrics)
            assert differences(series, want_series) == [], (seed, strategy, series, want_series)


def batch_rows(seeds: list[int], processes: int) -> list[tuple[int, str, dict[str, float]]]:
    """``mesa.batch_run`` rows over ``seeds`` as (seed, strategy, final series), in the order Mesa returns."""
    rows = mesa.batch_run(sim.CampaignModel, parameters={"scenario": [order_scenario()], "strategy": list(STRATEGIES)},
                          rng=seeds, number_processes=processes, data_collection_period=-1, display_progress=False)
    return [(row["rng"], row["strategy"], {name: float(row[name]) for name in SERIES}) for row in rows]


@settings(max_examples=3, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(seeds=st.lists(st.sampled_from(SEEDS), min_size=2, max_size=4).filter(lambda seeds: len(set(seeds)) > 1))
def test_batch_run_rows_do_not_depend_on_seed_order_or_process_count(alone, seeds):
    by_count = {}
    for processes in (1, 2):
        rows = batch_rows(seeds, processes)
        assert sorted(seed for seed, _, _ in rows) == sorted(seeds * len(STRATEGIES))
        for seed, strategy, series in rows:
            want = alone[seed][strategy][1]
            assert differences(series, want) == [], (seeds, processes, seed, strategy, series, want)
        by_count[processes] = sorted(rows, key=lambda row: (row[0], row[1]))
    one, two = by_count[1], by_count[2]
    assert [row[:2] for row in one] == [row[:2] for row in two]
    assert all(differences(a[2], b[2]) == [] for a, b in zip(one, two)), seeds


def test_iterations_are_distinct_replicates_each_with_its_own_market(monkeypatch):
    """``iterations=2`` (Mesa: ``rng=[None, None]``) draws two markets, from two fresh seeds."""
    built: list[np.random.SeedSequence] = []
    build = population.build
    monkeypatch.setattr(population, "build", lambda scenario, seed: built.append(seed) or build(scenario, seed))
    scenario = order_scenario()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # Mesa 3.5 deprecates iterations for rng=[None] * N
        rows = mesa.batch_run(sim.CampaignModel, parameters={"scenario": [scenario], "strategy": "macro"},
                              iterations=2, number_processes=1, data_collection_period=-1, display_progress=False)
    assert len(rows) == 2
    assert len(built) == 2 and built[0].entropy != built[1].entropy
    a, b = (sim.CampaignModel(scenario, "macro") for _ in range(2))
    assert a.seed.entropy != b.seed.entropy
    checksums = [disk_store.checksum(disk_store.market_arrays(model.population)) for model in (a, b)]
    assert checksums[0] != checksums[1]
    with pytest.raises(ValueError, match="iterations and rng"):  # Mesa refuses both: one rng is one replicate
        mesa.batch_run(sim.CampaignModel, parameters={"scenario": [scenario], "strategy": "macro"},
                       iterations=2, rng=42, display_progress=False)


def test_the_strategies_of_one_replicate_share_one_market_built_once(monkeypatch):
    """The memo still serves every strategy of a replicate (and only that replicate)."""
    built: list[np.random.SeedSequence] = []
    build = population.build
    monkeypatch.setattr(population, "build", lambda scenario, seed: built.append(seed) or build(scenario, seed))
    cache._REPLICATE_MEMORY.clear()
    scenario = order_scenario()
    first = [sim.CampaignModel(scenario, strategy, rng=42) for strategy in STRATEGIES]
    assert len(built) == 1 and first[0].population is first[1].population
    other = sim.CampaignModel(scenario, "macro", rng=43)
    assert len(built) == 2 and other.population is not first[0].population
