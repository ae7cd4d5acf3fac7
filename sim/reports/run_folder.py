"""The folder of a run: ``summary.csv``, ``runs.csv``, ``scenario.json`` and ``report.html``.

One writer for ``influsim run`` and the app's "download the run folder", so both give the
same files for the same scenario and seed.
"""

from __future__ import annotations

from pathlib import Path

from sim.atomic import atomic_folder

#: The files of a run folder, in the order ``influsim run`` lists them.
FILES = ("report.html", "summary.csv", "runs.csv", "creators.csv", "scenario.json")


def write_run_folder(scenario, results, out: Path, spread: list[dict] | None = None,
                     creators: list[dict] | None = None, marginal_top="default") -> None:
    """Write the run folder ``out`` whole or not at all.

    Parameters
    ----------
    scenario : Scenario
        The resolved scenario that was run.
    results : list of ReplicateResult
        What :func:`sim.studies.runs.run_scenario` returned for it.
    out : Path
        The folder to create: it must not exist or be empty; missing parents are created.
        It appears whole or not at all (:func:`sim.atomic.atomic_folder`).
    spread : list of dict, optional
        :func:`sim.studies.spread.spread_sources` of the run, if the caller has it already
        (else it is computed here: a few campaign re-runs on one market).
    creators : list of dict, optional
        :func:`sim.studies.creators.creator_rows` of the run, if the caller has it already (else
        computed here: traced re-runs of the replicates, ``marginal_top`` accounts per roster re-run
        without them; the default :data:`sim.studies.creators.MARGINAL_TOP`).
    """
    from sim.studies import creators as creators_study
    from sim.reports.report import creators_section, outreach_section, spread_section, write_report
    from sim.studies.compare import scenario_baseline
    from sim.studies.results import summarize, write_runs_csv, write_scenario_json, write_summary_csv
    from sim.studies.runs import replicate_seeds
    from sim.studies.hinges import hinge_section
    from sim.studies.spread import spread_sources

    out = Path(out)
    if spread is None:
        spread = spread_sources(scenario, results)
    top = creators_study.MARGINAL_TOP if marginal_top == "default" else marginal_top
    if creators is None:
        creators = creators_study.creator_rows(scenario, results, marginal_top=top)
    rows = summarize(results, scenario_baseline(scenario))
    with atomic_folder(out) as folder:
        write_summary_csv(rows, folder / "summary.csv")
        write_runs_csv(results, folder / "runs.csv")
        creators_study.write_creators_csv(creators, scenario, folder / "creators.csv")
        seeds = {"root": scenario.run.seed,
                 "replicates": [list(s.spawn_key) for s in replicate_seeds(scenario.run.seed, scenario.run.replicates)]}
        write_scenario_json(scenario, folder / "scenario.json", seeds)
        write_report(folder / "report.html", scenario, results, rows,
                     extra_sections=[spread_section(spread), hinge_section(scenario, results),
                                     outreach_section(results)],
                     creators_html=creators_section(scenario, creators, top))
