"""Calibration: fit the model's calibrated rule parameters to the published figures.

``python -m experiments.calibrate [--seed S] [--plot DIR] [--out FILE] [--dry-run]``

``python -m experiments.calibrate --bootstrap N [--seed S] [--draws-out FILE] [--dry-run]``:
the fit's uncertainty, ``N`` refits to bootstrap samples of the reference rows (see
:func:`bootstrap`), written to ``sim/data/calibrated_draws.json``
(:func:`sim.scenario.priors.calibrated_draws` reads it; ``calibrated.json`` is left as
it is). About 6 s a refit on one core: ``--bootstrap 100`` takes about 10 minutes.

Each group of parameters is fitted by least squares in log space (``scipy.optimize``)
to its rows of ``experiments/reference``; every target is printed with the model's
value and its error, and the fitted values (with the per-target errors and the seed)
are written to ``sim/data/calibrated.json``, where ``sim.scenario.parameters`` takes its
defaults from. No date goes into the file, so a rerun with the same seed is
byte-identical.

Targets and how the model's value is computed:

* organic reach (Minter.io 2019 posts; Fanpage Karma): the *median* share of followers
  who see a post, over accounts whose follower counts are log-uniform in the band. That
  share falls with followers, so the median is its value at the band's geometric middle;
  it is the reach rule capped per person by activity (``forecast.expected_seen``, the
  share the simulation delivers), in the default world.
  -> ``reach_small``, ``reach_large``, ``reach_half_followers``.
* engagement decay after posting (Instagram rows): ``delay_cdf(h)`` for Takumi and
  Inntopia (share of all engagement); CampaignDeus reports shares of the 30-day total,
  so the model's value is ``delay_cdf(h) / delay_cdf(720)``. -> ``decay_*``.
* sponsored penalty (Mavrck): band mean of ``sponsored_penalty`` (perfect brand fit).
  -> ``penalty_intercept``, ``penalty_slope``.
* price per post (Instagram rows): band mean of ``fee_per_post`` against Klear's
  averages; the industry tier table's ranges are fitted to their geometric midpoints,
  and a model value inside the range counts as in band (the open 1M+ range has a lower
  bound only); Inzpire.me quotes at their follower count. Where the curve bends
  (``fee_jump_followers``) is fitted with the rest, from several starting points between 1K
  and 1M (no bend is placed anywhere by hand: seed claim C6 puts one at 100K and tests it);
  the program prints the bend, its size, the fit error and (from ``--bootstrap``) their
  5-95% range. -> ``fee_per_follower``, ``fee_exponent``, ``fee_jump``, ``fee_jump_followers``.
* sharing (reference/sharing.csv): shares per person who saw an organic post, the band
  mean over accounts log-uniform in the band of ``engage * share`` (the forecast's chance
  to engage times the chance an engaged person shares, ``share_propensity_mean * trust``),
  against the range of the share-rate figure. -> ``share_propensity_mean`` (a
  ``population`` field; it is refitted with the engagement group, whose rate counts
  shares). The cascade figures of the same file are a check, not fitted: the default
  world at 1M people one-to-one (:func:`simulate_cascades`) gives the cascade-size
  distribution, printed beside them.
* engagement per follower of organic posts (Markerly 2016, Mavrck), in the default
  world (the default scenario's population): band mean over accounts log-uniform in the
  band, of every niche, of :func:`sim.rules.forecast.organic_engagement_rate` (the rules'
  expectation; tier priors and the fitted reach are inputs). Markerly measured *likes*
  per follower, so its rows are compared with the model's likes per follower; Mavrck's
  engagement rate with likes + comments + shares. -> ``engage_base``, ``status_gap``.
  A simulation of real accounts (organic posts: no sponsored penalty, brand fit 1)
  checks that simulated rates agree with the forecast.

Open bands: ``[0, x)`` starts at 100 followers (the smallest account the pool draws);
an open top ends at the default scenario's ``influencers.max_followers`` (3M).
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import json
import math
import sys
import time
from pathlib import Path

import numpy as np
from scipy import optimize

from sim.rules import economics

from sim.rules import forecast

from sim.rules import funnel
from sim.rules import trust
from sim.world.creators import InfluencerPool, tier_of
from sim.world import build_population
from sim.scenario import default_scenario, with_fields

from . import REFERENCE


class Params(dict):
    """Rule parameters while they are fitted: a plain dict (updated in place) that reads like
    :class:`sim.scenario.Parameters` (``p.engage_base``), so the model's rules take it as they are."""

    def __getattr__(self, name):
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

CALIBRATED_JSON = Path(__file__).resolve().parents[1] / "sim" / "data" / "calibrated.json"
SMALLEST = 100.0  # lower end of [0, x) bands: the pool's smallest account
CAMPAIGN_HOURS = 720.0  # CampaignDeus: shares of 30-day engagement
GRID = 24  # follower values per band (midpoint rule on the log scale)
ENGAGEMENT_MEDIAN_MAX = 0.15  # issue 5: median relative error over the engagement bands
ENGAGEMENT_BAND_MAX = 0.30  # issue 5: largest relative error on any engagement band
SIM_TOLERANCE = 0.10  # simulated vs forecast engagement rate, beyond 2 standard errors
FITTED = ("reach_small", "reach_large", "reach_half_followers", "decay_fast_share", "decay_fast_hours",
          "decay_slow_hours", "engage_base", "status_gap", "penalty_intercept", "penalty_slope",
          "fee_per_follower", "fee_exponent", "fee_jump", "fee_jump_followers")
#: fitted fields of the ``population`` table (not ``parameters``): in calibrated.json, not in the draws' columns
FITTED_POPULATION = ("share_propensity_mean",)
BEND_STARTS = (1e3, 1e4, 3e4, 3e5, 1e6)  # starting points of the fee curve's bend (followers), 1K to 1M
NO_BEND = 0.05  # a fitted fee jump under 5% is no bend: its location then means nothing
CASCADE_PEOPLE = 1_000_000  # the cascade check: the default world at 1M people, one-to-one
CASCADE_SEEDS = 5  # replicate markets of the cascade check


# reference data ------------------------------------------------------------------------

def read_reference(name: str) -> list[dict]:
    """Rows of ``experiments/reference/<name>`` as dicts of strings."""
    with open(REFERENCE / name, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _num(s: str):
    return float(s) if s not in ("", None) else None


@dataclasses.dataclass
class Target:
    """One published figure and the model's value for it."""

    group: str  # engagement, reach, decay, penalty, price
    source: str
    label: str
    lo: float  # band (followers; hours for decay)
    hi: float
    value: float  # the figure (geometric middle for a range)
    stat: str = "mean"  # mean, median (over the band), point, share30 (decay of 30-day total)
    metric: str = ""
    low: float | None = None  # range bounds (price table)
    high: float | None = None
    fitted: bool = True
    model: float = math.nan

    @property
    def is_range(self) -> bool:
        return self.low is not None and self.low != self.high

    @property
    def in_band(self) -> bool:
        lo_ok = self.low is None or self.model >= self.low
        hi_ok = self.high is None or self.model <= self.high
        return bool(self.is_range and lo_ok and hi_ok)

    def residual(self) -> float:
        """Fit residual in log space: to the value, or for a lower-bound-only range, to the bound."""
        if self.is_range and self.high is None:
            return max(0.0, math.log(self.low / self.model))
        return math.log(self.model / self.value)

    def error(self) -> float:
        """Relative error of the model against the figure (0 inside a range)."""
        if self.is_range:
            if self.in_band:
                return 0.0
            edge = self.low if self.model < self.low else self.high
            return self.model / edge - 1.0
        return self.model / self.value - 1.0

    def row(self) -> dict:
        out = {"source": self.source, "label": self.label, "lo": self.lo, "hi": self.hi, "target": self.value,
               "model": _round(self.model), "error": _round(self.error())}
        if self.is_range:
            out.update(low=self.low, high=self.high, in_band=self.in_band,
                       error_vs_midpoint=_round(self.model / self.value - 1.0))
        if not self.fitted:
            out["fitted"] = False
        return out


def _band(lo, hi, top):
    lo = SMALLEST if not lo else lo
    hi = top if hi is None else hi
    return float(lo), float(hi)


def _k(x: float) -> str:
    if x >= 1e6:
        return f"{x / 1e6:g}M"
    if x >= 1e3:
        return f"{x / 1e3:g}K"
    return f"{x:g}"


def targets(sc: dict | None = None) -> list[Target]:
    """Every calibration target of ``experiments/reference`` (Instagram; posts for reach)."""
    sc = sc or default_scenario()
    top = float(sc.influencers.max_followers)
    out = []
    for r in read_reference("engagement_by_followers.csv"):
        if r["platform"] != "instagram" or r["followers_min"] == "":
            continue  # all-sizes averages depend on the mix of accounts, not a rule
        lo, hi = _band(_num(r["followers_min"]), _num(r["followers_max"]), top)
        fitted = r["source"] in ("Markerly", "Mavrck")
        out.append(Target("engagement", f"{r['source']} {r['year']}".strip(), f"{_k(lo)}-{_k(hi)} {r['metric']}",
                          lo, hi, float(r["value"]), metric=r["metric"], fitted=fitted))
    for r in read_reference("reach_by_followers.csv"):
        if r["format"] != "post":
            continue  # the model has one organic reach; story reach is not a rule of it
        lo, hi = _band(_num(r["followers_min"]), _num(r["followers_max"]), top)
        out.append(Target("reach", f"{r['source']} {r['year']}".strip(), f"{_k(lo)}-{_k(hi)} post reach", lo, hi,
                          float(r["median_reach"]), stat="median", metric="reach"))
    for r in read_reference("engagement_decay.csv"):
        if r["platform"] != "instagram":
            continue
        h = float(r["hours_after_post"])
        stat = "share30" if r["source"] == "CampaignDeus" else "point"
        what = "of 30-day engagement" if stat == "share30" else "of engagement"
        out.append(Target("decay", r["source"], f"share {what} by {h:g} h", h, h,
                          float(r["share_of_total_engagement"]), stat=stat, metric="share"))
    for r in read_reference("sponsored_penalty.csv"):
        lo, hi = _band(_num(r["followers_min"]), _num(r["followers_max"]), top)
        out.append(Target("penalty", r["source"], f"{_k(lo)}-{_k(hi)} branded engagement loss", lo, hi,
                          -float(r["branded_vs_nonbranded_engagement"]), metric="penalty"))
    for r in read_reference("price_per_post.csv"):
        if r["platform"] != "instagram" or r["kind"] == "usd_per_follower":
            continue
        lo, hi = _band(_num(r["followers_min"]), _num(r["followers_max"]), top)
        low, high = _num(r["price_low_usd"]), _num(r["price_high_usd"])
        src = f"{r['source']} {r['year']}".strip()
        if r["kind"] == "quote":
            value = math.sqrt(low * high)
            out.append(Target("price", src, f"{_k(lo)} quote", lo, lo, value, stat="point", metric="usd",
                              low=low, high=high))
        elif r["kind"] == "range":
            value = math.sqrt(low * high) if high else low
            out.append(Target("price", src, f"{_k(lo)}-{_k(hi)} range", lo, hi, value, metric="usd",
                              low=low, high=high))
        else:
            out.append(Target("price", src, f"{_k(lo)}-{_k(hi)} average", lo, hi, low, metric="usd"))
    for r in read_reference("sharing.csv"):
        low, high = float(r["value_low"]), float(r["value_high"])
        src = f"{r['source']} {r['year']}".strip()
        if r["metric"] == "shares_per_reach":
            lo, hi = _band(_num(r["followers_min"]), _num(r["followers_max"]), top)
            out.append(Target("sharing", src, f"{_k(lo)}-{_k(hi)} shares per person reached", lo, hi,
                              math.sqrt(low * high), metric="shares_per_reach", low=low, high=high))
    return out


def cascade_targets() -> list[Target]:
    """The cascade figures of reference/sharing.csv: checks of :func:`simulate_cascades`, not fitted."""
    out = []
    for r in read_reference("sharing.csv"):
        if r["metric"] == "cascade_size_one_share":
            low, high = float(r["value_low"]), float(r["value_high"])
            out.append(Target("cascades", f"{r['source']} {r['year']}".strip(), "share of cascades of size 1",
                              1.0, 1.0, math.sqrt(low * high), stat="point", metric="share", low=low, high=high,
                              fitted=False))
    return out


# the model's side ------------------------------------------------------------------------

def log_grid(lo: float, hi: float, k: int = GRID) -> np.ndarray:
    """``k`` follower counts log-uniform in [lo, hi) (midpoints of equal log steps)."""
    if hi <= lo:
        return np.array([lo])
    return np.exp(np.log(lo) + (np.arange(k) + 0.5) / k * (np.log(hi) - np.log(lo)))


def probe_population(pop, sc: dict, followers, niches=None):
    """The population with a pool of probe accounts: every follower count in every niche.

    Returns ``(population, ids)``; ``ids`` index ``followers x niches`` row-major.
    """
    f = np.asarray(followers, dtype=float)
    k = len(pop.niches)
    if niches is None:
        ff, nn = np.repeat(f, k), np.tile(np.arange(k), len(f))
    else:
        ff, nn = f, np.asarray(niches)
    pool = InfluencerPool(followers=np.round(ff).astype(np.int64),
                          tier=tier_of(ff, sc.tiers).astype(np.int16), niche=nn.astype(np.int16),
                          authenticity=np.full(len(ff), sc.influencers.authenticity_mean),
                          monthly_offers=np.zeros(len(ff), np.int64), tier_names=list(sc.tiers))
    probe = dataclasses.replace(pop, pool=pool, _audiences={}, _cdfs=pop._cdfs)
    probe.alignment = _memo_alignment(probe.alignment)  # audiences do not depend on the fitted parameters
    return probe, np.arange(len(ff))


def _memo_alignment(fn):
    memo = {}

    def alignment(ids, product_niche):
        ids = np.asarray(ids, dtype=int)
        key = (ids.tobytes(), int(product_niche))
        if key not in memo:
            memo[key] = fn(ids, product_niche)
        return memo[key]

    return alignment


def engagement_curve(pop, sc: dict, params: dict, followers, metric: str = "engagement_rate") -> np.ndarray:
    """Expected engagement per follower of an organic post at each follower count (mean over niches).

    ``metric="like_rate"``: likes only (no comments, no shares).
    """
    f = np.asarray(followers, dtype=float)
    probe, ids, extra = _probe_for(pop, sc, f, metric)
    rate = forecast.organic_engagement_rate(probe, Params({**params, **extra}), ids, luxury=0.0)
    return rate.reshape(len(f), len(pop.niches)).mean(axis=1)


def _probe_for(pop, sc: dict, followers, metric: str):
    """Probe accounts for :func:`engagement_curve`; likes only: no comments, no shares."""
    probe, ids = probe_population(pop, sc, followers)
    if metric == "like_rate":
        probe.share_propensity = np.zeros_like(pop.share_propensity)
        return probe, ids, {"comment_share": 0.0}
    return probe, ids, {}


def reach_value(t: Target, p: dict, activity=None) -> float:
    """Share of followers who see a post: the reach rule, capped per person by activity (``expected_seen``)."""
    x = math.sqrt(t.lo * t.hi) if t.stat == "median" else log_grid(t.lo, t.hi)
    r = funnel.organic_reach(x, p.reach_small, p.reach_large, p.reach_half_followers)
    return float(np.mean(r if activity is None else forecast.expected_seen(activity, r)))


def decay_value(t: Target, p: dict) -> float:
    cdf = lambda h: float(funnel.delay_cdf(h, p.decay_fast_share, p.decay_fast_hours,  # noqa: E731
                                           p.decay_slow_hours))
    return cdf(t.lo) / cdf(CAMPAIGN_HOURS) if t.stat == "share30" else cdf(t.lo)


def penalty_value(t: Target, p: dict) -> float:
    return float(np.mean(funnel.sponsored_penalty(log_grid(t.lo, t.hi), p.penalty_intercept, p.penalty_slope)))


def price_value(t: Target, p: dict) -> float:
    x = np.array([t.lo]) if t.stat == "point" else log_grid(t.lo, t.hi)
    return float(np.mean(economics.fee_per_post(x, p.fee_per_follower, p.fee_exponent, p.fee_jump,
                                                p.fee_jump_followers)))


class EngagementModel:
    """Band means of the engagement forecast in one population, cached per parameter set."""

    def __init__(self, pop, sc: dict):
        self.pop, self.sc = pop, sc
        self._probes: dict = {}

    def values(self, ts: list[Target], p: dict) -> list[float]:
        out = []
        for t in ts:
            metric = "like_rate" if t.metric == "like_rate" else "engagement_rate"
            key = (t.lo, t.hi, metric)
            if key not in self._probes:
                self._probes[key] = _probe_for(self.pop, self.sc, log_grid(t.lo, t.hi), metric)
            probe, ids, extra = self._probes[key]
            _set_share_mean(probe, p, metric)
            rate = forecast.organic_engagement_rate(probe, Params({**p, **extra}), ids, luxury=0.0)
            out.append(float(rate.mean()))
        return out

    def shares_per_reach(self, t: Target, p: dict) -> float:
        """Band mean of the shares per person who sees an organic post (:func:`shares_per_reach`)."""
        key = (t.lo, t.hi, "engagement_rate")
        if key not in self._probes:
            self._probes[key] = _probe_for(self.pop, self.sc, log_grid(t.lo, t.hi), "engagement_rate")
        probe, ids, _ = self._probes[key]
        return float(shares_per_reach(probe, p, ids).mean())


def _set_share_mean(probe, p: dict, metric: str) -> None:
    """The probe's share propensity at the fitted mean (the forecast uses only its mean)."""
    if metric != "like_rate" and "share_propensity_mean" in p:
        probe.share_propensity = np.array([p["share_propensity_mean"]], dtype=np.float64)


def shares_per_reach(probe, p: dict, ids) -> np.ndarray:
    """Expected shares per person who sees an organic post of each account.

    ``engage_probability(trust) * share_propensity_mean * trust``: the forecast's chance
    that a person who sees the post engages (:func:`sim.rules.forecast.organic_engagement_rate`)
    times the model's chance that an engaged person shares (``share_propensity * trust``,
    :meth:`sim.campaign.model.CampaignModel._expose`).
    """
    ids = np.asarray(ids, dtype=int)
    f = probe.pool.followers[ids]
    t = trust.influencer_trust(forecast.account_prior(p, f, probe.pool.authenticity[ids]),
                               forecast.own_niche_match(probe, ids), f, p.status_gap, p.interest_weight,
                               p.status_scale, 0.0)
    return funnel.engage_probability(t, p.engage_base) * p.share_propensity_mean * t


def evaluate(ts: list[Target], p: dict, eng: EngagementModel | None) -> list[Target]:
    """Fill in ``model`` for every target with parameters ``p``."""
    fns = {"decay": decay_value, "penalty": penalty_value, "price": price_value}
    activity = eng.pop.activity if eng is not None else None
    for t in ts:
        if t.group in fns:
            t.model = fns[t.group](t, p)
        elif t.group == "reach":
            t.model = reach_value(t, p, activity)
    if eng is not None:
        for t in ts:
            if t.group == "sharing":
                t.model = eng.shares_per_reach(t, p)
    eng_ts = [t for t in ts if t.group == "engagement"]
    if eng_ts and eng is not None:
        for t, v in zip(eng_ts, eng.values(eng_ts, p)):
            t.model = v
    return ts


# fitting ---------------------------------------------------------------------------------

GROUPS = {
    # group: (parameters, start, lower bounds, upper bounds)
    "reach": (("reach_small", "reach_large", "reach_half_followers"), (0.5, 0.2, 1e4), (0.0, 0.0, 10.0),
              (1.0, 1.0, 1e7)),
    "decay": (("decay_fast_share", "decay_fast_hours", "decay_slow_hours"), (0.6, 1.5, 40.0), (0.01, 0.05, 1.0),
              (0.99, 48.0, 2000.0)),
    "penalty": (("penalty_intercept", "penalty_slope"), (-0.2, 0.1), (-1.0, -1.0), (1.0, 1.0)),
    # the bend's start is replaced by each of BEND_STARTS in turn (fit_group keeps the best)
    "price": (("fee_per_follower", "fee_exponent", "fee_jump", "fee_jump_followers"), (0.01, 1.0, 0.5, 3e4),
              (1e-5, 0.0, 0.0, 1e3), (10.0, 3.0, 20.0, 3e6)),
    "engagement": (("engage_base", "status_gap"), (0.2, 0.1), (1e-4, 0.0), (1.0, 2.0)),
    "sharing": (("share_propensity_mean",), (0.05,), (1e-4,), (0.999,)),
}
# reach first: engagement takes it as input; engagement and sharing take each other (the engagement rate
# counts shares; shares per reach take the chance to engage), so they are refitted in turn (SHARING_ROUNDS)
FIT_ORDER = ("reach", "decay", "penalty", "price", "engagement", "sharing")
SHARING_ROUNDS = 3
LOG_PARAMS = {"reach_half_followers", "decay_fast_hours", "decay_slow_hours", "fee_per_follower",
              "fee_jump_followers", "share_propensity_mean"}
MULTI_START = {"price": ("fee_jump_followers", BEND_STARTS)}


def fit_group(group: str, ts: list[Target], p: dict, eng: EngagementModel | None) -> dict:
    """Least squares (log residuals) of one group's parameters; returns the fitted values (rounded)."""
    names, x0, lo, hi = GROUPS[group]
    mine = [t for t in ts if t.group == group and t.fitted]

    def to_x(vals):
        return np.array([math.log(v) if n in LOG_PARAMS else v for n, v in zip(names, vals)])

    def from_x(x):
        return {n: (math.exp(v) if n in LOG_PARAMS else float(v)) for n, v in zip(names, x)}

    def res(x):
        q = Params({**p, **from_x(x)})
        evaluate(mine, q, eng)
        return np.array([t.residual() for t in mine])

    starts = [x0]
    if group in MULTI_START:  # a bend's location has flat stretches: start from several, keep the best
        name, values = MULTI_START[group]
        starts = [tuple(v if n == name else s for n, s in zip(names, x0)) for v in values]
    best = None
    for start in starts:
        sol = optimize.least_squares(res, to_x(start), bounds=(to_x(lo), to_x(hi)), method="trf", x_scale="jac",
                                     xtol=1e-12, ftol=1e-12, gtol=1e-12)
        if best is None or sol.cost < best.cost - 1e-12:
            best = sol
    return {n: _round(v) for n, v in from_x(best.x).items()}


def _round(x: float, digits: int = 6) -> float:
    return float(f"{x:.{digits}g}") if math.isfinite(x) else x


def start_params(sc) -> Params:
    """The scenario's rule parameters and its fitted population fields (:data:`FITTED_POPULATION`)."""
    return Params({**dict(sc.parameters), **{k: getattr(sc.population, k) for k in FITTED_POPULATION}})


def scenario_fields(values: dict) -> dict:
    """Fitted values as dotted scenario fields (``population.`` for :data:`FITTED_POPULATION`)."""
    return {f"{'population' if k in FITTED_POPULATION else 'parameters'}.{k}": v for k, v in values.items()}


def default_world(seed: int | None = None) -> tuple[dict, object]:
    """The default scenario (with ``run.seed`` = ``seed``) and its population, at fixed parameters.

    ``run.parameters = "fixed"``: the calibration fits the point values, so no model it
    runs may draw its own (see :mod:`sim.scenario.priors`).
    """
    sc = with_fields(default_scenario(), {"run.parameters": "fixed"})
    if seed is not None:
        sc = with_fields(sc, {"run.seed": seed})
    return sc, build_population(sc)


def fit(seed: int | None = None, log=print) -> tuple[dict, list[Target], dict]:
    """Fit every group in order (reach first: engagement takes it as input).

    Returns ``(fitted values, targets with model values, summary)``.
    """
    sc, pop = default_world(seed)
    p = start_params(sc)
    ts = targets(sc)
    eng = EngagementModel(pop, sc)
    fitted = fit_groups(ts, p, eng)
    evaluate(ts, p, eng)
    return fitted, ts, engagement_summary(ts)


def fit_groups(ts: list[Target], p: Params, eng: EngagementModel | None) -> dict:
    """Fit every group of :data:`FIT_ORDER` to ``ts`` in turn, updating ``p`` in place; returns the fitted values."""
    fitted = {}
    if any(t.group == "sharing" and t.fitted for t in ts):
        # the engagement fit's first round takes the sharing fit's start, not the shipped value: a rerun
        # gives the same fit whatever calibrated.json holds
        p.update(dict(zip(GROUPS["sharing"][0], GROUPS["sharing"][1])))
    for group in FIT_ORDER + ("engagement", "sharing") * (SHARING_ROUNDS - 1):
        if not any(t.group == group and t.fitted for t in ts):
            continue
        vals = fit_group(group, ts, p, eng)
        p.update(vals)
        fitted.update(vals)
    return fitted


def check(params: dict | None = None, seed: int | None = None, groups=None) -> tuple[list[Target], dict]:
    """Targets evaluated with the current (shipped) parameters, without fitting."""
    sc, pop = default_world(seed)
    p = Params({**start_params(sc), **(params or {})})
    ts = [t for t in targets(sc) if groups is None or t.group in groups]
    eng = EngagementModel(pop, sc)
    evaluate(ts, p, eng)
    return ts, engagement_summary(ts)


def engagement_summary(ts: list[Target]) -> dict:
    """Median and largest relative error over the fitted engagement bands, and which way the fit leans."""
    eng = [t for t in ts if t.group == "engagement" and t.fitted and math.isfinite(t.model)]
    if not eng:
        return {}
    err = np.array([abs(t.error()) for t in eng])
    lean = {}
    for src in dict.fromkeys(t.source for t in eng):
        lean[src] = _round(math.expm1(float(np.mean([math.log(t.model / t.value) for t in eng if t.source == src]))))
    above = [s for s, v in lean.items() if v > 0]
    below = [s for s, v in lean.items() if v < 0]
    text = ", ".join(f"{'above' if v > 0 else 'below'} {s} by {abs(v):.1%} on average" for s, v in lean.items())
    closer = min(lean, key=lambda s: abs(lean[s]))
    return {"median_abs_error": _round(float(np.median(err))), "max_abs_error": _round(float(err.max())),
            "worst_band": f"{eng[int(err.argmax())].source} {eng[int(err.argmax())].label}",
            "lean": lean, "lean_text": f"the model runs {text}; the fit leans towards {closer}"
            if above and below else f"the model runs {text}",
            "meets_bounds": bool(np.median(err) <= ENGAGEMENT_MEDIAN_MAX and err.max() <= ENGAGEMENT_BAND_MAX)}


# bootstrap -----------------------------------------------------------------------------------

BOOTSTRAP_JSON = CALIBRATED_JSON.with_name("calibrated_draws.json")
CASE_ROWS_PER_PARAMETER = 3  # case resampling needs at least this many rows per fitted parameter
CURVE_FOLLOWERS = (5_000.0, 50_000.0, 500_000.0)  # follower counts of the fitted curves' spread
CURVE_HOURS = (1.0, 24.0)  # hours after posting of the decay curve's spread


@dataclasses.dataclass(frozen=True)
class Resampling:
    """How one group's reference rows are resampled in a bootstrap refit.

    ``method`` is ``"case"`` (rows drawn with replacement) or ``"residual"`` (the rows
    kept, their figures replaced by the point fit's value times a resampled residual);
    ``inflation`` scales the residuals (1 for case resampling).
    """

    group: str
    method: str
    rows: int
    parameters: int
    free: int
    inflation: float

    def describe(self) -> str:
        if self.method == "case":
            return f"case resampling of {self.rows} rows ({self.parameters} parameters)"
        return (f"residual resampling over {self.rows} rows ({self.free} of {self.parameters} parameters off their "
                f"bounds; residuals centred, x{self.inflation:.3g} = sqrt(rows / (rows - free)))")


def resampling_plan(ts_point: list[Target], point: dict) -> dict[str, Resampling]:
    """The resampling of every fitted group, from its rows and the point fit.

    A group with at least :data:`CASE_ROWS_PER_PARAMETER` rows per parameter is case
    resampled; a smaller one keeps its rows and resamples residuals, scaled by
    ``sqrt(n / (n - q))`` for ``n`` rows and ``q`` parameters strictly inside their bounds
    at the point fit (a parameter on a bound fits nothing).
    """
    plan = {}
    for group in FIT_ORDER:
        names, _, lower, upper = GROUPS[group]
        rows = sum(1 for t in ts_point if t.group == group and t.fitted)
        free = sum(1 for name, low, high in zip(names, lower, upper)
                   if not (math.isclose(point[name], low, rel_tol=1e-6, abs_tol=1e-12)
                           or math.isclose(point[name], high, rel_tol=1e-6, abs_tol=1e-12)))
        if rows >= CASE_ROWS_PER_PARAMETER * len(names):
            plan[group] = Resampling(group, "case", rows, len(names), free, 1.0)
        else:
            plan[group] = Resampling(group, "residual", rows, len(names), free,
                                     math.sqrt(rows / max(rows - free, 1)))
    return plan


def resample(ts_point: list[Target], plan: dict[str, Resampling], rng: np.random.Generator) -> list[Target]:
    """One bootstrap sample of the fitted reference rows, group by group (in :data:`FIT_ORDER`).

    ``ts_point`` carries the point fit's model values (``Target.model``). Case
    resampling draws a group's rows with replacement; residual resampling keeps the
    rows and sets each figure to ``model * exp(-e)``, ``e`` a centred, inflated point-fit
    log residual drawn with replacement (a range's bounds move with it). The targets are
    copies: ``ts_point`` is left as it is.
    """
    out = []
    for group in FIT_ORDER:
        mine = [t for t in ts_point if t.group == group and t.fitted]
        if not mine:  # a group without rows (a sample of one group: C6's price refits) draws nothing
            continue
        how = plan[group]
        pick = rng.integers(0, len(mine), len(mine))
        if how.method == "case":
            out += [dataclasses.replace(mine[i]) for i in pick]
            continue
        res = np.array([t.residual() for t in mine])
        res = (res - res.mean()) * how.inflation
        for t, e in zip(mine, res[pick]):
            shift = math.exp(-float(e))  # residual = log(model / figure)
            out.append(dataclasses.replace(t, value=t.model * shift,
                                           low=None if t.low is None else t.low * t.model / t.value * shift,
                                           high=None if t.high is None else t.high * t.model / t.value * shift))
    return out


def refit_seed(seed: int, k: int) -> np.random.SeedSequence:
    """The seed of bootstrap refit ``k``: ``SeedSequence(seed, spawn_key=(k,))`` (independent of ``n``)."""
    return np.random.SeedSequence(seed, spawn_key=(k,))


def curve_values(world: tuple, params: dict) -> dict[str, float]:
    """The fitted curves at a few points: what a reader of the calibration looks at.

    ``world`` is ``(scenario, population, engagement probe)`` from :func:`curve_world`.
    Engagement per follower of an organic post and the share of followers who see it at
    :data:`CURVE_FOLLOWERS`; the share of engagement by :data:`CURVE_HOURS`; the
    sponsored penalty and the price per post at :data:`CURVE_FOLLOWERS`.
    """
    sc, pop, (probe, ids, extra) = world
    p = Params({**start_params(sc), **params})
    f = np.asarray(CURVE_FOLLOWERS)
    rate = forecast.organic_engagement_rate(probe, Params({**p, **extra}), ids, luxury=0.0)
    rate = rate.reshape(len(f), len(pop.niches)).mean(axis=1)
    seen = forecast.expected_seen(pop.activity, funnel.organic_reach(f, p.reach_small, p.reach_large,
                                                                     p.reach_half_followers))
    share = funnel.delay_cdf(np.asarray(CURVE_HOURS), p.decay_fast_share, p.decay_fast_hours, p.decay_slow_hours)
    penalty = funnel.sponsored_penalty(f, p.penalty_intercept, p.penalty_slope)
    fee = economics.fee_per_post(f, p.fee_per_follower, p.fee_exponent, p.fee_jump, p.fee_jump_followers)
    out = {}
    for group, what, xs, ys in (("engagement", "engagement rate", f, rate), ("reach", "share who see a post", f, seen),
                                ("decay", "share of engagement", CURVE_HOURS, share),
                                ("penalty", "sponsored engagement loss", f, penalty),
                                ("price", "USD per post", f, fee)):
        for x, y in zip(xs, np.atleast_1d(ys)):
            at = f"by {x:g} h" if group == "decay" else f"at {_k(x)} followers"
            out[f"{group}: {what} {at}"] = _round(float(y))
    return out


def curve_world(sc, pop) -> tuple:
    """The probe accounts :func:`curve_values` evaluates (built once for every draw)."""
    return sc, pop, _probe_for(pop, sc, np.asarray(CURVE_FOLLOWERS), "engagement_rate")


def bootstrap(n: int, seed: int | None = None, progress: bool = False) -> dict:
    """The calibration's uncertainty: ``n`` refits, each on a bootstrap sample of the reference rows.

    The point fit (:func:`fit`) is made first, in the default world of ``seed``; refit
    ``k`` draws its sample (:func:`resample`) from ``SeedSequence(seed, spawn_key=(k,))``
    and fits every group again in :data:`FIT_ORDER`, in the same world (the probe
    accounts are built once), so a refit's engagement fit takes that refit's reach.
    Draw ``k`` does not depend on ``n``.

    Resampling (Efron & Tibshirani 1993, *An Introduction to the Bootstrap*, ch. 9;
    Davison & Hinkley 1997, *Bootstrap Methods and their Application*, sec. 6.2-6.3):
    the rows of a group are the "cases" of a regression of a published figure on its
    follower band. Where a group has at least :data:`CASE_ROWS_PER_PARAMETER` rows per
    parameter (engagement: 9 rows for 2) its rows are resampled with
    replacement (case or pairs resampling, E&T 9.5): a sample that repeats one
    source's bands and drops another's moves the fit, so where sources disagree the
    refits spread. Reach, decay and penalty have 5 rows for 2 or 3 parameters, price 9
    rows for 4 (the bend's location is one), sharing 1 row for 1: a case sample of 5 rows
    has fewer than 3 distinct rows 10% of the time and then cannot fix 3 parameters.
    There the bands are kept and the residuals are resampled (E&T 9.4,
    D&H Algorithm 6.1): figure* = model * exp(-e*), e* drawn from the point fit's log
    residuals, centred and scaled by ``sqrt(n / (n - q))`` for ``q`` parameters off their
    bounds (D&H eq. 6.9's uniform form of the leverage correction), so a source that
    disagrees with the fit leaves a large residual that spreads the refits. Under log
    errors a resampled share can exceed 1 (decay by 120 h); the refit then reaches for
    the largest share the rule allows.

    A parameter on a bound of its fit at the point (``reach_small = 1``) stays on it in
    many refits: its bootstrap range is one-sided and may be a single value. Sharing's one
    row leaves a residual of 0 once centred: its refits differ only through the
    engagement fit, and ``share_propensity_mean`` (a ``population`` field) is not a column
    of the draws. ``price_bend`` (:func:`bend_interval`) gives where and how much the fee
    curve bends over the refits.

    Returns the document :func:`sim.scenario.priors.calibrated_draws` reads:
    ``{"_note", "seed", "n", "fields", "draws", "summary", "resampling", "curves"}``,
    ``summary[field] = {"point", "p05", "p50", "p95"}``.
    """
    if n < 1:
        raise ValueError(f"bootstrap: n must be at least 1, got {n}")
    sc, pop = default_world(seed)
    seed = sc.run.seed
    ts = targets(sc)
    eng = EngagementModel(pop, sc)
    p = start_params(sc)
    point = fit_groups(ts, p, eng)
    evaluate(ts, p, eng)
    plan = resampling_plan(ts, point)
    world = curve_world(sc, pop)
    draws, curves = [], [curve_values(world, point)]
    for k in range(n):
        rng = np.random.default_rng(refit_seed(seed, k))
        sample = resample(ts, plan, rng)
        fitted = fit_groups(sample, start_params(sc), eng)
        draws.append([fitted[name] for name in FITTED])
        curves.append(curve_values(world, fitted))
        if progress and ((k + 1) % 10 == 0 or k + 1 == n):
            print(f"  refit {k + 1}/{n}", file=sys.stderr, flush=True)
    arr = np.asarray(draws, dtype=float)
    q05, q50, q95 = np.percentile(arr, [5, 50, 95], axis=0)
    summary = {name: {"point": point[name], "p05": _round(float(a)), "p50": _round(float(b)),
                      "p95": _round(float(c))} for name, a, b, c in zip(FITTED, q05, q50, q95)}
    curve_summary = {}
    for label, at_point in curves[0].items():
        values = np.array([c[label] for c in curves[1:]])
        lo, mid, hi = np.percentile(values, [5, 50, 95])
        curve_summary[label] = {"point": at_point, "p05": _round(float(lo)), "p50": _round(float(mid)),
                                "p95": _round(float(hi))}
    bend = bend_interval(arr[:, FITTED.index("fee_jump_followers")], arr[:, FITTED.index("fee_jump")],
                         point["fee_jump_followers"], point["fee_jump"])
    note = (f"written by `python -m experiments.calibrate --bootstrap {n} --seed {seed}`: {n} refits of the "
            "calibration (experiments/calibrate.py) to bootstrap samples of experiments/reference; one row of draws "
            "per refit, columns as in fields (sim.scenario.parameters names); do not edit by hand")
    return {"_note": note, "seed": seed, "n": n, "fields": list(FITTED), "draws": draws, "summary": summary,
            "resampling": {g: how.describe() for g, how in plan.items()}, "curves": curve_summary,
            "price_bend": bend}


def bend_interval(followers, jump, point_followers: float, point_jump: float) -> dict:
    """Where and how much the fee curve bends over bootstrap refits: points and 5-95% ranges.

    The jump's range is over every refit; the bend's location is over the refits with a
    jump of at least :data:`NO_BEND` (elsewhere the curve has no bend to place), and
    ``no_bend_share`` says how many refits had none.
    """
    followers, jump = np.asarray(followers, float), np.asarray(jump, float)
    bends = jump >= NO_BEND
    out = {"followers": point_followers, "jump": point_jump, "no_bend_share": _round(float(np.mean(~bends))),
           "jump_p05": _round(float(np.percentile(jump, 5))), "jump_p95": _round(float(np.percentile(jump, 95)))}
    if bends.any():
        lo, hi = np.percentile(np.log(followers[bends]), [5, 95])
        out.update(followers_p05=_round(math.exp(lo)), followers_p95=_round(math.exp(hi)))
    return out


def price_fit_error(ts: list[Target]) -> dict:
    """The price fit's error: root mean square of the log residuals and the largest relative error (fitted rows)."""
    mine = [t for t in ts if t.group == "price" and t.fitted]
    res = np.array([t.residual() for t in mine])
    worst = max(mine, key=lambda t: abs(t.error()))
    return {"rms_log_error": _round(float(np.sqrt(np.mean(res ** 2)))), "rows": len(mine),
            "max_abs_error": _round(abs(worst.error())), "worst_row": f"{worst.source} {worst.label}"}


def print_bend(fitted: dict, ts: list[Target], interval: dict | None = None, log=print) -> None:
    """Where the price curve bends, by how much, with the bootstrap's range (if given) and the fit error."""
    log(f"\nprice curve: bends at {fitted['fee_jump_followers']:,.0f} followers by {fitted['fee_jump']:+.1%} "
        f"(fee_jump_followers, fee_jump; fitted, not placed)")
    if interval:
        where = (f"{interval['followers_p05']:,.0f}-{interval['followers_p95']:,.0f} followers"
                 if "followers_p05" in interval else "no refit has a bend")
        log(f"  bootstrap 5-95%: jump {interval['jump_p05']:+.1%} to {interval['jump_p95']:+.1%}; bend at {where} "
            f"(over refits with a jump >= {NO_BEND:.0%}); {interval['no_bend_share']:.0%} of refits have no bend")
    else:
        log("  interval: run `python -m experiments.calibrate --bootstrap 100` (calibrated_draws.json)")
    if any(t.group == "price" and t.fitted for t in ts):
        err = price_fit_error(ts)
        log(f"  fit error: rms log error {err['rms_log_error']:.3f} over {err['rows']} rows; largest "
            f"{err['max_abs_error']:.1%} ({err['worst_row']})")


# cascades ----------------------------------------------------------------------------------

CASCADE_BINS = (("1", 1, 1), ("2", 2, 2), ("3-9", 3, 9), ("10+", 10, None))


def cascade_distribution(sizes) -> dict:
    """Share of cascades of size 1, 2, 3-9 and 10+, the largest and the count.

    Examples
    --------
    >>> d = cascade_distribution([1, 1, 2, 12])
    >>> d["1"], d["2"], d["3-9"], d["10+"], d["largest"], d["cascades"]
    (0.5, 0.25, 0.0, 0.25, 12, 4)
    """
    x = np.asarray(sizes, dtype=np.int64)
    out = {}
    for name, lo, hi in CASCADE_BINS:
        sel = (x >= lo) if hi is None else ((x >= lo) & (x <= hi))
        out[name] = _round(float(sel.mean())) if len(x) else math.nan
    out["largest"] = int(x.max()) if len(x) else 0
    out["cascades"] = int(len(x))
    return out


def sharers_per_cascade(model) -> np.ndarray:
    """Sharers in each word-of-mouth cascade of a run: the first sharer and everyone who passed it on.

    The size Goel, Watts & Goldstein (2012) count (adopters per diffusion tree); a cascade
    starts with each person who shared a creator's post (``CampaignModel.cascade_roots``
    holds one root per sharer).
    """
    if not model.cascade_roots:
        return np.zeros(0, np.int64)
    _, counts = np.unique(np.concatenate(model.cascade_roots), return_counts=True)
    return counts.astype(np.int64)


def simulate_cascades(seed: int | None = None, params: dict | None = None, people: int = CASCADE_PEOPLE,
                      represents: int = 1, markets: int = CASCADE_SEEDS, log=print) -> dict:
    """Word-of-mouth cascades in the default world at ``people`` people, ``represents`` real people each.

    ``markets`` markets (``run.seed`` = seed, seed + 1, ...), every strategy of the
    default scenario in each, with the fitted parameters. Returns the cascade-size
    distribution in sharers (:func:`sharers_per_cascade`) and in people reached
    (``CampaignModel.cascade_sizes``, real people), the re-shares per sharer, and the
    seconds it took.
    """
    from sim.campaign.model import CampaignModel

    started = time.perf_counter()
    sc0, _ = default_world(seed)
    base = with_fields(sc0, {"population.size": people, "population.represents": represents,
                             **scenario_fields(params or {})})
    sharers, reached, by_strategy = [], [], {}
    for k in range(markets):
        sc = with_fields(base, {"run.seed": int(sc0.run.seed) + k})
        pop = build_population(sc)
        for name in sc.strategies:
            model = CampaignModel(sc, name, market=pop, rng=np.random.SeedSequence([int(sc.run.seed), k]))
            model.run()
            s = sharers_per_cascade(model)
            sharers.append(s)
            reached.append(model.cascade_sizes() * model.represents)
            by_strategy.setdefault(name, []).append(s)
    s_all, r_all = np.concatenate(sharers), np.concatenate(reached)
    total = int(s_all.sum())
    return {"people": people, "represents": represents, "markets": markets, "strategies": list(by_strategy),
            "sharers": cascade_distribution(s_all), "people_reached": cascade_distribution(r_all),
            "by_strategy": {n: cascade_distribution(np.concatenate(v)) for n, v in by_strategy.items()},
            "sharers_total": total,
            "reshares_per_sharer": _round((total - len(s_all)) / total) if total else math.nan,
            "seconds": _round(time.perf_counter() - started, 3)}


def print_cascades(doc: dict, checks: list[Target], log=print) -> None:
    """The cascade check: the cited figures with the model's value and error, then the size distribution."""
    log(f"\n[cascades] (check only, not fitted): default world, {doc['people']:,} people x {doc['represents']}, "
        f"{doc['markets']} markets x strategies {', '.join(doc['strategies'])}; {doc['seconds']:.0f} s")
    log(f"  {'source':<34}{'target':<32}{'figure':>10}{'model':>10}{'error':>9}")
    for t in checks:
        note = " in band" if t.in_band else ""
        log(f"  {t.source:<34}{t.label:<32}{f'{t.low:g}-{t.high:g}':>10}{t.model:>10.4g}{t.error():>+9.1%}{note}")
    log(f"  re-shares per sharer: {doc['reshares_per_sharer']:.4f} ({doc['sharers_total']} sharers)")
    head = "".join(f"{name:>9}" for name, _, _ in CASCADE_BINS)
    log(f"  {'cascade size':<30}{head}{'largest':>9}{'cascades':>10}")
    rows = [("sharers (all strategies)", doc["sharers"])]
    rows += [(f"sharers ({n})", d) for n, d in doc["by_strategy"].items()]
    rows += [("people reached (all)", doc["people_reached"])]
    for label, d in rows:
        cells = "".join(f"{d[name]:>9.1%}" for name, _, _ in CASCADE_BINS)
        log(f"  {label:<30}{cells}{d['largest']:>9,}{d['cascades']:>10,}")


def shipped_bend(fitted: dict) -> dict | None:
    """The bend's bootstrap range from the shipped draws, if their point fit is this one (else None)."""
    if not BOOTSTRAP_JSON.is_file():
        return None
    doc = json.loads(BOOTSTRAP_JSON.read_text(encoding="utf-8"))
    bend = doc.get("price_bend")
    if not bend or not all(math.isclose(doc["summary"].get(k, {}).get("point", math.nan), fitted[k], rel_tol=1e-5)
                           for k in ("fee_jump", "fee_jump_followers")):
        return None
    return bend


def print_bootstrap(doc: dict, log=print) -> None:
    """The bootstrap's table: each parameter's point and 5-95% range, then the fitted curves' spread."""
    log(f"\nbootstrap of the calibration: {doc['n']} refits, seed {doc['seed']}")
    for group, how in doc["resampling"].items():
        log(f"  {group:<11}{how}")
    log(f"\n  {'parameter':<22}{'point':>12}{'p05':>12}{'p95':>12}  note")
    for name in doc["fields"]:
        s = doc["summary"][name]
        names, _, lower, upper = next(g for g in GROUPS.values() if name in g[0])
        i = names.index(name)
        bound = [b for b in (lower[i], upper[i]) if math.isclose(s["point"], b, rel_tol=1e-6, abs_tol=1e-12)]
        note = f"point on the fit's bound {bound[0]:g}" if bound else ""
        log(f"  {name:<22}{s['point']:>12.4g}{s['p05']:>12.4g}{s['p95']:>12.4g}  {note}")
    log(f"\n  {'fitted curve':<58}{'point':>10}{'p05':>10}{'p95':>10}{'width':>8}")
    for label, s in doc["curves"].items():
        width = (s["p95"] - s["p05"]) / abs(s["point"]) if s["point"] else math.nan
        log(f"  {label:<58}{s['point']:>10.4g}{s['p05']:>10.4g}{s['p95']:>10.4g}{width:>8.0%}")
    log("  (width: the 5-95% range as a share of the point value)")


# simulation check --------------------------------------------------------------------------

def simulate_engagement(seed: int | None = None, params: dict | None = None, accounts: int = 12,
                        log=print) -> list[dict]:
    """Simulate organic posts of real accounts in the default world and compare with the forecast.

    Per engagement band of Markerly and Mavrck, ``accounts`` accounts (more for small bands,
    whose audiences are a few simulated people), log-uniform in the band, random niches,
    each posting once (sponsored penalty 0, brand fit 1) in one 30-day model. Returns per
    band the mean simulated and forecast engagement per follower, their ratio and its
    standard error. The top of each band is capped at what the simulated market holds.
    """
    from sim.campaign.model import CampaignModel
    from sim.campaign.roster import Roster

    sc, pop = default_world(seed)
    organic = {"penalty_intercept": 0.0, "penalty_slope": 0.0}  # no sponsored penalty: organic posts
    sc = with_fields(sc, scenario_fields({**(params or {}), **organic}))
    if any(k in (params or {}) for k in FITTED_POPULATION):
        pop = build_population(sc)  # people drawn with the fitted share propensity
    root = np.random.SeedSequence(sc.run.seed).spawn(3)[2]
    rng = np.random.default_rng(root)
    cap = 0.5 * pop.n * pop.represents  # audiences of at most half the simulated people
    bands = [t for t in targets(sc) if t.group == "engagement" and t.fitted]
    seen, f_all, band_of = set(), [], []
    for t in bands:
        key = (t.lo, min(t.hi, cap))
        if key in seen or key[0] >= key[1]:
            continue
        seen.add(key)
        n = accounts * max(1, int(round(2000 * pop.represents / math.sqrt(key[0] * key[1]))))  # ~ >= 100 people
        n = min(n, 20 * accounts)
        f_all.append(np.exp(rng.uniform(np.log(key[0]), np.log(key[1]), n)))
        band_of += [key] * n
    f_all = np.concatenate(f_all)
    niches = rng.integers(0, len(pop.niches), len(f_all))
    probe, ids = probe_population(pop, sc, f_all, niches)
    p = sc.parameters
    expected = forecast.organic_engagement_rate(probe, p, ids, luxury=0.0)
    z = np.zeros(len(ids))
    roster = Roster("organic", ids, np.ones(len(ids), int), z, z, z, np.ones(len(ids)))
    model = CampaignModel(sc, next(iter(sc.strategies)), market=probe, roster=roster, rng=root.spawn(1)[0])
    model.run()
    b, rep = model.by_influencer, probe.represents
    eng = (b["likes"] + b["comments"] + b["shares"]) * rep
    rate = eng / probe.pool.followers[ids]
    out = []
    keys = np.array([f"{a:g}-{c:g}" for a, c in band_of])
    for key in dict.fromkeys(band_of):
        sel = keys == f"{key[0]:g}-{key[1]:g}"
        sim_m, exp_m = float(rate[sel].mean()), float(expected[sel].mean())
        se = float(rate[sel].std(ddof=1) / math.sqrt(sel.sum())) / exp_m
        ratio = sim_m / exp_m
        out.append({"band": f"{_k(key[0])}-{_k(key[1])}", "accounts": int(sel.sum()), "simulated": _round(sim_m),
                    "forecast": _round(exp_m), "ratio": _round(ratio), "se": _round(se),
                    "agrees": bool(abs(ratio - 1) <= SIM_TOLERANCE + 2 * se)})
    return out


# output ------------------------------------------------------------------------------------

def print_targets(ts: list[Target], log=print) -> None:
    group = None
    for t in ts:
        if t.group != group:
            group = t.group
            log(f"\n[{group}]")
            log(f"  {'source':<34}{'target':<40}{'figure':>10}{'model':>10}{'error':>9}")
        fig = f"{t.low:g}-{t.high:g}" if t.is_range and t.high else (f">={t.low:g}" if t.is_range else f"{t.value:.4g}")
        note = " in band" if t.in_band else ""
        if t.is_range:
            note += f" (vs midpoint {t.model / t.value - 1:+.1%})"
        if not t.fitted:
            note += " (check only, not fitted)"
        log(f"  {t.source:<34}{t.label:<40}{fig:>10}{t.model:>10.4g}{t.error():>+9.1%}{note}")


def calibration_document(fitted: dict, ts: list[Target], summary: dict, seed: int, sim: list[dict],
                         cascades: dict | None = None, checks: list[Target] | None = None) -> dict:
    doc = {"_note": "written by `python -m experiments.calibrate --seed {}`; fitted to experiments/reference "
                    "(see experiments/calibrate.py); do not edit by hand".format(seed), "seed": seed}
    doc.update({k: fitted[k] for k in FITTED + FITTED_POPULATION})
    doc["fit"] = {g: [t.row() for t in ts if t.group == g] for g in dict.fromkeys(t.group for t in ts)}
    doc["engagement_summary"] = summary
    doc["simulation_check"] = {"tolerance": SIM_TOLERANCE, "bands": sim}
    doc["price_fit"] = {"bend_followers": fitted["fee_jump_followers"], "jump": fitted["fee_jump"],
                        **price_fit_error(ts)}
    if cascades is not None:
        # no timing in the file: a rerun with the same seed is byte-identical
        doc["cascade_check"] = {**{k: v for k, v in cascades.items() if k != "seconds"},
                                "targets": [t.row() for t in checks or []]}
    return doc


def figure(ts: list[Target], params: dict, seed: int | None = None, sim: list[dict] | None = None,
           cascades: dict | None = None, checks: list[Target] | None = None):
    """Plotly figure: model against data for every target group (log follower axes).

    With ``cascades`` (:func:`simulate_cascades`), a last row draws the cascade-size
    distribution in sharers beside the cited share of size-1 cascades (``checks``) and the
    shares per person reached beside the cited share rate.
    """
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    sc, pop = default_world(seed)
    p = Params({**start_params(sc), **params})
    titles = ["Engagement per follower, organic posts", "Organic reach (median, posts)",
              "Engagement after posting (Instagram)", "Sponsored-post engagement loss",
              "Price per post (Instagram, USD)", "Simulated / forecast engagement rate",
              "Word-of-mouth cascades: sharers per cascade", "Shares per person reached (organic posts)"]
    fig = make_subplots(rows=4, cols=2, subplot_titles=titles, vertical_spacing=0.07)
    pos = {"engagement": (1, 1), "reach": (1, 2), "decay": (2, 1), "penalty": (2, 2), "price": (3, 1)}
    xs = np.logspace(2, 7, 120)
    curves = {
        "engagement": [("model likes/follower", engagement_curve(pop, sc, p, xs, "like_rate")),
                       ("model engagements/follower", engagement_curve(pop, sc, p, xs))],
        "reach": [("model: reach rule", funnel.organic_reach(xs, p.reach_small, p.reach_large,
                                                             p.reach_half_followers)),
                  ("model: share who see it", forecast.expected_seen(pop.activity, funnel.organic_reach(
                      xs, p.reach_small, p.reach_large, p.reach_half_followers)))],
        "penalty": [("model", funnel.sponsored_penalty(xs, p.penalty_intercept, p.penalty_slope))],
        "price": [("model", economics.fee_per_post(xs, p.fee_per_follower, p.fee_exponent, p.fee_jump,
                                                   p.fee_jump_followers))],
    }
    hours = np.logspace(-1, np.log10(CAMPAIGN_HOURS), 100)
    cdf = funnel.delay_cdf(hours, p.decay_fast_share, p.decay_fast_hours, p.decay_slow_hours)
    curves["decay"] = [("model: share of all", cdf), ("model: share of 30-day", cdf / cdf[-1])]
    colors = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]
    for g, (r, c) in pos.items():
        x = hours if g == "decay" else xs
        for i, (name, y) in enumerate(curves[g]):
            fig.add_trace(go.Scatter(x=x, y=y, mode="lines", name=f"{g}: {name}", line={"color": colors[i]}),
                          row=r, col=c)
        sources = list(dict.fromkeys(t.source for t in ts if t.group == g))
        for k, src in enumerate(sources):
            mine = [t for t in ts if t.group == g and t.source == src]
            mid = np.array([math.sqrt(t.lo * t.hi) for t in mine])
            val = np.array([t.value for t in mine])
            ex = dict(type="data", symmetric=False, array=[t.hi - m for t, m in zip(mine, mid)],
                      arrayminus=[m - t.lo for t, m in zip(mine, mid)])
            ey = None
            if any(t.is_range for t in mine):
                ey = dict(type="data", symmetric=False,
                          array=[((t.high or t.value * 3) - t.value) if t.is_range else 0 for t in mine],
                          arrayminus=[(t.value - t.low) if t.is_range else 0 for t in mine])
            fig.add_trace(go.Scatter(x=mid, y=val, mode="markers", name=f"{g}: {src}", error_x=ex, error_y=ey,
                                     marker={"symbol": "circle", "size": 9, "color": colors[(k + 2) % 6]},
                                     text=[t.label for t in mine]), row=r, col=c)
            fig.add_trace(go.Scatter(x=mid, y=[t.model for t in mine], mode="markers",
                                     name=f"{g}: model vs {src}", text=[t.label for t in mine],
                                     marker={"symbol": "x", "size": 9, "color": colors[(k + 2) % 6]}), row=r, col=c)
        fig.update_xaxes(type="log", title_text="hours after posting" if g == "decay" else "followers", row=r,
                         col=c)
        if g in ("engagement", "price"):
            fig.update_yaxes(type="log", row=r, col=c)
    if sim:
        fig.add_trace(go.Scatter(x=[s["band"] for s in sim], y=[s["ratio"] for s in sim], mode="markers",
                                 name="simulated / forecast", error_y={"type": "data",
                                                                       "array": [2 * s["se"] for s in sim]}),
                      row=3, col=2)
        fig.add_hline(y=1 + SIM_TOLERANCE, line_dash="dot", row=3, col=2)
        fig.add_hline(y=1 - SIM_TOLERANCE, line_dash="dot", row=3, col=2)
    if cascades:
        bins = [name for name, _, _ in CASCADE_BINS]
        fig.add_trace(go.Bar(x=bins, y=[cascades["sharers"][b] for b in bins], name="model: share of cascades",
                             marker={"color": "#1f77b4"}), row=4, col=1)
        for t in checks or []:
            fig.add_trace(go.Scatter(x=["1"], y=[t.value], mode="markers", name=f"cascades: {t.source}",
                                     error_y={"type": "data", "symmetric": False, "array": [t.high - t.value],
                                              "arrayminus": [t.value - t.low]},
                                     marker={"size": 11, "color": "#d62728"}), row=4, col=1)
        fig.update_yaxes(type="log", title_text="share of cascades", row=4, col=1)
    share = [t for t in ts if t.group == "sharing"]
    for t in share:
        fig.add_trace(go.Scatter(x=[t.source], y=[t.value], mode="markers", name=f"sharing: {t.source}",
                                 error_y={"type": "data", "symmetric": False, "array": [t.high - t.value],
                                          "arrayminus": [t.value - t.low]}, marker={"size": 11}), row=4, col=2)
        fig.add_trace(go.Scatter(x=[t.source], y=[t.model], mode="markers", name="sharing: model",
                                 marker={"symbol": "x", "size": 11}), row=4, col=2)
    fig.update_layout(height=1700, title="Calibration: model against published figures "
                                         "(x marks: the model's band value; bars: the band)")
    return fig


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m experiments.calibrate", description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=None, help="seed of the default world (default: run.seed, 42)")
    ap.add_argument("--plot", help="folder for calibration.html")
    ap.add_argument("--out", default=str(CALIBRATED_JSON), help="where to write the fitted values")
    ap.add_argument("--dry-run", action="store_true", help="print the fit, write nothing")
    ap.add_argument("--bootstrap", type=int, metavar="N",
                    help="N refits on bootstrap samples of the reference rows, written to --draws-out "
                         "(calibrated.json is left as it is)")
    ap.add_argument("--draws-out", default=str(BOOTSTRAP_JSON), help="where --bootstrap writes its draws")
    ap.add_argument("--cascade-people", type=int, default=CASCADE_PEOPLE,
                    help=f"people of the cascade check's world, one-to-one (default {CASCADE_PEOPLE:,})")
    args = ap.parse_args(argv)
    seed = args.seed if args.seed is not None else default_scenario().run.seed
    if args.bootstrap is not None:
        if args.bootstrap < 1:
            print(f"influsim: error: --bootstrap: must be at least 1, got {args.bootstrap}", file=sys.stderr)
            return 2
        started = time.perf_counter()
        doc = bootstrap(args.bootstrap, seed, progress=True)
        elapsed = time.perf_counter() - started
        print_bootstrap(doc)
        print_bend({k: doc["summary"][k]["point"] for k in FITTED}, [], doc["price_bend"])
        print(f"\n{doc['n']} refits in {elapsed:.0f} s ({elapsed / (doc['n'] + 1):.1f} s per fit, point fit included)")
        shipped = json.loads(CALIBRATED_JSON.read_text(encoding="utf-8"))
        stale = [k for k in FITTED if not math.isclose(doc["summary"][k]["point"], shipped[k], rel_tol=1e-5)]
        if stale:
            print(f"note: the point fit differs from {CALIBRATED_JSON.name} in {', '.join(stale)}: rerun "
                  "`python -m experiments.calibrate` first")
        if not args.dry_run:
            Path(args.draws_out).write_text(json.dumps(doc, indent=1) + "\n", encoding="utf-8")
            print(f"wrote {args.draws_out}")
        return 0
    fitted, ts, summary = fit(seed)
    print("fitted parameters:")
    for k in FITTED + FITTED_POPULATION:
        print(f"  {k:<22}{fitted[k]:>12.6g}{'  (population.)' if k in FITTED_POPULATION else ''}")
    print_targets(ts)
    print(f"\nengagement by followers: median |error| {summary['median_abs_error']:.1%} (bound "
          f"{ENGAGEMENT_MEDIAN_MAX:.0%}), largest {summary['max_abs_error']:.1%} on {summary['worst_band']} (bound "
          f"{ENGAGEMENT_BAND_MAX:.0%}): {'met' if summary['meets_bounds'] else 'NOT met'}")
    print(f"lean: {summary['lean_text']}")
    sim = simulate_engagement(seed, fitted)
    print(f"\nsimulation check (organic posts in the default world; tolerance {SIM_TOLERANCE:.0%} + 2 SE):")
    for s in sim:
        print(f"  {s['band']:<12} {s['accounts']:>4} accounts  simulated {s['simulated']:.4f}  forecast "
              f"{s['forecast']:.4f}  ratio {s['ratio']:.3f} +/- {2 * s['se']:.3f}  "
              f"{'ok' if s['agrees'] else 'DISAGREES'}")
    print_bend(fitted, ts, shipped_bend(fitted))
    cascades = simulate_cascades(seed, fitted, people=args.cascade_people)
    checks = cascade_targets()
    for t in checks:
        t.model = cascades["sharers"]["1"]
    print_cascades(cascades, checks)
    if not args.dry_run:
        doc = calibration_document(fitted, ts, summary, seed, sim, cascades, checks)
        Path(args.out).write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        print(f"\nwrote {args.out}")
    if args.plot:
        out = Path(args.plot)
        out.mkdir(parents=True, exist_ok=True)
        figure(ts, fitted, seed, sim, cascades, checks).write_html(out / "calibration.html", include_plotlyjs=True)
        print(f"wrote {out / 'calibration.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
