"""The default ``influsim run`` as a new user meets it, at several seeds: verdicts, warnings, spend, fit.

For each seed it runs the embedded default scenario twice, with ``run.parameters =
"uncertain"`` (the default: every replicate draws its own behavioural parameters) and
``"fixed"`` (the point values), and prints per seed and mode:

- the verdict line (ROI difference in percentage points, its 95% interval and its width, the verdict words);
- the spends of the two strategies and their gap (like with like: within 5%);
- the warnings the run printed (outreach out of time, different spend, hired nobody, ...);
- the lowest brand fit among the hired accounts (``creators.csv``) against
  ``selection.min_brand_fit``;
- whether the terminal opens with the verdict and then the top creators;
- the "parameters" share of the ROI spread.

Usage::

    python benchmarks/default_run.py --seeds 1 2 3 4 5 --replicates 30 --out /tmp/default_runs

It calls the CLI in-process (``sim.cli.main``), so what it reads is what a user sees.
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import io
import re
import sys
import time
from pathlib import Path

# the ROI difference as the terminal writes it (sim.format): percentage points, two significant digits
VERDICT = re.compile(r"^\s+(\S+) vs (\S+): ROI on gross profit ([+-]?[\d.,]+) pp \[([+-]?[\d.,]+) pp, "
                     r"([+-]?[\d.,]+) pp\][:,] (.*?); spend \$([\d,.]+) vs \$([\d,.]+)")
PARAM_SHARE = re.compile(r"^\s+(\S+) ROI on gross profit \(.*?\): parameters (cannot be separated[^,]*|[\d.]+% \[[^\]]*\])")


def _pp(text: str) -> float:
    return float(text.replace(",", ""))


def one_run(seed: int, mode: str, replicates: int, out: Path, workers: int) -> dict:
    from sim.cli import main
    from sim.scenario import default_scenario

    folder = out / f"seed{seed}_{mode}"
    buffer = io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stdout(buffer):
        rc = main(["run", "--set", f"run.seed={seed}", "--set", f"run.parameters={mode}", "--set",
                   f"run.replicates={replicates}", "--out", str(folder), "--no-progress", "--workers", str(workers)])
    text = buffer.getvalue()
    if rc != 0:
        raise SystemExit(f"influsim run failed (exit {rc}) for seed {seed}, {mode}: see its message above")
    (folder / "terminal.txt").write_text(text)  # what the user saw, beside the run folder's files
    lines = text.splitlines()
    row: dict = {"seed": seed, "mode": mode, "rc": rc, "seconds": time.perf_counter() - t0}
    m = next((VERDICT.match(x) for x in lines if VERDICT.match(x)), None)
    if m:
        lo, hi = _pp(m.group(4)), _pp(m.group(5))
        spend = [float(m.group(i).replace(",", "")) for i in (7, 8)]
        row.update(pair=f"{m.group(1)} - {m.group(2)}", diff=_pp(m.group(3)), lo=lo, hi=hi, width=hi - lo,
                   words=m.group(6), spend=spend, gap=abs(spend[0] - spend[1]) / max(spend))
    row["warnings"] = [x.strip()[2:] for x in lines if x.startswith("  ! ")]
    heads = [x for x in lines if x and not x.startswith(" ")]
    row["order_ok"] = len(heads) >= 3 and heads[1].startswith("Decision") and heads[2].startswith("Top creators")
    row["param_share"] = {mm.group(1): mm.group(2) for mm in map(PARAM_SHARE.match, lines) if mm}
    floor = default_scenario().selection.min_brand_fit
    with open(folder / "creators.csv", newline="") as f:
        fits = [float(r["fit"]) for r in csv.DictReader(f) if float(r["replicates_hired"] or 0) > 0]
    row.update(floor=floor, min_fit=min(fits) if fits else float("nan"), hires=len(fits))
    return row


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    ap.add_argument("--replicates", type=int, default=30)
    ap.add_argument("--modes", nargs="+", default=["uncertain", "fixed"])
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--out", type=Path, default=Path("/tmp/influsim_default_runs"))
    args = ap.parse_args(argv)
    rows = []
    for seed in args.seeds:
        for mode in args.modes:
            r = one_run(seed, mode, args.replicates, args.out, args.workers)
            rows.append(r)
            print(f"seed {seed} {mode:9s} ({r['seconds']:.0f} s): {r.get('pair')} ROI {r.get('diff', float('nan')):+.3g} pp "
                  f"[{r.get('lo', float('nan')):+.3g}, {r.get('hi', float('nan')):+.3g}] width "
                  f"{r.get('width', float('nan')):.3g} pp: {r.get('words')}; spend gap {100 * r.get('gap', float('nan')):.1f}%;"
                  f" min hired fit {r['min_fit']:.2f} (floor {r['floor']:.2f}, {r['hires']} accounts); verdict then "
                  f"creators: {r['order_ok']}; parameters share of ROI spread: {r['param_share']}", flush=True)
            for w in r["warnings"]:
                print(f"    ! {w}", flush=True)
    by = {(r["seed"], r["mode"]): r for r in rows}
    if {"uncertain", "fixed"} <= set(args.modes):
        wider = [s for s in args.seeds if by[(s, "uncertain")].get("width", 0) >= by[(s, "fixed")].get("width", 1)]
        print(f"\nuncertain interval at least as wide as fixed at {len(wider)} of {len(args.seeds)} seeds "
              f"({', '.join(map(str, wider)) or 'none'})")
        for mode in args.modes:
            ws = [by[(s, mode)].get("width", float("nan")) for s in args.seeds]
            print(f"  {mode}: widths {', '.join(f'{w:.3g}' for w in ws)} pp; verdicts "
                  f"{'; '.join(by[(s, mode)].get('words', '?') for s in args.seeds)}")
    print(f"runs with warnings: {sum(bool(r['warnings']) for r in rows)} of {len(rows)}; spend gaps above 5%: "
          f"{sum(r.get('gap', 1) > 0.05 for r in rows)}; hires below the floor: "
          f"{sum(r['min_fit'] < r['floor'] for r in rows if r['hires'])}; verdict-then-creators: "
          f"{sum(r['order_ok'] for r in rows)} of {len(rows)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
