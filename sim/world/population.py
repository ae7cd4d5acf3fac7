"""The population: people as arrays, their peer graph, and the influencer pool.

A :class:`Population` is built once per scenario population (and seed) and shared by
every strategy and replicate, in memory and through an on-disk cache, so replicates
differ only in the campaign's randomness (common random numbers across strategies).

Examples
--------
>>> from sim.scenario import with_fields, default_scenario
>>> sc = with_fields(default_scenario(), {"population.size": 2000, "population.represents": 500})
>>> pop = build_population(sc, use_cache=False)
>>> pop.n, pop.interests.shape[1]
(2000, 9)
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import special

from sim.world import creators as infl
from sim.errors import GraphFileError, ScenarioError
from sim.world.peergraph import PeerGraph, barabasi_albert, homophilous_graph, read_graph

CACHE_VERSION = 3


@dataclass
class Population:
    """People (arrays indexed by person id), the peer graph and the candidate influencers."""

    interests: np.ndarray  # (n, K) float32, rows sum to 1
    susceptibility: np.ndarray  # (n,) float32
    activity: np.ndarray  # (n,) float32, mean 1
    share_propensity: np.ndarray  # (n,) float32
    purchase_propensity: np.ndarray  # (n,) float32
    graph: PeerGraph
    pool: infl.InfluencerPool
    niches: list
    represents: int
    seed: int
    audience_focus: float = 0.7
    audience_broadening: float = 0.12
    affinity_exponent: float = 2.0
    _audiences: dict = field(default_factory=dict, repr=False)
    _cdfs: dict = field(default_factory=dict, repr=False)
    _aligned: dict = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        return len(self.susceptibility)

    @property
    def niche(self) -> np.ndarray:
        """Each person's primary niche."""
        return np.argmax(self.interests, axis=1)

    def match(self, people, niche: int) -> np.ndarray:
        """Interest of ``people`` in ``niche`` relative to their strongest interest, in [0, 1]."""
        rows = self.interests[people]
        return rows[..., niche] / rows.max(axis=-1)

    def audience_size(self, j: int) -> int:
        """Simulated followers of influencer ``j`` (real followers / represents)."""
        return max(1, int(round(self.pool.followers[j] / self.represents)))

    def audience(self, j: int) -> np.ndarray:
        """Sorted person ids following influencer ``j`` (drawn once, from a seed of its own)."""
        j = int(j)
        if j not in self._audiences:
            c = int(self.pool.niche[j])
            rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(7, j)))
            focus = float(infl.niche_focus(self.pool.followers[j], self.audience_focus, self.audience_broadening))
            self._audiences[j] = infl.draw_audience(self.audience_size(j), self._cdf(c), focus, self.n, rng)
        return self._audiences[j]

    def _cdf(self, c: int) -> np.ndarray:
        if c not in self._cdfs:
            self._cdfs[c] = np.cumsum(self.interests[:, c].astype(np.float64) ** self.affinity_exponent)
        return self._cdfs[c]

    def alignment(self, ids, product_niche: int) -> np.ndarray:
        """Expected interest of each account's audience in ``product_niche`` (relative match, 0..1).

        Computed from how audiences are drawn, without drawing them.
        """
        ids = np.asarray(ids, dtype=int)
        by_niche, mean = self._niche_alignment(product_niche)
        focus = infl.niche_focus(self.pool.followers[ids], self.audience_focus, self.audience_broadening)
        return focus * by_niche[self.pool.niche[ids]] + (1 - focus) * mean

    def _niche_alignment(self, product_niche: int) -> tuple[np.ndarray, float]:
        """(mean match to ``product_niche`` of people drawn by each niche's weights, population mean)."""
        if product_niche not in self._aligned:
            m = self.match(slice(None), product_niche).astype(np.float64)
            w = self.interests.astype(np.float64) ** self.affinity_exponent  # (n, K)
            self._aligned[product_niche] = ((w.T @ m) / w.sum(axis=0), float(m.mean()))
        return self._aligned[product_niche]

    def brand_fit(self, ids, product_niche: int) -> np.ndarray:
        """Brand fit of accounts, in [0, 1]: half account niche, half audience alignment.

        ``0.5 * [account niche == product niche] + 0.5 * alignment / best alignment``.
        """
        ids = np.asarray(ids, dtype=int)
        align = self.alignment(ids, product_niche)
        best = self._niche_alignment(product_niche)[0][product_niche]
        same = (self.pool.niche[ids] == product_niche).astype(float)
        return 0.5 * same + 0.5 * np.minimum(align / best, 1.0)

    def nbytes(self) -> int:
        arrays = [self.interests, self.susceptibility, self.activity, self.share_propensity,
                  self.purchase_propensity, self.graph.indptr, self.graph.indices]
        return int(sum(a.nbytes for a in arrays))


def beta_mean(u, mean: float, concentration: float) -> np.ndarray:
    """Beta quantiles of uniforms ``u`` for a given mean and concentration (a + b).

    Drawing by quantiles keeps each person's rank when a parameter changes, so a sweep
    compares like with like.

    Examples
    --------
    >>> x = beta_mean(np.random.default_rng(0).random(100_000), 0.3, 2.0)
    >>> round(float(x.mean()), 2)
    0.3
    """
    return special.betaincinv(mean * concentration, (1 - mean) * concentration, u).astype(np.float32)


def stream(seed: np.random.SeedSequence, k: int) -> np.random.Generator:
    """The k-th independent stream of ``seed`` (derived from its key, so the same in every process)."""
    return np.random.default_rng(np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, k)))


def draw_people(n: int, p: dict, seed) -> dict:
    """Draw people's attributes from the ``population`` table of a scenario.

    Each attribute has its own random stream of ``seed`` (an int or SeedSequence), so
    changing one parameter leaves the others' draws alone. Susceptibility is
    Beta-distributed with a low concentration by default, so a minority is easily
    influenced (Watts & Dodds 2007); activity is log-normal with mean 1.
    """
    seed = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    k = len(p.niches)
    g = stream(seed, 0).standard_gamma(p.interest_concentration, size=(n, k)).astype(np.float32)
    g += np.float32(1e-12)  # a person with no interest at all still has a strongest one
    interests = g / g.sum(axis=1, keepdims=True)
    s = p.activity_sigma
    activity = np.exp(-s * s / 2 + s * stream(seed, 1).standard_normal(n)).astype(np.float32)
    conc = p.propensity_concentration
    return {
        "interests": interests,
        "susceptibility": beta_mean(stream(seed, 2).random(n), p.susceptibility_mean,
                                    p.susceptibility_concentration),
        "activity": activity,
        "share_propensity": beta_mean(stream(seed, 3).random(n), max(p.share_propensity_mean, 1e-6), conc),
        "purchase_propensity": beta_mean(stream(seed, 4).random(n), p.purchase_propensity_mean, conc),
    }


def build_graph(p: dict, niche: np.ndarray, rng: np.random.Generator) -> PeerGraph:
    """The peer graph of a scenario's ``population`` table."""
    g = p.graph
    n = len(niche)
    if g.generator == "homophilous":
        return homophilous_graph(niche, g.mean_degree, g.homophily, g.clustering, g.degree_exponent, rng)
    if g.generator == "barabasi_albert":
        return barabasi_albert(n, max(1, int(round(g.mean_degree / 2))), rng)
    graph, _labels = PeerGraph.from_networkx(read_graph(g.path))
    if graph.n != n:
        raise ScenarioError("population.size", f"is {n:,} but the graph file {g['path']} has {graph.n:,} nodes")
    return graph


_DISK = {"enabled": True}


@contextlib.contextmanager
def disk_cache(enabled: bool):
    """Within the block, fixed markets are (or are not) read from and written to the on-disk cache.

    Examples
    --------
    >>> with disk_cache(False):
    ...     pass
    """
    before = _DISK["enabled"]
    _DISK["enabled"] = bool(enabled)
    try:
        yield
    finally:
        _DISK["enabled"] = before


def build_population(sc, use_cache: bool = True, cache_dir: str | Path | None = None,
                     seed: np.random.SeedSequence | None = None) -> Population:
    """Build (or load from the cache) a market of a resolved scenario.

    ``seed`` is the market's seed; by default the scenario's fixed market, the first
    child of ``SeedSequence(run.seed)`` (see :mod:`sim.campaign.luck`). Only fixed
    markets go to the on-disk cache; a replicate's own market is kept in memory (the
    latest one), so the strategies of one replicate share it.
    """
    fixed = seed is None or (seed.entropy == sc.run.seed and tuple(seed.spawn_key) == (0,))
    if not fixed:
        key = population_key(sc) + ":" + ",".join(map(str, seed.spawn_key))
        pop = _REPLICATE_MEMORY.get(key)
        if pop is None:
            _REPLICATE_MEMORY.clear()
            pop = _REPLICATE_MEMORY[key] = _build(sc, seed)
        return pop
    key = population_key(sc)
    if use_cache and not _DISK["enabled"]:  # in memory only
        pop = _MEMORY.get(key)
        if pop is None:
            _MEMORY.clear()
            pop = _MEMORY[key] = _build(sc, np.random.SeedSequence(sc.run.seed, spawn_key=(0,)))
        return pop
    if use_cache:
        pop = _MEMORY.get(key)
        if pop is not None:
            return pop
        path = _cache_path(cache_dir, key)
        if path.is_file():
            try:
                pop = _load(path, sc)
            except (OSError, ValueError, KeyError):
                pop = None  # a broken cache entry is rebuilt
            if pop is not None:
                _MEMORY.clear()
                _MEMORY[key] = pop
                return pop
    pop = _build(sc, np.random.SeedSequence(sc.run.seed, spawn_key=(0,)))
    if use_cache:
        _MEMORY.clear()  # keep one population in memory: they can be large
        _MEMORY[key] = pop
        try:
            _save(_cache_path(cache_dir, key), pop)
        except OSError:
            pass  # a read-only cache folder only costs speed
    return pop


def _build(sc, seed_seq: np.random.SeedSequence) -> Population:
    """Draw a market from its seed: people, peer graph and creator pool, each from its own stream."""
    p = sc.population
    pop_seed = int(seed_seq.generate_state(1)[0])
    people = draw_people(p.size, p, stream(seed_seq, 0).bit_generator.seed_seq)
    graph = build_graph(p, np.argmax(people["interests"], axis=1), stream(seed_seq, 1))
    i = sc.influencers
    pool = infl.generate_pool(i.counts, sc.tiers, i.max_followers, len(p.niches),
                              i.authenticity_mean, i.monthly_offers_mean, p.size * p.represents, stream(seed_seq, 2))
    pop = Population(**people, graph=graph, pool=pool, niches=list(p.niches), represents=p.represents,
                     seed=pop_seed, audience_focus=i.audience_focus, audience_broadening=i.audience_broadening,
                     affinity_exponent=i.affinity_exponent)
    return pop


_MEMORY: dict = {}
_REPLICATE_MEMORY: dict = {}


def population_key(sc: dict) -> str:
    """Hash of everything the population depends on (the graph file's size and time included)."""
    data = sc.model_dump(mode="json")
    parts = {k: data[k] for k in ("population", "tiers", "influencers")}
    parts["seed"] = sc.run.seed
    parts["version"] = CACHE_VERSION
    path = sc.population.graph.path
    if sc.population.graph.generator == "file" and path:
        try:
            st = os.stat(path)
        except OSError:
            raise GraphFileError(path, "file not found") from None
        parts["graph_file"] = [st.st_size, st.st_mtime_ns]
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:24]


def default_cache_dir() -> Path:
    """``$INFLUSIM_CACHE`` or ``~/.cache/influsim``."""
    return Path(os.environ.get("INFLUSIM_CACHE") or Path.home() / ".cache" / "influsim")


def _cache_path(cache_dir, key: str) -> Path:
    return Path(cache_dir or default_cache_dir()) / f"population-{key}.npz"


_FIELDS = ("interests", "susceptibility", "activity", "share_propensity", "purchase_propensity")
_POOL = ("followers", "tier", "niche", "authenticity", "monthly_offers")


def _save(path: Path, pop: Population) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    arrays = {f: getattr(pop, f) for f in _FIELDS}
    arrays.update({f"pool_{f}": getattr(pop.pool, f) for f in _POOL})
    arrays["indptr"], arrays["indices"] = pop.graph.indptr, pop.graph.indices
    arrays["seed"] = np.array(pop.seed, dtype=np.uint64)
    arrays["pool_skipped"] = np.array(json.dumps(pop.pool.skipped))
    tmp = path.with_suffix(f".tmp{os.getpid()}.npz")
    np.savez(tmp, **arrays)
    os.replace(tmp, path)  # atomic: a reader never sees half a file


def _load(path: Path, sc: dict) -> Population:
    with np.load(path) as z:
        people = {f: z[f] for f in _FIELDS}
        pool = infl.InfluencerPool(**{f: z[f"pool_{f}"] for f in _POOL}, tier_names=list(sc.tiers),
                                   skipped=json.loads(str(z["pool_skipped"])))
        graph = PeerGraph(z["indptr"], z["indices"])
        seed = int(z["seed"])
    p, i = sc.population, sc.influencers
    return Population(**people, graph=graph, pool=pool, niches=list(p.niches), represents=p.represents,
                      seed=seed, audience_focus=i.audience_focus, audience_broadening=i.audience_broadening,
                      affinity_exponent=i.affinity_exponent)
