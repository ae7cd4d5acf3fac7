"""The fast paths of the 10^7-person simulation (issue 13) give the same numbers as the plain numpy they replace."""

from __future__ import annotations

import numpy as np
import pytest

from sim.campaign.model import _Repeats
from sim.rules import funnel
from sim.scenario import default_scenario, with_fields
from sim.world import build_population
from sim.world import population as population_module


@pytest.mark.parametrize("seed", range(5))
def test_repeats_add_and_count_match_add_at_and_unique(seed):
    rng = np.random.default_rng(seed)
    n = 50
    people = rng.integers(0, n, 200 if seed % 2 else 20)  # many repeats, or (likely) none
    values = rng.random(len(people))  # float64 into float32, as the intent
    seen = rng.random(n) < 0.3
    want = rng.random(n).astype(np.float32)
    got = want.copy()
    np.add.at(want, people, values)
    once = _Repeats(people)
    once.add(got, values)
    assert want.tobytes() == got.tobytes()  # the same additions in the same order, to the bit
    counts = np.zeros(n, np.int32)
    once.add(counts, 1)
    assert counts.tolist() == np.bincount(people, minlength=n).tolist()
    assert once.count_new(seen) == len(np.unique(people[~seen[people]]))


def _plain_cdf(pop, c: int) -> np.ndarray:
    """The cumulative niche weights as written before the one-pass version (chunk by chunk, then shifted)."""
    cdf = np.empty(pop.n)
    bounds = population_module.chunk_bounds(pop.n)
    for lo, hi in bounds:
        x = cdf[lo:hi]
        x[:] = pop.interests[lo:hi, c]
        x **= pop.affinity_exponent
        np.cumsum(x, out=x)
    ends = np.cumsum([cdf[hi - 1] for _, hi in bounds])
    for i, (lo, hi) in enumerate(bounds):
        if i:
            cdf[lo:hi] += ends[i - 1]
    return cdf


@pytest.mark.parametrize("exponent", [2.0, 1.5])
def test_cumulative_weights_of_several_niches_in_one_pass(monkeypatch, exponent):
    sc = with_fields(default_scenario(), {"population.size": 10_000, "population.represents": 200})
    pop = build_population(sc, use_cache=False)
    pop.affinity_exponent = exponent
    monkeypatch.setattr(population_module, "chunk_bounds",
                        lambda n, chunk=None: [(lo, min(n, lo + 3000)) for lo in range(0, n, 3000)])
    monkeypatch.setattr(population_module, "_CUMSUM_BLOCK", 700)  # several blocks per chunk, a short last one
    pop._make_cdfs([4, 1, 4])
    for c in (1, 4):
        assert pop._cdf(c).tobytes() == _plain_cdf(pop, c).tobytes()


def test_niche_alignment_sums_are_the_plain_sums():
    rng = np.random.default_rng(3)
    x = rng.dirichlet(np.ones(5), 10_000).astype(np.float32)
    top = x.max(axis=1)
    got = population_module._alignment_sums(x, top, 2.0)
    m = (x / top[:, None]).astype(np.float64)
    w = x.astype(np.float64) ** 2
    assert np.allclose(got[:5, :5], w.T @ m, rtol=1e-12)
    assert np.allclose(got[:5, 5], w.sum(axis=0), rtol=1e-12)
    assert np.allclose(got[5, :5], m.sum(axis=0), rtol=1e-12)
    assert got[5, 5] == len(x)


def test_funnel_rules_in_place_are_the_formulas():
    rng = np.random.default_rng(0)
    followers = rng.integers(0, 10**7, 1000)
    want = 0.19 + (0.38 - 0.19) / (1.0 + followers.astype(float) / 2e4)
    assert funnel.organic_reach(followers, 0.38, 0.19, 2e4).tobytes() == want.tobytes()
    activity = rng.lognormal(0.0, 1.0, 1000).astype(np.float32)
    want = np.minimum(1.0, 0.3 * np.asarray(activity, dtype=float))
    assert funnel.seen_probability(0.3, activity).tobytes() == want.tobytes()
    assert float(funnel.seen_probability(0.4, 2.0)) == 0.8
