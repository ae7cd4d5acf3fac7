"""Simulation-based calibration of ``influsim fit`` (Talts et al. 2018): is the posterior right?

For each of ``--campaigns`` synthetic past campaigns: draw the fitted parameters from
their priors (uniform quantiles ``u``), simulate the campaign with the fit's own simulator
(:func:`sim.studies.fit.simulate.synthetic`: the nuisance parameters drawn from their
priors, as the fit treats them), hold one creator out (campaign ``i`` holds out creator
``i mod n``), fit the other creators, and record

- per fitted parameter, whether the posterior's central 90% interval contains the true
  value (target: 80-97% of campaigns), and the interval's width in the prior's quantile
  space against the prior's own 90% (0.9);
- leave-one-creator-out: the held-out creator's outcomes against the 90% interval of the
  posterior predictive (``--predictive`` simulations of the whole campaign, each from a
  particle drawn by weight): the share inside;
- the time per fit.

It prints a table (and writes it with every campaign's row under ``--out`` when given).
The benchmark's grain is smaller than a user's fit (it says so in its header): ``--creators``
creators (the first of ``scenarios/past_campaign_example.csv``), ``--people`` simulated
people over ``--days`` days, ``--particles`` particles and at most ``--generations``
generations; fits run ``--jobs`` at a time, one process each.

    python benchmarks/sbc.py                               # 50 campaigns, about 30 minutes on 2 cores
    python benchmarks/sbc.py --campaigns 4 --jobs 2        # a quick look
    python benchmarks/sbc.py --seed 2 --out B              # 50 other campaigns (truths drawn from seed 2)
    python benchmarks/sbc.py --pool A B                    # the table of both runs' campaigns together

**Settings and why.** The defaults are 150 particles and at most 3 generations (a wall-time
cap of 4 minutes per fit that no fit reached). An earlier setting of 60 particles and 4
generations ended with a mean effective sample size (ESS) of 21. The interval is the
weighted 5% and 95% quantiles of the last generation (:func:`sim.studies.fit.abc.weighted_interval`).
With n equally weighted draws that interval runs from the ceil(0.05 n)-th to the
ceil(0.95 n)-th draw. Even when the posterior is exact, a fresh draw from it falls inside
with probability (ceil(0.95 n) - ceil(0.05 n)) / (n + 1): 0.82 at n = 21 and 0.89 at n = 71.
So most of the old setting's 78-90% coverage came from too few effective particles, not
from a wrong posterior. Each SMC generation costs ESS, because the importance weights of a
multivariate normal kernel proposal lose about half of it: on average 150, then 78, then 71.
At this grain each generation also narrows the posterior little. So 150 particles and 3
generations give 3.4 times the ESS for about 20% more time per fit. Nothing was set by
looking at the true values: the choice was made from the ESS and timing of a 2-campaign
probe, before the full run.

**Result** (2026-12-08, 2 cores, the defaults; seed 1 then seed 2, pooled with ``--pool``).
Seed 1 (2,490 s): coverage 88%, 86%, **76%**, 82%, 86% in the order below; seed 2 (3,739 s,
beside another benchmark: 3 fits stopped at the 4-minute cap after 2 generations): 88%,
86%, 86%, 92%, 84%. Both, 100 campaigns (Wilson 95% intervals):

========================================  ============  ============  =============
parameter                                 90% coverage  95% interval  width / prior
========================================  ============  ============  =============
population.purchase_propensity_mean                88%    [80%, 93%]           0.94
parameters.conversion_base                         86%    [78%, 91%]           0.96
population.share_propensity_mean                   81%    [72%, 87%]           0.91
parameters.comment_share                           87%    [79%, 92%]           0.94
population.activity_sigma                          85%    [77%, 91%]           0.95
========================================  ============  ============  =============

Seed 1 alone put ``share_propensity_mean`` under the 80% target: its posterior is nearly its
prior, so a truth in the prior's outer 10% is almost never inside, and seed 1 drew 10 of its
50 truths there (5 expected; 38 of the other 40 were covered). The second batch was run
because of that shortfall, and both are reported. Leave-one-creator-out: 93% of 500 held-out
outcomes inside their 90% predictive interval (96% and 90%). Time per fit 95 s on average
alone (120 s over both batches), 241 s at most; final ESS 70 on average. An interval read
from 70 equally weighted draws covers about 89% of fresh draws even from an exact
posterior (see above).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.scenario import load_scenario, with_fields  # noqa: E402
from sim.scenario.priors import prior  # noqa: E402
from sim.studies.fit import abc  # noqa: E402
from sim.studies.fit.past import read_past  # noqa: E402
from sim.studies.fit.simulate import PastSimulator, synthetic  # noqa: E402

EXAMPLE = ROOT / "scenarios" / "past_campaign_example.csv"
SCENARIO = ROOT / "scenarios" / "past_campaign.toml"


def one_campaign(job: tuple) -> dict:
    """Draw, simulate, fit without one creator, check: one row of the benchmark."""
    i, args = job
    scenario = with_fields(load_scenario(SCENARIO), {"campaign.days": args.days})
    full = read_past(EXAMPLE)
    keep = np.arange(len(full)) < args.creators
    for k in range(len(full) - 1, -1, -1):
        if not keep[k]:
            full = full.without(k)
    seed = np.random.SeedSequence(args.seed, spawn_key=(i,))
    u = np.random.default_rng(seed.spawn(1)[0]).random(len(abc.FITTED))
    truth = {f: float(prior(f).ppf(q)) for f, q in zip(abc.FITTED, u)}
    data = synthetic(full, scenario, truth, seed, people=args.people)
    held = i % len(full)
    started = time.perf_counter()
    result = abc.fit(data.without(held), scenario, particles=args.particles, max_generations=args.generations,
                     max_minutes=args.max_minutes, seed=args.seed * 1000 + i, people=args.people, predictive=0)
    seconds = time.perf_counter() - started
    post = result.posterior
    row = {"campaign": i, "held_out": held, "seconds": round(seconds, 1), "generations": len(result.generations),
           "ess": round(result.generations[-1]["ess"], 1), "stopped": result.stopped,
           "trace": [{k: round(float(g[k]), 3) for k in ("epsilon", "acceptance", "ess", "seconds")}
                     for g in result.generations]}
    for j, f in enumerate(post.fields):
        uq = prior(f).cdf(post.draws[:, j])
        lo, hi = abc.weighted_interval(uq, post.weights)
        row[f] = {"truth_u": float(u[j]), "inside": bool(lo <= u[j] <= hi), "width": (hi - lo) / 0.9}
    # leave one creator out: the held-out creator's outcomes against the posterior predictive of the whole campaign
    simulator = PastSimulator(full, scenario, people=args.people)
    pred = abc.predictive_check(simulator, post, args.predictive, args.seed * 1000 + i)
    inside = []
    for o in ("impressions", "likes", "comments", "shares", "purchases"):
        lo, hi = abc.interval(pred[o][:, held])
        inside.append(bool(lo <= data.outcomes[o][held] <= hi))
    row["loo_inside"] = inside
    return row


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson 95% interval of a share ``k / n`` (a coverage over ``n`` campaigns).

    Examples
    --------
    >>> [round(x, 3) for x in wilson(45, 50)]
    [0.786, 0.957]
    """
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return float(centre - half), float(centre + half)


def table(rows: list[dict], args) -> str:
    n = len(rows)
    lines = [f"SBC of influsim fit: {n} synthetic campaigns, {args.creators} creators (one held out: fits on "
             f"{args.creators - 1}), {args.people:,} simulated people, {args.days} days, {args.particles} particles, "
             f"at most {args.generations} generations; nuisance parameters drawn from their priors",
             "",
             f"{'parameter':40s} {'90% coverage':>13s} {'95% interval':>13s} {'width / prior':>14s}  "
             f"truths in the prior's outer 10% (inside)"]
    for f in abc.FITTED:
        inside = np.array([r[f]["inside"] for r in rows])
        u = np.array([r[f]["truth_u"] for r in rows])
        tails = (u < 0.05) | (u > 0.95)
        lo, hi = wilson(int(inside.sum()), n)
        width = np.mean([r[f]["width"] for r in rows])
        lines.append(f"{f:40s} {inside.mean():12.0%} {f'[{lo:.0%}, {hi:.0%}]':>13s} {width:14.2f}  "
                     f"{int(tails.sum())} of {n} ({int(inside[tails].sum())})")
    loo = [x for r in rows for x in r["loo_inside"]]
    lines += ["", f"leave-one-creator-out: {np.mean(loo):.0%} of {len(loo)} held-out outcomes (impressions, likes, "
              f"comments, shares, purchases of {n} creators) inside their 90% predictive interval",
              f"time per fit: mean {np.mean([r['seconds'] for r in rows]):.0f} s, max "
              f"{np.max([r['seconds'] for r in rows]):.0f} s (one process each, {args.jobs} at a time); "
              f"generations mean {np.mean([r['generations'] for r in rows]):.1f}, final ESS mean "
              f"{np.mean([r['ess'] for r in rows]):.0f}"]
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--campaigns", type=int, default=50)
    p.add_argument("--creators", type=int, default=10)
    p.add_argument("--people", type=int, default=3000)
    p.add_argument("--days", type=int, default=7)
    p.add_argument("--particles", type=int, default=150)
    p.add_argument("--generations", type=int, default=3)
    p.add_argument("--max-minutes", type=float, default=4.0)
    p.add_argument("--predictive", type=int, default=40)
    p.add_argument("--jobs", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", help="folder for sbc.json (every campaign's row) and sbc.txt (the table)")
    p.add_argument("--pool", nargs="+", metavar="FOLDER",
                   help="run nothing: print the table of the campaigns of earlier runs' --out folders together "
                        "(runs with other --seed values: disjoint campaigns; the other settings must agree)")
    args = p.parse_args(argv)
    if args.pool:
        rows = []
        for k, folder in enumerate(args.pool):
            rows += [{**r, "campaign": f"{k}:{r['campaign']}"} for r in json.loads((Path(folder) / "sbc.json").read_text())]
        print(f"pooled {len(rows)} campaigns of {', '.join(args.pool)}\n" + table(rows, args))
        return 0
    started = time.perf_counter()
    jobs = [(i, args) for i in range(args.campaigns)]
    rows = []
    with multiprocessing.get_context("spawn").Pool(args.jobs) as pool:
        for row in pool.imap_unordered(one_campaign, jobs):
            rows.append(row)
            print(f"campaign {row['campaign']}: {row['seconds']:.0f} s, {row['generations']} generations, "
                  f"inside {[row[f]['inside'] for f in abc.FITTED]}, loo {row['loo_inside']}", flush=True)
    rows.sort(key=lambda r: r["campaign"])
    text = table(rows, args) + f"\nwall time {time.perf_counter() - started:.0f} s"
    print("\n" + text)
    if args.out:
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        (out / "sbc.json").write_text(json.dumps(rows, indent=1))
        (out / "sbc.txt").write_text(text + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
