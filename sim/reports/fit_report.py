"""``influsim fit``: the command's work and its report, ``fit.html``.

The command reads ``PAST.csv`` (and the scenario it ran in), checks every input before
the fit runs (bad input: one line, exit 2, nothing written), fits with
:func:`sim.studies.fit.abc.fit` under a progress bar (one bar a generation: particles
accepted, simulations, then epsilon, acceptance and effective sample size), and writes
the output folder whole or not at all (:func:`sim.atomic.atomic_folder`):

- ``posterior.json``: the :class:`~sim.scenario.priors.Posterior` (``influsim-posterior/1``),
  which a scenario names as ``parameters.posterior``;
- ``fit.html``: one offline page (plotly.js embedded): prior against posterior for each
  fitted parameter, the posterior predictive check per creator (observed against the 90%
  predictive interval), the generations (epsilon, acceptance, ESS, wall time), and with
  ``--forecast`` the forecast against the actuals;
- ``forecast_vs_actual.csv`` with ``--forecast RUN_FOLDER``.
"""

from __future__ import annotations

import html
import math
import os
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
from plotly.subplots import make_subplots

from sim import format as fm
from sim.errors import ScenarioError
from sim.reports.figures import fit_titles
from sim.scenario.priors import Posterior, prior

CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:1em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:.5em 0 1em}td,th{border:1px solid #ccc;padding:.25em .5em;text-align:right}
th{background:#f2f2f2}td:first-child,th:first-child{text-align:left}.plotly-graph-div{max-width:100%}
.above{background:#fde8e8}.below{background:#e8eefd}.inside{background:#eef8ee}"""
LABELS = {"impressions": "impressions", "likes": "likes", "comments": "comments", "shares": "shares",
          "purchases": "purchases", "revenue": "revenue (USD)"}


# -- figures ------------------------------------------------------------------------------------------------
def _log_ticks(low: float, high: float) -> list[float]:
    """Tick values 1, 2, 5 times a power of ten between ``low`` and ``high`` (and the ends).

    Examples
    --------
    >>> _log_ticks(0.05, 0.5)
    [0.05, 0.1, 0.2, 0.5]
    """
    ticks = [m * 10.0 ** e for e in range(math.floor(math.log10(low)), math.ceil(math.log10(high)) + 1)
             for m in (1, 2, 5)]
    inside = [float(f"{t:.6g}") for t in ticks if low * (1 - 1e-9) <= t <= high * (1 + 1e-9)]
    return sorted(set(inside) | {float(f"{low:.6g}"), float(f"{high:.6g}")})


def prior_posterior_figure(posterior: Posterior) -> go.Figure:
    """One panel per fitted parameter: the prior's density and the posterior's weighted histogram.

    A log-uniform prior is shown on a log axis with densities per unit of ``ln x`` (the
    prior is then flat, as a uniform prior is on its linear axis), so a posterior that
    rises above the dashed line is where the past campaign moved the belief.
    """
    k = len(posterior.fields)
    cols = min(k, 3)
    rows = math.ceil(k / cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=[f.split(".")[-1] for f in posterior.fields],
                        horizontal_spacing=0.08, vertical_spacing=0.22 if rows > 1 else 0.1)
    for j, name in enumerate(posterior.fields):
        p = prior(name)
        log = p.scale == "log"
        edges = (np.geomspace(p.low, p.high, 26) if log else np.linspace(p.low, p.high, 26))
        x = np.log(posterior.draws[:, j]) if log else posterior.draws[:, j]
        density, _ = np.histogram(x, bins=np.log(edges) if log else edges, weights=posterior.weights, density=True)
        centres = np.sqrt(edges[1:] * edges[:-1]) if log else (edges[1:] + edges[:-1]) / 2
        prior_density = np.full(len(centres), 1 / (math.log(p.high) - math.log(p.low)) if log else 1 / (p.high - p.low))
        r, c = j // cols + 1, j % cols + 1
        fig.add_trace(go.Bar(x=centres, y=density, width=np.diff(edges), name="posterior", marker_color="#1f77b4",
                             opacity=0.7, showlegend=j == 0), row=r, col=c)
        fig.add_trace(go.Scatter(x=[p.low, p.high], y=prior_density[:2], name="prior", mode="lines",
                                 line={"color": "#d62728", "dash": "dash"}, showlegend=j == 0), row=r, col=c)
        if log:
            ticks = _log_ticks(p.low, p.high)
            fig.update_xaxes(type="log", tickvals=ticks, ticktext=[f"{t:g}" for t in ticks], row=r, col=c,
                             title_text="log scale (density per unit of ln x)", title_font={"size": 11})
        else:
            fig.update_xaxes(type="linear", row=r, col=c)
    fig.update_layout(title="Prior (dashed) and posterior (bars) of each fitted parameter: density",
                      height=340 * rows, bargap=0, margin={"t": 80}, legend={"orientation": "h", "y": -0.12})
    return fig


def predictive_figure(handles: list[str], observed: np.ndarray, draws: np.ndarray, outcome: str) -> go.Figure:
    """Per creator: the 90% posterior predictive interval (bar from 5% to 95%, the median) and the observed value."""
    lo, mid, hi = np.quantile(draws, [0.05, 0.5, 0.95], axis=0)
    known = np.isfinite(observed)
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=handles, y=mid, mode="markers", name="predictive median and 90% interval",
                             marker={"color": "#1f77b4", "symbol": "line-ew-open", "size": 14},
                             error_y={"type": "data", "symmetric": False, "array": hi - mid, "arrayminus": mid - lo}))
    fig.add_trace(go.Scatter(x=np.asarray(handles)[known], y=observed[known], mode="markers", name="observed",
                             marker={"color": "#d62728", "size": 9}))
    fig.update_layout(title=f"Posterior predictive check: {LABELS.get(outcome, outcome)} per creator",
                      yaxis={"type": "log" if (observed[known] > 0).all() and (lo > 0).all() else "linear"},
                      height=420)
    return fig


def _divs(figs: list[go.Figure]) -> list[str]:
    return [pio.to_html(fit_titles(f), full_html=False, include_plotlyjs=(k == 0), config={"displaylogo": False})
            for k, f in enumerate(figs)]


def _table(header: list[str], rows: list[list], classes: list[str] | None = None) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(f"<tr{f' class={chr(34)}{classes[i]}{chr(34)}' if classes else ''}>"
                   + "".join(f"<td>{html.escape(str(c))}</td>" for c in row) + "</tr>" for i, row in enumerate(rows))
    return f"<table><tr>{head}</tr>{body}</table>"


def parameter_rows(posterior: Posterior) -> list[list]:
    """Per fitted parameter: prior range, posterior mean and 90% interval, width against the prior's 90%."""
    from sim.studies.fit.abc import weighted_interval

    out = []
    for j, name in enumerate(posterior.fields):
        p = prior(name)
        lo, hi = weighted_interval(posterior.draws[:, j], posterior.weights)
        width = float(p.cdf(hi) - p.cdf(lo)) / 0.9
        mean = float(posterior.draws[:, j] @ posterior.weights)
        out.append([name, f"{'log-uniform' if p.scale == 'log' else 'uniform'} [{p.low:g}, {p.high:g}]",
                    f"{mean:.4g}", f"[{lo:.4g}, {hi:.4g}]", f"{width:.0%}"])
    return out


def write_fit_report(path: Path, result, past, forecast_rows: list[dict] | None = None,
                     forecast_notes: list[str] | None = None, forecast_folder: str = "") -> None:
    """Write ``fit.html`` (self-contained, offline)."""
    from sim.studies.fit.abc import cells

    post, meta = result.posterior, result.posterior.meta
    figs = [prior_posterior_figure(post)]
    handles = past.handle.tolist()
    for o in cells(past):
        if o in result.predictive:
            figs.append(predictive_figure(handles, past.outcomes[o], result.predictive[o], o))
    divs = _divs(figs)
    gens = _table(["generation", "epsilon", "simulations", "acceptance", "ESS", "seconds"],
                  [[g["generation"], f"{g['epsilon']:.3g}", g["simulations"], f"{g['acceptance']:.1%}",
                    f"{g['ess']:.0f}", f"{g['seconds']:.0f}"] for g in result.generations])
    grain = meta["grain"]
    forecast = ""
    if forecast_rows is not None:
        forecast = (f"<h2>Forecast against actuals</h2><p>The forecast: the run folder "
                    f"<code>{html.escape(forecast_folder)}</code>, made before the campaign. Where each actual fell "
                    "in the forecast's central 90% interval over its replicates, and the forecast's bias (mean "
                    "forecast - actual). " + html.escape("; ".join(forecast_notes or [])) + ".</p>"
                    + _table(["level", "creator", "outcome", "actual", "forecast mean", "90% interval", "position",
                              "bias", "bias / actual"],
                             [[r["level"], r["handle"], r["outcome"], fm.number(r["actual"]), fm.number(r["forecast_mean"]),
                               f"[{fm.number(r['forecast_low'])}, {fm.number(r['forecast_high'])}]", r["position"],
                               fm.number(r["bias"]), f"{r['relative_bias']:+.0%}" if math.isfinite(r["relative_bias"])
                               else ""] for r in forecast_rows],
                             [r["position"] for r in forecast_rows]))
    notes = "".join(f"<li>{html.escape(n)}</li>" for n in meta.get("notes", []))
    page = f"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>influsim fit: {html.escape(meta['data'])}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>{CSS}</style></head><body>
<h1>Fit to a past campaign: {html.escape(meta['data'])}</h1>
<p>{meta['creators']} creators; outcomes fitted: {html.escape(', '.join(meta['outcomes']))}; scenario
{html.escape(str(meta['scenario']))}. {html.escape(meta['method'])}. Each simulation: {grain['people']:,} simulated
people, each standing for {grain['represents']:,} real people, {grain['days']} days, every creator hired with the posts
of the file. The other uncertain parameters were {html.escape(meta['nuisance'])}.</p>
<p><b>{meta['particles']} particles, {meta['generations']} generations, {sum(meta['simulations']):,} simulations,
final acceptance {meta['acceptance'][-1]:.1%}, effective sample size {meta['ess']:.0f}, wall time
{meta['wall_seconds']:.0f} s</b> (ABC-SMC; then {meta.get('predictive_seconds', 0):.0f} s for the predictive check;
seed {meta['seed']}; stopped: {html.escape(meta['stopped'])}).</p>
<ul>{notes}</ul>
<p>Use it: <code>influsim run SCENARIO.toml --set parameters.posterior=PATH/posterior.json</code> (or
<code>[parameters] posterior = "posterior.json"</code> in the scenario, relative to it): every replicate then draws
these parameters from the posterior (a particle by weight), the others from their priors.</p>
<h2>Parameters</h2>{_table(['parameter', 'prior', 'posterior mean', '90% interval', 'width / prior 90%'],
                               parameter_rows(post))}
{divs[0]}
<h2>Posterior predictive check</h2><p>{len(next(iter(result.predictive.values()), []))} simulations of the past
campaign, each with a particle drawn by weight (and its own nuisance draw and market): the 90% interval per creator
against what was observed.</p>
{''.join(divs[1:])}
<h2>Generations</h2>{gens}
{forecast}
</body></html>"""
    path.write_text(page, encoding="utf-8")


# -- the command --------------------------------------------------------------------------------------------
class _BarProgress:
    """One progress bar a generation (particles accepted; epsilon, acceptance and ESS at its end)."""

    bar: Any  # the generation's tqdm bar; None before the first

    def __init__(self, disable: bool):
        self.disable, self.bar, self.particles = disable, None, 0

    def generation_started(self, generation: int, particles: int, epsilon: float) -> None:
        from sim.reports.progress import progress_bar

        self.close()
        self.particles = particles
        desc = "calibration (prior)" if generation < 0 else f"generation {generation}"
        self.bar = progress_bar(particles, desc, "particle", disable=self.disable)
        if generation >= 0:
            self.bar.set_postfix(eps=f"{epsilon:.3g}")

    def particle(self, accepted: int, evaluations: int) -> None:
        if self.bar is not None:
            self.bar.update(1)
            self.bar.set_postfix(acceptance=f"{accepted / max(evaluations, 1):.0%}", sims=evaluations)

    def generation_done(self, record: dict) -> None:
        if self.bar is not None:
            self.bar.set_postfix(eps=f"{record['epsilon']:.3g}", acceptance=f"{record['acceptance']:.0%}",
                                 ess=f"{record['ess']:.0f}")
        self.close()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
            self.bar = None


def _scenario_for(args, past_path: Path, past_hint: str):
    from sim.scenario import default_scenario, load_scenario

    if args.scenario:
        return load_scenario(args.scenario), str(args.scenario)
    if past_hint:
        named = (past_path.parent / past_hint)
        if not named.is_file():
            raise ScenarioError(f"{past_path.name}", f"names the scenario {past_hint} ('# scenario:'), which is not "
                                f"a file beside it; give --scenario")
        return load_scenario(named), str(named)
    return default_scenario(), "(the default scenario)"


def run_fit(args) -> int:
    """``influsim fit PAST.csv ...``: check the inputs, fit, write the folder, say how to use it."""
    from sim.atomic import atomic_folder
    from sim.reports.folders import output_folder
    from sim.studies.fit import abc, forecast
    from sim.studies.fit.past import read_past

    for name in ("particles", "workers", "generations", "people"):
        value = getattr(args, name)
        if value is not None and value < 1:
            raise ScenarioError(f"--{name}", f"must be >= 1, got {value}")
    if not args.max_minutes > 0:
        raise ScenarioError("--max-minutes", f"must be > 0, got {args.max_minutes:g}")
    past_path = Path(args.past)
    from sim.studies.fit.past import parse_past

    first = read_past(past_path)  # the file's own checks (niches of the default scenario), then its scenario's
    scenario, scenario_name = _scenario_for(args, past_path, first.scenario)
    past = parse_past(first.text, past_path.name, scenario.population.niches)
    if args.seed is not None:
        seed = args.seed
    else:
        seed = scenario.run.seed
    forecast_data = forecast.read_forecast(args.forecast) if args.forecast else None
    out = output_folder(args.out if args.out else
                        str(Path("runs") / f"fit-{datetime.now():%Y%m%d-%H%M%S}"), create=False)
    client = None
    if args.dask:
        try:
            from dask.distributed import Client
        except ImportError:
            raise ScenarioError("--dask", "needs dask[distributed] (pip install '.[dask]')") from None
        try:
            client = Client(args.dask, timeout=30)
        except (OSError, TimeoutError) as exc:
            raise ScenarioError("--dask", f"cannot reach the scheduler {args.dask} ({exc.__class__.__name__})") from None
    workers = args.workers or min(2, os.cpu_count() or 1)
    progress = _BarProgress(args.no_progress)
    started = time.perf_counter()
    try:
        result = abc.fit(past, scenario, particles=args.particles, max_generations=args.generations,
                         max_minutes=args.max_minutes, min_epsilon=args.min_epsilon, seed=seed, workers=workers,
                         client=client, people=args.people, progress=progress, data_name=past_path.name,  # type: ignore[arg-type]  # duck-typed FitProgress
                         scenario_name=scenario_name)
    except abc.FitError as exc:
        raise ScenarioError(past_path.name, str(exc)) from None
    finally:
        progress.close()
        if client is not None:
            client.close()
    rows, notes = forecast.compare(past, forecast_data, workers) if forecast_data else (None, None)
    with atomic_folder(out) as folder:
        (folder / "posterior.json").write_text(result.posterior.to_json(), encoding="utf-8")
        if rows is not None:
            forecast.write_csv(rows, folder / "forecast_vs_actual.csv")
        write_fit_report(folder / "fit.html", result, past, rows, notes, args.forecast or "")
    meta = result.posterior.meta
    elapsed = time.perf_counter() - started
    print(f"fit {past_path.name}: {len(past)} creators, {meta['particles']} particles, {meta['generations']} "
          f"generations, {sum(meta['simulations']):,} simulations in {elapsed:.0f} s (stopped: {result.stopped}); "
          f"final acceptance {meta['acceptance'][-1]:.1%}, ESS {meta['ess']:.0f}")
    for row in parameter_rows(result.posterior):
        print(f"  {row[0]:40s} prior {row[1]:28s} posterior mean {row[2]:>8s}  90% {row[3]}  ({row[4]} of the "
              f"prior's width)")
    for note in meta.get("notes", []):
        print(f"  note: {note}")
    if rows is not None:
        inside = sum(r["position"] == "inside" for r in rows)
        print(f"forecast vs actual: {inside} of {len(rows)} actuals inside the forecast's 90% interval"
              + (f" ({'; '.join(notes)})" if notes else ""))
        per_creator = [r for r in rows if r["level"] == "creator"]
        for o in dict.fromkeys(r["outcome"] for r in per_creator):
            mine = [r for r in per_creator if r["outcome"] == o]
            counts = {p: sum(r["position"] == p for r in mine) for p in ("inside", "above", "below")}
            print(f"  per creator {o:12s} {counts['inside']} inside, {counts['above']} above, {counts['below']} "
                  f"below (of {len(mine)}; each in forecast_vs_actual.csv)")
        for r in rows:
            if r["level"] == "total":
                print(f"  total       {r['outcome']:12s} actual {fm.number(r['actual']):>9s}  forecast mean "
                      f"{fm.number(r['forecast_mean']):>9s} 90% [{fm.number(r['forecast_low'])}, {fm.number(r['forecast_high'])}]  "
                      f"{r['position']}, bias {fm.number(r['bias'])}"
                      + (f" ({r['relative_bias']:+.0%})" if math.isfinite(r["relative_bias"]) else ""))
    files = "posterior.json, fit.html" + (", forecast_vs_actual.csv" if rows is not None else "")
    print(f"wrote {out}: {files}")
    shown = os.path.relpath(out / "posterior.json") if not os.path.isabs(args.out or "") else out / "posterior.json"
    print(f"use it: influsim run {scenario_name if scenario_name.endswith('.toml') else 'SCENARIO.toml'} "
          f"--set parameters.posterior={shown}")
    sys.stdout.flush()
    return 0
