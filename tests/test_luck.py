"""Tests for sim.campaign.luck: the streams of one replicate and the uniform that decides an exposure."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.campaign.luck import POST_KEY, SHARE_KEY, child, post_stream, replicate_seeds, share_stream, split_uniform


@pytest.mark.parametrize("p", [0.0, 0.003, 0.2, 0.5, 0.97, 1.0])
def test_split_uniform_is_a_bernoulli_trial_and_leaves_an_independent_uniform(p):
    # exact case: P(hit) = p, and the rest is uniform on [0, 1) whether or not the trial hit
    u = np.random.default_rng(11).random(400_000)
    hit, rest = split_uniform(u, p)
    n = len(u)
    assert abs(hit.mean() - p) <= 4 * np.sqrt(p * (1 - p) / n) + 1e-12  # 4 standard errors
    assert rest.min() >= 0.0 and rest.max() < 1.0
    for part in (rest[hit], rest[~hit]):
        if len(part) > 1000:
            assert stats.kstest(part, "uniform").pvalue > 1e-3


def test_four_trials_from_one_uniform_are_independent():
    # engage, comment, buy, share in turn: the joint frequencies are the products of the marginals
    u = np.random.default_rng(5).random(1_000_000)
    ps = (0.3, 0.5, 0.2, 0.4)
    hits = []
    for p in ps:
        hit, u = split_uniform(u, p)
        hits.append(hit)
    hits = np.array(hits)
    n = hits.shape[1]
    for i in range(4):
        for j in range(i + 1, 4):
            both = (hits[i] & hits[j]).mean()
            expected = ps[i] * ps[j]
            assert abs(both - expected) <= 5 * np.sqrt(expected * (1 - expected) / n)
    every = hits.all(axis=0).mean()
    assert abs(every - np.prod(ps)) <= 5 * np.sqrt(np.prod(ps) / n)


def test_split_uniform_takes_one_probability_per_uniform():
    hit, rest = split_uniform(np.array([0.1, 0.1, 0.9]), np.array([0.2, 0.05, 0.95]))
    assert hit.tolist() == [True, False, True]
    np.testing.assert_allclose(rest, [0.5, 0.05 / 0.95, 0.9 / 0.95])


def test_post_and_share_streams_are_keyed_by_account_post_and_person():
    seed = replicate_seeds(9, 2)[1]
    assert child(seed, POST_KEY, 3, 1).spawn_key == (1, 1, POST_KEY, 3, 1)
    a, b = post_stream(seed, 3, 1).random(4), post_stream(seed, 3, 1).random(4)
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, post_stream(seed, 3, 2).random(4))
    assert not np.array_equal(a, post_stream(seed, 4, 1).random(4))
    assert not np.array_equal(share_stream(seed, 3).random(4), a)
    assert child(seed, SHARE_KEY, 3).spawn_key == (1, 1, SHARE_KEY, 3)


def test_a_chance_above_one_is_a_sure_hit_and_still_leaves_a_uniform():
    u = np.random.default_rng(2).random(200_000)
    hit, rest = split_uniform(u, 1.7)
    assert hit.all() and stats.kstest(rest, "uniform").pvalue > 1e-3
