"""Time the peer-graph builders and report their peak memory.

Each builder runs in a fresh child process so that its peak RSS is its own.

    python benchmarks/graph_build.py --n 1000000
"""

import argparse
import resource
import subprocess
import sys
import time

import numpy as np

from sim.world.peergraph import barabasi_albert, homophilous_graph

BUILDERS = {
    # 12 niches of unequal size, like the design's handful of interest groups.
    "homophilous_graph": lambda n: homophilous_graph(
        np.random.default_rng(0).choice(12, size=n, p=np.arange(12, 0, -1) / 78), rng=1
    ),
    "barabasi_albert": lambda n: barabasi_albert(n, 5, rng=1),
}


def run_one(name: str, n: int) -> None:
    t = time.perf_counter()
    g = BUILDERS[name](n)
    wall = time.perf_counter() - t
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    print(f"{name:18s} n={g.n:,} edges={g.n_edges:,} mean_degree={g.mean_degree():.2f} "
          f"max_degree={g.degree().max():,} wall={wall:.2f}s peak_rss={peak_mib:.0f}MiB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--only", choices=list(BUILDERS), help="run one builder in this process")
    args = parser.parse_args()
    if args.only:
        run_one(args.only, args.n)
        return
    for name in BUILDERS:
        subprocess.run([sys.executable, __file__, "--n", str(args.n), "--only", name], check=True)


if __name__ == "__main__":
    main()
