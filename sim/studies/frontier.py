"""How much to spend: expected profit, ROI and buyers against budget, per strategy.

One condition per budget (``brand.budget``, and a strategy's own ``budget`` where it sets
one), each run through the one run path (:func:`sim.studies.runs.run_scenario`) on the
scenario's own seeds, so every budget sees the same replicates (markets, parameters, luck):
common random numbers, and the step from one budget to the next is a paired difference.

Per strategy and budget: profit (gross profit - spend), ROI, buyers, spend, reach and
accounts hired, each mean [95% interval] over replicates; the budget with the highest mean
profit; and, per step to the next budget, the extra profit per extra dollar spent (paired,
with its interval) and why returns fall there:

- ``pool runs out``: outreach ran out of candidates in some replicates; ``budget not used``:
  otherwise the strategy spends less than :data:`ABSORB` of the budget (its plan takes no
  more, e.g. one macro account): more budget buys nothing more;
- ``saturation``: each extra dollar buys fewer than half the buyers of the step before;
- ``overlap``: reach per follower hired falls by more than :data:`OVERLAP_DROP` (audiences
  of the added accounts overlap those already hired).

Examples
--------
>>> parse_budgets("10k,25k,1.5M,500")
[500.0, 10000.0, 25000.0, 1500000.0]
"""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path

import numpy as np

from sim.errors import ScenarioError
from sim.studies.compare import interval

#: A strategy "absorbs" a budget when it spends at least this share of it ``[assumption]``.
ABSORB = 0.9
#: A fall in reach per follower hired beyond this share marks overlapping audiences ``[assumption]``.
OVERLAP_DROP = 0.1
#: Saturation: buyers per extra dollar below this share of the previous step's ``[assumption]``.
SATURATION = 0.5

MEASURES = {"profit": False, "roi": False, "conversions": True, "spend": True, "reach": True, "hired": True,
            "followers": True}


def parse_budgets(text: str, field: str = "--budgets") -> list[float]:
    """Budgets from ``"10k,25k,50k"`` (k = thousand, M = million, ``$`` and ``_`` allowed), sorted, distinct.

    Examples
    --------
    >>> parse_budgets("$20,000")
    Traceback (most recent call last):
    ...
    sim.errors.ScenarioError: --budgets: expected budgets like 10k,25k,50k (USD, more than 0), got "$20"
    """
    out = []
    for part in str(text).split(","):
        s = part.strip().replace("$", "").replace("_", "")
        m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*([kKmM]?)", s)
        if not m:
            raise ScenarioError(field, f"expected budgets like 10k,25k,50k (USD, more than 0), got \"{part.strip()}\"")
        mult = {"": 1.0, "k": 1e3, "m": 1e6}[m.group(2).lower()]
        value = float(m.group(1)) * mult
        if value < 100:
            raise ScenarioError(field, f"expected budgets like 10k,25k,50k (USD, more than 0), got \"{part.strip()}\"")
        out.append(value)
    if not out:
        raise ScenarioError(field, "expected at least one budget, like 10k,25k,50k")
    return sorted(set(out))


def budget_changes(scenario, budget: float) -> dict:
    """The scenario changes of one budget: ``brand.budget`` and every strategy's own ``budget`` it sets."""
    changes = {"brand.budget": float(budget)}
    for name, st in scenario.strategies.items():
        if getattr(st, "budget", None):
            changes[f"strategies.{name}.budget"] = float(budget)
    return changes


def profit_of(metrics: dict) -> float:
    """Gross profit minus spend, USD."""
    return float(metrics["gross_profit"] - metrics["spend"])


def run_frontier(scenario, budgets: list[float], *, workers: int = 1, executor=None, progress=None) -> dict:
    """Run every budget on the scenario's seeds; return ``{"budgets", "runs": {budget: results}, "unstaffed"}``.

    A strategy that cannot be staffed at a budget (no account it may hire is affordable) is
    left out of that budget's condition, and ``unstaffed[budget][strategy]`` says why; the
    other strategies still run on the same seeds (one that matched the strategy left out, e.g.
    ``micro_equal_budget`` with ``match = "macro"``, spends the budget instead).
    """
    from sim.scenario import with_fields
    from sim.studies.runs import run_scenario

    unstaffed: dict[float, dict[str, str]]  # budget -> {strategy: why it hired nobody}
    runs, unstaffed = {}, {}
    for b in budgets:
        sc = with_fields(scenario, budget_changes(scenario, b))
        unstaffed[b] = {}
        while True:
            try:
                runs[b] = run_scenario(sc, workers=workers, executor=executor, progress=progress)
                break
            except ScenarioError as exc:
                name = exc.field.split(".")[1] if exc.field.startswith("strategies.") else None
                if name not in sc.strategies or len(sc.strategies) == 1 and name in unstaffed[b]:
                    raise
                unstaffed[b][name] = exc.reason
                if len(sc.strategies) == 1:
                    runs[b] = []
                    break
                # a strategy that matched the one left out spends the budget instead (its match has nothing to match)
                rematch = {f"strategies.{other}.match": "" for other, st in sc.strategies.items()
                           if other != name and getattr(st, "match", "") == name}
                sc = with_fields(sc, {f"strategies.{name}": None, **rematch})
    return {"budgets": list(budgets), "runs": runs, "unstaffed": unstaffed}


def _values(results, strategy: str, measure: str) -> dict[int, float]:
    out = {}
    for r in results:
        if r.strategy != strategy:
            continue
        out[r.replicate] = profit_of(r.metrics) if measure == "profit" else float(r.metrics.get(measure, math.nan))
    return out


def frontier_rows(frontier: dict) -> list[dict]:
    """One row per (strategy, budget): each measure's mean and interval, the step to this budget
    (extra profit per extra dollar, paired) and why returns fall there."""
    budgets, runs = frontier["budgets"], frontier["runs"]
    unstaffed = frontier.get("unstaffed", {})
    names = list(dict.fromkeys([*(r.strategy for b in budgets for r in runs[b]),
                                *(s for b in budgets for s in unstaffed.get(b, {}))]))
    rows = []
    for s in names:
        prev = None
        for b in budgets:
            vals = {m: _values(runs[b], s, m) for m in MEASURES}
            row = {"strategy": s, "budget": b, "replicates": len(vals["profit"])}
            for m, nonneg in MEASURES.items():
                iv = interval(list(vals[m].values()), non_negative=nonneg)
                row[f"{m}_mean"], row[f"{m}_low"], row[f"{m}_high"] = iv.mean, iv.low, iv.high
            if s in unstaffed.get(b, {}):
                row.update({k: math.nan for k in CSV_COLUMNS if k.endswith(("_mean", "_low", "_high"))},
                           absorbed=math.nan, ran_out_replicates=0, step_buyers_per_dollar=math.nan,
                           returns=f"cannot be staffed: {unstaffed[b][s]}")
                rows.append(row)
                continue  # the next budget's step is from the last budget that ran
            ran_out = sum(bool((r.outreach or {}).get("filled") is False) for r in runs[b] if r.strategy == s)
            row["ran_out_replicates"] = ran_out
            row["absorbed"] = row["spend_mean"] / b if b else math.nan
            row.update(_step(prev, vals, row))
            rows.append(row)
            prev = (vals, row)
    return rows


def _step(prev, vals: dict, row: dict) -> dict:
    """The step from the previous budget: paired extra profit per extra dollar, extra buyers per dollar, flags."""
    empty = {"step_profit_per_dollar_mean": math.nan, "step_profit_per_dollar_low": math.nan,
             "step_profit_per_dollar_high": math.nan, "step_buyers_per_dollar": math.nan, "returns": ""}
    notes = []
    if row["ran_out_replicates"]:
        notes.append(f"pool runs out in {row['ran_out_replicates']} of {row['replicates']} replicates (spends "
                     f"{row['absorbed']:.0%} of the budget)")
    elif row["absorbed"] < ABSORB:
        notes.append(f"budget not used: spends {row['absorbed']:.0%} of it (the plan takes no more)")
    if prev is None:
        return {**empty, "returns": "; ".join(notes)}
    pv, prow = prev
    common = sorted(set(vals["profit"]) & set(pv["profit"]))
    d_spend = np.array([vals["spend"][r] - pv["spend"][r] for r in common])
    d_profit = np.array([vals["profit"][r] - pv["profit"][r] for r in common])
    mean_ds = float(np.mean(d_spend)) if len(common) else math.nan
    out = dict(empty)
    if len(common) and mean_ds > 1.0:
        # extra profit per extra dollar: the paired mean extra profit over the mean extra spend;
        # interval of the paired extra profit, scaled by the mean extra spend
        iv = interval(d_profit)
        out.update(step_profit_per_dollar_mean=iv.mean / mean_ds, step_profit_per_dollar_low=iv.low / mean_ds,
                   step_profit_per_dollar_high=iv.high / mean_ds)
        d_buy = np.mean([vals["conversions"][r] - pv["conversions"][r] for r in common])
        out["step_buyers_per_dollar"] = float(d_buy / mean_ds)
        before = prow.get("step_buyers_per_dollar", math.nan)
        if math.isfinite(before) and before > 0 and out["step_buyers_per_dollar"] < SATURATION * before:
            notes.append("saturation (fewer than half the buyers per extra dollar of the step before)")
        rpf, rpf_before = _reach_per_follower(row), _reach_per_follower(prow)
        if math.isfinite(rpf) and math.isfinite(rpf_before) and rpf < (1 - OVERLAP_DROP) * rpf_before:
            notes.append(f"overlap (reach per follower hired {rpf_before:.2f} -> {rpf:.2f})")
    elif len(common):
        notes.append("no extra spend: the strategy spends the same as at the budget before")
    out["returns"] = "; ".join(dict.fromkeys(notes))
    return out


def _reach_per_follower(row: dict) -> float:
    f = row.get("followers_mean", math.nan)
    return row["reach_mean"] / f if f and math.isfinite(f) and f > 0 else math.nan


def best_budgets(rows: list[dict]) -> dict[str, dict]:
    """Per strategy, the row of the budget with the highest mean profit."""
    best: dict = {}
    for r in rows:
        if math.isfinite(r["profit_mean"]) and (r["strategy"] not in best
                                                or r["profit_mean"] > best[r["strategy"]]["profit_mean"]):
            best[r["strategy"]] = r
    return best


CSV_COLUMNS = ("strategy", "budget", "replicates", *(f"{m}_{s}" for m in MEASURES for s in ("mean", "low", "high")),
               "absorbed", "ran_out_replicates", "step_profit_per_dollar_mean", "step_profit_per_dollar_low",
               "step_profit_per_dollar_high", "step_buyers_per_dollar", "returns")


def write_frontier_csv(rows: list[dict], path: Path) -> None:
    """Write ``frontier.csv``: one row per (strategy, budget), money in USD."""
    from sim.atomic import atomic_write_text

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if isinstance(v, float) and not math.isfinite(v) else v) for k, v in r.items()})
    atomic_write_text(Path(path), buf.getvalue())
