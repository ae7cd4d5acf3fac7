"""Money: what creators charge, what a campaign costs, and what it returns."""

from __future__ import annotations

import numpy as np


def fee_per_post(followers, per_follower, exponent, jump, jump_followers=100_000.0, premium=0.0):
    """Price of one sponsored post, USD: a power law in followers with one smooth step.

    ``per_follower * 1000 * (followers/1000) ** exponent * (1 + jump * step) * (1 + premium)``
    where ``step = 1 / (1 + (jump_followers / followers) ** 4)`` rises smoothly from 0 to 1
    around ``jump_followers`` (half of the step there; from 1/17 to 16/17 between half and
    twice that). All four curve parameters, the bend's location ``jump_followers`` included,
    are fitted to the bands of reference/price_per_post.csv (Klear 2019, industry tier
    table, Inzpire.me) by ``experiments/calibrate.py``; ``jump = 0`` is a curve without a
    bend. The function's default ``jump_followers`` serves its examples only: the model
    passes the calibrated ``parameters.fee_jump_followers``. ``premium`` is the format
    premium (HypeAuditor).

    Examples
    --------
    >>> round(float(fee_per_post(1000, 0.01, 1.0, 0.0)), 2)
    10.0
    >>> bool(fee_per_post(2e5, 0.01, 1.0, 1.0) > 2 * fee_per_post(1e5, 0.01, 1.0, 1.0))
    True
    """
    f = np.asarray(followers, dtype=float)
    step = 1.0 / (1.0 + (jump_followers / np.maximum(f, 1.0)) ** 4)
    return per_follower * 1000.0 * (f / 1000.0) ** exponent * (1.0 + jump * step) * (1.0 + premium)


def package_price(fee, posts, discount):
    """Price of a multi-post package: the first post at full fee, the others discounted.

    Examples
    --------
    >>> package_price(100.0, 3, 0.1)
    280.0
    """
    return fee * (1 + (posts - 1) * (1.0 - discount))


def implied_cpm(fee, followers, reach):
    """USD per 1,000 expected views of a post priced at ``fee``.

    Examples
    --------
    >>> float(implied_cpm(100.0, 10_000, 0.5))
    20.0
    """
    return 1000.0 * fee / (np.asarray(followers, dtype=float) * reach)


def gifted_cost(price, margin, units=1):
    """What gifting product costs the brand: the unit cost ``price * (1 - margin)`` per unit.

    Examples
    --------
    >>> gifted_cost(40.0, 0.5)
    20.0
    """
    return price * (1.0 - margin) * units


def management_cost(n_influencers, hours, rate, connect_hours=0.0):
    """Staff cost of running ``n_influencers`` creators: hours per creator x hourly rate.

    Examples
    --------
    >>> management_cost(30, 6, 50)
    9000.0
    """
    return float(n_influencers * (hours + connect_hours) * rate)


def campaign_metrics(*, impressions, reach, earned_reach, likes, comments, shares, engaged, conversions,
                     followers, price, cost, influencers, margin=1.0, staff_cost=0.0, budget=float("nan")):
    """Outcome figures of one campaign run (counts in real people, money in USD).

    - ``roi``: return on gross profit, ``(margin * revenue - cost) / cost`` (DESIGN.md);
    - ``roi_ex_staff``: the same without staff time, as most studies of creator ROI count it;
    - ``roas``: return on ad spend, ``revenue / cost``;
    - ``spend`` (= ``cost``), ``staff_cost`` (its staff-time line), ``budget``, ``unspent``.

    Ratios with a zero denominator are NaN (a campaign that hired nobody and spent
    nothing has no ROI, rather than -1).

    Examples
    --------
    >>> m = campaign_metrics(impressions=1000, reach=800, earned_reach=50, likes=40, comments=5, shares=5,
    ...                      engaged=40, conversions=4, followers=2000, price=25.0, cost=50.0, influencers=1,
    ...                      margin=0.5, staff_cost=10.0, budget=80.0)
    >>> m["roi"], m["roas"], m["roi_ex_staff"], m["unspent"], m["cost_per_engagement"], m["engagement_rate"]
    (0.0, 2.0, 0.25, 30.0, 1.0, 0.025)
    """
    engagements = likes + comments + shares
    revenue = conversions * price
    profit = margin * revenue

    def ratio(a, b):
        return float(a) / b if b else float("nan")

    return {
        "impressions": float(impressions),
        "reach": float(reach),
        "earned_reach": float(earned_reach),
        "likes": float(likes),
        "comments": float(comments),
        "shares": float(shares),
        "engagements": float(engagements),
        "engaged_people": float(engaged),
        "engagement_rate": ratio(engagements, followers),
        "engagement_rate_impressions": ratio(engagements, impressions),
        "conversions": float(conversions),
        "conversion_rate": ratio(conversions, reach),
        "revenue": float(revenue),
        "gross_profit": float(profit),
        "cost": float(cost),
        "spend": float(cost),
        "staff_cost": float(staff_cost),
        "budget": float(budget),
        "unspent": float(budget - cost),
        "roi": ratio(profit - cost, cost),
        "roi_ex_staff": ratio(profit - (cost - staff_cost), cost - staff_cost),
        "roas": ratio(revenue, cost),
        "cost_per_engagement": ratio(cost, engagements),
        "cost_per_acquisition": ratio(cost, conversions),
        "cpm": ratio(1000.0 * cost, impressions),
        "influencers": float(influencers),
        "hired": float(influencers),
        "followers": float(followers),
    }
