import numpy as np
import pytest

from sim.rules import funnel


def test_organic_reach_between_large_and_small_and_decreasing():
    f = np.logspace(2, 7, 50)
    r = funnel.organic_reach(f, 0.5, 0.19, 1e4)
    assert np.all(np.diff(r) < 0) and r.max() <= 0.5 and r.min() >= 0.19


def test_seen_probability_caps_at_one_and_keeps_mean():
    act = np.random.default_rng(1).lognormal(-0.32, 0.8, 200_000)
    act /= act.mean()
    p = funnel.seen_probability(0.2, act)
    assert p.max() <= 1.0
    assert p.mean() == pytest.approx(0.2, rel=0.03)


def test_delay_sampling_matches_its_cdf():
    rng = np.random.default_rng(2)
    d = funnel.sample_delay(200_000, 0.6, 1.5, 40.0, rng)
    for h in (1, 4, 24, 120):
        # the floor of the continuous delay is below h exactly when the delay is below h
        assert (d < h).mean() == pytest.approx(funnel.delay_cdf(h, 0.6, 1.5, 40.0), abs=0.005)


def test_sponsored_penalty_grows_with_size_and_stays_a_probability():
    p = funnel.sponsored_penalty(np.array([1e3, 1e4, 1e5, 1e9]), -0.2, 0.1)
    assert np.all(np.diff(p) >= 0) and p.max() <= 0.95 and p.min() >= 0


def test_poor_fit_deepens_the_penalty():
    assert funnel.sponsored_factor(0.3, 0.0, 1.0) < funnel.sponsored_factor(0.3, 0.5, 1.0) < funnel.sponsored_factor(
        0.3, 1.0, 1.0) == pytest.approx(0.7)
    assert funnel.sponsored_factor(0.3, 0.0, 0.0) == pytest.approx(0.7)


def test_purchase_has_saturating_returns_to_frequency():
    intents = np.arange(1, 8) * 0.05
    p = funnel.purchase_probability(intents, 0.5, 0.5, 0.05, 1.0)
    gains = np.diff(p)
    assert np.all(gains > 0) and np.all(np.diff(gains) < 0)
    assert p.max() < 0.25  # conversion_base * propensity bounds it


def test_price_factor_luxury_and_familiarity():
    assert funnel.price_factor(1.0, 0.5, 0.7, 1.0) < funnel.price_factor(0.0, 0.5, 0.7, 1.0)
    assert funnel.price_factor(0.5, 1.0, 0.7, 1.0) > funnel.price_factor(0.5, 0.0, 0.7, 1.0)
    assert funnel.price_factor(0.0, 1.0, 0.7, 1.0) == 1.0
