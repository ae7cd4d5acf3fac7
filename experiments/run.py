"""``influsim experiments [--quick] [--out DIR] [--workers N]`` (or ``python -m experiments``).

Checks the shipped calibration against the published figures, runs one experiment per
seed claim, and writes one HTML report (``report.html``: the claims table with
intervals and computed verdicts, the figures behind each row, the calibration table
and figure) plus ``claims.json`` and ``claims.csv``. Every claim comes with its design
(:meth:`experiments.claims.ClaimResult.design_lines`: what was varied, what was held, how
many markets, whether parameters were drawn, which ones the verdict hinges on) in all
three. ``--quick`` uses a small
population and few replicates (about two minutes on two cores, for CI); the full run takes
about 25 minutes on two cores, since every replicate draws its own market (see
:class:`experiments.claims.Settings`).
"""

from __future__ import annotations

import argparse
import csv
import html
import json
import math
import shutil
import sys
import tempfile
import time
from pathlib import Path

from sim.errors import ScenarioError

from . import calibrate, claims


def calibration_section(seed: int, accounts: int, log=print) -> tuple[str, list, dict]:
    """HTML of the calibration check (shipped parameters), its figure and its summary."""
    ts, summary = calibrate.check()
    sim = calibrate.simulate_engagement(seed=None, accounts=accounts, log=log)
    log(f"calibration: engagement median |error| {summary['median_abs_error']:.1%}, largest "
        f"{summary['max_abs_error']:.1%} ({'meets' if summary['meets_bounds'] else 'MISSES'} the bounds); "
        f"{summary['lean_text']}; simulation agrees with the forecast in "
        f"{sum(s['agrees'] for s in sim)}/{len(sim)} bands")
    rows = []
    for t in ts:
        fig = (f"{t.low:g}-{t.high:g}" if t.is_range and t.high else f">={t.low:g}" if t.is_range
               else f"{t.value:.4g}")
        note = ("in band" if t.in_band else "") + ("" if t.fitted else " check only")
        rows.append(f"<tr><td>{t.group}</td><td>{html.escape(t.source)}</td><td>{html.escape(t.label)}</td>"
                    f"<td>{fig}</td><td>{t.model:.4g}</td><td>{t.error():+.1%}</td><td>{note}</td></tr>")
    sims = "".join(f"<tr><td>{s['band']}</td><td>{s['accounts']}</td><td>{s['simulated']:.4f}</td>"
                   f"<td>{s['forecast']:.4f}</td><td>{s['ratio']:.3f} &plusmn; {2 * s['se']:.3f}</td>"
                   f"<td>{'ok' if s['agrees'] else 'disagrees'}</td></tr>" for s in sim)
    body = (f"<h2>Calibration check</h2><p>Shipped parameters (sim/data/calibrated.json) against "
            f"experiments/reference. Engagement per follower: median |error| {summary['median_abs_error']:.1%} "
            f"(bound {calibrate.ENGAGEMENT_MEDIAN_MAX:.0%}), largest {summary['max_abs_error']:.1%} on "
            f"{html.escape(summary['worst_band'])} (bound {calibrate.ENGAGEMENT_BAND_MAX:.0%}); "
            f"{html.escape(summary['lean_text'])}.</p>"
            "<table><tr><th>group</th><th>source</th><th>target</th><th>figure</th><th>model</th><th>error</th>"
            f"<th></th></tr>{''.join(rows)}</table>"
            f"<h3>Simulated against forecast engagement (organic posts, default world; tolerance "
            f"{calibrate.SIM_TOLERANCE:.0%} + 2 SE)</h3><table><tr><th>band</th><th>accounts</th><th>simulated</th>"
            f"<th>forecast</th><th>ratio</th><th></th></tr>{sims}</table>")
    fig = calibrate.figure(ts, {}, None, sim)
    return body, [fig], {"engagement": summary, "simulation": sim}


def claims_table(results) -> str:
    rows = "".join(
        f"<tr><td><a href='#{r.id}'>{r.id}</a></td><td>{html.escape(r.claim)}</td><td>{html.escape(r.source)}</td>"
        f"<td class='l'>{html.escape(r.model_gives)}</td><td><b class='{_cls(r.verdict)}'>{html.escape(r.verdict)}"
        f"</b></td></tr>" for r in results)
    return ("<table><tr><th>id</th><th>claim</th><th>source</th><th>what the model gives (95% intervals)</th>"
            f"<th>verdict</th></tr>{rows}</table>")


def _cls(v: str) -> str:
    return claims.verdict_class(v)


# one rule per class of claims.verdict_class (yes, no, small, open, dep, input, calib)
CSS = """body{font-family:system-ui,sans-serif;max-width:1300px;margin:auto;padding:1em;color:#222}
table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 8px;vertical-align:top}
th{background:#f4f4f4}td.l{font-size:90%}.yes{color:#2ca02c}.no{color:#d62728}.dep{color:#ff7f0e}
.small{color:#555}.open{color:#7f7f7f;font-style:italic}
.input{color:#6a3d9a;background:#f1ebf7;padding:0 3px}.calib{color:#1f6f8b;background:#e8f3f7;padding:0 3px}
ul.design{font-size:90%;color:#444;margin:0.3em 0 0.8em 0}"""

DESIGN_FIELDS = ("varied", "held", "markets", "parameters", "hinges")  # ClaimResult's design, in this order


def design_html(r) -> str:
    """The claim's design (what was varied, held, how many markets, parameters, hinges) as a list."""
    lines = r.design_lines()
    if not lines:
        return ""
    items = "".join(f"<li><b>{html.escape(k)}:</b> {html.escape(v)}</li>"
                    for k, v in (line.split(": ", 1) for line in lines))
    return f"<ul class='design'>{items}</ul>"


def claim_record(r) -> dict:
    """One claim for claims.json: its words, verdict and design fields."""
    return {"id": r.id, "claim": r.claim, "source": r.source, "model_gives": r.model_gives, "verdict": r.verdict,
            **{k: getattr(r, k) for k in DESIGN_FIELDS}}


def write_tables(folder: Path, s: claims.Settings, results, cal: dict, elapsed: float) -> None:
    """``claims.json`` and ``claims.csv`` in ``folder``, each claim with its design fields."""
    doc = {"settings": {k: getattr(s, k) for k in ("size", "represents", "replicates", "decisive_replicates",
                                                   "seed", "quick", "negligible")},
           "elapsed_s": round(elapsed, 1), "calibration": cal, "claims": [claim_record(r) for r in results]}
    (folder / "claims.json").write_text(json.dumps(doc, indent=2, default=_json), encoding="utf-8")
    with open(folder / "claims.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id", "claim", "source", "model_gives", "verdict", *DESIGN_FIELDS])
        for r in results:
            w.writerow([r.id, r.claim, r.source, r.model_gives, r.verdict, *(getattr(r, k) for k in DESIGN_FIELDS)])


def write_report(path: Path, s: claims.Settings, results, cal_html: str, cal_figs: list, elapsed: float) -> None:
    import plotly.io as pio
    first = [True]

    def div(fig):
        out = pio.to_html(fig, full_html=False, include_plotlyjs=first[0])
        first[0] = False
        return out

    sections = []
    for r in results:
        figs = "".join(div(f) for f in r.figures)
        sections.append(f"<h3 id='{r.id}'>{r.id}: {html.escape(r.claim)}</h3><p><b>Source:</b> "
                        f"{html.escape(r.source)}. <b>Verdict:</b> <span class='{_cls(r.verdict)}'>"
                        f"{html.escape(r.verdict)}</span></p>{design_html(r)}<p>{html.escape(r.model_gives)}</p><p>{r.detail}</p>"
                        f"{figs}")
    page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>influsim: claims</title>
<style>{CSS}</style></head><body>
<h1>The seed claims against the model</h1>
<p>{'Quick run' if s.quick else 'Full run'}: {s.size:,} simulated people each standing for {s.represents} real
people, {s.replicates} replicates per strategy and condition ({s.decisive_replicates} for the default world of C5
and C9), seed {s.seed}; {elapsed:.0f} s. Every replicate draws its own market (people, peer graph, creator pool and
audiences), so intervals include which market, not only campaign luck; strategies of a replicate share its market
(paired). Verdicts are computed from 95% intervals (expanded percentile bootstrap; paired differences for strategy
comparisons): <span class='yes'>supported</span> (the interval lies on the claim's side),
<span class='no'>contradicted</span> (it lies entirely on the other side), <span class='open'>not resolved at N
replicates</span> (it spans the threshold), <span class='small'>too small to matter</span> (it spans zero with a
half-width below {s.negligible:g} ROI), <span class='input'>restates an input</span> (the outcome the claim is about
is a parameter or survey figure the model is given, so the model cannot test it), <span class='calib'>calibration
check</span> (the claim's figures are data the model was fitted to: agreement checks the simulation, not the
claim), <span class='dep'>depends</span> (conditions disagree <em>and</em> the interval of the difference between
them excludes zero; otherwise the verdict of the effect pooled over the conditions). Under each claim: what was
varied, what was held, how many markets, which parameters were drawn and which the verdict hinges on. ROI is on gross
profit, (margin x revenue - cost) / cost, staff time included; spend is given next to every ROI comparison.</p>
{claims_table(results)}
<h2>Experiments</h2>{''.join(sections)}
{cal_html}{''.join(div(f) for f in cal_figs)}
</body></html>"""
    path.write_text(page, encoding="utf-8")


def cmd_experiments(args) -> int:
    """Entry point of ``influsim experiments``; returns the exit code."""
    from sim.reports.folders import output_folder

    quick = bool(getattr(args, "quick", False))
    workers = getattr(args, "workers", None)
    if workers is not None and workers < 1:
        raise ScenarioError("--workers", f"must be >= 1, got {workers}")
    only = getattr(args, "only", None)
    if only:
        bad = [c for c in only if c not in claims.CLAIMS]
        if bad:
            raise ScenarioError("--only", f"unknown claim {bad[0]} (claims: {', '.join(claims.CLAIMS)})")
    s = claims.Settings.quick_settings(workers) if quick else claims.Settings(workers=workers)
    out = output_folder(getattr(args, "out", None))
    t0 = time.perf_counter()
    cal_html, cal_figs, cal = calibration_section(s.seed, 4 if quick else 12)
    results = claims.run_all(s, only)
    elapsed = time.perf_counter() - t0
    tmp = Path(tempfile.mkdtemp(prefix=".influsim-", dir=out.parent))
    try:
        write_report(tmp / "report.html", s, results, cal_html, cal_figs, elapsed)
        write_tables(tmp, s, results, cal, elapsed)
        if out.exists():
            out.rmdir()
        tmp.replace(out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    print()
    for r in results:
        print(f"{r.id:<4} {r.verdict}\n     {r.model_gives}")
    print(f"\n{'quick' if quick else 'full'} experiments took {elapsed:.0f} s ({elapsed / 60:.1f} min)")
    print(f"wrote {out}/report.html, claims.json, claims.csv")
    return 0


def _json(o):
    if isinstance(o, float) and not math.isfinite(o):
        return None
    if hasattr(o, "tolist"):
        return o.tolist()
    return str(o)


def main(argv=None) -> int:
    from sim.errors import InfluSimError
    ap = argparse.ArgumentParser(prog="python -m experiments", description="calibration check and the seed claims")
    ap.add_argument("--quick", action="store_true", help="small population, few replicates (minutes)")
    ap.add_argument("--out", help="output folder (default: a new folder under ./runs/)")
    ap.add_argument("--workers", type=int, help="worker processes (default: one per core)")
    ap.add_argument("--only", nargs="+", help="claim ids to run (default: all)")
    args = ap.parse_args(argv)
    try:
        return cmd_experiments(args)
    except InfluSimError as exc:
        print(f"influsim: error: {exc}", file=sys.stderr)
        return 2
