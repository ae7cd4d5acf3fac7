"""The fast path (sim.campaign.model.CampaignModel) agrees in distribution with the plain per-agent
reference (tests/reference_model.py) on small populations.

Both run the same population, roster and rules over the same fixed seeds (different
draws: the order of random numbers differs). For each outcome the difference of the
means over SEEDS replicates must lie within Z standard errors of that difference
(Welch): with fixed seeds the test is deterministic, and for identical distributions a
failure would be a 1-in-16,000 event per check. The test can fail: a fast path with a
25% higher engagement base (``test_comparison_detects_a_changed_rule``) is caught.
"""

import numpy as np
import pytest

from reference_model import ReferenceModel
from sim.campaign.model import CampaignModel
from sim.world.population import build_population
from sim.scenario import default_scenario, with_fields
from sim.campaign.strategies import build_roster

SEEDS = 30
Z = 4.0  # tolerance in standard errors of the difference of means
OUTCOMES = ("impressions", "reach", "earned_reach", "engagements", "shares", "conversions")

# Small but busy: engagement, sharing and buying are made common so that every outcome
# (word of mouth and conversions included) has counts large enough to compare.
SCENARIO = {
    "population.size": 1200,
    "population.represents": 20,
    "influencers.counts": {"nano": 30, "micro": 10, "mid": 0, "macro": 0, "mega": 0},
    "population.share_propensity_mean": 0.8,
    "population.purchase_propensity_mean": 0.8,
    "population.susceptibility_mean": 0.5,
    "parameters.engage_base": 0.4,
    "parameters.conversion_base": 1.0,
    "product.luxury": 0.0,
    "product.familiarity": 1.0,
    "campaign.days": 3,
    "campaign.posts_per_influencer": 2,
    "strategies": {"one_micro": {"kind": "custom", "tiers": {"micro": 1}},
                   "nano_swarm": {"kind": "custom", "tiers": {"nano": 8}}},
}


def _outcomes(model) -> list[float]:
    m = model.metrics()
    series = model.datacollector.model_vars
    return [m[k] for k in OUTCOMES] + [series["reach"][24], series["engagements"][48]]


NAMES = OUTCOMES + ("reach_after_1_day", "engagements_after_2_days")


def _run(cls, sc, name, pop, roster, seeds):
    rows = []
    for s in seeds:
        model = cls(sc, name, population=pop, roster=roster, rng=s)
        model.run()
        rows.append(_outcomes(model))
    return np.array(rows, dtype=float)


def _z(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Difference of column means in standard errors (Welch)."""
    se = np.sqrt(a.var(axis=0, ddof=1) / len(a) + b.var(axis=0, ddof=1) / len(b))
    diff = a.mean(axis=0) - b.mean(axis=0)
    return np.where(se > 0, diff / np.where(se > 0, se, 1.0), np.where(diff == 0, 0.0, np.inf))


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    sc = with_fields(default_scenario(), SCENARIO)
    pop = build_population(sc, use_cache=False)
    return sc, pop


@pytest.fixture(scope="module")
def runs(world):
    sc, pop = world
    out = {}
    for name in sc.strategies:
        roster = build_roster(pop, sc, name)
        out[name] = {
            "fast": _run(CampaignModel, sc, name, pop, roster, range(SEEDS)),
            "reference": _run(ReferenceModel, sc, name, pop, roster, range(1000, 1000 + SEEDS)),
        }
    return out


@pytest.mark.parametrize("strategy", ["one_micro", "nano_swarm"])
def test_fast_path_agrees_with_per_agent_reference(runs, strategy):
    fast, ref = runs[strategy]["fast"], runs[strategy]["reference"]
    # every outcome happens often enough to be compared: at least 10 simulated people per run
    per_run = ref.mean(axis=0) / SCENARIO["population.represents"]
    assert (per_run >= 10).all(), dict(zip(NAMES, per_run))
    z = _z(fast, ref)
    bad = {n: (round(f, 1), round(r, 1), round(zz, 2))
           for n, f, r, zz in zip(NAMES, fast.mean(axis=0), ref.mean(axis=0), z) if abs(zz) > Z}
    assert not bad, f"fast vs reference means differ by more than {Z} SE (fast, reference, z): {bad}"


def test_comparison_detects_a_changed_rule(world, runs):
    """A fast path with a 25% higher engagement base is told apart from the reference."""
    sc, pop = world
    name = "one_micro"
    changed = with_fields(sc, {"parameters.engage_base": sc.parameters.engage_base * 1.25})
    fast = _run(CampaignModel, changed, name, pop, build_roster(pop, changed, name), range(SEEDS))
    z = dict(zip(NAMES, _z(fast, runs[name]["reference"])))
    assert z["engagements"] > Z


def test_reference_invariants(world):
    sc, pop = world
    model = ReferenceModel(sc, "nano_swarm", population=pop, rng=3)
    model.run()
    m = model.metrics()
    assert m["conversions"] <= m["engaged_people"] <= m["reach"] <= m["impressions"]
    assert m["earned_reach"] <= m["reach"] <= pop.n * pop.represents
    assert m["shares"] <= m["engaged_people"]
    assert model.steps == sc.campaign.days * 24
