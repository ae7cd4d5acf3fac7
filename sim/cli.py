"""The ``influsim`` command line.

``influsim run [SCENARIO]`` runs a scenario (the embedded default without one) and
writes a report folder; ``influsim schema`` prints the scenario JSON Schema. Bad input
gets a one-line error naming the field, exit code 2, and no output folder.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import sys
import tempfile
import threading
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
    run.add_argument("--force", action="store_true",
                     help="run even when the memory estimate exceeds the memory available (refused otherwise)")
    run.add_argument("--creators", metavar="CSV",
                     help="your own creators: a shortlist CSV (handle, platform, followers, niche; optional "
                          "engagement_rate, fee, country, language) added to the candidate pool "
                          "(sets influencers.shortlist; see sim/world/shortlist.py)")
    run.add_argument("--creators-only", action="store_true",
                     help="the shortlist is the whole candidate pool (sets influencers.shortlist_only)")
    run.add_argument("--marginal-top", type=int, default=None, metavar="K",
                     help="creators.csv: re-run each replicate without each of its roster's K accounts of largest "
                          "profit contribution, for their marginal profit (default: 10; -1: every account; 0: none)")

    frontier = sub.add_parser("frontier", help="how much to spend: profit, ROI and buyers against budget")
    frontier.add_argument("scenario", nargs="?", help="scenario TOML file (default: the embedded default scenario)")
    frontier.add_argument("--budgets", default="10k,25k,50k,100k,200k",
                          help="budgets to run, USD (k = thousand, M = million; default: 10k,25k,50k,100k,200k)")
    frontier.add_argument("--replicates", type=int, help="replicates per strategy and budget (overrides run.replicates)")
    frontier.add_argument("--seed", type=int, help="root seed (overrides run.seed)")
    frontier.add_argument("--set", action="append", default=[], metavar="FIELD=VALUE",
                          help="change a scenario field by its dotted path (repeatable; the value is read as TOML)")
    frontier.add_argument("--creators", metavar="CSV", help="a shortlist CSV added to the pool (as for run)")
    frontier.add_argument("--creators-only", action="store_true", help="the shortlist is the whole pool")
    frontier.add_argument("--out", help="output folder (default: a new folder under ./runs/)")
    frontier.add_argument("--workers", type=int, help="worker processes (default: one per core)")
    frontier.add_argument("--no-progress", action="store_true", help="no progress bar")

    schema = sub.add_parser("schema", help="print the JSON Schema of scenario files")
    schema.add_argument("--toml", action="store_true", help="print the default scenario as commented TOML instead")

    sweep = sub.add_parser("sweep", help="run a parameter sweep (see scenarios/sweeps/)")
    sweep.add_argument("sweep", help="sweep TOML file")
    sweep.add_argument("--out", required=True, help="output folder (rerun with the same folder to resume)")
    sweep.add_argument("--workers", type=int, help="local worker processes (default: one per core)")
    sweep.add_argument("--scheduler", help="Dask scheduler address tcp://HOST:PORT (or DASK_SCHEDULER_ADDRESS)")
    sweep.add_argument("--worker-timeout", type=float, default=60.0, metavar="SECONDS",
                       help="with --scheduler: stop (finished runs kept) when the scheduler or every worker has "
                            "been gone this long (default: 60)")
    sweep.add_argument("--no-progress", action="store_true", help="no progress bar")
    sweep.add_argument("--force", action="store_true",
                       help="run even when the memory estimate exceeds the memory available (refused otherwise)")

    exp = sub.add_parser("experiments", help="calibration check and the article's claims, as one HTML report")
    exp.add_argument("--quick", action="store_true", help="fewer replicates and a smaller population (minutes)")
    exp.add_argument("--out", help="output folder (default: a new folder under ./runs/)")
    exp.add_argument("--workers", type=int, help="worker processes (default: one per core)")

    cache = sub.add_parser("cache", help="show or empty the market cache ($INFLUSIM_CACHE, ~/.cache/influsim)")
    cache.add_argument("action", choices=["info", "clear"], help="info: folder, entries, size, bound; clear: empty it")

    fit = sub.add_parser("fit", help="fit uncertain parameters to a past campaign (ABC-SMC) and write a posterior")
    fit.add_argument("past", metavar="PAST.csv", help="the past campaign: one creator a line (handle, platform, "
                     "followers, niche, posts, fee; outcomes impressions, reach, likes, comments, shares, link_clicks, "
                     "purchases, revenue; empty cells are fine); see sim/studies/fit/past.py")
    fit.add_argument("--scenario", metavar="S.toml", help="the scenario the campaign ran in (default: the file a "
                     "'# scenario: FILE' comment of PAST.csv names, else the embedded default)")
    fit.add_argument("--out", metavar="DIR", help="output folder (default: runs/fit-<date>-<time>)")
    fit.add_argument("--particles", type=int, default=150, help="particles per generation (default: 150)")
    fit.add_argument("--generations", type=int, default=8, help="most generations (default: 8)")
    fit.add_argument("--max-minutes", type=float, default=9.0, metavar="M",
                     help="stop after M minutes of fitting, keeping the last complete generation (default: 9)")
    fit.add_argument("--min-epsilon", type=float, default=0.0, help="stop when epsilon falls to this (default: 0)")
    fit.add_argument("--seed", type=int, help="root seed of the fit (default: the scenario's run.seed)")
    fit.add_argument("--workers", type=int, help="local worker processes (default: 2 or the cores if fewer; the "
                     "result is the same for any number)")
    fit.add_argument("--people", type=int, help="most simulated people per simulation (default: 10000; the "
                     "scenario's market is kept)")
    fit.add_argument("--forecast", metavar="RUN_FOLDER", help="an influsim run folder made before the campaign: "
                     "set its forecast against the actuals (forecast_vs_actual.csv)")
    fit.add_argument("--dask", metavar="SCHEDULER", help="run the simulations on a Dask cluster (tcp://HOST:PORT)")
    fit.add_argument("--no-progress", action="store_true", help="no progress bar")

    app = sub.add_parser("app", help="the what-if app in the browser (a local web server; Ctrl-C stops it)")
    app.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    app.add_argument("--port", type=int, default=8765, help="port to listen on (default: 8765)")
    return p


class Terminated(KeyboardInterrupt):
    """SIGTERM, handled like Ctrl-C: the same cleanup, then exit code 143."""


@contextlib.contextmanager
def _signals(command: str):
    """SIGTERM raises :class:`Terminated` (a second one is ignored while cleaning up); a write past the file
    size limit (``ulimit -f``) fails with an error instead of killing us (SIGXFSZ ignored, in workers too);
    ``run`` and ``sweep`` get a janitor that removes their temporaries if they die with ``kill -9``."""
    saved = {}

    def on_term(signum, frame):
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        raise Terminated()

    if threading.current_thread() is threading.main_thread():
        saved[signal.SIGTERM] = signal.signal(signal.SIGTERM, on_term)
        if hasattr(signal, "SIGXFSZ"):
            saved[signal.SIGXFSZ] = signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    try:
        if command in ("run", "sweep"):
            from sim.reports.folders import guarded
            from sim.world.disk_store import default_cache_dir

            with guarded(default_cache_dir()):
                yield
        else:
            yield
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)


def _os_error_text(exc: OSError) -> str:
    """One line: the path (control characters escaped) and the cause."""
    from sim.studies.store import os_cause

    paths = [p for p in (exc.filename, exc.filename2) if p is not None]
    shown = " -> ".join("".join(c if c.isprintable() else repr(c)[1:-1] for c in os.fsdecode(p)) for p in paths)
    return f"{shown}: {os_cause(exc)}" if shown else os_cause(exc)


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    with _signals(args.command):
        return _main(args)


def _main(args) -> int:
    try:
        if args.command == "schema":
            from sim.scenario import default_toml, json_schema

            print(default_toml() if args.toml else json.dumps(json_schema(), indent=2), end="\n" if not args.toml else "")
            return 0
        if args.command == "sweep":
            from sim.reports.sweep_export import cmd_sweep

            return cmd_sweep(args)
        if args.command == "cache":
            return cmd_cache(args)
        if args.command == "app":
            from sim.app import serve

            return serve(args.host, args.port)
        if args.command == "fit":
            return cmd_fit(args)
        if args.command == "frontier":
            return cmd_frontier(args)
        if args.command == "experiments":
            from experiments.run import cmd_experiments

            return cmd_experiments(args)
        return cmd_run(args)
    except InfluSimError as exc:
        print(f"influsim: error: {exc}", file=sys.stderr)
        return getattr(exc, "exit_code", EXIT_BAD_INPUT)
    except OSError as exc:  # a file-system failure while working (full disk, ulimit -f, read-only): exit 1
        print(f"influsim: error: {_os_error_text(exc)}", file=sys.stderr)
        return 1
    except KeyboardInterrupt as exc:
        if isinstance(exc, Terminated):
            print("influsim: terminated (SIGTERM)", file=sys.stderr)
            return 143
        print("influsim: interrupted", file=sys.stderr)
        return 130


def cmd_run(args) -> int:
    from sim.reports.progress import market_progress, preflight, progress_bar
    from sim.studies.resources import default_workers, run_estimate
    from sim.scenario import load_scenario, parse_assignment, with_fields

    sc = load_scenario(args.scenario)
    changes = dict(parse_assignment(text) for text in args.set)
    if args.replicates is not None:
        changes["run.replicates"] = args.replicates
    if args.seed is not None:
        changes["run.seed"] = args.seed
    changes.update(creators_changes(args.creators, args.creators_only))
    if changes:
        sc = with_fields(sc, changes)
    shortlist = check_shortlist(sc)
    check_graph_file(sc)
    if args.workers is not None and args.workers < 1:
        raise ScenarioError("--workers", f"must be >= 1, got {args.workers}")
    workers = args.workers or default_workers(sc.run.replicates)
    # memory and time estimate before anything is built: refused in one line (no folder) unless --force
    preflight(run_estimate(sc, workers), f"{sc.population.size:,} people x {len(sc.strategies)} strategies x "
              f"{sc.run.replicates:,} replicate{'s' if sc.run.replicates > 1 else ''} on {workers} "
              f"worker{'s' if workers > 1 else ''}",
              force=args.force, quiet=args.no_progress)
    from sim.studies.runs import run_scenario  # after the estimate: a refusal takes no time
    from sim.studies.spread import spread_sources, spread_text
    from sim.reports.terminal import summary_text
    from sim.reports.folders import output_folder
    from sim.reports.run_folder import write_run_folder

    out = output_folder(args.out, create=False)  # checked now; created (./runs/ too) only with the results

    t0 = time.perf_counter()
    n_tasks = len(sc.strategies) * sc.run.replicates
    bar = progress_bar(n_tasks, "campaigns", "run", disable=args.no_progress)  # plain lines when not a terminal
    try:
        with market_progress(not args.no_progress):  # the build of a market of 1M+ people, stage by stage
            results = run_scenario(sc, workers=workers, progress=lambda rep: bar.update(len(rep)))
    finally:
        bar.close()
    elapsed = time.perf_counter() - t0

    spread = spread_sources(sc, results)  # market vs campaign: a few re-runs on one market
    from sim.studies.creators import MARGINAL_TOP, creator_rows

    top = MARGINAL_TOP if args.marginal_top is None else (None if args.marginal_top < 0 else args.marginal_top)
    creators = creator_rows(sc, results, marginal_top=top, workers=workers)  # traced re-runs of the replicates
    # whole or not at all, the user's umask; no temporaries left on failure (sim.atomic.atomic_folder)
    write_run_folder(sc, results, out, spread, creators=creators, marginal_top=top)
    print(summary_text(sc, results, elapsed, creators=creators))
    if spread:
        print("\nWhere the spread comes from:\n" + "\n".join(f"  {line}" for line in spread_text(spread)))
    print(f"wrote {out}/report.html, summary.csv, runs.csv, creators.csv, scenario.json"
          f"{', shortlist.csv' if shortlist else ''}{', posterior.json' if sc.parameters.posterior else ''}")
    return 0


def cmd_frontier(args) -> int:
    """``influsim frontier``: run one condition per budget on common seeds; print, write frontier.csv/.html."""
    from sim.atomic import atomic_folder
    from sim.reports.folders import output_folder
    from sim.reports.progress import progress_bar
    from sim.reports.report import write_frontier_report
    from sim.scenario import load_scenario, parse_assignment, with_fields
    from sim.reports.terminal import frontier_text
    from sim.studies.frontier import frontier_rows, parse_budgets, run_frontier, write_frontier_csv
    from sim.studies.resources import default_workers

    budgets = parse_budgets(args.budgets)
    sc = load_scenario(args.scenario)
    changes = dict(parse_assignment(text) for text in args.set)
    if args.replicates is not None:
        changes["run.replicates"] = args.replicates
    if args.seed is not None:
        changes["run.seed"] = args.seed
    changes.update(creators_changes(args.creators, args.creators_only))
    if changes:
        sc = with_fields(sc, changes)
    check_shortlist(sc)
    check_graph_file(sc)
    if args.workers is not None and args.workers < 1:
        raise ScenarioError("--workers", f"must be >= 1, got {args.workers}")
    workers = args.workers or default_workers(sc.run.replicates)
    out = output_folder(args.out, create=False)
    t0 = time.perf_counter()
    bar = progress_bar(len(budgets) * len(sc.strategies) * sc.run.replicates, "campaigns", "frontier",
                       disable=args.no_progress)
    try:
        frontier = run_frontier(sc, budgets, workers=workers, progress=lambda rep: bar.update(len(rep)))
    finally:
        bar.close()
    rows = frontier_rows(frontier)
    with atomic_folder(out) as folder:
        write_frontier_csv(rows, Path(folder) / "frontier.csv")
        write_frontier_report(Path(folder) / "frontier.html", sc, rows)
    print(f"{sc.name}: {len(budgets)} budgets x {len(sc.strategies)} strategies x {sc.run.replicates} replicates "
          f"in {time.perf_counter() - t0:.1f} s")
    print("\n".join(frontier_text(rows)))
    print(f"wrote {out}/frontier.html, frontier.csv")
    return 0


def cmd_fit(args) -> int:
    """``influsim fit PAST.csv``: fit to a past campaign, write posterior.json and fit.html (sim.reports.fit_report)."""
    from sim.reports.fit_report import run_fit

    return run_fit(args)


def cmd_cache(args) -> int:
    """``influsim cache info`` prints the folder, entries, total size and bound; ``clear`` empties it.

    Returns the exit status: 0, or 1 when a file of the folder cannot be removed (one
    line on stderr naming the path and the cause).

    Examples
    --------
    >>> import argparse, tempfile
    >>> from unittest import mock
    >>> with tempfile.TemporaryDirectory() as folder, mock.patch.dict(os.environ, {"INFLUSIM_CACHE": folder}):
    ...     cmd_cache(argparse.Namespace(action="clear"))  # doctest: +ELLIPSIS
    removed 0 entries (0 B) from ...
    0
    """
    from sim.world import cache
    from sim.world.disk_store import default_cache_dir, entries, human, max_bytes

    folder = default_cache_dir()
    if args.action == "info":
        bound = max_bytes()
        listed = entries(folder)
        total = sum(e.size for e in listed)
        print(f"folder   {folder}{'' if folder.is_dir() else ' (not created yet)'}")
        print(f"entries  {len(listed)}")
        print(f"size     {human(total)} ({total:,} bytes)")
        print(f"bound    {human(bound)} ({bound:,} bytes; set INFLUSIM_CACHE_MAX_BYTES to change)")
        for e in listed:
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(e.mtime))
            print(f"  {e.path.name}  {human(e.size):>10}  last used {when}")
        return 0
    try:
        removed, freed = cache.clear(folder)
    except OSError as exc:
        print(f"influsim: error: cannot remove {_os_error_text(exc)}", file=sys.stderr)
        return 1
    print(f"removed {removed} entr{'y' if removed == 1 else 'ies'} ({human(freed)}) from {folder}")
    return 0


def creators_changes(creators: str | None, only: bool) -> dict:
    """The scenario changes of ``--creators CSV`` (absolute path) and ``--creators-only``."""
    changes: dict = {}
    if creators is not None:
        if not creators.strip():
            raise ScenarioError("--creators", "expected a CSV file, got an empty path")
        changes["influencers.shortlist"] = str(Path(creators).resolve())
    if only:
        changes["influencers.shortlist_only"] = True
    return changes


def check_shortlist(sc):
    """Read the scenario's shortlist before anything runs (a bad row is one line, exit 2); None without one."""
    if sc.influencers.shortlist_only and not sc.influencers.shortlist:
        raise ScenarioError("influencers.shortlist_only", "is true but there is no shortlist (give --creators CSV "
                            "or influencers.shortlist)")
    if not sc.influencers.shortlist:
        return None
    from sim.world.shortlist import load_for

    shortlist = load_for(sc)
    if shortlist.ignored:
        print(f"influsim: note: {shortlist.name}: ignored column{'s' if len(shortlist.ignored) > 1 else ''} "
              f"{', '.join(shortlist.ignored)}", file=sys.stderr)
    return shortlist


def check_graph_file(sc) -> None:
    """Read and check the scenario's graph file before anything runs (any fault is one line, exit 2)."""
    graph = sc.population.graph
    if graph.generator == "file":
        from sim.world.graphfile import read_peer_graph

        read_peer_graph(graph.path, size=sc.population.size)



if __name__ == "__main__":
    sys.exit(main())
