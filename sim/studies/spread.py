"""Where the spread of an outcome comes from: the parameters drawn, the market drawn, or the campaign's luck.

A replicate draws its parameters (``run.parameters = "uncertain"``), then its market
(``run.market = "per_replicate"``), then the campaign's luck (outreach answers, random
ranking, who sees, engages, buys and shares). By the law of total variance the
variance of an outcome over replicates is the sum of three nested parts::

    Var(Y) = Var(E[Y | parameters])                          parameters
           + E[Var(E[Y | parameters, market] | parameters)]  market
           + E[Var(Y | parameters, market)]                  campaign

:func:`spread_sources` measures the inner parts with paired re-runs of the run's own
replicates. For ``k`` replicates ``j`` it re-runs the campaign with the replicate's
parameters and market and a new campaign seed (``(6, j)``): half the squared
difference from the replicate estimates the campaign variance at those parameters and
that market. For ``k`` other replicates it re-runs with the replicate's parameters, a
new market and a new campaign (seed ``(8, j)``): that estimates the market + campaign
variance at those parameters. Averaged over replicates drawn from the priors, they are
unbiased for the nested sums above; the variance over the replicates is the total.

The estimator cannot go below zero: the three variances are nested (campaign <=
market + campaign <= total), so they are fitted by maximum likelihood under that
order (:func:`ordered_variances`: the weighted isotonic regression of the estimates
with their degrees of freedom as weights, the restricted ML of normal variances,
Barlow et al. 1972), and each part is a difference of fitted neighbours, never below
zero. A share on the boundary (0%) is the likelihood's own answer, not a clipped
negative one, and every share comes with a 95% interval: each level's variance is
drawn from its distribution given its estimate (``estimate x df / chi2(df)``, the
fiducial or Jeffreys-prior posterior of a normal variance), the draws are fitted to the
nesting as above, and the interval is the middle 95% of the shares they give (on
synthetic normal outcomes with 30 replicates and 5 pairs per level it covers the true
share in 92-98% of cases; ``tests/test_spread.py``). When an interval spans more than
:data:`SEPARABLE_SPAN` of 0-100% the share "cannot be separated with this many re-runs".

Limits: the chi-square laws assume roughly normal outcomes (ROI is skewed, so the
intervals are approximate); five pairs per level give wide intervals, which say so.

Examples
--------
>>> ordered_variances([2.0, 1.0, 4.0], [5, 5, 29]).round(2).tolist()
[1.5, 1.5, 4.0]
>>> parts = decompose([("campaign", 1.0, 5), ("market", 2.0, 5), ("parameters", 4.0, 29)],
...                   np.random.default_rng(0))
>>> [(p["source"], round(p["share"], 2)) for p in parts]
[('campaign', 0.25), ('market', 0.25), ('parameters', 0.5)]
"""

from __future__ import annotations

import math

import numpy as np

from sim import format as fmt
from sim.campaign.luck import replicate_scenario, replicate_seeds
from sim.campaign.setup import draw_market
from sim.studies.replicate import run_replicate

CAMPAIGN_KEY = 6  # seeds (6, j): re-runs of replicate j's campaign on its parameters and market
WITHIN_KEY = CAMPAIGN_KEY  # older name
NEW_MARKET_KEY = 8  # seeds (8, j): re-runs of replicate j's parameters on a new market
BOOTSTRAP_KEY = 9  # seed (9,): the draws of the shares' intervals
SEPARABLE_SPAN = 0.9  # an interval of a share wider than this (of 0-100%) cannot tell the share
N_BOOT = 2000

#: Sources of the spread, innermost first (the order the levels nest in).
SOURCES = ("campaign", "market", "parameters")


def ordered_variances(estimates, dfs) -> np.ndarray:
    """Maximum-likelihood variances under the order ``v[0] <= v[1] <= ...`` (pool-adjacent-violators).

    ``estimates[i]`` is an unbiased variance estimate with ``dfs[i]`` degrees of freedom
    (a scaled chi-square); the restricted ML is their weighted isotonic regression,
    weights ``dfs``.

    Examples
    --------
    >>> ordered_variances([1.0, 3.0], [4, 4]).tolist(), ordered_variances([3.0, 1.0], [1, 3]).tolist()
    ([1.0, 3.0], [1.5, 1.5])
    """
    blocks: list[list[float]] = []  # [weighted sum, weight, count]
    for v, w in zip(np.asarray(estimates, float), np.asarray(dfs, float)):
        blocks.append([v * w, w, 1])
        while len(blocks) > 1 and blocks[-2][0] / blocks[-2][1] > blocks[-1][0] / blocks[-1][1]:
            s, wt, c = blocks.pop()
            blocks[-1][0] += s
            blocks[-1][1] += wt
            blocks[-1][2] += c
    return np.concatenate([np.full(c, s / w) for s, w, c in blocks])


def _shares(fitted: np.ndarray) -> np.ndarray:
    total = fitted[..., -1:]
    parts = np.diff(fitted, axis=-1, prepend=0.0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, parts / np.where(total > 0, total, 1.0), np.nan)


def decompose(levels: list[tuple[str, float, int]], rng: np.random.Generator, n_boot: int = N_BOOT) -> list[dict]:
    """Each source's share of the total variance, never below zero, with a 95% interval.

    Parameters
    ----------
    levels : list of (source, variance estimate, degrees of freedom)
        Nested levels, innermost first: the variance of the campaign alone, then of the
        market and the campaign, ..., then the total. Each source's part is its level
        minus the one inside it.
    rng : Generator
        The randomness of the intervals' draws (see the module docstring).

    Returns
    -------
    list of dict
        Per source: ``source``, ``variance`` (its part), ``share`` of the total,
        ``low``/``high`` (its 95% interval) and ``separable`` (False
        when the interval spans more than :data:`SEPARABLE_SPAN` of 0-100%).

    Examples
    --------
    >>> parts = decompose([("campaign", 0.563**2, 5), ("market", 0.485**2, 29)], np.random.default_rng(1))
    >>> [(p["source"], p["share"], p["separable"]) for p in parts]
    [('campaign', 1.0, True), ('market', 0.0, True)]
    """
    names = [name for name, _, _ in levels]
    est = np.array([v for _, v, _ in levels], float)
    dfs = np.array([d for _, _, d in levels], float)
    fitted = ordered_variances(est, dfs)
    share = _shares(fitted)
    boot = np.empty((n_boot, len(levels)))
    draws = est * dfs / rng.chisquare(dfs, size=(n_boot, len(levels)))  # each variance given its estimate
    for b in range(n_boot):
        boot[b] = ordered_variances(draws[b], dfs)
    boot_share = _shares(boot)
    parts = np.diff(fitted, prepend=0.0)
    out = []
    for i, name in enumerate(names):
        col = boot_share[:, i][np.isfinite(boot_share[:, i])]
        low, high = (np.quantile(col, [0.025, 0.975]) if len(col) else (math.nan, math.nan))
        out.append({"source": name, "variance": float(parts[i]), "share": float(share[i]), "low": float(low),
                    "high": float(high), "separable": bool(high - low <= SEPARABLE_SPAN)})
    return out


def pair_variance(a, b) -> tuple[float, int]:
    """(variance estimate, degrees of freedom) from paired runs that differ in one source: mean (a - b)^2 / 2."""
    a, b = np.asarray(a, float), np.asarray(b, float)
    ok = np.isfinite(a) & np.isfinite(b)
    if not ok.any():
        return math.nan, 0
    return float(np.mean((a[ok] - b[ok]) ** 2) / 2), int(ok.sum())


def spread_sources(scenario, results, metrics=("roi", "conversions", "spend"), k: int = 5,
                   n_boot: int = N_BOOT) -> list[dict]:
    """Per strategy and metric: the spread over replicates and the share of each source, from paired re-runs.

    ``results`` are the replicates of a run (:class:`~sim.studies.replicate.ReplicateResult`,
    replicate ``r`` from seed ``(1, r)``). Sources: ``campaign`` always; ``market`` when
    ``run.market = "per_replicate"``; ``parameters`` when the replicates drew their
    parameters. Costs ``k`` re-runs of every strategy per source besides the campaign
    (one new market each), plus ``k`` on the replicates' own markets.

    Replicates and re-runs in which the strategy hired nobody ran no campaign and are left
    out (as the verdicts leave them out). Returns rows ``{strategy, metric, sd_total, n, k,
    sources}``, ``sources`` being
    :func:`decompose`'s list, innermost first; empty when only the campaign varies
    (a fixed market and fixed parameters: all the spread is the campaign's) or with
    fewer than two replicates.
    """
    market = scenario.run.market == "per_replicate"
    drawn = scenario.run.parameters == "uncertain" and any(getattr(r, "parameters", None) for r in results)
    replicates = sorted({r.replicate for r in results})
    if not (market or drawn) or len(replicates) < 2:
        return []
    both = market and drawn
    k = max(1, min(k, len(replicates) // 2 if both else len(replicates)))
    campaign_js, market_js = replicates[:k], (replicates[k:2 * k] if both else [])
    names = list(dict.fromkeys(r.strategy for r in results))
    seeds = replicate_seeds(scenario.run.seed, max(replicates) + 1)
    reruns: dict[tuple[str, str, int], dict] = {}
    for key, js in ((CAMPAIGN_KEY, campaign_js), (NEW_MARKET_KEY, market_js)):
        for j in js:
            own = replicate_scenario(scenario, seeds[j])  # replicate j's parameters, fixed
            new = np.random.SeedSequence(scenario.run.seed, spawn_key=(key, j))
            where = draw_market(own, seeds[j] if key == CAMPAIGN_KEY else new)
            for name in names:
                reruns[(str(key), name, j)] = run_replicate(own, name, new, market=where).metrics
    rng = np.random.default_rng(np.random.SeedSequence(scenario.run.seed, spawn_key=(BOOTSTRAP_KEY,)))
    outer = "parameters" if drawn else "market"
    rows = []
    for name in names:
        # a replicate (or re-run) that hired nobody ran no campaign: left out, as the verdicts leave it out
        mine = {r.replicate: r.metrics for r in results if r.strategy == name and r.metrics.get("hired") != 0}
        for metric in metrics:
            total = np.array([m[metric] for m in mine.values()], dtype=float)
            total = total[np.isfinite(total)]
            if len(total) < 2:
                continue
            levels = []
            for source, key, js in (("campaign", CAMPAIGN_KEY, campaign_js), ("market", NEW_MARKET_KEY, market_js)):
                if js:
                    both = [j for j in js if j in mine and reruns[(str(key), name, j)].get("hired") != 0]
                    v, df = pair_variance([mine[j][metric] for j in both],
                                          [reruns[(str(key), name, j)][metric] for j in both])
                    levels.append((source, v, df))
            levels.append((outer, float(np.var(total, ddof=1)), len(total) - 1))
            if any(df < 1 for _, _, df in levels):
                continue
            rows.append({"strategy": name, "metric": metric, "sd_total": math.sqrt(levels[-1][1]),
                         "n": len(total), "k": k, "sources": decompose(levels, rng, n_boot)})
    return rows


def _source_text(part: dict, k: int) -> str:
    if not part["separable"]:
        return f"{part['source']} cannot be separated with this many re-runs ({k})"
    return f"{part['source']} {fmt.percent(part['share'])} [{fmt.percent(part['low'])}-{fmt.percent(part['high'])}]"


def spread_text(rows: list[dict]) -> list[str]:
    """One plain line per strategy and metric: each source's share [95% interval], outermost first.

    Examples
    --------
    >>> part = lambda s, x, lo, hi: {"source": s, "share": x, "low": lo, "high": hi, "separable": hi - lo <= 0.9}
    >>> spread_text([{"strategy": "macro", "metric": "roi", "sd_total": 0.3, "n": 30, "k": 5,
    ...               "sources": [part("campaign", 0.11, 0.04, 0.3), part("market", 0.89, 0.7, 0.96)]}])
    ['macro ROI on gross profit (sd 30 pp over 30 replicates): market 89% [70%-96%], campaign 11% [4%-30%] (5 paired re-runs per source)']
    """
    return [f"{r['strategy']} {fmt.label(r['metric'])} (sd {fmt.spread(r['metric'], r['sd_total'])} over {r['n']} replicates): "
            + ", ".join(_source_text(p, r["k"]) for p in reversed(r["sources"]))
            + f" ({r['k']} paired re-runs per source)"
            for r in rows]
