"""Claims experiments: verdicts come from intervals and flip when the data do."""

import argparse
import math

import numpy as np
import pytest

from experiments import claims
from experiments.run import cmd_experiments
from sim.campaign.pricing import acceptance
from sim.errors import InfluSimError
from sim.scenario.models import DEFAULT_STRATEGIES
from sim.studies.runs import replicate_seeds
from sim.world import build_population

# 3,000 people standing for 500 each: a 1.5M market, enough for mega accounts (C5)
TINY = claims.Settings(size=3000, represents=500, replicates=3, decisive_replicates=4, organic_accounts=3,
                       bootstrap=20, workers=1, quick=True)
WORDS = (claims.SUPPORTED, claims.CONTRADICTED, claims.NEGLIGIBLE, "not resolved at ", "depends (on ",
         claims.RESTATES, claims.CALIBRATION)


def test_verdict_words_follow_the_interval():
    assert claims.verdict_from_interval(0.1, 0.5) == claims.SUPPORTED
    assert claims.verdict_from_interval(-0.5, -0.1) == claims.CONTRADICTED
    assert claims.verdict_from_interval(-0.1, 0.5, n=12) == "not resolved at 12 replicates"
    assert claims.verdict_from_interval(-0.05, 0.1, n=80, negligible=0.1) == claims.NEGLIGIBLE
    assert claims.verdict_from_interval(-0.3, 0.1, n=80, negligible=0.1) == "not resolved at 80 replicates"
    assert claims.verdict_from_interval(float("nan"), 1.0) == claims.NO_VERDICT
    assert claims.verdict_from_interval(0.3, 0.6, threshold=0.25) == claims.SUPPORTED
    assert claims.verdict_from_interval(0.0, 0.2, threshold=0.25) == claims.CONTRADICTED
    assert claims.point_verdict(0.44, 0.40, 0.50) == claims.SUPPORTED
    assert claims.point_verdict(0.44, 0.61, 0.74) == claims.CONTRADICTED


def test_combine_lists_which_conditions_support_contradict_or_do_not_resolve():
    v = claims.combine([("a", claims.SUPPORTED), ("b", "not resolved at 20 replicates"), ("c", claims.CONTRADICTED),
                        ("d", claims.SUPPORTED)], "x")
    assert v == ("depends (on x: supported for a, d; contradicted for c; not resolved at 20 replicates for b)")
    assert claims.combine([("a", claims.CONTRADICTED), ("b", claims.CONTRADICTED)]) == claims.CONTRADICTED
    assert "not supported" not in v


def _runs(micro_roi, macro_roi):
    return {"micro": [{"roi": v} for v in micro_roi], "macro": [{"roi": v} for v in macro_roi]}


def test_paired_micro_vs_macro_verdict_follows_the_data():
    rng = np.random.default_rng(0)
    noise = rng.normal(0, 1, 20)  # shared by both strategies: the same market and luck
    wins = _runs(1.2 + noise + rng.normal(0, 0.05, 20), 1.0 + noise)
    loses = _runs(0.8 + noise + rng.normal(0, 0.05, 20), 1.0 + noise)
    same = _runs(1.0 + noise + rng.normal(0, 0.05, 20), 1.0 + noise)
    d_win = claims.paired(wins, "micro", "macro", "roi")
    d_lose = claims.paired(loses, "micro", "macro", "roi")
    d_same = claims.paired(same, "micro", "macro", "roi")
    assert claims.verdict_from_interval(d_win[1], d_win[2], n=d_win[3]) == claims.SUPPORTED
    assert claims.verdict_from_interval(d_lose[1], d_lose[2], n=d_lose[3]) == claims.CONTRADICTED
    assert claims.verdict_from_interval(d_same[1], d_same[2], n=20, negligible=0.1) == claims.NEGLIGIBLE
    # unpaired, the shared noise would hide the difference: pairing is what resolves it
    _, lo, hi, n = claims.metric_ci(wins, "micro", "roi")
    assert lo < np.mean([a["roi"] for a in wins["macro"]]) < hi and n == 20


def test_intervals_are_bootstrap_and_counts_never_go_below_zero():
    skewed = {"s": [{"conversions": v} for v in [0.0] * 9 + [300.0]]}
    m, lo, hi, n = claims.metric_ci(skewed, "s", "conversions")
    assert m == 30.0 and lo >= 0.0 and hi > m and n == 10
    from scipy import stats
    x = np.array([0.1, 0.5, 0.2, 3.0, 0.3, 0.2, 0.4, 0.1, 0.25, 0.35, 0.15, 0.2])
    t_half = stats.t.ppf(0.975, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x))
    _, lo, hi, _ = claims.paired({"a": [{"x": v} for v in x], "b": [{"x": 0.0}] * len(x)}, "a", "b", "x")
    assert (lo, hi) != pytest.approx((x.mean() - t_half, x.mean() + t_half))  # not a t-interval: skewed upwards
    assert hi - x.mean() > x.mean() - lo


def test_connect_first_verdict_changes_when_the_mechanism_is_switched_off():
    out = {}
    for w in (1.0, 0.0):
        sc = TINY.scenario({"parameters.accept_connect_weight": w,
                            "strategies": {"s": {"kind": "micro_equal_budget", "small_tier": "micro"}}})
        pop = build_population(sc)
        ids = pop.pool.ids_of_tier("micro")
        st = sc.strategies["s"]
        d = claims.compare.interval(acceptance(pop, sc, st.model_copy(update={"connect_first": True}), ids)
                                    - acceptance(pop, sc, st.model_copy(update={"connect_first": False}), ids))
        out[w] = claims.verdict_from_interval(d.low, d.high, n=d.n)
    assert out == {1.0: claims.SUPPORTED, 0.0: claims.NEGLIGIBLE}


def test_c1_agreement_measure():
    assert claims.log_jaccard((2000, 50000), (2000, 50000)) == pytest.approx(1.0)
    assert claims.log_jaccard((2000, 50000), (100000, 500000)) == 0.0


def test_claims_use_the_scenario_strategy_names():
    for name in ("macro", "micro_equal_budget", "micro_equal_following"):
        assert claims.STRATEGIES[name]["kind"] == name
    for name in DEFAULT_STRATEGIES:
        assert name in claims.STRATEGIES
    kinds = ("macro", "micro_equal_budget", "micro_equal_following")
    assert all(k == "mega" or k.startswith(kinds) for k in claims.STRATEGIES)


def test_conditions_share_markets_and_match_the_one_replicate_path():
    strategies = {k: claims.STRATEGIES[k] for k in ("macro", "micro_equal_budget")}
    conds = [("a", TINY.scenario({"strategies": strategies, "campaign.days": 3})),
             ("b", TINY.scenario({"strategies": strategies, "campaign.days": 3, "product.luxury": 0.9},
                                 replicates=2))]
    runs = claims.run_conditions(conds, TINY)
    assert [len(runs["a"]["macro"]), len(runs["b"]["macro"])] == [3, 2]
    seeds = replicate_seeds(TINY.seed, 3)
    for label, sc in conds:
        for r in range(sc.run.replicates):
            _, _, _, alone = claims._task((label, sc, "micro_equal_budget", r, seeds[r]))
            assert alone["roi"] == pytest.approx(runs[label]["micro_equal_budget"][r]["roi"], nan_ok=True)
            assert alone["spend"] == runs[label]["micro_equal_budget"][r]["spend"]
    # a different market per replicate
    assert len({m["spend"] for m in runs["a"]["macro"]}) > 1


def test_quick_claims_give_a_computed_verdict():
    results = claims.run_all(TINY, only=["C2", "C3", "C4", "C6"], log=lambda *_: None)
    assert [r.id for r in results] == ["C2", "C3", "C4", "C6"]
    for r in results:
        assert r.verdict.startswith(WORDS), r.verdict
        assert "not supported" not in r.verdict
        assert r.claim and r.source and r.model_gives
    c3 = results[1]
    ratio = c3.data["ratio"]
    assert ratio[0] > 1 and math.isfinite(ratio[1])  # small accounts engage more per follower


def test_c5_states_the_default_world_with_spend():
    (c5,) = claims.run_all(TINY, only=["C5"], log=lambda *_: None)
    assert "on the default world" in c5.verdict and "across the sweep" in c5.verdict
    assert "not supported" not in c5.verdict
    # markets where both strategies hired someone (a market with no fitting account that accepts is left out)
    assert 0 < c5.data["default"][3] <= TINY.decisive_replicates
    assert "micro_equal_budget - macro" in c5.model_gives and "spend $" in c5.model_gives
    assert "micro_equal_budget_vs_mega - mega" in c5.model_gives


def test_every_seed_claim_has_an_experiment():
    assert set(claims.seed_claims()) == set(claims.CLAIMS)


def test_bad_workers_is_a_user_error(tmp_path):
    with pytest.raises(InfluSimError):
        cmd_experiments(argparse.Namespace(quick=True, out=str(tmp_path / "x"), workers=0))


def test_a_difference_between_conditions_that_spans_zero_never_gives_depends():
    rng = np.random.default_rng(3)
    clear = {r: 0.5 + 0.05 * v for r, v in enumerate(rng.normal(0, 1, 20))}  # supported on its own
    noisy = {r: 0.2 + 1.5 * v for r, v in enumerate(rng.normal(0, 1, 20))}  # not resolved on its own
    verdict, info = claims.conditional_verdict({"a": clear, "b": noisy}, "x", unit="markets")
    assert {c[4] for c in info["conditions"].values()} == {claims.SUPPORTED, "not resolved at 20 markets"}
    _, lo, hi, _ = info["differences"][("a", "b")]
    assert lo < 0 < hi  # the difference itself is not resolved
    assert not verdict.startswith("depends") and info["how"] == "pooled"
    # a resolved difference with verdicts that differ does give "depends"
    opposite = {r: -0.5 + 0.05 * v for r, v in enumerate(rng.normal(0, 1, 20))}
    verdict, info = claims.conditional_verdict({"a": clear, "b": opposite}, "x", unit="markets")
    assert verdict == "depends (on x: supported for a; contradicted for b)" and info["how"] == "depends"


def test_c2_restates_an_input_and_c3_c4_are_calibration_checks():
    results = claims.run_all(TINY, only=["C2", "C3", "C4"], log=lambda *_: None)
    assert results[0].verdict == claims.RESTATES
    assert all(r.verdict.startswith(claims.CALIBRATION) for r in results[1:])
    assert all(r.varied and r.markets and r.parameters for r in results)


def _effects(rng, means, sds, n=20):
    """Constructed per-market effects ``{condition: {market: value}}``, paired by market (a shared part)."""
    shared = rng.normal(0, 1, n)
    return {f"c{i}": {r: m + sd * (0.5 * shared[r] + rng.normal()) for r in range(n)}
            for i, (m, sd) in enumerate(zip(means, sds))}


def test_depends_only_when_some_difference_between_conditions_excludes_zero():
    rng = np.random.default_rng(11)
    seen = {"depends": 0, "pooled": 0, "agree": 0}
    for _ in range(60):
        k = int(rng.integers(2, 4))
        effects = _effects(rng, rng.uniform(-1.0, 1.0, k), rng.uniform(0.05, 2.0, k))
        verdict, info = claims.conditional_verdict(effects, "x", unit="markets")
        seen[info["how"]] += 1
        m = k * (k - 1) // 2
        assert info["level"] == pytest.approx(1 - 0.05 / m)  # Bonferroni over the pairs
        split = [(a, b) for (a, b), d in info["differences"].items()
                 if info["conditions"][a][4] != info["conditions"][b][4] and d[1] * d[2] > 0]
        if verdict.startswith("depends"):
            assert split, (verdict, info["differences"])
        if not split:  # every difference between disagreeing conditions spans zero: the pooled (or common) verdict
            assert not verdict.startswith("depends")
            if info["how"] == "pooled":
                pooled = [np.mean([effects[c][r] for c in effects]) for r in range(20)]
                lo, hi = claims.compare.interval(np.array(pooled)).as_tuple()[1:3]
                assert verdict == claims.verdict_from_interval(lo, hi, n=20, unit="markets")
    assert seen["depends"] and seen["pooled"]  # both branches were exercised


def test_three_conditions_that_clearly_differ_give_a_conditional_verdict():
    rng = np.random.default_rng(5)
    effects = _effects(rng, [0.8, -0.8, 0.8], [0.1, 0.1, 0.1])
    verdict, info = claims.conditional_verdict(effects, "luxury", unit="markets")
    assert verdict == "depends (on luxury: supported for c0, c2; contradicted for c1)"
    _, lo, hi, _ = info["differences"][("c0", "c1")]
    assert lo > 0 and hi > 0 and info["how"] == "depends"
    assert "resolved at 98.33% (Bonferroni over 3 pairs)" in claims.conditional_text(info)


def test_acceptance_claims_restate_an_input_and_c10_c11_are_conditional():
    c7, c8, c10, c11 = claims.run_all(TINY, only=["C7", "C8", "C10", "C11"], log=lambda *_: None)
    for r in (c7, c8):
        assert r.verdict == claims.RESTATES and claims.verdict_class(r.verdict) == "input"
        assert len(r.figures) == 1 and "input of the model" in r.detail  # the figure stays, the text says why
        assert "accept_" in r.hinges
    for r in (c10, c11):
        assert r.data["how"] in ("agree", "pooled", "depends")
        if r.verdict.startswith("depends"):
            assert any(d[1] * d[2] > 0 for d in r.data["difference"].values())
        assert r.verdict.startswith(WORDS), r.verdict
    assert c11.verdict == next(iter(c11.data["verdicts"].values()))  # the scenario's sharing, not the assumed push
    for r in (c7, c8, c10, c11):
        assert r.varied and r.held and r.markets and r.parameters


def test_reports_carry_the_design_and_every_verdict_class_has_a_style(tmp_path):
    import csv
    import json

    from experiments import run

    r = claims.ClaimResult("C9", "a claim", "a source", "gives", claims.RESTATES, varied="the strategy",
                           held="100 people", markets="7 markets per condition", parameters="uncertain",
                           hinges="parameters.accept_base")
    run.write_tables(tmp_path, TINY, [r], {}, 1.0)
    doc = json.loads((tmp_path / "claims.json").read_text())
    assert doc["claims"][0]["markets"] == "7 markets per condition" and doc["claims"][0]["hinges"]
    with open(tmp_path / "claims.csv", newline="") as fh:
        (row,) = list(csv.DictReader(fh))
    assert (row["varied"], row["held"], row["parameters"]) == ("the strategy", "100 people", "uncertain")
    assert "<b>markets:</b> 7 markets per condition" in run.design_html(r)
    verdicts = (claims.SUPPORTED, claims.CONTRADICTED, claims.NEGLIGIBLE, "not resolved at 3 markets",
                "depends (on x: supported for a; contradicted for b)", claims.RESTATES, f"{claims.CALIBRATION} (agrees)")
    classes = {claims.verdict_class(v) for v in verdicts}
    assert classes == {"yes", "no", "small", "open", "dep", "input", "calib"}
    for c in classes:
        assert f".{c}{{" in run.CSS, c
