"""What-if sweeps: a sweep file, its design points, and runs on any executor into a crash-safe store.

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

    [design]
    kind = "grid"                        # grid | lhs | sobol | morris
    # n = 64                             # lhs: points; sobol: base sample N; morris: trajectories

    [vary."brand.budget"]                # any scenario field by its dotted path
    values = [10000, 50000, 100000]      # grid; or lo, hi (and steps for a grid), log = true

Seeds: every point uses ``run.seed = sweep.seed``, so points that differ only in
non-population fields share the same people, network and influencer pool. Run
``(point p, replicate r)`` uses ``SeedSequence(seed, spawn_key=(1, p, r))``, which is
``SeedSequence(seed).spawn(2)[1].spawn(n_points)[p].spawn(replicates)[r]`` (all strategies
of a point and replicate share it: common random numbers). With
``common_random_numbers = true`` every point uses ``(4, r)`` instead. The design is drawn
from ``(2,)`` and the bootstrap of the sensitivity intervals from ``(3,)``. Nothing depends
on the executor, the number of workers or the order in which runs finish.

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
import json
import math
import multiprocessing
import os
import platform
import signal
import sys
import threading
import time
import traceback
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Executor, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Literal
from importlib import metadata
from pathlib import Path

import numpy as np

from sim.errors import InfluSimError, ScenarioError
from sim.studies.results import METRICS, mean_ci
from sim.scenario import get_field, read_toml, resolve, with_fields
from sim.scenario.files import fingerprint, one_line, scenario_dict
from pydantic import BaseModel, ValidationError
from sim.scenario.fields import Bool, Float, Int, Section, Str, field
from sim.studies.store import ResultStore, write_csv, write_parquet

SWEEP_VERSION = 1
DESIGNS = ("grid", "lhs", "sobol", "morris")
DEFAULT_METRICS = ("roi", "conversions", "reach", "cost_per_acquisition")
_SPEC_KEYS = ("values", "lo", "hi", "steps", "log")
MAX_POINTS = 1_000_000

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
    """A sweep file field is invalid (names the field, like every scenario error)."""


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
        """Map unit-interval samples onto [lo, hi] (log scale if asked; rounded for integer fields)."""
        u = np.asarray(u, dtype=float)
        if self.log:
            x = np.exp(math.log(self.lo) + u * (math.log(self.hi) - math.log(self.lo)))
        else:
            x = self.lo + u * (self.hi - self.lo)
        x = np.clip(x, self.lo, self.hi)
        if self.type is int:
            return [int(round(v)) for v in x]
        return [float(v) for v in x]

    def to_dict(self) -> dict:
        return {"path": self.path, "type": self.type.__name__, "values": self.values, "lo": self.lo, "hi": self.hi,
                "log": self.log}


@dataclass
class Sweep:
    """A validated sweep: base scenario, varied fields, design points and run settings."""

    name: str
    description: str
    base: dict  # resolved base scenario (overrides applied, run.seed = seed)
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
    scenarios: list = dataclass_field(default_factory=list, repr=False)  # resolved scenario of each point
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

    def run_seed(self, point: int, replicate: int) -> np.random.SeedSequence:
        """The seed of run (point, replicate), shared by the strategies of that run.

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
    sim.studies.sweep.SweepError: vary."brand.budgett": no such scenario field
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
    if "run" in overrides:
        raise SweepError("overrides.run", "set the seed and replicates in [sweep] (sweep.seed, sweep.replicates)")

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

    points, unit = _design_points(vary, design, raw.get("design", {}), sw.seed)
    if len(points) > MAX_POINTS:
        raise SweepError("design", f"{len(points):,} points is more than {MAX_POINTS:,}")
    scenarios = []
    for k, pt in enumerate(points):
        try:
            scenarios.append(with_fields(base, pt))
        except ScenarioError as exc:
            shown = ", ".join(f"{p}={v!r}" for p, v in pt.items())
            raise SweepError(exc.field, f"{exc.reason} (design point {k}: {shown})") from None
    return Sweep(name=sw.name or default_name, description=sw.description, base=base, vary=vary,
                 design=design, seed=sw.seed, replicates=sw.replicates, strategies=strategies,
                 metrics=sw.metrics, crn=sw.common_random_numbers, baseline=sw.baseline, points=points, unit=unit,
                 scenarios=scenarios, source=source)


def _check(model: type, path: str, value):
    if not isinstance(value, dict):
        raise SweepError(path, "expected a table")
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        err = one_line(exc)
        raise SweepError(f"{path}.{err.field}" if err.field != "scenario" else path, err.reason) from None


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


def _base_scenario(file: str, base_dir: Path, overrides: dict, seed: int, replicates: int) -> dict:
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


def _vary(path: str, spec: dict, base: dict, kind: str) -> Vary:
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


def _design_points(vary: list[Vary], design: dict, raw_design: dict, seed: int) -> tuple[list[dict], np.ndarray | None]:
    kind, n, d = design.kind, design.n, len(vary)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2,)))
    names = [v.path for v in vary]
    if kind != "sobol" and "second_order" in raw_design:
        raise SweepError("design.second_order", "only for sobol designs")
    if kind != "morris" and "levels" in raw_design:
        raise SweepError("design.levels", "only for morris designs")
    if kind == "grid":
        if "n" in raw_design:
            raise SweepError("design.n", "a grid's size is set by the values of each varied field")
        idx = np.indices([len(v.values) for v in vary]).reshape(d, -1).T  # first field varies slowest
        return [{names[j]: vary[j].values[i[j]] for j in range(d)} for i in idx], None
    from sim.studies import sensitivity

    if kind == "lhs":
        if n < 2:
            raise SweepError("design.n", "a Latin hypercube needs n >= 2 points")
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d, rng=rng).random(n)
    elif kind == "sobol":
        if n < 2 or n & (n - 1):
            raise SweepError("design.n", f"a Sobol' design needs a base sample N that is a power of 2 "
                                         f"(e.g. 64), got {n}")
        unit = sensitivity.sobol_sample(d, n, design.second_order, seed=_int_seed(rng))
    else:
        if n < 2:
            raise SweepError("design.n", "a Morris design needs n >= 2 trajectories")
        if d < 2:
            raise SweepError("vary", "a Morris design needs at least two varied fields")
        unit = sensitivity.morris_sample(d, n, design.levels, seed=_int_seed(rng))
    cols = [v.from_unit(unit[:, j]) for j, v in enumerate(vary)]
    return [{names[j]: cols[j][i] for j in range(d)} for i in range(len(unit))], unit


def _int_seed(rng: np.random.Generator) -> int:
    return int(rng.integers(0, 2**31 - 1))


# -- tasks ---------------------------------------------------------------------------------------------
def sweep_tasks(sw: Sweep, skip=frozenset()) -> list[tuple]:
    """One task per (point, strategy, replicate) not in ``skip``, point-major.

    A task is ``(point, strategy, replicate, scenario, seed, cache_population)``.
    """
    shared_population = len({_pop_key(sc) for sc in sw.scenarios}) == 1
    out = []
    for p, sc in enumerate(sw.scenarios):
        for name in sw.strategies:
            for r in range(sw.replicates):
                if (p, name, r) not in skip:
                    out.append((p, name, r, sc, sw.run_seed(p, r), shared_population))
    return out


def _pop_key(sc: dict) -> str:
    from sim.world.population import population_key

    return population_key(sc)




def run_point(task: tuple) -> dict:
    """Run one (point, strategy, replicate) and return its metrics, or the error that stopped it.

    Module-level so that process pools and Dask can ship it; a model exception is
    caught and returned (a failed run), never raised.

    Examples
    --------
    >>> sw = parse_sweep({"overrides": {"population": {"size": 2000, "represents": 1000}, "campaign.days": 2},
    ...                   "vary": {"brand.budget": [30000]}, "sweep": {"replicates": 1}})
    >>> out = run_point(sweep_tasks(sw)[0])
    >>> out["strategy"], out["error"], out["metrics"]["influencers"]
    ('macro', None, 1.0)
    """
    point, name, rep, sc, seed, cache_population = task
    t0 = time.perf_counter()
    try:
        metrics = _simulate(sc, name, seed, cache_population)
        error = None
    except Exception as exc:  # a failed run is data, not the end of the sweep
        metrics = None
        error = "".join(traceback.format_exception(exc)[-6:]).strip()
    return {"point": point, "strategy": name, "replicate": rep, "metrics": metrics, "error": error,
            "seconds": time.perf_counter() - t0}


def _simulate(sc, name: str, seed, cache_population: bool) -> dict:
    """One run of the sweep, through the one replicate path. A market shared by every point
    goes to the on-disk cache; markets that differ from point to point stay in memory."""
    from sim.studies.replicate import run_replicate
    from sim.world import population

    with population.disk_cache(cache_population):
        result = run_replicate(sc, name, seed)
    return {k: float(v) for k, v in result.metrics.items()}


# -- executors -----------------------------------------------------------------------------------------
class _Inline(Executor):
    """Runs each task in this process when submitted (``--workers 1``)."""

    def submit(self, fn, /, *args, **kwargs):
        fut = Future()
        try:
            fut.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # noqa: BLE001 - handed to the caller through the future
            if isinstance(exc, KeyboardInterrupt):
                raise
            fut.set_exception(exc)
        return fut


def make_executor(workers: int | None = None, scheduler: str | None = None):
    """The executor of a sweep: ``(executor, slots, description, close)``.

    With a scheduler address (or ``DASK_SCHEDULER_ADDRESS``) a Dask cluster's executor;
    otherwise a local process pool of ``workers`` processes (this process when 1).
    ``slots`` is how many runs to keep in flight.
    """
    address = scheduler or os.environ.get("DASK_SCHEDULER_ADDRESS")
    if address:
        client = dask_client(address)
        threads = sum(client.nthreads().values()) or 1
        return (client.get_executor(), max(8, 2 * threads),
                f"Dask scheduler {address} ({len(client.nthreads())} workers, {threads} threads)", client.close)
    n = workers or os.cpu_count() or 1
    if n == 1:
        return _Inline(), 1, "1 worker (this process)", lambda: None
    # spawn, not fork: workers must not inherit the store's lock (a worker orphaned by kill -9 would hold
    # it) nor the threads of this process
    ex = ProcessPoolExecutor(max_workers=n, mp_context=multiprocessing.get_context("spawn"),
                             initializer=_worker_init, initargs=(os.getpid(),))
    return ex, 2 * n, f"{n} local worker processes", lambda: ex.shutdown(wait=False, cancel_futures=True)


def _worker_init(parent: int) -> None:
    # Ctrl-C is the driver's to handle: it stops submitting, keeps what finished, and exits;
    # workers finish their current run quietly instead of printing tracebacks
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def orphaned() -> None:  # a driver killed with -9 cannot stop its workers: they stop themselves
        while os.getppid() == parent:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=orphaned, daemon=True).start()


def dask_client(address: str):
    """A ``distributed.Client`` for ``address``; a clear one-line error if Dask is missing or unreachable."""
    try:
        from distributed import Client
    except ImportError:
        raise InfluSimError("running on a Dask cluster needs Dask: pip install 'influsim[dask]' "
                            "(or pip install 'dask[distributed]')") from None
    try:
        return Client(address, timeout="20s")
    except (OSError, TimeoutError) as exc:
        raise InfluSimError(f"cannot reach the Dask scheduler at {address} ({exc})") from None


# -- running -------------------------------------------------------------------------------------------
@dataclass
class SweepOutcome:
    """What a call of :func:`run_sweep` did."""

    total: int  # runs of the sweep
    skipped: int  # already in the store
    ran: int  # finished now (ok or failed)
    failed: int  # failed runs in the store after this call
    seconds: float
    first_error: str | None = None


def run_sweep(sw: Sweep, out: str | Path, executor: Executor | None = None, slots: int | None = None,
              progress: bool = True) -> SweepOutcome:
    """Run the sweep's missing runs into the store ``out/runs.sqlite``, recording each as it finishes.

    Successful runs already in the store are skipped; failed ones are retried.
    ``executor`` is any ``concurrent.futures.Executor`` (default: this process).

    Examples
    --------
    >>> import tempfile
    >>> sw = parse_sweep({"overrides": {"population": {"size": 2000, "represents": 1000}, "campaign.days": 2},
    ...                   "vary": {"brand.budget": [30000, 60000]}, "sweep": {"replicates": 1}})
    >>> d = tempfile.mkdtemp()
    >>> o = run_sweep(sw, d, progress=False); (o.total, o.ran, o.failed)
    (4, 4, 0)
    >>> run_sweep(sw, d, progress=False).skipped
    4
    """
    from tqdm import tqdm

    out = Path(out)
    t0 = time.perf_counter()
    with ResultStore(out / "runs.sqlite", sw.identity(), {"name": sw.name, "sweep_file": sw.source}) as store:
        done = store.done()
        tasks = sweep_tasks(sw, done)
        if tasks and tasks[0][5]:
            from sim.world.population import build_population

            build_population(sw.scenarios[0])  # once here, so that workers load it from the cache
        executor = executor or _Inline()
        slots = slots or 1
        n_failed = 0
        first_error = None
        bar = tqdm(total=sw.n_runs, initial=sw.n_runs - len(tasks), desc=sw.name, unit="run",
                   disable=(not progress) or None, file=sys.stderr, dynamic_ncols=True)
        bar.set_postfix(failed=0)
        pending: dict = {}
        todo = iter(tasks)
        try:
            while True:
                while len(pending) < slots:
                    t = next(todo, None)
                    if t is None:
                        break
                    pending[executor.submit(run_point, t)] = t
                if not pending:
                    break
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for fut in sorted(finished, key=lambda f: pending[f][:3]):
                    t = pending.pop(fut)
                    try:
                        res = fut.result()
                    except BrokenExecutor as exc:
                        raise InfluSimError(f"the worker pool died ({exc}); finished runs are saved: rerun the "
                                            "same command to resume") from None
                    except Exception as exc:  # e.g. a Dask worker killed while running this task
                        res = {"point": t[0], "strategy": t[1], "replicate": t[2], "metrics": None,
                               "error": f"{type(exc).__name__}: {exc}", "seconds": None}
                    store.record(res["point"], res["strategy"], res["replicate"], res["metrics"], res["error"],
                                 res["seconds"])
                    if res["error"] is not None:
                        n_failed += 1
                        first_error = first_error or res["error"].splitlines()[-1]
                        bar.set_postfix(failed=n_failed, refresh=False)
                    bar.update(1)
        finally:
            bar.close()
            for fut in pending:
                fut.cancel()
        counts = store.counts()
    return SweepOutcome(sw.n_runs, sw.n_runs - len(tasks), len(tasks), counts["failed"], time.perf_counter() - t0,
                        first_error)


# -- results -------------------------------------------------------------------------------------------
def load_results(sw: Sweep, out: str | Path) -> list[dict]:
    """The runs of the sweep in the store, ordered by (point, strategy, replicate)."""
    with ResultStore(Path(out) / "runs.sqlite", sw.identity()) as store:
        return store.rows()


def run_rows(sw: Sweep, rows: list[dict]) -> tuple[list[dict], list[str]]:
    """Flat rows for runs.csv: key, status, varied values, every metric, error."""
    cols = ["point", "strategy", "replicate", "status", *sw.names, *METRICS, "error"]
    flat = []
    for r in rows:
        flat.append({"point": r["point"], "strategy": r["strategy"], "replicate": r["replicate"],
                     "status": r["status"], **sw.points[r["point"]],
                     **{m: r["metrics"].get(m) for m in METRICS}, "error": r["error"]})
    return flat, cols


def summarize_sweep(sw: Sweep, rows: list[dict]) -> list[dict]:
    """Mean and 95% interval over replicates of each metric, per point and strategy.

    Each row: ``point``, the varied values, ``strategy``, ``n_ok``, ``n_failed`` and
    ``{metric}_mean``, ``{metric}_ci_low``, ``{metric}_ci_high`` for the sweep's metrics.
    With a baseline, the other strategies' rows also have ``{metric}_diff_mean`` (and
    ``_ci_low``, ``_ci_high``): the mean of ``strategy - baseline`` over the replicates
    where both succeeded (paired: they share the replicate's seed).
    """
    by = {}
    for r in rows:
        by.setdefault((r["point"], r["strategy"]), []).append(r)
    out = []
    for p, pt in enumerate(sw.points):
        base_ok = {r["replicate"]: r for r in by.get((p, sw.baseline), []) if r["status"] == "ok"}
        for name in sw.strategies:
            runs = by.get((p, name), [])
            ok = [r for r in runs if r["status"] == "ok"]
            row = {"point": p, **pt, "strategy": name, "n_ok": len(ok), "n_failed": len(runs) - len(ok)}
            for m in sw.metrics:
                mean, lo, hi, _ = mean_ci([r["metrics"][m] for r in ok])
                row[f"{m}_mean"], row[f"{m}_ci_low"], row[f"{m}_ci_high"] = mean, lo, hi
            if sw.baseline and name != sw.baseline:
                pairs = [(r, base_ok[r["replicate"]]) for r in ok if r["replicate"] in base_ok]
                for m in sw.metrics:
                    mean, lo, hi, _ = mean_ci([a["metrics"][m] - b["metrics"][m] for a, b in pairs])
                    row[f"{m}_diff_mean"], row[f"{m}_diff_ci_low"], row[f"{m}_diff_ci_high"] = mean, lo, hi
            out.append(row)
    return out


def summary_columns(sw: Sweep) -> list[str]:
    cols = ["point", *sw.names, "strategy", "n_ok", "n_failed",
            *(f"{m}_{s}" for m in sw.metrics for s in ("mean", "ci_low", "ci_high"))]
    if sw.baseline:
        cols += [f"{m}_diff_{s}" for m in sw.metrics for s in ("mean", "ci_low", "ci_high")]
    return cols


def sensitivity_rows(sw: Sweep, summary: list[dict]) -> tuple[list[dict], list[str]]:
    """Sensitivity indices per strategy and metric (Sobol', Morris, or RBD-FAST S1 for a Latin hypercube).

    Replicates are averaged per point first. A (strategy, metric) with a point lacking a
    finite mean (no successful run, or e.g. no buyer for cost per acquisition) is skipped
    with a note, since the estimators need every point of the design.
    """
    kind = sw.design.kind
    if kind == "grid":
        return [], []
    from sim.studies import sensitivity

    conf, resamples = sw.design.conf_level, sw.design.resamples
    seed = int(np.random.SeedSequence(sw.seed, spawn_key=(3,)).generate_state(1)[0] % (2**31 - 1))
    out, notes = [], []
    series = [(name, name, "") for name in sw.strategies]
    if sw.baseline:  # also: what decides whether a strategy beats the baseline
        series += [(name, f"{name} - {sw.baseline}", "_diff") for name in sw.strategies if name != sw.baseline]
    for name, label, suffix in series:
        rows = [r for r in summary if r["strategy"] == name]
        for m in sw.metrics:
            y = np.array([r.get(f"{m}{suffix}_mean", math.nan) for r in rows], dtype=float)
            bad = int((~np.isfinite(y)).sum())
            if bad and (sw.design.nan_policy == "skip" or bad == len(y)):
                notes.append(f"{label} / {m}: skipped, {bad} of {len(y)} points have no finite mean "
                             "(design.nan_policy = \"mean\" fills them)")
                continue
            if bad:
                notes.append(f"{label} / {m}: {bad} of {len(y)} points have no finite mean; filled with the mean "
                             "of the others (design.nan_policy), which shrinks the indices a little")
                y = np.where(np.isfinite(y), y, y[np.isfinite(y)].mean())
            if np.ptp(y) == 0:
                notes.append(f"{label} / {m}: skipped, the same value at every point")
                continue
            base = {"strategy": label, "metric": m}
            if kind == "sobol":
                res = sensitivity.sobol_indices(sw.names, y, sw.design.second_order, conf, resamples, seed)
                out += [{**base, "method": "sobol", **r} for r in res]
            elif kind == "morris":
                res = sensitivity.morris_indices(sw.names, sw.unit, y, sw.design.levels, conf, resamples, seed)
                out += [{**base, "method": "morris", **r} for r in res]
            else:
                try:
                    res = sensitivity.rbd_fast_indices(sw.names, sw.unit, y, conf, resamples, seed)
                except Exception as exc:  # noqa: BLE001 - the estimator can fail on tiny designs
                    notes.append(f"{label} / {m}: RBD-FAST failed ({exc})")
                    continue
                out += [{**base, "method": "rbd_fast", **r} for r in res]
    return out, notes


SENSITIVITY_COLUMNS = {
    "sobol": ["strategy", "metric", "method", "parameter", "S1", "S1_conf", "ST", "ST_conf"],
    "morris": ["strategy", "metric", "method", "parameter", "mu", "mu_star", "mu_star_conf", "sigma"],
    "lhs": ["strategy", "metric", "method", "parameter", "S1", "S1_conf"],
}


def export(sw: Sweep, out: str | Path) -> dict:
    """Write runs.csv, summary.csv, sensitivity.csv (and .parquet with pyarrow), sweep.json and report.html.

    Returns ``{"summary": rows, "sensitivity": rows, "notes": notes, "files": names}``.
    """
    from sim.reports.sweep_report import write_sweep_report

    out = Path(out)
    rows = load_results(sw, out)
    flat, cols = run_rows(sw, rows)
    summary = summarize_sweep(sw, rows)
    scols = summary_columns(sw)
    sens, notes = sensitivity_rows(sw, summary)
    files = ["runs.csv", "summary.csv"]
    write_csv(flat, cols, out / "runs.csv")
    write_csv(summary, scols, out / "summary.csv")
    tables = [(flat, cols, "runs"), (summary, scols, "summary")]
    if sw.design.kind != "grid":
        ccols = SENSITIVITY_COLUMNS[sw.design.kind]
        write_csv(sens, ccols, out / "sensitivity.csv")
        files.append("sensitivity.csv")
        tables.append((sens, ccols, "sensitivity"))
    for data, c, name in tables:
        if write_parquet(data, c, out / f"{name}.parquet"):
            files.append(f"{name}.parquet")
    _atomic_text(out / "sweep.json", json.dumps(_sweep_doc(sw), indent=2, sort_keys=True, default=str))
    counts = {"ok": sum(r["status"] == "ok" for r in rows), "failed": sum(r["status"] == "failed" for r in rows),
              "total": sw.n_runs}
    failures = [r for r in rows if r["status"] == "failed"]
    write_sweep_report(out / "report.html", sw, summary, sens, notes, counts, failures)
    files += ["sweep.json", "report.html"]
    return {"summary": summary, "sensitivity": sens, "notes": notes, "files": files}


def _sweep_doc(sw: Sweep) -> dict:
    versions = {}
    for pkg in ("influsim", "mesa", "numpy", "scipy", "SALib", "dask", "distributed"):
        try:
            versions[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            versions[pkg] = None
    versions["python"] = platform.python_version()
    return {"name": sw.name, "description": sw.description, "hash": sw.identity(), "seed": sw.seed,
            "replicates": sw.replicates, "strategies": sw.strategies, "metrics": sw.metrics,
            "baseline": sw.baseline, "common_random_numbers": sw.crn, "design": sw.design, "vary": [v.to_dict() for v in sw.vary],
            "points": sw.points, "base_scenario": sw.base, "versions": versions,
            "seeds": "run (point p, replicate r): SeedSequence(seed, spawn_key=(1, p, r)) "
                     "[(4, r) with common_random_numbers]; population: run.seed = seed"}


def _atomic_text(path: Path, text: str) -> None:
    tmp = Path(f"{path}.tmp{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


# -- command line --------------------------------------------------------------------------------------
def cmd_sweep(args) -> int:
    """``influsim sweep SWEEP.toml --out DIR [--workers N] [--scheduler ADDR] [--no-progress]``.

    Returns 0 when every run succeeded, 1 when some failed (they are retried by a rerun).
    """
    if args.workers is not None and args.workers < 1:
        raise ScenarioError("--workers", f"must be >= 1, got {args.workers}")
    sw = load_sweep(args.sweep)
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise ScenarioError("--out", f"{out} exists and is not a folder")
    if out.is_dir() and any(out.iterdir()) and not (out / "runs.sqlite").is_file():
        raise ScenarioError("--out", f"{out} is not empty and holds no sweep (runs.sqlite)")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScenarioError("--out", f"cannot create {out} ({exc.strerror})") from None
    ResultStore(out / "runs.sqlite", sw.identity()).close()  # another sweep's folder, or in use: say so now
    executor, slots, where, close = make_executor(args.workers, getattr(args, "scheduler", None))
    try:
        print(f"sweep {sw.name}: {len(sw.points)} points x {len(sw.strategies)} strategies x {sw.replicates} "
              f"replicates = {sw.n_runs} runs ({sw.design.kind} design), on {where}", file=sys.stderr)
        outcome = run_sweep(sw, out, executor, slots, progress=not args.no_progress)
    finally:
        close()
    res = export(sw, out)
    print(summary_text(sw, outcome, res))
    print(f"wrote {out}/: {', '.join(res['files'])} (all runs: runs.sqlite)")
    return 1 if outcome.failed else 0


def summary_text(sw: Sweep, outcome: SweepOutcome, res: dict) -> str:
    """The end-of-sweep summary: runs done, skipped and failed, and the leading sensitivity indices."""
    from sim.reports.report import fmt

    lines = [f"{sw.name}: {outcome.total} runs; {outcome.ran} run now in {outcome.seconds:.1f} s, "
             f"{outcome.skipped} already done; {outcome.failed} failed"
             + (" (rerun the same command to retry them)" if outcome.failed else "")]
    if outcome.first_error:
        lines.append(f"  first error: {outcome.first_error}")
    sens = res["sensitivity"]
    if sens:
        m = sw.metrics[0]
        for name in dict.fromkeys(r["strategy"] for r in sens):
            rs = [r for r in sens if r["strategy"] == name and r["metric"] == m]
            if not rs:
                continue
            if rs[0]["method"] == "sobol":
                rs.sort(key=lambda r: -r["ST"])
                cells = [f"{r['parameter']} ST={r['ST']:.2f}+-{r['ST_conf']:.2f} S1={r['S1']:.2f}" for r in rs]
            elif rs[0]["method"] == "morris":
                rs.sort(key=lambda r: -r["mu_star"])
                cells = [f"{r['parameter']} mu*={fmt(r['mu_star'])}+-{fmt(r['mu_star_conf'])}" for r in rs]
            else:
                rs.sort(key=lambda r: -r["S1"])
                cells = [f"{r['parameter']} S1={r['S1']:.2f}+-{r['S1_conf']:.2f}" for r in rs]
            lines.append(f"  {m} / {name}: " + "; ".join(cells))
    for note in res["notes"]:
        lines.append(f"  note: {note}")
    return "\n".join(lines)
