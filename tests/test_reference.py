"""The fast path (``sim.campaign.model.CampaignModel``) agrees in distribution with the independent
per-agent reference (``tests/reference_model.py``), which re-implements the documented rules itself.

For each small scenario both models run the same market and the same roster (hired once
by :func:`sim.campaign.setup.prepare`) over SEEDS seeds each, with their own random
streams. For each outcome the difference of the means must lie within Z standard errors
of that difference (Welch): with fixed seeds the test is deterministic, and for identical
distributions a failure would be about a 1-in-16,000 event per check. The comparison can
fail: a fast path with a 40% higher engagement base, or with a slower decay of views, is
told apart (``test_comparison_detects_a_changed_rule``).
"""

from __future__ import annotations

import ast
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import reference_model as ref
from reference_model import ReferenceModel

from sim.campaign.model import CampaignModel
from sim.campaign.setup import prepare
from sim.scenario import Parameters, default_scenario, with_fields
from sim.world import build_population

SEEDS = 30
Z = 4.0  # tolerance in standard errors of the difference of means
ROSTER_SEED = np.random.SeedSequence(0)  # the replicate whose hiring gives both models their roster

# Small but busy: engagement, sharing and buying are made common so that every outcome has
# counts large enough to compare; posts start after a short outreach.
BASE = {
    "population.size": 2500,
    "population.represents": 500,
    "campaign.days": 5,
    "parameters.offer_response_days": 0.5,
    "parameters.engage_base": 0.5,
    "population.purchase_propensity_mean": 0.6,
    "population.share_propensity_mean": 0.2,
    # the fast path and the reference must run the same rules on the same parameters (mechanics): no
    # replicate draws its own (the reference model reads the scenario's point values)
    "run.parameters": "fixed",
}
SCENARIOS = {
    # one macro account, paid per post
    "macro": {"strategies": {"macro": {"kind": "macro"}}, "population.share_propensity_mean": 0.3},
    # six micro accounts paid per view (the cost depends on views), repeat purchases,
    # a product category people care about (product match scaled by 1.5, capped at 1)
    "micro": {"strategies": {"micro": {"kind": "custom", "tiers": {"micro": 8}, "payment": "cpm"}},
              "campaign.repeat_purchases": True, "population.category_involvement": 1.5,
              "population.share_propensity_mean": 0.3},
    # word of mouth on: people share readily; a long-term ambassador (more posts, less erosion)
    "word_of_mouth": {"population.share_propensity_mean": 0.5,
                      "strategies": {"ambassador": {"kind": "macro", "partnership": "ambassador"}}},
}
OUTCOMES = ("impressions", "reach", "engagements", "comments", "shares", "conversions", "earned_reach",
            "engaged_people", "cost")
COUNTS = ("impressions", "reach", "engagements", "shares", "conversions", "earned_reach")
SERIES = (("reach", 72), ("engagements", 96))  # cumulative figures after 3 and 4 days
NAMES = OUTCOMES + tuple(f"{name}_at_hour_{h}" for name, h in SERIES)


def _outcomes(model, series: dict) -> list[float]:
    m = model.metrics()
    return [m[k] for k in OUTCOMES] + [series[name][h] for name, h in SERIES]


def _run(kind: str, sc, name: str, market, roster, seeds) -> np.ndarray:
    rows = []
    for s in seeds:
        if kind == "fast":
            model = CampaignModel(sc, name, market=market, roster=roster, rng=s)
            model.run()
            rows.append(_outcomes(model, model.datacollector.model_vars))
        else:
            model = ReferenceModel(sc, name, market=market, roster=roster, rng=s)
            model.run()
            rows.append(_outcomes(model, model.series))
    return np.array(rows, dtype=float)


def _z(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Difference of column means in standard errors (Welch)."""
    se = np.sqrt(a.var(axis=0, ddof=1) / len(a) + b.var(axis=0, ddof=1) / len(b))
    diff = a.mean(axis=0) - b.mean(axis=0)
    return np.where(se > 0, diff / np.where(se > 0, se, 1.0), np.where(diff == 0, 0.0, np.inf))


def _world(key: str):
    sc = with_fields(default_scenario(), {**BASE, **SCENARIOS[key]})
    name = next(iter(sc.strategies))
    market = build_population(sc, use_cache=False)
    _, roster = prepare(sc, name, ROSTER_SEED, market=market)
    return sc, name, market, roster


@pytest.fixture(scope="module")
def runs():
    out = {}
    for key in SCENARIOS:
        sc, name, market, roster = _world(key)
        out[key] = {"world": (sc, name, market, roster),
                    "fast": _run("fast", sc, name, market, roster, range(SEEDS)),
                    "reference": _run("reference", sc, name, market, roster, range(1000, 1000 + SEEDS))}
    return out


@pytest.mark.parametrize("key", list(SCENARIOS))
def test_fast_path_agrees_with_independent_reference(runs, key):
    fast, refr = runs[key]["fast"], runs[key]["reference"]
    sc, _name, _market, roster = runs[key]["world"]
    assert len(roster.ids) > 0
    # every count happens often enough to be compared: a few simulated people per run at least
    per_run = {k: float(refr[:, OUTCOMES.index(k)].mean()) / sc.population.represents for k in COUNTS}
    assert min(per_run.values()) >= 3, per_run
    z = _z(fast, refr)
    bad = {n: (round(f, 1), round(r, 1), round(float(zz), 2))
           for n, f, r, zz in zip(NAMES, fast.mean(axis=0), refr.mean(axis=0), z) if abs(zz) > Z}
    assert not bad, f"fast vs reference means differ by more than {Z} SE (fast, reference, z): {bad}"


@pytest.mark.parametrize("change, figure", [
    ({"parameters.engage_base": 0.5 * 1.4}, "engagements"),  # 40% more engagement
    ({"parameters.decay_fast_share": 0.6}, "impressions"),  # fewer views in the first hours: more fall after the end
])
def test_comparison_detects_a_changed_rule(runs, change, figure):
    """A fast path whose rule differs from the reference's is told apart (the comparison can fail)."""
    sc, name, market, roster = runs["macro"]["world"]
    assert sc.parameters.engage_base == 0.5
    fast = _run("fast", with_fields(sc, change), name, market, roster, range(SEEDS))
    z = dict(zip(NAMES, _z(fast, runs["macro"]["reference"])))
    assert abs(z[figure]) > Z, z


def test_reference_imports_nothing_from_the_fast_path():
    """The reference takes no formula, constant or helper from sim.rules or sim.campaign.model."""
    source = Path(ref.__file__).read_text()
    modules, names = [], []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            modules.append(node.module or "")
            names += [(node.module or "", alias.name) for alias in node.names]
    forbidden = [m for m in modules if m == "sim.rules" or m.startswith("sim.rules.") or m == "sim.campaign.model"]
    forbidden += [f"{m}.{n}" for m, n in names if (m, n) in {("sim", "rules"), ("sim.campaign", "model")}]
    assert not forbidden, forbidden
    # all it takes from the project: the scenario, the replicate set-up (market and roster) and their types
    project = {m for m in modules if m == "sim" or m.startswith("sim.")}
    assert project <= {"sim.scenario", "sim.campaign.setup", "sim.world.population", "sim.campaign.roster"}, project
    taken = {n for m, n in names if m.startswith("sim")}
    assert taken <= {"Parameters", "Scenario", "prepare", "Population", "Roster"}, taken
    assert "importlib" not in modules and "__import__" not in source


def test_reference_rules_match_the_documented_examples():
    """The reference's own formulas give the figures quoted in the fast path's docstrings."""
    p = SimpleNamespace(reach_small=0.5, reach_large=0.2, reach_half_followers=1e4, penalty_intercept=-0.2,
                        penalty_slope=0.1, fit_sensitivity=1.0, trust_small=0.82, trust_large=0.73,
                        trust_half_followers=100_000.0, trust_slope=1.0, authenticity_weight=0.3,
                        status_gap=0.2, status_scale=100.0, interest_weight=0.5, peer_trust=0.73, erosion=0.1,
                        engage_base=0.2, conversion_base=0.1, intent_half=0.5, luxury_penalty=0.7,
                        familiarity_boost=1.0)
    assert ref.organic_reach(0, p) == pytest.approx(0.5) and ref.organic_reach(1e9, p) == pytest.approx(0.2, abs=1e-3)
    assert ref.seen_probability(0.4, 4.0) == 1.0 and ref.seen_probability(0.4, 0.5) == pytest.approx(0.2)
    assert ref.sponsored_penalty(1e4, p) == pytest.approx(0.2)
    assert ref.sponsored_factor(0.2, 1.0, p) == pytest.approx(0.8)
    assert ref.sponsored_factor(0.2, 0.0, p) == pytest.approx(0.64)
    assert [round(ref.size_prior(f, p), 3) for f in (0, 100_000, 1e9)] == [0.82, 0.775, 0.73]
    q = Parameters()
    assert [round(ref.account_prior(1_000, a, q), 3) for a in (0.5, 1.0)] == [0.696, 0.819]
    assert ref.relatability(1.0, 0, p, 0.0) == pytest.approx(1.0)
    assert ref.relatability(0.0, 0, p, 0.0) == pytest.approx(0.5)
    assert ref.influencer_trust(0.82, 1.0, 0, p, 0.0, 1.0) == pytest.approx(0.82)
    assert ref.peer_trust(1.0, p) == pytest.approx(0.73)
    assert ref.erode(1.0, 1.0, p, 1.0) == 1.0 and ref.erode(1.0, 0.0, p, 1.0) == pytest.approx(0.9)
    assert ref.engage_probability(0.5, 0.8, p) == pytest.approx(0.08)
    assert ref.intent_increment(0.5, 0.8, 1.0) == pytest.approx(0.4)
    p1, p2 = ref.purchase_probability(0.2, 0.5, 1.0, p), ref.purchase_probability(0.4, 0.5, 1.0, p)
    assert p1 < p2 < 2 * p1
    assert ref.price_factor(0.0, 1.0, p) == 1.0 and round(ref.price_factor(1.0, 0.0, p), 2) == 0.15
    m = ref.campaign_metrics(impressions=1000, reach=800, earned_reach=50, likes=40, comments=5, shares=5,
                             engaged=40, conversions=4, followers=2000, price=25.0, cost=50.0, influencers=1,
                             margin=0.5, staff_cost=10.0, budget=80.0)
    assert (m["roi"], m["roas"], m["roi_ex_staff"], m["unspent"], m["cost_per_engagement"],
            m["engagement_rate"]) == (0.0, 2.0, 0.25, 30.0, 1.0, 0.025)


def test_reference_hires_as_the_fast_model(runs):
    """Without a roster, the reference hires the same accounts as the fast model for the same replicate seed."""
    sc, name, market, _roster = runs["micro"]["world"]
    for s in (3, 4):
        fast = CampaignModel(sc, name, market=market, rng=s)
        model = ReferenceModel(sc, name, market=market, rng=s)
        assert model.roster.ids.tolist() == fast.roster.ids.tolist()
        assert model.roster.outreach["days"] == fast.roster.outreach["days"]


def test_reference_invariants(runs):
    sc, name, market, roster = runs["word_of_mouth"]["world"]
    model = ReferenceModel(sc, name, market=market, roster=roster, rng=3)
    model.run()
    m = model.metrics()
    assert m["conversions"] <= m["engaged_people"] <= m["reach"] <= m["impressions"]
    assert m["earned_reach"] <= m["reach"] <= market.n * market.represents
    assert m["shares"] <= m["engaged_people"]
    assert model.steps == sc.campaign.days * 24 and not model.running
    assert len(model.series["reach"]) == model.steps + 1
    assert model.series["reach"][-1] == m["reach"] and model.series["spend"][-1] == m["cost"]
    assert sum(model.by_account["impressions"]) == model.impressions
    assert m["roi"] == pytest.approx((sc.product.margin * m["revenue"] - m["cost"]) / m["cost"])
    # no account posts before its answer came
    assert all(h >= a.start_day * 24 + 12 for a in model.accounts for h in a.post_hours)
    first = min(a.start_day for a in model.accounts) * 24
    assert model.series["impressions"][first] == 0
