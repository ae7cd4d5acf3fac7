"""The page: the form on the left; Run, the results and the what-if on the right.

Served by ``influsim app`` (``solara run sim.app.page``).
"""

from __future__ import annotations

import solara
import solara.lab

from sim.app import state
from sim.app.form import build, error_key
from sim.app.form_view import Form
from sim.app.results_view import Results, RunBar
from sim.app.frontier_view import FrontierPanel
from sim.app.whatif_view import WhatIfPanel
from sim.errors import ScenarioError


def fix_solara_navigator() -> bool:
    """Give Solara's router widget its own template with its script's export spelt right.

    Solara's ``solara/widgets/vue/navigator.vue`` (1.64) assigns ``modules.export = {...}``
    instead of ``module.exports``; ipyvue then logs "Failed to evaluate Vue script and find
    module.exports, falling back to old method" in the browser console on every page load
    (the fallback then works). The widget gets the same text with that one assignment
    corrected, passed as its template instead of the file; a Solara whose file is right is
    left alone.

    Returns
    -------
    bool
        Whether the template needed the correction (and now has it).
    """
    from pathlib import Path

    from solara.widgets import widgets

    navigator = widgets.Navigator
    if getattr(navigator, "_influsim_template", None) is not None:
        return True
    if not navigator.template_file:
        return False
    text = Path(navigator.template_file).read_text(encoding="utf-8")
    if "modules.export =" not in text:
        return False
    navigator._influsim_template = text.replace("modules.export =", "module.exports =", 1)
    navigator.template_file = None  # type: ignore[assignment]  # typed str; ipyvue reads the file only when it is set
    init = navigator.__init__

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("template", navigator._influsim_template)
        init(self, *args, **kwargs)

    navigator.__init__ = __init__  # type: ignore[method-assign]  # patching the class on purpose
    return True


fix_solara_navigator()

INTRO = ("<h2>influsim: what-if workbench</h2><p>Set the brand, the product and the strategies, press Run, and read "
         "which strategy wins, by how much and how sure, and what it costs; then try a what-if.</p>")


def _with_run_error(built, errors: dict) -> dict:
    """The form's messages plus a failed run's, at its field, while the form still holds that scenario."""
    job = state.run_job
    exc = job.exception if job.error else None
    if isinstance(exc, ScenarioError) and built.scenario is not None and built.scenario == state.last_run.value:
        return {**errors, error_key(exc.field, state.rows.value): str(exc)}
    return errors


@solara.component
def Page():
    """The what-if workbench."""
    base, values, rows = state.base.value, state.values.value, state.rows.value
    built = solara.use_memo(lambda: build(base, values, rows), dependencies=[id(base), values, rows])
    errors = _with_run_error(built, built.errors)
    solara.Title("influsim: what-if workbench")
    with solara.Columns([4, 8], style={"padding": "8px"}):
        with solara.Column(classes=["form-column"]):
            solara.HTML(tag="div", unsafe_innerHTML=INTRO)
            Form(built, errors)
        with solara.Column(classes=["results-column"], style={"min-width": "0"}):
            with solara.lab.Tabs(value=0):
                with solara.lab.Tab("Run", classes=["tab-run"]):
                    RunBar(built.scenario, errors)
                    outcome = state.run_job.latest  # the last finished run stays up while the next one runs
                    if outcome is not None:
                        Results(outcome)
                with solara.lab.Tab("What if", classes=["tab-whatif"]):
                    WhatIfPanel(built.scenario)
                with solara.lab.Tab("How much to spend", classes=["tab-frontier"]):
                    FrontierPanel(built.scenario)
