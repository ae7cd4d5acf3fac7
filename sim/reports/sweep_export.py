"""The ``influsim sweep`` command: read the sweep file, run what is missing, write the files and the report.

Examples
--------
>>> callable(export) and callable(cmd_sweep)
True
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from sim.atomic import remove_stale
from sim.errors import ScenarioError
from sim.reports.folders import guarded
from sim.reports.progress import (CountingExecutor, LineProgress, NoProgress, is_terminal, market_progress, preflight,
                                  progress_bar)
from sim.studies.resources import sweep_estimate
from sim.studies.store import ResultStore
from sim.studies.sweep.execute import SweepOutcome, make_executor, run_sweep
from sim.studies.sweep.spec import Sweep, load_sweep
from sim.format import number as fmt
from sim.reports.sweep_report import write_sweep_report
from sim.studies.sweep.summary import export_data
from sim.world.disk_store import default_cache_dir


def export(sw: Sweep, out: str | Path) -> dict:
    """Write the sweep's data files (:func:`sim.studies.sweep.export_data`) and ``report.html``.

    Returns ``{"summary": rows, "sensitivity": rows, "notes": notes, "files": names, ...}``.
    """
    res = export_data(sw, out)
    write_sweep_report(Path(out) / "report.html", sw, res["summary"], res["sensitivity"], res["notes"],
                       res["counts"], res["failures"])
    res["files"] = res["files"] + ["report.html"]
    return res


def cmd_sweep(args) -> int:
    """``influsim sweep SWEEP.toml --out DIR [--workers N] [--scheduler ADDR] [--no-progress] [--force]``.

    Before any folder is made: a memory and time estimate (refused in one line when it exceeds
    the memory available, unless ``--force``) and every design point checked, with progress.
    When stderr is not a terminal, progress is a plain line every 10 s.

    Returns 0 when every run succeeded, 1 when some failed (they are retried by a rerun).
    """
    if args.workers is not None and args.workers < 1:
        raise ScenarioError("--workers", f"must be >= 1, got {args.workers}")
    sw = load_sweep(args.sweep)
    _preflight(sw, args)  # memory and time estimate, then every design point checked: before any folder is made
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise ScenarioError("--out", f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / "runs.sqlite").is_file():
        raise ScenarioError("--out", f"{out} is not empty and holds no sweep (runs.sqlite)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScenarioError("--out", f"cannot create {out} ({exc.strerror})") from None
    with ResultStore(out / "runs.sqlite", sw.identity()) as store:  # another sweep's folder, or in use: say so now
        already = len(store.done())
    remove_stale(out)  # temporaries of a driver that died (kill -9, a power cut): they would fill a small disk
    # Ctrl-C and SIGTERM clean up below; after kill -9 the janitor does
    with guarded(out, default_cache_dir()):
        executor, slots, where, close = make_executor(args.workers, getattr(args, "scheduler", None),
                                                      getattr(args, "worker_timeout", None))
        try:
            print(f"sweep {sw.name}: {len(sw.points)} points x {len(sw.strategies)} strategies x {sw.replicates} "
                  f"replicates = {sw.n_runs} runs ({sw.design.kind} design), on {where}", file=sys.stderr)
            lines = _run_lines(sw, already, args.no_progress)  # plain progress lines when stderr is not a terminal
            try:
                with market_progress(not args.no_progress):
                    outcome = run_sweep(sw, out, CountingExecutor(executor, lines), slots,
                                        progress=not args.no_progress)
            finally:
                lines.close()
        except BaseException:
            close(kill=True)  # the runs in flight are lost either way: stop the workers now
            raise
        close()
        try:
            res = export(sw, out)
        except BaseException as exc:
            remove_stale(out, pids={os.getpid()}, dead_only=False)  # what this export had half written
            if isinstance(exc, OSError) and exc.filename is None:  # a failed write alone names no file
                raise OSError(exc.errno, exc.strerror or str(exc), str(out)) from None
            raise
    print(summary_text(sw, outcome, res))
    print(f"wrote {out}/: {', '.join(res['files'])} (all runs: runs.sqlite)")
    return 1 if outcome.failed else 0


def _preflight(sw: Sweep, args) -> None:
    """Refuse a sweep the machine cannot hold (one line; ``--force`` overrides), announce a large one, and
    check every design point a large design left unchecked when it was read, with progress."""
    remote = bool(getattr(args, "scheduler", None) or os.environ.get("DASK_SCHEDULER_ADDRESS"))
    workers = 1 if remote else (args.workers or os.cpu_count() or 1)
    where = "a Dask cluster" if remote else f"{workers} worker{'s' if workers > 1 else ''}"
    preflight(sweep_estimate(sw, workers, remote), f"sweep {sw.name}: {sw.n_runs:,} runs on {where}",
              force=getattr(args, "force", False), quiet=args.no_progress)
    points = sw.scenarios
    if getattr(points, "checked", len(points)) < len(points):
        bar = progress_bar(len(points), "checking design points", "point", disable=args.no_progress, verb="checked")
        try:
            for k in range(len(points)):
                points[k]
                bar.update(1)
        finally:
            bar.close()


def _run_lines(sw: Sweep, already: int, quiet: bool):
    """Plain periodic progress lines of the sweep's runs when stderr is not a terminal (a bar is drawn there)."""
    if quiet or is_terminal(sys.stderr):
        return NoProgress()
    return LineProgress(sw.n_runs, "run", initial=already)


def summary_text(sw: Sweep, outcome: SweepOutcome, res: dict) -> str:
    """The end-of-sweep summary: runs done, skipped and failed, and the leading sensitivity indices."""
    lines = [f"{sw.name}: {outcome.total} runs; {outcome.ran} run now in {outcome.seconds:.1f} s, "
             f"{outcome.skipped} already done; {outcome.failed} failed"
             + (" (rerun the same command to retry them)" if outcome.failed else "")]
    if outcome.first_error:
        lines.append(f"  first error: {outcome.first_error}")
    sens = res["sensitivity"]
    if sens:
        m = sw.metrics[0]
        for name in dict.fromkeys(r["strategy"] for r in sens):
            rs = [r for r in sens if r["strategy"] == name and r["metric"] == m]
            if not rs:
                continue
            if rs[0]["method"] == "sobol":
                rs.sort(key=lambda r: -r["ST"])
                cells = [f"{r['parameter']} ST={r['ST']:.2f}+-{r['ST_conf']:.2f} S1={r['S1']:.2f}" for r in rs]
            elif rs[0]["method"] == "morris":
                rs.sort(key=lambda r: -r["mu_star"])
                cells = [f"{r['parameter']} mu*={fmt(r['mu_star'])}+-{fmt(r['mu_star_conf'])}" for r in rs]
            else:
                rs.sort(key=lambda r: -r["S1"])
                cells = [f"{r['parameter']} S1={r['S1']:.2f}+-{r['S1_conf']:.2f}" for r in rs]
            lines.append(f"  {m} / {name}: " + "; ".join(cells))
    for note in res["notes"]:
        lines.append(f"  note: {note}")
    return "\n".join(lines)
