import numpy as np
import pytest

from sim.scenario import with_fields
from sim.world import build_population, population_key
from sim.world.population import draw_people


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


# --- scale: fast draws keep the documented laws -------------------------------------------


@pytest.mark.parametrize("mean, concentration", [(0.3, 2.0), (0.05, 4.0), (0.2, 4.0), (0.9, 0.5), (1e-6, 4.0)])
def test_beta_quantile_table_matches_exact_quantiles(mean, concentration):
    from scipy import special

    from sim.world.population import beta_mean

    rng = np.random.default_rng(0)
    u = np.concatenate([rng.random(50_000), 10.0 ** -rng.uniform(1, 12, 2000), 1 - 10.0 ** -rng.uniform(1, 12, 2000)])
    exact = special.betaincinv(mean * concentration, (1 - mean) * concentration, u)
    fast = beta_mean(u, mean, concentration, exact=False)
    assert fast.dtype == np.float32
    assert np.abs(fast - exact).max() < 2e-6
    # monotone in u: ranks are kept
    order = np.argsort(u)
    assert np.all(np.diff(fast[order]) >= 0)


def test_beta_table_keeps_ranks_when_the_mean_changes():
    from sim.world.population import beta_mean

    u = np.random.default_rng(1).random(100_000)
    low, high = beta_mean(u, 0.3, 2.0, exact=False), beta_mean(u, 0.5, 2.0, exact=False)
    assert np.all(high >= low)


def test_large_populations_keep_their_laws():
    from scipy import stats

    from sim.scenario import default_scenario

    p = default_scenario().population
    big = draw_people(300_000, p, 5)  # past the exact-quantile size: the table path
    for name, mean, conc in (("susceptibility", p.susceptibility_mean, p.susceptibility_concentration),
                             ("purchase_propensity", p.purchase_propensity_mean, p.propensity_concentration)):
        law = stats.beta(mean * conc, (1 - mean) * conc)
        assert stats.kstest(big[name][:20_000], law.cdf).pvalue > 1e-3, name
    s = p.activity_sigma
    assert stats.kstest(big["activity"][:20_000], stats.lognorm(s, scale=np.exp(-s * s / 2)).cdf).pvalue > 1e-3
    # Dirichlet(0.3) interests: each share is Beta(0.3, 0.3 * (K - 1))
    k = len(p.niches)
    a = p.interest_concentration
    assert stats.kstest(big["interests"][:20_000, 0], stats.beta(a, a * (k - 1)).cdf).pvalue > 1e-3
    assert big["interests"].dtype == np.float32 and big["activity"].dtype == np.float32


def test_people_are_the_same_whatever_the_threads(monkeypatch):
    from sim.scenario import default_scenario
    from sim.world import peergraph

    monkeypatch.setattr(peergraph, "CHUNK", 7000)  # several chunks
    p = default_scenario().population
    draws = []
    for t in ("1", "3"):
        monkeypatch.setenv("INFLUSIM_THREADS", t)
        draws.append(draw_people(70_000, p, 9))
    for key in draws[0]:
        assert np.array_equal(draws[0][key], draws[1][key]), key


def test_same_seed_gives_an_identical_market(small_scenario):
    from sim.world.population import build

    sc = with_fields(small_scenario, {"population.size": 80_000, "population.represents": 20})
    seed = np.random.SeedSequence(3, spawn_key=(1, 0, 100))
    a, b = build(sc, seed), build(sc, seed)
    for name in ("interests", "susceptibility", "activity", "share_propensity", "purchase_propensity"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name
    assert np.array_equal(a.graph.indptr, b.graph.indptr) and np.array_equal(a.graph.indices, b.graph.indices)
    assert np.array_equal(a.pool.followers, b.pool.followers)
    j = int(np.argmax(a.pool.followers))
    assert np.array_equal(a.audience(j), b.audience(j))
    other = build(sc, np.random.SeedSequence(3, spawn_key=(1, 1, 100)))
    assert not np.array_equal(other.interests, a.interests)


def test_derived_arrays_match_their_definitions(small_scenario):
    pop = build_population(small_scenario, use_cache=False)
    rows = pop.interests
    assert np.array_equal(pop.niche, np.argmax(rows, axis=1))
    assert np.array_equal(pop.match(np.arange(10), 3), rows[:10, 3] / rows[:10].max(axis=1))
    assert np.allclose(pop._cdf(2), np.cumsum(rows[:, 2].astype(np.float64) ** 2))
    c = 4
    m = (rows[:, c] / rows.max(axis=1)).astype(np.float64)
    w = rows.astype(np.float64) ** 2
    by_niche, mean = pop._niche_alignment(c)
    assert np.allclose(by_niche, (w.T @ m) / w.sum(axis=0)) and mean == pytest.approx(m.mean())


@pytest.mark.parametrize("size", [300, 30_000])  # draw by draw, and one pass over everyone
def test_weighted_audience_draws_follow_successive_sampling(size):
    from sim.world import creators

    n = 100_000
    rng = np.random.default_rng(2)
    w = rng.random(n) ** 4
    cdf = np.cumsum(w)
    hits = np.zeros(n)
    for r in range(20):
        got = creators._weighted_distinct(cdf, size, np.random.default_rng(r))
        assert len(got) == size and len(np.unique(got)) == size
        hits[got] += 1
    # successive sampling: heavier people are included more often
    q = np.quantile(w, [0.5, 0.99])
    assert hits[w > q[1]].mean() > 3 * hits[w < q[0]].mean()


@pytest.mark.parametrize("k", [50, 40_000])  # draw by draw, and one pass over everyone
def test_uniform_audience_draws_avoid_the_chosen(k):
    from sim.world import creators

    n = 100_000
    chosen = np.sort(np.random.default_rng(0).choice(n, 20_000, replace=False))
    got = creators._uniform_distinct(n, k, chosen, np.random.default_rng(1))
    assert len(got) == k and len(np.unique(got)) == k
    assert not np.isin(got, chosen).any()
    if k > 1000:  # spread over the free people, not bunched
        assert abs(np.mean(got < n // 2) - 0.5) < 0.02
