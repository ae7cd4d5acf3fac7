"""The optimiser: within budget; at least as good as the best fixed policy on its own pilot seeds (by
construction), and judged on fresh replicate seeds, disjoint from the pilots."""

import numpy as np
import pytest

from sim.campaign.luck import pilot_seeds
from sim.campaign.model import CampaignModel
from sim.campaign.optimiser import objective_value
from sim.world import build_population
from sim.studies.runs import replicate_seeds
from sim.scenario import default_scenario, resolve, with_fields
from sim.campaign.pricing import expected_account_cost
from sim.campaign.ranking import FIXED_POLICIES

PILOT = {"pilot_seeds": 2, "pilot_candidates": 10}


@pytest.fixture(scope="module")
def world():
    # run.parameters fixed: these compare the optimiser with fixed policies and the costs it plans at the
    # scenario's own parameters (mechanics), so no replicate may draw its own
    sc = with_fields(default_scenario(), {"population.size": 5000, "population.represents": 400,
                                         "campaign.days": 10, "campaign.posts_per_influencer": 2,
                                         "run.parameters": "fixed", "parameters.fee_scatter": 0.0,
                                         "selection.min_brand_fit": 0.0})
    return sc, build_population(sc, use_cache=False)


def _scenario(sc, objective, budget, outreach=False):
    # equal_spend off: the optimiser plans and scores rosters at the plan's posts per account (money a ranked
    # list leaves is not turned into more posts, which its pilots do not simulate)
    strategies = {p: {"kind": "micro_equal_budget", "selection": p, "budget": budget, "outreach": outreach,
                      "equal_spend": False} for p in FIXED_POLICIES}
    strategies["opt"] = {"kind": "micro_equal_budget", "selection": "optimiser", "objective": objective,
                         "budget": budget, "outreach": outreach, "equal_spend": False, **PILOT}
    return resolve({**sc.model_dump(), "strategies": strategies})


def build_roster(pop, sc, name):
    """The roster of replicate 0, hired as every door hires it (through the model, which runs the pilots)."""
    return CampaignModel(sc, name, market=pop, rng=replicate_seeds(sc.run.seed, 1)[0]).roster


def _value(pop, sc, name, objective, seeds=None):
    ros = build_roster(pop, sc, name)
    runs = []
    for seed in seeds or pilot_seeds(sc.run.seed, PILOT["pilot_seeds"]):
        m = CampaignModel(sc, name, market=pop, roster=ros, rng=seed)
        m.run()
        runs.append(m.metrics())
    return objective_value(runs, objective)


@pytest.mark.parametrize("objective", ["conversions", "reach"])
def test_optimiser_at_least_as_good_as_the_best_fixed_policy(world, objective):
    sc, pop = world
    s = _scenario(sc, objective, 6000.0)
    fixed = {p: _value(pop, s, p, objective) for p in FIXED_POLICIES}
    opt = _value(pop, s, "opt", objective)
    assert opt >= max(fixed.values())
    ros = build_roster(pop, s, "opt")
    report = ros.outreach["optimiser"][0]
    assert report["objective"] == objective and report["chosen"] in {"greedy", *FIXED_POLICIES}
    assert {p["plan"] for p in report["plans"]} == {"greedy", *FIXED_POLICIES}
    assert max(p["value"] for p in report["plans"]) == pytest.approx(opt)
    for step in report["steps"]:
        assert 0 <= step["fresh_share"] <= 1 and step["cost"] > 0
        assert step["marginal_gain"] == pytest.approx(step["pilot"] * step["fresh_share"])


@pytest.mark.parametrize("budget, outreach, objective", [(2500.0, False, "roi"), (9000.0, True, "engagements")])
def test_optimiser_never_exceeds_the_budget(world, budget, outreach, objective):
    sc, pop = world
    s = _scenario(sc, objective, budget, outreach)
    ros = build_roster(pop, s, "opt")
    st = s.strategies["opt"]
    assert len(ros.ids) > 0
    total = expected_account_cost(pop, s, st, ros.ids).sum() + ros.outreach["outreach_staff_cost"]
    assert total <= budget * (1 + 1e-9)
    assert ros.outreach["expected_cost"] <= budget * (1 + 1e-9)
    steps = ros.outreach["optimiser"][0]["steps"]
    assert sum(x["cost"] for x in steps) <= budget * (1 + 1e-9)


def test_optimiser_is_deterministic(world):
    sc, pop = world
    s = _scenario(sc, "engagements", 4000.0, True)
    a = build_roster(pop, s, "opt").ids
    from sim.campaign import optimiser

    optimiser._CACHE.clear()
    b = build_roster(pop, s, "opt").ids
    assert np.array_equal(a, b)


def test_pilot_seeds_are_disjoint_from_replicate_seeds():
    pilots = {s.spawn_key for s in pilot_seeds(42, 100)}
    replicates = {s.spawn_key for s in replicate_seeds(42, 1000)}
    assert not pilots & replicates


@pytest.mark.parametrize("objective", ["reach", "engagements"])
def test_optimiser_advantage_on_fresh_seeds(world, objective, capsys):
    """On replicate seeds it was not tuned on, the optimiser's edge is measured, not assumed."""
    sc, pop = world
    s = _scenario(sc, objective, 6000.0)
    fresh = replicate_seeds(sc.run.seed, 6)
    fixed = {p: _value(pop, s, p, objective, fresh) for p in FIXED_POLICIES}
    opt = _value(pop, s, "opt", objective, fresh)
    best = max(fixed, key=fixed.get)
    with capsys.disabled():
        print(f"\noptimiser on 6 fresh seeds: {opt:.1f} {objective}; best fixed policy {best}: {fixed[best]:.1f}")
    # the optimiser chose its plan on other seeds: on fresh ones it must still be a sensible plan
    # (within 25% of the best fixed policy), whether or not it keeps an edge
    assert opt >= 0.75 * fixed[best]


@pytest.mark.parametrize("floor", [0.3, 0.6])
def test_optimiser_respects_the_brand_fit_floor(world, floor):
    """Every account the optimiser plans or hires has brand fit at or above ``selection.min_brand_fit``."""
    from sim.campaign.ranking import pool_fit

    sc, pop = world
    s = with_fields(_scenario(sc, "conversions", 6000.0, True), {"selection.min_brand_fit": floor})
    ros = build_roster(pop, s, "opt")
    fit = pool_fit(pop, s)
    assert len(ros.ids) > 0
    assert fit[np.asarray(ros.ids, dtype=int)].min() >= floor - 1e-12
    for step in ros.outreach["optimiser"][0]["steps"]:
        assert fit[step["influencer"]] >= floor - 1e-12
