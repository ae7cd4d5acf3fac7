"""Campaign benchmarks of issue 3: a million-person campaign, the per-agent reference, and
the default scenario's Monte Carlo replicates.

    python benchmarks/campaign.py                       # all three, medians of --repeats runs
    python benchmarks/campaign.py --only campaign_1m --repeats 3
    python benchmarks/campaign.py --only per_agent_reference --ref-days 5

Benchmarks
----------
campaign_1m
    1,000,000 people (``population.represents = 1``), a homophilous peer graph of mean
    degree 10, the pool account closest to 500,000 followers ("macro") against the 25
    accounts closest to 20,000 followers ("micro"), 30 days, 3 posts per account, one
    replicate each. Times: population build with no cache (people, graph, pool), writing
    the cache, loading it back, roster (audiences drawn), model construction and
    simulation per strategy; peak memory (``ru_maxrss``); word of mouth's share of the
    simulation and the peer-graph edges it examined per second (the out-edges of every
    sharer: each one is an independent trial, resolved by skipping in ``sim.rules.wordofmouth``).
    Targets: simulation <= 10 s, build <= 30 s (<= 3 s from the cache), peak <= 4 GB.
per_agent_reference
    The same campaign at 100,000 people (``represents = 10``: the same real follower
    counts), run by the independent reference of ``tests/reference_model.py`` (plain
    Python objects, one person and one exposure at a time: ``ReferenceModel(scenario,
    strategy, market=, roster=, rng=)`` then ``run()``, as ``tests/test_reference.py``
    drives it) and by the fast path (``sim.campaign.model.CampaignModel``) in the same
    process, same population and rosters. Prints the speed ratio (target >= 50x, set
    when the reference stepped every person every hour; the rewritten reference only
    visits the people with exposures due, so the ratio is smaller) and both models'
    impressions and engagements (their own random streams: close, not equal). With
    ``--ref-days D`` both run only the first D days.
default_replicates
    The embedded default scenario (100,000 people) with ``--replicates`` (100) replicates
    of each strategy on ``--workers`` (2) worker processes through
    ``sim.studies.runs.run_scenario``, as ``influsim run`` does, with a warm population cache.
    Target < 60 s. Also reports the CPU seconds per task measured inside the workers.

Each repetition runs in a fresh Python process (so that peak memory, caches and start-up
are its own); figures are medians over ``--repeats`` repetitions, with every run kept in
the JSON (default ``benchmarks/results/campaign.json``). The machine's load average is
recorded too: other processes on a shared 2-core machine slow wall times down.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
BENCHMARKS = ("campaign_1m", "per_agent_reference", "default_replicates")


# --- the campaign of issue 3 ------------------------------------------------------------

def campaign_scenario(n: int, represents: int, days: int = 30, seed: int = 42) -> dict:
    """The benchmark's world: ``n`` people, mean degree 10, a pool with accounts near 500K and 20K."""
    from sim.scenario import default_scenario, with_fields

    market = n * represents
    counts = {"nano": 400, "micro": 200, "mid": 40, "macro": 12}
    if market >= 1_400_000:
        counts["mega"] = 2  # mega accounts only fit a market above 1.33M people
    return with_fields(default_scenario(), {
        "population.size": n, "population.represents": represents, "population.graph.mean_degree": 10.0,
        "influencers.counts": counts, "campaign.days": days, "campaign.posts_per_influencer": 3,
        "run.replicates": 1, "run.seed": seed,
    })


def campaign_strategies(sc: dict, pop) -> tuple[dict, dict]:
    """``sc`` with two custom strategies (pool ids nearest 500K and 20K followers) and what they hired."""
    from sim.scenario import Strategy, with_fields

    f = pop.pool.followers.astype(float)
    big = pop.pool.ids_of_tier("macro") if "macro" in pop.pool.tier_names else np.zeros(0, int)
    big = big if len(big) else np.arange(len(f))  # a macro-tier account if the pool has one
    macro = [int(big[np.argmin(np.abs(f[big] - 500_000))])]
    micro = [int(j) for j in np.argsort(np.abs(f - 20_000), kind="stable")[:25]]
    extra = {"outreach": False} if "outreach" in Strategy.model_fields else {}  # every offer accepted: fixed rosters
    sc = with_fields(sc, {"strategies": {
        "macro": {"kind": "custom", "ids": macro, "description": "the macro account nearest 500K followers", **extra},
        "micro": {"kind": "custom", "ids": micro, "description": "the 25 accounts nearest 20K followers", **extra},
    }})
    names = pop.pool.tier_names
    hired = {name: {"accounts": len(ids), "followers": int(f[ids].sum()),
                    "followers_range": [int(f[ids].min()), int(f[ids].max())],
                    "tiers": sorted({names[pop.pool.tier[j]] for j in ids})}
             for name, ids in (("macro", macro), ("micro", micro))}
    return sc, hired


class WordOfMouthMeter:
    """Wraps ``sim.campaign.model.wordofmouth.share_exposures`` to time it and count the edges it examined."""

    def __init__(self):
        import sim.campaign.model as model_module

        self.module = model_module.wordofmouth
        self.spread = self.module.share_exposures
        self.reset()

    def reset(self):
        self.seconds, self.calls, self.sources, self.edges, self.hits = 0.0, 0, 0, 0, 0

    def __enter__(self):
        def timed(indptr, indices, sources, share_reach, activity, rng):
            t = time.perf_counter()
            k, targets = self.spread(indptr, indices, sources, share_reach, activity, rng)
            self.seconds += time.perf_counter() - t
            src = np.asarray(sources, dtype=np.int64)
            self.calls += 1
            self.sources += len(src)
            self.edges += int((indptr[src + 1] - indptr[src]).sum())
            self.hits += len(targets)
            return k, targets

        self.module.share_exposures = timed
        return self

    def __exit__(self, *exc):
        self.module.share_exposures = self.spread

    def figures(self) -> dict:
        return {"wom_seconds": self.seconds, "wom_calls": self.calls, "wom_sharers": self.sources,
                "wom_edges_examined": self.edges, "wom_exposures": self.hits,
                "wom_edges_per_second": self.edges / self.seconds if self.seconds > 0 else float("nan")}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# --- one repetition of each benchmark (run in a fresh process) ---------------------------

def run_campaign_1m(args) -> dict:
    import sim.world.cache as population
    from sim.world import disk_store
    from sim.world.market_key import population_key
    from sim.campaign.model import CampaignModel
    from sim.campaign.hiring import build_roster

    represents = max(1, round(1_000_000 / args.n))  # 1 at a million people; a smaller --n keeps the market
    out: dict = {"people": args.n, "represents": represents}
    sc = campaign_scenario(args.n, represents, args.days)
    t, c = time.perf_counter(), time.process_time()
    pop = population.build_population(sc, use_cache=False)
    out["build_s"], out["build_cpu_s"] = time.perf_counter() - t, time.process_time() - c
    out["edges"] = int(pop.graph.n_edges)
    out["mean_degree"] = float(pop.graph.mean_degree())
    out["population_mb"] = pop.nbytes() / 2**20
    with tempfile.TemporaryDirectory() as cache:
        path = disk_store.cache_path(cache, population_key(sc))
        t = time.perf_counter()
        disk_store.save(path, pop, sc)
        out["cache_write_s"] = time.perf_counter() - t
        out["cache_mb"] = path.stat().st_size / 2**20
        population._MEMORY.clear()
        t, c = time.perf_counter(), time.process_time()
        loaded = population.build_population(sc, cache_dir=cache)
        out["from_cache_s"], out["from_cache_cpu_s"] = time.perf_counter() - t, time.process_time() - c
        assert loaded is not pop and loaded.n == pop.n and np.array_equal(loaded.graph.indices, pop.graph.indices)
        population._MEMORY.clear()
    del loaded
    sc, out["hired"] = campaign_strategies(sc, pop)
    meter = WordOfMouthMeter()
    out["strategies"] = {}
    for name in sc.strategies:
        row: dict = {}
        t = time.perf_counter()
        roster = build_roster(pop, sc, name)
        for j in roster.ids:
            pop.audience(j)  # drawn once per population, then reused by every replicate
        row["roster_s"] = time.perf_counter() - t
        t = time.perf_counter()
        model = CampaignModel(sc, name, market=pop, roster=roster, rng=args.seed)
        row["construct_s"] = time.perf_counter() - t
        meter.reset()
        with meter:
            t, c = time.perf_counter(), time.process_time()
            model.run()
            row["simulate_s"], row["simulate_cpu_s"] = time.perf_counter() - t, time.process_time() - c
        row.update(meter.figures())
        m = model.metrics()
        row["metrics"] = {k: m[k] for k in ("impressions", "reach", "earned_reach", "engagements", "shares",
                                            "conversions", "roi")}
        row["follower_agents"] = len(model.people)  # every person is a Mesa agent (made on first use)
        out["strategies"][name] = row
        del model
    out["simulate_s"] = sum(r["simulate_s"] for r in out["strategies"].values())
    out["simulate_cpu_s"] = sum(r["simulate_cpu_s"] for r in out["strategies"].values())
    wom_s = sum(r["wom_seconds"] for r in out["strategies"].values())
    wom_e = sum(r["wom_edges_examined"] for r in out["strategies"].values())
    out["wom_edges_per_second"] = wom_e / wom_s if wom_s > 0 else float("nan")
    out["peak_rss_mb"] = peak_rss_mb()
    return out


def _run_hours(model, hours: int) -> None:
    """Run ``hours`` hourly steps of a fast or reference model (``run()`` for the whole campaign)."""
    if hours >= model.hours:
        model.run()
        return
    for _ in range(hours):
        model.step()


def run_per_agent_reference(args) -> dict:
    sys.path.insert(0, str(ROOT / "tests"))
    from reference_model import ReferenceModel

    from sim.campaign.model import CampaignModel
    from sim.world import build_population
    from sim.campaign.hiring import build_roster

    n, represents = args.ref_n, max(1, round(1_000_000 / args.ref_n))
    sc = campaign_scenario(n, represents, args.days)
    pop = build_population(sc, use_cache=False)
    sc, hired = campaign_strategies(sc, pop)
    hours = args.ref_days * 24 if args.ref_days else sc.campaign.days * 24
    out: dict = {"people": n, "represents": represents, "hours": hours, "hired": hired, "strategies": {}}
    for name in sc.strategies:
        roster = build_roster(pop, sc, name)
        for j in roster.ids:
            pop.audience(j)
        row = {}
        for label, cls in (("fast", CampaignModel), ("reference", ReferenceModel)):
            t = time.perf_counter()
            model = cls(sc, name, market=pop, roster=roster, rng=args.seed)
            row[f"{label}_construct_s"] = time.perf_counter() - t
            t, c = time.perf_counter(), time.process_time()
            _run_hours(model, hours)
            row[f"{label}_simulate_s"] = time.perf_counter() - t
            row[f"{label}_simulate_cpu_s"] = time.process_time() - c
            row[f"{label}_impressions"] = int(model.impressions)
            row[f"{label}_engagements"] = int(model.likes + model.comments + model.shares)
            del model
        row["ratio_simulate"] = row["reference_simulate_s"] / row["fast_simulate_s"]
        row["ratio_simulate_cpu"] = row["reference_simulate_cpu_s"] / row["fast_simulate_cpu_s"]
        row["ratio_total"] = ((row["reference_construct_s"] + row["reference_simulate_s"])
                              / (row["fast_construct_s"] + row["fast_simulate_s"]))
        out["strategies"][name] = row
    tot = {lab: sum(r[f"{lab}_construct_s"] + r[f"{lab}_simulate_s"] for r in out["strategies"].values())
           for lab in ("fast", "reference")}
    sim_ = {lab: sum(r[f"{lab}_simulate_s"] for r in out["strategies"].values()) for lab in ("fast", "reference")}
    out.update({"fast_s": tot["fast"], "reference_s": tot["reference"], "ratio_total": tot["reference"] / tot["fast"],
                "fast_simulate_s": sim_["fast"], "reference_simulate_s": sim_["reference"],
                "ratio_simulate": sim_["reference"] / sim_["fast"], "peak_rss_mb": peak_rss_mb()})
    cpu = {lab: sum(r[f"{lab}_simulate_cpu_s"] for r in out["strategies"].values()) for lab in ("fast", "reference")}
    out.update({"fast_simulate_cpu_s": cpu["fast"], "reference_simulate_cpu_s": cpu["reference"],
                "ratio_simulate_cpu": cpu["reference"] / cpu["fast"]})
    return out


def _timed_task(task):
    """sim.studies.runs.run_task, with the worker's CPU time and pid (for the diagnostic pass)."""
    from sim.studies.runs import run_task

    c, t = time.process_time(), time.perf_counter()
    result = run_task(task)
    return os.getpid(), time.process_time() - c, time.perf_counter() - t, ",".join(r.strategy for r in result)


def run_default_replicates(args) -> dict:
    from sim.world import build_population
    from sim.studies.runs import execute, run_scenario, tasks_for
    from sim.scenario import default_scenario, with_fields

    sc = with_fields(default_scenario(), {"run.replicates": args.replicates})
    build_population(sc)  # warm the on-disk cache, as a second `influsim run` finds it
    t, c = time.perf_counter(), time.process_time()
    results = run_scenario(sc, workers=args.workers)
    wall, parent_cpu = time.perf_counter() - t, time.process_time() - c
    assert len(results) == args.replicates * len(sc.strategies)
    out = {"people": sc.population.size, "replicates": args.replicates, "strategies": len(sc.strategies),
           "n_runs": len(results), "workers": args.workers, "wall_s": wall, "runs_per_second": len(results) / wall,
           "parent_cpu_s": parent_cpu}
    if args.diagnose:
        t = time.perf_counter()
        rows = execute(tasks_for(sc), _timed_task, workers=args.workers)
        out["diagnostic_wall_s"] = time.perf_counter() - t
        cpu = np.array([r[1] for r in rows])
        first = {}
        for pid, c, _w, strategy in rows:
            first.setdefault((pid, strategy), c)
        out["task_cpu_s_median"] = float(np.median(cpu))
        out["task_cpu_s_total"] = float(cpu.sum())
        out["task_wall_s_median"] = float(np.median([r[2] for r in rows]))
        out["first_task_per_worker_cpu_s"] = float(np.mean(list(first.values())))
    return out


RUNNERS = {"campaign_1m": run_campaign_1m, "per_agent_reference": run_per_agent_reference,
           "default_replicates": run_default_replicates}


# --- driver ----------------------------------------------------------------------------

def _median_summary(runs: list[dict]) -> dict:
    """Median of every numeric top-level figure over the repetitions (the first run's other fields)."""
    out = dict(runs[0])
    for k, v in runs[0].items():
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            out[k] = statistics.median(r[k] for r in runs)
        elif isinstance(v, dict) and k == "strategies":
            out[k] = {s: {kk: (statistics.median(r[k][s][kk] for r in runs)
                               if isinstance(vv, (int, float)) and not isinstance(vv, bool) else vv)
                          for kk, vv in row.items()} for s, row in v.items()}
    return out


def run_repeated(name: str, args) -> dict:
    """``--repeats`` fresh-process repetitions of one benchmark; medians plus every run."""
    runs, load = [], []
    for _ in range(args.repeats):
        with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as f:
            tmp = f.name
        cmd = [sys.executable, __file__, "--child", name, "--child-out", tmp] + _child_args(args)
        load.append(os.getloadavg()[0])
        subprocess.run(cmd, check=True, cwd=ROOT)
        runs.append(json.loads(Path(tmp).read_text()))
        os.unlink(tmp)
    summary = _median_summary(runs)
    summary["repeats"] = len(runs)
    summary["load_average_before"] = load
    summary["runs"] = runs
    return summary


def _child_args(args) -> list[str]:
    return ["--n", str(args.n), "--ref-n", str(args.ref_n), "--ref-days", str(args.ref_days), "--days", str(args.days),
            "--replicates", str(args.replicates), "--workers", str(args.workers), "--seed", str(args.seed)] + (
        [] if args.diagnose else ["--no-diagnose"])


def report(results: dict) -> list[str]:
    """Printable lines for the figures of ``results`` (benchmark name -> summary)."""
    lines = []
    if "campaign_1m" in results:
        r = results["campaign_1m"]
        lines.append(f"campaign_1m ({r['people']:,} people, {r['edges']:,} edges, mean degree {r['mean_degree']:.1f}; "
                     f"median of {r['repeats']})")
        lines.append(f"  population build (no cache)   {r['build_s']:7.2f} s   target <= 30 s "
                     f"({r['build_cpu_s']:.2f} s CPU)")
        lines.append(f"  cache write / load            {r['cache_write_s']:7.2f} s / {r['from_cache_s']:.2f} s "
                     f"  target load <= 3 s ({r['cache_mb']:.0f} MB file)")
        for s, row in r["strategies"].items():
            h = r["hired"][s]
            lines.append(f"  {s:6s} {h['accounts']:2d} accounts, {h['followers']:,} followers ({'/'.join(h['tiers'])}):"
                         f" roster {row['roster_s']:.2f} s,\n        construct {row['construct_s']:.2f} s,"
                         f" simulate {row['simulate_s']:.2f} s"
                         f" (word of mouth {row['wom_seconds']:.3f} s, {row['wom_sharers']:,.0f} sharers,"
                         f" {row['wom_edges_examined']:,.0f} edges)")
            mm = row["metrics"]
            lines.append(f"         reach {mm['reach']:,.0f}, engagements {mm['engagements']:,.0f},"
                         f" conversions {mm['conversions']:,.0f}, earned reach {mm['earned_reach']:,.0f}")
        lines.append(f"  simulation, both strategies   {r['simulate_s']:7.2f} s   target <= 10 s "
                     f"({r['simulate_cpu_s']:.2f} s CPU)")
        lines.append(f"  word of mouth                 {r['wom_edges_per_second'] / 1e6:7.1f} M edges examined/s")
        lines.append(f"  peak memory (ru_maxrss)       {r['peak_rss_mb']:7.0f} MB  target <= 4096 MB")
    if "per_agent_reference" in results:
        r = results["per_agent_reference"]
        days = r["hours"] / 24
        lines.append(f"per_agent_reference ({r['people']:,} people x {r['represents']}, {days:g} simulated days; "
                     f"median of {r['repeats']})")
        for s, row in r["strategies"].items():
            lines.append(f"  {s:6s} fast {row['fast_construct_s']:.2f} + {row['fast_simulate_s']:.2f} s,"
                         f" per-agent {row['reference_construct_s']:.2f} + {row['reference_simulate_s']:.1f} s"
                         f" (construct + simulate): {row['ratio_total']:.0f}x"
                         f" (simulation alone {row['ratio_simulate']:.0f}x)")
            lines.append(f"         impressions fast {row['fast_impressions']:,} / reference {row['reference_impressions']:,},"
                         f" engagements {row['fast_engagements']:,} / {row['reference_engagements']:,}"
                         " (simulated people; own random streams)")
        lines.append(f"  both strategies: fast {r['fast_s']:.2f} s, per-agent {r['reference_s']:.1f} s:"
                     f" {r['ratio_total']:.0f}x faster (simulation alone {r['ratio_simulate']:.0f}x;"
                     f" in CPU time {r['ratio_simulate_cpu']:.0f}x: {r['fast_simulate_cpu_s']:.2f} s vs"
                     f" {r['reference_simulate_cpu_s']:.1f} s)  target >= 50x")
    if "default_replicates" in results:
        r = results["default_replicates"]
        lines.append(f"default_replicates ({r['people']:,} people, {r['replicates']} replicates x {r['strategies']} "
                     f"strategies = {r['n_runs']} runs, {r['workers']} workers; median of {r['repeats']})")
        lines.append(f"  wall                          {r['wall_s']:7.2f} s   target < 60 s "
                     f"({r['runs_per_second']:.1f} runs/s; load average before: "
                     f"{', '.join(f'{x:.1f}' for x in r['load_average_before'])})")
        if "task_cpu_s_median" in r:
            lines.append(f"  per run in a worker: {r['task_cpu_s_median'] * 1000:.0f} ms CPU, "
                         f"{r['task_wall_s_median'] * 1000:.0f} ms wall (median); first run of a worker per strategy "
                         f"{r['first_task_per_worker_cpu_s']:.2f} s CPU; all runs {r['task_cpu_s_total']:.1f} s CPU")
    return lines


def environment() -> dict:
    import mesa

    return {"python": platform.python_version(), "numpy": np.__version__, "mesa": mesa.__version__,
            "machine": platform.machine(), "cpus": os.cpu_count(), "platform": platform.platform()}


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=BENCHMARKS, action="append", help="run only this benchmark (repeatable)")
    parser.add_argument("--repeats", type=int, default=3, help="fresh-process repetitions; medians are quoted")
    parser.add_argument("--n", type=int, default=1_000_000, help="people in campaign_1m")
    parser.add_argument("--ref-n", type=int, default=100_000, help="people in per_agent_reference")
    parser.add_argument("--ref-days", type=int, default=0,
                        help="per_agent_reference: simulate only the first D days with both (0 = all)")
    parser.add_argument("--days", type=int, default=30, help="campaign days")
    parser.add_argument("--replicates", type=int, default=100, help="default_replicates: replicates per strategy")
    parser.add_argument("--workers", type=int, default=2, help="default_replicates: worker processes")
    parser.add_argument("--no-diagnose", dest="diagnose", action="store_false",
                        help="default_replicates: skip the second pass that measures CPU per run in the workers")
    parser.add_argument("--seed", type=int, default=1, help="campaign seed")
    parser.add_argument("--json", type=Path, default=RESULTS / "campaign.json", help="where to write the figures")
    parser.add_argument("--child", choices=BENCHMARKS, help=argparse.SUPPRESS)
    parser.add_argument("--child-out", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        Path(args.child_out).write_text(json.dumps(RUNNERS[args.child](args)))
        return {}
    results = {}
    for name in args.only or BENCHMARKS:
        results[name] = run_repeated(name, args)
        for line in report({name: results[name]}):
            print(line, flush=True)
    payload = {"benchmarks": results, "environment": environment(), "argv": sys.argv[1:],
               "finished": time.strftime("%Y-%m-%dT%H:%M:%S")}
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(payload, indent=2))
    print(f"wrote {args.json}")
    return payload


if __name__ == "__main__":
    main()
