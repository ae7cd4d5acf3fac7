import numpy as np
import pytest

from sim.world import build_population, population_key
from sim.world.population import draw_people
from sim.scenario import with_fields


def test_people_attributes(small_scenario):
    pop = build_population(small_scenario)
    assert pop.n == 3000
    assert np.allclose(pop.interests.sum(axis=1), 1, atol=1e-5)
    assert abs(pop.activity.mean() - 1) < 0.1
    for a in (pop.susceptibility, pop.share_propensity, pop.purchase_propensity):
        assert a.min() >= 0 and a.max() <= 1
    big = draw_people(200_000, small_scenario.population, 0)
    assert big["susceptibility"].mean() == pytest.approx(0.3, abs=0.01)
    # heterogeneous susceptibility: a minority is easily influenced
    assert np.mean(big["susceptibility"] > 0.8) > 0.02


def test_one_parameter_changes_only_its_own_draws(small_scenario):
    a = draw_people(5000, small_scenario.population, 3)
    b = draw_people(5000, with_fields(small_scenario, {"population.susceptibility_mean": 0.5}).population, 3)
    for k in ("interests", "activity", "share_propensity", "purchase_propensity"):
        assert np.array_equal(a[k], b[k]), k
    assert np.all(b["susceptibility"] >= a["susceptibility"])  # quantile draws keep everyone's rank


def test_build_is_deterministic_and_cached(small_scenario, tmp_path):
    a = build_population(small_scenario, use_cache=False)
    b = build_population(small_scenario, use_cache=True, cache_dir=tmp_path)
    from sim.world import cache as P

    P._MEMORY.clear()
    c = build_population(small_scenario, use_cache=True, cache_dir=tmp_path)  # from disk
    for x in (b, c):
        assert np.array_equal(a.interests, x.interests)
        assert np.array_equal(a.graph.indices, x.graph.indices)
        assert np.array_equal(a.pool.followers, x.pool.followers)
        assert np.array_equal(a.audience(0), x.audience(0))
    other = with_fields(small_scenario, {"run.seed": 99})
    assert population_key(other) != population_key(small_scenario)
    assert not np.array_equal(build_population(other, use_cache=False).interests, a.interests)


def test_audiences_sizes_alignment_and_overlap(small_scenario):
    pop = build_population(small_scenario)
    pool = pop.pool
    micro = pool.ids_of_tier("micro")
    j = micro[0]
    aud = pop.audience(j)
    assert len(aud) == pop.audience_size(j) and len(np.unique(aud)) == len(aud)
    # audiences lean to the account's niche, more than the population does
    c = pool.niche[j]
    assert pop.match(aud, c).mean() > pop.match(slice(None), c).mean() + 0.05
    # same-niche accounts share more followers than accounts of different niches
    same = [k for k in micro if pool.niche[k] == c and k != j][:5]
    diff = [k for k in micro if pool.niche[k] != c][:5]

    def jacc(a, b):
        a, b = set(pop.audience(a)), set(pop.audience(b))
        return len(a & b) / len(a | b)

    assert np.mean([jacc(j, k) for k in same]) > np.mean([jacc(j, k) for k in diff])


def test_big_accounts_have_broader_audiences(small_scenario):
    pop = build_population(small_scenario)
    small = pop.pool.ids_of_tier("nano")
    big = pop.pool.ids_of_tier("macro")
    own = lambda ids: np.mean([pop.match(pop.audience(k), pop.pool.niche[k]).mean() for k in ids[:5]])  # noqa: E731
    assert own(small) > own(big)


def test_brand_fit_prefers_same_niche_accounts(small_scenario):
    pop = build_population(small_scenario)
    niche = small_scenario.population.niches.index(small_scenario.product.niche)
    fit = pop.brand_fit(np.arange(len(pop.pool)), niche)
    same = pop.pool.niche == niche
    assert fit.min() >= 0 and fit.max() <= 1
    assert fit[same].min() > fit[~same].max()
