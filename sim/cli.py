"""The ``influsim`` command line.

``influsim run [SCENARIO]`` runs a scenario (the embedded default without one) and
writes a report folder; ``influsim schema`` prints the scenario JSON Schema. Bad input
gets a one-line error naming the field, exit code 2, and no output folder.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

from sim import __version__
from sim.errors import InfluSimError, ScenarioError

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit 2, like every other bad input
        self.exit(EXIT_BAD_INPUT, f"influsim: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="influsim", description="Simulate influencer-marketing campaigns (micro vs macro).")
    p.add_argument("--version", action="version", version=f"influsim {__version__}")
    sub = p.add_subparsers(dest="command", required=True, parser_class=_Parser)

    run = sub.add_parser("run", help="run a scenario and write a report folder")
    run.add_argument("scenario", nargs="?", help="scenario TOML file (default: the embedded default scenario)")
    run.add_argument("--replicates", type=int, help="replicates per strategy (overrides run.replicates)")
    run.add_argument("--seed", type=int, help="root seed (overrides run.seed)")
    run.add_argument("--out", help="output folder (default: a new folder under ./runs/)")
    run.add_argument("--workers", type=int, help="worker processes (default: one per core)")
    run.add_argument("--no-progress", action="store_true", help="no progress bar")

    schema = sub.add_parser("schema", help="print the JSON Schema of scenario files")
    schema.add_argument("--toml", action="store_true", help="print the default scenario as commented TOML instead")

    sweep = sub.add_parser("sweep", help="run a parameter sweep (see scenarios/sweeps/)")
    sweep.add_argument("sweep", help="sweep TOML file")
    sweep.add_argument("--out", required=True, help="output folder (rerun with the same folder to resume)")
    sweep.add_argument("--workers", type=int, help="local worker processes (default: one per core)")
    sweep.add_argument("--scheduler", help="Dask scheduler address tcp://HOST:PORT (or DASK_SCHEDULER_ADDRESS)")
    sweep.add_argument("--no-progress", action="store_true", help="no progress bar")

    exp = sub.add_parser("experiments", help="calibration check and the article's claims, as one HTML report")
    exp.add_argument("--quick", action="store_true", help="fewer replicates and a smaller population (minutes)")
    exp.add_argument("--out", help="output folder (default: a new folder under ./runs/)")
    exp.add_argument("--workers", type=int, help="worker processes (default: one per core)")
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "schema":
            from sim.scenario import default_toml, json_schema

            print(default_toml() if args.toml else json.dumps(json_schema(), indent=2), end="\n" if not args.toml else "")
            return 0
        if args.command == "sweep":
            from sim.studies.sweep import cmd_sweep

            return cmd_sweep(args)
        if args.command == "experiments":
            from experiments.run import cmd_experiments

            return cmd_experiments(args)
        return cmd_run(args)
    except InfluSimError as exc:
        print(f"influsim: error: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("influsim: interrupted", file=sys.stderr)
        return 130


def cmd_run(args) -> int:
    from tqdm import tqdm

    from sim.reports.report import outreach_section, write_report
    from sim.studies.results import summarize, write_runs_csv, write_scenario_json, write_summary_csv
    from sim.studies.runs import replicate_seeds, run_scenario
    from sim.scenario import load_scenario, with_fields

    sc = load_scenario(args.scenario)
    changes = {}
    if args.replicates is not None:
        changes["run.replicates"] = args.replicates
    if args.seed is not None:
        changes["run.seed"] = args.seed
    if changes:
        sc = with_fields(sc, changes)
    if args.workers is not None and args.workers < 1:
        raise ScenarioError("--workers", f"must be >= 1, got {args.workers}")
    out = _output_folder(args.out)

    t0 = time.perf_counter()
    n_tasks = len(sc.strategies) * sc.run.replicates
    bar = tqdm(total=n_tasks, desc="campaigns", unit="run", disable=args.no_progress or None, file=sys.stderr)
    results = run_scenario(sc, workers=args.workers, progress=lambda _r: bar.update(1))
    bar.close()
    elapsed = time.perf_counter() - t0

    rows = summarize(results)
    tmp = Path(tempfile.mkdtemp(prefix=".influsim-", dir=out.parent))
    try:
        write_summary_csv(rows, tmp / "summary.csv")
        write_runs_csv(results, tmp / "runs.csv")
        seeds = {"root": sc.run.seed,
                 "replicates": [list(s.spawn_key) for s in replicate_seeds(sc.run.seed, sc.run.replicates)]}
        write_scenario_json(sc, tmp / "scenario.json", seeds)
        write_report(tmp / "report.html", sc, results, rows, extra_sections=[outreach_section(results)])
        if out.exists():
            out.rmdir()  # empty (checked in _output_folder)
        os.replace(tmp, out)  # the folder appears whole or not at all
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    print(_summary_text(sc, rows, elapsed))
    print(f"wrote {out}/report.html, summary.csv, runs.csv, scenario.json")
    return 0


def _output_folder(arg: str | None) -> Path:
    if arg is None:
        base = Path("runs")
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        out, k = base / stamp, 1
        while out.exists():
            k += 1
            out = base / f"{stamp}-{k}"
    else:
        out = Path(arg)
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise ScenarioError("--out", f"{out} exists and is not an empty folder")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScenarioError("--out", f"cannot create {out.parent} ({exc.strerror})") from None
    if not os.access(out.parent, os.W_OK):
        raise ScenarioError("--out", f"{out.parent} is not writable")
    return out.resolve()


def _summary_text(sc: dict, rows: list[dict], elapsed: float) -> str:
    from sim.reports.report import fmt

    metrics = ["reach", "engagements", "conversions", "cost", "roi", "cost_per_acquisition"]
    names = list(dict.fromkeys(r["strategy"] for r in rows))
    idx = {(r["strategy"], r["metric"]): r for r in rows}
    width = max(22, *(len(n) + 2 for n in names))
    lines = [f"{sc.name}: {len(names)} strategies x {rows[0]['n'] if rows else 0} replicates in {elapsed:.1f} s"
             " (mean [95% CI])",
             f"{'metric':<22}" + "".join(f"{n:>{width + 12}}" for n in names)]
    for m in metrics:
        cells = []
        for n in names:
            r = idx[(n, m)]
            cells.append(f"{fmt(r['mean'])} [{fmt(r['ci_low'])}, {fmt(r['ci_high'])}]")
        lines.append(f"{m:<22}" + "".join(f"{c:>{width + 12}}" for c in cells))
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
