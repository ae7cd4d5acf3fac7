"""The Python API as EMA Workbench uses it: a plain function, called inside a daemon worker process.

EMA's ``MultiprocessingEvaluator`` runs the model function in ``multiprocessing.Pool``
workers, which are daemons and may not start processes of their own. The runner must
work there: in this process by default, and when a pool is asked for, fall back to this
process with a ``RuntimeWarning`` instead of failing with "daemonic processes are not
allowed to have children".
"""

import math
import multiprocessing
import warnings

SMALL = {
    "population.size": 2000,
    "population.represents": 500,
    "campaign.days": 5,
    "parameters.offer_response_days": 0.5,
    "run.replicates": 2,
}


def influencer_campaign(budget: float = 50_000.0) -> dict:
    """A model function as EMA Workbench calls it: keyword inputs in, a dict of outcomes out.

    Module-level and free of any ``__main__`` guard, so that a spawned worker can import it.
    """
    from sim.scenario import default_scenario, with_fields
    from sim.studies.runs import run_scenario

    scenario = with_fields(default_scenario(), {**SMALL, "brand.budget": budget})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        in_process = run_scenario(scenario)  # the default: no worker processes
        default_warnings = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
        pooled = run_scenario(scenario, workers=2)  # asks for a pool: a daemon falls back to this process
    pool_warnings = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    return {
        "daemon": multiprocessing.current_process().daemon,
        "runs": [(r.strategy, r.replicate) for r in in_process],
        "roi": [r.metrics["roi"] for r in in_process],
        "roi_pooled": [r.metrics["roi"] for r in pooled],
        "reach": [r.metrics["reach"] for r in in_process],
        "default_warnings": default_warnings,
        "pool_warnings": pool_warnings[len(default_warnings):],
    }


def test_api_runs_inside_a_daemon_pool_worker():
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        out = pool.apply_async(influencer_campaign, kwds={"budget": 40_000.0}).get(timeout=300)
    assert out["daemon"] is True  # it really ran where processes may not have children
    assert out["runs"] == [("macro", 0), ("macro", 1), ("micro_equal_budget", 0), ("micro_equal_budget", 1)]
    assert all(math.isfinite(x) for x in out["roi"] + out["reach"]), out
    assert any(x > 0 for x in out["reach"])
    assert out["roi_pooled"] == out["roi"]  # the fallback runs the same replicates, with the same seeds
    assert out["default_warnings"] == []  # in-process by default: nothing to warn about
    assert len(out["pool_warnings"]) == 1 and "daemon" in out["pool_warnings"][0]
