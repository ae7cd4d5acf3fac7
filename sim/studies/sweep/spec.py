"""The sweep file: its typed tables, the varied fields, and reading and validating it.

A sweep file (TOML) names a base scenario, the scenario fields to vary and a design::

    [sweep]
    name = "budget"
    scenario = "../micro_vs_macro.toml"  # relative to this file; omitted = the embedded default
    seed = 42                            # the root of every seed of the sweep
    replicates = 5                       # Monte Carlo replicates per point and strategy
    strategies = ["macro", "micro_equal_budget"]  # default: all of the scenario's
    metrics = ["roi", "conversions"]     # what the summary, sensitivity and report show
    baseline = "macro"                   # optional: also analyse (strategy - baseline), paired by replicate

    [overrides]                          # merged into the base scenario as if written in it
    population.size = 20000
    campaign.days = 7
    # run.market = "fixed"               # one market for every run (run.market and run.parameters are the
    # run.parameters = "fixed"           # only run settings taken here; fixed: no replicate draws its own)

    [design]
    kind = "grid"                        # grid | lhs | sobol | morris
    # n = 64                             # lhs: points; sobol: base sample N; morris: trajectories

    [vary."brand.budget"]                # any scenario field by its dotted path
    values = [10000, 50000, 100000]      # grid; or lo, hi (and steps for a grid), log = true

Every error is a :class:`SweepError` (a :class:`~sim.errors.ScenarioError`) naming the
field; every design point's scenario is validated too. The points themselves are drawn by
:mod:`sim.studies.sweep.design`.

Validation is lazy for large designs: each varied field's range (lo and hi, or every
grid value) is checked once; a design of up to :data:`FULL_CHECK` points is checked point
by point when the file is read; a larger one on a sample (:data:`SAMPLE_CHECK` evenly
spread points, the first and the last, and the points where each varied field is at its
smallest and largest), so that reading a Latin hypercube of 1,000,000 points takes
seconds. The other points are validated when first used (:class:`PointScenarios`), all of
them before the sweep starts, with progress (``influsim sweep``; a bad one is the same
one-line error, before the output folder is made).

Examples
--------
>>> sw = parse_sweep({"sweep": {"replicates": 2}, "design": {"kind": "grid"},
...                   "vary": {"brand.budget": {"values": [20000, 60000]}}})
>>> len(sw.points), sw.n_runs, sw.points[1]
(2, 8, {'brand.budget': 60000.0})
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Sequence
import json
import math
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import BaseModel, ValidationError

from sim.errors import ScenarioError
from sim.scenario import Scenario, get_field, read_toml, resolve, with_fields
from sim.scenario.fields import Bool, Float, Int, Section, Str, field
from sim.scenario.files import MAX_FIELD, MAX_REASON, clean_text, one_line, scenario_dict
from sim.studies.results import METRICS
from sim.studies.sweep.design import design_points

SWEEP_VERSION = 1
DESIGNS = ("grid", "lhs", "sobol", "morris")
DEFAULT_METRICS = ("roi", "conversions", "reach", "cost_per_acquisition")
_SPEC_KEYS = ("values", "lo", "hi", "steps", "log")
MAX_POINTS = 1_000_000
FULL_CHECK = 2_000  # designs of up to this many points are validated point by point when read
SAMPLE_CHECK = 500  # a larger design: this many evenly spread points (and its extremes) when read, the rest lazily


class SweepSettings(Section):
    """The ``[sweep]`` table: what to run and summarise."""

    name: Str = field("", "sweep name (default: the file name)", max_length=200)
    description: Str = field("", "what question the sweep answers", max_length=10_000)
    scenario: Str = field("", "base scenario file, relative to the sweep file; empty = the embedded default")
    seed: Int = field(42, "root seed of the sweep (design, populations, replicates)", ge=0, le=2**63 - 1)
    replicates: Int = field(5, "Monte Carlo replicates per point and strategy", ge=1, le=100_000)
    strategies: list[Str] = field([], "strategies to run (default: all of the scenario)")
    metrics: list[Str] = field(list(DEFAULT_METRICS), "metrics to summarise, analyse and plot", min_length=1)
    baseline: Str = field("", "a strategy to compare the others with: the summary, sensitivity and report add "
                              "each metric's paired difference (strategy - baseline)")
    common_random_numbers: Bool = field(False, "the same replicate seeds at every point (less noise between points; "
                                               "points are then not independent)")


class Design(Section):
    """The ``[design]`` table: the design of experiments."""

    kind: Literal["grid", "lhs", "sobol", "morris"] = field("grid", "design")
    n: Int = field(0, "lhs: number of points; sobol: base sample N (a power of 2; N(D+2) points); morris: number "
                      "of trajectories (N(D+1) points)", ge=0, le=MAX_POINTS)
    second_order: Bool = field(False, "sobol: also second-order indices (N(2D+2) points)")
    levels: Int = field(4, "morris: grid levels", ge=2, le=100)
    conf_level: Float = field(0.95, "confidence level of the sensitivity intervals", ge=0.5, le=0.999)
    resamples: Int = field(200, "bootstrap resamples of the sensitivity intervals", ge=10, le=100_000)
    nan_policy: Literal["skip", "mean"] = field("skip", "sensitivity of a metric that is not finite at some points "
                                                        "(e.g. ROI when every offer was refused): skip it, or fill "
                                                        "those points with the mean of the others (noted in the "
                                                        "output)")


class SweepError(ScenarioError):
    """A sweep file field is invalid (names the field, like every scenario error).

    Control characters are escaped and long text cut, so the message stays one short line.
    """

    def __init__(self, field: str, reason: str):
        super().__init__(clean_text(field, MAX_FIELD), clean_text(reason, MAX_REASON))


class PointScenarios(Sequence):
    """The resolved scenario of each design point, validated when first asked for, and kept.

    A point whose scenario is invalid raises :class:`SweepError` naming the field and the
    point. ``influsim sweep`` asks for every point before it starts, with progress.

    Examples
    --------
    >>> from sim.scenario import default_scenario
    >>> sc = PointScenarios(default_scenario(), [{"brand.budget": 1.0}, {"brand.budget": -1.0}])
    >>> len(sc), sc[0].brand.budget
    (2, 1.0)
    >>> sc[1]
    Traceback (most recent call last):
    ...
    sim.studies.sweep.spec.SweepError: brand.budget: must be >= 0, got -1 (design point 1: brand.budget=-1.0)
    """

    def __init__(self, base: Scenario, points: list[dict]):
        self.base, self.points = base, points
        self._kept: dict = {}

    def __len__(self) -> int:
        return len(self.points)

    def __getitem__(self, k):
        if isinstance(k, slice):
            return [self[i] for i in range(*k.indices(len(self)))]
        k = range(len(self.points))[k]
        sc = self._kept.get(k)
        if sc is None:
            sc = self._kept[k] = _point_scenario(self.base, self.points[k], k)
        return sc

    def __iter__(self):
        return (self[k] for k in range(len(self)))

    def __eq__(self, other) -> bool:
        if isinstance(other, PointScenarios):
            return self.base == other.base and self.points == other.points
        return list(self) == other

    @property
    def checked(self) -> int:
        """How many points have been validated."""
        return len(self._kept)

    def check_sample(self, unit=None) -> None:
        """Validate every point of a small design; of a large one, a sample and each field's extremes."""
        n = len(self.points)
        if n <= FULL_CHECK:
            for k in range(n):
                self[k]
            return
        picks = set(np.linspace(0, n - 1, SAMPLE_CHECK).round().astype(int).tolist())
        if unit is not None and len(unit):
            picks.update(np.argmin(unit, axis=0).tolist() + np.argmax(unit, axis=0).tolist())
        for k in sorted(picks):
            self[k]


def _point_scenario(base: Scenario, point: dict, k: int) -> Scenario:
    try:
        return with_fields(base, point)
    except ScenarioError as exc:
        shown = ", ".join(f"{p}={v!r}" for p, v in point.items())
        raise SweepError(exc.field, f"{exc.reason} (design point {k}: {shown})") from None


@dataclass
class Vary:
    """One varied scenario field."""

    path: str
    type: type  # float, int, bool or str: the scenario field's type
    values: list | None = None  # grid values
    lo: float | None = None
    hi: float | None = None
    log: bool = False

    @property
    def label(self) -> str:
        return self.path

    def from_unit(self, u: np.ndarray) -> list:
        """Map unit-interval samples onto [lo, hi] (log scale if asked; rounded for integer fields).

        Examples
        --------
        >>> Vary("strategies.micro_equal_budget.count", int, lo=1, hi=9).from_unit([0.0, 0.49, 1.0])
        [1, 5, 9]
        """
        u = np.asarray(u, dtype=float)
        if self.log:
            x = np.exp(math.log(self.lo) + u * (math.log(self.hi) - math.log(self.lo)))  # type: ignore[arg-type]  # a range has lo, hi
        else:
            x = self.lo + u * (self.hi - self.lo)  # type: ignore[operator]  # a range has lo and hi
        x = np.clip(x, self.lo, self.hi)
        if self.type is int:
            return np.rint(x).astype(np.int64).tolist()  # round half to even, as round() does
        return x.tolist()

    def to_dict(self) -> dict:
        return {"path": self.path, "type": self.type.__name__, "values": self.values, "lo": self.lo, "hi": self.hi,
                "log": self.log}


@dataclass
class Sweep:
    """A validated sweep: base scenario, varied fields, design points and run settings."""

    name: str
    description: str
    base: Scenario  # resolved base scenario (overrides applied, run.seed = seed)
    vary: list[Vary]
    design: Design
    seed: int
    replicates: int
    strategies: list[str]
    metrics: list[str]
    crn: bool
    baseline: str
    points: list[dict]  # one {path: value} per design point
    unit: np.ndarray | None = None  # unit-hypercube design (lhs, sobol, morris)
    scenarios: Sequence = dataclass_field(default_factory=list, repr=False)  # resolved scenario of each point
    # (a PointScenarios: validated lazily, see the module's docstring)
    source: str = ""  # the sweep file's text

    @property
    def n_runs(self) -> int:
        return len(self.points) * len(self.strategies) * self.replicates

    @property
    def names(self) -> list[str]:
        return [v.path for v in self.vary]

    def identity(self) -> str:
        """Hash of everything that decides the runs' results (not names, descriptions or metrics).

        A store created by one sweep refuses the runs of a sweep with another hash.
        """
        doc = {"version": SWEEP_VERSION, "base": scenario_dict(self.base), "vary": [v.to_dict() for v in self.vary],
               "design": self.design.model_dump(include={"kind", "n", "second_order", "levels"}),
               "seed": self.seed, "replicates": self.replicates, "strategies": self.strategies, "crn": self.crn,
               "points": self.points}
        return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()

    def run_order(self, shared_market: bool) -> tuple[np.ndarray, np.ndarray]:
        """(points, replicates): the (point, replicate) of each run in the order runs go out (strategies innermost).

        A process keeps the market it drew last, and the strategies of a (point, replicate)
        share its seed and so its market: they go out together. With common random numbers
        and one market for every point (``shared_market``: no varied field shapes the
        market), a replicate's market is the same at every point, so the points of a
        replicate go out together too (replicate outermost); otherwise point outermost.
        :func:`sim.studies.sweep.sweep_tasks` runs in this order and
        :func:`sim.studies.resources.sweep_estimate` counts the markets it builds from it.

        Examples
        --------
        >>> sw = parse_sweep({"vary": {"brand.budget": [20000, 60000]}, "sweep": {"replicates": 2}})
        >>> [tuple(a.tolist()) for a in sw.run_order(shared_market=True)]
        [(0, 0, 1, 1), (0, 1, 0, 1)]
        """
        n_points, reps = len(self.points), self.replicates
        if self.crn and shared_market:
            return np.tile(np.arange(n_points), reps), np.repeat(np.arange(reps), n_points)
        return np.repeat(np.arange(n_points), reps), np.tile(np.arange(reps), n_points)

    def run_seed(self, point: int, replicate: int) -> np.random.SeedSequence:
        """The seed of run (point, replicate), shared by the strategies of that run.

        ``SeedSequence(seed, spawn_key=(1, point, replicate))``, or ``(4, replicate)`` at
        every point with ``common_random_numbers`` (see :mod:`sim.studies.sweep`).

        Examples
        --------
        >>> sw = parse_sweep({"vary": {"brand.budget": [20000, 60000]}, "sweep": {"seed": 3}})
        >>> sw.run_seed(1, 0).spawn_key
        (1, 1, 0)
        """
        key = (4, replicate) if self.crn else (1, point, replicate)
        return np.random.SeedSequence(self.seed, spawn_key=key)


# -- reading and validating ---------------------------------------------------------------------------
def load_sweep(path: str | Path) -> Sweep:
    """Read and validate a sweep file; every design point's scenario is validated too.

    Raises :class:`SweepError` (a :class:`~sim.errors.ScenarioError`) naming the bad field.
    """
    p = Path(path)
    raw, text = read_toml(p, "sweep", SweepError)
    return parse_sweep(raw, base_dir=p.parent, default_name=p.stem, source=text)


def parse_sweep(raw: dict, base_dir: str | Path | None = None, default_name: str = "sweep",
                source: str = "") -> Sweep:
    """Validate a sweep given as a mapping (a parsed sweep file).

    Examples
    --------
    >>> parse_sweep({"vary": {"brand.budgett": [1, 2]}})
    Traceback (most recent call last):
    ...
    sim.studies.sweep.spec.SweepError: vary."brand.budgett": no such scenario field
    """
    base_dir = Path(base_dir) if base_dir is not None else Path.cwd()
    if not isinstance(raw, dict):
        raise SweepError("sweep", "expected a table")
    for key in raw:
        if key not in ("sweep", "overrides", "design", "vary"):
            raise SweepError(key, "unknown key (known keys: design, overrides, sweep, vary)")
    sw = _check(SweepSettings, "sweep", raw.get("sweep", {}))
    design = _check(Design, "design", raw.get("design", {}))
    overrides = _expand(raw.get("overrides", {}), "overrides")
    run_keys = overrides.get("run", {}) if isinstance(overrides.get("run", {}), dict) else {"": None}
    for key in run_keys:
        if key not in ("market", "parameters"):  # the seed, replicates and baseline are the sweep's
            raise SweepError(f"overrides.run.{key}".rstrip("."), "set the seed, replicates and baseline in [sweep] "
                                                                "(sweep.seed, ...); overrides.run takes only market "
                                                                "and parameters")

    base = _base_scenario(sw.scenario, base_dir, overrides, sw.seed, sw.replicates)

    strategies = sw.strategies or list(base.strategies)
    for i, name in enumerate(strategies):
        if name not in base.strategies:
            raise SweepError(f"sweep.strategies[{i}]", f"no strategy {name!r} in the scenario "
                                                        f"(strategies: {', '.join(base.strategies)})")
    if sw.baseline and sw.baseline not in strategies:
        raise SweepError("sweep.baseline", f"{sw.baseline!r} is not one of the sweep's strategies "
                                           f"({', '.join(strategies)})")
    for i, m in enumerate(sw.metrics):
        if m not in METRICS:
            raise SweepError(f"sweep.metrics[{i}]", f"unknown metric {m!r} (metrics: {', '.join(METRICS)})")

    vary_raw = raw.get("vary")
    if not isinstance(vary_raw, dict) or not vary_raw:
        raise SweepError("vary", "name at least one scenario field to vary, e.g. [vary.\"brand.budget\"]")
    vary = [_vary(path, spec, base, design.kind) for path, spec in _flatten_vary(vary_raw).items()]
    if len({v.path for v in vary}) != len(vary):
        raise SweepError("vary", "a field is listed twice")

    _check_design(design, raw.get("design", {}), len(vary))
    points, unit = design_points(vary, design, sw.seed)
    if len(points) > MAX_POINTS:
        raise SweepError("design", f"{len(points):,} points is more than {MAX_POINTS:,}")
    scenarios = PointScenarios(base, points)
    scenarios.check_sample(unit)  # every point of a small design; a sample of a large one (the rest lazily)
    return Sweep(name=sw.name or default_name, description=sw.description, base=base, vary=vary,
                 design=design, seed=sw.seed, replicates=sw.replicates, strategies=strategies,
                 metrics=sw.metrics, crn=sw.common_random_numbers, baseline=sw.baseline, points=points, unit=unit,
                 scenarios=scenarios, source=source)


def _check(model: type[BaseModel], path: str, value):
    if not isinstance(value, dict):
        raise SweepError(path, "expected a table")
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        err = one_line(exc)
        raise SweepError(f"{path}.{err.field}" if err.field != "scenario" else path, err.reason) from None


def _check_design(design: Design, raw_design: dict, d: int) -> None:
    """The design's settings fit its kind and the number ``d`` of varied fields."""
    kind, n = design.kind, design.n
    if kind != "sobol" and "second_order" in raw_design:
        raise SweepError("design.second_order", "only for sobol designs")
    if kind != "morris" and "levels" in raw_design:
        raise SweepError("design.levels", "only for morris designs")
    if kind == "grid" and "n" in raw_design:
        raise SweepError("design.n", "a grid's size is set by the values of each varied field")
    if kind == "lhs" and n < 2:
        raise SweepError("design.n", "a Latin hypercube needs n >= 2 points")
    if kind == "sobol" and (n < 2 or n & (n - 1)):
        raise SweepError("design.n", f"a Sobol' design needs a base sample N that is a power of 2 (e.g. 64), got {n}")
    if kind == "morris":
        if n < 2:
            raise SweepError("design.n", "a Morris design needs n >= 2 trajectories")
        if d < 2:
            raise SweepError("vary", "a Morris design needs at least two varied fields")


def _expand(tree, path: str) -> dict:
    """Nest dotted keys (``"population.size" = 1`` is ``population.size = 1``)."""
    if not isinstance(tree, dict):
        raise SweepError(path, "expected a table")
    out: dict = {}
    for key, value in tree.items():
        parts = key.split(".")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise SweepError(f"{path}.{key}", "conflicts with another override")
        if isinstance(value, dict):
            value = _expand(value, f"{path}.{key}")
            if isinstance(node.get(parts[-1]), dict):
                value = _merge(node[parts[-1]], value)
        node[parts[-1]] = value
    return out


def _merge(a: dict, b: dict) -> dict:
    out = copy.deepcopy(a)
    for k, v in b.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else copy.deepcopy(v)
    return out


def _base_scenario(file: str, base_dir: Path, overrides: dict, seed: int, replicates: int) -> Scenario:
    if file:
        p = Path(file) if Path(file).is_absolute() else base_dir / file
        raw = read_toml(p, "sweep.scenario", SweepError)[0]
        scen_dir = p.parent
    else:
        raw, scen_dir = {}, base_dir
    raw = _merge(raw, overrides)
    raw.setdefault("run", {})
    if not isinstance(raw["run"], dict):
        raise SweepError("run", "expected a table")
    raw["run"] = {**raw["run"], "seed": seed, "replicates": replicates}
    try:
        return resolve(raw, base_dir=scen_dir)
    except ScenarioError as exc:
        where = "overrides" if overrides else "sweep.scenario"
        raise SweepError(exc.field, f"{exc.reason} (base scenario with {where})") from None


def _flatten_vary(tree: dict, prefix: str = "") -> dict:
    """``{"brand.budget": spec}`` from either ``[vary."brand.budget"]`` or ``[vary.brand.budget]``."""
    out = {}
    for key, value in tree.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, list):
            out[path] = {"values": value}
        elif isinstance(value, dict) and any(k in value for k in _SPEC_KEYS):
            out[path] = value
        elif isinstance(value, dict) and value:
            out.update(_flatten_vary(value, path))
        else:
            raise SweepError(f'vary."{path}"', "expected a table with values, or lo and hi, or a list of values")
    return out


def _vary(path: str, spec: dict, base: Scenario, kind: str) -> Vary:
    name = f'vary."{path}"'
    if path.split(".")[0] == "run":
        raise SweepError(name, "run settings cannot be varied (use sweep.seed and sweep.replicates)")
    try:
        current = get_field(base, path)
    except ScenarioError:
        raise SweepError(name, "no such scenario field") from None
    if isinstance(current, (dict, list, BaseModel)):
        raise SweepError(name, f"is a {'list' if isinstance(current, list) else 'table'}; vary one value at a time")
    typ = type(current)
    for key in spec:
        if key not in _SPEC_KEYS:
            raise SweepError(f"{name}.{key}", f"unknown key (known keys: {', '.join(_SPEC_KEYS)})")
    v = Vary(path, typ)
    if "log" in spec:
        if not isinstance(spec["log"], bool):
            raise SweepError(f"{name}.log", "expected true or false")
        v.log = spec["log"]
    if "values" in spec:
        if kind != "grid":
            raise SweepError(f"{name}.values", f"a {kind} design samples between lo and hi; values are for grids")
        if any(k in spec for k in ("lo", "hi", "steps", "log")):
            raise SweepError(name, "give either values or lo, hi (and steps)")
        vals = spec["values"]
        if not isinstance(vals, list) or not vals:
            raise SweepError(f"{name}.values", "expected a non-empty list")
        out = []
        for i, x in enumerate(vals):
            try:
                out.append(get_field(with_fields(base, {path: x}), path))
            except ScenarioError as exc:
                raise SweepError(f"{name}.values[{i}]", exc.reason) from None
        if len(set(map(repr, out))) != len(out):
            raise SweepError(f"{name}.values", "values must be unique")
        v.values = out
        return v
    if typ not in (int, float):
        raise SweepError(name, f"is a {typ.__name__} field: give a list of values (grid designs)")
    for key in ("lo", "hi"):
        if key not in spec:
            raise SweepError(f"{name}.{key}", "missing (a range needs lo and hi)")
        x = spec[key]
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
            raise SweepError(f"{name}.{key}", "expected a finite number")
        try:
            with_fields(base, {path: typ(x) if typ is float else x})
        except ScenarioError as exc:
            raise SweepError(f"{name}.{key}", exc.reason) from None
    v.lo, v.hi = float(spec["lo"]), float(spec["hi"])
    if not v.lo < v.hi:
        raise SweepError(f"{name}.hi", f"must be greater than lo ({v.lo:g}), got {v.hi:g}")
    if typ is int and (v.lo != int(v.lo) or v.hi != int(v.hi)):
        raise SweepError(name, "lo and hi of an integer field must be integers")
    if v.log and v.lo <= 0:
        raise SweepError(f"{name}.lo", "must be > 0 on a log scale")
    if kind == "grid":
        steps = spec.get("steps")
        if isinstance(steps, bool) or not isinstance(steps, int) or steps < 2:
            raise SweepError(f"{name}.steps", "a grid over lo..hi needs steps, an integer >= 2")
        v.values = list(dict.fromkeys(v.from_unit(np.linspace(0.0, 1.0, steps))))
    elif "steps" in spec:
        raise SweepError(f"{name}.steps", f"steps are for grids; a {kind} design sets its size with design.n")
    return v
