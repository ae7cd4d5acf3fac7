"""The HTML report of a run: Plotly figures with Monte Carlo intervals, in one offline page.

Every number is written by :mod:`sim.format` (``$13,047``, ``461,474``, ``0.35%``),
every axis has a title with its unit, every difference chart marks the differences whose
95% interval spans zero as not resolved (grey, hatched), and the tables fit a 1280 px page
(long ones wrap; rosters show the hired creators with every offer behind "show all offers").
:func:`report_figures` gives the charts, in the report's order, to the app as well.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio

from sim import format as fm
from sim.reports.platforms import platform_table
from sim.studies import caveats
from sim.studies import compare

from sim.reports.figures import (  # noqa: F401  (the report's figures; names kept importable here)
    COLORS,
    UNRESOLVED,
    HATCH,
    _color,
    strategies_of,
    _name,
    _plural,
    _err,
    time_series_figure,
    FUNNEL_STAGES,
    funnel_rows,
    funnel_figure,
    wrap_label,
    _panels,
    fit_titles,
    metric_bars,
    tier_engagement_figure,
    cascade_bins,
    cascade_figure,
    paired_difference_figure,
    platform_figure,
    report_figures,
    _result_figures,
)

if TYPE_CHECKING:
    from sim.scenario.models import Scenario

SUMMARY_METRICS = ("roi", "roi_ex_staff", "roas", "spend", "staff_cost", "unspent", "hired", "revenue",
                   "gross_profit", "impressions", "reach", "engagements", "engagement_rate", "conversions",
                   "conversion_rate", "cost_per_engagement", "cost_per_acquisition")
METRIC_LABELS = {m: fm.title(m) for m in SUMMARY_METRICS}


def summary_table(rows: list[dict], metrics=SUMMARY_METRICS) -> str:
    """Mean [95% interval] per strategy and metric, money in $ and rates and ROI in %.

    Examples
    --------
    >>> rows = [{"strategy": "macro", "metric": "spend", "mean": 13047.0, "ci_low": 12000.0, "ci_high": 14000.0,
    ...          "n": 5}, {"strategy": "macro", "metric": "roi", "mean": -0.342, "ci_low": -0.91, "ci_high": 0.23,
    ...          "n": 5}]
    >>> page = summary_table(rows)
    >>> "$13,047" in page and "-34%" in page and "[-91%, +23%]" in page
    True
    """
    names = list(dict.fromkeys(r["strategy"] for r in rows))
    idx = {(r["strategy"], r["metric"]): r for r in rows}
    head = "".join(f"<th>{_name(n)}</th>" for n in names)
    body = []
    for m in metrics:
        if not any((n, m) in idx for n in names):
            continue
        cells = "".join(f"<td>{_cell(m, idx[(n, m)])}</td>" if (n, m) in idx else "<td></td>" for n in names)
        body.append(f"<tr><th>{html.escape(METRIC_LABELS.get(m, fm.title(m)))}</th>{cells}</tr>")
    return f"<table class=\"summary\"><tr><th>metric (unit)</th>{head}</tr>{''.join(body)}</table>"


def _cell(metric: str, row: dict) -> str:
    iv = compare.Interval(row["mean"], row["ci_low"], row["ci_high"], row["n"])
    lo_hi = (f"[{fm.value(metric, iv.low)}, {fm.value(metric, iv.high)}]" if iv.has_interval
             else "[no interval]")
    return f"{fm.value(metric, iv.mean)}<br><small>{lo_hi}</small>"


STATE_CLASS = {"better": "better", "worse": "worse", "not resolved": "unresolved", "no difference": "unresolved",
               "no interval": "unresolved"}


def _state(state: str) -> str:
    return f"<span class=\"state {STATE_CLASS.get(state, 'unresolved')}\">{html.escape(state)}</span>"


def decision_section(sc, results, heading: int = 2) -> str:
    """The decision, the money and the warnings (HTML): the opening of the report and of the app's results.

    The same words and numbers as the terminal's (:func:`sim.reports.terminal.decision_lines`,
    ``money_lines``, ``warning_lines``), from the same functions of :mod:`sim.studies.compare`
    and :mod:`sim.studies.caveats`; ``heading`` is the level of its headings (the app's
    results sit under its own).

    Examples
    --------
    >>> from types import SimpleNamespace as R
    >>> rs = [R(strategy=s, replicate=i, metrics={"roi": 0.1, "spend": 10.0, "hired": float(s == "a" or i == 0),
    ...         "budget": 100.0}, outreach={"filled": True}) for s in ("a", "b") for i in (0, 1)]
    >>> page = decision_section(R(run=R(market="fixed")), rs)
    >>> "no verdict with 1 replicate" in page and "hires nobody" in page and "$10.00" in page
    True
    >>> decision_section(R(run=R(market="fixed")), rs, heading=3).startswith("<h3>Decision</h3>")
    True
    """
    h = f"h{heading}"
    names = strategies_of(results)
    base = compare.baseline_of(results, compare.scenario_baseline(sc))
    if len(names) > 1:
        word = compare.unit_word(sc)
        lines = []
        for s in names:
            if s == base:
                continue
            c = compare.compare_pair(results, s, base, "roi")
            spend = tuple(compare.strategy_interval(results, x, "spend").mean for x in (s, base))
            lines.append(f"<li>{html.escape(compare.verdict_line(c, spend, word))} {_state(c.state)}</li>")  # type: ignore[arg-type]  # two strategies: two spends
        decision = (f"<{h}>Decision</{h}><p>ROI on gross profit, each strategy against {html.escape(base)}: mean "
                    "paired difference over replicates in percentage points (pp; strategies of a replicate share "
                    "its market and luck), 95% interval, and the share of replicates it wins.</p>"
                    f"<ul class=\"verdicts\">{''.join(lines)}</ul>")
    else:
        decision = f"<{h}>Decision</{h}><p>One strategy: nothing to compare.</p>"
    money = []
    for r in compare.spend_table(results):
        n = r["replicates"]
        money.append(f"<tr><th class=\"l\">{_name(r['strategy'])}</th><td>{fm.money(r['budget'])}</td>"
                     f"<td>{fm.money(r['spend'])}</td><td>{fm.money(r['unspent'])}</td>"
                     f"<td>{fm.money(r['staff_cost'])}</td><td>{fm.number(r['hired'])}</td>"
                     f"<td>{r['no_hire_replicates']} of {n}</td><td>{r['ran_out_replicates']} of {n}</td></tr>")
    money_table = (f"<{h}>Money</{h}><p>Means over replicates, in US dollars. Spend includes staff time (management "
                   "and offers); unspent = budget - spend.</p><div class=\"wide\"><table><tr><th class=\"l\">strategy"
                   "</th><th>budget ($)</th><th>spend ($)</th><th>unspent ($)</th><th>staff cost ($)</th>"
                   "<th>creators hired</th><th>replicates: nobody hired</th><th>replicates: candidates ran out</th></tr>"
                   f"{''.join(money)}</table></div>")
    found = caveats.warnings_for(results, base)
    warn = (f"<{h}>Warnings</{h}><ul class=\"warnings\">" + "".join(f"<li>{html.escape(w)}</li>" for w in found)
            + "</ul>") if found else f"<{h}>Warnings</{h}><p>None.</p>"
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
            won = f"; wins {fm.percent(c.win_share)} of {c.n}" if c.n else ""
            cells.append(f"<td>{fm.interval(m, c.diff.mean, c.diff.low, c.diff.high, diff=True)}<br><small>"
                         f"{_state(c.state)}{won}</small></td>")
        body.append(f"<tr><th>{html.escape(fm.title(m, diff=True))}</th>{''.join(cells)}</tr>")
    head = "".join(f"<th>{_name(s)} - {_name(base)}</th>" for s in others)
    return (f"<h2>Paired differences against {html.escape(base)}</h2><p>Mean of the per-replicate differences, "
            "95% interval (expanded percentile bootstrap), and the share of replicates in which the strategy "
            "does better (lower is better for spend and cost per buyer). ROI differences are in percentage "
            "points (pp). <i>Not resolved</i>: the interval spans zero.</p>"
            f"<table><tr><th>metric (unit)</th>{head}</tr>{''.join(body)}</table>")


ROSTER_HEAD = ("<tr><th>id</th><th>tier</th><th>followers</th><th>niche</th><th>brand fit (0-1)</th>"
               "<th>fee offered ($)</th><th>offers / month</th><th>chance to accept</th><th>round</th>"
               "<th>answer</th><th>cost incl. staff ($)</th><th>buyers</th></tr>")


def _roster_head(columns: tuple[bool, bool]) -> str:
    """The roster's header, with a handle column and a platform column where ``columns`` says so."""
    handle, plat = columns
    extra = ("<th>handle</th>" if handle else "") + ("<th style=\"text-align:left\">platform</th>" if plat else "")
    return ROSTER_HEAD.replace("<th>id</th>", "<th>id</th>" + extra)


def _account_columns(rows) -> tuple[bool, bool]:
    """Whether a roster shows handles (some account has one) and platforms (they are on several)."""
    return any(x.get("handle") for x in rows), len({x.get("platform", "instagram") for x in rows}) > 1


def _account_cells(x: dict, h: dict | None, columns: tuple[bool, bool]) -> str:
    """Handle and platform cells; a shortlisted account's engagement rate not given is marked estimated."""
    src = h or x
    out = ""
    if columns[0]:
        handle = html.escape(str(src.get("handle") or ""))
        if handle and src.get("engagement_estimated"):
            handle += "<br><small>engagement estimated</small>"
        out += f"<td class=\"text\">{handle}</td>"
    if columns[1]:
        out += f"<td class=\"text\"><span class=\"nw\">{html.escape(str(src.get('platform', '')))}</span></td>"
    return out


def roster_heading(strategy: str, hired: int, offered: int, followers: int) -> str:
    """The heading of a roster.

    Examples
    --------
    >>> roster_heading("macro", 1, 110, 918546)
    'macro: 1 account hired of 110 offered, 918,546 followers'
    >>> roster_heading("micro", 30, 89, 1590134)
    'micro: 30 accounts hired of 89 offered, 1,590,134 followers'
    """
    return f"{strategy}: {_plural(hired, 'account')} hired of {offered:,} offered, {followers:,} followers"


def _roster_row(x: dict, h: dict | None, columns: tuple[bool, bool] = (False, False)) -> str:
    fee = fm.money(x["fee"]) if not x.get("cpm") else f"{fm.money(x['cpm'])} per 1,000 views"
    if (h or x).get("fee_estimated"):
        fee += "<br><small>estimated</small>"
    outcome = "accepted" if x["accepted"] else "refused"
    p = x.get("p_accept", float("nan"))
    chance = fm.percent(p) if np.isfinite(p) else ""
    cls = ' class="hired"' if x["accepted"] else ""
    return (f"<tr{cls}><td>{x['influencer']}</td>{_account_cells(x, h, columns)}"
            f"<td>{html.escape(str(x['tier']))}</td><td>{fm.number(x['followers'])}</td>"
            f"<td>{html.escape(str(x['niche']))}</td><td>{fm.number(x['fit'], 2)}</td><td>{fee}</td>"
            f"<td>{html.escape(str(x.get('offers_per_month', '')))}</td><td>{chance}</td>"
            f"<td>{html.escape(str(x.get('round', '')))}</td><td>{outcome}</td>"
            f"<td>{fm.money(h['cost']) if h else ''}</td><td>{fm.number(h['conversions']) if h else ''}</td></tr>")


def roster_table(results, max_rows: int = 200) -> str:
    """Each strategy's roster (first replicate): the creators hired, with tier, followers, brand fit, fee,
    chance and round of the offer, cost and buyers; every offer sent behind "show all offers".

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> row = {"influencer": 3, "phase": "big", "round": 1, "tier": "macro", "followers": 600000,
    ...        "niche": "food", "fit": 0.2, "fee": 9000.0, "cpm": 0.0, "offers_per_month": 8,
    ...        "p_accept": 0.3, "accepted": True}
    >>> no = {**row, "influencer": 4, "accepted": False}
    >>> run = SimpleNamespace(strategy="macro", influencers=[], outreach={"candidates": [row, no]})
    >>> page = roster_table([run])
    >>> "1 account hired of 2 offered" in page and "600,000" in page and "$9,000" in page and "30%" in page
    True
    >>> page.index("show all 2 offers") > page.index("accepted")
    True
    """
    parts = []
    for s in strategies_of(results):
        run = next(r for r in results if r.strategy == s)
        hired = {x["influencer"]: x for x in run.influencers}
        cands = (getattr(run, "outreach", None) or {}).get("candidates") or [
            {**x, "phase": "", "round": "", "tier": x["tier"], "followers": x["followers"],
             "niche": x["niche"], "fit": x["fit"], "fee": x["cost"], "cpm": 0.0, "offers_per_month": "",
             "p_accept": float("nan"), "accepted": True} for x in run.influencers]
        accepted = [x for x in cands if x["accepted"]]
        followers = sum(int(x["followers"]) for x in accepted)
        columns = _account_columns([*cands, *run.influencers])
        head = _roster_head(columns)
        top = "".join(_roster_row(x, hired.get(x["influencer"]), columns) for x in accepted[:max_rows])
        more = (f"<p>... and {len(accepted) - max_rows:,} more accounts</p>" if len(accepted) > max_rows else "")
        hired_table = (f"<table class=\"roster\">{head}{top}</table>{more}" if accepted
                       else "<p>Nobody accepted an offer.</p>")
        every = "".join(_roster_row(x, hired.get(x["influencer"]), columns) for x in cands[:max_rows])
        rest = (f"<p>... and {len(cands) - max_rows:,} more offers</p>" if len(cands) > max_rows else "")
        parts.append(
            f"<h3>{html.escape(roster_heading(s, len(accepted), len(cands), followers))}</h3>{hired_table}"
            f"<details><summary>show all {len(cands):,} offers (accepted and refused, in the order sent)"
            f"</summary><table class=\"roster\">{head}{every}</table>{rest}</details>")
    return ("<p>The creators each strategy hired in replicate 1 (cost and buyers of that replicate); every offer "
            "it sent is behind <i>show all offers</i>.</p>" + "".join(parts)) if parts else ""


OUTREACH_ROWS = (
    ("kind", "kind"), ("selection", "selection"), ("pay", "pay"), ("connect first", "connect_first"),
    ("offers sent", "offers"), ("accepted", "accepted"), ("acceptance rate", "acceptance_rate"),
    ("rounds", "rounds"), ("days", "days"), ("fees ($)", "fees"), ("staff time: offers ($)", "outreach_staff_cost"),
    ("staff time: all ($)", "management_cost"), ("expected cost ($)", "expected_cost"), ("budget ($)", "budget"),
    ("followers hired (target)", "followers"), ("note", "note"))


def _outreach_cell(o: dict, key: str) -> str:
    v = o.get(key)
    if key == "pay":
        pay = o.get("payment", "")
        return html.escape(pay if o.get("partnership") in ("paid_post", None) else f"{pay}, {o['partnership']}")
    if key == "connect_first":
        return "yes" if v else "no"
    if key == "acceptance_rate":
        return fm.percent(v)
    if key in ("fees", "outreach_staff_cost", "management_cost", "expected_cost"):
        return fm.money(v)
    if key == "budget":
        return fm.money(v) if v else "none"
    if key == "followers":
        t = o.get("target_followers")
        return fm.number(v) + (f" ({fm.number(t)})" if t else "")
    if key in ("offers", "accepted", "rounds", "days"):
        return fm.number(v)
    return html.escape(str(v if v is not None else ""))


def outreach_section(results) -> str:
    """The outreach funnel of each strategy (one column per strategy) and, for optimised rosters, what the
    optimiser chose and why (HTML).

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> o = {"kind": "macro", "selection": "brand_fit", "payment": "per_post", "partnership": "paid_post",
    ...      "connect_first": False, "offers": 4, "accepted": 1, "acceptance_rate": 0.25, "rounds": 4,
    ...      "days": 12.0, "outreach_staff_cost": 50.0, "management_cost": 350.0, "fees": 9000.0,
    ...      "expected_cost": 9350.0, "budget": 50000.0, "followers": 600000, "target_followers": None,
    ...      "filled": True, "optimiser": []}
    >>> page = outreach_section([SimpleNamespace(strategy="macro", outreach=o)])
    >>> "<td>12</td>" in page and "$9,350" in page and "25%" in page and "600,000" in page
    True
    """
    cols, extra = [], []
    for s in strategies_of(results):
        run = next(r for r in results if r.strategy == s)
        o = getattr(run, "outreach", None) or {}
        if not o:
            continue
        cols.append((s, o))
        for rep in o.get("optimiser") or []:
            obj = rep["objective"]
            plans = "".join(f"<tr><td>{html.escape(p['plan'])}{' (chosen)' if p['plan'] == rep['chosen'] else ''}"
                            f"</td><td>{fm.number(p['accounts'])}</td><td>{fm.money(p['expected_cost'])}</td>"
                            f"<td>{fm.value(obj, p['value'])}</td></tr>" for p in rep["plans"])
            steps = "".join(f"<tr><td>{x['step']}</td><td>{x['influencer']}</td><td>{html.escape(str(x['tier']))}</td>"
                            f"<td>{fm.number(x['followers'])}</td><td>{fm.money(x['cost'])}</td>"
                            f"<td>{fm.value(obj, x['pilot'])}</td><td>{fm.percent(x['fresh_share'])}</td>"
                            f"<td>{fm.value(obj, x['marginal_gain'])}</td><td>{fm.number(x['gain_per_dollar'])}</td>"
                            "</tr>" for x in rep["steps"][:60])
            extra.append(
                f"<h3>Optimiser of {html.escape(s)} ({html.escape(rep['phase'])}): objective "
                f"{html.escape(fm.label(obj))}, {fm.number(rep['candidates'])} candidates piloted</h3>"
                "<p>Plans compared by full simulation on the pilot seeds (mean of the objective):</p>"
                f"<table><tr><th>plan</th><th>accounts</th><th>expected cost ($)</th>"
                f"<th>{html.escape(fm.title(obj))}</th></tr>{plans}</table><p>Greedy steps (marginal gain = pilot "
                "outcome x share of the audience not yet reached):</p><table><tr><th>step</th><th>id</th>"
                "<th>tier</th><th>followers</th><th>cost ($)</th><th>pilot outcome</th><th>fresh audience</th>"
                "<th>marginal gain</th><th>gain per $</th></tr>"
                f"{steps}</table>")
    if not cols:
        return ""
    head = "".join(f"<th>{_name(s)}</th>" for s, _ in cols)
    shown = [(lab, key) for lab, key in OUTREACH_ROWS if key != "note" or any(o.get("note") for _, o in cols)]
    body = "".join(f"<tr><th>{html.escape(lab)}</th>" + "".join(
        f"<td{' class=\"text\"' if key == 'note' else ''}>{_outreach_cell(o, key)}</td>" for _, o in cols)
                   + "</tr>" for lab, key in shown)
    return ("<h2>Outreach</h2><p>Replicate 1 of each strategy. Offers go to the ranked candidates; refusals are "
            "replaced from the ranked list in the next round. Days: rounds x (answer time + connecting first, if "
            "the strategy does). Staff time includes management hours per hired creator and the time of every "
            f"offer sent.</p><table class=\"outreach\"><tr><th>strategy</th>{head}</tr>{body}</table>"
            f"{''.join(extra)}")


def _share_cell(part: dict) -> str:
    """A source's share with its 95% interval, or that it cannot be separated."""
    if not part["separable"]:
        return "<small>cannot be separated with this many re-runs</small>"
    return (f"{fm.percent(part['share'])} <small>[{fm.percent(part['low'])}-{fm.percent(part['high'])}]</small>")


def spread_section(rows: list[dict]) -> str:
    """Where the spread of outcomes comes from: the parameters, the market or the campaign (:mod:`sim.studies.spread`).

    Examples
    --------
    >>> spread_section([])
    ''
    >>> part = lambda s, x: {"source": s, "share": x, "low": 0.0, "high": 0.6, "separable": True}
    >>> page = spread_section([{"strategy": "macro", "metric": "spend", "sd_total": 2480.0, "n": 30, "k": 5,
    ...                         "sources": [part("campaign", 1.0), part("market", 0.0)]}])
    >>> "$2,480" in page and "share from the market" in page and "share from the parameters" not in page
    True
    """
    if not rows:
        return ""
    present = [s for s in ("parameters", "market", "campaign") if any(p["source"] == s for p in rows[0]["sources"])]
    body = "".join(f"<tr><th>{_name(r['strategy'])}</th><td>{html.escape(fm.title(r['metric']))}</td>"
                   f"<td>{fm.spread(r['metric'], r['sd_total'])}</td>"
                   + "".join(f"<td>{_share_cell(p)}</td>" for s in present for p in r["sources"] if p["source"] == s)
                   + "</tr>" for r in rows)
    drew = {"parameters": "its own parameters (from their priors or a posterior)",
            "market": "its own market (people, peer graph, creators, audiences)"}
    what = " and ".join(drew[s] for s in present if s in drew)
    heads = "".join(f"<th>share from the {s}</th>" for s in present)
    return ("<h2>Where the spread comes from</h2><p>Each replicate drew " + what + ". Paired re-runs of "
            f"{rows[0]['k']} replicates split the variance over replicates by the law of total variance: re-running "
            "a replicate's campaign on its own parameters and market gives the campaign's part (outreach answers, "
            "who sees, engages, buys, shares)"
            + ("; re-running its parameters on a new market gives the market's; the rest is the parameters'"
               if "market" in present and "parameters" in present else "; the rest is the "
               + ("market's" if "market" in present else "parameters'"))
            + ". The parts are fitted by maximum likelihood under their nesting, so none is below zero; each "
            "share has a 95% interval, and a share whose interval spans (nearly) all of "
            "0-100% cannot be separated with this many re-runs. Standard deviations are in the metric's unit "
            "(percentage points for ROI).</p><table><tr><th>strategy</th><th>metric (unit)</th>"
            f"<th>sd over replicates</th>{heads}</tr>{body}</table>")


CSS = """body{font-family:system-ui,sans-serif;max-width:1200px;margin:auto;padding:1em;color:#222}
*,*::before,*::after{box-sizing:border-box}
table{border-collapse:collapse;margin:1em 0;max-width:100%}
td,th{border:1px solid #ccc;padding:4px 8px;text-align:right;vertical-align:top;overflow-wrap:break-word}
th{background:#f4f4f4}tr>th:first-child{text-align:left}td.text{text-align:left;overflow-wrap:anywhere}
.nw{white-space:nowrap}small{color:#666}ul.verdicts li{font-size:1.1em;margin:.3em 0}ul.warnings li{color:#8a4b00}
.state{font-size:.85em;padding:0 .4em;border-radius:.6em;white-space:nowrap}
.state.better{background:#dff3e4;color:#1a7f37}.state.worse{background:#fde2e0;color:#b42318}
.state.unresolved{background:repeating-linear-gradient(135deg,#eee,#eee 4px,#ddd 4px,#ddd 8px);color:#555}
tr.hired td{background:#f3f9f3}
details{margin:.3em 0 1.2em}details>summary{cursor:pointer;color:#0b5cad}
.plotly-graph-div{max-width:100%}pre{white-space:pre-wrap;overflow-wrap:anywhere;margin:0}
code{overflow-wrap:anywhere}table.creators{font-size:.8em}td.acct{overflow-wrap:normal;min-width:9em}table.creators td,table.creators th{padding:3px 5px}"""


def _figure_html(figs: list[go.Figure]) -> list[str]:
    """Each figure as a <div>, its title fitted to the page (:func:`~sim.reports.figures.fit_titles`);
    plotly.js is embedded once, in the first (the page works offline)."""
    return [pio.to_html(fit_titles(f), full_html=False, include_plotlyjs=(k == 0), config={"displaylogo": False})
            for k, f in enumerate(figs)]


def write_report(path: Path, sc: Scenario, results, rows: list[dict], extra_sections: list[str] | None = None,
                 creators_html: str = "") -> None:
    """Write the self-contained HTML report (plotly.js embedded once, works offline); ``creators_html``
    (:func:`creators_section`) follows the decision."""
    diff_fig = paired_difference_figure(sc, results)
    figs = [*([diff_fig] if diff_fig is not None else []), *_result_figures(results)]
    by_platform = platform_figure(results)
    divs = _figure_html(figs + ([by_platform] if by_platform is not None else []))
    platform_div = divs.pop() if by_platform is not None else ""
    n = max((len(compare.runs_of(results, s)) for s in strategies_of(results)), default=0)
    market = ("each replicate draws its own market (people, peer graph, creators, audiences), so the intervals "
              "include which market" if getattr(sc.run, "market", "fixed") == "per_replicate" else
              "one market for all replicates: the intervals cover campaign luck only")
    title = html.escape(sc.name)
    page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>influsim: {title}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{CSS}</style></head><body>
<h1>Campaign report: {title}</h1><p>{html.escape(sc.description)}</p>
<p>{sc.population.size:,} simulated people, each standing for {sc.population.represents:,} real people;
{sc.campaign.days} days; {_plural(n, 'replicate')} per strategy; seed {sc.run.seed}; {market}.
Money is in US dollars; counts are real people. Intervals are 95% intervals of the mean over replicates (expanded
percentile bootstrap, at least as wide as the Student-t interval below 10 replicates; never below zero for counts
and money spent; none with a single replicate); time series bands are Student-t intervals.</p>
{decision_section(sc, results)}
{creators_html}
{divs[0] if diff_fig is not None else ''}
{paired_difference_table(sc, results)}
<h2>Summary</h2>{summary_table(rows)}
{''.join(divs[1:] if diff_fig is not None else divs)}
{platform_table(results)}{platform_div}
{''.join(extra_sections or [])}
<h2>Rosters</h2>{roster_table(results)}
</body></html>"""
    from sim.atomic import atomic_write_text  # whole or not at all; a failure names the file

    atomic_write_text(path, page)


# --- which creators (sim.studies.creators) ------------------------------------------------------------------

#: How each creators-table measure is written: measure -> a metric of :mod:`sim.format` with its unit.
CREATOR_UNITS = {"fee": "spend", "cost": "spend", "reach": "reach", "unique_reach": "reach",
                 "engagements": "engagements", "buyers": "conversions", "profit_contribution": "spend",
                 "marginal_profit": "spend"}

CREATOR_COLUMNS = (("fee", "fee offered ($)"), ("p_accept", "chance to accept"), ("cost", "cost incl. staff ($)"),
                   ("reach", "reach (people)"), ("unique_reach", "unique reach (people)"),
                   ("engagements", "engagements"), ("buyers", "buyers"),
                   ("profit_contribution", "profit contribution ($)"), ("marginal_profit", "marginal profit ($)"))


def creator_cell(row: dict, m: str) -> str:
    """A creators-table cell: the mean and, below it, its 95% interval (blank where never measured).

    Examples
    --------
    >>> creator_cell({"buyers_mean": 120.0, "buyers_low": 80.0, "buyers_high": 160.0}, "buyers")
    '120<br><small>[80, 160]</small>'
    >>> creator_cell({"p_accept_mean": 0.63, "p_accept_low": float("nan"), "p_accept_high": float("nan")}, "p_accept")
    '63%'
    """
    mean, low, high = row.get(f"{m}_mean"), row.get(f"{m}_low"), row.get(f"{m}_high")
    if mean is None or not np.isfinite(mean):
        return ""
    if m == "p_accept":
        text, lo_hi = fm.percent(mean), (fm.percent(low), fm.percent(high))
    else:
        metric = CREATOR_UNITS[m]
        signed = m in ("profit_contribution", "marginal_profit")
        text, lo_hi = fm.value(metric, mean, signed), (fm.value(metric, low, signed), fm.value(metric, high, signed))
    if np.isfinite(low) and np.isfinite(high) and low != high:  # type: ignore[arg-type]  # a row with a mean has its bounds
        return f"{text}<br><small>[{lo_hi[0]}, {lo_hi[1]}]</small>"
    return text


def creators_section(sc, rows: list[dict], marginal_top=None, max_rows: int = 15) -> str:
    """Which creators, across replicates (:mod:`sim.studies.creators`): one table per strategy, sorted by
    marginal profit per dollar; the first ``max_rows`` shown, the rest behind "show all"."""
    if not rows:
        return ""
    from sim.studies.creators import fee_terms

    parts = []
    for s in list(dict.fromkeys(r["strategy"] for r in rows)):
        mine = [r for r in rows if r["strategy"] == s]
        head = ("<tr><th>account</th><th style=\"text-align:left\">platform, tier, niche</th><th>followers</th>"
                "<th>brand fit</th><th>hired in</th>"
                + "".join(f"<th>{html.escape(t)}</th>" for _, t in CREATOR_COLUMNS)
                + "<th>marginal profit per $</th></tr>")

        def line(r):
            name = html.escape(r["handle"] or r["account"]).replace("_", "_<wbr>")
            src = r["fee_source"]
            fee = creator_cell(r, "fee") + (f"<br><small>{html.escape(src)}</small>" if src else "")
            per = r["marginal_per_dollar"]
            cells = "".join(f"<td>{fee if m == 'fee' else creator_cell(r, m)}</td>" for m, _ in CREATOR_COLUMNS)
            cls = ' class="hired"' if r["replicates_hired"] else ""
            fit = fm.number(r["fit"], 2) if np.isfinite(r["fit"]) else ""
            marg_n = (f"<br><small>{r['marginal_n']} of {r['replicates_hired']}</small>"
                      if r["replicates_hired"] and r["marginal_n"] != r["replicates_hired"] else "")
            return (f"<tr{cls}><td class=\"text acct\">{name}</td><td class=\"text\">{html.escape(r['platform'])}, "
                    f"{html.escape(r['tier'])}, {html.escape(r['niche'])}</td><td>{fm.number(r['followers'])}</td>"
                    f"<td>{fit}</td><td>{r['replicates_hired']} of {r['replicates']}</td>{cells}"
                    f"<td>{fm.number(per, 3, signed=True) if np.isfinite(per) else ''}{marg_n}</td></tr>")

        top = "".join(line(r) for r in mine[:max_rows])
        rest = ("" if len(mine) <= max_rows else
                f"<details><summary>show all {len(mine):,} accounts</summary><table class=\"creators\">{head}"
                + "".join(line(r) for r in mine[max_rows:]) + "</table></details>")
        parts.append(f"<h3>{html.escape(s)}: {len(mine):,} accounts; the fee buys "
                     f"{html.escape(fee_terms(sc, s))}</h3><table class=\"creators\">{head}{top}</table>{rest}")
    k = ("every hired account" if marginal_top is None else
         f"the {marginal_top} accounts with the largest profit contribution in each replicate's roster")
    shortlist = bool(getattr(getattr(sc, "influencers", None), "shortlist", None))
    who = ("every shortlisted account, hired or not, and every other account any replicate hired" if shortlist
           else "every account any replicate hired")
    per_rep = (" With a new market per replicate, a generated account (no handle) is one replicate's account "
               "(<i>r3 #1234</i>)." if getattr(sc.run, "market", "fixed") == "per_replicate" else "")
    return ("<h2>Which creators</h2><p>Per strategy, " + who + ", sorted by marginal profit per dollar (the "
            "campaign's profit with the account minus without it, on the same seeds, over the account's mean cost). "
            "Means over the replicates where the strategy hired the account, 95% interval below; the fee and the "
            "chance to accept over every replicate. Reach: people the account's posts, or the shares they started, "
            "exposed; unique reach: those no other account of the roster exposed. Profit contribution: margin x "
            "price x the buyers credited to the account minus its cost. Marginal profit is measured for " + k
            + " (<i>n of m</i> under the ratio where not in every replicate); without the account means it posts "
            "nothing and is paid nothing, the rest of the replicate unchanged." + per_rep + " An estimated fee (the fee "
            "curve's, for a generated account or a shortlisted one without a fee) is drawn per market around the "
            "curve (parameters.fee_scatter), so its intervals include that spread; a fee from the CSV is as given.</p>"
            + "".join(parts))


# --- how much to spend (sim.studies.frontier) ----------------------------------------------------------------


def frontier_section(rows: list[dict], figure_html: str = "") -> str:
    """How much to spend: profit, ROI and buyers against budget per strategy, the best budget and where returns
    fall (HTML; ``figure_html`` the frontier figure's div)."""
    from sim.studies.frontier import ABSORB, OVERLAP_DROP, SATURATION, best_budgets

    if not rows:
        return ""
    best = best_budgets(rows)
    parts = []
    for s in list(dict.fromkeys(r["strategy"] for r in rows)):
        body = []
        for r in (x for x in rows if x["strategy"] == s):
            step = r["step_profit_per_dollar_mean"]
            step_cell = (f"{fm.number(step, 3, signed=True)}<br><small>[{fm.number(r['step_profit_per_dollar_low'], 3, True)}"
                         f", {fm.number(r['step_profit_per_dollar_high'], 3, True)}]</small>" if np.isfinite(step) else "")
            cls = ' class="hired"' if best.get(s) is r else ""
            if not np.isfinite(r["profit_mean"]):  # not run at this budget (cannot be staffed)
                body.append(f"<tr><th>{fm.money(r['budget'])}</th><td colspan=\"6\"></td>"
                            f"<td class=\"text\">{html.escape(r['returns'])}</td></tr>")
                continue
            body.append(
                f"<tr{cls}><th>{fm.money(r['budget'])}</th><td>{fm.money(r['spend_mean'])}<br><small>"
                f"{fm.percent(r['absorbed'])} of the budget</small></td>"
                f"<td>{fm.money(r['profit_mean'], True)}<br><small>[{fm.money(r['profit_low'], True)}, "
                f"{fm.money(r['profit_high'], True)}]</small></td>"
                f"<td>{fm.interval('roi', r['roi_mean'], r['roi_low'], r['roi_high']).replace(' [', '<br><small>[')}"
                f"</small></td><td>{fm.interval('conversions', r['conversions_mean'], r['conversions_low'], r['conversions_high']).replace(' [', '<br><small>[')}"
                f"</small></td><td>{fm.number(r['hired_mean'])}</td><td>{step_cell}</td>"
                f"<td class=\"text\">{html.escape(r['returns'])}</td></tr>")
        b = best.get(s)
        lead = (f"<p>Highest expected profit at a budget of <b>{fm.money(b['budget'])}</b>: "
                f"{fm.money(b['profit_mean'], True)} [{fm.money(b['profit_low'], True)}, "
                f"{fm.money(b['profit_high'], True)}].</p>" if b else "")
        parts.append(f"<h3>{html.escape(s)}</h3>{lead}<table><tr><th>budget</th><th>spend ($)</th>"
                     "<th>profit ($)</th><th>ROI</th><th>buyers</th><th>hired</th>"
                     "<th>extra profit per extra $ (paired)</th><th style=\"text-align:left\">where returns fall</th></tr>"
                     f"{''.join(body)}</table>")
    return ("<h2>How much to spend</h2><p>Each budget is one condition run on the same replicate seeds (markets, "
            "parameters and luck), so the step from one budget to the next is a paired difference: extra profit "
            "per extra dollar spent, with its 95% interval. Profit = gross profit (margin x revenue) - spend. "
            f"Where returns fall: <i>pool runs out</i> (outreach ran out of candidates), <i>budget not used</i> "
            f"(spends under {ABSORB:.0%} of the budget: the plan takes no more), <i>saturation</i> (under {SATURATION:.0%} of the previous step's buyers per extra "
            f"dollar), <i>overlap</i> (reach per follower hired falls by more than {OVERLAP_DROP:.0%}). The row of "
            "the highest expected profit is shaded.</p>" + figure_html + "".join(parts))


def write_frontier_report(path: Path, sc, rows: list[dict]) -> None:
    """Write ``frontier.html``: the frontier section and figure, in one offline page."""
    from sim.reports.figures import frontier_figure
    from sim.atomic import atomic_write_text

    div = _figure_html([frontier_figure(rows)])[0]
    title = html.escape(sc.name)
    page = (f"<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>influsim frontier: {title}</title>"
            f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><style>{CSS}</style></head>"
            f"<body><h1>How much to spend: {title}</h1><p>{html.escape(sc.description)}</p><p>"
            f"{sc.population.size:,} simulated people, each standing for {sc.population.represents:,} real people; "
            f"{sc.campaign.days} days; {sc.run.replicates:,} replicates per strategy and budget; seed {sc.run.seed}. "
            "Money is in US dollars; counts are real people.</p>"
            f"{frontier_section(rows, div)}</body></html>")
    atomic_write_text(path, page)
