"""The HTML report of a run: Plotly figures with Monte Carlo intervals, in one offline page."""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from sim.studies import compare
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
    """Bars of metric means per strategy with 95% interval error bars, one panel per metric."""
    from plotly.subplots import make_subplots

    fig = make_subplots(rows=1, cols=len(metrics), subplot_titles=[lab for _, lab in metrics])
    names = strategies_of(results)
    for c, (key, _) in enumerate(metrics, start=1):
        stats = [compare.metric_interval(key, compare.values(results, s, key)).as_tuple() for s in names]
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


SUMMARY_METRICS = ("roi", "roi_ex_staff", "roas", "spend", "staff_cost", "unspent", "hired", "revenue",
                   "gross_profit", "impressions", "reach", "engagements", "engagement_rate", "conversions",
                   "conversion_rate", "cost_per_engagement", "cost_per_acquisition")
METRIC_LABELS = {"roi": "roi (on gross profit)", "roi_ex_staff": "roi without staff time",
                 "roas": "roas (revenue / spend)", "spend": "spend (staff time included)"}


def summary_table(rows: list[dict], metrics=SUMMARY_METRICS) -> str:
    """Mean [95% interval] per strategy and metric, money in $ and rates in %.

    Examples
    --------
    >>> rows = [{"strategy": "macro", "metric": "spend", "mean": 13047.0, "ci_low": 12000.0, "ci_high": 14000.0,
    ...          "n": 5}]
    >>> "$13,047" in summary_table(rows)
    True
    """
    names = list(dict.fromkeys(r["strategy"] for r in rows))
    idx = {(r["strategy"], r["metric"]): r for r in rows}
    head = "".join(f"<th>{html.escape(n)}</th>" for n in names)
    body = []
    for m in metrics:
        if not any((n, m) in idx for n in names):
            continue
        cells = "".join(f"<td>{_cell(m, idx[(n, m)])}</td>" if (n, m) in idx else "<td></td>" for n in names)
        body.append(f"<tr><th>{html.escape(METRIC_LABELS.get(m, m.replace('_', ' ')))}</th>{cells}</tr>")
    return f"<table><tr><th>metric</th>{head}</tr>{''.join(body)}</table>"


def _cell(metric: str, row: dict) -> str:
    iv = compare.Interval(row["mean"], row["ci_low"], row["ci_high"], row["n"])
    lo_hi = (f"[{compare.fmt_value(metric, iv.low)}, {compare.fmt_value(metric, iv.high)}]" if iv.has_interval
             else "[no interval]")
    return f"{compare.fmt_value(metric, iv.mean)}<br><small>{lo_hi}</small>"


def decision_section(sc, results) -> str:
    """The opening of the report: verdict lines, money per strategy, warnings (HTML).

    Examples
    --------
    >>> from types import SimpleNamespace as R
    >>> rs = [R(strategy=s, replicate=0, metrics={"roi": 0.1, "spend": 10.0, "hired": 0.0, "budget": 100.0},
    ...         outreach={"filled": True}) for s in ("a", "b")]
    >>> page = decision_section(R(run=R(market="fixed")), rs)
    >>> "no verdict with 1 replicate" in page and "hires nobody" in page
    True
    """
    names = strategies_of(results)
    base = compare.baseline_of(results, compare.scenario_baseline(sc))
    if len(names) > 1:
        verdicts = "".join(f"<li>{html.escape(v)}</li>" for v in compare.verdict_lines(results, base, sc))
        decision = (f"<h2>Decision</h2><p>ROI on gross profit, each strategy against {html.escape(base)}: mean "
                    "paired difference over replicates (strategies of a replicate share its market and luck), "
                    f"95% interval, and the share of replicates it wins.</p><ul class=\"verdicts\">{verdicts}</ul>")
    else:
        decision = "<h2>Decision</h2><p>One strategy: nothing to compare.</p>"
    money = []
    for r in compare.spend_table(results):
        n = r["replicates"]
        money.append(f"<tr><th>{html.escape(r['strategy'])}</th><td>{compare.fmt_money(r['budget'])}</td>"
                     f"<td>{compare.fmt_money(r['spend'])}</td><td>{compare.fmt_money(r['unspent'])}</td>"
                     f"<td>{compare.fmt_money(r['staff_cost'])}</td><td>{compare.fmt_value('hired', r['hired'])}</td>"
                     f"<td>{r['no_hire_replicates']} of {n}</td><td>{r['ran_out_replicates']} of {n}</td></tr>")
    money_table = ("<h2>Money</h2><p>Means over replicates. Spend includes staff time (management and offers); "
                   "unspent = budget - spend.</p><table><tr><th>strategy</th><th>budget</th><th>spend</th>"
                   "<th>unspent</th><th>staff cost</th><th>creators hired</th><th>replicates: nobody hired</th>"
                   f"<th>replicates: candidates ran out</th></tr>{''.join(money)}</table>")
    found = compare.warnings_for(results, base)
    warn = ("<h2>Warnings</h2><ul class=\"warnings\">" + "".join(f"<li>{html.escape(w)}</li>" for w in found)
            + "</ul>") if found else "<h2>Warnings</h2><p>None.</p>"
    return decision + money_table + warn


def paired_difference_table(sc, results) -> str:
    """Paired differences of the key metrics against the baseline, with intervals and win shares (HTML)."""
    names = strategies_of(results)
    if len(names) < 2:
        return ""
    base = compare.baseline_of(results, compare.scenario_baseline(sc))
    others = [s for s in names if s != base]
    by = {(c.strategy, c.metric): c for c in compare.compare(results, base)}
    body = []
    for m in compare.KEY_METRICS:
        cells = []
        for s in others:
            c = by[(s, m)]
            state = c.state
            won = f"wins {c.win_share:.0%} of {c.n}" if c.n else ""
            cells.append(f"<td>{compare.fmt_interval(m, c.diff, signed=True)}<br><small>{state}; {won}</small></td>")
        body.append(f"<tr><th>{html.escape(compare.LABELS.get(m, m))}</th>{''.join(cells)}</tr>")
    head = "".join(f"<th>{html.escape(s)} - {html.escape(base)}</th>" for s in others)
    return (f"<h2>Paired differences against {html.escape(base)}</h2><p>Mean of the per-replicate differences, "
            "95% interval (expanded percentile bootstrap), and the share of replicates in which the strategy "
            "does better (lower is better for spend and cost per acquisition).</p>"
            f"<table><tr><th>metric</th>{head}</tr>{''.join(body)}</table>")


def paired_difference_figure(sc, results) -> go.Figure | None:
    """Difference of each key metric against the baseline, with interval bars; grey where not resolved.

    Examples
    --------
    >>> from types import SimpleNamespace as R
    >>> rs = [R(strategy=s, replicate=i, metrics={k: v + i for k in compare.KEY_METRICS})
    ...       for s, v in (("a", 0.0), ("b", 1.0)) for i in range(4)]
    >>> fig = paired_difference_figure(R(run=R(market="fixed")), rs)
    >>> len(fig.data) == len(compare.KEY_METRICS)
    True
    """
    from plotly.subplots import make_subplots

    names = strategies_of(results)
    if len(names) < 2:
        return None
    base = compare.baseline_of(results, compare.scenario_baseline(sc))
    others = [s for s in names if s != base]
    by = {(c.strategy, c.metric): c for c in compare.compare(results, base)}
    metrics = compare.KEY_METRICS
    cols = 4
    fig = make_subplots(rows=(len(metrics) + cols - 1) // cols, cols=cols,
                        subplot_titles=[compare.LABELS.get(m, m) + (" (lower is better)" if m in
                                        compare.LOWER_IS_BETTER else "") for m in metrics])
    for k, m in enumerate(metrics):
        cs = [by[(s, m)] for s in others]
        colors, labels = [], []
        for c in cs:
            colors.append(_color(names.index(c.strategy)) if c.resolved else "rgba(150,150,150,0.8)")
            labels.append(c.state)
        mean = np.array([c.diff.mean for c in cs])
        fig.add_trace(go.Bar(x=others, y=mean, marker_color=colors, text=labels, textposition="outside",
                             showlegend=False, name=m,
                             hovertext=[compare.fmt_interval(m, c.diff, signed=True) for c in cs],
                             error_y={"type": "data", "symmetric": False,
                                      "array": [c.diff.high - c.diff.mean for c in cs],
                                      "arrayminus": [c.diff.mean - c.diff.low for c in cs]}),
                      row=k // cols + 1, col=k % cols + 1)
        if m in compare.MONEY:
            fig.update_yaxes(tickprefix="$", tickformat=",.0f", row=k // cols + 1, col=k % cols + 1)
        elif m in ("roi", "roas"):
            fig.update_yaxes(tickformat="+.2f", row=k // cols + 1, col=k % cols + 1)
        else:
            fig.update_yaxes(tickformat=",.0f", row=k // cols + 1, col=k % cols + 1)
    fig.update_layout(title=f"Paired difference against {base} (95% interval; grey: interval spans zero, "
                            "not resolved)", height=650)
    return fig


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


def spread_section(rows: list[dict]) -> str:
    """Where the spread of outcomes comes from: the market drawn or the campaign (see :mod:`sim.studies.spread`).

    Examples
    --------
    >>> spread_section([])
    ''
    """
    if not rows:
        return ""
    body = "".join(f"<tr><td>{html.escape(r['strategy'])}</td><td>{html.escape(r['metric'])}</td>"
                   f"<td>{fmt(r['sd_total'])}</td><td>{fmt(r['sd_within_market'])}</td>"
                   f"<td>{r['market_share']:.0%}</td><td>{1 - r['market_share']:.0%}</td></tr>" for r in rows
                   if r["market_share"] == r["market_share"])
    return ("<h2>Where the spread comes from</h2><p>Each replicate drew its own market (people, peer graph, "
            f"creators, audiences). Re-running the campaign {rows[0]['k']} times on one market measures the "
            "spread of campaign luck alone (outreach answers, who sees, engages, buys, shares); the rest of the "
            "spread over replicates is the market's.</p><table><tr><th>strategy</th><th>metric</th>"
            "<th>sd over markets</th><th>sd within one market</th><th>share from the market</th>"
            f"<th>share from the campaign</th></tr>{body}</table>")


CSS = """body{font-family:system-ui,sans-serif;max-width:1200px;margin:auto;padding:1em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;text-align:right}
th{background:#f4f4f4}small{color:#666}ul.verdicts li{font-size:1.1em;margin:.3em 0}
ul.warnings li{color:#8a4b00}"""


def write_report(path: Path, sc: dict, results, rows: list[dict], extra_sections: list[str] | None = None) -> None:
    """Write the self-contained HTML report (plotly.js embedded once, works offline)."""
    diff_fig = paired_difference_figure(sc, results)
    figs = [
        *([diff_fig] if diff_fig is not None else []),
        time_series_figure(results, "engagements", "Cumulative engagements (95% CI of the mean)"),
        time_series_figure(results, "conversions", "Cumulative conversions (95% CI of the mean)"),
        funnel_figure(results),
        metric_bars(results, [("roi", "ROI (on gross profit)"), ("roas", "ROAS (revenue / spend)"),
                              ("cost_per_engagement", "cost per engagement ($)"),
                              ("cost_per_acquisition", "cost per acquisition ($)")],
                    "Return and unit costs (95% interval of the mean)"),
        tier_engagement_figure(results),
        cascade_figure(results),
    ]
    divs = [pio.to_html(f, full_html=False, include_plotlyjs=(k == 0)) for k, f in enumerate(figs)]
    n = max((len(compare.runs_of(results, s)) for s in strategies_of(results)), default=0)
    market = ("each replicate draws its own market (people, peer graph, creators, audiences), so the intervals "
              "include which market" if getattr(sc.run, "market", "fixed") == "per_replicate" else
              "one market for all replicates: the intervals cover campaign luck only")
    title = html.escape(sc.name)
    page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>influsim: {title}</title>
<style>{CSS}</style></head><body>
<h1>Campaign report: {title}</h1><p>{html.escape(sc.description)}</p>
<p>{sc.population.size:,} simulated people, each standing for {sc.population.represents} real people;
{sc.campaign.days} days; {n} replicates per strategy; seed {sc.run.seed}; {market}.
Intervals are 95% intervals of the mean over replicates (expanded percentile bootstrap, at least as wide as the
Student-t interval below 10 replicates; never below zero for counts and money spent; none with a single
replicate); time series bands are Student-t intervals.</p>
{decision_section(sc, results)}
{divs[0] if diff_fig is not None else ''}
{paired_difference_table(sc, results)}
<h2>Summary</h2>{summary_table(rows)}
{''.join(divs[1:] if diff_fig is not None else divs)}
{''.join(extra_sections or [])}
<h2>Rosters</h2>{roster_table(results)}
</body></html>"""
    Path(path).write_text(page, encoding="utf-8")
