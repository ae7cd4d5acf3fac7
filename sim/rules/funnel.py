"""The funnel of one sponsored post: reach, timing, engagement, conversion.

Each rule is a small vectorised function. Defaults come from ``sim.scenario.parameters``
(calibrated to ``experiments/reference``).
"""

from __future__ import annotations

import numpy as np


def organic_reach(followers, small, large, half_followers):
    """Share of followers who see a post: ``large + (small - large) / (1 + followers / half_followers)``.

    Calibrated to Minter.io 2019 (37.7% below 20K followers, 22.9% to 1M, 19.1% above).

    Examples
    --------
    >>> round(float(organic_reach(0, 0.5, 0.2, 1e4)), 2)
    0.5
    >>> round(float(organic_reach(1e9, 0.5, 0.2, 1e4)), 2)
    0.2
    """
    f = np.asarray(followers, dtype=float)
    if f.ndim == 0:
        return large + (small - large) / (1.0 + f / half_followers)
    # the same operations in the same order, in one array instead of four temporaries
    # (it runs over every person's peer count, ten million at a celebrity's scale)
    r = f / half_followers
    r += 1.0
    np.divide(small - large, r, out=r)
    r += large
    return r


def seen_probability(reach, activity):
    """Chance each follower sees a post: reach scaled by relative activity, capped at 1.

    ``activity`` has mean 1 over the population, so the mean over an audience is close
    to ``reach``.

    Examples
    --------
    >>> seen_probability(0.4, np.array([0.5, 1.0, 4.0]))
    array([0.2, 0.4, 1. ])
    """
    # in float64, into one new array (a post's audience can be five million people)
    out = np.multiply(reach, activity, dtype=float)
    return np.minimum(out, 1.0, out=out) if isinstance(out, np.ndarray) else np.minimum(out, 1.0)


def delay_cdf(hours, fast_share, fast_hours, slow_hours):
    """Share of a post's engagement reached ``hours`` after posting (two-phase exponential).

    Calibrated to reference/engagement_decay.csv (50% within 1 h, Takumi; 75% by 4 h,
    Inntopia; 90% by day 5, CampaignDeus).

    Examples
    --------
    >>> round(float(delay_cdf(0, 0.6, 1.0, 30.0)), 3)
    0.0
    >>> bool(delay_cdf(24, 0.6, 1.0, 30.0) > 0.6)
    True
    """
    t = np.asarray(hours, dtype=float)
    return fast_share * (1 - np.exp(-t / fast_hours)) + (1 - fast_share) * (1 - np.exp(-t / slow_hours))


def sample_delay(n, fast_share, fast_hours, slow_hours, rng):
    """Whole hours from posting to viewing for ``n`` views, drawn from :func:`delay_cdf`.

    Two uniforms per view from ``rng`` (:func:`delay_from_uniforms`).

    Examples
    --------
    >>> d = sample_delay(1000, 0.6, 1.0, 30.0, np.random.default_rng(0))
    >>> int(d.min()) >= 0
    True
    """
    u = rng.random((2, n))
    return delay_from_uniforms(u[0], u[1], fast_share, fast_hours, slow_hours)


def delay_from_uniforms(u_phase, u_time, fast_share, fast_hours, slow_hours):
    """Whole hours from posting to viewing, from two uniforms per view (inversion of :func:`delay_cdf`).

    ``u_phase < fast_share`` puts the view in the fast phase; its delay is then the
    exponential quantile ``-scale * log(1 - u_time)`` of that phase's scale. The view
    happens in the hour that contains the continuous delay, so the delay is its floor
    (0 = within the posting hour). The campaign draws the uniforms from each post's
    own stream (:mod:`sim.campaign.luck`).

    Examples
    --------
    >>> delay_from_uniforms(np.array([0.1, 0.9]), np.array([0.5, 0.5]), 0.6, 1.0, 30.0).tolist()
    [0, 20]
    """
    scale = np.where(np.asarray(u_phase) < fast_share, fast_hours, slow_hours)
    return np.floor(-scale * np.log1p(-np.asarray(u_time, dtype=float))).astype(np.int64)


def sponsored_penalty(followers, intercept, slope):
    """Relative engagement loss of a branded post: ``intercept + slope * log10(followers)``, in [0, 0.95].

    Calibrated to Mavrck (-12.9% at 1K-5K followers to -33.6% at 100K-500K). The bounds
    keep extrapolation far outside the data a probability.

    Examples
    --------
    >>> round(float(sponsored_penalty(1e4, -0.2, 0.1)), 2)
    0.2
    """
    f = np.maximum(np.asarray(followers, dtype=float), 1.0)
    return np.clip(intercept + slope * np.log10(f), 0.0, 0.95)


def sponsored_factor(penalty, fit, fit_sensitivity):
    """Engagement multiplier of a sponsored post: ``(1 - penalty) ** (1 + fit_sensitivity * (1 - fit))``.

    A perfect brand fit keeps the measured penalty; a poor fit deepens it.

    Examples
    --------
    >>> round(float(sponsored_factor(0.2, 1.0, 1.0)), 2)
    0.8
    >>> round(float(sponsored_factor(0.2, 0.0, 1.0)), 2)
    0.64
    """
    return (1.0 - penalty) ** (1.0 + fit_sensitivity * (1.0 - np.asarray(fit, dtype=float)))


def engage_probability(trust, engage_base, factor=1.0):
    """Chance that a person who sees a post engages with it: ``engage_base * trust * factor``.

    Examples
    --------
    >>> round(float(engage_probability(0.5, 0.2, 0.8)), 3)
    0.08
    """
    return engage_base * np.asarray(trust, dtype=float) * factor


def intent_increment(susceptibility, trust, product_match):
    """Purchase intent added by one exposure: susceptibility x trust in the source x product match.

    Examples
    --------
    >>> float(intent_increment(0.5, 0.8, 1.0))
    0.4
    """
    return np.asarray(susceptibility) * np.asarray(trust) * np.asarray(product_match)


def purchase_probability(intent, purchase_propensity, conversion_base, intent_half, price_factor):
    """Chance that an engaged person buys, with saturating returns to repeated exposure.

    ``conversion_base * price_factor * propensity * (1 - exp(-intent / intent_half))``.

    Examples
    --------
    >>> p1 = purchase_probability(0.2, 0.5, 0.1, 0.5, 1.0)
    >>> p2 = purchase_probability(0.4, 0.5, 0.1, 0.5, 1.0)
    >>> bool(p2 > p1 and p2 < 2 * p1)
    True
    """
    sat = 1.0 - np.exp(-np.asarray(intent, dtype=float) / intent_half)
    return conversion_base * price_factor * np.asarray(purchase_propensity) * sat


def price_factor(luxury, familiarity, luxury_penalty, familiarity_boost):
    """Product-level conversion multiplier in [0, 1]: dearer goods convert less, known brands more.

    ``(1 - luxury_penalty * luxury) * (1 + familiarity_boost * familiarity) / (1 + familiarity_boost)``.

    Examples
    --------
    >>> price_factor(0.0, 1.0, 0.7, 1.0)
    1.0
    >>> round(price_factor(1.0, 0.0, 0.7, 1.0), 2)
    0.15
    """
    return (1.0 - luxury_penalty * luxury) * (1.0 + familiarity_boost * familiarity) / (1.0 + familiarity_boost)
