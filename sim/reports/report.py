"""The HTML report of a run: Plotly figures with Monte Carlo intervals, in one offline page."""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from sim.studies.results import mean_ci, series_band

COLORS = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]


def _color(i: int, alpha: float = 1.0) -> str:
    h = COLORS[i % len(COLORS)].lstrip("#")
    r, g, b = (int(h[k:k + 2], 16) for k in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def strategies_of(results) -> list[str]:
    return list(dict.fromkeys(r.strategy for r in results))


def time_series_figure(results, name: str, title: str) -> go.Figure:
    """Cumulative ``name`` over the campaign per strategy, with 95% interval bands."""
    fig = go.Figure()
    for i, s in enumerate(strategies_of(results)):
        hours, m, lo, hi = series_band(results, s, name)
        days = np.asarray(hours) / 24.0
        fig.add_trace(go.Scatter(x=np.concatenate([days, days[::-1]]), y=np.concatenate([hi, lo[::-1]]),
                                 fill="toself", fillcolor=_color(i, 0.2), line={"width": 0}, hoverinfo="skip",
                                 showlegend=False, name=f"{s} 95% CI"))
        fig.add_trace(go.Scatter(x=days, y=m, name=s, line={"color": _color(i)}))
    fig.update_layout(title=title, xaxis_title="day of campaign", yaxis_title=name.replace("_", " "))
    return fig


def funnel_figure(results) -> go.Figure:
    """Mean funnel per strategy: impressions, reach, engaged people, buyers."""
    stages = [("impressions", "impressions"), ("reach", "people reached"), ("engaged_people", "people engaged"),
              ("conversions", "buyers")]
    fig = go.Figure()
    for i, s in enumerate(strategies_of(results)):
        runs = [r for r in results if r.strategy == s]
        vals = [mean_ci([r.metrics[k] for r in runs])[0] for k, _ in stages]
        fig.add_trace(go.Funnel(name=s, y=[lab for _, lab in stages], x=vals, textinfo="value+percent initial",
                                marker={"color": _color(i)}))
    fig.update_layout(title="Funnel per strategy (means over replicates)")
    return fig


def metric_bars(results, metrics: list[tuple[str, str]], title: str) -> go.Figure:
    """Bars of metric means per strategy with 95% CI error bars, one panel per metric."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=len(metrics), subplot_titles=[lab for _, lab in metrics])
    names = strategies_of(results)
    for c, (key, _) in enumerate(metrics, start=1):
        stats = [mean_ci([r.metrics[key] for r in results if r.strategy == s]) for s in names]
        m = np.array([x[0] for x in stats])
        fig.add_trace(go.Bar(x=names, y=m, marker_color=[_color(i) for i in range(len(names))], showlegend=False,
                             error_y={"type": "data", "symmetric": False,
                                      "array": [x[2] - x[0] for x in stats],
                                      "arrayminus": [x[0] - x[1] for x in stats]}), row=1, col=c)
    fig.update_layout(title=title)
    return fig


def tier_engagement_figure(results) -> go.Figure:
    """Engagement rate per follower by tier and strategy (mean over hired accounts and replicates)."""
    fig = go.Figure()
    for i, s in enumerate(strategies_of(results)):
        by_tier: dict = {}
        for r in results:
            if r.strategy == s:
                for row in r.influencers:
                    by_tier.setdefault(row["tier"], []).append(row["engagement_rate"])
        tiers = list(by_tier)
        stats = [mean_ci(by_tier[t]) for t in tiers]
        fig.add_trace(go.Bar(name=s, x=tiers, y=[x[0] for x in stats], marker_color=_color(i),
                             error_y={"type": "data", "symmetric": False, "array": [x[2] - x[0] for x in stats],
                                      "arrayminus": [x[0] - x[1] for x in stats]}))
    fig.update_layout(title="Engagement rate per follower by tier (sponsored posts, word of mouth included)",
                      yaxis_tickformat=".1%", barmode="group")
    return fig


def cascade_figure(results) -> go.Figure:
    """Word of mouth: the distribution of cascade sizes (people reached per share of a post), per strategy."""
    fig = go.Figure()
    for i, s in enumerate(strategies_of(results)):
        sizes = np.concatenate([np.asarray(r.cascades, dtype=float) for r in results
                                if r.strategy == s and r.cascades is not None] or [np.zeros(0)])
        if len(sizes) == 0:
            continue
        values, counts = np.unique(sizes, return_counts=True)
        fig.add_trace(go.Bar(name=f"{s} ({len(sizes):,} cascades)", x=values, y=counts / counts.sum(),
                             marker_color=_color(i)))
    fig.update_layout(title="Word of mouth: people reached per cascade (all replicates)", barmode="group",
                      xaxis_title="people reached by one share and its re-shares", yaxis_title="share of cascades",
                      yaxis_tickformat=".0%")
    return fig


def summary_table(rows: list[dict], metrics=("impressions", "reach", "engagements", "engagement_rate",
                                             "conversions", "revenue", "cost", "roi", "cost_per_engagement",
                                             "cost_per_acquisition")) -> str:
    names = list(dict.fromkeys(r["strategy"] for r in rows))
    idx = {(r["strategy"], r["metric"]): r for r in rows}
    head = "".join(f"<th>{html.escape(n)}</th>" for n in names)
    body = []
    for m in metrics:
        cells = "".join(f"<td>{_cell(idx[(n, m)])}</td>" for n in names if (n, m) in idx)
        body.append(f"<tr><th>{m}</th>{cells}</tr>")
    return f"<table><tr><th>metric</th>{head}</tr>{''.join(body)}</table>"


def _cell(row: dict) -> str:
    return f"{fmt(row['mean'])}<br><small>[{fmt(row['ci_low'])}, {fmt(row['ci_high'])}]</small>"


def fmt(v: float) -> str:
    """Short human number.

    Examples
    --------
    >>> fmt(1234567.0), fmt(0.01234), fmt(float("nan"))
    ('1,234,567', '0.0123', 'n/a')
    """
    if v != v:
        return "n/a"
    if abs(v) >= 100:
        return f"{v:,.0f}"
    return f"{v:.3g}"


def roster_table(results, max_rows: int = 200) -> str:
    """Each strategy's roster (first replicate): every creator offered, with tier, followers,
    brand fit, fee, chance and outcome of the offer; hired accounts' cost and conversions.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> row = {"influencer": 3, "phase": "big", "round": 1, "tier": "macro", "followers": 600000,
    ...        "niche": "food", "fit": 0.2, "fee": 9000.0, "cpm": 0.0, "offers_per_month": 8,
    ...        "p_accept": 0.3, "accepted": True}
    >>> run = SimpleNamespace(strategy="macro", influencers=[], outreach={"candidates": [row]})
    >>> "accepted" in roster_table([run]) and "600,000" in roster_table([run])
    True
    """
    parts = []
    for s in strategies_of(results):
        run = next(r for r in results if r.strategy == s)
        hired = {x["influencer"]: x for x in run.influencers}
        cands = (run.outreach or {}).get("candidates") or [
            {"influencer": x["influencer"], "phase": "", "round": "", "tier": x["tier"], "followers": x["followers"],
             "niche": x["niche"], "fit": x["fit"], "fee": x["cost"], "cpm": 0.0, "offers_per_month": "",
             "p_accept": float("nan"), "accepted": True} for x in run.influencers]
        body = []
        for x in cands[:max_rows]:
            h = hired.get(x["influencer"])
            fee = fmt(x["fee"]) if not x.get("cpm") else f"{fmt(x['cpm'])} per 1,000 views"
            outcome = "accepted" if x["accepted"] else "refused"
            body.append(
                f"<tr><td>{x['influencer']}</td><td>{html.escape(str(x['tier']))}</td><td>{x['followers']:,}</td>"
                f"<td>{html.escape(str(x['niche']))}</td><td>{x['fit']:.2f}</td><td>{fee}</td>"
                f"<td>{x['offers_per_month']}</td><td>{fmt(x['p_accept'])}</td><td>{x['round']}</td>"
                f"<td>{outcome}</td><td>{fmt(h['cost']) if h else ''}</td>"
                f"<td>{fmt(h['conversions']) if h else ''}</td></tr>")
        more = f"<p>... and {len(cands) - max_rows} more offers</p>" if len(cands) > max_rows else ""
        n_acc = sum(1 for x in cands if x["accepted"])
        followers = sum(x["followers"] for x in cands if x["accepted"])
        parts.append(
            f"<h3>{html.escape(s)}: {n_acc} accounts hired of {len(cands)} offered, {followers:,} followers</h3>"
            "<table><tr><th>id</th><th>tier</th><th>followers</th><th>niche</th><th>brand fit</th>"
            "<th>fee offered (USD)</th><th>offers / month</th><th>chance to accept</th><th>round</th><th>answer</th>"
            "<th>cost incl. staff (USD, run 1)</th><th>conversions (run 1)</th></tr>"
            f"{''.join(body)}</table>{more}")
    return "".join(parts)


def outreach_section(results) -> str:
    """The outreach funnel of each strategy and, for optimised rosters, what the optimiser chose and why (HTML).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> o = {"kind": "macro", "selection": "brand_fit", "payment": "per_post", "partnership": "paid_post",
    ...      "connect_first": False, "offers": 4, "accepted": 1, "acceptance_rate": 0.25, "rounds": 4,
    ...      "days": 12.0, "outreach_staff_cost": 50.0, "management_cost": 350.0, "fees": 9000.0,
    ...      "expected_cost": 9350.0, "budget": 50000.0, "followers": 600000, "target_followers": None,
    ...      "filled": True, "optimiser": []}
    >>> "12" in outreach_section([SimpleNamespace(strategy="macro", outreach=o)])
    True
    """
    head = ("<tr><th>strategy</th><th>kind</th><th>selection</th><th>pay</th><th>connect first</th>"
            "<th>offers sent</th><th>accepted</th><th>acceptance rate</th><th>rounds</th><th>days</th>"
            "<th>fees (USD)</th><th>staff: offers (USD)</th><th>staff: all (USD)</th><th>expected cost (USD)</th>"
            "<th>budget (USD)</th><th>followers hired (target)</th><th>note</th></tr>")
    rows, extra = [], []
    for s in strategies_of(results):
        run = next(r for r in results if r.strategy == s)
        o = getattr(run, "outreach", None) or {}
        if not o:
            continue
        target = f" ({o['target_followers']:,.0f})" if o.get("target_followers") else ""
        pay = o['payment'] if o['partnership'] in ("paid_post",) else f"{o['payment']}, {o['partnership']}"
        rows.append(
            f"<tr><th>{html.escape(s)}</th><td>{o['kind']}</td><td>{o['selection']}</td><td>{html.escape(pay)}</td>"
            f"<td>{'yes' if o['connect_first'] else 'no'}</td><td>{o['offers']}</td><td>{o['accepted']}</td>"
            f"<td>{fmt(o['acceptance_rate'])}</td><td>{o['rounds']}</td><td>{fmt(o['days'])}</td>"
            f"<td>{fmt(o['fees'])}</td><td>{fmt(o['outreach_staff_cost'])}</td><td>{fmt(o['management_cost'])}</td>"
            f"<td>{fmt(o['expected_cost'])}</td><td>{fmt(o['budget']) if o.get('budget') else 'none'}</td>"
            f"<td>{o['followers']:,}{target}</td><td>{html.escape(o.get('note', ''))}</td></tr>")
        for rep in o.get("optimiser") or []:
            plans = "".join(f"<tr><td>{html.escape(p['plan'])}{' (chosen)' if p['plan'] == rep['chosen'] else ''}"
                            f"</td><td>{p['accounts']}</td><td>{fmt(p['expected_cost'])}</td><td>{fmt(p['value'])}"
                            "</td></tr>" for p in rep["plans"])
            steps = "".join(f"<tr><td>{x['step']}</td><td>{x['influencer']}</td><td>{x['tier']}</td>"
                            f"<td>{x['followers']:,}</td><td>{fmt(x['cost'])}</td><td>{fmt(x['pilot'])}</td>"
                            f"<td>{fmt(x['fresh_share'])}</td><td>{fmt(x['marginal_gain'])}</td>"
                            f"<td>{fmt(x['gain_per_dollar'])}</td></tr>" for x in rep["steps"][:60])
            extra.append(
                f"<h3>Optimiser of {html.escape(s)} ({html.escape(rep['phase'])}): objective {rep['objective']}, "
                f"{rep['candidates']} candidates piloted</h3>"
                "<p>Plans compared by full simulation on the pilot seeds (mean of the objective):</p>"
                f"<table><tr><th>plan</th><th>accounts</th><th>expected cost (USD)</th><th>{rep['objective']}</th>"
                f"</tr>{plans}</table><p>Greedy steps (marginal gain = pilot outcome x share of the audience not yet "
                "reached):</p><table><tr><th>step</th><th>id</th><th>tier</th><th>followers</th><th>cost (USD)</th>"
                "<th>pilot outcome</th><th>fresh audience</th><th>marginal gain</th><th>gain per USD</th></tr>"
                f"{steps}</table>")
    if not rows:
        return ""
    return ("<h2>Outreach</h2><p>Offers go to the ranked candidates; refusals are replaced from the ranked list in "
            "the next round. Days: rounds x (answer time + connecting first, if the strategy does). Staff cost "
            "includes management hours per hired creator and the time of every offer sent.</p>"
            f"<table>{head}{''.join(rows)}</table>{''.join(extra)}")


CSS = """body{font-family:system-ui,sans-serif;max-width:1200px;margin:auto;padding:1em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}
th{background:#f4f4f4}small{color:#666}"""


def write_report(path: Path, sc: dict, results, rows: list[dict], extra_sections: list[str] | None = None) -> None:
    """Write the self-contained HTML report (plotly.js embedded once, works offline)."""
    figs = [
        time_series_figure(results, "engagements", "Cumulative engagements (95% CI of the mean)"),
        time_series_figure(results, "conversions", "Cumulative conversions (95% CI of the mean)"),
        funnel_figure(results),
        metric_bars(results, [("roi", "ROI"), ("cost_per_engagement", "cost per engagement (USD)"),
                              ("cost_per_acquisition", "cost per acquisition (USD)")],
                    "Return and unit costs (95% CI of the mean)"),
        tier_engagement_figure(results),
        cascade_figure(results),
    ]
    divs = [pio.to_html(f, full_html=False, include_plotlyjs=(k == 0)) for k, f in enumerate(figs)]
    n = rows[0]["n"] if rows else 0
    title = html.escape(sc.name)
    page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>influsim: {title}</title>
<style>{CSS}</style></head><body>
<h1>Campaign report: {title}</h1><p>{html.escape(sc.description)}</p>
<p>{sc.population.size:,} simulated people, each standing for {sc.population.represents} real people;
{sc.campaign.days} days; {n} replicates per strategy; seed {sc.run.seed}.
Intervals are 95% confidence intervals of the mean over replicates.</p>
<h2>Summary</h2>{summary_table(rows)}
{''.join(divs)}
{''.join(extra_sections or [])}
<h2>Rosters</h2>{roster_table(results)}
</body></html>"""
    Path(path).write_text(page, encoding="utf-8")
