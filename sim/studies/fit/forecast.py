"""A forecast made before the campaign (an ``influsim run`` folder) against what happened (``PAST.csv``).

Practitioners record a forecast before launch and learn from the gap afterwards. For each
outcome the past campaign records, the actual is set against the forecast's central 90%
interval over the run's replicates: ``inside``, ``above`` (the actual is higher than the
interval) or ``below``, and the forecast's bias, ``mean forecast - actual`` (also relative
to the actual).

**Totals** come from the run's ``runs.csv`` (one row per strategy and replicate): the
actual total is the sum over the creators, for an outcome every creator has a value of.
``purchases`` are the run's ``conversions``.

**Per creator.** A ``creators.csv`` in the run folder with one row per strategy, replicate
and creator (``strategy``, ``replicate``, ``handle`` and outcome columns named as in
:data:`~sim.studies.fit.past.OUTCOMES`, or ``conversions``) is used as it is. The
``creators.csv`` that ``influsim run`` writes summarises each account over all replicates
(means and intervals, no ``replicate`` column), so it is not the forecast's spread per
replicate; instead the forecast's strategy is replayed
(:func:`replay`): the run folder holds everything the run was made from (``scenario.json``
with its root seed, the copies of its shortlist and posterior), a run is reproducible by
its seed, so running that strategy again gives the same replicates, now with each hired
creator's impressions, purchases and revenue. The replay is checked against ``runs.csv``
(every replicate's impressions, conversions and revenue must be the same); if they differ
(another version of influsim made the run) the comparison is in total only and says so.
Likes, comments and shares are compared in total only (a run keeps per creator only their
sum, ``engagements``).

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
    if creators is not None and (not creators or "replicate" not in creators[0] or "handle" not in creators[0]):
        creators = None  # influsim run's creators.csv: per account over all replicates, not per replicate
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


#: What a replay must reproduce of each replicate of ``runs.csv`` (relative tolerance :data:`REPLAY_TOLERANCE`).
REPLAY_CHECKED = ("impressions", "conversions", "revenue")
REPLAY_TOLERANCE = 1e-9


def replay(forecast: dict, strategy: str, workers: int = 1) -> tuple[list[dict] | None, str]:
    """Per-creator rows of the forecast's ``strategy``, by running it again from the run folder.

    Returns ``(rows, note)``: rows like a ``creators.csv`` (``strategy``, ``replicate``,
    ``handle``, ``impressions``, ``purchases``, ``revenue``), or ``None`` with the reason
    when the folder has no scenario, or the replay does not reproduce ``runs.csv``.
    """
    import json

    from sim.errors import InfluSimError
    from sim.scenario import with_fields
    from sim.scenario.files import resolve
    from sim.studies.runs import run_scenario

    folder = Path(forecast["folder"])
    try:
        raw = json.loads((folder / "scenario.json").read_text(encoding="utf-8"))["scenario"]
        if isinstance(raw.get("tiers"), dict):  # scenario.json sorts keys: tiers go back in follower order
            raw["tiers"] = dict(sorted(raw["tiers"].items(), key=lambda kv: kv[1]))
        scenario = resolve(raw, base_dir=folder)
        if strategy not in scenario.strategies:
            return None, f"strategy {strategy!r} is not in the run's scenario.json"
        only = {"strategies": {strategy: scenario.strategies[strategy].model_dump(mode="python")},
                "run.baseline": ""}
        scenario = with_fields(scenario, only)
        results = run_scenario(scenario, workers=workers)
    except (OSError, ValueError, KeyError, TypeError, InfluSimError) as exc:
        return None, f"cannot replay the run from its scenario.json ({str(exc) or exc.__class__.__name__})"
    recorded = {int(r["replicate"]): r for r in forecast["runs"] if r["strategy"] == strategy}
    for result in results:
        row = recorded.get(result.replicate)
        if row is None or not all(math.isclose(float(result.metrics[m]), _float(row.get(m)),
                                                rel_tol=REPLAY_TOLERANCE, abs_tol=1e-9) for m in REPLAY_CHECKED):
            return None, (f"the replay of replicate {result.replicate} differs from runs.csv (a run made by another "
                          "version?)")
    if len(results) != len(recorded):
        return None, f"the replay has {len(results)} replicates, runs.csv {len(recorded)}"
    price = float(scenario.product.price)
    rows = [{"strategy": strategy, "replicate": r.replicate, "handle": x["handle"],
             "impressions": float(x["impressions"]), "purchases": float(x["conversions"]),
             "revenue": float(x["conversions"]) * price} for r in results for x in r.influencers]
    return rows, (f"per creator: strategy {strategy!r} replayed from the run folder's scenario.json (seed "
                  f"{scenario.run.seed}, {len(results)} replicates; it reproduces runs.csv); likes, comments and "
                  "shares in total only (a run keeps per creator only engagements)")


def compare(past: PastCampaign, forecast: dict, workers: int = 1) -> tuple[list[dict], list[str]]:
    """Rows of ``forecast_vs_actual.csv`` (per creator where possible, and in total) and notes."""
    runs = forecast["runs"]
    strategy = _strategy(runs, len(past))
    rows, notes = [], []
    mine = [r for r in runs if r["strategy"] == strategy]
    if len({r['strategy'] for r in runs}) > 1:
        notes.append(f"forecast of strategy {strategy!r} of the run (of {len({r['strategy'] for r in runs})})")
    creators = forecast["creators"]
    if creators is None:
        creators, why = replay(forecast, strategy, workers)
        notes.append(why if creators is not None else f"per creator: not compared ({why}); in total only")
    if creators is not None:
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
