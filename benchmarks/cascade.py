"""The model's word of mouth against cynetdiff: the same arcs, the same per-arc probabilities.

    python benchmarks/cascade.py [--n 1000000] [--seeds 10] [--seed-set 10] [--reps 3] [--json PATH]

What the model runs: a person who shares the campaign exposes each peer ``t`` with
probability ``min(1, share_reach[s] * activity[t])``, one independent trial per arc
(:func:`sim.rules.wordofmouth.share_exposures`, called from
:class:`sim.campaign.model.CampaignModel`; ``share_reach`` is the organic reach of an
account with the sharer's number of peers, computed by the model). Run until nobody new
is reached, that is an independent cascade with heterogeneous per-arc probabilities
(Kempe, Kleinberg & Tardos 2003), which cynetdiff's ``IndependentCascadeModel`` runs
with ``activation_probs``, one probability per arc.

The arcs and probabilities are the model's own: a :class:`~sim.campaign.model.CampaignModel`
of the default scenario with ``--n`` people gives the peer graph (CSR), ``share_reach``
and the people's ``activity``; the per-arc probabilities are computed once in float64
and given to cynetdiff as float32 (its type; the rounding changes a probability by less
than 1e-7 of itself). Two processes, each from the same seed sets:

- ``exposures``: every person reached passes it on (the pure exposure rule; with the
  default scenario's reach most cascades take nearly the whole market);
- ``shares``: a person reached passes it on with their ``share_propensity`` (the model
  draws a share per exposure): per-arc probability ``min(1, share_reach[s] * activity[t])
  * share_propensity[t]``, ours by thinning the exposures that ``share_exposures`` returns.

What is timed, per cascade: ours, the loop of ``share_exposures`` calls over the newly
reached people with the bookkeeping of who is reached (what the model's step does
around the same call), and the call alone is timed too (its share of the loop);
cynetdiff, ``set_seeds`` + ``advance_until_completion`` + ``get_num_activated_nodes`` on
a model built once per process and p (building it, and turning the seed set into plain
ints, are not timed). Each repetition runs every seed set once with each library
(interleaved, so that load drift hits both alike); times are medians over repetitions.

Sizes: the mean cascade size of both over every run, their relative difference with
its standard error; "within 2%" when ``|rel diff| <= 2%`` and two standard errors are
below 2%, "NOT within 2%" when it is off by more than 2% beyond the noise, else "not
resolved (SE too large)". ``--check-runs K`` adds K untimed cascades per library (by
default 200 for ``shares``, whose sizes vary from run to run, none for ``exposures``).
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
import sys
import time
from importlib import metadata
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

from sim.rules.wordofmouth import share_exposures  # noqa: E402

try:
    from cynetdiff.models import IndependentCascadeModel
except ImportError:  # benchmark-only dependency: pip install 'influsim[bench]'
    IndependentCascadeModel = None

SIZE_TOL = 0.02  # mean cascade sizes within 2% of cynetdiff's
PROCESSES = ("exposures", "shares")
CHECK_RUNS = {"exposures": 0, "shares": 200}  # untimed extra runs, so that the 2% comparison is resolved


# ------------------------------------------------------------------- the model's arcs


def model_arcs(n: int, seed: int) -> dict:
    """The model's peer graph and word-of-mouth inputs for a market of ``n`` people (default scenario)."""
    from sim.campaign.model import CampaignModel
    from sim.scenario import default_scenario, with_fields

    scenario = with_fields(default_scenario(), {"population.size": n,
                                                "population.represents": max(1, 2_000_000 // n)})
    model = CampaignModel(scenario, "macro", rng=seed)
    pop = model.population
    indptr = np.asarray(pop.graph.indptr, dtype=np.int64)
    indices = np.asarray(pop.graph.indices)
    return {"indptr": indptr, "indices": indices, "share_reach": np.asarray(model.share_reach, dtype=np.float64),
            "activity": np.asarray(pop.activity), "share_propensity": np.asarray(pop.share_propensity, np.float64)}


def arc_probabilities(arcs: dict, process: str) -> np.ndarray:
    """Per-arc probability (float64) of the cascade ``process``, in CSR order."""
    indptr, indices = arcs["indptr"], arcs["indices"]
    source = np.repeat(np.arange(indptr.size - 1), np.diff(indptr))
    p = np.minimum(1.0, arcs["share_reach"][source] * arcs["activity"][indices].astype(np.float64))
    if process == "shares":
        p *= arcs["share_propensity"][indices]
    return p


# ------------------------------------------------------------------ runners


def model_cascade(arcs: dict, seed_set, process: str, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """(reached mask, seconds inside share_exposures) of one cascade by the model's rule."""
    indptr, indices = arcs["indptr"], arcs["indices"]
    reached = np.zeros(indptr.size - 1, dtype=bool)
    frontier = np.unique(np.asarray(seed_set, dtype=np.int64))
    reached[frontier] = True
    inside = 0.0
    while frontier.size:
        t = time.perf_counter()
        _, peers = share_exposures(indptr, indices, frontier, arcs["share_reach"][frontier], arcs["activity"], rng)
        inside += time.perf_counter() - t
        if process == "shares":  # a person reached passes it on with their share propensity, per exposure
            peers = peers[rng.random(peers.size) < arcs["share_propensity"][peers]]
        peers = peers[~reached[peers]]
        frontier = np.unique(peers)
        reached[frontier] = True
    return reached, inside


def run_ours(arcs, seed_set, process, rng):
    """(seconds, seconds inside share_exposures, size) of one cascade by the model's rule."""
    t = time.perf_counter()
    reached, inside = model_cascade(arcs, seed_set, process, rng)
    size = int(reached.sum())
    return time.perf_counter() - t, inside, size


def run_cynetdiff(model, seed_set, rng):
    """(seconds, size) of one cascade with cynetdiff."""
    model.set_rng(rng)
    seeds = [int(s) for s in seed_set]  # set_seeds takes plain Python ints
    t = time.perf_counter()
    model.set_seeds(seeds)  # also resets the model
    model.advance_until_completion()
    size = model.get_num_activated_nodes()
    return time.perf_counter() - t, size


def draw_seed_sets(rng, n: int, count: int, k: int) -> np.ndarray:
    """``count`` seed sets of ``k`` distinct random people, as a (count, k) array."""
    return np.array([rng.choice(n, k, replace=False) for _ in range(count)], dtype=np.int64).reshape(count, k)


def size_stats(sizes: list[int]) -> dict:
    a = np.asarray(sizes, dtype=float)
    return {"runs": int(a.size), "mean": float(a.mean()),
            "sem": float(a.std(ddof=1) / math.sqrt(a.size)) if a.size > 1 else float("nan")}


def rel_diff(a: float, b: float) -> float:
    return (a - b) / b if b else float("nan")


def size_check(rd: float, se: float) -> str:
    """Verdict on "mean sizes within 2%", honest about noise (see the module docstring)."""
    if abs(rd) - 2 * se > SIZE_TOL:  # off by more than 2% even allowing for the noise
        return "NOT within 2%"
    if not 2 * se < SIZE_TOL:  # also when se is nan
        return "not resolved (SE too large)"
    return "within 2%" if abs(rd) <= SIZE_TOL else "NOT within 2%"


def bench_process(arcs, starts, edges, seed_sets, process, reps, check_runs, rng_seed) -> dict:
    probs = arc_probabilities(arcs, process)
    model = IndependentCascadeModel(starts, edges, activation_probs=probs.astype(np.float32), rng=0)
    tag = PROCESSES.index(process)
    walls = {"ours": [], "cynetdiff": []}
    inside_share, sizes = [], {"ours": [], "cynetdiff": []}
    for rep in range(reps):
        w = {"ours": 0.0, "cynetdiff": 0.0}
        inside = 0.0
        for i, s in enumerate(seed_sets):
            wall, ins, size = run_ours(arcs, s, process, np.random.default_rng([rng_seed, tag, 0, rep, i]))
            w["ours"] += wall
            inside += ins
            sizes["ours"].append(size)
            wall, size = run_cynetdiff(model, s, np.random.default_rng([rng_seed, tag, 1, rep, i]))
            w["cynetdiff"] += wall
            sizes["cynetdiff"].append(size)
        for lib in w:
            walls[lib].append(w[lib])
        inside_share.append(inside / w["ours"])
    extra = draw_seed_sets(np.random.default_rng([rng_seed, tag, 2]), arcs["indptr"].size - 1, check_runs,
                           seed_sets.shape[1]) if check_runs else []
    for i, s in enumerate(extra):  # untimed, for the size comparison only
        sizes["ours"].append(run_ours(arcs, s, process, np.random.default_rng([rng_seed, tag, 3, i]))[2])
        sizes["cynetdiff"].append(run_cynetdiff(model, s, np.random.default_rng([rng_seed, tag, 4, i]))[1])
    out = {"process": process, "mean_arc_probability": float(probs.mean())}
    for lib in walls:
        out[lib] = {"wall_s_median": statistics.median(walls[lib]), "wall_s_per_rep": walls[lib],
                    "sizes": sizes[lib], "size": size_stats(sizes[lib])}
    out["ours"]["share_exposures_share"] = statistics.median(inside_share)
    o, c = out["ours"], out["cynetdiff"]
    out["time_ratio_ours_over_cynetdiff"] = o["wall_s_median"] / c["wall_s_median"]
    out["mean_size_rel_diff"] = rel_diff(o["size"]["mean"], c["size"]["mean"])
    out["mean_size_rel_diff_se"] = math.hypot(o["size"]["sem"], c["size"]["sem"]) / c["size"]["mean"]
    out["size_check"] = size_check(out["mean_size_rel_diff"], out["mean_size_rel_diff_se"])
    return out


# --------------------------------------------------------------------- main


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000, help="people in the market (default 1,000,000)")
    ap.add_argument("--seeds", type=int, default=10, help="cascades per process and repetition (default 10)")
    ap.add_argument("--seed-set", type=int, default=10, metavar="K", help="people who share first, per cascade")
    ap.add_argument("--process", choices=PROCESSES, nargs="+", default=list(PROCESSES), help="what to run")
    ap.add_argument("--reps", type=int, default=3, help="timing repetitions; medians are reported")
    ap.add_argument("--check-runs", type=int, default=None,
                    help="extra untimed runs per library for the sizes (default: 0 for exposures, whose sizes "
                         "hardly vary, 200 for shares)")
    ap.add_argument("--seed", type=int, default=2024, help="master random seed")
    ap.add_argument("--json", type=Path, help="write the results here")
    args = ap.parse_args(argv)
    if args.seed_set < 1:
        ap.error("--seed-set must be at least 1")
    if IndependentCascadeModel is None:
        sys.exit("cynetdiff is not installed: pip install 'influsim[bench]'")

    t = time.perf_counter()
    arcs = model_arcs(args.n, args.seed)
    build_s = time.perf_counter() - t
    n = arcs["indptr"].size - 1
    deg = np.diff(arcs["indptr"])
    # cynetdiff wants uint32 `starts` of length n (row starts only) and uint32 edges
    starts = np.ascontiguousarray(arcs["indptr"][:-1], dtype=np.uint32)
    edges = np.ascontiguousarray(arcs["indices"], dtype=np.uint32)
    seed_sets = draw_seed_sets(np.random.default_rng([args.seed, 99]), n, args.seeds, args.seed_set)
    print(f"the model's market: {n:,} people, {arcs['indices'].size:,} arcs, max degree {deg.max():,}, "
          f"built in {build_s:.1f} s")
    print(f"{args.seeds} cascades per process and repetition, each from {args.seed_set} random people")

    # warm up both (imports, page faults on the arrays) outside the timings
    run_ours(arcs, seed_sets[0], "shares", np.random.default_rng(0))
    warm = IndependentCascadeModel(starts, edges, activation_prob=0.1, rng=0)
    run_cynetdiff(warm, seed_sets[0], np.random.default_rng(0))
    del warm

    check_runs = {proc: CHECK_RUNS[proc] if args.check_runs is None else args.check_runs for proc in args.process}
    results = [bench_process(arcs, starts, edges, seed_sets, proc, args.reps, check_runs[proc], args.seed)
               for proc in args.process]

    hdr = (f"{'process':>9} {'mean p':>7} {'library':>10} {'wall s':>8} {'ratio':>6} {'in call':>7} "
           f"{'mean size':>10} {'rel diff':>16}")
    print(f"\n{args.reps} reps (medians over reps); sizes include "
          + ", ".join(f"{k} extra runs for {proc}" for proc, k in check_runs.items()))
    print(hdr)
    print("-" * len(hdr))
    for r in results:
        for lib in ("ours", "cynetdiff"):
            x = r[lib]
            ours = lib == "ours"
            ratio = f"{r['time_ratio_ours_over_cynetdiff']:6.2f}" if ours else " " * 6
            inside = f"{x['share_exposures_share']:7.0%}" if ours else " " * 7
            rd = f"{r['mean_size_rel_diff']:+7.2%}±{r['mean_size_rel_diff_se']:.2%}" if ours else ""
            print(f"{r['process']:>9} {r['mean_arc_probability']:7.3f} {lib:>10} {x['wall_s_median']:8.3f} "
                  f"{ratio} {inside} {x['size']['mean']:10,.0f} {rd:>16}")
    print("ratio = our time / cynetdiff's; in call = share of our time inside share_exposures; "
          "rel diff = our mean size vs cynetdiff's (± one standard error)")
    print()
    for r in results:
        o, c = r["ours"], r["cynetdiff"]
        print(f"{r['process']}: {o['wall_s_median']:.3f} s vs {c['wall_s_median']:.3f} s, time ratio "
              f"{r['time_ratio_ours_over_cynetdiff']:.2f}; mean size {o['size']['mean']:,.0f} vs "
              f"{c['size']['mean']:,.0f} over {o['size']['runs']} runs each, rel diff {r['mean_size_rel_diff']:+.2%} "
              f"± {r['mean_size_rel_diff_se']:.2%} (SE): {r['size_check']}")

    report = {
        "config": vars(args) | {"json": str(args.json) if args.json else None},
        "market": {"n": n, "arcs": int(arcs["indices"].size), "max_degree": int(deg.max()), "build_s": build_s},
        "seed_sets": seed_sets.tolist(),
        "timed": {
            "ours": "loop of sim.rules.wordofmouth.share_exposures over the newly reached people, with the "
                    "bookkeeping of who is reached (and the share thinning in 'shares')",
            "cynetdiff": "set_seeds(seed_list) + advance_until_completion() + get_num_activated_nodes() on an "
                         "IndependentCascadeModel with activation_probs (construction not timed)",
        },
        "machine": {"platform": platform.platform(), "processor": platform.processor(),
                    "python": platform.python_version(), "numpy": np.__version__,
                    "cynetdiff": metadata.version("cynetdiff")},
        "results": results,
    }
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2))
        print(f"wrote {args.json}")
    return report


if __name__ == "__main__":
    main()
