"""Platforms creators post on (Instagram, TikTok, YouTube): how reach, timing, engagement and fees differ.

The model's reach, timing, engagement and fee curves are calibrated to Instagram figures
(``experiments/reference``), so Instagram is the base and every other platform is a set
of multipliers on it, ``parameters.platforms.<platform>.<figure>`` (cited defaults in
:mod:`sim.scenario.parameters`; figures and their sources in
``experiments/reference/platforms.csv``):

- ``reach``: the share of followers who see a post, relative to Instagram's at the same
  follower count (:func:`platform_reach`);
- ``engagement``: engagements per follower, relative to Instagram's. Part of it comes
  from the reach already, so a viewer engages with the rest (:func:`engagement_factor`);
- ``fee``: the price of a post, relative to Instagram's rate card (:func:`platform_fee`);
- ``fast_share`` and ``timing``: how fast views come, as multipliers on the fast phase's
  share and on both phases' mean delays of :func:`sim.rules.funnel.delay_cdf`
  (:func:`platform_decay`; YouTube's are fitted by :func:`fit_timing`).

A shortlisted account's own figures replace the curves': its given fee replaces the fee
(:func:`platform_fee`), and its given engagement rate scales its engagement so that its
expected organic engagement rate is the given one (:func:`given_engagement_factor`).

Examples
--------
>>> from sim.scenario import Parameters
>>> p = Parameters()
>>> figure(p, list(PLATFORMS), [0, 1, 2], "fee").tolist()
[1.0, 0.25, 2.0]

References
----------
Rows of ``experiments/reference/platforms.csv``:

- engagement: IQFluence, "Influencer Marketing Engagement Rate: Benchmarks & Tracking"
  (2025): TikTok 7.50% vs Instagram 3.65% below 100K followers, 2.88% vs 1.77% at 10M+;
  Untapper, "Influencer Marketing Benchmarks & KPIs (2026)": average engagement rate by
  tier on Instagram and TikTok; Influencer Hero, YouTube engagement rate calculator:
  median YouTube engagement rate 0.54% (2024); Insider (Later & Fohr 2021, HypeAuditor
  2020): Instagram average 1.9-2.2%.
- reach: Untapper (2026): Instagram feed reach 10-20% of followers, TikTok 100%+;
  BrightBean, "What is a good YouTube views-to-subscriber ratio?": 30-50% under 10K
  subscribers, 14-20% at 10K-500K, 5-15% above; Minter.io 2019 (reach_by_followers.csv).
- fees: influencer rate card by platform and tier (alittleclass.blogspot.com, 2021; the
  TikTok rows also quoted from Influencer Marketing Hub by sprockettes.org, 2023): per
  post, Instagram $10-100 / $100-500 / $500-5,000, TikTok $5-25 / $25-125 / $125-1,250,
  YouTube $20-200 / $200-1,000 / $1,000-10,000 (nano / micro / mid); WebFX via
  gethypedmedia.com: Instagram $10 per 1K followers, YouTube $20 per 1K subscribers.
- timing: CampaignDeus (engagement_decay.csv): YouTube 60% of 30-day engagement by
  24 h, 75% by 120 h (Instagram 80% and 90%); Graffius 2018: half-life of an Instagram
  post 19 hours, of a YouTube video 6 days (TubeMogul via Business Insider 2010);
  Atisfyre 2022: TikTok "instant decay" (no figure: TikTok's timing is an assumption).
"""

from __future__ import annotations

import numpy as np

#: Platforms a creator may be on, in the order of the pool's ``platform`` codes.
PLATFORMS = ("instagram", "tiktok", "youtube")

#: The figures of a platform (fields of ``parameters.platforms.<platform>``).
FIGURES = ("reach", "engagement", "fee", "fast_share", "timing")


def figure(params, names, codes, name: str) -> np.ndarray:
    """Per account, figure ``name`` of its platform: ``params.platforms.<names[code]>.<name>``.

    ``names`` are the pool's ``platform_names`` and ``codes`` the accounts' platform codes.
    Parameters without platforms (a calibration's plain dict) give 1 (Instagram's).

    Examples
    --------
    >>> from sim.scenario import Parameters, with_fields, default_scenario
    >>> figure(Parameters(), ["instagram", "youtube"], [1, 0, 1], "reach").tolist()
    [0.75, 1.0, 0.75]
    >>> p = with_fields(default_scenario(), {"parameters.platforms.tiktok.engagement": 3.0}).parameters
    >>> figure(p, list(PLATFORMS), [0, 1], "engagement").tolist()
    [1.0, 3.0]
    >>> figure({}, ["instagram"], [0, 0], "fee").tolist()
    [1.0, 1.0]
    """
    table = getattr(params, "platforms", None)
    values = np.array([float(getattr(getattr(table, n), name)) if table is not None else 1.0 for n in names]
                      or [1.0])
    return values[np.asarray(codes, dtype=np.int64)]


def platform_reach(reach, multiplier):
    """Share of an account's followers who see a post on its platform: ``min(1, reach * multiplier)``.

    ``reach`` is :func:`sim.rules.funnel.organic_reach` (Instagram's, the calibration base).

    Examples
    --------
    >>> platform_reach(np.array([0.2, 0.6]), np.array([2.0, 2.0])).tolist()
    [0.4, 1.0]
    >>> platform_reach(0.3, 1.0)
    0.3
    """
    out = np.minimum(1.0, np.asarray(reach, dtype=float) * multiplier)
    return float(out) if out.ndim == 0 else out


def engagement_factor(engagement, seen_base, seen_platform):
    """Multiplier on the chance that a viewer engages, so that engagements per follower are ``engagement`` times
    Instagram's.

    Engagements per follower = share who see x chance a viewer engages: the platform's
    reach already changes the first, the factor ``engagement * seen_base / seen_platform``
    does the rest (``seen_*``: expected share of followers who see a post, on Instagram
    and on the platform, :func:`sim.rules.forecast.expected_seen`).

    Examples
    --------
    >>> engagement_factor(2.0, 0.3, 0.6)  # twice the views, twice the engagements: same chance per viewer
    1.0
    >>> engagement_factor(np.array([1.0, 0.27]), np.array([0.3, 0.3]), np.array([0.3, 0.225])).round(2).tolist()
    [1.0, 0.36]
    """
    seen_platform = np.asarray(seen_platform, dtype=float)
    out = np.asarray(engagement, dtype=float) * np.divide(
        seen_base, seen_platform, out=np.ones(np.broadcast(seen_base, seen_platform).shape), where=seen_platform > 0)
    return float(out) if out.ndim == 0 else out


def given_engagement_factor(given, expected):
    """Multiplier on an account's engagement so that its expected organic engagement rate is the ``given`` one.

    ``expected`` is the model's own expected organic engagement rate of the account on its
    platform (:func:`sim.rules.forecast.organic_engagement_rate` without the given rate);
    a NaN ``given`` (not given) leaves the account as it is (1).

    Examples
    --------
    >>> given_engagement_factor(np.array([0.06, np.nan]), np.array([0.03, 0.05])).tolist()
    [2.0, 1.0]
    """
    given = np.asarray(given, dtype=float)
    expected = np.asarray(expected, dtype=float)
    ok = ~np.isnan(given) & (expected > 0)
    return np.divide(given, expected, out=np.ones(np.broadcast(given, expected).shape), where=ok)


def platform_fee(curve_fee, multiplier, given):
    """Fee per post: the shortlist's ``given`` fee where there is one, else the fee curve's times the platform's
    multiplier.

    ``curve_fee`` is :func:`sim.rules.economics.fee_per_post` (calibrated to Instagram rate
    cards); a given fee is what the account charges for a post of the campaign's format.

    Examples
    --------
    >>> platform_fee(np.array([100.0, 100.0, 100.0]), np.array([0.25, 2.0, 2.0]),
    ...              np.array([np.nan, np.nan, 750.0])).tolist()
    [25.0, 200.0, 750.0]
    """
    given = np.asarray(given, dtype=float)
    return np.where(np.isnan(given), np.asarray(curve_fee, dtype=float) * multiplier, given)


def platform_decay(fast_share, fast_hours, slow_hours, fast_multiplier, timing) -> tuple[float, float, float]:
    """The decay curve of a post on a platform: ``(min(1, fast_share * m), fast_hours * t, slow_hours * t)``.

    Arguments are Instagram's calibrated ``decay_*`` parameters and the platform's
    ``fast_share`` (``m``) and ``timing`` (``t``) multipliers; the result feeds
    :func:`sim.rules.funnel.sample_delay`.

    Examples
    --------
    >>> platform_decay(0.8, 1.0, 180.0, 1.0, 1.0)
    (0.8, 1.0, 180.0)
    >>> tuple(round(float(x), 3) for x in platform_decay(0.8, 1.0, 180.0, 0.67, 1.19))
    (0.536, 1.19, 214.2)
    """
    return min(1.0, fast_share * fast_multiplier), fast_hours * timing, slow_hours * timing


def share_by(hours, fast_share, fast_hours, slow_hours, horizon: float = 720.0):
    """Share of the engagement of the first ``horizon`` hours reached ``hours`` after posting.

    As CampaignDeus counts it (share of 30-day engagement); :func:`sim.rules.funnel.delay_cdf`
    normalised to the horizon.

    Examples
    --------
    >>> round(float(share_by(720, 0.8, 1.0, 180.0)), 3)
    1.0
    """
    from sim.rules.funnel import delay_cdf

    return delay_cdf(hours, fast_share, fast_hours, slow_hours) / delay_cdf(horizon, fast_share, fast_hours,
                                                                              slow_hours)


def fit_timing(targets, fast_share, fast_hours, slow_hours, horizon: float = 720.0) -> tuple[float, float]:
    """The ``(fast_share, timing)`` multipliers whose decay curve passes through ``targets``.

    ``targets`` maps hours after posting to the share of ``horizon``-hour engagement
    reached (a platform's rows of ``reference/engagement_decay.csv``); the other
    arguments are Instagram's calibrated decay. Least squares (scipy).

    Examples
    --------
    YouTube's defaults come from CampaignDeus' YouTube rows (60% by 24 h, 75% by 120 h)
    and the calibrated Instagram decay:

    >>> from sim.scenario import Parameters
    >>> p = Parameters()
    >>> m, t = fit_timing({24: 0.60, 120: 0.75}, p.decay_fast_share, p.decay_fast_hours, p.decay_slow_hours)
    >>> round(m, 2), round(t, 2)
    (0.67, 1.19)
    >>> y = p.platforms.youtube
    >>> s, f, sl = platform_decay(p.decay_fast_share, p.decay_fast_hours, p.decay_slow_hours, y.fast_share, y.timing)
    >>> [round(float(share_by(h, s, f, sl)), 2) for h in (24, 120)]
    [0.6, 0.75]
    """
    from scipy.optimize import least_squares

    hours = np.array(list(targets), dtype=float)
    want = np.array(list(targets.values()), dtype=float)

    def residual(x):
        s, f, sl = platform_decay(fast_share, fast_hours, slow_hours, x[0], x[1])
        return share_by(hours, s, f, sl, horizon) - want

    fit = least_squares(residual, [1.0, 1.0], bounds=([0.01, 0.05], [1.0 / fast_share, 50.0]))
    return float(fit.x[0]), float(fit.x[1])
