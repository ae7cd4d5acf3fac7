"""What the model's rules lead one to expect of an account, before simulating.

Used to rank candidates (expected engagement, cost per engagement), to derive a CPM
from per-post fees, and by the calibration, which fits the rules so that these
expectations (and the simulated rates) match published figures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.rules import economics, funnel, platform, trust

if TYPE_CHECKING:
    from sim.scenario.parameters import Parameters


def account_prior(params, followers, authenticity) -> np.ndarray:
    """Prior trust of accounts: smooth in followers (:func:`sim.rules.trust.size_prior`) times authenticity.

    Examples
    --------
    >>> from sim.scenario import Parameters
    >>> account_prior(Parameters(), [1_000, 1_000], [0.5, 1.0]).round(3).tolist()
    [0.696, 0.819]
    """
    prior = trust.size_prior(followers, params.trust_small, params.trust_large, params.trust_half_followers,
                             params.trust_slope)
    return prior * trust.authenticity_factor(authenticity, params.authenticity_weight)


def own_niche_match(pop, ids) -> np.ndarray:
    """Expected interest of each account's audience in the account's own niche."""
    ids = np.asarray(ids, dtype=int)
    out = np.empty(len(ids))
    for c in np.unique(pop.pool.niche[ids]):
        sel = pop.pool.niche[ids] == c
        out[sel] = pop.alignment(ids[sel], int(c))
    return out


def expected_seen(activity, reach) -> np.ndarray:
    """Share of an audience that sees a post: the mean over people of :func:`sim.rules.funnel.seen_probability`.

    Less than ``reach`` where reach is high, since the seen probability is capped at 1
    (audiences are drawn regardless of activity, so the population's activity stands
    for any audience's).

    Examples
    --------
    >>> expected_seen(np.array([0.5, 1.0, 1.5]), np.array([0.2, 1.0])).round(3).tolist()
    [0.2, 0.833]
    """
    a = np.sort(np.asarray(activity)).astype(float)  # sorted before the exact cast: half the bytes to sort
    total = np.concatenate([[0.0], np.cumsum(a)])
    r = np.asarray(reach, dtype=float)
    below = np.searchsorted(a, 1.0 / np.maximum(r, 1e-300), side="left")  # people with reach * activity < 1
    return (r * total[below] + (len(a) - below)) / len(a)


def organic_engagement_rate(pop, params: Parameters, ids, luxury: float = 0.0, given: bool = True) -> np.ndarray:
    """Expected engagements (likes, comments, shares) per follower of an organic post.

    ``seen(f) * engage_base * prior * relatability(expected match, f) * (1 + comments + shares)``
    where ``seen`` is :func:`expected_seen` of the organic reach (Instagram's, the
    calibration base), times the platform's ``engagement`` multiplier
    (:mod:`sim.rules.platform`). With ``given``, a shortlisted account's own engagement
    rate replaces the model's.

    The relatability of the mean match equals the mean relatability since relatability
    is linear in the match.
    """
    ids = np.asarray(ids, dtype=int)
    f = pop.pool.followers[ids]
    p = params
    reach = _base_seen_share(pop, p, ids)
    t = trust.influencer_trust(account_prior(p, pop.pool.followers[ids], pop.pool.authenticity[ids]),
                               own_niche_match(pop, ids), f, p.status_gap, p.interest_weight, p.status_scale,
                               p.luxury_aspiration * luxury)
    engage = funnel.engage_probability(t, p.engage_base)
    share = float(pop.share_propensity.mean()) * t
    rate = reach * engage * (1.0 + p.comment_share + share) * _figure(pop, p, ids, "engagement")
    if given:
        rate = np.where(np.isnan(pop.pool.engagement_rate[ids]), rate, pop.pool.engagement_rate[ids])
    return rate


def sponsored_engagement_rate(pop, params: Parameters, ids, product_niche: int, luxury: float = 0.0) -> np.ndarray:
    """Expected engagements per follower of one sponsored post for the product."""
    ids = np.asarray(ids, dtype=int)
    f = pop.pool.followers[ids]
    pen = funnel.sponsored_penalty(f, params.penalty_intercept, params.penalty_slope)
    fit = pop.brand_fit(ids, product_niche)
    factor = funnel.sponsored_factor(pen, fit, params.fit_sensitivity)
    return organic_engagement_rate(pop, params, ids, luxury) * factor


def post_fee(pop, params: Parameters, ids, fmt: str = "post") -> np.ndarray:
    """Each account's rate for one post of format ``fmt``, USD: the fee curve times the account's own
    ``fee_factor`` (its scatter around the curve, drawn per market: :func:`fee_factors`) times its platform's
    ``fee`` multiplier, or the fee a shortlist gives (:func:`sim.rules.platform.platform_fee`)."""
    ids = np.asarray(ids, dtype=int)
    f = pop.pool.followers[ids]
    curve = economics.fee_per_post(f, params.fee_per_follower, params.fee_exponent, params.fee_jump,
                                   params.fee_jump_followers, getattr(params.format_premium, fmt))
    curve = curve * pop.pool.fee_factor[ids]
    return platform.platform_fee(curve, _figure(pop, params, ids, "fee"), pop.pool.fee[ids])


def fee_factors(n: int, scatter: float, rng: np.random.Generator) -> np.ndarray:
    """Each of ``n`` accounts' fee relative to the fee curve: lognormal with log-sd ``scatter`` and mean 1.

    The fee curve is fitted to band averages (:mod:`experiments.calibrate`), so the factors
    keep the mean (``exp(scatter * z - scatter**2 / 2)``); ``scatter`` is
    ``parameters.fee_scatter``.

    Examples
    --------
    >>> x = fee_factors(200_000, 0.35, np.random.default_rng(0))
    >>> round(float(x.mean()), 2), round(float(np.log(x).std()), 2)
    (1.0, 0.35)
    >>> fee_factors(3, 0.0, np.random.default_rng(0)).tolist()
    [1.0, 1.0, 1.0]
    """
    if scatter <= 0:
        return np.ones(n)
    return np.exp(scatter * rng.standard_normal(n) - 0.5 * scatter**2)


def _figure(pop, params, ids, name: str) -> np.ndarray:
    """Figure ``name`` of each account's platform (:func:`sim.rules.platform.figure`)."""
    return platform.figure(params, pop.pool.platform_names, pop.pool.platform[ids], name)


def _base_seen_share(pop, params: Parameters, ids) -> np.ndarray:
    """Share of each account's followers expected to see one post on Instagram (the calibration base)."""
    f = pop.pool.followers[np.asarray(ids, dtype=int)]
    reach = funnel.organic_reach(f, params.reach_small, params.reach_large, params.reach_half_followers)
    return expected_seen(pop.activity, reach)


def seen_share(pop, params: Parameters, ids) -> np.ndarray:
    """Share of each account's followers expected to see one post on its platform (:func:`expected_seen` of its
    reach, :func:`sim.rules.platform.platform_reach`)."""
    ids = np.asarray(ids, dtype=int)
    f = pop.pool.followers[ids]
    reach = funnel.organic_reach(f, params.reach_small, params.reach_large, params.reach_half_followers)
    return expected_seen(pop.activity, platform.platform_reach(reach, _figure(pop, params, ids, "reach")))


def expected_views(pop, params: Parameters, ids) -> np.ndarray:
    """Expected real views of one post of each account."""
    return pop.pool.followers[np.asarray(ids, dtype=int)] * seen_share(pop, params, ids)


def cpm_rate(pop, params: Parameters, ids, fmt: str = "post") -> np.ndarray:
    """USD per 1,000 views: ``parameters.cpm``, or each account's post fee over its expected views."""
    ids = np.asarray(ids, dtype=int)
    if params.cpm > 0:
        return np.full(len(ids), params.cpm)
    return economics.implied_cpm(post_fee(pop, params, ids, fmt), pop.pool.followers[ids],
                                 seen_share(pop, params, ids))
