"""Independent cascade on a Barabasi-Albert graph: sim.rules.wordofmouth against cynetdiff.

    python benchmarks/cascade.py [--n 1000000] [--m 5] [--seeds 10] [--seed-set 1] [--reps 3] [--json PATH]

Both libraries run on the same CSR arrays in the same process, from the same seed
nodes. Two modes:

- single seed (``--seed-set 1``, the default): ``--seeds`` cascades, each started from
  one seed node drawn uniformly at random;
- seed set (``--seed-set K``): ``--seeds`` cascades, each started from a set of K
  distinct seed nodes drawn uniformly at random (``--seeds 10 --seed-set 10`` reads
  issue 3's "10 random seeds" as a seed set of 10 nodes).

Why both: on a scale-free graph a cascade from one seed node is bimodal (it dies out at
once or takes a giant share of the graph), so the mean size over 10 runs has a standard
error of some 10-30% and cannot test "mean sizes within 2%". From a set of 10 seed nodes
almost every cascade goes giant, the sizes vary by well under 1%, and the 2% comparison
becomes testable. The single-seed mode stays as the plain reading of the issue and as a
throughput figure over cascades of every size.

What is timed, per cascade:
- ours: the whole ``independent_cascade(indptr, indices, seed_set, p, rng)`` call plus
  ``active.sum()`` (array allocation included);
- cynetdiff: ``model.set_seeds(seed_list)``, ``model.advance_until_completion()`` and
  ``model.get_num_activated_nodes()`` on a freshly built ``IndependentCascadeModel``.
  Building the model (and dropping it afterwards) and turning the seed set into the
  list of plain ints that ``set_seeds`` takes are not timed.

Throughput is "edges examined per second": the number of out-edges of the activated
nodes (which any IC implementation must logically consider, each exactly once),
counted from each library's own result outside the timed part, divided by the wall
time. Each repetition runs every seed set once with each library (interleaved, so
load drift hits both alike); the table shows medians over repetitions.

Sizes: the report gives the mean cascade size of both libraries over all runs (every
repetition), their relative difference and its standard error (the two libraries'
standard errors of the mean combined, which treats runs as independent; the same seed
sets serve both libraries, so this errs on the large side), the share of runs that went
giant and the mean size of the giant runs. The 2% check says "within 2%" when
|rel diff| <= 2% and two standard errors are below 2%, "NOT within 2%" when
|rel diff| > 2% and either two standard errors are below 2% or |rel diff| exceeds 2%
by more than two standard errors, and "not resolved (SE too large)" otherwise (the
usual outcome in single-seed mode). ``--check-runs K`` adds K
untimed cascades per library and p (from fresh random seed sets) to the size comparison.
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

from sim.rules.wordofmouth import independent_cascade  # noqa: E402

try:
    from cynetdiff.models import IndependentCascadeModel
except ImportError:  # benchmark-only dependency: pip install 'influsim[bench]'
    IndependentCascadeModel = None

GIANT_SHARE = 0.01  # a run that activates more than 1% of the nodes counts as giant
SIZE_TOL = 0.02  # issue 3: mean cascade sizes within 2% of cynetdiff's


# ------------------------------------------------------------------- graph


def _ba_numpy(n: int, m: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Fallback Barabasi-Albert CSR (Batagelj-Brandes, resolved by pointer chasing).

    Edge slot i belongs to node i // m; its other end copies a uniformly random
    earlier stub, which is preferential attachment. Self loops and repeated edges
    are dropped, so a few nodes end with degree slightly below m.
    """
    N = n * m
    i = np.arange(N, dtype=np.int64)
    owner = i // m
    ref = (rng.random(N) * (2 * i + 1)).astype(np.int64)  # a stub in [0, 2i]
    tgt = np.empty(N, dtype=np.int64)
    todo, ptr = i, ref.copy()
    while todo.size:  # even stubs are owners (known); odd ones copy another stub
        even = (ptr & 1) == 0
        tgt[todo[even]] = owner[ptr[even] >> 1]
        todo, ptr = todo[~even], ref[ptr[~even] >> 1]
    keep = owner != tgt
    u, v = owner[keep], tgt[keep]
    key = np.concatenate([u * n + v, v * n + u])
    key.sort()
    first = np.empty(key.size, dtype=bool)
    first[0] = True
    np.not_equal(key[1:], key[:-1], out=first[1:])
    key = key[first]
    src = key // n
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(src, minlength=n), out=indptr[1:])
    return indptr, (key - src * n).astype(np.int32)


def build_graph(n: int, m: int, seed: int) -> tuple[np.ndarray, np.ndarray, str]:
    """CSR of an undirected BA graph (both directions), and the builder's name."""
    try:
        from sim.world.peergraph import barabasi_albert

        g = barabasi_albert(n, m, np.random.default_rng(seed))
        indptr = np.asarray(g.indptr, dtype=np.int64)
        indices = np.asarray(g.indices, dtype=np.int32)
        if indptr.size == n + 1 and indptr[-1] == indices.size:
            return indptr, indices, "sim.world.peergraph.barabasi_albert"
    except Exception as exc:  # not there yet, or broken: use our own
        print(f"sim.world.peergraph.barabasi_albert unavailable ({exc!r}); using the numpy fallback")
    indptr, indices = _ba_numpy(n, m, np.random.default_rng(seed))
    return indptr, indices, "benchmarks/cascade.py numpy fallback"


# ------------------------------------------------------------------ runners


def draw_seed_sets(rng, n: int, count: int, k: int) -> np.ndarray:
    """``count`` seed sets of ``k`` distinct random nodes, as a (count, k) array.

    For k = 1 this is the same draw as the single-seed benchmark always made.
    """
    if k == 1:
        return rng.integers(0, n, count).reshape(count, 1)
    return np.array([rng.choice(n, k, replace=False) for _ in range(count)], dtype=np.int64)


def run_ours(indptr, indices, seed_set, p, rng):
    """(seconds, size, active mask) of one cascade with sim.rules.wordofmouth."""
    t = time.perf_counter()
    active = independent_cascade(indptr, indices, seed_set, p, rng)
    size = int(active.sum())
    return time.perf_counter() - t, size, active


def run_cynetdiff(starts, edges, seed_set, p, rng):
    """(seconds, size, activated nodes) of one cascade with cynetdiff."""
    model = IndependentCascadeModel(starts, edges, activation_prob=p, rng=rng)
    seeds = [int(s) for s in seed_set]  # set_seeds takes plain Python ints
    t = time.perf_counter()
    model.set_seeds(seeds)  # also resets the model
    model.advance_until_completion()
    size = model.get_num_activated_nodes()
    wall = time.perf_counter() - t
    nodes = np.fromiter(model.get_activated_nodes(), dtype=np.int64, count=size)
    del model
    return wall, size, nodes


def size_stats(sizes: list[int], n: int) -> dict:
    a = np.asarray(sizes, dtype=float)
    giant = a[a > GIANT_SHARE * n]
    return {
        "runs": int(a.size),
        "mean": float(a.mean()),
        "sem": float(a.std(ddof=1) / math.sqrt(a.size)) if a.size > 1 else float("nan"),
        "giant_share": float(giant.size / a.size),
        "giant_mean": float(giant.mean()) if giant.size else float("nan"),
        "giant_sem": float(giant.std(ddof=1) / math.sqrt(giant.size)) if giant.size > 1 else float("nan"),
    }


def rel_diff(a: float, b: float) -> float:
    return (a - b) / b if b else float("nan")


def size_check(rd: float, se: float) -> str:
    """Verdict on "mean sizes within 2%", honest about noise (see the module docstring)."""
    if abs(rd) - 2 * se > SIZE_TOL:  # off by more than 2% even allowing for the noise
        return "NOT within 2%"
    if not 2 * se < SIZE_TOL:  # also when se is nan
        return "not resolved (SE too large)"
    return "within 2%" if abs(rd) <= SIZE_TOL else "NOT within 2%"


def bench_p(indptr, indices, starts, edges, deg, seed_sets, p, reps, check_runs, rng_seed):
    n = indptr.size - 1
    res = {lib: {"wall_s": [], "edges": [], "sizes": []} for lib in ("ours", "cynetdiff")}
    for rep in range(reps):
        w = {"ours": 0.0, "cynetdiff": 0.0}
        e = {"ours": 0, "cynetdiff": 0}
        for i, s in enumerate(seed_sets):
            # Independent streams per (library, p, rep, run); same seed set for both.
            wall, size, active = run_ours(indptr, indices, s, p, np.random.default_rng([rng_seed, 0, rep, i]))
            w["ours"] += wall
            e["ours"] += int(deg[active].sum())
            res["ours"]["sizes"].append(size)
            wall, size, nodes = run_cynetdiff(starts, edges, s, p, np.random.default_rng([rng_seed, 1, rep, i]))
            w["cynetdiff"] += wall
            e["cynetdiff"] += int(deg[nodes].sum())
            res["cynetdiff"]["sizes"].append(size)
        for lib in w:
            res[lib]["wall_s"].append(w[lib])
            res[lib]["edges"].append(e[lib])
    # Extra untimed runs for the size comparison only.
    extra = draw_seed_sets(np.random.default_rng([rng_seed, 2]), n, check_runs, seed_sets.shape[1])
    for i, s in enumerate(extra):
        _, size, _ = run_ours(indptr, indices, s, p, np.random.default_rng([rng_seed, 3, i]))
        res["ours"]["sizes"].append(size)
        _, size, _ = run_cynetdiff(starts, edges, s, p, np.random.default_rng([rng_seed, 4, i]))
        res["cynetdiff"]["sizes"].append(size)

    out = {"p": p}
    for lib, r in res.items():
        tput = [ed / wl for ed, wl in zip(r["edges"], r["wall_s"])]
        out[lib] = {
            "wall_s_median": statistics.median(r["wall_s"]),
            "wall_s_per_rep": r["wall_s"],
            "edges_examined_per_rep": r["edges"],
            "edges_per_s_median": statistics.median(tput),
            "sizes": r["sizes"],
            "size": size_stats(r["sizes"], n),
        }
    o, c = out["ours"], out["cynetdiff"]
    out["throughput_ratio"] = o["edges_per_s_median"] / c["edges_per_s_median"]
    out["wall_ratio_cynetdiff_over_ours"] = c["wall_s_median"] / o["wall_s_median"]
    out["mean_size_rel_diff"] = rel_diff(o["size"]["mean"], c["size"]["mean"])
    out["mean_size_rel_diff_se"] = math.hypot(o["size"]["sem"], c["size"]["sem"]) / c["size"]["mean"]
    out["giant_mean_rel_diff"] = rel_diff(o["size"]["giant_mean"], c["size"]["giant_mean"])
    out["size_check"] = size_check(out["mean_size_rel_diff"], out["mean_size_rel_diff_se"])
    return out


# --------------------------------------------------------------------- main


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=1_000_000, help="nodes (default 1,000,000)")
    ap.add_argument("--m", type=int, default=5, help="BA edges per new node (default 5)")
    ap.add_argument("--seeds", type=int, default=10, help="cascades per p and repetition (default 10)")
    ap.add_argument("--seed-set", type=int, default=1, metavar="K",
                    help="random seed nodes per cascade (default 1: single-seed mode; 10: seed-set mode)")
    ap.add_argument("--p", type=float, nargs="+", default=[0.1, 0.3], help="edge probabilities")
    ap.add_argument("--reps", type=int, default=3, help="timing repetitions; medians are reported")
    ap.add_argument("--check-runs", type=int, default=0, help="extra untimed runs per library for sizes")
    ap.add_argument("--seed", type=int, default=2024, help="master random seed")
    ap.add_argument("--json", type=Path, help="write the results here")
    args = ap.parse_args(argv)
    if args.seed_set < 1:
        ap.error("--seed-set must be at least 1")
    if IndependentCascadeModel is None:
        sys.exit("cynetdiff is not installed: pip install 'influsim[bench]'")

    t = time.perf_counter()
    indptr, indices, builder = build_graph(args.n, args.m, args.seed)
    build_s = time.perf_counter() - t
    n = indptr.size - 1
    deg = np.diff(indptr)
    # cynetdiff wants uint32 `starts` of length n (row starts only) and uint32 edges.
    starts = np.ascontiguousarray(indptr[:-1], dtype=np.uint32)
    edges = np.ascontiguousarray(indices, dtype=np.uint32)
    seed_sets = draw_seed_sets(np.random.default_rng([args.seed, 99]), n, args.seeds, args.seed_set)
    print(f"graph: {builder}, n={n:,}, directed edges={indices.size:,}, max degree={deg.max():,}, "
          f"built in {build_s:.1f}s")
    if args.seed_set == 1:
        mode = f"single seed: {args.seeds} cascades from 1 random seed node each"
        print(f"{mode}\nseed nodes: {seed_sets[:, 0].tolist()}")
    else:
        mode = f"seed set: {args.seeds} cascades from a set of {args.seed_set} random seed nodes each"
        print(mode)
        for s in seed_sets:
            print(f"  seed set: {s.tolist()}")

    # Warm up both (imports, page faults on the CSR arrays) outside the timings.
    run_ours(indptr, indices, [0], 0.3, np.random.default_rng(0))
    run_cynetdiff(starts, edges, [0], 0.3, np.random.default_rng(0))

    results = [
        bench_p(indptr, indices, starts, edges, deg, seed_sets, p, args.reps, args.check_runs, args.seed)
        for p in args.p
    ]

    hdr = (f"{'p':>4} {'library':>10} {'wall s':>8} {'Medges/s':>9} {'ratio':>6} "
           f"{'mean size':>10} {'rel diff':>15} {'giant':>6} {'giant mean':>11} {'rel diff':>9}")
    print(f"\n{mode}; {args.reps} reps per p (medians over reps)"
          + (f"; sizes include {args.check_runs} extra runs" if args.check_runs else ""))
    print(hdr)
    print("-" * len(hdr))
    for r in results:
        for lib in ("ours", "cynetdiff"):
            x, s = r[lib], r[lib].size
            ours = lib == "ours"
            ratio = f"{r['throughput_ratio']:6.2f}" if ours else " " * 6
            rd = (f"{r['mean_size_rel_diff']:+6.2%}±{r['mean_size_rel_diff_se']:.2%}" if ours else "")
            gd = f"{r['giant_mean_rel_diff']:+9.3%}" if ours else ""
            print(f"{r['p']:>4} {lib:>10} {x['wall_s_median']:8.3f} {x['edges_per_s_median'] / 1e6:9.1f} "
                  f"{ratio} {s['mean']:10.0f} {rd:>15} {s['giant_share']:6.0%} {s['giant_mean']:11.0f} {gd:>9}")
    print("ratio = our throughput / cynetdiff's; rel diff = ours vs cynetdiff (± one standard error); "
          f"giant = share of runs activating > {GIANT_SHARE:.0%} of nodes")
    print()
    for r in results:
        o, c = r["ours"], r["cynetdiff"]
        print(f"p={r['p']}: throughput {o['edges_per_s_median'] / 1e6:.1f} vs {c['edges_per_s_median'] / 1e6:.1f} "
              f"M edges/s, ratio {r['throughput_ratio']:.2f}x (target >= 2x: "
              f"{'yes' if r['throughput_ratio'] >= 2 else 'NO'}); mean size {o['size']['mean']:,.0f} vs "
              f"{c['size']['mean']:,.0f} over {o['size']['runs']} runs each, rel diff "
              f"{r['mean_size_rel_diff']:+.2%} ± {r['mean_size_rel_diff_se']:.2%} (SE): {r['size_check']}")

    report = {
        "config": vars(args) | {"json": str(args.json) if args.json else None},
        "graph": {"builder": builder, "n": n, "directed_edges": int(indices.size),
                  "max_degree": int(deg.max()), "build_s": build_s},
        "mode": mode,
        "seed_sets": seed_sets.tolist(),
        "timed": {
            "ours": "independent_cascade(indptr, indices, seed_set, p, rng) + active.sum()",
            "cynetdiff": "set_seeds(seed_list) + advance_until_completion() + get_num_activated_nodes() "
                         "on a fresh IndependentCascadeModel (construction not timed)",
            "throughput": "out-edges of activated nodes / wall time",
        },
        "machine": {
            "platform": platform.platform(), "processor": platform.processor(),
            "python": platform.python_version(), "numpy": np.__version__,
            "cynetdiff": metadata.version("cynetdiff"),
        },
        "results": results,
    }
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2))
        print(f"wrote {args.json}")
    return report


if __name__ == "__main__":
    main()
