"""The app's state: the form, the loaded files, and the run and what-if jobs.

Solara keeps a separate copy of every reactive variable and task for each browser tab,
so two strategists on the same server do not see each other's forms or runs.
"""

from __future__ import annotations

import solara
import solara.lab

from sim.app import jobs
from sim.app.form import app_scenario, rows_of, values_of
from sim.scenario import with_fields

base = solara.reactive(app_scenario())  # the scenario the form edits: the preset or a loaded file
values = solara.reactive(values_of(app_scenario()))  # form field path -> text as typed
rows = solara.reactive(rows_of(app_scenario()))  # the strategies to compare
file_note = solara.reactive("")  # what the last load did
file_error = solara.reactive("")  # why the last load failed (one line)
run_counts = solara.reactive((0, 0))  # replicates done, in all, of the run
whatif_counts = solara.reactive((0, 0))  # the same for the what-if
last_run = solara.reactive(None)  # the scenario of the last run started

frontier_counts = solara.reactive((0, 0))  # the same for the frontier
frontier_budgets = solara.reactive("10k,25k,50k,100k")

whatif_field = solara.reactive("brand.budget")
whatif_from = solara.reactive("")
whatif_to = solara.reactive("")
whatif_count = solara.reactive("3")
whatif_metric = solara.reactive("roi")
whatif_errors: solara.Reactive[dict[str, str]] = solara.reactive({})  # "from", "to", "count" -> one-line message

# -- your own creators: where the uploaded shortlist is kept (None: none uploaded), what reading it said
shortlist: solara.Reactive[str | None] = solara.reactive(None)
shortlist_note = solara.reactive("")
shortlist_error = solara.reactive("")


def load(scenario, note: str) -> None:
    """Make ``scenario`` the one the form edits, its fields and strategies in the form.

    An uploaded shortlist stays in use unless the loaded scenario names one of its own.
    """
    if shortlist.value and not scenario.influencers.shortlist:
        scenario = with_fields(scenario, {"influencers.shortlist": shortlist.value})
    elif scenario.influencers.shortlist:
        shortlist.set(None)
        shortlist_note.set("")
        shortlist_error.set("")
    base.set(scenario)
    values.set(values_of(scenario))
    rows.set(rows_of(scenario))
    file_note.set(note)
    file_error.set("")


def set_shortlist(path: str, only: bool | None = None) -> None:
    """The form's scenario with ``influencers.shortlist = path`` ("" for none) and, if given, ``shortlist_only``."""
    changes: dict[str, str | bool] = {"influencers.shortlist": path}
    if only is not None or not path:
        changes["influencers.shortlist_only"] = bool(only) and bool(path)
    base.set(with_fields(base.value, changes))


def _reporter(task, counts):
    def report(done: int, total: int) -> None:
        counts.set((done, total))
        task.progress = 100.0 * done / max(total, 1)
    return report


@solara.lab.task(prefer_threaded=True)
def run_job(scenario) -> jobs.RunOutcome:
    """Run the form's scenario (in a thread); stops after the replicate in progress when cancelled."""
    run_counts.set((0, len(scenario.strategies) * scenario.run.replicates))
    return jobs.run(scenario, _reporter(run_job, run_counts), lambda: not run_job.is_current())


@solara.lab.task(prefer_threaded=True)
def whatif_job(scenario, field: str, values_: list, metric: str) -> jobs.WhatIf:
    """Run the what-if sweep (in a thread); stops after the replicate in progress when cancelled."""
    whatif_counts.set((0, 0))
    return jobs.run_whatif(scenario, field, values_, metric, _reporter(whatif_job, whatif_counts),
                           lambda: not whatif_job.is_current())


@solara.lab.task(prefer_threaded=True)
def frontier_job(scenario, budgets: list) -> list:
    """Run the frontier, one condition per budget (in a thread); stops after the replicate in progress."""
    frontier_counts.set((0, len(budgets) * len(scenario.strategies) * scenario.run.replicates))
    return jobs.run_frontier(scenario, budgets, _reporter(frontier_job, frontier_counts),
                             lambda: not frontier_job.is_current())
