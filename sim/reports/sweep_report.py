"""The HTML report of a sweep: heatmaps, lines with intervals, sensitivity bars and the table.

One self-contained page (plotly.js embedded once, works offline), written by
:func:`sim.studies.sweep.export` into the sweep's output folder.
"""

from __future__ import annotations

import html
import os
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from sim.reports.report import CSS, _color, fmt

MAX_TABLE_ROWS = 400


def _label(metric: str) -> str:
    return metric.replace("_", " ")


def _axis_values(values: list) -> list:
    return [v if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v) for v in values]


def _series(sw, diff: bool) -> tuple[list[str], str, str]:
    """(strategies, key suffix, how to title them) of plain means or of differences to the baseline."""
    if diff:
        return [s for s in sw.strategies if s != sw.baseline], "_diff", f" - {sw.baseline}"
    return list(sw.strategies), "", ""


def heatmap_figure(sw, summary: list[dict], metric: str, diff: bool = False) -> go.Figure:
    """Mean ``metric`` over the first two varied fields of a grid, one panel per strategy.

    With more than two varied fields, each cell averages the points that share its two
    values. With ``diff``, the paired difference of each strategy to the sweep's baseline
    (diverging colours, white at zero).

    Examples
    --------
    >>> from sim.studies.sweep import parse_sweep
    >>> sw = parse_sweep({"vary": {"brand.budget": [1e4, 2e4], "product.price": [10, 20]},
    ...                   "sweep": {"strategies": ["macro"]}})
    >>> rows = [{"point": p, **pt, "strategy": "macro", "roi_mean": float(p)} for p, pt in enumerate(sw.points)]
    >>> heatmap_figure(sw, rows, "roi").data[0].z.tolist()
    [[0.0, 2.0], [1.0, 3.0]]
    """
    a, b = sw.vary[0], sw.vary[1]
    names, suffix, vs = _series(sw, diff)
    fig = make_subplots(rows=1, cols=len(names), subplot_titles=[n + vs for n in names], shared_yaxes=True,
                        horizontal_spacing=0.06)
    for c, name in enumerate(names, start=1):
        z = np.full((len(b.values), len(a.values)), np.nan)
        for i, va in enumerate(a.values):
            for j, vb in enumerate(b.values):
                cell = [r[f"{metric}{suffix}_mean"] for r in summary
                        if r["strategy"] == name and r[a.path] == va and r[b.path] == vb]
                cell = [x for x in cell if x == x]
                if cell:
                    z[j, i] = float(np.mean(cell))
        fig.add_trace(go.Heatmap(z=z, x=[str(v) for v in a.values], y=[str(v) for v in b.values],
                                 coloraxis="coloraxis", texttemplate="%{z:.3g}",
                                 hovertemplate=f"{a.path}=%{{x}}<br>{b.path}=%{{y}}<br>{metric}=%{{z:.4g}}"
                                               "<extra>" + html.escape(name) + "</extra>"), row=1, col=c)
        fig.update_xaxes(title_text=a.path, type="category", row=1, col=c)
    fig.update_yaxes(title_text=b.path, type="category", row=1, col=1)
    rest = f" (mean over {', '.join(v.path for v in sw.vary[2:])})" if len(sw.vary) > 2 else ""
    what = f"difference to {sw.baseline} (paired)" if diff else "mean over replicates"
    axis = {"colorscale": "RdBu", "colorbar": {"title": _label(metric)}}
    if diff:  # white where the strategies tie, blue where the strategy beats the baseline
        axis["cmid"] = 0.0
    else:
        axis["colorscale"] = "Viridis"
    fig.update_layout(title=f"{_label(metric)}: {what}{rest}", coloraxis=axis)
    return fig


def lines_figure(sw, summary: list[dict], metric: str, diff: bool = False) -> go.Figure:
    """Mean ``metric`` against the single varied field, with 95% interval bands, one line per strategy.

    With ``diff``, the paired difference of each strategy to the sweep's baseline.
    """
    v = sw.vary[0]
    x = _axis_values(v.values)
    names, suffix, vs = _series(sw, diff)
    fig = go.Figure()
    for i, name in enumerate(names):
        rows = {r[v.path]: r for r in summary if r["strategy"] == name}
        m = np.array([rows[val][f"{metric}{suffix}_mean"] for val in v.values], dtype=float)
        lo = np.array([rows[val][f"{metric}{suffix}_ci_low"] for val in v.values], dtype=float)
        hi = np.array([rows[val][f"{metric}{suffix}_ci_high"] for val in v.values], dtype=float)
        fig.add_trace(go.Scatter(x=x + x[::-1], y=np.concatenate([hi, lo[::-1]]), fill="toself",
                                 fillcolor=_color(i, 0.2), line={"width": 0}, hoverinfo="skip", showlegend=False,
                                 name=f"{name} 95% CI"))
        fig.add_trace(go.Scatter(x=x, y=m, name=name + vs, mode="lines+markers", line={"color": _color(i)}))
    what = f"difference to {sw.baseline}, paired" if diff else "mean"
    fig.update_layout(title=f"{_label(metric)} against {v.path} ({what}, 95% CI over replicates)",
                      xaxis_title=v.path, yaxis_title=_label(metric))
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
            if v.log:
                fig.update_xaxes(type="log", row=1, col=c)
    fig.update_yaxes(title_text=_label(metric), row=1, col=1)
    fig.update_layout(title=f"{_label(metric)} at each design point (mean over replicates)")
    return fig


def sensitivity_figure(sens: list[dict], metric: str) -> go.Figure | None:
    """Tornado of sensitivity indices with their intervals, largest on top, one panel per strategy
    (and per difference to the baseline)."""
    rows = [r for r in sens if r["metric"] == metric]
    if not rows:
        return None
    method = rows[0]["method"]
    names = list(dict.fromkeys(r["strategy"] for r in rows))
    fig = make_subplots(rows=1, cols=len(names), subplot_titles=names, shared_yaxes=False,
                        horizontal_spacing=0.15)
    bars = {"sobol": [("ST", "ST_conf", "total (ST)"), ("S1", "S1_conf", "first order (S1)")],
            "morris": [("mu_star", "mu_star_conf", "mu*"), ("sigma", None, "sigma")],
            "rbd_fast": [("S1", "S1_conf", "first order (S1)")]}[method]
    for c, name in enumerate(names, start=1):
        rs = sorted((r for r in rows if r["strategy"] == name), key=lambda r: r[bars[0][0]])
        for k, (key, conf, label) in enumerate(bars):
            err = {"type": "data", "array": [r[conf] for r in rs]} if conf else None
            fig.add_trace(go.Bar(y=[r["parameter"] for r in rs], x=[r[key] for r in rs], orientation="h",
                                 name=label, legendgroup=label, showlegend=c == 1, error_x=err,
                                 marker_color=_color(k)), row=1, col=c)
    what = {"sobol": "Sobol' indices", "morris": "Morris mu* (effect per full range) and sigma",
            "rbd_fast": "first-order indices (RBD-FAST)"}[method]
    fig.update_layout(title=f"Sensitivity of {_label(metric)}: {what}, with 95% intervals", barmode="group",
                      height=max(350, 60 + 45 * len(rows) // max(1, len(names))))
    return fig


def sweep_table(sw, summary: list[dict]) -> str:
    """The sweep's table: varied values, strategy and each metric's mean [95% CI] (first rows)."""
    diffs = [f"{_label(m)} - {sw.baseline}" for m in sw.metrics] if sw.baseline else []
    head = "".join(f"<th>{html.escape(h)}</th>" for h in ["point", *sw.names, "strategy", "runs ok / failed",
                                                             *map(_label, sw.metrics), *diffs])
    body = []
    for r in summary[:MAX_TABLE_ROWS]:
        cells = [str(r["point"]), *(_value(r[n]) for n in sw.names), html.escape(r["strategy"]),
                 f"{r['n_ok']} / {r['n_failed']}"]
        cells += [f"{fmt(r[f'{m}_mean'])}<br><small>[{fmt(r[f'{m}_ci_low'])}, {fmt(r[f'{m}_ci_high'])}]</small>"
                  for m in sw.metrics]
        if sw.baseline:
            cells += [(f"{fmt(r[f'{m}_diff_mean'])}<br><small>[{fmt(r[f'{m}_diff_ci_low'])}, "
                       f"{fmt(r[f'{m}_diff_ci_high'])}]</small>") if f"{m}_diff_mean" in r else ""
                      for m in sw.metrics]
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    more = (f"<p>First {MAX_TABLE_ROWS} of {len(summary)} rows; all of them are in summary.csv.</p>"
            if len(summary) > MAX_TABLE_ROWS else "")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>{more}"


def _value(v) -> str:
    if isinstance(v, float):
        return fmt(v)
    return html.escape(str(v))


def sensitivity_table(sens: list[dict]) -> str:
    if not sens:
        return ""
    keys = [k for k in sens[0] if k not in ("strategy", "metric", "method", "parameter")]
    head = "".join(f"<th>{h}</th>" for h in ["strategy", "metric", "parameter", *keys])
    body = "".join("<tr>" + "".join(f"<td>{html.escape(str(r[k]))}</td>" for k in ("strategy", "metric", "parameter"))
                   + "".join(f"<td>{r[k]:.3f}</td>" for k in keys) + "</tr>" for r in sens)
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
    divs = [pio.to_html(f, full_html=False, include_plotlyjs=(k == 0)) for k, f in enumerate(figs)]
    varied = "".join(
        f"<li><code>{html.escape(v.path)}</code>: "
        + (", ".join(map(_value, v.values)) if v.values is not None else
           f"{fmt(v.lo)} to {fmt(v.hi)}{' (log scale)' if v.log else ''}") + "</li>" for v in sw.vary)
    note_html = "".join(f"<li>{html.escape(n)}</li>" for n in notes)
    fail_html = ""
    if failures:
        shown = "".join(f"<tr><td>{r['point']}</td><td>{html.escape(r['strategy'])}</td><td>{r['replicate']}</td>"
                        f"<td style='text-align:left'><pre>{html.escape(r['error'] or '')}</pre></td></tr>"
                        for r in failures[:20])
        fail_html = (f"<h2>Failed runs ({len(failures)})</h2><p>Rerun the same command to retry them.</p>"
                     f"<table><tr><th>point</th><th>strategy</th><th>replicate</th><th>error</th></tr>{shown}</table>")
    base = sw.base
    page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>influsim sweep: {html.escape(sw.name)}</title>
<style>{CSS}</style></head><body>
<h1>Sweep: {html.escape(sw.name)}</h1><p>{html.escape(sw.description)}</p>
<p>{kind} design, {len(sw.points)} points x {len(sw.strategies)} strategies x {sw.replicates} replicates =
{counts['total']} runs: {counts['ok']} succeeded, {counts['failed']} failed, {counts['total'] - counts['ok'] -
counts['failed']} not run. Base scenario <b>{html.escape(base.name)}</b>: {base.population.size:,} simulated
people, each standing for {base.population.represents} real people; {base.campaign.days} days; seed
{sw.seed}. Intervals are 95% confidence intervals of the mean over replicates; sensitivity indices average the
replicates of each point first.</p>
<h2>Varied fields</h2><ul>{varied}</ul>
{f'<h2>Notes</h2><ul>{note_html}</ul>' if note_html else ''}
{''.join(divs)}
{f'<h2>Sensitivity indices</h2>{sensitivity_table(sens)}' if sens else ''}
<h2>Table</h2>{sweep_table(sw, summary)}
{fail_html}
</body></html>"""
    tmp = Path(f"{path}.tmp{os.getpid()}")
    tmp.write_text(page, encoding="utf-8")
    os.replace(tmp, path)
