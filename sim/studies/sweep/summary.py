"""A sweep's results: the runs in the store, summaries over replicates, sensitivity indices, and the files.

:func:`export` reads the store (``runs.sqlite``) and writes ``runs.csv``,
``summary.csv``, ``sensitivity.csv`` (sampled designs), their Parquet twins (with
pyarrow), ``sweep.json`` (the sweep, its seeds and the versions that ran it) and
``report.html`` (written by :mod:`sim.reports.sweep_export`). The sensitivity intervals are
bootstrapped from ``SeedSequence(seed, spawn_key=(3,))``.
"""

from __future__ import annotations

import json
import math
import platform
from importlib import metadata
from pathlib import Path

import numpy as np

from sim.atomic import atomic_write_text
from sim.scenario.files import scenario_dict
from sim.studies import compare
from sim.studies.results import METRICS, mean_ci
from sim.studies.store import ResultStore, write_csv, write_parquet
from sim.studies.sweep.spec import Sweep

SENSITIVITY_COLUMNS = {
    "sobol": ["strategy", "metric", "method", "parameter", "S1", "S1_conf", "ST", "ST_conf"],
    "morris": ["strategy", "metric", "method", "parameter", "mu", "mu_star", "mu_star_conf", "sigma"],
    "lhs": ["strategy", "metric", "method", "parameter", "S1", "S1_conf"],
}


def load_results(sw: Sweep, out: str | Path) -> list[dict]:
    """The runs of the sweep in the store, ordered by (point, strategy, replicate)."""
    with ResultStore(Path(out) / "runs.sqlite", sw.identity()) as store:
        return store.rows()


def run_rows(sw: Sweep, rows: list[dict]) -> tuple[list[dict], list[str]]:
    """Flat rows for runs.csv: key, status, varied values, every metric, error."""
    cols = ["point", "strategy", "replicate", "status", *sw.names, *METRICS, "error"]
    flat = []
    for r in rows:
        flat.append({"point": r["point"], "strategy": r["strategy"], "replicate": r["replicate"],
                     "status": r["status"], **sw.points[r["point"]],
                     **{m: r["metrics"].get(m) for m in METRICS}, "error": r["error"]})
    return flat, cols


def summarize_sweep(sw: Sweep, rows: list[dict]) -> list[dict]:
    """Mean and 95% interval over replicates of each metric, per point and strategy.

    Each row: ``point``, the varied values, ``strategy``, ``n_ok``, ``n_failed`` and
    ``{metric}_mean``, ``{metric}_ci_low``, ``{metric}_ci_high`` for the sweep's metrics.
    With a baseline, the other strategies' rows also have ``{metric}_diff_mean`` (and
    ``_ci_low``, ``_ci_high``): the mean of ``strategy - baseline`` over the replicates
    where both succeeded (paired: they share the replicate's seed).
    """
    by: dict[tuple[int, str], list[dict]] = {}
    for r in rows:
        by.setdefault((r["point"], r["strategy"]), []).append(r)
    out = []
    for p, pt in enumerate(sw.points):
        base_ok = {r["replicate"]: r for r in by.get((p, sw.baseline), []) if r["status"] == "ok"}
        for name in sw.strategies:
            runs = by.get((p, name), [])
            ok = [r for r in runs if r["status"] == "ok"]
            row = {"point": p, **pt, "strategy": name, "n_ok": len(ok), "n_failed": len(runs) - len(ok)}
            # spend (cost) never exceeds a budget the strategy is held to: its interval neither (issue 17)
            st = sw.scenarios[p].strategies[name]
            budgets = {float(r["metrics"].get("budget", math.nan)) for r in ok}
            budget = budgets.pop() if len(budgets) == 1 and compare.held_to_budget(st.kind, st.payment) else math.inf
            for m in sw.metrics:
                mean, lo, hi, _ = mean_ci([r["metrics"][m] for r in ok], bounds=compare.metric_bounds(m, budget))
                row[f"{m}_mean"], row[f"{m}_ci_low"], row[f"{m}_ci_high"] = mean, lo, hi
            if sw.baseline and name != sw.baseline:
                pairs = [(r, base_ok[r["replicate"]]) for r in ok if r["replicate"] in base_ok]
                for m in sw.metrics:
                    mean, lo, hi, _ = mean_ci([a["metrics"][m] - b["metrics"][m] for a, b in pairs])
                    row[f"{m}_diff_mean"], row[f"{m}_diff_ci_low"], row[f"{m}_diff_ci_high"] = mean, lo, hi
            out.append(row)
    return out


def summary_columns(sw: Sweep) -> list[str]:
    cols = ["point", *sw.names, "strategy", "n_ok", "n_failed",
            *(f"{m}_{s}" for m in sw.metrics for s in ("mean", "ci_low", "ci_high"))]
    if sw.baseline:
        cols += [f"{m}_diff_{s}" for m in sw.metrics for s in ("mean", "ci_low", "ci_high")]
    return cols


def sensitivity_rows(sw: Sweep, summary: list[dict]) -> tuple[list[dict], list[str]]:
    """Sensitivity indices per strategy and metric (Sobol', Morris, or RBD-FAST S1 for a Latin hypercube).

    Replicates are averaged per point first. A (strategy, metric) with a point lacking a
    finite mean (no successful run, or e.g. no buyer for cost per acquisition) is skipped
    with a note, since the estimators need every point of the design.
    """
    kind = sw.design.kind
    if kind == "grid":
        return [], []
    from sim.studies import sensitivity

    conf, resamples = sw.design.conf_level, sw.design.resamples
    seed = int(np.random.SeedSequence(sw.seed, spawn_key=(3,)).generate_state(1)[0] % (2**31 - 1))
    out, notes = [], []
    series = [(name, name, "") for name in sw.strategies]
    if sw.baseline:  # also: what decides whether a strategy beats the baseline
        series += [(name, f"{name} - {sw.baseline}", "_diff") for name in sw.strategies if name != sw.baseline]
    for name, label, suffix in series:
        rows = [r for r in summary if r["strategy"] == name]
        for m in sw.metrics:
            y = np.array([r.get(f"{m}{suffix}_mean", math.nan) for r in rows], dtype=float)
            bad = int((~np.isfinite(y)).sum())
            if bad and (sw.design.nan_policy == "skip" or bad == len(y)):
                notes.append(f"{label} / {m}: skipped, {bad} of {len(y)} points have no finite mean "
                             "(design.nan_policy = \"mean\" fills them)")
                continue
            if bad:
                notes.append(f"{label} / {m}: {bad} of {len(y)} points have no finite mean; filled with the mean "
                             "of the others (design.nan_policy), which shrinks the indices a little")
                y = np.where(np.isfinite(y), y, y[np.isfinite(y)].mean())
            if np.ptp(y) == 0:
                notes.append(f"{label} / {m}: skipped, the same value at every point")
                continue
            base = {"strategy": label, "metric": m}
            if kind == "sobol":
                res = sensitivity.sobol_indices(sw.names, y, sw.design.second_order, conf, resamples, seed)
                out += [{**base, "method": "sobol", **r} for r in res]
            elif kind == "morris":
                res = sensitivity.morris_indices(sw.names, sw.unit, y, sw.design.levels, conf, resamples, seed)
                out += [{**base, "method": "morris", **r} for r in res]
            else:
                try:
                    res = sensitivity.rbd_fast_indices(sw.names, sw.unit, y, conf, resamples, seed)
                except Exception as exc:  # noqa: BLE001 - the estimator can fail on tiny designs
                    notes.append(f"{label} / {m}: RBD-FAST failed ({exc})")
                    continue
                out += [{**base, "method": "rbd_fast", **r} for r in res]
    return out, notes



def export_data(sw: Sweep, out: str | Path) -> dict:
    """Write runs.csv, summary.csv, sensitivity.csv (and .parquet with pyarrow) and sweep.json.

    Returns ``{"summary": rows, "sensitivity": rows, "notes": notes, "files": names, "counts": ...,
    "failures": ...}``; :func:`sim.reports.sweep_export.export` adds ``report.html``.
    """
    out = Path(out)
    rows = load_results(sw, out)
    flat, cols = run_rows(sw, rows)
    summary = summarize_sweep(sw, rows)
    scols = summary_columns(sw)
    sens, notes = sensitivity_rows(sw, summary)
    files = ["runs.csv", "summary.csv"]
    write_csv(flat, cols, out / "runs.csv")
    write_csv(summary, scols, out / "summary.csv")
    tables = [(flat, cols, "runs"), (summary, scols, "summary")]
    if sw.design.kind != "grid":
        ccols = SENSITIVITY_COLUMNS[sw.design.kind]
        write_csv(sens, ccols, out / "sensitivity.csv")
        files.append("sensitivity.csv")
        tables.append((sens, ccols, "sensitivity"))
    for data, c, name in tables:
        if write_parquet(data, c, out / f"{name}.parquet"):
            files.append(f"{name}.parquet")
    atomic_write_text(out / "sweep.json", json.dumps(_sweep_doc(sw), indent=2, sort_keys=True, default=str))
    counts = {"ok": sum(r["status"] == "ok" for r in rows), "failed": sum(r["status"] == "failed" for r in rows),
              "total": sw.n_runs}
    failures = [r for r in rows if r["status"] == "failed"]
    files.append("sweep.json")
    return {"summary": summary, "sensitivity": sens, "notes": notes, "files": files, "counts": counts,
            "failures": failures}


def _sweep_doc(sw: Sweep) -> dict:
    versions: dict[str, str | None] = {}
    for pkg in ("influsim", "mesa", "numpy", "scipy", "SALib", "dask", "distributed"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    versions["python"] = platform.python_version()
    return {"name": sw.name, "description": sw.description, "hash": sw.identity(), "seed": sw.seed,
            "replicates": sw.replicates, "strategies": sw.strategies, "metrics": sw.metrics,
            "baseline": sw.baseline, "common_random_numbers": sw.crn, "design": sw.design.model_dump(mode="json"),
            "vary": [v.to_dict() for v in sw.vary], "points": sw.points, "base_scenario": scenario_dict(sw.base),
            "versions": versions,
            "seeds": "run (point p, replicate r): SeedSequence(seed, spawn_key=(1, p, r)) "
                     "[(4, r) with common_random_numbers]; population: run.seed = seed"}

