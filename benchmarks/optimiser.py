"""Benchmark: the roster optimiser against the best fixed selection policy, on seeds it never saw.

Per setting (generated markets of the default scenario at a small size; generated heterogeneous
shortlists), every fixed policy of :data:`sim.campaign.ranking.FIXED_POLICIES` and the optimiser
(``selection = "optimiser"``) each plan a roster of replicate 0 (no outreach refusals: this measures
the plan). The best fixed policy is the one with the highest mean profit on the optimiser's pilot
(training) seeds; all rosters are then run on replicate seeds (disjoint from the pilot seeds), and
the paired difference optimiser minus best fixed policy in profit (gross profit less cost) is
printed with its 95% bootstrap interval (:func:`sim.studies.compare.interval`) and the win share.

Usage: ``python benchmarks/optimiser.py [--replicates N] [--size N]``. Writes only under a
temporary folder (the shortlist CSVs).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from sim.campaign.luck import pilot_seeds
from sim.campaign.model import CampaignModel
from sim.campaign.ranking import FIXED_POLICIES
from sim.scenario import default_scenario, resolve, with_fields
from sim.studies.compare import interval
from sim.studies.runs import replicate_seeds
from sim.world import build_population

NICHES_NEAR = ("fitness", "food", "travel")  # the product's niche and two others; 'beauty', 'gaming' off-niche


def profit(m: dict) -> float:
    """Net profit of one run: gross profit less the campaign's cost."""
    return float(m["gross_profit"] - m["cost"])


def write_shortlist(path: Path, rng: np.random.Generator, n: int = 60) -> None:
    """A heterogeneous shortlist: log-uniform followers, varied engagement rates and niches,
    fees from a CPM-like rule times a lognormal factor, a fifth of the accounts overpriced (x3);
    many same-niche accounts so that audiences overlap. [assumption] all figures made up."""
    niches = rng.choice(["fitness"] * 5 + ["food", "travel", "beauty", "gaming"], size=n)
    followers = np.exp(rng.uniform(np.log(5e3), np.log(4e5), size=n)).astype(int)
    er = np.clip(rng.lognormal(np.log(0.025), 0.7, size=n), 0.003, 0.15)
    fee = followers * 0.01 * rng.lognormal(0.0, 0.4, size=n)  # ~$10 per 1000 followers [assumption]
    fee[rng.random(n) < 0.2] *= 3.0  # overpriced accounts
    lines = ["handle,platform,followers,niche,engagement_rate,fee,country,language"]
    for i in range(n):
        lines.append(f"@bench_{i:03d},instagram,{followers[i]},{niches[i]},{100 * er[i]:.2f}%,"
                     f"{max(fee[i], 50.0):.0f},US,en")
    path.write_text("\n".join(lines) + "\n")


def strategies(budget: float, pilot: dict) -> dict:
    out = {p: {"kind": "micro_equal_budget", "selection": p, "budget": budget, "outreach": False}
           for p in FIXED_POLICIES}
    out["opt"] = {"kind": "micro_equal_budget", "selection": "optimiser", "objective": "conversions",
                  "budget": budget, "outreach": False, **pilot}
    return out


def evaluate(sc, pop, seeds) -> dict:
    """Profit per seed of every strategy's roster (planned once, at replicate 0)."""
    rng0 = replicate_seeds(sc.run.seed, 1)[0]
    out = {}
    for name in sc.strategies:
        ros = CampaignModel(sc, name, market=pop, rng=rng0).roster
        vals, spend = [], []
        for s in seeds:
            m = CampaignModel(sc, name, market=pop, roster=ros, rng=s)
            m.run()
            met = m.metrics()
            vals.append(profit(met))
            spend.append(met["cost"])
        out[name] = (np.asarray(vals), float(np.mean(spend)), len(ros.ids), frozenset(np.asarray(ros.ids).tolist()),
                     frozenset(zip(np.asarray(ros.ids).tolist(), np.asarray(ros.posts).tolist())))
    return out


def run_setting(label: str, sc, pilot: dict, replicates: int) -> str:
    pop = build_population(sc, use_cache=False)
    train = evaluate(sc, pop, pilot_seeds(sc.run.seed, pilot["pilot_seeds"]))
    best = max(FIXED_POLICIES, key=lambda p: train[p][0].mean())
    test = evaluate(sc, pop, replicate_seeds(sc.run.seed, replicates + 1)[1:])
    diff = test["opt"][0] - test[best][0]
    iv = interval(diff)
    win = float(np.mean(diff > 0))
    same = ("; SAME roster and posts: no edge possible" if test["opt"][4] == test[best][4] else
            "; same accounts, other posts per account" if test["opt"][3] == test[best][3] else "")
    return (f"{label:<34} opt-best({best}) profit {iv.mean:+10.0f} [{iv.low:+.0f}, {iv.high:+.0f}] "
            f"win {win:.2f}  spend opt {test['opt'][1]:.0f} best {test[best][1]:.0f} "
            f"(n={len(diff)}, accounts {test['opt'][2]} vs {test[best][2]}{same})")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--replicates", type=int, default=20)
    ap.add_argument("--size", type=int, default=20000)
    ap.add_argument("--pilot-seeds", type=int, default=3)
    ap.add_argument("--pilot-candidates", type=int, default=20)
    a = ap.parse_args(argv)
    pilot = {"pilot_seeds": a.pilot_seeds, "pilot_candidates": a.pilot_candidates}
    base = default_scenario()
    represents = base.population.size * base.population.represents / a.size  # the default's market
    common = {"population.size": a.size, "population.represents": represents, "run.parameters": "fixed"}
    print(f"settings: population.size={a.size} represents={represents:g} replicates={a.replicates} "
          f"pilot_seeds={a.pilot_seeds} pilot_candidates={a.pilot_candidates} objective=conversions outreach=off")
    t0 = time.time()
    with tempfile.TemporaryDirectory(prefix="optbench_") as tmp:
        for seed, budget in ((1, 20000.0), (2, 50000.0)):
            sc = with_fields(base, {**common, "run.seed": seed})
            sc = resolve({**sc.model_dump(), "strategies": strategies(budget, pilot)})
            print(run_setting(f"market seed={seed} budget={budget:.0f}", sc, pilot, a.replicates), flush=True)
        for seed, price in ((3, 40.0), (4, 120.0)):
            csv = Path(tmp) / f"shortlist_{seed}.csv"
            write_shortlist(csv, np.random.default_rng(seed))
            sc = with_fields(base, {**common, "run.seed": seed, "influencers.shortlist": str(csv),
                                    "influencers.shortlist_only": True, "product.price": price})
            sc = resolve({**sc.model_dump(), "strategies": strategies(15000.0, pilot)})
            print(run_setting(f"shortlist seed={seed} price={price:.0f}", sc, pilot, a.replicates), flush=True)
    print(f"runtime {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main()
