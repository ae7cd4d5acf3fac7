"""A forecast made before the campaign (an ``influsim run`` folder) against what happened (``PAST.csv``).

Practitioners record a forecast before launch and learn from the gap afterwards. For each
outcome the past campaign records, the actual is set against the forecast's central 90%
interval over the run's replicates: ``inside``, ``above`` (the actual is higher than the
interval) or ``below``, and the forecast's bias, ``mean forecast - actual`` (also relative
to the actual).

**Totals** come from the run's ``runs.csv`` (one row per strategy and replicate): the
actual total is the sum over the creators, for an outcome every creator has a value of.
``purchases`` are the run's ``conversions``. **Per creator** needs per-creator forecasts:
a ``creators.csv`` in the run folder with one row per strategy, replicate and creator
(``strategy``, ``replicate``, ``handle`` and outcome columns named as in
:data:`~sim.studies.fit.past.OUTCOMES`, or ``conversions``). ``influsim run`` does not write
that file yet, so the comparison is in total only and says so.

The forecast's strategy: the run's only strategy, else the one that hired as many creators
as the past campaign has (the first such), else the first.

Examples
--------
>>> position(5.0, 1.0, 4.0), position(2.0, 1.0, 4.0), position(0.5, 1.0, 4.0)
('above', 'inside', 'below')
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from sim.errors import ScenarioError
from sim.studies.fit.past import OUTCOMES, PastCampaign

#: The run's metric for each outcome of a past campaign.
RUN_METRIC = {"impressions": "impressions", "reach": "reach", "likes": "likes", "comments": "comments",
              "shares": "shares", "purchases": "conversions", "revenue": "revenue"}
COLUMNS = ("level", "handle", "outcome", "actual", "forecast_mean", "forecast_low", "forecast_high", "position",
           "bias", "relative_bias", "replicates", "strategy")
LEVEL = 0.9


def position(actual: float, low: float, high: float) -> str:
    """Where ``actual`` fell: ``inside`` [low, high], ``above`` or ``below`` it."""
    return "above" if actual > high else "below" if actual < low else "inside"


def _read_rows(path: Path, what: str) -> list[dict]:
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            return list(csv.DictReader(fh))
    except FileNotFoundError:
        raise ScenarioError("--forecast", f"{path.parent}: not a run folder ({what} not found)") from None
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise ScenarioError("--forecast", f"{path}: cannot read ({exc.__class__.__name__})") from None


def read_forecast(folder: str | Path) -> dict:
    """The run folder's forecast: ``runs`` (rows of runs.csv) and ``creators`` (rows of creators.csv or None).

    Checked before the fit runs: a folder without ``runs.csv`` is a one-line error.
    """
    folder = Path(folder)
    if not folder.is_dir():
        raise ScenarioError("--forecast", f"{folder}: not a run folder (no such folder)")
    runs = _read_rows(folder / "runs.csv", "runs.csv")
    if not runs or "strategy" not in runs[0]:
        raise ScenarioError("--forecast", f"{folder / 'runs.csv'}: no runs (expected influsim run's runs.csv)")
    creators = _read_rows(folder / "creators.csv", "creators.csv") if (folder / "creators.csv").is_file() else None
    return {"folder": str(folder), "runs": runs, "creators": creators}


def _strategy(runs: list[dict], n_creators: int) -> str:
    names = list(dict.fromkeys(r["strategy"] for r in runs))
    if len(names) == 1:
        return names[0]
    for name in names:
        hired = [_float(r.get("influencers")) for r in runs if r["strategy"] == name]
        if hired and np.nanmean(hired) == n_creators:
            return name
    return names[0]


def _float(text) -> float:
    try:
        return float(text)
    except (TypeError, ValueError):
        return math.nan


def _row(level, handle, outcome, actual, values, strategy) -> dict:
    values = np.asarray([v for v in values if math.isfinite(v)], dtype=float)
    if not len(values):
        return {}
    low, high = np.quantile(values, [(1 - LEVEL) / 2, 1 - (1 - LEVEL) / 2])
    mean = float(values.mean())
    return {"level": level, "handle": handle, "outcome": outcome, "actual": float(actual), "forecast_mean": mean,
            "forecast_low": float(low), "forecast_high": float(high), "position": position(actual, low, high),
            "bias": mean - actual, "relative_bias": (mean - actual) / actual if actual else math.nan,
            "replicates": len(values), "strategy": strategy}


def compare(past: PastCampaign, forecast: dict) -> tuple[list[dict], list[str]]:
    """Rows of ``forecast_vs_actual.csv`` (per creator where possible, and in total) and notes."""
    runs = forecast["runs"]
    strategy = _strategy(runs, len(past))
    rows, notes = [], []
    mine = [r for r in runs if r["strategy"] == strategy]
    if len({r['strategy'] for r in runs}) > 1:
        notes.append(f"forecast of strategy {strategy!r} of the run (of {len({r['strategy'] for r in runs})})")
    creators = forecast["creators"]
    if creators is None:
        notes.append("per creator needs per-creator forecasts (a creators.csv in the run folder, which influsim run "
                     "does not write yet): compared in total only")
    else:
        by_handle: dict[str, list[dict]] = {}
        for r in creators:
            if r.get("strategy", strategy) == strategy:
                by_handle.setdefault(r.get("handle", "").lower().lstrip("@"), []).append(r)
        for k, handle in enumerate(past.handle.tolist()):
            got = by_handle.get(handle.lower().lstrip("@"))
            if not got:
                notes.append(f"{handle}: not in the forecast's creators.csv")
                continue
            for o in OUTCOMES:
                actual = past.outcomes.get(o, np.full(len(past), np.nan))[k]
                column = o if o in got[0] else "conversions" if o == "purchases" and "conversions" in got[0] else None
                if column is None or not math.isfinite(actual):
                    continue
                row = _row("creator", handle, o, actual, [_float(r[column]) for r in got], strategy)
                if row:
                    rows.append(row)
    for o in OUTCOMES:
        if o not in past.outcomes or o not in RUN_METRIC or RUN_METRIC[o] not in mine[0]:
            continue
        values = past.outcomes[o]
        if not np.isfinite(values).all():
            notes.append(f"{o}: no total (some creators have no value)")
            continue
        row = _row("total", "", o, float(values.sum()), [_float(r[RUN_METRIC[o]]) for r in mine], strategy)
        if row:
            rows.append(row)
    return rows, notes


def write_csv(rows: list[dict], path: Path) -> None:
    """``forecast_vs_actual.csv``: one row per (creator or total, outcome)."""
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for r in rows:
            writer.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in r.items()})
