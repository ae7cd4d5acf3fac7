"""Where the spread of an outcome comes from: the market drawn, or the campaign's luck.

With ``run.market = "per_replicate"``, the variance of an outcome over replicates is the
variance across markets plus the mean variance within a market (the law of total
variance). :func:`spread_sources` estimates the within-market part by re-running the
campaign (outreach answers, random ranking, who sees, engages, buys and shares) ``k``
times on one market, and reports the share of the variance that the market explains.

Examples
--------
>>> share_of_market(total_var=4.0, within_var=1.0)
0.75
>>> share_of_market(total_var=1.0, within_var=2.0)
0.0
"""

from __future__ import annotations

import math

import numpy as np

from sim.campaign.setup import draw_market
from sim.studies.replicate import run_replicate

WITHIN_KEY = 6  # seeds (6, k) of the campaign-only re-runs, disjoint from replicates and pilots


def share_of_market(total_var: float, within_var: float) -> float:
    """Share of the total variance explained by the market, ``1 - within / total``, in [0, 1]."""
    if not (total_var > 0) or not math.isfinite(within_var):
        return float("nan")
    return float(min(1.0, max(0.0, 1.0 - within_var / total_var)))


def spread_sources(scenario, results, metrics=("roi", "conversions", "spend"), k: int = 5) -> list[dict]:
    """Per strategy and metric: standard deviation over replicates, within one market, and the market's share.

    ``results`` are the replicates of a run (:class:`~sim.studies.replicate.ReplicateResult`).
    Returns rows ``{strategy, metric, sd_total, sd_within_market, market_share, k}``; empty
    when the market was fixed (then all the spread is the campaign's).
    """
    if scenario.run.market != "per_replicate" or len({r.replicate for r in results}) < 2:
        return []
    seeds = [np.random.SeedSequence(scenario.run.seed, spawn_key=(WITHIN_KEY, j)) for j in range(k)]
    market = draw_market(scenario, seeds[0])
    rows = []
    for name in dict.fromkeys(r.strategy for r in results):
        within = [run_replicate(scenario, name, s, market=market).metrics for s in seeds]
        for metric in metrics:
            total = np.array([r.metrics[metric] for r in results if r.strategy == name], dtype=float)
            inner = np.array([m[metric] for m in within], dtype=float)
            total, inner = total[np.isfinite(total)], inner[np.isfinite(inner)]
            if len(total) < 2 or len(inner) < 2:
                continue
            tv, wv = float(np.var(total, ddof=1)), float(np.var(inner, ddof=1))
            rows.append({"strategy": name, "metric": metric, "sd_total": math.sqrt(tv),
                         "sd_within_market": math.sqrt(wv), "market_share": share_of_market(tv, wv), "k": len(inner)})
    return rows


def spread_text(rows: list[dict]) -> list[str]:
    """One plain line per strategy and metric.

    Examples
    --------
    >>> spread_text([{"strategy": "macro", "metric": "roi", "sd_total": 0.3, "sd_within_market": 0.1,
    ...               "market_share": 0.89, "k": 5}])
    ['macro roi: 89% of the spread comes from the market drawn, 11% from the campaign (sd 0.3 over markets, 0.1 within one market, 5 re-runs)']
    """
    return [f"{r['strategy']} {r['metric']}: {r['market_share']:.0%} of the spread comes from the market drawn, "
            f"{1 - r['market_share']:.0%} from the campaign (sd {r['sd_total']:.3g} over markets, "
            f"{r['sd_within_market']:.3g} within one market, {r['k']} re-runs)"
            for r in rows if math.isfinite(r["market_share"])]
