"""Results: Monte Carlo summaries with 95% intervals, and the CSV/JSON files of a run.

``summary.csv`` (:func:`write_summary_csv`) is long: one row per strategy and quantity,
columns ``strategy, metric, mean, ci_low, ci_high, n``. ``mean`` is the mean over the
strategy's replicates that hired someone, ``ci_low``/``ci_high`` its 95% interval
(expanded percentile bootstrap, :func:`sim.studies.compare.interval`, intersected with
the range the quantity can take, :data:`sim.metrics.BOUNDS`: never below zero
for counts and money, never below -1 for ROI, never above the budget for the spend of
a strategy held to its budget; ``nan`` with fewer than two replicates), ``n`` the
replicates that hired someone and have a finite value. The quantities (``metric``):

- every metric of :data:`METRICS`, among them the money of a campaign:
  ``roi`` (return on gross profit, ``(margin x revenue - cost) / cost``),
  ``roi_ex_staff`` (the same without staff time), ``roas`` (``revenue / cost``),
  ``spend`` (all costs, staff time included; = ``cost``), ``staff_cost`` (the staff-time
  line of spend), ``budget``, ``unspent`` (``budget - spend``; negative when over budget),
  ``hired`` (creators hired);
- ``no_hire``: the share of replicates in which nobody accepted an offer (every offer
  refused until the recruitment time ran out), with its exact binomial (Clopper-Pearson)
  interval; ``n`` is all the replicates. Those replicates ran no campaign: they are left
  out of every other row (see :mod:`sim.studies.compare`);
- ``no_hire_replicates``: their number (``mean`` is the count, ``n`` the replicates; no
  interval);
- ``ran_out_replicates``: the number of replicates in which candidates ran out before
  the roster was full (as above);
- for every strategy but the baseline (the first strategy, or a named one):
  ``{metric}_diff`` for the key metrics (:data:`sim.studies.compare.KEY_METRICS`), the
  mean paired difference ``strategy - baseline`` over replicates (which share their
  market and luck) where both hired someone, with its 95% interval, and ``{metric}_wins``,
  the share of those replicates in which the strategy does better (no interval; lower is
  better for spend and cost per acquisition).

:func:`mean_ci` (sweeps' ``summary.csv``) is the Student-t interval of the mean, also
intersected with the quantity's range when given ``bounds``.

``runs.csv`` (:func:`write_runs_csv`) has one row per strategy and replicate, one column
per metric of :data:`METRICS` (every replicate, those that hired nobody included).
"""

from __future__ import annotations

import csv
import json
import math
import platform
import shutil
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from scipy import stats

from sim.atomic import atomic_file, atomic_write_text
from sim.studies import compare

if TYPE_CHECKING:
    from sim.scenario.models import Scenario

METRICS = ("impressions", "reach", "earned_reach", "likes", "comments", "shares", "engagements",
           "engaged_people", "engagement_rate", "engagement_rate_impressions", "conversions", "conversion_rate",
           "revenue", "cost", "roi", "cost_per_engagement", "cost_per_acquisition", "cpm", "influencers",
           "followers", "gross_profit", "spend", "staff_cost", "budget", "unspent", "roi_ex_staff", "roas", "hired")


def mean_ci(values, level: float = 0.95, *, bounds: tuple[float, float] = (-math.inf, math.inf)
            ) -> tuple[float, float, float, int]:
    """Mean and Student-t confidence interval of the mean over replicates (NaNs dropped), within ``bounds``.

    With one value the interval is that value; with none, all NaN. Kept for its callers
    (sweeps, experiments); run summaries use :func:`sim.studies.compare.interval`, whose
    intervals suit counts and give none for a single replicate. ``bounds`` is the range
    every value, and so the mean, lies in (:func:`sim.studies.compare.metric_bounds`): the
    interval is intersected with it, which keeps its coverage (the true mean lies in
    that range); a bound the values break is moved out to them.

    Examples
    --------
    >>> m, lo, hi, n = mean_ci([1.0, 2.0, 3.0])
    >>> m, round(lo, 3), round(hi, 3), n
    (2.0, -0.484, 4.484, 3)
    >>> mean_ci([1.0, 2.0, 3.0], bounds=(0.0, 3.5))
    (2.0, 0.0, 3.5, 3)
    """
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan, 0
    m = float(x.mean())
    if n == 1:
        return m, m, m, 1
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    low, high = min(bounds[0], float(x.min())), max(bounds[1], float(x.max()))  # a bound the data break is not hard
    return m, min(max(m - half, low), high), max(min(m + half, high), low), n


def summarize(results, baseline: str | None = None) -> list[dict]:
    """Rows ``strategy, metric, mean, ci_low, ci_high, n`` of ``summary.csv`` (see the module docstring).

    Examples
    --------
    >>> from types import SimpleNamespace as R
    >>> rs = [R(strategy=s, replicate=i, metrics={"roi": v + i, "spend": 10.0, "hired": float(i)},
    ...         outreach={"filled": True}) for s, v in (("a", 0.0), ("b", 1.0)) for i in range(3)]
    >>> rows = {(r["strategy"], r["metric"]): r for r in summarize(rs)}
    >>> rows[("a", "roi")]["mean"], rows[("a", "no_hire_replicates")]["mean"], rows[("b", "roi_diff")]["mean"]
    (1.5, 1.0, 1.0)
    >>> round(rows[("a", "no_hire")]["mean"], 3), rows[("a", "no_hire")]["n"], rows[("a", "roi")]["n"]
    (0.333, 3, 2)
    >>> ("a", "roi_diff") in rows, rows[("b", "roi_wins")]["mean"]
    (False, 1.0)
    """
    rows = []
    names = compare.strategies_of(results)
    base = compare.baseline_of(results, baseline) if names else None
    money = {row["strategy"]: row for row in compare.spend_table(results)}
    comparisons = compare.compare(results, base) if len(names) > 1 else []
    nan = math.nan
    for name in names:
        runs = compare.runs_of(results, name)
        for metric in METRICS:
            iv = compare.strategy_interval(results, name, metric)
            rows.append({"strategy": name, "metric": metric, "mean": iv.mean, "ci_low": iv.low, "ci_high": iv.high,
                         "n": iv.n})
        nobody = compare.no_hire(results, name)
        rows.append({"strategy": name, "metric": "no_hire", "mean": nobody.mean, "ci_low": nobody.low,
                     "ci_high": nobody.high, "n": nobody.n})
        for key in ("no_hire_replicates", "ran_out_replicates"):
            rows.append({"strategy": name, "metric": key, "mean": float(money[name][key]), "ci_low": nan,
                         "ci_high": nan, "n": len(runs)})
        if name != base:
            for c in (c for c in comparisons if c.strategy == name):
                rows.append({"strategy": name, "metric": f"{c.metric}_diff", "mean": c.diff.mean,
                             "ci_low": c.diff.low, "ci_high": c.diff.high, "n": c.n})
                rows.append({"strategy": name, "metric": f"{c.metric}_wins", "mean": c.win_share, "ci_low": nan,
                             "ci_high": nan, "n": c.n})
    return rows


def series_band(results, strategy: str, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(hours, mean, low, high) of a cumulative time series over a strategy's replicates (95% CI of the mean).

    Over the replicates that hired someone (all of them if none did), each hour's
    Student-t interval intersected with the range of the quantity
    (:func:`sim.studies.compare.metric_bounds`; spend up to a budget the strategy is held to).
    """
    runs = [r for r in results if r.strategy == strategy]
    hired = [r for r in runs if not compare.hired_nobody(r)]
    runs = hired or runs
    y = np.vstack([r.series[name] for r in runs]).astype(float)
    hours = runs[0].series["hour"]
    m = y.mean(axis=0)
    if len(runs) < 2:
        return hours, m, m, m
    half = stats.t.ppf(0.975, len(runs) - 1) * y.std(axis=0, ddof=1) / math.sqrt(len(runs))
    low, high = compare.metric_bounds(name, compare.budget_bound(runs))
    low, high = np.fmin(low, y.min(axis=0)), np.fmax(high, y.max(axis=0))  # a bound the data break is not hard
    return hours, m, np.clip(m - half, low, high), np.clip(m + half, low, high)


def write_summary_csv(rows: list[dict], path: Path) -> None:
    """Write :func:`summarize`'s rows as ``summary.csv`` (columns: see the module docstring).

    Each writer here writes its file whole or not at all (:func:`sim.atomic.atomic_file`):
    on a full disk or a file size limit nothing is left behind and the ``OSError`` names the file.
    """
    with atomic_file(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["strategy", "metric", "mean", "ci_low", "ci_high", "n"])
        w.writeheader()
        for row in rows:
            w.writerow({k: (_fmt(v) if isinstance(v, float) else v) for k, v in row.items()})


def write_runs_csv(results, path: Path) -> None:
    """One row per strategy and replicate, one column per metric, then one ``param:<field>`` per drawn parameter.

    The ``param:`` columns (dotted scenario fields, e.g. ``param:population.purchase_propensity_mean``)
    hold the parameters the replicate drew (``run.parameters = "uncertain"``; the same for
    every strategy of a replicate); a run with fixed parameters has none.
    """
    drawn = list(dict.fromkeys(f for r in results for f in getattr(r, "parameters", None) or {}))
    with atomic_file(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["strategy", "replicate", *METRICS, *(f"param:{f}" for f in drawn)])
        for r in results:
            values = getattr(r, "parameters", None) or {}
            w.writerow([r.strategy, r.replicate, *(_fmt(r.metrics.get(m, math.nan)) for m in METRICS),
                        *(_fmt(values.get(f, math.nan)) for f in drawn)])


#: The name of the copy of a run's shortlist (``influencers.shortlist``) in its folder.
SHORTLIST_COPY = "shortlist.csv"
#: The name of the copy of a run's posterior file (``parameters.posterior``) in its folder.
POSTERIOR_COPY = "posterior.json"


def write_scenario_json(sc: Scenario, path: Path, seeds: dict) -> None:
    """The resolved scenario, the seeds used and the versions of the packages that ran it.

    A scenario with a shortlist (your own creators) gets a copy of it beside ``path``
    (:data:`SHORTLIST_COPY`), one with a posterior file (``parameters.posterior``, from
    ``influsim fit``) a copy of that (:data:`POSTERIOR_COPY`), and ``scenario.json`` names
    the copies (paths relative to the folder), so the folder holds everything the run was
    made from.
    """
    versions: dict[str, str | None] = {}
    for pkg in ("influsim", "mesa", "numpy", "networkx", "plotly", "scipy"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    versions["python"] = platform.python_version()
    data = sc.model_dump(mode="json")
    if sc.influencers.shortlist:
        shutil.copyfile(sc.influencers.shortlist, Path(path).parent / SHORTLIST_COPY)
        data["influencers"]["shortlist"] = SHORTLIST_COPY
    if getattr(sc.parameters, "posterior", ""):
        shutil.copyfile(sc.parameters.posterior, Path(path).parent / POSTERIOR_COPY)
        data["parameters"]["posterior"] = POSTERIOR_COPY
    doc = {"scenario": data, "seeds": seeds, "versions": versions}
    atomic_write_text(path, json.dumps(doc, indent=2, sort_keys=True))


def _fmt(v: float) -> str:
    return "nan" if v != v else repr(float(v))
