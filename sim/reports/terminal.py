"""What ``influsim run`` prints: the decision first, then the money, warnings and key figures.

:func:`summary_text` opens with one verdict line per strategy against the baseline (ROI on
gross profit, paired by replicate, with spend next to it), then the money per strategy
(budget, spend, unspent budget, staff cost, creators hired, replicates where nobody
accepted or candidates ran out), then the warnings, then a compact table of key figures
(mean [95% interval]) and the paired differences of the key metrics. Money is in $ with
thousands separators, rates in %. See :mod:`sim.studies.compare` for the intervals.

Examples
--------
>>> from types import SimpleNamespace as R
>>> sc = R(name="demo", run=R(market="per_replicate"))
>>> m = {"roi": 0.2, "roi_ex_staff": 0.3, "roas": 2.4, "spend": 13047.0, "staff_cost": 300.0, "budget": 50000.0,
...      "unspent": 36953.0, "hired": 1.0, "reach": 300000.0, "conversions": 650.0}
>>> rs = [R(strategy="macro", replicate=0, metrics=m, outreach={"filled": True})]
>>> text = summary_text(sc, rs, 1.25)
>>> print(text.splitlines()[0])
demo: 1 strategy x 1 replicate (a new market per replicate) in 1.2 s
>>> "$13,047" in text and "300,000" in text
True
"""

from __future__ import annotations

import math

from sim import format as fm
from sim.format import interval as fmt_iv, money, number, percent
from sim.metrics import label
from sim.studies.frontier import best_budgets
from sim.studies import caveats
from sim.studies import compare

#: Rows of the key-figures table (their names and units: :mod:`sim.metrics`).
KPIS = ("roi", "roi_ex_staff", "roas", "spend", "staff_cost", "revenue", "reach", "engagements", "conversions",
        "conversion_rate", "cost_per_acquisition")


def _table(header: list[str], rows: list[list[str]], indent: str = "  ") -> list[str]:
    """Left-aligned first column, right-aligned others, widths from the contents."""
    cols = list(zip(header, *rows))
    widths = [max(len(c) for c in col) for col in cols]
    out = []
    for row in [header, *rows]:
        cells = [row[0].ljust(widths[0])] + [c.rjust(w) for c, w in zip(row[1:], widths[1:])]
        out.append(indent + "  ".join(cells).rstrip())
    return out


def _plural(n: int, word: str) -> str:
    return f"{n} {word if n == 1 else word + 's'}"


def decision_lines(scenario, results) -> list[str]:
    """The verdict lines (one per strategy against the baseline), under a heading."""
    names = compare.strategies_of(results)
    if len(names) < 2:
        return ["Decision: one strategy, nothing to compare"]
    base = compare.baseline_of(results, compare.scenario_baseline(scenario))
    head = f"Decision (ROI on gross profit, paired difference against {base}, 95% interval):"
    return [head, *("  " + line for line in compare.verdict_lines(results, base, scenario))]


def creator_lines(scenario, rows: list[dict] | None, top: int = 10) -> list[str]:
    """The top creators across replicates (:mod:`sim.studies.creators`), by marginal profit per dollar.

    Means over the replicates where the strategy hired the account; the profit contribution and
    the marginal profit with their 95% intervals (every measure's interval is in ``creators.csv``
    and the report).

    Examples
    --------
    >>> from types import SimpleNamespace as R
    >>> nan = float("nan")
    >>> row = {"strategy": "micro", "account": "@a", "handle": "@a", "replicates_hired": 3, "replicates": 4,
    ...        "fee_mean": 900.0, "fee_source": "from the CSV", "p_accept_mean": 0.6, "reach_mean": 20000.0,
    ...        "unique_reach_mean": 15000.0, "buyers_mean": 120.0, "profit_contribution_mean": 800.0,
    ...        "profit_contribution_low": 100.0, "profit_contribution_high": 1500.0, "marginal_profit_mean": 700.0,
    ...        "marginal_profit_low": -50.0, "marginal_profit_high": 1450.0, "marginal_per_dollar": 0.7,
    ...        "marginal_n": 3}
    >>> lines = creator_lines(R(strategies={}), [row])
    >>> "@a" in lines[2] and "3/4" in lines[2] and "+$700 [-$50.00, +$1,450]" in lines[2]
    True
    >>> print(creator_lines(R(strategies={}), [])[0])
    Top creators: none hired
    """
    if rows is None:
        return []
    if not rows:
        return ["Top creators: none hired"]
    from sim.studies.creators import fee_terms

    shown = [r for r in rows if r["replicates_hired"]][:top]
    if not shown:
        return ["Top creators: none hired"]

    def terms(s):
        try:
            return fee_terms(scenario, s)
        except (AttributeError, KeyError):
            return ""

    def iv(r, m):
        return fmt_iv("spend", r[f"{m}_mean"], r[f"{m}_low"], r[f"{m}_high"], signed=True)

    body = []
    for r in shown:
        per = r["marginal_per_dollar"]
        fee = money(r["fee_mean"]) + (" est." if r["fee_source"] == "estimated" else "")
        body.append([r["strategy"], r["handle"] or r["account"], f"{r['replicates_hired']}/{r['replicates']}",
                     fee, percent(r["p_accept_mean"]), number(r["reach_mean"]), number(r["unique_reach_mean"]),
                     number(r["buyers_mean"]), iv(r, "profit_contribution"),
                     iv(r, "marginal_profit") if r["marginal_n"] else "not measured",
                     f"{per:+.2f}" if math.isfinite(per) else ""])
    header = ["strategy", "account", "hired", "fee", "accepts", "reach", "unique", "buyers",
              "profit contribution", "marginal profit", "per $"]
    names = list(dict.fromkeys(r["strategy"] for r in shown))
    each = {s: terms(s) for s in names if terms(s)}
    buys = (next(iter(each.values())) if len(set(each.values())) == 1
            else "; ".join(f"{s}: {t}" for s, t in each.items()))
    for r in [header, *body]:  # type: ignore[assignment]  # r: a list here; the account column left-aligned, as names are
        r[1] = r[1].ljust(max(len(x[1]) for x in [header, *body]))
    buys = f"fee buys {buys}; " if buys else ""
    return [f"Top creators across replicates (by marginal profit per $; means where hired, 95% intervals; "
            f"{buys}all accounts in creators.csv):", *_table(header, body)]


def money_lines(results) -> list[str]:
    """The money table: budget, spend, unspent, staff cost, creators hired, no-hire and ran-out replicates."""
    rows = []
    for r in compare.spend_table(results):
        n = r["replicates"]
        rows.append([r["strategy"], money(r["budget"]), money(r["spend"]), money(r["unspent"]), money(r["staff_cost"]),
                     number(r["hired"]), f"{r['no_hire_replicates']} of {n}",
                     f"{r['ran_out_replicates']} of {n}"])
    header = ["strategy", "budget", "spend", "unspent", "staff cost", "hired", "nobody hired", "ran out"]
    return ["Money per strategy (means over replicates; spend includes staff time):", *_table(header, rows)]


def warning_lines(scenario, results) -> list[str]:
    """The warnings, one per line, or a line saying there are none."""
    found = caveats.warnings_for(results, compare.scenario_baseline(scenario))
    if not found:
        return ["Warnings: none"]
    return ["Warnings:", *(f"  ! {w}" for w in found)]


def kpi_lines(results) -> list[str]:
    """Key figures per strategy: mean [95% interval]."""
    names = compare.strategies_of(results)
    rows = []
    for metric in KPIS:
        if not any(metric in r.metrics for r in results):
            continue
        rows.append([label(metric), *(fm.interval_of(metric, compare.strategy_interval(results, s, metric))
                                      for s in names)])
    return ["Key figures (mean [95% interval] over replicates):", *_table(["metric", *names], rows)]


def difference_lines(scenario, results) -> list[str]:
    """Paired differences of the key metrics against the baseline, with the share of replicates won."""
    names = compare.strategies_of(results)
    if len(names) < 2:
        return []
    base = compare.baseline_of(results, compare.scenario_baseline(scenario))
    others = [s for s in names if s != base]
    by = {(c.strategy, c.metric): c for c in compare.compare(results, base)}
    rows = []
    for metric in compare.KEY_METRICS:
        cells = []
        for s in others:
            c = by[(s, metric)]
            won = "" if not math.isfinite(c.win_share) else f", wins {c.win_share:.0%}"
            cells.append(f"{fm.interval_of(metric, c.diff, diff=True)} {c.state}{won}")
        rows.append([label(metric), *cells])
    return [f"Paired differences against {base} (mean [95% interval], verdict, share of replicates won):",
            *_table(["metric", *(f"{s} - {base}" for s in others)], rows)]


def platform_lines(results) -> list[str]:
    """Results by platform (:mod:`sim.reports.platforms`), when the hired creators are on several platforms.

    Examples
    --------
    >>> from types import SimpleNamespace as R
    >>> row = lambda p: {"platform": p, "followers": 1000, "cost": 100.0, "impressions": 800, "engagements": 40,
    ...                  "conversions": 2}
    >>> print("\\n".join(platform_lines([R(strategy="micro", influencers=[row("instagram"), row("tiktok")])])))
    By platform (means per replicate; spend = the hired accounts' cost):
      strategy  platform   accounts  followers  spend  impressions  engagements  buyers  engagement rate  cost per engagement
      micro     instagram         1      1,000   $100          800           40       2               4%                $2.50
      micro     tiktok            1      1,000   $100          800           40       2               4%                $2.50
    """
    from sim.reports.platforms import cell, platform_rows, spans_platforms

    if not spans_platforms(results):
        return []
    keys = ("accounts", "followers", "spend", "impressions", "engagements", "conversions", "engagement_rate",
            "cost_per_engagement")
    rows = [[r["strategy"], r["platform"], *(cell(k, r[k]) for k in keys)] for r in platform_rows(results)]
    header = ["strategy", "platform", "accounts", "followers", "spend", "impressions", "engagements", "buyers",
              "engagement rate", "cost per engagement"]
    width = max(len(r[1]) for r in [header, *rows])  # the platform column left-aligned, as names are
    for r in [header, *rows]:
        r[1] = r[1].ljust(width)
    return ["By platform (means per replicate; spend = the hired accounts' cost):", *_table(header, rows)]


def parameter_lines(scenario, results) -> list[str]:
    """What the replicates drew (parameters uncertain or fixed), then what the verdicts hinge on.

    See :mod:`sim.studies.hinges`: the drawn parameters' shares of the variance of the
    paired ROI difference and of each strategy's ROI.
    """
    from sim.studies.hinges import drawn_text, hinge_lines

    if getattr(getattr(scenario, "run", None), "parameters", None) is None:
        return []
    try:
        hinge = hinge_lines(results, compare.scenario_baseline(scenario))
    except ValueError:  # a baseline that is not among the results
        hinge = []
    text = drawn_text(scenario, results)
    return [text[:1].upper() + text[1:], *([""] + hinge if hinge else [])]


def summary_text(scenario, results, elapsed: float, creators: list[dict] | None = None) -> str:
    """The text ``influsim run`` prints: verdicts, money, warnings, key figures, paired differences.

    Parameters
    ----------
    scenario : Scenario
        The resolved scenario (its name, ``run.market`` and, if set, ``run.baseline``).
    results : list of ReplicateResult
        What :func:`sim.studies.runs.run_scenario` returned.
    elapsed : float
        Seconds the run took.
    creators : list of dict, optional
        :func:`sim.studies.creators.creator_rows` of the run: its top 10 follow the verdicts.
    """
    names = compare.strategies_of(results)
    n = max((len(compare.runs_of(results, s)) for s in names), default=0)
    market = getattr(getattr(scenario, "run", None), "market", "fixed")
    where = "a new market per replicate" if market == "per_replicate" else "one market: campaign luck only"
    head = (f"{scenario.name}: {_plural(len(names), 'strategy').replace('strategys', 'strategies')} x "
            f"{_plural(n, 'replicate')} ({where}) in {elapsed:.1f} s")
    blocks = [[head], decision_lines(scenario, results), creator_lines(scenario, creators), money_lines(results), warning_lines(scenario, results),
              kpi_lines(results), difference_lines(scenario, results), platform_lines(results),
              parameter_lines(scenario, results)]
    return "\n\n".join("\n".join(b) for b in blocks if b)


def frontier_text(rows: list[dict]) -> list[str]:
    """The terminal lines: one table per strategy, then the best budget and where returns fall."""
    out = ["Profit against budget (mean [95% interval] over replicates; profit = gross profit - spend; "
           "the same replicate seeds at every budget):"]
    names = list(dict.fromkeys(r["strategy"] for r in rows))
    best = best_budgets(rows)
    for s in names:
        table = [["budget", "spend", "profit", "ROI", "buyers", "hired", "extra profit per extra $", "returns"]]
        for r in (x for x in rows if x["strategy"] == s):
            step = r["step_profit_per_dollar_mean"]
            step_text = (f"{step:+.2f} [{r['step_profit_per_dollar_low']:+.2f}, {r['step_profit_per_dollar_high']:+.2f}]"
                         if math.isfinite(step) else "")
            table.append([money(r["budget"]), money(r["spend_mean"]),
                          fmt_iv("spend", r["profit_mean"], r["profit_low"], r["profit_high"], signed=True),
                          fmt_iv("roi", r["roi_mean"], r["roi_low"], r["roi_high"]),
                          fmt_iv("conversions", r["conversions_mean"], r["conversions_low"], r["conversions_high"]),
                          number(r["hired_mean"]), step_text, r["returns"]])
        widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
        out.append(f"  {s}:")
        for row in table:
            cells = [c.rjust(w) if i < len(row) - 1 else c for i, (c, w) in enumerate(zip(row, widths))]
            out.append("    " + "  ".join(cells).rstrip())
    out.append("")
    for s in names:
        if s in best:
            b = best[s]
            out.append(f"  {s}: expected profit is highest at a budget of {money(b['budget'])} "
                       f"({money(b['profit_mean'])} [{money(b['profit_low'])}, {money(b['profit_high'])}], "
                       f"spends {money(b['spend_mean'])}, {percent(b['absorbed'])} of it)")
        falls = [r for r in rows if r["strategy"] == s and r["returns"]]
        for r in falls[:4]:
            out.append(f"    at {money(r['budget'])}: {r['returns']}")
    return out
