"""Where the spread comes from: a nested variance decomposition that cannot go below zero (issue 17.7, issue 20)."""

import numpy as np
import pytest

from sim.scenario import with_fields
from sim.studies.runs import run_scenario
from sim.studies.spread import (decompose, ordered_variances, pair_variance, spread_sources, spread_text)

SOURCES = ("campaign", "market", "parameters")


def _synthetic(rng, n: int, k: int, sd_parameters: float, sd_market: float, sd_campaign: float) -> list:
    """Outcomes parameters + market + campaign, and the two paired re-runs of the design, as spread_sources makes."""
    theta, market, campaign = (rng.normal(0, s, n) for s in (sd_parameters, sd_market, sd_campaign))
    y = theta + market + campaign
    same_market = theta[:k] + market[:k] + rng.normal(0, sd_campaign, k)  # new campaign only
    new_market = theta[k:2 * k] + rng.normal(0, sd_market, k) + rng.normal(0, sd_campaign, k)
    va, da = pair_variance(y[:k], same_market)
    vb, db = pair_variance(y[k:2 * k], new_market)
    return [("campaign", va, da), ("market", vb, db), ("parameters", float(np.var(y, ddof=1)), n - 1)]


@pytest.mark.parametrize("sds", [(1.4, 1.0, 0.7), (0.0, 1.0, 1.0), (1.0, 0.0, 0.5), (0.5, 0.5, 2.0)])
def test_known_components_are_recovered_within_three_points(sds):
    rng = np.random.default_rng(11)
    parts = decompose(_synthetic(rng, 20_000, 5_000, *sds), rng, n_boot=200)
    total = sum(s * s for s in sds)
    for part, sd in zip(parts, reversed(sds)):
        assert part["share"] == pytest.approx(sd * sd / total, abs=0.03), part
        assert part["low"] - 0.03 <= sd * sd / total <= part["high"] + 0.03


def test_shares_are_never_negative_sum_to_one_and_their_intervals_cover_the_truth():
    rng = np.random.default_rng(5)
    sds = (1.0, 1.0, 1.0)  # each source a third
    hits = np.zeros(3)
    for _ in range(200):
        parts = decompose(_synthetic(rng, 30, 5, *sds), rng, n_boot=400)
        shares = np.array([p["share"] for p in parts])
        assert (shares >= 0).all() and (np.array([p["variance"] for p in parts]) >= 0).all()
        assert shares.sum() == pytest.approx(1.0)
        assert all(0 <= p["low"] <= p["high"] <= 1 for p in parts)
        hits += [p["low"] <= 1 / 3 <= p["high"] for p in parts]
    assert (hits / 200 >= 0.88).all(), hits / 200  # 95% intervals: 92-98% on this case


def test_spread_over_markets_smaller_than_within_one_market_is_not_a_silent_zero():
    """Issue 17.7: sd 0.485 over markets, 0.563 within one market (5 re-runs)."""
    parts = decompose([("campaign", 0.563 ** 2, 5), ("market", 0.485 ** 2, 29)], np.random.default_rng(0))
    market = parts[1]
    assert market["share"] == 0.0 and market["variance"] == 0.0  # the constrained ML, on its boundary
    assert market["high"] > 0.3  # and it says how large the market's share could still be
    line = spread_text([{"strategy": "macro", "metric": "roi", "sd_total": 0.485, "n": 30, "k": 5,
                         "sources": parts}])[0]
    assert "market 0% [0%-" in line and "campaign 100% [" in line


def test_a_share_with_an_interval_spanning_everything_cannot_be_separated():
    parts = decompose([("campaign", 1.0, 1), ("market", 2.0, 1), ("parameters", 3.0, 2)], np.random.default_rng(0))
    assert not all(p["separable"] for p in parts)
    line = spread_text([{"strategy": "a", "metric": "roi", "sd_total": 1.7, "n": 3, "k": 1, "sources": parts}])[0]
    assert "cannot be separated with this many re-runs" in line


def test_ordered_variances_is_the_weighted_isotonic_fit():
    assert ordered_variances([3.0, 1.0, 5.0], [1, 3, 10]).tolist() == [1.5, 1.5, 5.0]
    assert ordered_variances([1.0, 2.0, 3.0], [1, 1, 1]).tolist() == [1.0, 2.0, 3.0]
    assert ordered_variances([3.0, 2.0, 1.0], [1, 1, 1]).tolist() == [2.0, 2.0, 2.0]


def _sources(rows):
    return {tuple(p["source"] for p in r["sources"]) for r in rows}


def test_spread_sources_has_a_parameters_line_only_when_the_replicates_drew_them(small_scenario):
    scenario = with_fields(small_scenario, {"run.replicates": 4})
    uncertain = spread_sources(scenario, run_scenario(scenario), metrics=("roi",), k=2, n_boot=100)
    assert _sources(uncertain) == {SOURCES}
    assert all(r["k"] == 2 and r["n"] == 4 for r in uncertain)
    fixed = with_fields(scenario, {"run.parameters": "fixed"})
    assert _sources(spread_sources(fixed, run_scenario(fixed), metrics=("roi",), k=2, n_boot=100)) == \
        {("campaign", "market")}
    one_market = with_fields(scenario, {"run.market": "fixed"})
    assert _sources(spread_sources(one_market, run_scenario(one_market), metrics=("roi",), k=2, n_boot=100)) == \
        {("campaign", "parameters")}
    nothing = with_fields(fixed, {"run.market": "fixed"})
    assert spread_sources(nothing, run_scenario(nothing), metrics=("roi",)) == []
