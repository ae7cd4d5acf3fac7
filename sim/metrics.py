"""The metric registry: every figure a campaign reports, what it means, its unit and bounds, in one place.

One :class:`Metric` per key of :func:`sim.rules.economics.campaign_metrics` (and the few
counts over replicates that summaries add). Everything that names, formats, bounds or
ranks a metric reads it from here: the comparisons and verdicts
(:mod:`sim.studies.compare`), the one formatter (:mod:`sim.format`), the terminal, the
report and the app. A new KPI is computed in ``campaign_metrics`` and described here;
the views that list it (the terminal's key figures, the report's summary) name it.

Kinds, and how :mod:`sim.format` writes them:

=========  ================================  =====================================
kind       what                              reads as (value; a difference)
=========  ================================  =====================================
money      US dollars                        ``$13,047``; ``+$1,200``
share      a rate (engagement, conversion)   ``0.231%``; ``+0.05 pp``
roi        a return on spend, 0 = break even ``-34%``; ``-7.4 pp``
ratio      revenue per dollar (ROAS)         ``1.43x``; ``+0.1x``
count      people, views, accounts           ``309,500``; ``+1,200``
=========  ================================  =====================================

Examples
--------
>>> METRICS["cost_per_acquisition"].label, METRICS["roi"].kind, METRICS["spend"].lower_is_better
('cost per buyer', 'roi', True)
>>> "roi" in SIGNED and "spend" in MONEY and "conversion_rate" in RATES
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["Metric", "METRICS", "MONEY", "RATES", "SIGNED", "PERCENT", "RATIOS", "LABELS", "BOUNDS",
           "NON_NEGATIVE", "LOWER_IS_BETTER", "REPORTED", "label", "meaning"]

INF = math.inf


@dataclass(frozen=True)
class Metric:
    """What one metric is.

    Parameters
    ----------
    name : str
        Its key in a replicate's metrics.
    label : str
        Its plain name in every table, axis and sentence.
    kind : {"money", "share", "roi", "ratio", "count"}
        How it is written (see the module's table).
    meaning : str
        One line on what it measures (the app's and report's explanation).
    unit : str
        The unit of its values on an axis or column ("" for none); "$" and "%" follow
        from the kind.
    low, high : float or "budget"
        Hard bounds of its value in any replicate, and so of its mean. ``"budget"`` as
        the high end stands for the strategy's budget where outreach holds spend to it
        (:func:`sim.studies.compare.held_to_budget`).
    lower_is_better : bool
        A strategy "wins" a replicate by a negative difference.
    """

    name: str
    label: str
    kind: str
    meaning: str
    unit: str = ""
    low: float = 0.0
    high: float | str = INF
    lower_is_better: bool = False


def _metrics(*rows: Metric) -> dict[str, Metric]:
    return {m.name: m for m in rows}


#: Every metric, in the order of a run's ``runs.csv``.
METRICS: dict[str, Metric] = _metrics(
    Metric("impressions", "impressions", "count", "views of posts and shares, repeats counted", "views"),
    Metric("reach", "people reached", "count", "people who saw a post or a share at least once", "people"),
    Metric("earned_reach", "earned reach", "count", "people reached only by word of mouth", "people"),
    Metric("likes", "likes", "count", "likes of posts and shares"),
    Metric("comments", "comments", "count", "comments on posts and shares"),
    Metric("shares", "shares", "count", "people who shared the campaign"),
    Metric("engagements", "engagements", "count", "likes, comments and shares", "likes, comments, shares"),
    Metric("engaged_people", "people who engaged", "count", "people who liked, commented or shared", "people"),
    Metric("engagement_rate", "engagement rate", "share", "engagements per follower of the hired accounts"),
    Metric("engagement_rate_impressions", "engagement rate per view", "share", "engagements per impression"),
    Metric("conversions", "buyers", "count", "people who bought", "people"),
    Metric("conversion_rate", "conversion rate", "share", "buyers per person reached"),
    Metric("revenue", "revenue", "money", "buyers x price"),
    Metric("cost", "cost", "money", "fees, per-view pay and product, without staff time", high="budget",
           lower_is_better=True),
    Metric("roi", "ROI on gross profit", "roi", "(margin x revenue - spend) / spend; 0 = break even", low=-1.0),
    Metric("cost_per_engagement", "cost per engagement", "money", "spend / engagements", lower_is_better=True),
    Metric("cost_per_acquisition", "cost per buyer", "money", "spend / buyers", lower_is_better=True),
    Metric("cpm", "cost per 1,000 views", "money", "spend per 1,000 impressions", lower_is_better=True),
    Metric("influencers", "accounts in the roster", "count", "accounts the strategy hired"),
    Metric("followers", "followers", "count", "followers of the hired accounts together", "people"),
    Metric("gross_profit", "gross profit", "money", "margin x revenue"),
    Metric("spend", "spend, staff time included", "money", "cost plus staff time", high="budget",
           lower_is_better=True),
    Metric("staff_cost", "staff cost", "money", "management and outreach hours at the hourly rate", high="budget",
           lower_is_better=True),
    Metric("budget", "budget", "money", "the strategy's budget"),
    Metric("unspent", "unspent budget", "money", "budget less spend", low=-INF),
    Metric("roi_ex_staff", "ROI without staff time", "roi", "as ROI, staff time left out", low=-1.0),
    Metric("roas", "ROAS", "ratio", "revenue / spend", "revenue per $1 spent"),
    Metric("hired", "creators hired", "count", "accounts that accepted and posted"),
    # counts over replicates that summaries add
    Metric("no_hire", "share of replicates that hired nobody", "share", "replicates with no account hired", high=1.0),
    Metric("no_hire_replicates", "replicates that hired nobody", "count", "replicates with no account hired"),
    Metric("ran_out_replicates", "replicates whose list ran out", "count", "replicates whose ranked list ran out"),
)

#: The metrics of a replicate's campaign (what ``runs.csv`` has a column for).
REPORTED = tuple(m for m in METRICS if m not in ("no_hire", "no_hire_replicates", "ran_out_replicates"))
#: Metrics in US dollars.
MONEY = frozenset(m.name for m in METRICS.values() if m.kind == "money")
#: Rates shown as %.
RATES = frozenset(m.name for m in METRICS.values() if m.kind == "share" and m.name != "no_hire")
#: Returns on spend, shown as a signed % (0 = break even).
SIGNED = frozenset(m.name for m in METRICS.values() if m.kind == "roi")
#: Everything shown as a percentage: their differences are percentage points.
PERCENT = RATES | SIGNED
#: Ratios shown as "1.43x".
RATIOS = frozenset(m.name for m in METRICS.values() if m.kind == "ratio")
#: Plain names.
LABELS = {m.name: m.label for m in METRICS.values()}
#: Hard bounds: metric -> (low, high).
BOUNDS: dict[str, tuple[float, float | str]] = {m.name: (m.low, m.high) for m in METRICS.values()}
#: Quantities that cannot be negative (their intervals never go below zero).
NON_NEGATIVE = frozenset(m for m, (low, _) in BOUNDS.items() if low >= 0)
#: Metrics where less is better.
LOWER_IS_BETTER = frozenset(m.name for m in METRICS.values() if m.lower_is_better)


def label(metric: str) -> str:
    """The plain name of a metric (any other name with its underscores as spaces).

    Examples
    --------
    >>> label("cost_per_acquisition"), label("some_thing")
    ('cost per buyer', 'some thing')
    """
    return LABELS.get(metric, metric.replace("_", " "))


def meaning(metric: str) -> str:
    """One line on what a metric measures ("" for a name the registry does not know).

    Examples
    --------
    >>> meaning("roas")
    'revenue / spend'
    """
    m = METRICS.get(metric)
    return m.meaning if m else ""
