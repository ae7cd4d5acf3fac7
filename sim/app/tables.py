"""The app's result text as HTML: verdict lines, money, warnings, key figures with units.

The words and numbers are those of ``influsim run`` (:mod:`sim.studies.compare`,
:mod:`sim.reports.terminal`, written by :mod:`sim.format`, named and explained by
:mod:`sim.metrics`): money in $ with thousands separators, rates and ROI in %, each
figure as mean [95% interval] over replicates.

Examples
--------
>>> from types import SimpleNamespace as R
>>> rs = [R(strategy=s, replicate=i, metrics={"roi": v + i / 10, "spend": 1000.0 * (i + 1), "hired": 1.0,
...                                           "budget": 5000.0, "unspent": 1000.0, "staff_cost": 50.0},
...         outreach={"filled": True}) for s, v in (("macro", 0.1), ("micro", 0.3)) for i in range(3)]
>>> sc = R(run=R(market="fixed"))
>>> "micro vs macro: ROI on gross profit +20 pp" in decision_html(sc, rs)
True
>>> "$2,000 [" in kpi_html(rs)
True
"""

from __future__ import annotations

import html

from sim import format as fm
from sim.app.form import FIELDS
from sim.metrics import label, meaning
from sim.reports.platforms import platform_table
from sim.reports.report import decision_section
from sim.reports.terminal import KPIS
from sim.studies import compare

CSS = """.influsim-results table{border-collapse:collapse;margin:.5em 0 1em;font-size:14px}
.influsim-results td,.influsim-results th{border:1px solid #ccc;padding:4px 8px;text-align:right;vertical-align:top}
.influsim-results th{background:#f4f4f4}.influsim-results th.l,.influsim-results td.l{text-align:left}
.influsim-results small{color:#666}.influsim-results ul.verdicts li{font-size:1.1em;margin:.3em 0}
.influsim-results ul.warnings li{color:#8a4b00}.influsim-results .wide{overflow-x:auto;max-width:100%}
.influsim-results table.creators{font-size:12px}.influsim-results td.text{text-align:left}
.influsim-results tr.hired td{background:#f3f9f3}
.influsim-results .state{font-size:.85em;padding:0 .4em;border-radius:.6em;white-space:nowrap}
.influsim-results .state.better{background:#dff3e4;color:#1a7f37}
.influsim-results .state.worse{background:#fde2e0;color:#b42318}
.influsim-results .state.unresolved{background:#eee;color:#555}"""


def _e(text) -> str:
    return html.escape(str(text))


def decision_html(scenario, results) -> str:
    """Verdict lines (ROI against the baseline, with spend), the money per strategy, then the warnings: the
    report's decision section (:func:`sim.reports.report.decision_section`) under the app's headings."""
    return decision_section(scenario, results, heading=3)


def kpi_html(results) -> str:
    """Key figures per strategy, mean [95% interval], with the unit of each row."""
    names = compare.strategies_of(results)
    body = []
    for metric in KPIS:
        if not any(metric in r.metrics for r in results):
            continue
        ivs = [compare.strategy_interval(results, s, metric) for s in names]
        cells = "".join(f"<td>{_e(fm.interval_of(metric, iv))}</td>" for iv in ivs)
        body.append(f"<tr><th class=\"l\">{_e(label(metric))}<br><small>{_e(meaning(metric))}</small></th>{cells}</tr>")
    head = "".join(f"<th>{_e(s)}</th>" for s in names)
    return ("<h3>Key figures</h3><p>Mean [95% interval] over replicates.</p><div class=\"wide\"><table>"
            f"<tr><th class=\"l\">metric</th>{head}</tr>{''.join(body)}</table></div>")


def platform_html(results) -> str:
    """The report's "By platform" table (:mod:`sim.reports.platforms`), when the hired creators are on several
    platforms; empty otherwise."""
    table = platform_table(results)
    return table.replace("<h2>", "<h3>").replace("</h2>", "</h3>").replace("<table>", "<div class=\"wide\"><table>") \
        .replace("</table>", "</table></div>") if table else ""


def field_value_text(path: str, value: float) -> str:
    """A form field's value with its unit: ``$20,000`` for money, ``1,000`` or ``0.5`` otherwise.

    Examples
    --------
    >>> field_value_text("brand.budget", 20000.0), field_value_text("product.margin", 0.5)
    ('$20,000', '0.5')
    """
    unit = FIELDS[path].unit if path in FIELDS else ""
    return fm.field_value(value, unit == "USD")


def whatif_html(whatif) -> str:
    """The what-if's points as a table: one row per value, one column per strategy."""
    names = list(dict.fromkeys(p.strategy for p in whatif.points))
    values = list(dict.fromkeys(p.value for p in whatif.points))
    by = {(p.value, p.strategy): p for p in whatif.points}
    body = []
    for v in values:
        ivs = [compare.Interval(p.mean, p.low, p.high, p.n) for p in (by[(v, s)] for s in names)]
        cells = "".join(f"<td>{_e(fm.interval_of(whatif.metric, iv))}</td>" for iv in ivs)
        body.append(f"<tr><th>{_e(field_value_text(whatif.field, v))}</th>{cells}</tr>")
    head = "".join(f"<th>{_e(s)}</th>" for s in names)
    return (f"<div class=\"wide\"><table><tr><th>{_e(whatif.field)}</th>{head}</tr>{''.join(body)}</table></div>")


def creators_html(scenario, rows) -> str:
    """Which creators, across replicates: the report's table (:func:`sim.reports.report.creators_section`)."""
    from sim.reports.report import creators_section
    from sim.studies.creators import MARGINAL_TOP

    if not rows:
        return ""
    page = creators_section(scenario, list(rows), MARGINAL_TOP, max_rows=10).replace("<h2>", "<h3>").replace(
        "</h2>", "</h3>")
    return f"<div class=\"wide creators-result\">{page}</div>"


def frontier_html(rows) -> str:
    """How much to spend: the report's frontier tables (:func:`sim.reports.report.frontier_section`)."""
    from sim.reports.report import frontier_section

    if not rows:
        return ""
    page = frontier_section(list(rows)).replace("<h2>", "<h3>").replace("</h2>", "</h3>")
    return f"<div class=\"wide frontier-result\">{page}</div>"
