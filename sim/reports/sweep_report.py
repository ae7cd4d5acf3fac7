"""The HTML report of a sweep: heatmaps, lines with intervals, sensitivity bars and the table.

One self-contained page (plotly.js embedded once, works offline), written by
:func:`sim.studies.sweep.export` into the sweep's output folder. Numbers are written by
:mod:`sim.format` (dollars for money fields and metrics, % for ROI and rates);
a difference to the baseline whose 95% interval spans zero is drawn as not resolved
(a grey cell or an open grey marker) and the table fits the page.
"""

from __future__ import annotations

import html
import math
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from sim import format as fm
from sim.metrics import LOWER_IS_BETTER
from sim.reports.figures import DIVERGING, fit_titles
from sim.reports.report import CSS, UNRESOLVED, _color, _name, _state, wrap_label
from sim.studies import compare

MAX_TABLE_ROWS = 400
#: Tables longer than this start collapsed (the charts come first).
OPEN_TABLE_ROWS = 40
#: Money fields a sweep may vary, when the scenario model does not say (its descriptions say "USD").
MONEY_FIELDS = frozenset({"budget", "price", "hourly_rate", "cpm", "fee", "fee_per_follower", "cost"})


def _label(metric: str) -> str:
    return fm.label(metric)


def _axis_values(values: list) -> list:
    return [v if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v) for v in values]


def _series(sw, diff: bool) -> tuple[list[str], str, str]:
    """(strategies, key suffix, how to title them) of plain means or of differences to the baseline."""
    if diff:
        return [s for s in sw.strategies if s != sw.baseline], "_diff", f" - {sw.baseline}"
    return list(sw.strategies), "", ""


def field_doc(base, path: str) -> tuple[str, bool]:
    """(description, is money) of a scenario field named by its dotted path (a sweep's varied field).

    Examples
    --------
    >>> from sim.scenario import load_scenario
    >>> sc = load_scenario(None)
    >>> field_doc(sc, "brand.budget")
    ('campaign budget in USD (fees, product, management)', True)
    >>> field_doc(sc, "population.size")[1], field_doc(None, "product.price")[1]
    (False, True)
    """
    obj, desc = base, ""
    parts = path.split(".")
    for k, p in enumerate(parts):
        last = k == len(parts) - 1
        fields = getattr(type(obj), "model_fields", None)
        if fields is not None:
            f = fields.get(p)
            desc = (f.description or "") if f is not None else ""
            if last:
                break
            obj = getattr(obj, p, None)
        elif isinstance(obj, dict) and not last:
            obj = obj.get(p)
        else:
            break
    money = "USD" in desc if desc and parts[-1] in getattr(type(obj), "model_fields", {}) else False
    return desc, money or parts[-1] in MONEY_FIELDS


def _is_money(sw, path: str) -> bool:
    return field_doc(getattr(sw, "base", None), path)[1]


def _field_title(sw, path: str) -> str:
    """A varied field as an axis title, with its unit."""
    return f"{path} ($)" if _is_money(sw, path) else path


def _field_values(sw, v) -> list[str]:
    money = _is_money(sw, v.path)
    return [fm.field_value(x, money) for x in v.values]


def _resolved(lo: float, hi: float, n: int | None = None) -> bool:
    """Whether a difference's interval excludes zero (needs two replicates or more), as
    :attr:`sim.studies.compare.Comparison.resolved` has it.

    >>> _resolved(0.1, 0.3), _resolved(-0.1, 0.3), _resolved(2.0, 2.0, 6), _resolved(0.1, 0.3, 1)
    (True, False, True, False)
    """
    if n is not None and n < 2:
        return False
    return math.isfinite(lo) and math.isfinite(hi) and (lo > 0 or hi < 0)


def _only(text: list[list[str]], keep: np.ndarray) -> list[list[str]]:
    """The cell labels where ``keep`` holds (each cell is labelled by the one trace that colours it)."""
    return [[t if keep[j, i] else "" for i, t in enumerate(row)] for j, row in enumerate(text)]


def heatmap_figure(sw, summary: list[dict], metric: str, diff: bool = False) -> go.Figure:
    """Mean ``metric`` over the first two varied fields of a grid, one panel per strategy.

    With more than two varied fields, each cell averages the points that share its two
    values. With ``diff``, the paired difference of each strategy to the sweep's baseline
    (diverging colours, white at zero, blue where the strategy does better); a cell whose
    95% interval spans zero (any of its points', when it averages several) is grey and
    labelled "n.r." (not resolved).

    Examples
    --------
    >>> from sim.studies.sweep import parse_sweep
    >>> sw = parse_sweep({"vary": {"brand.budget": [1e4, 2e4], "product.price": [10, 20]},
    ...                   "sweep": {"strategies": ["macro"]}})
    >>> rows = [{"point": p, **pt, "strategy": "macro", "roi_mean": float(p), "n_ok": 3}
    ...         for p, pt in enumerate(sw.points)]
    >>> heatmap_figure(sw, rows, "roi").data[0].z.tolist()
    [[0.0, 2.0], [1.0, 3.0]]
    >>> list(heatmap_figure(sw, rows, "roi").data[0].x)
    ['$10,000', '$20,000']
    """
    a, b = sw.vary[0], sw.vary[1]
    names, suffix, vs = _series(sw, diff)
    scale = fm.scale(metric, diff)
    fig = make_subplots(rows=1, cols=len(names), subplot_titles=[wrap_label(n + vs, 36) for n in names],
                        shared_yaxes=True,
                        horizontal_spacing=0.06)
    xs, ys = _field_values(sw, a), _field_values(sw, b)
    for c, name in enumerate(names, start=1):
        z = np.full((len(b.values), len(a.values)), np.nan)
        unresolved = np.zeros_like(z, dtype=bool)
        text = [["" for _ in a.values] for _ in b.values]
        for i, va in enumerate(a.values):
            for j, vb in enumerate(b.values):
                cell = [r for r in summary if r["strategy"] == name and r[a.path] == va and r[b.path] == vb]
                cell = [r for r in cell if r.get(f"{metric}{suffix}_mean", math.nan) == r.get(
                    f"{metric}{suffix}_mean", math.nan)]
                if not cell:
                    continue
                z[j, i] = float(np.mean([r[f"{metric}{suffix}_mean"] for r in cell]))
                text[j][i] = fm.value(metric, z[j, i], diff=diff)
                if diff:
                    lows = [r.get(f"{metric}_diff_ci_low", math.nan) for r in cell]
                    highs = [r.get(f"{metric}_diff_ci_high", math.nan) for r in cell]
                    same_side = all(lo > 0 for lo in lows) or all(hi < 0 for hi in highs)
                    ok = all(_resolved(lo, hi, r.get("n_ok")) for lo, hi, r in zip(lows, highs, cell)) and same_side
                    if not ok:
                        unresolved[j, i] = True
                        text[j][i] += "<br>n.r."
        hover = (f"{html.escape(a.path)}=%{{x}}<br>{html.escape(b.path)}=%{{y}}<br>{html.escape(_label(metric))}"
                 f"{' - ' + html.escape(sw.baseline) if diff else ''}: %{{text}}<extra>{html.escape(name)}</extra>")
        shown = np.where(unresolved, np.nan, z) * scale
        fig.add_trace(go.Heatmap(z=shown, x=xs, y=ys, text=_only(text, ~unresolved), texttemplate="%{text}",
                                 coloraxis="coloraxis", hovertemplate=hover, hoverongaps=False), row=1, col=c)
        if diff and unresolved.any():
            grey = np.where(unresolved, 0.0, np.nan)
            fig.add_trace(go.Heatmap(z=grey, x=xs, y=ys, text=_only(text, unresolved), texttemplate="%{text}",
                                     showscale=False,
                                     colorscale=[[0, UNRESOLVED], [1, UNRESOLVED]], hoverongaps=False,
                                     textfont={"color": "#333"}, name="not resolved",
                                     hovertemplate=hover.replace("<extra>", " (not resolved: the 95% interval "
                                                                 "spans zero)<extra>")), row=1, col=c)
        fig.update_xaxes(title_text=_field_title(sw, a.path), type="category", row=1, col=c)
    fig.update_yaxes(title_text=_field_title(sw, b.path), type="category", row=1, col=1)
    rest = f" (mean over {', '.join(v.path for v in sw.vary[2:])})" if len(sw.vary) > 2 else ""
    what = (f"difference to {sw.baseline} (paired; green: better than {sw.baseline}, red: worse; grey, n.r.: the "
            "95% interval spans zero, not resolved)") if diff else "mean over replicates"
    ax = fm.axis(metric, diff, values=z[np.isfinite(z)] if diff else None)
    bar = {"title": {"text": fm.title(metric, diff).replace(": difference", " difference")},
           "tickformat": ax["tickformat"], "ticksuffix": ax.get("ticksuffix", "")}
    axis: dict[str, Any] = {"colorscale": "Viridis", "colorbar": bar}
    if diff:  # near white where the strategies tie, green where the strategy beats the baseline, red where it loses
        axis["cmid"] = 0.0
        axis["colorscale"] = ([[1.0 - at, colour] for at, colour in DIVERGING[::-1]]  # low values are better
                              if metric in LOWER_IS_BETTER else DIVERGING)
    fig.update_layout(title=f"{_label(metric)}: {what}{rest}", coloraxis=axis)
    return fig


def lines_figure(sw, summary: list[dict], metric: str, diff: bool = False) -> go.Figure:
    """Mean ``metric`` against the single varied field, with 95% interval bands, one line per strategy.

    With ``diff``, the paired difference of each strategy to the sweep's baseline; points whose
    interval spans zero are open grey markers (not resolved).
    """
    v = sw.vary[0]
    money = _is_money(sw, v.path)
    x = _axis_values(v.values)
    names, suffix, vs = _series(sw, diff)
    scale = fm.scale(metric, diff)
    fig = go.Figure()
    for i, name in enumerate(names):
        rows = {r[v.path]: r for r in summary if r["strategy"] == name}
        m = np.array([rows[val][f"{metric}{suffix}_mean"] for val in v.values], dtype=float)
        lo = np.array([rows[val][f"{metric}{suffix}_ci_low"] for val in v.values], dtype=float)
        hi = np.array([rows[val][f"{metric}{suffix}_ci_high"] for val in v.values], dtype=float)
        text = [fm.interval(metric, a, b, c, diff=diff) for a, b, c in zip(m, lo, hi)]
        fig.add_trace(go.Scatter(x=x + x[::-1], y=np.concatenate([hi, lo[::-1]]) * scale, fill="toself",
                                 fillcolor=_color(i, 0.2), line={"width": 0}, hoverinfo="skip", showlegend=False,
                                 name=f"{name} 95% CI"))
        marker = {"color": _color(i), "size": 8}
        if diff:
            ok = [_resolved(b, c, rows[val].get("n_ok")) for b, c, val in zip(lo, hi, v.values)]
            marker = {"color": [_color(i) if k else "white" for k in ok], "size": 9,
                      "line": {"color": [_color(i) if k else "grey" for k in ok], "width": 2}}
            text = [t + ("" if k else " (not resolved)") for t, k in zip(text, ok)]
        fig.add_trace(go.Scatter(x=x, y=m * scale, name=name + vs, mode="lines+markers", line={"color": _color(i)},
                                 marker=marker, text=text, hovertemplate="%{x}: %{text}<extra>%{fullData.name}"
                                 "</extra>"))
    what = (f"difference to {sw.baseline}, paired; open grey markers: the interval spans zero, not resolved"
            if diff else "mean")
    fig.update_layout(title=f"{_label(metric)} against {v.path} ({what}, 95% CI over replicates)",
                      legend_title_text="strategy")
    fig.update_xaxes(title_text=_field_title(sw, v.path), **({"tickformat": "$,.0f"} if money else
                                                            {"tickformat": ",~r"}))
    fig.update_yaxes(**fm.axis(metric, diff, values=m))
    if diff:
        fig.update_yaxes(zeroline=True, zerolinecolor="#444", zerolinewidth=1.5)
    if v.log:
        fig.update_xaxes(type="log")
    return fig


def scatter_figure(sw, summary: list[dict], metric: str) -> go.Figure:
    """Point means of ``metric`` against each varied field (sampled designs), one panel per field."""
    d = len(sw.vary)
    fig = make_subplots(rows=1, cols=d, subplot_titles=sw.names, shared_yaxes=True, horizontal_spacing=0.03)
    for i, name in enumerate(sw.strategies):
        rows = [r for r in summary if r["strategy"] == name]
        y = [r[f"{metric}_mean"] for r in rows]
        for c, v in enumerate(sw.vary, start=1):
            fig.add_trace(go.Scattergl(x=[r[v.path] for r in rows], y=y, mode="markers", name=name,
                                       legendgroup=name, showlegend=c == 1,
                                       marker={"size": 4, "color": _color(i, 0.6)}), row=1, col=c)
            money = _is_money(sw, v.path)
            fig.update_xaxes(title_text=_field_title(sw, v.path), tickformat="$,.0f" if money else ",~r",
                             row=1, col=c)
            if v.log:
                fig.update_xaxes(type="log", row=1, col=c)
    ys = [r[f"{metric}_mean"] for r in summary]
    fig.update_yaxes(**fm.axis(metric, values=ys), row=1, col=1)
    fig.update_layout(title=f"{_label(metric)} at each design point (mean over replicates)",
                      legend_title_text="strategy")
    return fig


def sensitivity_figure(sens: list[dict], metric: str) -> go.Figure | None:
    """Tornado of sensitivity indices with their intervals, largest on top, one panel per strategy
    (and per difference to the baseline)."""
    rows = [r for r in sens if r["metric"] == metric]
    if not rows:
        return None
    method = rows[0]["method"]
    names = list(dict.fromkeys(r["strategy"] for r in rows))
    fig = make_subplots(rows=1, cols=len(names), subplot_titles=[wrap_label(n, 36) for n in names],
                        shared_yaxes=False,
                        horizontal_spacing=0.15)
    bars: list[tuple[str, str | None, str]] = {"sobol": [("ST", "ST_conf", "total (ST)"), ("S1", "S1_conf", "first order (S1)")],  # type: ignore[assignment]  # mypy joins the values to object
            "morris": [("mu_star", "mu_star_conf", "mu*"), ("sigma", None, "sigma")],
            "rbd_fast": [("S1", "S1_conf", "first order (S1)")]}[method]
    xtitle = {"sobol": "index (share of the metric's variance, 0 to 1)",
              "rbd_fast": "index (share of the metric's variance, 0 to 1)",
              "morris": f"effect on {_label(metric)} over the field's range"
                        + (f" ({fm.unit(metric)})" if fm.unit(metric) else "")}[method]
    for c, name in enumerate(names, start=1):
        rs = sorted((r for r in rows if r["strategy"] == name), key=lambda r: r[bars[0][0]])
        for k, (key, conf, label) in enumerate(bars):
            err = {"type": "data", "array": [r[conf] for r in rs]} if conf else None
            fig.add_trace(go.Bar(y=[r["parameter"] for r in rs], x=[r[key] for r in rs], orientation="h",
                                 name=label, legendgroup=label, showlegend=c == 1, error_x=err,
                                 marker_color=_color(k)), row=1, col=c)
        fig.update_xaxes(title_text=xtitle, tickformat=",~r", row=1, col=c)
        fig.update_yaxes(title_text="varied field" if c == 1 else None, row=1, col=c)
    what = {"sobol": "Sobol' indices", "morris": "Morris mu* (effect per full range) and sigma",
            "rbd_fast": "first-order indices (RBD-FAST)"}[method]
    fig.update_layout(title=f"Sensitivity of {_label(metric)}: {what}, with 95% intervals", barmode="group",
                      height=max(350, 60 + 45 * len(rows) // max(1, len(names))))
    return fig


def _metric_cell(sw, r: dict, m: str) -> str:
    """A metric's mean [interval] and, for a strategy other than the baseline, its difference to it."""
    out = (f"<span class=\"nw\">{fm.value(m, r[f'{m}_mean'])}</span><br><small>[{fm.value(m, r[f'{m}_ci_low'])}, "
           f"{fm.value(m, r[f'{m}_ci_high'])}]</small>")
    if sw.baseline and f"{m}_diff_mean" in r:
        lo, hi = r[f"{m}_diff_ci_low"], r[f"{m}_diff_ci_high"]
        ok = _resolved(lo, hi, r.get("n_ok"))
        if not ok:
            state = "not resolved"
        else:
            up = lo > 0
            state = "better" if (up != (m in LOWER_IS_BETTER)) else "worse"
        out += (f"<br><small class=\"nw\">vs {html.escape(sw.baseline)}: "
                f"{fm.value(m, r[f'{m}_diff_mean'], diff=True)}</small><br><small>[{fm.value(m, lo, diff=True)}, "
                f"{fm.value(m, hi, diff=True)}]</small> {_state(state)}")
    return out


#: Metrics per table: a sweep with more metrics gets several tables, so that none is wider than the page.
TABLE_METRICS = 4


def _path(path: str) -> str:
    """A dotted field path for a column title, with break opportunities after the dots."""
    return html.escape(path).replace(".", ".<wbr>")


def sweep_table(sw, summary: list[dict]) -> str:
    """The sweep's table: varied values, strategy and each metric's mean [95% CI], with the difference to the
    baseline under it (first rows; at most :data:`TABLE_METRICS` metrics a table; collapsed when long)."""
    money = {n: _is_money(sw, n) for n in sw.names}
    fields = "".join(f"<th>{_path(n)}{' ($)' if money[n] else ''}</th>" for n in sw.names)
    groups = [sw.metrics[k:k + TABLE_METRICS] for k in range(0, len(sw.metrics), TABLE_METRICS)] or [[]]
    tables = []
    for metrics in groups:
        head = (f"<th>point</th>{fields}<th>strategy</th><th>runs ok / failed</th>"
                + "".join(f"<th>{html.escape(fm.title(m))}</th>" for m in metrics))
        body = []
        for r in summary[:MAX_TABLE_ROWS]:
            cells = [str(r["point"]), *(_value(r[n], money[n]) for n in sw.names), _name(r["strategy"]),
                     f"{r['n_ok']} / {r['n_failed']}"]
            cells += [_metric_cell(sw, r, m) for m in metrics]
            body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
        tables.append(f"<table class=\"sweep\"><tr>{head}</tr>{''.join(body)}</table>")
    more = (f"<p>First {MAX_TABLE_ROWS} of {len(summary)} rows; all of them are in summary.csv.</p>"
            if len(summary) > MAX_TABLE_ROWS else "")
    note = (f"<p>Each cell: mean over replicates and its 95% interval; under it, for strategies other than "
            f"{html.escape(sw.baseline)}, the paired difference to it (not resolved: the interval spans zero)."
            "</p>" if sw.baseline else "<p>Each cell: mean over replicates and its 95% interval.</p>")
    table = "".join(tables) + more
    if len(summary) > OPEN_TABLE_ROWS:
        table = (f"<details><summary>show the table: {len(summary):,} rows ({len(sw.points):,} points x "
                 f"{len(sw.strategies)} strategies)</summary>{table}</details>")
    return note + table


def _value(v, money: bool = False) -> str:
    if isinstance(v, (int, float)) and not isinstance(v, bool):
        return fm.field_value(v, money)
    return html.escape(str(v))


def sensitivity_table(sens: list[dict]) -> str:
    if not sens:
        return ""
    keys = [k for k in sens[0] if k not in ("strategy", "metric", "method", "parameter")]
    head = "".join(f"<th>{h}</th>" for h in ["strategy", "metric", "parameter", *keys])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(r[k]))}</td>" for k in ("strategy", "metric", "parameter"))
                   + "".join(f"<td>{fm.number(r[k], 3)}</td>" for k in keys) + "</tr>" for r in sens)
    return f"<table><tr>{head}</tr>{body}</table>"


def write_sweep_report(path: Path, sw, summary: list[dict], sens: list[dict], notes: list[str], counts: dict,
                       failures: list[dict]) -> None:
    """Write the sweep's HTML report atomically."""
    figs = []
    kind = sw.design.kind
    for m in sw.metrics:
        for diff in ((False, True) if sw.baseline and len(sw.strategies) > 1 else (False,)):
            if kind == "grid" and len(sw.vary) >= 2:
                figs.append(heatmap_figure(sw, summary, m, diff))
            elif kind == "grid":
                figs.append(lines_figure(sw, summary, m, diff))
            elif not diff:
                figs.append(scatter_figure(sw, summary, m))
    for m in sw.metrics:
        f = sensitivity_figure(sens, m)
        if f is not None:
            figs.append(f)
    divs = [pio.to_html(fit_titles(f), full_html=False, include_plotlyjs=(k == 0), config={"displaylogo": False})
            for k, f in enumerate(figs)]
    varied = []
    for v in sw.vary:
        desc, money = field_doc(sw.base, v.path)
        vals = (", ".join(_value(x, money) for x in v.values) if v.values is not None else
                f"{_value(v.lo, money)} to {_value(v.hi, money)}{' (log scale)' if v.log else ''}")
        varied.append(f"<li><code>{html.escape(v.path)}</code>: {vals}"
                      + (f" <small>({html.escape(desc)})</small>" if desc else "") + "</li>")
    note_html = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    fail_html = ""
    if failures:
        shown = "".join(f"<tr><td>{r['point']}</td><td>{_name(r['strategy'])}</td><td>{r['replicate']}</td>"
                        f"<td class='text'><pre>{html.escape(r['error'] or '')}</pre></td></tr>"
                        for r in failures[:20])
        fail_html = (f"<h2>Failed runs ({len(failures)})</h2><p>Rerun the same command to retry them.</p>"
                     f"<table><tr><th>point</th><th>strategy</th><th>replicate</th><th>error</th></tr>{shown}</table>")
    base = sw.base
    page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>influsim sweep: {html.escape(sw.name)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{CSS}</style></head><body>
<h1>Sweep: {html.escape(sw.name)}</h1><p>{html.escape(sw.description)}</p>
<p>{kind} design, {len(sw.points):,} points x {len(sw.strategies)} strategies x {sw.replicates} replicates =
{counts['total']:,} runs: {counts['ok']:,} succeeded, {counts['failed']:,} failed, {counts['total'] - counts['ok'] -
counts['failed']:,} not run. Base scenario <b>{html.escape(base.name)}</b>: {base.population.size:,} simulated
people, each standing for {base.population.represents:,} real people; {base.campaign.days} days; seed
{sw.seed}. Money is in US dollars, ROI and rates in % (their differences in percentage points, pp). Intervals are
95% confidence intervals of the mean over replicates; sensitivity indices average the replicates of each point
first.</p>
<h2>Varied fields</h2><ul>{''.join(varied)}</ul>
{f'<h2>Notes</h2><ul>{note_html}</ul>' if note_html else ''}
{''.join(divs)}
{f'<h2>Sensitivity indices</h2>{sensitivity_table(sens)}' if sens else ''}
<h2>Table</h2>{sweep_table(sw, summary)}
{fail_html}
</body></html>"""
    from sim.atomic import atomic_write_text  # whole or not at all; a failure names the file

    atomic_write_text(path, page)
