"""Claims experiments: verdicts come from intervals and flip when the data do."""

import argparse
import math

import numpy as np
import pytest

from experiments import claims
from experiments.run import cmd_experiments
from sim.errors import InfluSimError
from sim.world.population import build_population
from sim.campaign.strategies import acceptance

TINY = claims.Settings(size=3000, represents=400, replicates=3, organic_accounts=3, bootstrap=20, workers=1,
                       quick=True)


def test_verdict_flips_with_the_interval():
    assert claims.verdict_from_interval(0.1, 0.5) == claims.SUPPORTED
    assert claims.verdict_from_interval(-0.5, -0.1) == claims.NOT_SUPPORTED
    assert claims.verdict_from_interval(-0.1, 0.5) == claims.NOT_SUPPORTED
    assert claims.verdict_from_interval(float("nan"), 1.0) == claims.NOT_SUPPORTED
    assert claims.combine([("a", claims.SUPPORTED), ("b", claims.NOT_SUPPORTED)], "x").startswith("depends (on x")


def _runs(micro_roi, macro_roi):
    return {"micro": [{"roi": v} for v in micro_roi], "macro": [{"roi": v} for v in macro_roi]}


def test_paired_micro_vs_macro_verdict_follows_the_data():
    rng = np.random.default_rng(0)
    noise = rng.normal(0, 1, 20)  # shared by both strategies: common random numbers
    wins = _runs(1.2 + noise + rng.normal(0, 0.05, 20), 1.0 + noise)
    loses = _runs(0.8 + noise + rng.normal(0, 0.05, 20), 1.0 + noise)
    d_win = claims.paired(wins, "micro", "macro", "roi")
    d_lose = claims.paired(loses, "micro", "macro", "roi")
    assert claims.verdict_from_interval(d_win[1], d_win[2]) == claims.SUPPORTED
    assert claims.verdict_from_interval(d_lose[1], d_lose[2]) == claims.NOT_SUPPORTED
    # unpaired, the shared noise would hide the difference: pairing is what resolves it
    m, lo, hi, _ = claims.mean_ci([a["roi"] for a in wins["micro"]])
    assert lo < np.mean([a["roi"] for a in wins["macro"]]) < hi


def test_connect_first_verdict_flips_when_the_mechanism_is_switched_off():
    out = {}
    for w in (1.0, 0.0):
        sc = TINY.scenario({"parameters.accept_connect_weight": w,
                            "strategies": {"s": {"kind": "micro_equal_budget", "small_tier": "micro"}}})
        pop = build_population(sc)
        ids = pop.pool.ids_of_tier("micro")
        st = sc.strategies["s"]
        d = claims.mean_ci(acceptance(pop, sc, st.model_copy(update={"connect_first": True}), ids)
                           - acceptance(pop, sc, st.model_copy(update={"connect_first": False}), ids))
        out[w] = claims.verdict_from_interval(d[1], d[2])
    assert out == {1.0: claims.SUPPORTED, 0.0: claims.NOT_SUPPORTED}


def test_c1_agreement_measure():
    assert claims.log_jaccard((2000, 50000), (2000, 50000)) == pytest.approx(1.0)
    assert claims.log_jaccard((2000, 50000), (100000, 500000)) == 0.0


def test_quick_claims_give_a_computed_verdict():
    results = claims.run_all(TINY, only=["C2", "C3", "C4", "C6"], log=lambda *_: None)
    assert [r.id for r in results] == ["C2", "C3", "C4", "C6"]
    for r in results:
        assert r.verdict == claims.SUPPORTED or r.verdict == claims.NOT_SUPPORTED or r.verdict.startswith("depends")
        assert r.claim and r.source and r.model_gives
    c3 = results[1]
    ratio = c3.data["ratio"]
    assert ratio[0] > 1 and math.isfinite(ratio[1])  # small accounts engage more per follower


def test_every_seed_claim_has_an_experiment():
    assert set(claims.seed_claims()) == set(claims.CLAIMS)


def test_bad_workers_is_a_user_error(tmp_path):
    with pytest.raises(InfluSimError):
        cmd_experiments(argparse.Namespace(quick=True, out=str(tmp_path / "x"), workers=0))
