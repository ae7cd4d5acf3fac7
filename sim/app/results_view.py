"""The run: Run and Cancel with a progress bar, then the results, decision first.

Order of the results: verdict lines, spend and warnings; which creators (top 10 per strategy); the key figures with units and
intervals; by platform, when the creators hired are on several; the run folder to download;
the report's charts.
"""

from __future__ import annotations

import functools
import html

import solara

from sim.app import state
from sim.app.bundle import folder_name, run_folder_zip
from sim.app.charts import for_browser, result_figures
from sim.app.tables import CSS, creators_html, decision_html, kpi_html, platform_html


@solara.component
def Progress(task, counts: tuple[int, int], what: str, cancel_class: str):
    """A progress bar with "n of N replicates" and a Cancel button, while ``task`` runs."""
    done, total = counts
    with solara.Div(classes=[f"{cancel_class}-progress"]):
        solara.ProgressLinear(task.progress if task.progress is not None else True)
        with solara.Row(style={"align-items": "center"}):
            solara.Text(f"{what}: {done:,} of {total:,} replicates" if total else f"{what}: starting")
            solara.Button("Cancel", on_click=task.cancel, color="warning", classes=[cancel_class])


@solara.component
def RunBar(scenario, errors: dict):
    """Run (disabled while a field is bad: nothing runs), and the progress of the run."""
    job = state.run_job

    def start() -> None:
        if scenario is None:  # never runs a bad form
            return
        state.last_run.set(scenario)
        job(scenario)

    with solara.Row(style={"align-items": "center"}):
        solara.Button("Run", icon_name="mdi-play", color="primary", on_click=start,
                      disabled=scenario is None or job.pending, classes=["run-button"])
        if scenario is None:
            first = next(iter(errors.values()), "")
            solara.Text(f"Not run: fix the fields marked in red (first: {first}).", classes=["run-blocked"])
        elif not job.pending:
            n = len(scenario.strategies) * scenario.run.replicates
            solara.Text(f"{len(scenario.strategies)} strategies x {scenario.run.replicates} replicates = {n} "
                        f"campaigns of {scenario.population.size:,} people", classes=["run-size"])
    if job.pending:
        Progress(job, state.run_counts.value, "running", "cancel-run")
    elif job.cancelled:
        solara.Text("Run cancelled: nothing new to show.", classes=["run-cancelled"])
    elif job.error:
        solara.Text(f"Run failed: {job.exception}", classes=["error--text", "run-error"])


@solara.component
def Results(outcome):
    """Decision, spend and warnings; key figures; the run folder; the charts."""
    sc, results = outcome.scenario, outcome.results
    creators = getattr(outcome, "creators", ())
    zip_data = solara.use_memo(lambda: functools.partial(run_folder_zip, sc, results, creators),
                               dependencies=[id(outcome)])
    figures = solara.use_memo(lambda: [for_browser(f) for f in result_figures(sc, results)],
                              dependencies=[id(outcome)])
    tables = solara.use_memo(lambda: decision_html(sc, results) + creators_html(sc, creators) + kpi_html(results)
                             + platform_html(results), dependencies=[id(outcome)])
    n = max((r.replicate for r in results), default=-1) + 1
    solara.Style(CSS)
    with solara.Div(classes=["influsim-results", "results"]):
        head = (f"<h2>Results: {html.escape(sc.name)}</h2><p>{len(sc.strategies)} strategies x {n} replicates, "
                f"{sc.population.size:,} people, seed {sc.run.seed}, in {outcome.elapsed:.1f} s.</p>")
        solara.HTML(tag="div", unsafe_innerHTML=head + tables)
        with solara.Row(style={"align-items": "center"}):
            solara.FileDownload(zip_data, filename=f"{folder_name(sc)}.zip", mime_type="application/zip",
                                label="Download the run folder")
            solara.Text("a zip of what influsim run writes: report.html, summary.csv, runs.csv, creators.csv, scenario.json")
        for fig in figures:
            solara.FigurePlotly(fig)
