"""Memory and time estimates before a market is built or a run or sweep starts.

``influsim run`` and ``influsim sweep`` call :func:`run_estimate` / :func:`sweep_estimate`
and :func:`check` before anything large is allocated: an estimate above what this
machine can give is refused with one line (exit 2, no output folder; ``--force`` tries
anyway), so that 50,000,000 people fail in a second instead of after minutes with an
``_ArrayMemoryError``.

The model
---------
Bytes, for ``n`` people, ``K`` niches and a peer graph of mean degree ``d``. Per-person
sizes come from the dtypes the world is built with (read from a few people drawn by
:func:`sim.world.population.draw_people` and a two-node
:class:`~sim.world.peergraph.PeerGraph`), so they follow changes to those modules:

``resident`` (what a built market keeps), per person
    people arrays (``K`` interests and four attributes, float32: ``4K + 16``)
    + CSR graph (``indptr`` int64 + ``d`` x ``indices`` int32: ``8 + 4d``)
    + derived arrays (primary niche int16, strongest interest float32, two audience
    CDFs float64: 22)
``working`` (the transient peak on top while a market is built or a campaign runs)
    the larger of the graph build's sorted int64 edge keys (two copies at once:
    ``d`` x :data:`WORK_PER_PEER` = 16 a peer, for every person) and the audience
    alignment's float64 temporaries (``K`` x :data:`WORK_PER_NICHE` = 24 a niche, for the
    people of the chunks in flight: at most ``CHUNK`` x threads), plus
    :data:`WORK_PER_PERSON` for every person (the campaign's state: 64) and
    :data:`SLACK_PER_PERSON` for the people of the chunks in flight (freed chunk-sized
    transients the allocator keeps: 320)
:data:`MARKET_FIXED` per process that builds a market (buffers, quantile tables)
``interpreter``: this process's resident size now, for every process of the run

``influsim run`` with ``W`` worker processes: the driver keeps the first market while each
worker builds and runs its own, so the peak is ``n resident + W (n (resident + working)
+ MARKET_FIXED) + (W + 1) interpreter``; with ``W = 1`` the driver does both (``n (2
resident + working) + MARKET_FIXED + interpreter``). Each (strategy, replicate) keeps
its results until the report is written: :data:`SERIES` hourly series of float64 and
:data:`ROW_BYTES` of creator and offer rows. A sweep's driver keeps one resolved
scenario per design point and one task per run (both measured here, on the base
scenario, with ``tracemalloc``); each local worker builds and runs one market at a time.
On a Dask cluster only the driver is estimated.

Calibration (2 cores, ``tests/test_resources.py`` measures it again at 600,000 people):
the peak resident size of one process building a market and running both default
strategies for 30 days on it, over what it held before (``d = 10``, ``K = 9``), was
147-159 MB at 300,000 people, 236-425 MB at 600,000 (425 on the CI machine), 511-540 MB
at 1,000,000 and 703-841 MB at 2,000,000 (1.67 GB at 6,000,000 with an earlier build); the
model gives 284, 500, 789 and 1,511 MB (and 2.8 GB). It errs on the high side: the transients of chunks the
allocator keeps count fully.

Time (CPU seconds of one thread on the calibration machine, 2 cores, measured again for
issue 17 at 10,000 to 1,000,000 people): building a market takes :data:`BUILD_S_FIXED` +
``n`` (:data:`BUILD_S_PERSON` + ``d`` :data:`BUILD_S_PEER`) (0.07 s at 10,000 people,
0.27 s at 100,000, 2.3 s at 1,000,000 with ``d = 10``; measured 0.06, 0.22-0.28, 2.5), and a
campaign of one strategy :data:`RUN_S_FIXED` + ``days`` :data:`RUN_S_DAY` ``(n /
10,000) ^`` :data:`RUN_S_EXPONENT`: the hourly steps cost more than the people (0.05 s
for 30 days at 10,000 people, 0.34 s at 1,000,000; measured 0.03-0.06 and 0.30-0.50).
The estimate counts the markets that are actually built, not one per run: the
strategies of a (point, replicate) share its market, and so do the points of a
replicate under common random numbers when no varied field shapes the market
(:meth:`~sim.studies.sweep.Sweep.run_order`), but each worker process builds the
markets of the runs it gets (:func:`sweep_market_builds`). The work is divided by the
worker processes (at most one per core), and the start of the workers
(:data:`WORKER_START_S` each) and writing the files and report (:data:`EXPORT_S`) are
added. On the shipped sweeps the estimate is within a factor of 1.2 of the measured time
(``scenarios/sweeps/*.toml``; the numbers are in ``tests/test_resources.py``). The
periodic progress lines (:mod:`sim.reports.progress`) correct it as runs finish.

Memory available: the smallest of ``MemAvailable`` (``/proc/meminfo``), the cgroup's limit
less its usage (v2 ``memory.max``, v1 ``memory.limit_in_bytes``; page cache that can be
dropped counts as free) and, per process, ``RLIMIT_AS`` (``ulimit -v``) less this
process's address space now.

Examples
--------
>>> from sim.scenario import with_fields, default_scenario
>>> sc = with_fields(default_scenario(), {"population.size": 50_000_000})
>>> est = run_estimate(sc, workers=2)
>>> est.bytes > 30e9, est.field
(True, 'population.size')
>>> check(est, available=(20e9, "MemAvailable"))
Traceback (most recent call last):
...
sim.studies.resources.ResourceError: population.size: 50,000,000 people on 2 worker processes need about ...
>>> check(est, available=(20e9, "MemAvailable"), force=True) is None
True
"""

from __future__ import annotations

import math
import os
import resource
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.errors import ScenarioError

#: Transient bytes per peer while a market's graph is built: two copies of the int64 edge keys.
WORK_PER_PEER = 2 * np.dtype(np.int64).itemsize
#: Transient bytes per niche and person of the chunks in flight: the audience alignment's float64 arrays.
WORK_PER_NICHE = 3 * np.dtype(np.float64).itemsize
#: Transient bytes per person while a campaign runs (reach, engagement, purchases, exposures queued).
WORK_PER_PERSON = 64
#: Bytes per person of the chunks in flight that the allocator keeps after they are freed. The measured
#: peak moves with the allocator and what is loaded (393 to 708 B/person at 600,000 people, same code;
#: 708 on the CI machine), so
#: the estimate stays on the safe side of it (see tests/test_resources.py).
SLACK_PER_PERSON = 320
#: Bytes a process needs to build a market beyond its arrays (buffers, quantile tables).
MARKET_FIXED = 64 * 2**20
#: Audience CDFs (float64 per person) kept per market: the product's niche and one more.
CDF_NICHES = 2
#: Bytes per person of the word-of-mouth record replicate 0 keeps (sharer, peer, hour, root: int32).
WOM_BYTES = 16
#: Hourly series each result keeps (float64).
SERIES = 12
#: Creator and offer rows a result keeps (bytes; measured 50-100 KB pickled, dicts take about twice that).
ROW_BYTES = 200_000
#: Seconds to build a market of n people: BUILD_S_FIXED + n (BUILD_S_PERSON + d x BUILD_S_PEER) (one thread).
BUILD_S_FIXED, BUILD_S_PERSON, BUILD_S_PEER = 0.05, 1.0e-6, 0.12e-6
#: Seconds of a campaign of one strategy: RUN_S_FIXED + days x RUN_S_DAY x (n / 10,000) ** RUN_S_EXPONENT.
#: Re-measured 2026-12-07 once strategies spend their budget (top-up posts, more accounts): 0.09-0.20 s at 20,000
#: people and 14 days, 0.16-0.33 s at 200,000, 0.56-1.40 s at 1,000,000 and 30 days (the hourly step's fixed cost
#: dominates, hence the small exponent).
RUN_S_FIXED, RUN_S_DAY, RUN_S_EXPONENT = 0.01, 6.0e-3, 0.3
#: Seconds a worker process takes to start: a fresh interpreter importing the model (spawn) or a fork of the
#: forkserver, which imports it once (``influsim run``).
WORKER_START_S, FORKSERVER_START_S = 2.0, 2.0
#: Seconds to write a sweep's or run's files and report.html (measured 2-3 s on the shipped sweeps).
EXPORT_S = 2.5
#: Scenario sections that shape a market (what :func:`sim.world.market_key.population_key` hashes, besides the seed):
#: a sweep that varies a field of one of them has a market per value.
MARKET_SECTIONS = ("population", "tiers", "influencers")
#: Estimates above this many bytes or seconds are announced before the run starts.
ANNOUNCE_BYTES, ANNOUNCE_SECONDS = 1e9, 60.0


class ResourceError(ScenarioError):
    """The estimate exceeds what the machine can give (one line; ``--force`` overrides)."""


@dataclass
class Estimate:
    """What a run or sweep is expected to need."""

    bytes: float  # peak memory of every process together
    per_process: float  # peak of the largest process beyond what it holds at start (compared with RLIMIT_AS)
    seconds: float
    field: str  # the scenario field that drives the estimate (named in the refusal)
    what: str  # e.g. "50,000,000 people" (the refusal's subject)
    parts: dict = field(default_factory=dict)  # type: ignore[operator]  # dataclasses.field: the annotation field: str above binds no name
    who: str = ""  # the subject of a refusal for one process (RLIMIT_AS), e.g. "2,000,000 people"
    alternative: str = ""  # e.g. "--workers 1 (about 18 GB)": a smaller setting that fits, if any
    alternative_bytes: float = math.inf

    def text(self) -> str:
        """``about 2.3 GB of memory, about 3 min``."""
        return f"about {human_bytes(self.bytes)} of memory, about {human_seconds(self.seconds)}"


# -- per-person sizes, from the dtypes the world is built with ------------------------------------------
def person_bytes(population) -> dict:
    """Bytes per person of a market: ``people``, ``graph``, ``derived`` and their sum ``resident``; the
    transients ``graph_work`` (per person), ``niche_work`` (per person of the chunks in flight) and
    ``person_work``.

    ``population`` is a scenario's ``population`` table.

    Examples
    --------
    >>> from sim.scenario import default_scenario
    >>> b = person_bytes(default_scenario().population)
    >>> b["people"], b["graph"], b["resident"], b["graph_work"], b["niche_work"], b["person_work"], b["slack"]
    (52.0, 48.0, 122.0, 160.0, 216, 64, 320)
    """
    from sim.world.peergraph import PeerGraph
    from sim.world.population import draw_people, primary_niche

    few = 4
    people = draw_people(few, population, 0)
    people_b = sum(a.nbytes for a in people.values()) / few
    g = PeerGraph.from_edges([0], [1], n=2)
    d = float(population.graph.mean_degree)
    graph_b = g.indptr.itemsize + d * g.indices.itemsize
    interests = people["interests"]
    derived_b = (primary_niche(interests).itemsize + interests.itemsize
                 + CDF_NICHES * np.dtype(np.float64).itemsize)
    resident = people_b + graph_b + derived_b
    return {"people": people_b, "graph": graph_b, "derived": float(derived_b), "resident": resident,
            "graph_work": d * WORK_PER_PEER, "niche_work": interests.shape[1] * WORK_PER_NICHE,
            "person_work": WORK_PER_PERSON, "slack": SLACK_PER_PERSON}


def market_bytes(population) -> tuple[float, float]:
    """(resident bytes of a built market, peak bytes of the process that builds and runs it).

    Examples
    --------
    >>> from sim.scenario import default_scenario
    >>> resident, peak = market_bytes(default_scenario().population.model_copy(update={"size": 1_000_000}))
    >>> round(resident / 1e6), round(peak / 1e6)
    (122, 789)
    """
    from sim.world.peergraph import CHUNK, threads

    b = person_bytes(population)
    n = population.size
    in_flight = min(n, CHUNK * threads())
    working = max(n * b["graph_work"], in_flight * b["niche_work"]) + n * b["person_work"] + in_flight * b["slack"]
    return n * b["resident"], n * b["resident"] + working + MARKET_FIXED


def build_seconds(population) -> float:
    """Seconds to build one market of the scenario's ``population`` table, on one thread.

    Examples
    --------
    >>> from sim.scenario import default_scenario
    >>> pop = default_scenario().population
    >>> [round(build_seconds(pop.model_copy(update={"size": n})), 2) for n in (10_000, 1_000_000)]
    [0.07, 2.25]
    """
    return BUILD_S_FIXED + population.size * (BUILD_S_PERSON + population.graph.mean_degree * BUILD_S_PEER)


def campaign_seconds(scenario) -> float:
    """Seconds of one run of one strategy on a built market, on one thread.

    Examples
    --------
    >>> from sim.scenario import default_scenario, with_fields
    >>> sc = with_fields(default_scenario(), {"campaign.days": 30})
    >>> [round(campaign_seconds(with_fields(sc, {"population.size": n})), 2) for n in (10_000, 1_000_000)]
    [0.19, 0.73]
    """
    n = scenario.population.size
    return RUN_S_FIXED + scenario.campaign.days * RUN_S_DAY * (n / 10_000) ** RUN_S_EXPONENT


def result_bytes(scenario) -> float:
    """Bytes one (strategy, replicate) result keeps: hourly series and rows."""
    return SERIES * (24 * scenario.campaign.days + 1) * 8 + ROW_BYTES


# -- estimates ------------------------------------------------------------------------------------------
def default_workers(n_tasks: int) -> int:
    """One worker per core, no more than tasks: :func:`sim.studies.runs.default_workers`, without importing
    the model (so that a refusal takes no time)."""
    return max(1, min(os.cpu_count() or 1, n_tasks))


def run_estimate(scenario, workers: int) -> Estimate:
    """Memory and time of ``influsim run`` (every strategy x replicate) on ``workers`` processes."""
    interp = interpreter_bytes()
    resident, peak = market_bytes(scenario.population)
    S, R = len(scenario.strategies), scenario.run.replicates
    results = S * R * result_bytes(scenario) + S * scenario.population.size * WOM_BYTES  # + replicate 0's word of mouth

    def total(w: int) -> float:
        markets = resident + peak if w == 1 else resident + w * peak
        return markets + (1 if w == 1 else w + 1) * interp + results

    n = scenario.population.size
    cores = os.cpu_count() or 1
    # the driver builds the first replicate's market (strategies that cannot be staffed fail at once); a worker
    # builds its replicates' own markets, the first again; a fixed market is built once and loaded from the cache
    per_replicate = scenario.run.market == "per_replicate"
    builds = (R + (workers > 1)) if per_replicate else 1
    parallel = max(1, min(workers, cores, R))
    seconds = (builds * build_seconds(scenario.population) + R * S * campaign_seconds(scenario)) / parallel \
        + (FORKSERVER_START_S if workers > 1 else 0.0) + EXPORT_S
    est = Estimate(bytes=total(workers), per_process=peak + (resident if workers == 1 else 0), seconds=seconds,
                   field="population.size", what=f"{n:,} people", who=f"{n:,} people",
                   parts={"markets": total(workers) - results, "results": results})
    if results > est.parts["markets"]:
        est.field, est.what = "run.replicates", f"{S * R:,} runs ({S} strategies x {R:,} replicates)"
    elif workers > 1:
        est.what = f"{n:,} people on {workers} worker processes"
        est.alternative, est.alternative_bytes = "--workers 1", total(1)
    return est


def sweep_estimate(sw, workers: int | None, remote: bool = False) -> Estimate:
    """Memory and time of ``influsim sweep`` on ``workers`` local processes (``remote``: a Dask cluster).

    The driver keeps one scenario per point and one task per run; it builds the market
    of the largest point once; local workers build and run one market each at a time.
    """
    interp = interpreter_bytes()
    scen_b, task_b, check_s = _sweep_unit_costs(sw)
    points, runs = len(sw.points), sw.n_runs
    population = _largest_population(sw)
    resident, peak = market_bytes(population)
    driver = points * scen_b + runs * task_b + interp
    w = 1 if remote else max(1, workers or os.cpu_count() or 1)
    if remote:
        markets = 0.0
    else:
        markets = peak + resident if w == 1 else peak + w * (peak + interp)
    scenario = sw.base.model_copy(update={"population": population})
    parallel = max(1, min(w, os.cpu_count() or 1, runs))
    builds = sweep_market_builds(sw, w)
    work = builds * build_seconds(population) + runs * campaign_seconds(scenario)
    seconds = points * check_s + work / parallel + (WORKER_START_S * w / parallel if w > 1 else 0.0) + EXPORT_S
    est = Estimate(bytes=driver + markets, per_process=max(driver - interp, peak + (resident if w == 1 else 0)),
                   seconds=seconds, field="population.size", what=f"{population.size:,} people",
                   who=f"{population.size:,} people",
                   parts={"scheduling": points * scen_b + runs * task_b, "markets": markets})
    if est.parts["scheduling"] > markets:
        est.field = "design"
        est.what = (f"{points:,} design points x {len(sw.strategies)} strategies x {sw.replicates:,} replicates "
                    f"= {runs:,} runs")
    elif w > 1:
        est.what = f"{population.size:,} people on {w} worker processes"
        est.alternative, est.alternative_bytes = "--workers 1", driver + peak + resident
    return est


def sweep_market_builds(sw, workers: int) -> int:
    """How many markets the runs of sweep ``sw`` build on ``workers`` local processes.

    A process keeps the market it built last. The runs go out in
    :meth:`~sim.studies.sweep.Sweep.run_order`, strategies innermost; consecutive runs on
    the same market (the strategies of a (point, replicate), and the points of a replicate
    under common random numbers when no varied field shapes the market) form a block,
    and each of up to ``workers`` processes that takes runs of a block builds its market
    once. A market fixed by ``run.market = "fixed"`` is built once per distinct market
    and, when every point shares it, once for all (the workers load it from the cache).
    Computed from the design points, without resolving their scenarios.

    Examples
    --------
    >>> from sim.studies.sweep import parse_sweep
    >>> sw = parse_sweep({"vary": {"brand.budget": [2e4, 4e4, 6e4]},  # 3 points x 2 strategies x 4 replicates
    ...                   "sweep": {"replicates": 4, "common_random_numbers": True}})
    >>> sweep_market_builds(sw, 1), sweep_market_builds(sw, 2)  # one market per replicate, each on both workers
    (4, 8)
    >>> sw = parse_sweep({"vary": {"population.size": [2000, 3000]}, "sweep": {"replicates": 4}})
    >>> sweep_market_builds(sw, 1), sweep_market_builds(sw, 2)  # a market per (point, replicate)
    (8, 16)
    """
    market_paths = [v.path for v in sw.vary if v.path.split(".")[0] in MARKET_SECTIONS]
    codes: dict = {}
    market_of_point = np.array([codes.setdefault(tuple(_hashable(pt.get(f)) for f in market_paths), len(codes))
                                for pt in sw.points], dtype=np.int64)
    shared = len(codes) <= 1
    if not len(market_of_point):
        return 0
    if sw.base.run.market == "fixed" and shared:
        return 1
    points, replicates = sw.run_order(shared)
    if sw.base.run.market == "fixed":
        market = market_of_point[points]
    else:  # the replicate's seed: (4, r) at every point with common random numbers, else (1, p, r)
        seed = replicates if sw.crn else points * sw.replicates + replicates
        market = market_of_point[points] * (sw.replicates * len(sw.points)) + seed
    starts = np.flatnonzero(np.r_[True, market[1:] != market[:-1]])
    runs_per_block = np.diff(np.r_[starts, len(market)]) * len(sw.strategies)
    return int(np.minimum(runs_per_block, max(1, workers)).sum())


def _hashable(value):
    return tuple(value) if isinstance(value, list) else value


def _sweep_unit_costs(sw) -> tuple[float, float, float]:
    """(bytes of one point's scenario, bytes of one task, seconds to check one point), measured now."""
    import time
    import tracemalloc

    from sim.scenario import with_fields

    point = sw.points[0] if sw.points else {}
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        t0 = time.perf_counter()
        keep = [with_fields(sw.base, point) for _ in range(3)]
        check_s = (time.perf_counter() - t0) / 3
        mid = tracemalloc.get_traced_memory()[0]
        tasks = [(k, "strategy", k, keep[0], sw.run_seed(k, k), True) for k in range(100)]
        after = tracemalloc.get_traced_memory()[0]
    finally:
        if started:
            tracemalloc.stop()
    del keep, tasks
    export_b = 1024  # a run's row read back for the summary and the report
    return max(mid - before, 0) / 3, max(after - mid, 0) / 100 + export_b, check_s


def _largest_population(sw):
    """The ``population`` table of the sweep's largest market (size and degree at their largest)."""
    pop = sw.base.population
    sizes = {"population.size": pop.size, "population.graph.mean_degree": pop.graph.mean_degree}
    for v in sw.vary:
        if v.path in sizes:
            sizes[v.path] = max(v.values) if v.values else v.hi
    graph = pop.graph.model_copy(update={"mean_degree": float(sizes["population.graph.mean_degree"])})
    return pop.model_copy(update={"size": int(sizes["population.size"]), "graph": graph})


# -- what the machine can give --------------------------------------------------------------------------
def available_memory(meminfo: str | Path = "/proc/meminfo", cgroup_root: str | Path = "/sys/fs/cgroup",
                     proc_cgroup: str | Path = "/proc/self/cgroup") -> tuple[float, str]:
    """(bytes this machine can give now, where the limit comes from); ``inf`` when nothing is known.

    The smallest of ``MemAvailable`` and the cgroup's limit less its usage (v2 or v1).

    Examples
    --------
    >>> free, where = available_memory()
    >>> free > 0 and where in ("MemAvailable", "the cgroup memory limit", "unknown")
    True
    """
    found = []
    try:
        for line in Path(meminfo).read_text().splitlines():
            if line.startswith("MemAvailable:"):
                found.append((int(line.split()[1]) * 1024, "MemAvailable"))
    except (OSError, ValueError, IndexError):
        pass
    cg = _cgroup_free(Path(cgroup_root), Path(proc_cgroup))
    if cg is not None:
        found.append((cg, "the cgroup memory limit"))
    if not found:
        return math.inf, "unknown"
    return min(found)


def _read_int(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    if text == "max":
        return None
    try:
        return int(text)
    except ValueError:
        return None


def _stat(path: Path, key: str) -> int:
    try:
        for line in path.read_text().splitlines():
            k, _, v = line.partition(" ")
            if k == key:
                return int(v)
    except (OSError, ValueError):
        pass
    return 0


def _cgroup_free(root: Path, proc_cgroup: Path) -> int | None:
    """Limit less usage (dropping the inactive page cache) of this process's memory cgroup, or None."""
    free = []
    v2_dirs, v1_dirs = [root], [root / "memory"]
    try:
        for line in proc_cgroup.read_text().splitlines():
            hid, ctrls, path = line.split(":", 2)
            rel = path.lstrip("/")
            if hid == "0" and rel:
                v2_dirs.insert(0, root / rel)
            elif "memory" in ctrls.split(",") and rel:
                v1_dirs.insert(0, root / "memory" / rel)
    except (OSError, ValueError):
        pass
    for d in v2_dirs:
        limit = _read_int(d / "memory.max")
        if limit is not None:
            used = _read_int(d / "memory.current") or 0
            free.append(limit - used + _stat(d / "memory.stat", "inactive_file"))
            break
    for d in v1_dirs:
        limit = _read_int(d / "memory.limit_in_bytes")
        if limit is not None and limit < 2**60:
            used = _read_int(d / "memory.usage_in_bytes") or 0
            free.append(limit - used + _stat(d / "memory.stat", "total_inactive_file"))
            break
    return max(0, min(free)) if free else None


def address_space_left() -> float:
    """``RLIMIT_AS`` (``ulimit -v``) less this process's address space now; ``inf`` when unlimited.

    Worker processes inherit the limit and start with about the same address space.
    """
    soft, _ = resource.getrlimit(resource.RLIMIT_AS)
    if soft == resource.RLIM_INFINITY:
        return math.inf
    return soft - _status_kb("VmSize") * 1024


def interpreter_bytes() -> float:
    """Resident size of this process now (what each worker process starts with, about)."""
    return _status_kb("VmRSS") * 1024 or 150e6


def _status_kb(key: str) -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


# -- the check ------------------------------------------------------------------------------------------
def check(est: Estimate, force: bool = False, available: tuple[float, str] | None = None,
          address_space: float | None = None) -> None:
    """Refuse (:class:`ResourceError`, one line) an estimate above what the machine can give, unless ``force``."""
    if force:
        return
    free, where = available if available is not None else available_memory()
    if est.bytes > free:
        under = f" under {where}" if where != "MemAvailable" else ""
        hint = (f"use {est.alternative} (about {human_bytes(est.alternative_bytes)}) or --force to try anyway"
                if est.alternative and est.alternative_bytes <= free else "use --force to try anyway")
        raise ResourceError(est.field, f"{est.what} need about {human_bytes(est.bytes)} of memory, "
                                       f"{human_bytes(free)} are available{under}; {hint}")
    left = address_space if address_space is not None else address_space_left()
    if est.per_process > left:
        raise ResourceError(est.field, f"{est.who or est.what} need about {human_bytes(est.per_process)} of "
                                       "address space "
                                       f"in one process, {human_bytes(max(left, 0))} are left under the limit "
                                       "(ulimit -v); use --force to try anyway")


def worth_announcing(est: Estimate) -> bool:
    return est.bytes >= ANNOUNCE_BYTES or est.seconds >= ANNOUNCE_SECONDS


# -- formatting -----------------------------------------------------------------------------------------
def human_bytes(n: float) -> str:
    """Bytes as ``31 GB``, ``2.3 GB``, ``450 MB`` (powers of 1000).

    Examples
    --------
    >>> human_bytes(31.4e9), human_bytes(2.34e9), human_bytes(4.5e8), human_bytes(float("inf"))
    ('31 GB', '2.3 GB', '450 MB', 'unlimited')
    """
    if not math.isfinite(n):
        return "unlimited"
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6)):
        if n >= size:
            x = n / size
            return f"{x:,.0f} {unit}" if x >= 10 else f"{x:.1f} {unit}"
    return f"{max(n, 0) / 1e3:.0f} kB"


def human_seconds(s: float) -> str:
    """Seconds as ``45 s``, ``3 min 5 s``, ``2.5 h``, ``35 days``.

    Examples
    --------
    >>> human_seconds(45.2), human_seconds(185), human_seconds(9000), human_seconds(3e6)
    ('45 s', '3 min 5 s', '2.5 h', '35 days')
    """
    if not math.isfinite(s):
        return "forever"
    if s < 100:
        return f"{s:.0f} s"
    if s < 3600:
        return f"{int(s // 60)} min {int(s % 60)} s"
    if s < 2 * 86400:
        return f"{s / 3600:.1f} h"
    return f"{s / 86400:,.0f} days"
