"""Which drawn parameters a verdict hinges on: each parameter's share of an outcome's variance.

With ``run.parameters = "uncertain"`` every replicate draws its own behavioural
parameters (:func:`sim.campaign.luck.draw_parameters`, recorded in
:attr:`~sim.studies.replicate.ReplicateResult.parameters`). For the paired ROI difference
of every strategy against the baseline, and for each strategy's ROI, :func:`hinges`
estimates each drawn parameter's first-order share of the variance from the
replicates themselves, with no extra runs.

Method: the squared Spearman rank correlation between the parameter and the outcome
over the replicates (a first-order sensitivity index on ranks: the share of the
variance of the outcome's ranks that a straight line in the parameter's ranks explains).
Ranks keep a few extreme ROIs from deciding the answer, and the parameters are drawn
independently, so one parameter's share is not another's.

Limits, at 30 replicates and 30 parameters: the estimate is rough (the standard error of
a rank correlation near 0 is about ``1/sqrt(n - 1)``, 0.19; a parameter with no effect
shows about 3% on average, and the largest of 30 such parameters about 20%); only
monotone effects are seen (an outcome that peaks in the middle of a range shows little);
interactions are not split. So a parameter is named as what the outcome *follows* only
when its correlation is clear of chance after a Bonferroni correction over the
parameters drawn (adjusted p below 0.05); otherwise the text says no single parameter is
clear and names the largest with that caveat.

Examples
--------
>>> import numpy as np
>>> from types import SimpleNamespace as R
>>> rng = np.random.default_rng(0)
>>> x, z = rng.random(40), rng.random(40)
>>> rs = [R(strategy="a", replicate=i, metrics={"roi": 0.0, "hired": 1.0}, outreach={},
...         parameters={"population.x": x[i], "parameters.z": z[i]}) for i in range(40)]
>>> rs += [R(strategy="b", replicate=i, metrics={"roi": 2 * x[i] + z[i], "hired": 1.0}, outreach={},
...          parameters=rs[i].parameters) for i in range(40)]
>>> top = hinges(rs)[0]
>>> top["target"], top["field"], top["share"] > 0.8, top["clear"]
('roi_diff:b', 'population.x', True, True)
>>> hinge_lines(rs)[1]
'  the ROI difference (b - a) follows population.x (88% of its variance; rank correlation +0.94, 40 replicates)'
"""

from __future__ import annotations

import html
import math
from pathlib import Path

import numpy as np
from scipy import stats

from sim.studies import compare

ALPHA = 0.05  # family-wise level of "clear" (Bonferroni over the parameters drawn)
TOP = 3  # parameters listed per outcome in the report


def _drawn(results) -> list[str]:
    return list(dict.fromkeys(f for r in results for f in (getattr(r, "parameters", None) or {})))


def _targets(results, baseline: str | None) -> list[tuple[str, str, dict[int, float]]]:
    """(key, label, replicate -> value): the paired ROI difference of each strategy, then each strategy's ROI."""
    names = compare.strategies_of(results)
    base = compare.baseline_of(results, baseline) if names else None
    roi = {name: {r.replicate: r.metrics.get("roi", math.nan) for r in compare.runs_of(results, name)
                  if not compare.hired_nobody(r)} for name in names}
    out = []
    for name in names:
        if name != base:
            diff = {j: roi[name][j] - roi[base][j] for j in roi[name] if j in roi[base]}  # type: ignore[index]  # names: base is one
            out.append((f"roi_diff:{name}", f"the ROI difference ({name} - {base})", diff))
    out.extend((f"roi:{name}", f"{name}'s ROI", roi[name]) for name in names)
    return out


def hinges(results, baseline: str | None = None) -> list[dict]:
    """Per outcome, the drawn parameters by their share of its variance (largest first).

    Returns rows ``{target, label, field, share, rho, p_adjusted, clear, n, m}``: the
    outcome's key (``roi_diff:<strategy>`` or ``roi:<strategy>``) and its words, the
    parameter, its share (squared rank correlation), the rank correlation, its
    Bonferroni-adjusted p-value over the ``m`` parameters that varied, whether that is
    below :data:`ALPHA`, and the ``n`` replicates used. Empty when no parameter was
    drawn or fewer than 5 replicates have a finite outcome.
    """
    fields = _drawn(results)
    if not fields:
        return []
    params: dict[int, dict] = {}
    for r in results:
        params.setdefault(r.replicate, getattr(r, "parameters", None) or {})
    rows = []
    for key, label, outcome in _targets(results, baseline):
        reps = sorted(j for j, v in outcome.items() if math.isfinite(v) and j in params)
        if len(reps) < 5:
            continue
        y = np.array([outcome[j] for j in reps])
        if np.ptp(y) == 0:
            continue
        found = []
        for f in fields:
            x = np.array([params[j].get(f, math.nan) for j in reps], dtype=float)
            ok = np.isfinite(x)
            if ok.sum() < 5 or np.ptp(x[ok]) == 0:
                continue
            rho, p = stats.spearmanr(x[ok], y[ok])
            if math.isfinite(rho):
                found.append((f, float(rho), float(p), int(ok.sum())))
        m = len(found)
        for f, rho, p, n in sorted(found, key=lambda t: -t[1] ** 2):
            p_adj = min(1.0, p * m)
            rows.append({"target": key, "label": label, "field": f, "share": rho ** 2, "rho": rho,
                         "p_adjusted": p_adj, "clear": p_adj < ALPHA, "n": n, "m": m})
    return rows


def _top(rows: list[dict]) -> list[dict]:
    """The largest row of each outcome, in the outcomes' order."""
    seen: dict[str, dict] = {}
    for row in rows:
        seen.setdefault(row["target"], row)
    return list(seen.values())


def hinge_sentence(row: dict) -> str:
    """What one outcome follows, in words (see the module docstring for when a parameter is "clear")."""
    if row["clear"]:
        return (f"{row['label']} follows {row['field']} ({row['share']:.0%} of its variance; rank correlation "
                f"{row['rho']:+.2f}, {row['n']} replicates)")
    return (f"{row['label']} follows no single drawn parameter clearly at {row['n']} replicates (largest: "
            f"{row['field']}, {row['share']:.0%} of its variance, which could be chance among {row['m']} "
            "parameters)")


def drawn_text(scenario, results) -> str:
    """What the replicates drew: "parameters: uncertain, 30 drawn from their priors; held: ...", or fixed."""
    from sim.campaign.luck import held_fields

    run = getattr(scenario, "run", None)
    if getattr(run, "parameters", "fixed") != "uncertain":
        return ("parameters: fixed at their point values (run.parameters = \"fixed\"): the intervals leave out "
                "what the model does not know")
    n = len({r.replicate for r in results})
    posterior = getattr(getattr(scenario, "parameters", None), "posterior", "")
    source = (f"drawn from the posterior {Path(posterior).name} ({posterior}) where it has them, the rest from "
              "their priors"
              if posterior else "drawn from their priors")
    held = held_fields(scenario)
    return (f"parameters: uncertain, {len(_drawn(results))} drawn per replicate over {n} replicates, {source}; "
            f"held: {', '.join(held) if held else 'none'}")


def hinge_lines(results, baseline: str | None = None, scenario=None) -> list[str]:
    """The terminal's lines: a heading, then what each outcome follows (empty when nothing was drawn)."""
    rows = hinges(results, baseline)
    if not rows:
        return []
    head = "What the verdicts hinge on (squared rank correlation with each drawn parameter over the replicates):"
    lines = [head, *(f"  {hinge_sentence(row)}" for row in _top(rows))]
    return lines


def hinge_section(scenario, results) -> str:
    """The report's section: what was drawn, and per outcome the parameters with the largest shares."""
    baseline = compare.scenario_baseline(scenario)
    try:
        rows = hinges(results, baseline)
    except ValueError:
        rows = []
    text = html.escape(drawn_text(scenario, results))
    if not rows:
        return f"<h2>What the model does not know</h2><p>{text}.</p>"
    by_target: dict[str, list[dict]] = {}
    for row in rows:
        by_target.setdefault(row["target"], []).append(row)
    body = "".join(
        f"<tr><th>{html.escape(r['label'])}</th><td class=\"text\">{html.escape(r['field'])}</td>"
        f"<td>{r['share']:.0%}</td><td>{r['rho']:+.2f}</td><td>{r['p_adjusted']:.2g}</td>"
        f"<td>{'yes' if r['clear'] else 'no'}</td></tr>"
        for group in by_target.values() for r in group[:TOP])
    sentences = "".join(f"<li>{html.escape(hinge_sentence(r))}</li>" for r in _top(rows))
    return ("<h2>What the model does not know</h2>"
            f"<p>{text}. Every interval above covers these draws.</p><ul>{sentences}</ul>"
            "<p>Share of variance: the squared rank (Spearman) correlation of the outcome with the parameter over "
            "the replicates, a first-order sensitivity on ranks. It sees monotone effects of one parameter at a "
            "time; at 30 replicates it is rough (a parameter with no effect shows about 3%, the largest of 30 "
            "such about 20%), so a parameter counts as clear only when its Bonferroni-adjusted p-value over the "
            "parameters drawn is below 0.05.</p>"
            "<table><tr><th>outcome</th><th>parameter</th><th>share of variance</th><th>rank correlation</th>"
            f"<th>adjusted p</th><th>clear</th></tr>{body}</table>")
