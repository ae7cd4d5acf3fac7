"""The ``influsim sweep`` command: read the sweep file, run what is missing, write the files and the report.

Examples
--------
>>> callable(export) and callable(cmd_sweep)
True
"""

from __future__ import annotations

import sys
from pathlib import Path

from sim.errors import ScenarioError
from sim.studies.store import ResultStore
from sim.studies.sweep.execute import SweepOutcome, make_executor, run_sweep
from sim.studies.sweep.spec import Sweep, load_sweep
from sim.reports.report import fmt
from sim.reports.sweep_report import write_sweep_report
from sim.studies.sweep.summary import export_data


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
    """``influsim sweep SWEEP.toml --out DIR [--workers N] [--scheduler ADDR] [--no-progress]``.

    Returns 0 when every run succeeded, 1 when some failed (they are retried by a rerun).
    """
    if args.workers is not None and args.workers < 1:
        raise ScenarioError("--workers", f"must be >= 1, got {args.workers}")
    sw = load_sweep(args.sweep)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise ScenarioError("--out", f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / "runs.sqlite").is_file():
        raise ScenarioError("--out", f"{out} is not empty and holds no sweep (runs.sqlite)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScenarioError("--out", f"cannot create {out} ({exc.strerror})") from None
    ResultStore(out / "runs.sqlite", sw.identity()).close()  # another sweep's folder, or in use: say so now
    executor, slots, where, close = make_executor(args.workers, getattr(args, "scheduler", None))
    try:
        print(f"sweep {sw.name}: {len(sw.points)} points x {len(sw.strategies)} strategies x {sw.replicates} "
              f"replicates = {sw.n_runs} runs ({sw.design.kind} design), on {where}", file=sys.stderr)
        outcome = run_sweep(sw, out, executor, slots, progress=not args.no_progress)
    finally:
        close()
    res = export(sw, out)
    print(summary_text(sw, outcome, res))
    print(f"wrote {out}/: {', '.join(res['files'])} (all runs: runs.sqlite)")
    return 1 if outcome.failed else 0


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
