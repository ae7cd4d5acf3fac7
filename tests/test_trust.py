import numpy as np
import pytest

from sim.rules import trust


def test_status_gap_falls_with_followers_and_aspiration_softens_it():
    f = np.array([0, 1e3, 1e4, 1e5, 1e6])
    g = trust.status_gap(f, 0.2)
    assert g[0] == 1.0 and np.all(np.diff(g) < 0)
    assert np.all(trust.status_gap(f[1:], 0.2, aspiration=0.5) > g[1:])
    assert np.allclose(trust.status_gap(f, 0.2, aspiration=1.0), 1.0)


def test_relatability_grows_with_shared_interest():
    m = np.linspace(0, 1, 5)
    r = trust.relatability(m, 1e4, 0.2, interest_weight=0.6)
    assert np.all(np.diff(r) > 0)
    assert r[-1] / r[0] == pytest.approx(1 / 0.4)


def test_influencer_trust_is_prior_times_relatability_in_unit_interval():
    rng = np.random.default_rng(0)
    t = trust.influencer_trust(0.82, rng.random(1000), rng.uniform(1e3, 1e7, 1000), 0.3)
    assert np.all((t >= 0) & (t <= 0.82))
    assert trust.influencer_trust(0.82, 1.0, 0.0, 0.3) == pytest.approx(0.82)


def test_peer_trust_has_no_status_gap():
    assert trust.peer_trust(0.73, 1.0) == pytest.approx(0.73)
    assert trust.peer_trust(0.73, 0.0, interest_weight=0.5) == pytest.approx(0.365)


def test_erosion_depends_on_fit_and_partnership():
    assert trust.erode(1.0, 1.0, 0.2) == 1.0
    one_off = trust.erode(1.0, 0.2, 0.2)
    ambassador = trust.erode(1.0, 0.2, 0.2, partnership_factor=0.5)
    assert one_off < ambassador < 1.0
    f = 1.0
    for _ in range(10):
        f = trust.erode(f, 0.0, 0.1)
    assert f == pytest.approx(0.9 ** 10)


def test_prior_trust_is_smooth_in_followers_and_ignores_tier_labels():
    import inspect

    import numpy as np

    from sim.rules.forecast import account_prior
    from sim.scenario import Parameters

    p = Parameters()
    f = np.array([99_000.0, 101_000.0])
    prior = account_prior(p, f, np.ones(2))
    assert abs(prior[0] - prior[1]) / prior[0] < 0.002  # was 11% with a step at the tier boundary
    sizes = np.logspace(2, 7, 200)
    values = trust.size_prior(sizes, p.trust_small, p.trust_large, p.trust_half_followers, p.trust_slope)
    assert np.all(np.diff(values) < 0) and values[0] < p.trust_small + 1e-9 and values[-1] > p.trust_large - 1e-9
    # nothing about tiers goes in: redefining [tiers] cannot change anybody's trust
    assert "tier" not in " ".join(inspect.signature(account_prior).parameters)


def test_authenticity_lowers_trust_only_for_creators_who_do_not_use_what_they_promote():
    assert float(trust.authenticity_factor(1.0, 0.3)) == 1.0
    assert float(trust.authenticity_factor(0.0, 0.3)) == pytest.approx(0.7)
