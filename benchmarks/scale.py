"""Scaling benchmark of issue 13: world build, simulation and peak memory at 10^5 .. 10^7 people.

    python benchmarks/scale.py                          # 10^5, 10^6 and 10^7 people
    python benchmarks/scale.py --sizes 1e5,1e6,1e7,3e7  # and 3x10^7 if memory allows
    python benchmarks/scale.py --end-to-end             # also `influsim run` of 10 fresh 1M markets

What it measures
----------------
Each size runs in a fresh Python process (so that its peak memory is its own): the
market of ``scenarios/celebrity_10m.toml`` (ten million real people, one mega account of
about five million followers against micro accounts with the same total following, 30
days, 3 posts each, word of mouth on) drawn at ``n`` simulated people, each standing for
``10^7 / n`` real ones (``population.represents``), so every size is the same market at a
finer grain. For each size:

world build
    ``sim.campaign.setup.draw_market``: people, homophilous peer graph (mean degree 10),
    creator pool, from a replicate's own seed (no cache), wall and CPU seconds.
simulation
    both strategies on that market: hiring (ranking, outreach, audiences drawn), model
    set-up and the 720 hourly steps; wall and CPU seconds, and the exposures processed
    (paid views and word-of-mouth exposures, ``CampaignModel.impressions``).
per exposure
    the hourly steps' time is fitted, over every size and strategy, as
    ``a * hours + b * exposures`` (least squares): ``a`` is the fixed cost of an hour
    (posting, the data collector), ``b`` the cost of one exposure. If the per-step cost
    follows the exposures that happen, not the population, the fit holds across sizes
    and each size's own cost per exposure, ``(steps - a * hours) / exposures``, stays
    about constant while the population grows a hundredfold.
memory
    peak resident memory of the process (``ru_maxrss``) and the market's arrays per
    person (``Population.nbytes() / n``).

A second series holds the campaign fixed while the population grows: the default
scenario's ``micro_equal_budget`` strategy (the same micro accounts, the same real
follower counts) one-to-one (``represents = 1``) at ``--fixed-sizes`` people (default
10^6, 3x10^6, 10^7). The exposures stay about the same, so the hourly steps' time
should too: any growth with the population is per-step work that does not follow the
exposures.

Writes ``benchmarks/results/scale.json`` and a log-log Plotly figure of time against
people, ``benchmarks/results/scale.html``. Targets at 10^7 people on the 2-core, 24 GB
machine: world build <= 30 s, simulation of both strategies <= 10 s, peak <= 12 GB.
The machine's load average is recorded: other processes on a shared machine slow wall
times down (CPU seconds are less affected).

``--end-to-end`` also times ``influsim run`` end to end on 1,000,000 people
(``represents = 1``), 10 replicates, a fresh market each (target < 60 s), and on the
embedded default scenario (100,000 people, 10 replicates), each in a fresh process.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
SCENARIO = ROOT / "scenarios" / "celebrity_10m.toml"


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def measure(size: int, scenario: str, seed_index: int = 0, fixed_campaign: bool = False) -> dict:
    """One size, in this process: build, simulate both strategies, peak memory.

    With ``fixed_campaign``: the default scenario's ``micro_equal_budget`` strategy, one-to-one.
    """
    from sim.campaign.luck import replicate_seeds
    from sim.campaign.model import CampaignModel
    from sim.campaign.setup import draw_market
    from sim.scenario import default_scenario, load_scenario, with_fields

    if fixed_campaign:
        sc = default_scenario()
        sc = with_fields(sc, {"population.size": size, "population.represents": 1, "run.market": "per_replicate",
                              # alone, it spends its own budget (match = "macro" needs the macro strategy)
                              "strategies": {"micro_equal_budget": sc.strategies["micro_equal_budget"].model_copy(
                                  update={"match": ""})}})
    else:
        sc = load_scenario(scenario)
        market_people = sc.population.size * sc.population.represents
        sc = with_fields(sc, {"population.size": size, "population.represents": max(1, round(market_people / size)),
                              "run.market": "per_replicate"})
    seed = replicate_seeds(sc.run.seed, seed_index + 1)[seed_index]
    out = {"people": size, "represents": sc.population.represents, "load_before": os.getloadavg()[0]}

    t, c = time.perf_counter(), _cpu()
    market = draw_market(sc, seed)
    out["build_s"], out["build_cpu_s"] = time.perf_counter() - t, _cpu() - c
    out["bytes_per_person"] = market.nbytes() / size
    out["edges"] = int(market.graph.n_edges)
    out["rss_after_build_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    out["strategies"] = {}
    t0, c0 = time.perf_counter(), _cpu()
    for name in sc.strategies:
        t = time.perf_counter()
        model = CampaignModel(sc, name, market=market, rng=seed)  # hiring, audiences, set-up
        t_set = time.perf_counter()
        model.run()  # the hourly steps
        t_end = time.perf_counter()
        out["strategies"][name] = {
            "setup_s": t_set - t, "steps_s": t_end - t_set, "exposures": int(model.impressions), "hours": model.hours,
            "hired": len(model.roster.ids), "following": int(market.pool.followers[model.roster.ids].sum()),
        }
    out["simulate_s"], out["simulate_cpu_s"] = time.perf_counter() - t0, _cpu() - c0
    steps = sum(s["steps_s"] for s in out["strategies"].values())
    out["exposures"] = sum(s["exposures"] for s in out["strategies"].values())
    out["us_per_exposure"] = 1e6 * steps / max(out["exposures"], 1)
    out["steps_s"] = steps
    out["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    out["load_after"] = os.getloadavg()[0]
    return out


def _child(size: int, scenario: str, threads: int | None, fixed_campaign: bool = False) -> dict:
    env = dict(os.environ)
    if threads:
        env["INFLUSIM_THREADS"] = str(threads)
    cmd = [sys.executable, __file__, "--child", str(size), "--scenario", scenario]
    if fixed_campaign:
        cmd.append("--fixed-campaign")
    done = subprocess.run(cmd, capture_output=True, text=True, env=env, cwd=ROOT, check=False)
    if done.returncode:
        sys.stderr.write(done.stderr)
        return {"people": size, "error": done.stderr.strip().splitlines()[-1] if done.stderr.strip() else "failed"}
    return json.loads(done.stdout.strip().splitlines()[-1])


def end_to_end(label: str, fields: dict) -> dict:
    """``influsim run`` of a scenario built from ``fields``, in a fresh process, wall seconds."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "scenario.toml"
        tables: dict[str, dict] = {}
        for key, value in fields.items():
            table, name = key.rsplit(".", 1)
            tables.setdefault(table, {})[name] = value
        path.write_text("".join(f"[{t}]\n" + "".join(f"{k} = {json.dumps(v)}\n" for k, v in kv.items())
                                for t, kv in tables.items()))
        cmd = [sys.executable, "-m", "sim", "run", str(path), "--out", str(Path(tmp) / "out"), "--no-progress"]
        load = os.getloadavg()[0]
        t = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, check=False)
        wall = time.perf_counter() - t
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode:
        sys.stderr.write(done.stderr)
    return {"run": label, "wall_s": wall, "ok": done.returncode == 0, "load_before": load,
            "children_peak_mib": children.ru_maxrss / 1024}


def fit_steps(rows: list[dict]) -> tuple[float, float]:
    """(seconds per hour, seconds per exposure) of ``steps = a * hours + b * exposures`` over every run."""
    import numpy as np

    runs = [s for r in rows if "error" not in r for s in r["strategies"].values()]
    if len(runs) < 2:
        return 0.0, 0.0
    a = np.array([[s["hours"], s["exposures"]] for s in runs], dtype=float)
    y = np.array([s["steps_s"] for s in runs])
    (per_hour, per_exposure), *_ = np.linalg.lstsq(a, y, rcond=None)
    return float(per_hour), float(per_exposure)


def table(rows: list[dict]) -> str:
    per_hour, _ = fit_steps(rows)
    for r in rows:
        if "error" not in r:
            hours = sum(s["hours"] for s in r["strategies"].values())
            r["us_per_exposure_net"] = 1e6 * max(r["steps_s"] - per_hour * hours, 0.0) / max(r["exposures"], 1)
    head = (f"{'people':>12} {'repr':>5} {'edges':>12} {'build s':>8} {'(cpu)':>7} {'simulate s':>10} {'(cpu)':>7} "
            f"{'exposures':>11} {'us/exp':>7} {'net':>6} {'peak GB':>8} {'B/person':>8} {'load':>5}")
    lines = [head, "-" * len(head)]
    for r in rows:
        if "error" in r:
            lines.append(f"{r['people']:>12,} failed: {r['error']}")
            continue
        lines.append(f"{r['people']:>12,} {r['represents']:>5} {r['edges']:>12,} {r['build_s']:>8.2f} "
                     f"{r['build_cpu_s']:>7.1f} {r['simulate_s']:>10.2f} {r['simulate_cpu_s']:>7.1f} "
                     f"{r['exposures']:>11,} {r['us_per_exposure']:>7.2f} {r['us_per_exposure_net']:>6.2f} "
                     f"{r['peak_mib'] / 1024:>8.2f} "
                     f"{r['bytes_per_person']:>8.1f} {max(r['load_before'], r['load_after']):>5.1f}")
    per_hour, per_exposure = fit_steps(rows)
    lines.append(f"hourly steps fitted over all runs: {1e3 * per_hour:.2f} ms per hour + {1e6 * per_exposure:.2f} us "
                 "per exposure; 'us/exp' is steps / exposures, 'net' the same after the hours' fixed cost")
    return "\n".join(lines)


def figure(rows: list[dict], path: Path, fixed: list[dict] | None = None) -> None:
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    ok = [r for r in rows if "error" not in r]
    x = [r["people"] for r in ok]
    fig = make_subplots(rows=1, cols=2, subplot_titles=("Time against people (log-log)",
                                                        "Hourly steps: microseconds per exposure"))
    for key, name in (("build_s", "world build"), ("simulate_s", "simulation, both strategies"),
                      ("steps_s", "hourly steps only")):
        fig.add_trace(go.Scatter(x=x, y=[r[key] for r in ok], mode="lines+markers", name=name), row=1, col=1)
    if x:
        lo, hi = min(x), max(x)
        ref = ok[0]["build_s"]
        fig.add_trace(go.Scatter(x=[lo, hi], y=[ref, ref * hi / lo], mode="lines", name="linear in people",
                                 line={"dash": "dot", "color": "grey"}), row=1, col=1)
    fig.add_trace(go.Scatter(x=x, y=[r["us_per_exposure"] for r in ok], mode="lines+markers",
                             name="us per exposure (steps / exposures)",
                             text=[f"{r['exposures']:,} exposures" for r in ok]), row=1, col=2)
    fig.add_trace(go.Scatter(x=x, y=[r.get("us_per_exposure_net", 0) for r in ok], mode="lines+markers",
                             name="us per exposure, net of each hour's fixed cost"), row=1, col=2)
    fixed = [r for r in (fixed or []) if "error" not in r]
    if fixed:
        runs = [r["strategies"]["micro_equal_budget"] for r in fixed]
        fig.add_trace(go.Scatter(x=[r["people"] for r in fixed], y=[s["steps_s"] for s in runs], mode="lines+markers",
                                 name="hourly steps, the same campaign (one-to-one)",
                                 text=[f"{s['exposures']:,} exposures" for s in runs]), row=1, col=1)
        fig.add_trace(go.Scatter(x=[r["people"] for r in fixed],
                                 y=[1e6 * s["steps_s"] / max(s["exposures"], 1) for s in runs], mode="lines+markers",
                                 name="us per exposure, the same campaign"), row=1, col=2)
    fig.update_xaxes(type="log", title_text="simulated people")
    fig.update_yaxes(type="log", title_text="seconds", row=1, col=1)
    fig.update_yaxes(type="log", title_text="microseconds per exposure", row=1, col=2)
    fig.update_layout(title="influsim scaling: the celebrity market (10M real people) at 10^5..10^7 simulated "
                            f"people; {platform.node()}, {os.cpu_count()} cores", height=520)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.write_html(path, include_plotlyjs="cdn")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1e5,1e6,1e7", help="comma-separated numbers of simulated people")
    parser.add_argument("--scenario", default=str(SCENARIO), help="scenario whose market is drawn at each size")
    parser.add_argument("--threads", type=int, help="threads of the world builders (default: the cores)")
    parser.add_argument("--end-to-end", action="store_true", help="also time `influsim run` (1M x 10 markets, default)")
    parser.add_argument("--out", default=str(RESULTS / "scale.html"), help="figure (HTML); JSON next to it")
    parser.add_argument("--fixed-sizes", default="1e6,3e6,1e7",
                        help="people of the fixed-campaign series (empty: none)")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--fixed-campaign", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.scenario, fixed_campaign=args.fixed_campaign)))
        return

    sizes = [int(float(s)) for s in args.sizes.split(",") if s.strip()]
    rows = []
    for size in sizes:
        print(f"measuring {size:,} people ...", file=sys.stderr, flush=True)
        rows.append(_child(size, args.scenario, args.threads))
    text = table(rows)  # before the figure: adds the net cost per exposure
    print(text)
    for r in rows:
        if "error" not in r:
            parts = ", ".join(f"{k}: {v['hired']} hired ({v['following']:,} followers), {v['exposures']:,} exposures, "
                              f"setup {v['setup_s']:.2f}s + steps {v['steps_s']:.2f}s"
                              for k, v in r["strategies"].items())
            print(f"  {r['people']:,}: {parts}")
    fixed = []
    for size in [int(float(s)) for s in args.fixed_sizes.split(",") if s.strip()]:
        print(f"measuring the fixed campaign at {size:,} people ...", file=sys.stderr, flush=True)
        fixed.append(_child(size, args.scenario, args.threads, fixed_campaign=True))
    if fixed:
        print("\nThe same campaign (default micro_equal_budget, one-to-one) in a growing population:")
        print(f"{'people':>12} {'hired':>6} {'exposures':>11} {'steps s':>8} {'us/exp':>7} {'setup s':>8} "
              f"{'build s':>8}")
        for r in fixed:
            if "error" in r:
                print(f"{r['people']:>12,} failed: {r['error']}")
                continue
            s = r["strategies"]["micro_equal_budget"]
            print(f"{r['people']:>12,} {s['hired']:>6} {s['exposures']:>11,} {s['steps_s']:>8.2f} "
                  f"{1e6 * s['steps_s'] / max(s['exposures'], 1):>7.2f} {s['setup_s']:>8.2f} {r['build_s']:>8.2f}")
    runs = []
    if args.end_to_end:
        runs.append(end_to_end("influsim run: 1,000,000 people x 10 fresh markets",
                               {"population.size": 1_000_000, "population.represents": 1, "run.replicates": 10,
                                "run.market": "per_replicate", "run.seed": 42}))
        runs.append(end_to_end("influsim run: default scenario (100,000 people, 10 replicates)",
                               {"run.replicates": 10, "run.seed": 42}))
        for r in runs:
            print(f"{r['run']}: {r['wall_s']:.1f} s wall{'' if r['ok'] else ' (FAILED)'} (load {r['load_before']:.1f})")
    out = Path(args.out)
    figure(rows, out, fixed)
    out.with_suffix(".json").write_text(json.dumps({"sizes": rows, "fixed_campaign": fixed, "runs": runs,
                                                    "cores": os.cpu_count(),
                                                    "python": platform.python_version()}, indent=2))
    print(f"wrote {out} and {out.with_suffix('.json')}")


if __name__ == "__main__":
    main()
