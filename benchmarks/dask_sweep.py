"""Sweeps across machines stay linear (issue 13, point 4): a sweep on a Dask ``LocalCluster``
of 1 and then 2 workers, its parallel efficiency, and what a 16-core worker would give.

    python benchmarks/dask_sweep.py                                # the shipped grid sweep, 6 replicates
    python benchmarks/dask_sweep.py --replicates 2                 # a shorter version (fewer replicates)
    python benchmarks/dask_sweep.py --sweep scenarios/sweeps/sobol_roi.toml --workers 1,2

What it measures
----------------
The sweep file (default ``scenarios/sweeps/budget_vs_micro_count.toml``: 25 points x 3
strategies x 6 replicates = 450 runs of 20,000 people over 30 days) runs through
``sim.studies.sweep.run_sweep`` on a ``dask.distributed.LocalCluster`` of ``N`` worker
processes with one thread each (``processes=True``, no dashboard: nothing listens
beyond the scheduler's local port), as ``influsim sweep --scheduler`` runs on a real
cluster, for each ``N`` of ``--workers`` (default 1 and 2). The sweep's market is built
once beforehand into a temporary cache (``$INFLUSIM_CACHE``) that the workers load, so
every setting times the runs only, not the market nor the cluster's start.

For each setting: the wall time of the sweep, the CPU seconds the workers spent
(``getrusage`` in each worker before and after) and their mean per run. Then the
speed-up ``T1 / TN`` and the parallel efficiency ``T1 / (N * TN)``; and the runs' metrics
are checked to be identical whatever the number of workers (every run has its own seed,
so nothing depends on which worker ran it or in which order).

Markets: a process keeps the market it drew last in memory, and the sweep's tasks come
with the strategies of a (point, replicate) together (they share its market; see
``sim.studies.sweep.sweep_tasks``): one worker draws each (point, replicate)'s market
once; with more workers, Dask may hand a pair's strategies to different workers, and each
draws the market (work that one worker does not do). ``--fixed-market`` runs the same sweep on one
market built beforehand, so the efficiency measures the parallel losses alone.

The 16-core figure is a projection, not a measurement (unless a 16-core machine runs
this with ``--workers 1,16``): ``runs * CPU per run / 16`` for perfect scaling, and that
divided by the efficiency measured with 2 workers for the same losses per worker (when
that efficiency is below 1).
Needs ``dask[distributed]`` (``pip install 'influsim[dask]'``). Writes
``benchmarks/results/dask_sweep.json``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
SWEEP = ROOT / "scenarios" / "sweeps" / "budget_vs_micro_count.toml"


def _worker_cpu() -> float:
    """CPU seconds of this (worker) process so far."""
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def load(path: Path, replicates: int | None, fixed_market: bool = False):
    """The sweep of ``path``, with ``replicates`` per point and strategy if given (and one fixed market)."""
    import tomllib

    from sim.studies.sweep import parse_sweep

    raw = tomllib.loads(path.read_text())
    if replicates:
        raw.setdefault("sweep", {})["replicates"] = replicates
    if fixed_market:
        raw.setdefault("overrides", {})["run.market"] = "fixed"
    return parse_sweep(raw, base_dir=path.parent, default_name=path.stem)


def run_on_cluster(sw, workers: int, folder: Path) -> dict:
    """Run ``sw`` on a fresh LocalCluster of ``workers`` one-thread processes; wall, CPU and every run's metrics."""
    from distributed import Client, LocalCluster

    from sim.studies.store import ResultStore
    from sim.studies.sweep import make_executor, run_sweep

    with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                      host="127.0.0.1") as cluster, Client(cluster) as client:
        client.wait_for_workers(workers)
        client.run(lambda: __import__("sim.studies.sweep"))  # imports out of the timing, as a warm cluster has them
        executor, slots, description, close = make_executor(scheduler=cluster.scheduler_address)
        try:
            cpu0 = sum(client.run(_worker_cpu).values())
            t = time.perf_counter()
            outcome = run_sweep(sw, folder, executor=executor, slots=slots, progress=False)
            wall = time.perf_counter() - t
            cpu = sum(client.run(_worker_cpu).values()) - cpu0
        finally:
            close()
    with ResultStore(folder / "runs.sqlite", sw.identity()) as store:
        rows = store.rows()
    return {"workers": workers, "description": description, "wall_s": wall, "worker_cpu_s": cpu,
            "runs": outcome.ran, "failed": outcome.failed, "cpu_per_run_s": cpu / max(outcome.ran, 1),
            "metrics": {f"{r['point']}/{r['strategy']}/{r['replicate']}": r["metrics"] for r in rows}}


def same_metrics(a: dict, b: dict) -> bool:
    """Whether two settings gave exactly the same metrics for every run (NaN equal to NaN)."""
    if a.keys() != b.keys():
        return False
    for key, ma in a.items():
        mb = b[key]
        if ma.keys() != mb.keys():
            return False
        for k, va in ma.items():
            vb = mb[k]
            if not (va == vb or (isinstance(va, float) and isinstance(vb, float) and math.isnan(va) and math.isnan(vb))):
                return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sweep", default=str(SWEEP), help="sweep file (default: %(default)s)")
    parser.add_argument("--replicates", type=int, help="replicates per point and strategy (default: the file's)")
    parser.add_argument("--workers", default="1,2", help="comma-separated numbers of workers (first: the baseline)")
    parser.add_argument("--fixed-market", action="store_true",
                        help="one market for every run (run.market = 'fixed'): the efficiency then measures the "
                             "parallel losses alone, without the per-process market reuse described above")
    parser.add_argument("--project", type=int, default=16, help="cores of the worker to project to")
    parser.add_argument("--json", default=str(RESULTS / "dask_sweep.json"), help="where to write the figures")
    args = parser.parse_args()
    try:
        import distributed  # noqa: F401
    except ImportError:
        sys.exit("needs Dask: pip install 'influsim[dask]'")
    from sim.studies.sweep import sweep_tasks
    from sim.world import build_population

    sw = load(Path(args.sweep), args.replicates, args.fixed_market)
    counts = [int(w) for w in args.workers.split(",") if w.strip()]
    load_before = os.getloadavg()[0]
    settings = []
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["INFLUSIM_CACHE"] = str(Path(tmp) / "cache")  # the workers inherit it
        if sweep_tasks(sw)[0][5]:  # one market for every point: built once, out of the timings
            build_population(sw.scenarios[0])
        for n in counts:
            print(f"{sw.name}: {sw.n_runs} runs on {n} worker(s) ...", file=sys.stderr, flush=True)
            settings.append(run_on_cluster(sw, n, Path(tmp) / f"w{n}"))
    base = settings[0]
    print(f"{sw.name}: {len(sw.points)} points x {len(sw.strategies)} strategies x {sw.replicates} replicates = "
          f"{sw.n_runs} runs; {platform.node()}, {os.cpu_count()} cores, load average before {load_before:.1f}")
    print(f"{'workers':>7} {'wall s':>8} {'speed-up':>8} {'efficiency':>10} {'worker CPU s':>12} {'CPU/run s':>9} "
          f"{'failed':>6} {'same metrics':>12}")
    for s in settings:
        s["speedup"] = base["wall_s"] / s["wall_s"] * base["workers"]
        s["efficiency"] = s["speedup"] / s["workers"]
        s["same_metrics_as_first"] = same_metrics(base["metrics"], s["metrics"])
        print(f"{s['workers']:>7} {s['wall_s']:>8.1f} {s['speedup']:>8.2f} {s['efficiency']:>10.2f} "
              f"{s['worker_cpu_s']:>12.1f} {s['cpu_per_run_s']:>9.3f} {s['failed']:>6} "
              f"{'yes' if s['same_metrics_as_first'] else 'NO':>12}")
    two = next((s for s in settings if s["workers"] == 2), settings[-1])
    eff = two["efficiency"]
    cpu_run = base["cpu_per_run_s"]
    ideal = sw.n_runs * cpu_run / args.project
    # an efficiency above 1 (a worker doing less work per run when there are more of them) is no
    # basis for a projection: then the projection assumes perfect scaling
    projected = ideal / min(eff, 1.0) if eff > 0 else float("nan")
    print(f"projection, NOT a measurement, for a {args.project}-core worker ({args.project} one-thread processes): "
          f"{sw.n_runs} runs x {cpu_run:.3f} s CPU per run (1 worker) / {args.project} = {ideal:.1f} s with "
          f"perfect scaling; {projected:.1f} s at the {two['workers']}-worker efficiency of {eff:.2f}"
          + (" (above 1: perfect scaling assumed)" if eff > 1 else "")
          + f"; a speed-up of about {base['wall_s'] / projected:.0f}x over the 1-worker wall time")
    out = {"sweep": sw.name, "runs": sw.n_runs, "replicates": sw.replicates, "cores": os.cpu_count(),
           "load_before": load_before, "load_after": os.getloadavg()[0],
           "settings": [{k: v for k, v in s.items() if k != "metrics"} for s in settings],
           "projection": {"cores": args.project, "ideal_s": ideal, "at_measured_efficiency_s": projected,
                          "measured": False}}
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(out, indent=2))
    print(f"wrote {args.json}")
    if not all(s["same_metrics_as_first"] for s in settings):
        sys.exit("the metrics differ between settings")


if __name__ == "__main__":
    main()
