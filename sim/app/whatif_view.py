"""What-if: vary one field over a few values, run each, and draw a metric against it per strategy."""

from __future__ import annotations

import solara

from sim.app import state
from sim.app.charts import for_browser, whatif_figure
from sim.app.form import FIELDS, WHATIF_FIELDS
from sim.app.jobs import MAX_WHATIF_VALUES, default_range, sweep_values, whatif_scenarios
from sim.app.results_view import Progress
from sim.app.tables import CSS, field_value_text, whatif_html
from sim.errors import ScenarioError
from sim.scenario import get_field, parse_assignment
from sim.metrics import label

METRICS = ("roi", "roas", "conversions", "reach", "engagements", "revenue", "spend", "cost_per_acquisition")


def _number(name: str, text: str) -> float:
    value = parse_assignment(f"{name}={text}")[1]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ScenarioError(name, f"expected a number, got {text!r}")
    return float(value)


def check(scenario, field: str, texts: dict[str, str]) -> tuple[list | None, dict[str, str]]:
    """The values of the what-if, or ``None`` and a one-line message per bad input ("from", "to", "count").

    Each end of the range is checked as the scenario field it sets (``brand.budget: must
    be >= 0, got -5``); nothing runs while a message stands.
    """
    errors, ends = {}, {}
    for key in ("from", "to"):
        try:
            ends[key] = _number(key, texts[key])
            whatif_scenarios(scenario, field, [ends[key]])
        except ScenarioError as exc:
            errors[key] = str(exc)
    try:
        count = _number("values", texts["count"])
        if not count.is_integer() or not 2 <= count <= MAX_WHATIF_VALUES:
            raise ScenarioError("values", f"must be a whole number from 2 to {MAX_WHATIF_VALUES}, got {texts['count']}")
    except ScenarioError as exc:
        errors["count"] = str(exc)
    if errors:
        return None, errors
    integer = isinstance(get_field(scenario, field), int)
    return sweep_values(ends["from"], ends["to"], int(count), integer), {}


@solara.component
def WhatIfPanel(scenario):
    """Pick a field, a range and a number of values; run the small sweep; see the metric move."""
    job = state.whatif_job
    field = state.whatif_field.value
    lo, hi = default_range(scenario, field) if scenario is not None else (0.0, 0.0)
    texts = {"from": state.whatif_from.value or f"{lo:g}", "to": state.whatif_to.value or f"{hi:g}",
             "count": state.whatif_count.value}
    values, errors = check(scenario, field, texts) if scenario is not None else (None, {})
    latest = job.latest
    figure = solara.use_memo(lambda: for_browser(whatif_figure(latest), width=740) if latest is not None else None,
                             dependencies=[id(latest)])

    def pick(new: str) -> None:
        state.whatif_field.set(new)
        state.whatif_from.set("")
        state.whatif_to.set("")

    with solara.Card("What if", classes=["whatif"]):
        solara.Text("Run the scenario once per value of one field and see how a metric moves, per strategy.")
        with solara.Row(style={"align-items": "baseline", "gap": "8px", "flex-wrap": "wrap"}):
            solara.Select("field", values=list(WHATIF_FIELDS), value=field, on_value=pick, classes=["whatif-field"])
            unit = f" ({FIELDS[field].unit})" if FIELDS[field].unit else ""
            solara.InputText(f"from{unit}", value=texts["from"], on_value=state.whatif_from.set,
                             error=errors.get("from", False), classes=["whatif-from"])
            solara.InputText(f"to{unit}", value=texts["to"], on_value=state.whatif_to.set,
                             error=errors.get("to", False), classes=["whatif-to"])
            solara.InputText("values", value=texts["count"], on_value=state.whatif_count.set,
                             error=errors.get("count", False), classes=["whatif-count"], style={"max-width": "90px"})
            solara.Select("metric", values=list(METRICS), value=state.whatif_metric.value,
                          on_value=state.whatif_metric.set, classes=["whatif-metric"])
        if values:
            shown = ", ".join(field_value_text(field, v) for v in values)
            solara.Text(f"Values: {shown}. Metric: {label(state.whatif_metric.value)}.",
                        classes=["whatif-values"])
        solara.Button("Run what-if", icon_name="mdi-chart-line", color="primary", classes=["whatif-run"],
                      disabled=values is None or job.pending,
                      on_click=lambda: job(scenario, field, values, state.whatif_metric.value))
        if job.pending:
            Progress(job, state.whatif_counts.value, "what-if", "cancel-whatif")
        elif job.cancelled:
            solara.Text("What-if cancelled.", classes=["whatif-cancelled"])
        elif job.error:
            solara.Text(f"What-if failed: {job.exception}", classes=["error--text", "whatif-error"])
        if figure is not None:  # the last finished what-if stays up while the next one runs
            solara.Style(CSS)
            solara.FigurePlotly(figure)
            with solara.Div(classes=["influsim-results", "whatif-result"]):
                solara.HTML(tag="div", unsafe_innerHTML=whatif_html(latest))
