"""How much to spend: run the scenario at a few budgets (common seeds) and see profit, ROI and buyers against budget."""

from __future__ import annotations

import solara

from sim.app import state
from sim.app.charts import for_browser
from sim.app.results_view import Progress
from sim.app.tables import CSS, frontier_html
from sim.errors import ScenarioError


def check(text: str) -> tuple[list | None, str]:
    """The budgets typed (``10k,25k,50k``), or ``None`` and the one-line message of :func:`parse_budgets`.

    Examples
    --------
    >>> check("10k, 50k")
    ([10000.0, 50000.0], '')
    >>> check("ten")[1]
    '--budgets: expected budgets like 10k,25k,50k (USD, more than 0), got "ten"'
    """
    from sim.studies.frontier import parse_budgets

    try:
        return parse_budgets(text, field="--budgets"), ""
    except ScenarioError as exc:
        return None, str(exc)


@solara.component
def FrontierPanel(scenario):
    """Budgets to try; Run; the frontier figure and tables (best budget, where returns fall)."""
    from sim.reports.figures import frontier_figure

    job = state.frontier_job
    budgets, error = check(state.frontier_budgets.value)
    latest = job.latest
    figure = solara.use_memo(lambda: for_browser(frontier_figure(latest), width=740) if latest else None,
                             dependencies=[id(latest)])
    with solara.Card("How much to spend", classes=["frontier"]):
        solara.Text("Run the scenario once per budget, on the same replicate seeds, and see expected profit, ROI "
                    "and buyers against budget per strategy.")
        solara.InputText("budgets (USD)", value=state.frontier_budgets.value, on_value=state.frontier_budgets.set,
                         error=error or False, classes=["frontier-budgets"])
        n = (len(budgets) * len(scenario.strategies) * scenario.run.replicates) if budgets and scenario else 0
        solara.Button("Run frontier", icon_name="mdi-chart-line", color="primary", classes=["frontier-run"],
                      disabled=scenario is None or budgets is None or job.pending,
                      on_click=lambda: job(scenario, budgets))
        if n:
            solara.Text(f"{len(budgets)} budgets x {len(scenario.strategies)} strategies x "
                        f"{scenario.run.replicates} replicates = {n:,} campaigns", classes=["frontier-size"])
        if job.pending:
            Progress(job, state.frontier_counts.value, "frontier", "cancel-frontier")
        elif job.cancelled:
            solara.Text("Frontier cancelled.", classes=["frontier-cancelled"])
        elif job.error:
            solara.Text(f"Frontier failed: {job.exception}", classes=["error--text", "frontier-error"])
        if figure is not None:
            solara.Style(CSS)
            solara.FigurePlotly(figure)
            with solara.Div(classes=["influsim-results", "frontier-result"]):
                solara.HTML(tag="div", unsafe_innerHTML=frontier_html(latest))
