"""The decision, stated: intervals, paired comparisons, verdict lines, money and warnings.

Everything here works on a list of replicate results (:class:`sim.studies.replicate.ReplicateResult`
or any object with ``strategy``, ``replicate``, ``metrics`` and ``outreach``); strategies
with the same replicate index share the same market and luck, so comparisons are paired.

Intervals
---------
:func:`interval` gives the mean over replicates and a 95% interval from the *expanded
percentile bootstrap* (Hesterberg 2015, "What teachers should know about the bootstrap",
The American Statistician 69(4)): 2,000 resamples of the mean with ``scipy.stats.bootstrap``
(a seeded generator, so the same input gives the same interval), read at percentiles
widened for small samples, ``alpha' = 2 Phi(-sqrt(n / (n - 1)) t_{n-1, 1 - alpha/2})``,
so that with few replicates the interval is about as wide as a t-interval instead of
too narrow. Resampled means cannot leave the range of the data, so with fewer than
:data:`SMALL_N` values the interval is widened to cover at least the Student-t interval
(a handful of replicates that happen to agree do not make a verdict). Fewer than two
finite values give no interval (NaN bounds) and no verdict.

Bounded quantities. Many metrics cannot take some values whatever the luck: counts and
money are never negative, ROI never falls below -1 (a campaign loses at most what it
cost), shares lie in [0, 1], and a strategy that outreach holds to its budget never
spends more than it (:func:`held_to_budget`). :data:`sim.metrics.BOUNDS` is the one table of these
hard bounds (metric -> (low, high); ``"budget"`` stands for the strategy's budget,
:func:`metric_bounds`). The percentile bootstrap of the mean lies inside the range of
the data, hence inside any bound the data obey; only the small-sample widening (the
t-interval) and the normal interval used for very large samples can reach past one. The
interval is therefore the bootstrap (or widened) interval *intersected with the range
the mean can take*: the true mean lies in that range, so the intersection covers it
exactly when the unrestricted interval does (the same coverage), and it never claims an
impossible value. An end equal to a bound says "up to the bound". A bound that the data
themselves break (it was not hard for them) is moved out to the data, so the mean stays
inside its interval.

Replicates that hired nobody. A replicate in which every offer was refused until the
recruitment time ran out (:func:`sim.campaign.outreach.rounds_in_time`) ran no campaign:
its "ROI" of -1 on the staff time of the refused offers is not a campaign outcome, and a
strategist would have asked the next account the month after. Such replicates are
counted on their own (``no_hire_replicates`` and the ``no_hire`` share with its exact
binomial interval, :func:`no_hire`; the warning "hires nobody in k of n replicates"), and
every other figure of the strategy (means, intervals, the money table) is over the
replicates where it hired someone (:func:`values`); paired differences are over the
replicates where both strategies did (:func:`paired`).

Paired comparisons
------------------
:func:`compare` takes each strategy against a baseline (the first strategy, or a named
one) on :data:`KEY_METRICS`: the per-replicate differences ``strategy - baseline`` (only
replicates where both values are finite), their mean with the interval above, and the
share of replicates in which the strategy wins (higher is better, except for the costs
in :data:`sim.metrics.LOWER_IS_BETTER`). A difference is *resolved* when its interval excludes zero.

Verdict lines, money, warnings
------------------------------
:func:`verdict_lines` states each comparison on ROI (on gross profit) in one line, with
spend next to it; :func:`spend_table` gives budget, spend, unspent budget, staff cost,
creators hired and the replicates where nobody accepted or candidates ran out;
:func:`sim.studies.caveats.warnings_for` lists what a reader must know before trusting a comparison.

Examples
--------
>>> from types import SimpleNamespace as R
>>> luck = [0.1, -0.3, 0.2, 0.0, 0.4, -0.1, 0.3, 0.1]
>>> runs = [R(strategy=s, replicate=i, metrics={"roi": x + lift * (i % 3), "spend": sp, "hired": 1.0,
...                                             "budget": 10_000.0}, outreach={"filled": True})
...         for s, lift, sp in (("macro", 0.0, 4000.0), ("micro", 0.5, 9500.0)) for i, x in enumerate(luck)]
>>> print(verdict_lines(runs)[0])
micro vs macro: ROI on gross profit +44 pp [+8.9 pp, +81 pp], better in 62% of 8 replicates; spend $9,500 vs $4,000
>>> from sim.studies.caveats import warnings_for
>>> print(warnings_for(runs)[0])
compared at different spend: micro spends $9,500 and macro $4,000 (2.38x); set equal spend to compare like with like: give both the same budget (brand.budget, strategies.macro.budget)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from sim import format as fmt
from sim.metrics import BOUNDS, LOWER_IS_BETTER, label as metric_label

LEVEL = 0.95
N_RESAMPLES = 2_000
SEED = 20_240_610  # fixed: the same results give the same intervals
SMALL_N = 10  # below this many values the interval covers at least the Student-t interval

#: Metrics compared between strategies (paired differences and verdicts).
KEY_METRICS = ("roi", "roas", "conversions", "reach", "engagements", "spend", "cost_per_acquisition")

INF = math.inf

#: Strategy kinds whose outreach never commits more than the budget (the others follow a following, a
#: list or tiers the user chose).
BUDGET_HELD_KINDS = frozenset({"macro", "micro_equal_budget", "mixed", "nano_swarm"})


# --- intervals --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Interval:
    """A mean over replicates and its interval (NaN bounds: no interval)."""

    mean: float
    low: float
    high: float
    n: int

    @property
    def has_interval(self) -> bool:
        return self.n >= 2 and math.isfinite(self.low) and math.isfinite(self.high)

    def as_tuple(self) -> tuple[float, float, float, int]:
        return self.mean, self.low, self.high, self.n


def expanded_level(n: int, level: float = LEVEL) -> float:
    """Percentile level of the expanded percentile bootstrap for ``n`` values (Hesterberg 2015).

    Examples
    --------
    >>> round(expanded_level(30), 4), round(expanded_level(10), 4), expanded_level(2) > 0.9999
    (0.9625, 0.9829, True)
    """
    t = stats.t.ppf(0.5 + level / 2, n - 1)
    return float(1.0 - 2.0 * stats.norm.cdf(-math.sqrt(n / (n - 1)) * t))


def interval(values: Iterable[float], *, level: float = LEVEL, non_negative: bool = False,
             bounds: tuple[float, float] = (-INF, INF), n_resamples: int = N_RESAMPLES,
             seed: int = SEED) -> Interval:
    """Mean of the finite ``values`` and its expanded percentile bootstrap interval, within ``bounds``.

    Parameters
    ----------
    values : iterable of float
        One value per replicate; NaN and infinite values are left out.
    level : float
        Coverage of the interval (0.95).
    non_negative : bool
        The values cannot be negative (counts, money): the same as ``bounds=(0, inf)``.
    bounds : (float, float)
        The range every value, and so the mean, lies in (:func:`metric_bounds`): the
        interval is intersected with it (see the module docstring: the same coverage).
        A bound the values break is moved out to them.
    n_resamples, seed : int
        Bootstrap resamples and the seed of their generator (deterministic).

    Returns
    -------
    Interval
        ``mean, low, high, n``; with fewer than two finite values the bounds are NaN.

    Examples
    --------
    >>> iv = interval([0, 0, 0, 0, 0, 0, 0, 0, 0, 50.0], non_negative=True)
    >>> iv.mean, iv.low >= 0, iv.high > iv.mean, iv.n
    (5.0, True, True, 10)
    >>> interval([3.0])
    Interval(mean=3.0, low=nan, high=nan, n=1)
    >>> interval([2.0, 2.0, 2.0])
    Interval(mean=2.0, low=2.0, high=2.0, n=3)
    >>> interval([1.0, 2.0, 3.0, 4.0]) == interval([1.0, 2.0, 3.0, 4.0])
    True

    Three replicates spending close to a $30,000 budget: the t-widening alone would reach
    past the budget, the interval stops at it.

    >>> interval([28_000.0, 29_900.0, 27_200.0], bounds=(0.0, 30_000.0)).high
    30000.0
    """
    x = np.asarray(list(values) if not isinstance(values, np.ndarray) else values, dtype=float).ravel()
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    m = float(x.mean())
    if n == 1:
        return Interval(m, math.nan, math.nan, 1)
    if np.ptp(x) == 0:
        return Interval(m, m, m, n)
    a = 1.0 - expanded_level(n, level)
    if n > 200_000:  # the bootstrap would cost n x resamples draws; the normal interval is as good here
        half = stats.norm.ppf(1 - a / 2) * x.std(ddof=1) / math.sqrt(n)
        lo, hi = m - half, m + half
    else:
        res = stats.bootstrap((x,), np.mean, n_resamples=n_resamples, method="percentile", vectorized=True,
                              batch=max(1, 4_000_000 // n), rng=np.random.default_rng(seed))
        lo, hi = np.quantile(res.bootstrap_distribution, [a / 2, 1 - a / 2])
        lo, hi = float(min(lo, m)), float(max(hi, m))
        if n < SMALL_N:  # resampled means cannot leave the range of the data: cover the t-interval too
            half = stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / math.sqrt(n)
            lo, hi = min(lo, m - half), max(hi, m + half)
    low, high = bounds
    if non_negative:
        low = max(low, 0.0)
    low, high = min(low, float(x.min())), max(high, float(x.max()))  # a bound the data break is not hard
    return Interval(m, float(min(max(lo, low), high)), float(max(min(hi, high), low)), n)


def held_to_budget(kind: str | None, payment: str | None) -> bool:
    """Whether a strategy can never spend more than its budget.

    Outreach commits at most the budget, counting each hired account's expected cost
    (:func:`sim.campaign.outreach.send_offers`) for the kinds in :data:`BUDGET_HELD_KINDS`;
    that cost is what the account costs unless it is paid per view (``payment = "cpm"``:
    views can exceed the expected ones).

    Examples
    --------
    >>> held_to_budget("macro", "per_post"), held_to_budget("macro", "cpm"), held_to_budget("custom", "per_post")
    (True, False, False)
    """
    return kind in BUDGET_HELD_KINDS and payment != "cpm"


def budget_bound(runs) -> float:
    """The budget that bounds the spend of every run of one strategy, else ``inf``.

    A finite bound needs every run held to its budget (:func:`held_to_budget`, read from
    the run's ``outreach`` record: ``kind``, ``payment``, ``budget``); the bound is the
    largest of their budgets (a budget matched per replicate to another strategy's cost
    varies, and the mean spend is never above the largest).

    Examples
    --------
    >>> from types import SimpleNamespace as R
    >>> o = {"kind": "macro", "payment": "per_post", "budget": 30_000.0}
    >>> budget_bound([R(metrics={"budget": 30_000.0}, outreach=o)] * 3)
    30000.0
    >>> budget_bound([R(metrics={"budget": 30_000.0}, outreach={"filled": True})])
    inf
    >>> budget_bound([R(metrics={"budget": b}, outreach=o) for b in (28_000.0, 30_000.0)])  # matched per replicate
    30000.0
    """
    budgets = set()
    for r in runs:
        o = getattr(r, "outreach", None) or {}
        if not held_to_budget(o.get("kind"), o.get("payment")) or o.get("budget") is None:
            return INF
        budgets.add(float(r.metrics.get("budget", math.nan)))
    largest = max(budgets, default=math.nan)
    return largest if math.isfinite(largest) and all(math.isfinite(b) for b in budgets) else INF


def metric_bounds(metric: str, budget: float = INF) -> tuple[float, float]:
    """``(low, high)`` of ``metric`` from :data:`sim.metrics.BOUNDS`, with ``budget`` for the spend lines.

    Examples
    --------
    >>> metric_bounds("spend", 30_000.0), metric_bounds("roi"), metric_bounds("no_hire"), metric_bounds("unspent")
    ((0.0, 30000.0), (-1.0, inf), (0.0, 1.0), (-inf, inf))
    """
    low, high = BOUNDS.get(metric, (-INF, INF))
    if high == "budget":
        high = budget if math.isfinite(budget) else INF
    return float(low), float(high)


def metric_interval(metric: str, values: Iterable[float], level: float = LEVEL, *, budget: float = INF) -> Interval:
    """:func:`interval` within the bounds of ``metric`` (:func:`metric_bounds`; ``budget`` for spend).

    Examples
    --------
    >>> metric_interval("conversions", [0.0, 0.0, 0.0, 30.0]).low
    0.0
    >>> metric_interval("spend", [28_000.0, 29_900.0, 27_200.0], budget=30_000.0).high
    30000.0
    """
    return interval(values, level=level, bounds=metric_bounds(metric, budget))


def strategy_interval(results, strategy: str, metric: str, level: float = LEVEL) -> Interval:
    """One strategy's ``metric``: mean and interval over the replicates where it hired someone, within bounds.

    The interval of :func:`metric_interval`, with the strategy's budget as the bound of its
    spend where outreach holds it to it (:func:`budget_bound`).

    Examples
    --------
    >>> from types import SimpleNamespace as R
    >>> o = {"kind": "micro_equal_budget", "payment": "per_post", "budget": 30_000.0}
    >>> rs = [R(strategy="m", replicate=i, metrics={"spend": v, "budget": 30_000.0, "hired": 20.0}, outreach=o)
    ...       for i, v in enumerate([28_000.0, 29_900.0, 27_200.0])]
    >>> strategy_interval(rs, "m", "spend").high
    30000.0
    """
    budget = budget_bound(runs_of(results, strategy)) if BOUNDS.get(metric, (0, 0))[1] == "budget" else INF
    return metric_interval(metric, values(results, strategy, metric), level, budget=budget)


def hired_nobody(run) -> bool:
    """Whether a replicate's strategy hired nobody (every offer refused): no campaign ran."""
    return run.metrics.get("hired", math.nan) == 0


def no_hire(results, strategy: str, level: float = LEVEL) -> Interval:
    """The share of a strategy's replicates that hired nobody, with its exact (Clopper-Pearson) interval.

    ``n`` is the number of replicates; the count is ``round(mean * n)``. The interval lies
    in [0, 1] by construction.

    Examples
    --------
    >>> from types import SimpleNamespace as R
    >>> rs = [R(strategy="m", replicate=i, metrics={"hired": float(i % 10 != 0)}) for i in range(30)]
    >>> iv = no_hire(rs, "m")
    >>> round(iv.mean, 3), round(iv.low, 3), round(iv.high, 3), iv.n
    (0.1, 0.021, 0.265, 30)
    """
    runs = runs_of(results, strategy)
    n = len(runs)
    if n == 0:
        return Interval(math.nan, math.nan, math.nan, 0)
    k = sum(hired_nobody(r) for r in runs)
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=level, method="exact")
    return Interval(k / n, float(ci.low), float(ci.high), n)


# --- grouping -------------------------------------------------------------------------------

def strategies_of(results) -> list[str]:
    """Strategy names in the order they first appear."""
    return list(dict.fromkeys(r.strategy for r in results))


def runs_of(results, strategy: str) -> list:
    return [r for r in results if r.strategy == strategy]


def values(results, strategy: str, metric: str, *, no_hire: bool = False) -> np.ndarray:
    """One strategy's ``metric`` over its replicates that hired someone (NaN where missing).

    Replicates that hired nobody ran no campaign and are counted on their own (:func:`no_hire`);
    ``no_hire=True`` keeps them (every replicate).

    Examples
    --------
    >>> from types import SimpleNamespace as R
    >>> rs = [R(strategy="m", replicate=i, metrics={"roi": v, "hired": h})
    ...       for i, (v, h) in enumerate([(0.2, 1.0), (-1.0, 0.0), (0.4, 1.0)])]
    >>> values(rs, "m", "roi").tolist(), values(rs, "m", "roi", no_hire=True).tolist()
    ([0.2, 0.4], [0.2, -1.0, 0.4])
    """
    return np.array([r.metrics.get(metric, math.nan) for r in runs_of(results, strategy)
                     if no_hire or not hired_nobody(r)], dtype=float)


def baseline_of(results, baseline: str | None = None) -> str:
    """The named baseline, else the first strategy."""
    names = strategies_of(results)
    if baseline is not None:
        if baseline not in names:
            raise ValueError(f"baseline {baseline!r} is not one of the strategies ({', '.join(names)})")
        return baseline
    return names[0]


def scenario_baseline(scenario) -> str | None:
    """The scenario's named baseline, if it has one (``run.baseline``); else None (the first strategy)."""
    run = getattr(scenario, "run", None)
    return getattr(run, "baseline", None) or None


def unit_word(scenario=None) -> str:
    """What a replicate stands for: "markets" when each draws its own market, else "replicates"."""
    run = getattr(scenario, "run", None)
    return "markets" if getattr(run, "market", "fixed") == "per_replicate" else "replicates"


# --- paired comparisons ---------------------------------------------------------------------

@dataclass(frozen=True)
class Comparison:
    """``strategy - baseline`` on one metric, paired by replicate."""

    strategy: str
    baseline: str
    metric: str
    diff: Interval  # mean paired difference and its interval
    win_share: float  # share of the n paired replicates the strategy wins (NaN when n == 0)
    loss_share: float
    mean_strategy: float  # means over the same n replicates
    mean_baseline: float

    @property
    def n(self) -> int:
        return self.diff.n

    @property
    def resolved(self) -> bool:
        """Whether the interval excludes zero."""
        return self.diff.has_interval and (self.diff.low > 0 or self.diff.high < 0)

    @property
    def state(self) -> str:
        """"better", "worse", "not resolved" (interval spans zero), "no difference" or "no interval"."""
        if not self.diff.has_interval:
            return "no interval"
        if self.diff.low == self.diff.high == 0:
            return "no difference"
        if not self.resolved:
            return "not resolved"
        return "better" if self.better else "worse"

    @property
    def better(self) -> bool | None:
        """True/False when resolved (better/worse for the strategy), None when not."""
        if not self.resolved:
            return None
        up = self.diff.low > 0
        return (not up) if self.metric in LOWER_IS_BETTER else up


def paired(results, strategy: str, baseline: str, metric: str) -> tuple[np.ndarray, np.ndarray]:
    """The two strategies' ``metric`` on the replicates where both hired someone and both are finite.

    Aligned by replicate; a replicate where either strategy hired nobody is left out (it
    ran no campaign to compare: :func:`no_hire`).

    Examples
    --------
    >>> from types import SimpleNamespace as R
    >>> rs = [R(strategy="a", replicate=0, metrics={"x": 1.0}), R(strategy="a", replicate=1, metrics={"x": 2.0}),
    ...       R(strategy="b", replicate=1, metrics={"x": 5.0}), R(strategy="b", replicate=0, metrics={"x": 9.0})]
    >>> paired(rs, "b", "a", "x")
    (array([9., 5.]), array([1., 2.]))
    """
    a = {r.replicate: r.metrics.get(metric, math.nan) for r in runs_of(results, strategy) if not hired_nobody(r)}
    b = {r.replicate: r.metrics.get(metric, math.nan) for r in runs_of(results, baseline) if not hired_nobody(r)}
    keys = sorted(k for k in a if k in b and math.isfinite(a[k]) and math.isfinite(b[k]))
    return np.array([a[k] for k in keys], dtype=float), np.array([b[k] for k in keys], dtype=float)


def compare_pair(results, strategy: str, baseline: str, metric: str, level: float = LEVEL) -> Comparison:
    """One paired comparison: mean difference, its interval, win and loss shares.

    Examples
    --------
    >>> from types import SimpleNamespace as R
    >>> rs = [R(strategy=s, replicate=i, metrics={"spend": v}) for s, vs in (("a", [10, 10, 10, 10]),
    ...       ("b", [8, 9, 12, 7])) for i, v in enumerate(vs)]
    >>> c = compare_pair(rs, "b", "a", "spend")
    >>> c.diff.mean, c.win_share, c.loss_share, c.n
    (-1.0, 0.75, 0.25, 4)
    """
    a, b = paired(results, strategy, baseline, metric)
    d = a - b
    n = len(d)
    sign = -1.0 if metric in LOWER_IS_BETTER else 1.0
    win = float(np.mean(sign * d > 0)) if n else math.nan
    loss = float(np.mean(sign * d < 0)) if n else math.nan
    return Comparison(strategy, baseline, metric, interval(d, level=level), win, loss,
                      float(a.mean()) if n else math.nan, float(b.mean()) if n else math.nan)


def compare(results, baseline: str | None = None, metrics: Sequence[str] = KEY_METRICS,
            level: float = LEVEL) -> list[Comparison]:
    """Every other strategy against the baseline (the first strategy or a named one), on ``metrics``.

    Examples
    --------
    >>> from types import SimpleNamespace as R
    >>> rs = [R(strategy=s, replicate=i, metrics={"roi": v + i}) for s, v in (("a", 0.0), ("b", 1.0), ("c", 2.0))
    ...       for i in range(3)]
    >>> [(c.strategy, c.baseline, c.diff.mean) for c in compare(rs, metrics=["roi"])]
    [('b', 'a', 1.0), ('c', 'a', 2.0)]
    """
    base = baseline_of(results, baseline)
    return [compare_pair(results, s, base, m, level) for s in strategies_of(results) if s != base for m in metrics]


# --- wording (numbers are written by sim.format) --------------------------------------------

def _replicates(n: int, word: str = "replicates") -> str:
    return f"{n} {word[:-1] if n == 1 else word}"


# --- verdict lines --------------------------------------------------------------------------

def verdict_line(c: Comparison, spend: tuple[float, float] | None = None, word: str = "replicates") -> str:
    """One plain line stating a comparison (ROI by default), with spend next to it.

    Parameters
    ----------
    c : Comparison
        The paired comparison (usually on ``roi``).
    spend : (float, float), optional
        Mean spend of the strategy and of the baseline, shown after the verdict.
    word : str
        What a replicate stands for: "markets" (a market per replicate) or "replicates".

    Examples
    --------
    >>> c = Comparison("micro", "macro", "roi", Interval(0.41, 0.22, 0.60, 30), 0.87, 0.13, 0.9, 0.49)
    >>> verdict_line(c, (49775.0, 13047.0), "markets")
    'micro vs macro: ROI on gross profit +41 pp [+22 pp, +60 pp], better in 87% of 30 markets; spend $49,775 vs $13,047'
    >>> c = Comparison("micro", "macro", "roi", Interval(0.05, -0.10, 0.20, 10), 0.6, 0.4, 0.5, 0.45)
    >>> verdict_line(c)
    'micro vs macro: ROI on gross profit +5 pp [-10 pp, +20 pp]: not resolved with 10 replicates: run more'
    >>> c = Comparison("micro", "macro", "roi", Interval(0.3, float("nan"), float("nan"), 1), 1.0, 0.0, 0.5, 0.2)
    >>> verdict_line(c)
    'micro vs macro: ROI on gross profit +30 pp: no verdict with 1 replicate'
    """
    value = lambda metric, v: fmt.value(metric, v, diff=True)  # noqa: E731
    interval = lambda metric, d: fmt.interval(metric, d.mean, d.low, d.high, diff=True)  # noqa: E731
    money, percent = fmt.money, fmt.percent
    label = metric_label(c.metric)
    head = f"{c.strategy} vs {c.baseline}: {label}"
    d = c.diff
    if d.n == 0:
        text = f"{head} n/a: no replicate where both hired someone and have a {label}"
    elif not d.has_interval:
        text = f"{head} {value(c.metric, d.mean)}: no verdict with {_replicates(d.n)}"
    else:
        body = f"{head} {interval(c.metric, d)}"
        if d.low == d.high == 0:
            text = f"{body}: no difference in {_replicates(d.n, word)}"
        elif not c.resolved:
            text = f"{body}: not resolved with {_replicates(d.n)}: run more"
        elif c.better:
            text = f"{body}, better in {percent(c.win_share)} of {_replicates(d.n, word)}"
        else:
            text = f"{body}, worse in {percent(c.loss_share)} of {_replicates(d.n, word)}"
    if spend is not None:
        text += f"; spend {money(spend[0])} vs {money(spend[1])}"
    return text


def verdict_lines(results, baseline: str | None = None, scenario=None, metric: str = "roi") -> list[str]:
    """One verdict line per strategy against the baseline, on ``metric`` (ROI on gross profit), with spend.

    Examples
    --------
    >>> from types import SimpleNamespace as R
    >>> rs = [R(strategy=s, replicate=0, metrics={"roi": v, "spend": 10.0}) for s, v in (("a", 0.1), ("b", 0.2))]
    >>> verdict_lines(rs)
    ['b vs a: ROI on gross profit +10 pp: no verdict with 1 replicate; spend $10.00 vs $10.00']
    """
    base = baseline_of(results, baseline)
    word = unit_word(scenario)
    out = []
    for s in strategies_of(results):
        if s == base:
            continue
        c = compare_pair(results, s, base, metric)
        spend = (_nanmean(values(results, s, "spend")), _nanmean(values(results, base, "spend")))
        out.append(verdict_line(c, spend, word))
    return out


# --- money ----------------------------------------------------------------------------------

def _nanmean(x: np.ndarray) -> float:
    x = x[np.isfinite(x)]
    return float(x.mean()) if len(x) else math.nan


def _ran_out(outreach: dict) -> bool:
    """Whether a run's outreach ran out of candidates before its roster was full (not out of time: a warning
    of its own)."""
    return outreach.get("filled") is False and not outreach.get("out_of_time")


def spend_table(results) -> list[dict]:
    """Money per strategy: means over the replicates where it hired someone, and its no-hire replicates.

    Each row: ``strategy``, ``replicates`` (all of them), ``budget``, ``spend`` (with
    ``spend_low``, ``spend_high``: its interval, never above a budget the strategy is held
    to), ``unspent``, ``staff_cost``, ``hired`` (mean creators hired), ``no_hire_replicates``
    (replicates where nobody accepted; left out of the means), ``no_hire_share`` (their
    share), ``ran_out_replicates`` (replicates where candidates ran out before the roster
    was full).

    Examples
    --------
    >>> from types import SimpleNamespace as R
    >>> rs = [R(strategy="m", replicate=i, metrics={"budget": 100.0, "spend": s, "unspent": 100.0 - s,
    ...       "staff_cost": 5.0, "hired": h}, outreach={"filled": f}) for i, (s, h, f) in
    ...       enumerate(((90.0, 3.0, True), (80.0, 1.0, False), (5.0, 0.0, False)))]
    >>> row = spend_table(rs)[0]
    >>> row["spend"], row["hired"], row["no_hire_replicates"], row["no_hire_share"], row["ran_out_replicates"]
    (85.0, 2.0, 1, 0.3333333333333333, 2)
    """
    rows = []
    for s in strategies_of(results):
        runs = runs_of(results, s)
        sp = strategy_interval(results, s, "spend")
        nobody = no_hire(results, s)
        rows.append({
            "strategy": s, "replicates": len(runs), "budget": _nanmean(values(results, s, "budget", no_hire=True)),
            "spend": sp.mean, "spend_low": sp.low, "spend_high": sp.high,
            "unspent": _nanmean(values(results, s, "unspent")), "staff_cost": _nanmean(values(results, s, "staff_cost")),
            "hired": _nanmean(values(results, s, "hired")), "no_hire_replicates": sum(map(hired_nobody, runs)),
            "no_hire_share": nobody.mean,
            "ran_out_replicates": sum(1 for r in runs if _ran_out(getattr(r, "outreach", None) or {})),
        })
    return rows
