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
    run.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                     help="change a scenario field by its dotted path, e.g. --set brand.budget=20000 (repeatable; "
                          "the value is read as TOML)")
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

    cache = sub.add_parser("cache", help="show or empty the market cache ($INFLUSIM_CACHE, ~/.cache/influsim)")
    cache.add_argument("action", choices=["info", "clear"], help="info: folder, entries, size, bound; clear: empty it")

    app = sub.add_parser("app", help="the what-if app in the browser (a local web server; Ctrl-C stops it)")
    app.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    app.add_argument("--port", type=int, default=8765, help="port to listen on (default: 8765)")
    return p


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if args.command == "schema":
            from sim.scenario import default_toml, json_schema

            print(default_toml() if args.toml else json.dumps(json_schema(), indent=2), end="\n" if not args.toml else "")
            return 0
        if args.command == "sweep":
            from sim.reports.sweep_export import cmd_sweep

            return cmd_sweep(args)
        if args.command == "cache":
            from sim.world.cache import cmd_cache

            return cmd_cache(args)
        if args.command == "app":
            from sim.app import serve

            return serve(args.host, args.port)
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

    from sim.studies.spread import spread_sources, spread_text
    from sim.reports.terminal import summary_text
    from sim.reports.folders import output_folder
    from sim.reports.run_folder import write_run_folder
    from sim.scenario import load_scenario, parse_assignment, with_fields
    from sim.studies.runs import default_workers, run_scenario

    sc = load_scenario(args.scenario)
    changes = dict(parse_assignment(text) for text in args.set)
    if args.replicates is not None:
        changes["run.replicates"] = args.replicates
    if args.seed is not None:
        changes["run.seed"] = args.seed
    if changes:
        sc = with_fields(sc, changes)
    if args.workers is not None and args.workers < 1:
        raise ScenarioError("--workers", f"must be >= 1, got {args.workers}")
    out = output_folder(args.out)

    t0 = time.perf_counter()
    n_tasks = len(sc.strategies) * sc.run.replicates
    bar = tqdm(total=n_tasks, desc="campaigns", unit="run", disable=args.no_progress or None, file=sys.stderr)
    workers = args.workers or default_workers(sc.run.replicates)
    results = run_scenario(sc, workers=workers, progress=lambda rep: bar.update(len(rep)))
    bar.close()
    elapsed = time.perf_counter() - t0

    spread = spread_sources(sc, results)  # market vs campaign: a few re-runs on one market
    write_run_folder(sc, results, out, spread)
    print(summary_text(sc, results, elapsed))
    if spread:
        print("\nWhere the spread comes from:\n" + "\n".join(f"  {line}" for line in spread_text(spread)))
    print(f"wrote {out}/report.html, summary.csv, runs.csv, scenario.json")
    return 0



if __name__ == "__main__":
    sys.exit(main())
