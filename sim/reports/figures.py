"""The run report's figures (Plotly): series with intervals, funnel, returns, tiers, cascades, paired differences.

Every money axis in $, rates in %, plain number formats (:mod:`sim.format`).

Colour has two jobs that never share a hue: a strategy's colour (:data:`COLORS`, no red and no
green) only tells strategies apart; a difference to the baseline is green when it is better
(:data:`BETTER`), red when it is worse (:data:`WORSE`), and grey and hatched when its interval
spans zero ("not resolved", :data:`UNRESOLVED`), with the verdict written next to it.

Examples
--------
>>> _color(0)
'rgba(31,119,180,1.0)'
"""

from __future__ import annotations

import html
import itertools
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import plotly.graph_objects as go

from sim import format as fm
from sim.metrics import LOWER_IS_BETTER, NON_NEGATIVE
from sim.reports import platforms
from sim.studies import compare
from sim.studies.results import mean_ci, series_band

#: Strategy colours: blue, orange, purple, pink, cyan, navy, gold, plum; no red and no green, which say
#: worse and better.
COLORS = ["#1f77b4", "#ff7f0e", "#9467bd", "#e377c2", "#17becf", "#393b79", "#b8860b", "#7b4173"]
#: A difference to the baseline that is better (its interval on the better side of zero).
BETTER = "#1a7f37"
#: A difference to the baseline that is worse.
WORSE = "#b42318"
#: Bars and cells whose interval spans zero (not resolved).
UNRESOLVED = "rgba(160,160,160,0.85)"
#: Hatching of unresolved bars. The background is given (the bars' own grey): left out, plotly.js would
#: take it from ``marker.color`` and, when that is a list, log "Invalid color specifier" for every trace.
HATCH = {"shape": "/", "fgcolor": "rgba(90,90,90,0.9)", "bgcolor": UNRESOLVED, "fillmode": "overlay", "size": 8,
         "solidity": 0.25}
#: Diverging scale of difference heatmaps: worse (red), tie (near white), better (green).
DIVERGING: list[list[Any]] = [[0.0, WORSE], [0.5, "#f7f7f7"], [1.0, BETTER]]  # [position 0 to 1, colour]


def state_color(state: str) -> str:
    """The colour of a difference's verdict: green better, red worse, grey otherwise.

    Examples
    --------
    >>> state_color("better") == BETTER, state_color("worse") == WORSE, state_color("not resolved") == UNRESOLVED
    (True, True, True)
    """
    return {"better": BETTER, "worse": WORSE}.get(state, UNRESOLVED)


def _color(i: int, alpha: float = 1.0) -> str:
    h = COLORS[i % len(COLORS)].lstrip("#")
    r, g, b = (int(h[k:k + 2], 16) for k in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def strategies_of(results) -> list[str]:
    return list(dict.fromkeys(r.strategy for r in results))


def _name(s: str) -> str:
    """A strategy name for a table cell: escaped; kept on one line when short, else with break
    opportunities after underscores (a long name wraps instead of widening its table).

    >>> _name("macro"), _name("a_very_long_strategy_name_that_wraps")
    ('<span class="nw">macro</span>', 'a_<wbr>very_<wbr>long_<wbr>strategy_<wbr>name_<wbr>that_<wbr>wraps')
    """
    if len(s) <= 24:
        return f'<span class="nw">{html.escape(s)}</span>'
    return html.escape(s).replace("_", "_<wbr>")


def _plural(n: int, word: str, plural: str | None = None) -> str:
    """
    >>> _plural(1, "account"), _plural(110, "account"), _plural(2, "replicate")
    ('1 account', '110 accounts', '2 replicates')
    """
    return f"{n:,} {word if n == 1 else (plural or word + 's')}"


def _err(stats) -> dict:
    """Asymmetric error bars from (mean, low, high) triples; none where there is no interval."""
    up = [x[2] - x[0] if np.isfinite(x[2]) else 0.0 for x in stats]
    down = [x[0] - x[1] if np.isfinite(x[1]) else 0.0 for x in stats]
    return {"type": "data", "symmetric": False, "array": up, "arrayminus": down}


# --- figures -----------------------------------------------------------------------------------

def time_series_figure(results, name: str, title: str) -> go.Figure:
    """Cumulative ``name`` over the campaign per strategy, with 95% interval bands."""
    fig = go.Figure()
    for i, s in enumerate(strategies_of(results)):
        hours, m, lo, hi = series_band(results, s, name)
        if name in NON_NEGATIVE:  # a cumulative count: its band does not go below zero
            lo = np.maximum(lo, 0.0)
        days = np.asarray(hours) / 24.0
        fig.add_trace(go.Scatter(x=np.concatenate([days, days[::-1]]), y=np.concatenate([hi, lo[::-1]]),
                                 fill="toself", fillcolor=_color(i, 0.2), line={"width": 0}, hoverinfo="skip",
                                 showlegend=False, name=f"{s} 95% CI"))
        fig.add_trace(go.Scatter(x=days, y=m, name=s, line={"color": _color(i)}))
    fig.update_layout(title=title, legend_title_text="strategy")
    fig.update_xaxes(title_text="day of campaign", tickformat=",~r", hoverformat=".1f")
    fig.update_yaxes(**fm.axis(name))
    return fig


FUNNEL_STAGES = (("impressions", "impressions (views)"), ("reach", "people reached"),
                 ("engaged_people", "people engaged"), ("conversions", "buyers"))


def funnel_rows(results) -> dict[str, list[tuple[str, float, str]]]:
    """Per strategy, the funnel's stages: (stage, mean count, label drawn next to the bar).

    The first stage's label is its count; the others add their share of the stage before,
    with enough digits that a small share never reads "0%".

    Examples
    --------
    >>> from types import SimpleNamespace as R
    >>> m = {"impressions": 857885.0, "reach": 496750.0, "engaged_people": 58350.0, "conversions": 205.0}
    >>> [lab for _, _, lab in funnel_rows([R(strategy="micro", metrics=m)])["micro"]]
    ['857,885', '496,750 (58% of impressions)', '58,350 (12% of people reached)', '205 (0.35% of people engaged)']
    """
    out = {}
    for s in strategies_of(results):
        runs = [r for r in results if r.strategy == s]
        vals = [mean_ci([r.metrics.get(k, np.nan) for r in runs])[0] for k, _ in FUNNEL_STAGES]
        rows = []
        for k, (key, stage) in enumerate(FUNNEL_STAGES):
            text = fm.number(vals[k])
            if k:
                prev = vals[k - 1]
                share = vals[k] / prev if prev and np.isfinite(prev) and prev > 0 else np.nan
                text += f" ({fm.percent(share)} of {FUNNEL_STAGES[k - 1][1].split(' (')[0]})"
            rows.append((stage, vals[k], text))
        out[s] = rows
    return out


def funnel_figure(results) -> go.Figure:
    """Mean funnel per strategy, one bar per stage and strategy on a log scale, labelled with the count
    and the share of the stage before (labels outside the bars: they never overlap)."""
    rows = funnel_rows(results)
    names = list(rows)
    stages = [lab for _, lab in FUNNEL_STAGES]
    vals = [v for rs in rows.values() for _, v, _ in rs if np.isfinite(v) and v > 0]
    lo, hi = (min(vals), max(vals)) if vals else (1.0, 10.0)
    # from just below the smallest count; room on the right for the longest label, next to the longest bar
    rng = [np.floor(np.log10(max(lo, 1e-9))) - 0.05, np.log10(hi) + 1.3]
    start = 10 ** rng[0]  # bars start at the axis' left edge (a log axis has no zero)
    fig = go.Figure()
    for i, s in enumerate(names):
        x = [max(v - start, 0.0) if np.isfinite(v) else None for _, v, _ in rows[s]]  # 0: a label, no bar
        fig.add_trace(go.Bar(name=s, y=stages, x=x, base=start, orientation="h", marker_color=_color(i),
                             text=[t for _, _, t in rows[s]], textposition="outside", cliponaxis=False,
                             textfont={"size": 12}, hovertemplate="%{y}: %{text}<extra>" + html.escape(s)
                             + "</extra>"))
    fig.update_layout(title="Funnel per strategy (means over replicates): count and share of the stage before",
                      barmode="group", bargap=0.25, bargroupgap=0.05, legend_title_text="strategy",
                      height=160 + 4 * max(1, len(names)) * 34, margin={"r": 20})
    fig.update_xaxes(type="log", range=rng, dtick=1, tickformat=",~r",
                     title_text="people or views at each stage (log scale)")
    fig.update_yaxes(autorange="reversed", title_text="stage")
    return fig


def wrap_label(name: str, width: int = 22) -> str:
    """A strategy name for a chart label: the same name, broken into lines after ``_``, ``-`` or spaces.

    Examples
    --------
    >>> wrap_label("micro_equal_budget"), wrap_label("long_strategy_name_that_must_wrap_in_tables")
    ('micro_equal_budget', 'long_strategy_name_<br>that_must_wrap_in_<br>tables')
    """
    lines, cur = [], ""
    for part in re.split(r"(?<=[_\- ])", name):
        if cur and len(cur) + len(part) > width:
            lines.append(cur)
            cur = part
        else:
            cur += part
    lines.append(cur)
    return "<br>".join(lines)


#: px: the narrowest a figure is drawn, the app's results column at a 1280 px window (the report's is wider):
#: titles are broken into lines and panels spaced so that nothing is cut or overlaps at this width.
NARROWEST = 800
#: px: about the width of a character of a figure title (17 px), a panel title (16 px) and a tick label (12 px).
TITLE_CHAR_PX, PANEL_TITLE_CHAR_PX, TICK_CHAR_PX = 9.0, 7.8, 7.0
#: px: the height of a line of a panel title.
PANEL_TITLE_LINE_PX = 21


def wrap_text(text: str, chars: int) -> str:
    """``text`` broken at spaces into lines of at most ``chars`` characters (a longer word keeps its own line),
    joined by ``<br>``; line breaks already there are kept.

    Examples
    --------
    >>> wrap_text("spend, staff time included (lower is better)", 26)
    'spend, staff time included<br>(lower is better)'
    >>> wrap_text("short", 26), wrap_text("a<br>b c", 1)
    ('short', 'a<br>b<br>c')
    """
    lines = []
    for part in text.split("<br>"):
        cur = ""
        for word in part.split(" "):
            if cur and len(cur) + 1 + len(word) > chars:
                lines.append(cur)
                cur = word
            else:
                cur = f"{cur} {word}" if cur else word
        lines.append(cur)
    return "<br>".join(lines)


def _lines(text: str) -> int:
    return text.count("<br>") + 1


#: px: the height of a line of a figure title, and the space above it.
TITLE_LINE_PX, TITLE_PAD_PX = 24, 12


def fit_titles(fig: go.Figure, width: int = NARROWEST) -> go.Figure:
    """Break the figure's title into lines that fit ``width`` px and make the top margin hold them above
    the top row's panel titles (nothing cut at the right edge, nothing over the plot); changes ``fig``
    and returns it. Applying it again changes nothing.

    Examples
    --------
    >>> fig = fit_titles(go.Figure(layout={"title": "Paired difference against macro (mean, 95% interval; green: "
    ...                                    "better, red: worse, grey and hatched: the interval spans zero)"}))
    >>> fig.layout.title.text.count("<br>"), fig.layout.margin.t
    (1, 70)
    >>> fit_titles(fig).layout.title.text == fig.layout.title.text
    True
    """
    text = fig.layout.title.text
    if not text:
        return fig
    text = wrap_text(text.replace("<br>", " "), int((width - 40) / TITLE_CHAR_PX))
    # the top row's panel titles sit just above the plot area, under the figure title
    tops = [a.text for a in fig.layout.annotations if a.yref == "paper" and a.yanchor == "bottom"
            and a.y is not None and a.y >= 0.99 and a.text]
    room = max((_lines(t) for t in tops), default=0) * PANEL_TITLE_LINE_PX + 10
    lines = _lines(text)
    fig.update_layout(title={"text": text, "x": 0.0, "xanchor": "left", "xref": "container",
                             "y": 1.0, "yanchor": "top", "yref": "container",
                             "pad": {"t": TITLE_PAD_PX + TITLE_LINE_PX * (lines - 1), "l": 20}},
                      margin={"t": TITLE_PAD_PX + TITLE_LINE_PX * _lines(text) + room})
    return fig


def _panels(titles: list[str], names: list[str], cols: int = 2) -> tuple[go.Figure, Callable[[int], tuple[int, int]]]:
    """A grid of horizontal-bar panels, one bar per strategy, the names (wrapped) on each panel's y axis,
    with room between the panels for the names, the axis titles and the panel titles (nothing overlaps at
    :data:`NARROWEST` px or wider). Panel titles are broken into lines that fit their panel.

    Returns the figure and ``cell(k) -> (row, col)`` of panel ``k``.
    """
    from plotly.subplots import make_subplots

    rows = (len(titles) + cols - 1) // cols
    labels = [wrap_label(s) for s in names]
    lines = max((lab.count("<br>") + 1 for lab in labels), default=1) + 1  # + a line for the verdict
    longest = max((len(line) for lab in labels for line in lab.split("<br>")), default=10)
    # between two columns: the right panel's tick labels (names), its axis title (about 30 px) and some air
    between = TICK_CHAR_PX * longest + 50
    left, right = between, 20  # the first column's names and axis title sit in the left margin
    area = NARROWEST - left - right
    hspace = min(0.45, between / area)
    panel_width = area * (1 - hspace * (cols - 1)) / cols
    titles = [wrap_text(t, int(panel_width / PANEL_TITLE_CHAR_PX)) for t in titles]
    title_lines = max((_lines(t) for t in titles), default=1)
    panel = max(100, len(names) * (15 * lines + 10))
    gap = 75 + PANEL_TITLE_LINE_PX * title_lines  # x tick labels, x axis title and the next row's panel title
    top, bottom = 20, 60
    height = rows * panel + (rows - 1) * gap + top + bottom
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles, horizontal_spacing=hspace,
                        vertical_spacing=gap / (height - top - bottom) if rows > 1 else 0.0)
    # the figure's title (two lines) and the top row's panel titles go above (fit_titles)
    above = TITLE_PAD_PX + 2 * TITLE_LINE_PX + PANEL_TITLE_LINE_PX * title_lines + 10
    fig.update_layout(height=height - top + above, margin={"t": above, "b": bottom, "r": right})
    return fig, (lambda k: (k // cols + 1, k % cols + 1))


def metric_bars(results, metrics: list[tuple[str, str]], title: str) -> go.Figure:
    """Bars of metric means per strategy with 95% interval error bars, one panel per metric."""
    names = strategies_of(results)
    fig, cell = _panels([lab for _, lab in metrics], names)
    for k, (key, _) in enumerate(metrics):
        r, c = cell(k)
        stats = [compare.strategy_interval(results, s, key).as_tuple() for s in names]
        fig.add_trace(go.Bar(y=names, x=[x[0] for x in stats], orientation="h", showlegend=False,
                             marker_color=[_color(i) for i in range(len(names))], name=fm.label(key),
                             text=[fm.interval(key, *x[:3]) for x in stats], textposition="none",
                             hovertemplate="%{y}: %{text}<extra></extra>", error_x=_err(stats)), row=r, col=c)
        ax = fm.axis(key, values=[v for x in stats for v in x[:3]])
        ax["title_text"] = fm.unit(key) or "count"
        fig.update_xaxes(**ax, row=r, col=c)
        fig.update_yaxes(title_text="strategy", tickvals=names, ticktext=[wrap_label(s) for s in names],
                         autorange="reversed", automargin=True, row=r, col=c)
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
        stats = [(m, max(lo, 0.0), hi, n) for m, lo, hi, n in (mean_ci(by_tier[t]) for t in tiers)]  # rates >= 0
        fig.add_trace(go.Bar(name=s, x=tiers, y=[x[0] for x in stats], marker_color=_color(i),
                             error_y=_err(stats)))
    fig.update_layout(title="Engagement rate per follower by creator tier (sponsored posts, word of mouth "
                            "included; 95% interval)", barmode="group", legend_title_text="strategy")
    fig.update_xaxes(title_text="creator tier")
    fig.update_yaxes(title_text="engagements per follower (%)", tickformat=".2~%", hoverformat=".3~%")
    return fig


#: Panels of the by-platform chart: (key, panel title).
PLATFORM_PANELS = (("spend", "spend ($)"), ("engagements", "engagements (likes, comments, shares)"),
                   ("conversions", "buyers (people)"), ("cost_per_engagement", "cost per engagement ($)"))


def platform_figure(results) -> go.Figure | None:
    """Bars by platform (one colour per strategy) of spend, engagements, buyers and cost per engagement;
    None when the hired creators are on one platform only."""
    if not platforms.spans_platforms(results):
        return None
    from plotly.subplots import make_subplots

    rows = platforms.platform_rows(results)
    plats = platforms.platforms_of(results)
    fig = make_subplots(rows=2, cols=2, subplot_titles=[t for _, t in PLATFORM_PANELS], horizontal_spacing=0.12,
                        vertical_spacing=0.2)
    for i, s in enumerate(strategies_of(results)):
        mine = {r["platform"]: r for r in rows if r["strategy"] == s}
        for k, (key, _) in enumerate(PLATFORM_PANELS):
            y = [mine[p][key] if p in mine else None for p in plats]
            text = [platforms.cell(key, v) if v is not None else "" for v in y]
            fig.add_trace(go.Bar(x=plats, y=y, name=wrap_label(s), legendgroup=s, showlegend=k == 0,
                                 marker_color=_color(i), text=text, textposition="none",
                                 hovertemplate=f"{html.escape(s)}, %{{x}}: %{{text}}<extra></extra>"),
                          row=k // 2 + 1, col=k % 2 + 1)
            money = key in ("spend", "cost_per_engagement")
            fig.update_yaxes(tickprefix="$" if money else "", tickformat=",.2f" if key == "cost_per_engagement"
                             else ",.0f", rangemode="tozero", row=k // 2 + 1, col=k % 2 + 1)
            fig.update_xaxes(title_text="platform", row=k // 2 + 1, col=k % 2 + 1)
    fig.update_layout(title="By platform: what each strategy's creators on each platform cost and delivered "
                            "(means per replicate)", barmode="group", legend_title_text="strategy", height=720)
    return fig


def cascade_bins(sizes) -> tuple[list[str], np.ndarray]:
    """Cascade sizes counted in bins of 1, 2-4, 5-9, 10-19, 20-49, ... people (labels and counts).

    Examples
    --------
    >>> cascade_bins([0, 20, 20, 40, 60, 100, 2500])
    (['0', '20-49', '50-99', '100-199', '200-499', '500-999', '1,000-1,999', '2,000-4,999'], array([1, 3, 1, 1, 0, 0, 0, 1]))
    """
    sizes = np.asarray(sizes, dtype=float)
    if not len(sizes):
        return [], np.zeros(0, dtype=int)
    edges = [1.0]
    while edges[-1] <= sizes.max():
        e = edges[-1]
        d = 10 ** np.floor(np.log10(e))
        edges.append(e * 2 if e / d in (1, 5) else e * 2.5)  # 1, 2, 5, 10, 20, 50, ...
    labels, counts = [], []
    if (sizes < 1).any():
        labels.append("0")
        counts.append(int((sizes < 1).sum()))
    started = False
    for a, b in itertools.pairwise(edges):
        n = int(((sizes >= a) & (sizes < b)).sum())
        started = started or n > 0
        if not started:
            continue  # start at the first size there is
        labels.append(fm.number(a) if b - a <= 1 else f"{fm.number(a)}-{fm.number(b - 1)}")
        counts.append(n)
    while counts and counts[-1] == 0:
        labels.pop(), counts.pop()
    return labels, np.array(counts)


def cascade_figure(results) -> go.Figure:
    """Word of mouth: the distribution of cascade sizes (people reached per share of a post), per strategy."""
    fig = go.Figure()
    names = strategies_of(results)
    per = {}
    sizes: list[np.ndarray] | np.ndarray  # a strategy's cascades, one array per run, then all of them
    for s in names:
        sizes = [np.asarray(r.cascades, dtype=float) for r in results if r.strategy == s and r.cascades is not None]
        per[s] = np.concatenate(sizes) if sizes else np.zeros(0)
    every = np.concatenate(list(per.values())) if per else np.zeros(0)
    labels, _ = cascade_bins(every)
    for i, s in enumerate(names):
        sizes = per[s]
        if not len(sizes):
            continue
        own = dict(zip(*cascade_bins(sizes)))  # the same edges for every strategy: labels match
        y = np.array([own.get(lab, 0) for lab in labels], dtype=float) / len(sizes)
        fig.add_trace(go.Bar(name=f"{s} ({len(sizes):,} cascades)", x=labels, y=y, marker_color=_color(i),
                             hovertemplate="%{x} people: %{y:.2~%} of cascades<extra>" + html.escape(s)
                             + "</extra>"))
    fig.update_layout(title="Word of mouth: people reached per cascade (one share and its re-shares, "
                            "all replicates)", barmode="group", legend_title_text="strategy")
    fig.update_xaxes(title_text="people reached by one share and its re-shares (real people)", type="category")
    fig.update_yaxes(title_text="share of cascades (%)", tickformat=".0%", hoverformat=".2~%")
    return fig


def paired_difference_figure(sc, results) -> go.Figure | None:
    """Difference of each key metric against the baseline, with interval bars; grey and hatched where the
    interval spans zero (not resolved), labelled with the verdict.

    Examples
    --------
    >>> from types import SimpleNamespace as R
    >>> rs = [R(strategy=s, replicate=i, metrics={k: v + i for k in compare.KEY_METRICS})
    ...       for s, v in (("a", 0.0), ("b", 1.0)) for i in range(4)]
    >>> fig = paired_difference_figure(R(run=R(market="fixed")), rs)
    >>> len(fig.data) == len(compare.KEY_METRICS)
    True
    >>> noisy = [R(strategy=s, replicate=i, metrics={k: v * (-1) ** i for k in compare.KEY_METRICS})
    ...          for s, v in (("a", 0.0), ("b", 1.0)) for i in range(4)]
    >>> bar = paired_difference_figure(R(run=R(market="fixed")), noisy).data[0]
    >>> bar.marker.color[0] == UNRESOLVED, bar.marker.pattern.shape[0], bar.text[0]
    (True, '/', 'not resolved')
    """
    names = strategies_of(results)
    if len(names) < 2:
        return None
    base = compare.baseline_of(results, compare.scenario_baseline(sc))
    others = [s for s in names if s != base]
    by = {(c.strategy, c.metric): c for c in compare.compare(results, base)}
    metrics = compare.KEY_METRICS
    fig, cell = _panels([fm.label(m) + (" (lower is better)" if m in LOWER_IS_BETTER else "")
                         for m in metrics], others)
    for k, m in enumerate(metrics):
        r, col = cell(k)
        cs = [by[(s, m)] for s in others]
        colors = [state_color(c.state) for c in cs]
        shapes = ["" if c.resolved else "/" for c in cs]
        d = [c.diff for c in cs]
        f = fm.scale(m, diff=True)  # shares in percentage points
        fig.add_trace(go.Bar(y=others, x=[x.mean * f for x in d], orientation="h", showlegend=False, name=m,
                             marker={"color": colors, "pattern": {**HATCH, "shape": shapes},
                                     "line": {"color": "rgba(60,60,60,0.6)", "width": 1}},
                             text=[c.state for c in cs], textposition="none",
                             customdata=[fm.interval(m, x.mean, x.low, x.high, diff=True) for x in d],
                             hovertemplate="%{y} - " + html.escape(base) + ": %{customdata}, %{text}<extra></extra>",
                             error_x=_err([(x.mean * f, x.low * f, x.high * f) for x in d])), row=r, col=col)
        ax = fm.axis(m, diff=True, values=[v for x in d for v in (x.mean, x.low, x.high)])
        ax["title_text"] = fm.unit(m, diff=True) or "count"
        fig.update_xaxes(**ax, zeroline=True, zerolinecolor="#444", zerolinewidth=1.5, row=r, col=col)
        ticks = [f"{wrap_label(c.strategy)}<br><i style='color:{state_color(c.state) if c.resolved else '#777'}'>"
                 f"{c.state}</i>" for c in cs]
        fig.update_yaxes(title_text=f"strategy - {base}", tickvals=others, ticktext=ticks, autorange="reversed",
                         automargin=True, row=r, col=col)
    fig.update_layout(title=f"Paired difference against {base} (mean, 95% interval; green: better, red: worse, "
                            "grey and hatched: the interval spans zero, not resolved)")
    return fig


def report_figures(sc, results) -> list[go.Figure]:
    """The charts of ``report.html``, in its order (the app shows the same ones)."""
    diff = paired_difference_figure(sc, results)
    by_platform = platform_figure(results)  # the report shows it under its "By platform" table
    return [*([diff] if diff is not None else []), *_result_figures(results),
            *([by_platform] if by_platform is not None else [])]


def _result_figures(results) -> list[go.Figure]:
    return [
        time_series_figure(results, "engagements", "Cumulative engagements (95% interval of the mean)"),
        time_series_figure(results, "conversions", "Cumulative buyers (95% interval of the mean)"),
        funnel_figure(results),
        metric_bars(results, [("roi", "ROI on gross profit (%)"), ("roas", "ROAS: revenue per $1 spent"),
                              ("cost_per_engagement", "cost per engagement ($)"),
                              ("cost_per_acquisition", "cost per buyer ($)")],
                    "Return and unit costs (mean, 95% interval)"),
        tier_engagement_figure(results),
        cascade_figure(results),
    ]


# --- tables ------------------------------------------------------------------------------------


# --- how much to spend (sim.studies.frontier) ------------------------------------------------------------


def frontier_figure(rows: list[dict]) -> go.Figure:
    """Profit, ROI and buyers against budget, one line per strategy with 95% interval bars; the budget of the
    highest mean profit is marked with a star (rows of :func:`sim.studies.frontier.frontier_rows`)."""
    from plotly.subplots import make_subplots

    from sim.studies.frontier import best_budgets

    names = list(dict.fromkeys(r["strategy"] for r in rows))
    panels = [("profit", "expected profit ($, gross profit - spend)"), ("roi", "ROI on gross profit (%)"),
              ("conversions", "buyers (real people)")]
    fig = make_subplots(rows=len(panels), cols=1, shared_xaxes=True, vertical_spacing=0.08,
                        subplot_titles=[t for _, t in panels])
    best = best_budgets(rows)
    for i, s in enumerate(names):
        mine = [r for r in rows if r["strategy"] == s]
        x = [r["budget"] for r in mine]
        for k, (m, _) in enumerate(panels):
            stats = [(r[f"{m}_mean"], r[f"{m}_low"], r[f"{m}_high"]) for r in mine]
            scale = 100.0 if m == "roi" else 1.0
            fig.add_trace(go.Scatter(
                x=x, y=[v[0] * scale for v in stats], mode="lines+markers", name=s, legendgroup=s,
                showlegend=(k == 0), line={"color": _color(i)},
                error_y={"type": "data", "symmetric": False, "thickness": 1.2,
                         "array": [max(0.0, (v[2] - v[0]) * scale) if np.isfinite(v[2]) else 0 for v in stats],
                         "arrayminus": [max(0.0, (v[0] - v[1]) * scale) if np.isfinite(v[1]) else 0
                                        for v in stats]},
                text=[fm.interval("roi" if m == "roi" else ("spend" if m == "profit" else m), *v) for v in stats],
                hovertemplate=f"{s}, budget %{{x:$,.0f}}: %{{text}}<extra></extra>"), row=k + 1, col=1)
        if s in best:
            b = best[s]
            fig.add_trace(go.Scatter(x=[b["budget"]], y=[b["profit_mean"]], mode="markers", showlegend=(i == 0),
                                     name="highest expected profit", legendgroup="best",
                                     marker={"symbol": "star", "size": 14, "color": _color(i),
                                             "line": {"color": "#222", "width": 1}},
                                     hovertemplate=f"{s}: highest expected profit at %{{x:$,.0f}}<extra></extra>"),
                          row=1, col=1)
    fig.add_hline(y=0, line={"color": "#999", "dash": "dot", "width": 1}, row=1, col=1)
    budgets = sorted({r["budget"] for r in rows})
    log = len(budgets) > 2 and budgets[-1] / budgets[0] >= 8
    for k in range(len(panels)):
        fig.update_xaxes(type="log" if log else "linear", tickvals=budgets, ticktext=[fm.money(b) for b in budgets],
                         row=k + 1, col=1)
    fig.update_xaxes(title_text="budget ($" + (", log scale)" if log else ")"), row=len(panels), col=1)
    fig.update_yaxes(title_text="$", tickprefix="$", separatethousands=True, row=1, col=1)
    fig.update_yaxes(title_text="%", ticksuffix="%", row=2, col=1)
    fig.update_yaxes(title_text="people", separatethousands=True, row=3, col=1)
    fig.update_layout(title="How much to spend: profit, ROI and buyers against budget (mean, 95% interval; same "
                            "replicate seeds at every budget)", height=900,
                      legend={"orientation": "h", "y": -0.08})
    return fig
