"""Run every benchmark, print one table of figures against the targets of issue 3, and
write them all to ``benchmarks/results/benchmarks.json``.

    python benchmarks/run_all.py                 # full sizes (about 15-20 minutes on 2 cores)
    python benchmarks/run_all.py --quick         # small sizes, one repetition (a smoke test)
    python benchmarks/run_all.py --skip cascade --repeats 5

Each benchmark script runs as its own process and writes its own JSON next to this
file's output (``campaign.json``, ``cascade.json``, ``cascade_seed_set.json``); their
detailed output streams to the console first, then the table. Wall times depend on what
else runs on the machine: the campaign benchmarks record the load average and CPU times
too.

The cascade benchmark runs in two modes (see ``benchmarks/cascade.py --help``): 10
cascades from 1 random seed node each, and 10 cascades each from a set of 10 random seed
nodes. Single-seed cascade sizes on a scale-free graph are bimodal, so their mean over
10 runs is far too noisy to test "within 2%"; the table takes the 2% check from the
seed-set mode and shows the single-seed sizes for information only.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
BENCHMARKS = ("graph_build", "cascade", "campaign")
SEED_SET = 10  # seed nodes per cascade in the cascade benchmark's seed-set mode


def run(cmd: list[str]) -> tuple[int, str, float]:
    """Run a benchmark script, echoing its output; (exit status, output, seconds)."""
    print("$", " ".join(cmd[1:]), flush=True)
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=HERE.parent, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines = []
    for line in proc.stdout:
        print(line, end="", flush=True)
        lines.append(line)
    return proc.wait(), "".join(lines), time.perf_counter() - t


def rows_from(results: dict) -> list[tuple]:
    """(benchmark, figure, value text, target text, met: bool | None) rows."""
    rows = []
    g = results.get("graph_build", {})
    for line in g.get("lines", []):
        name = line.split()[0]
        wall = next((w.split("=")[1] for w in line.split() if w.startswith("wall=")), "?")
        peak = next((w.split("=")[1] for w in line.split() if w.startswith("peak_rss=")), "?")
        rows.append(("graph_build", f"{name} build", f"{wall} (peak {peak})", "", None))
    for key, name, size_target in (("cascade", "word of mouth (1 person shares first)", False),
                                   ("cascade_seed_set", f"word of mouth ({SEED_SET} people share first)", True)):
        c = results.get(key, {}).get("json")  # benchmarks/cascade.py: share_exposures against cynetdiff
        for r in c["results"] if c else []:
            proc = r["process"]
            rows.append((name, f"{proc}: time ours / cynetdiff",
                         f"{r['time_ratio_ours_over_cynetdiff']:.2f} ({r['ours']['wall_s_median']:.3f} s vs "
                         f"{r['cynetdiff']['wall_s_median']:.3f} s)", "", None))
            size = (f"{r['ours']['size']['mean']:,.0f} vs {r['cynetdiff']['size']['mean']:,.0f} "
                    f"({r['mean_size_rel_diff']:+.2%} +- {r['mean_size_rel_diff_se']:.2%} SE): {r['size_check']}")
            met = {"within 2%": True, "NOT within 2%": False}.get(r["size_check"], "unresolved")
            rows.append((name, f"{proc}: mean cascade size ours vs cynetdiff", size,
                         "within 2%" if size_target else "", met if size_target else None))
    b = results.get("campaign", {}).get("json", {}).get("benchmarks", {})
    if "campaign_1m" in b:
        r = b["campaign_1m"]
        people = f"{r['people']:,} people"
        rows.append(("campaign_1m", f"simulation, both strategies ({people})",
                     f"{r['simulate_s']:.2f} s ({r['simulate_cpu_s']:.2f} s CPU)", "<= 10 s", r["simulate_s"] <= 10))
        rows.append(("campaign_1m", "population build, no cache", f"{r['build_s']:.2f} s", "<= 30 s",
                     r["build_s"] <= 30))
        rows.append(("campaign_1m", "population from the cache", f"{r['from_cache_s']:.2f} s", "<= 3 s",
                     r["from_cache_s"] <= 3))
        rows.append(("campaign_1m", "model construction (macro / micro)",
                     " / ".join(f"{s['construct_s']:.2f} s" for s in r["strategies"].values()), "", None))
        rows.append(("campaign_1m", "peak memory (ru_maxrss)", f"{r['peak_rss_mb']:,.0f} MB", "<= 4,096 MB",
                     r["peak_rss_mb"] <= 4096))
        rows.append(("campaign_1m", "word of mouth, edges examined per second",
                     f"{r['wom_edges_per_second'] / 1e6:.2f} M/s over "
                     f"{sum(s['wom_edges_examined'] for s in r['strategies'].values()):,.0f} edges", "", None))
    if "per_agent_reference" in b:
        r = b["per_agent_reference"]
        rows.append(("per_agent_reference", f"fast vs per-agent, {r['people']:,} people, {r['hours'] / 24:g} days",
                     f"{r['ratio_total']:.0f}x ({r['fast_s']:.2f} s vs {r['reference_s']:.1f} s; "
                     f"simulation CPU {r['ratio_simulate_cpu']:.0f}x)", ">= 50x", r["ratio_total"] >= 50))
    if "default_replicates" in b:
        r = b["default_replicates"]
        rows.append(("default_replicates",
                     f"{r['replicates']} replicates x {r['strategies']} strategies, {r['workers']} workers",
                     f"{r['wall_s']:.1f} s" + (f" ({r['task_cpu_s_median'] * 1000:.0f} ms CPU per run)"
                                               if "task_cpu_s_median" in r else ""), "< 60 s", r["wall_s"] < 60))
    return rows


def table(rows: list[tuple]) -> list[str]:
    heads = ("benchmark", "figure", "value", "target", "met")
    cells = [heads] + [(a, b, c, d, "" if ok is None else ok if isinstance(ok, str) else ("yes" if ok else "NO"))
                       for a, b, c, d, ok in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(5)]
    fmt = "  ".join(f"{{:{w}}}" for w in widths)
    out = [fmt.format(*heads), "  ".join("-" * w for w in widths)]
    out += [fmt.format(*r) for r in cells[1:]]
    return out


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small sizes and one repetition (minutes)")
    ap.add_argument("--repeats", type=int, help="repetitions (medians are quoted); default 3, 1 with --quick")
    ap.add_argument("--skip", choices=BENCHMARKS, action="append", default=[], help="leave a benchmark out")
    ap.add_argument("--json", type=Path, default=RESULTS / "benchmarks.json", help="combined results")
    args = ap.parse_args(argv)
    repeats = args.repeats or (1 if args.quick else 3)
    RESULTS.mkdir(parents=True, exist_ok=True)
    py = sys.executable
    n = 200_000 if args.quick else 1_000_000
    results: dict = {}

    if "graph_build" not in args.skip:
        rc, text, secs = run([py, str(HERE / "graph_build.py"), "--n", str(n)])
        results["graph_build"] = {"status": rc, "seconds": secs,
                                  "lines": [ln for ln in text.splitlines() if "wall=" in ln]}
    if "cascade" not in args.skip:
        for key, seed_set in (("cascade", 1), ("cascade_seed_set", SEED_SET)):
            out = RESULTS / f"{key}.json"
            rc, _text, secs = run([py, str(HERE / "cascade.py"), "--n", str(n), "--seeds", "10",
                                   "--seed-set", str(seed_set), "--reps", str(repeats), "--json", str(out)])
            results[key] = {"status": rc, "seconds": secs,
                            "json": json.loads(out.read_text()) if rc == 0 and out.is_file() else None}
    if "campaign" not in args.skip:
        out = RESULTS / "campaign.json"
        cmd = [py, str(HERE / "campaign.py"), "--repeats", str(repeats), "--json", str(out)]
        if args.quick:
            cmd += ["--n", str(n), "--ref-n", "20000", "--replicates", "20"]
        rc, _text, secs = run(cmd)
        results["campaign"] = {"status": rc, "seconds": secs,
                               "json": json.loads(out.read_text()) if rc == 0 and out.is_file() else None}

    rows = rows_from(results)
    lines = table(rows)
    print()
    print(f"Benchmarks ({'quick' if args.quick else 'full'} sizes, medians of {repeats}; "
          f"{platform.machine()}, {os.cpu_count()} CPUs, load average now {os.getloadavg()[0]:.1f})")
    for line in lines:
        print(line)
    failed = [k for k, v in results.items() if v.get("status")]
    if failed:
        print(f"FAILED to run: {', '.join(failed)}")
    payload = {"quick": args.quick, "repeats": repeats, "summary": [dict(zip(("benchmark", "figure", "value",
                                                                              "target", "met"), r)) for r in rows],
               "table": lines, "results": results, "finished": time.strftime("%Y-%m-%dT%H:%M:%S"),
               "machine": {"platform": platform.platform(), "cpus": os.cpu_count(),
                           "python": platform.python_version()}}
    args.json.write_text(json.dumps(payload, indent=2))
    print(f"wrote {args.json}")
    return payload


if __name__ == "__main__":
    main()
