"""Results: Monte Carlo summaries with 95% intervals, and the CSV/JSON files of a run."""

from __future__ import annotations

import csv
import json
import math
import platform
from importlib import metadata
from pathlib import Path

import numpy as np
from scipy import stats

METRICS = ("impressions", "reach", "earned_reach", "likes", "comments", "shares", "engagements",
           "engaged_people", "engagement_rate", "engagement_rate_impressions", "conversions", "conversion_rate",
           "revenue", "cost", "roi", "cost_per_engagement", "cost_per_acquisition", "cpm", "influencers",
           "followers")


def mean_ci(values, level: float = 0.95) -> tuple[float, float, float, int]:
    """Mean and Student-t confidence interval of the mean over replicates (NaNs dropped).

    With one value the interval is that value; with none, all NaN.

    Examples
    --------
    >>> m, lo, hi, n = mean_ci([1.0, 2.0, 3.0])
    >>> m, round(lo, 3), round(hi, 3), n
    (2.0, -0.484, 4.484, 3)
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
    return m, m - half, m + half, n


def summarize(results) -> list[dict]:
    """One row per strategy and metric: ``strategy, metric, mean, ci_low, ci_high, n``."""
    rows = []
    for name in dict.fromkeys(r.strategy for r in results):
        runs = [r for r in results if r.strategy == name]
        for metric in METRICS:
            m, lo, hi, n = mean_ci([r.metrics[metric] for r in runs])
            rows.append({"strategy": name, "metric": metric, "mean": m, "ci_low": lo, "ci_high": hi, "n": n})
    return rows


def series_band(results, strategy: str, name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(hours, mean, low, high) of a cumulative time series over a strategy's replicates (95% CI of the mean)."""
    runs = [r for r in results if r.strategy == strategy]
    y = np.vstack([r.series[name] for r in runs]).astype(float)
    hours = runs[0].series["hour"]
    m = y.mean(axis=0)
    if len(runs) < 2:
        return hours, m, m, m
    half = stats.t.ppf(0.975, len(runs) - 1) * y.std(axis=0, ddof=1) / math.sqrt(len(runs))
    return hours, m, m - half, m + half


def write_summary_csv(rows: list[dict], path: Path) -> None:
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["strategy", "metric", "mean", "ci_low", "ci_high", "n"])
        w.writeheader()
        for row in rows:
            w.writerow({k: (_fmt(v) if isinstance(v, float) else v) for k, v in row.items()})


def write_runs_csv(results, path: Path) -> None:
    """One row per strategy and replicate, one column per metric."""
    with open(path, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["strategy", "replicate", *METRICS])
        for r in results:
            w.writerow([r.strategy, r.replicate, *(_fmt(r.metrics[m]) for m in METRICS)])


def write_scenario_json(sc: dict, path: Path, seeds: dict) -> None:
    """The resolved scenario, the seeds used and the versions of the packages that ran it."""
    versions = {}
    for pkg in ("influsim", "mesa", "numpy", "networkx", "plotly", "scipy"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    versions["python"] = platform.python_version()
    doc = {"scenario": sc.model_dump(mode="json"), "seeds": seeds, "versions": versions}
    path.write_text(json.dumps(doc, indent=2, sort_keys=True))


def _fmt(v: float) -> str:
    return "nan" if v != v else repr(float(v))
