"""The population: people as arrays, their peer graph, and the influencer pool.

A :class:`Population` is built once per scenario population (and seed) and shared by
every strategy and replicate, in memory and through an on-disk cache, so replicates
differ only in the campaign's randomness (common random numbers across strategies).

Examples
--------
>>> from sim.scenario import with_fields, default_scenario
>>> sc = with_fields(default_scenario(), {"population.size": 2000, "population.represents": 500})
>>> from sim.world import build_population
>>> pop = build_population(sc, use_cache=False)
>>> pop.n, pop.interests.shape[1]
(2000, 9)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from sim.scenario.models import Population as PopulationTable


class _LazySpecial:
    """``scipy.special``, imported on first use (it takes half a second, and a refused run needs none of it)."""

    def __getattr__(self, name):
        from scipy import special as module

        return getattr(module, name)


special = _LazySpecial()

import sim.world.creators as infl
from sim.world.peergraph import (
    PeerGraph,
    barabasi_albert,
    chunk_bounds,
    homophilous_graph,
    parallel_map,
)
from sim.world.graphfile import read_peer_graph


@dataclass
class Population:
    """People (arrays indexed by person id), the peer graph and the candidate influencers.

    Memory: about 100 bytes a person at the default mean degree of 10 (interests 4 bytes
    per niche, four float32 attributes, the CSR graph 8 bytes per person plus 4 per
    peer); see :meth:`nbytes`. What is derived from the arrays (primary niche, strongest
    interest, niche weights, audiences) is computed on first use and kept.
    """

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
    _niche: np.ndarray | None = field(default=None, repr=False)
    _top: np.ndarray | None = field(default=None, repr=False)

    @property
    def n(self) -> int:
        return len(self.susceptibility)

    @property
    def niche(self) -> np.ndarray:
        """Each person's primary niche (int16; computed once)."""
        if self._niche is None:
            self._niche = primary_niche(self.interests)
        return self._niche

    def top_interest(self) -> np.ndarray:
        """Each person's strongest interest (float32; computed once)."""
        if self._top is None:
            top = np.empty(self.n, np.float32)

            def one(b):  # column by column over a cached chunk: 4x faster than max(axis=1) on short rows
                rows, out = self.interests[b[0] : b[1]], top[b[0] : b[1]]
                out[:] = rows[:, 0]
                for c in range(1, rows.shape[1]):
                    np.maximum(out, rows[:, c], out=out)

            parallel_map(one, chunk_bounds(self.n, _SMALL_CHUNK))
            self._top = top
        return self._top

    def match(self, people, niche: int) -> np.ndarray:
        """Interest of ``people`` in ``niche`` relative to their strongest interest, in [0, 1]."""
        if not isinstance(people, slice):
            people = np.asarray(people)
        return self.interests[people, niche] / self.top_interest()[people]

    def audience_size(self, j: int) -> int:
        """Simulated followers of influencer ``j`` (real followers / represents)."""
        return max(1, int(round(self.pool.followers[j] / self.represents)))

    def audience(self, j: int) -> np.ndarray:
        """Sorted person ids following influencer ``j`` (drawn once, from a seed of its own)."""
        j = int(j)
        if j not in self._audiences:
            self._audiences[j] = self._draw_audience(j)
        return self._audiences[j]

    def draw_audiences(self, ids) -> None:
        """Draw the audiences of the accounts ``ids`` that are not drawn yet, over threads.

        Each audience comes from a seed of its own, so they are the same as drawn one by
        one by :meth:`audience`, whatever the number of threads or the order. Performance:
        a campaign of a hundred micro accounts draws their audiences in parallel (numpy
        releases the GIL in the draws); the niches' cumulative weights are made first.

        Examples
        --------
        >>> from sim.scenario import with_fields, default_scenario
        >>> from sim.world import build_population
        >>> sc = with_fields(default_scenario(), {"population.size": 2000, "population.represents": 500})
        >>> a, b = build_population(sc, use_cache=False), build_population(sc, use_cache=False)
        >>> a.draw_audiences([3, 1, 2])
        >>> all(np.array_equal(a.audience(j), b.audience(j)) for j in (1, 2, 3))
        True
        """
        todo = sorted({int(j) for j in np.asarray(ids, dtype=int).ravel()} - self._audiences.keys())
        self._make_cdfs(sorted({int(self.pool.niche[j]) for j in todo}))
        for j, audience in zip(todo, parallel_map(self._draw_audience, todo)):
            self._audiences[j] = audience

    def _draw_audience(self, j: int) -> np.ndarray:
        """Account ``j``'s audience, from its own seed (:func:`sim.world.creators.draw_audience`)."""
        c = int(self.pool.niche[j])
        rng = np.random.default_rng(np.random.SeedSequence(self.seed, spawn_key=(7, j)))
        focus = float(infl.niche_focus(self.pool.followers[j], self.audience_focus, self.audience_broadening))
        return infl.draw_audience(self.audience_size(j), self._cdf(c), focus, self.n, rng)

    def _cdf(self, c: int) -> np.ndarray:
        """Cumulative niche weights ``interest[:, c] ** affinity_exponent`` (float64; one per niche, kept)."""
        if c not in self._cdfs:
            self._make_cdfs([c])
        return self._cdfs[c]

    def _make_cdfs(self, niches) -> None:
        """The cumulative niche weights (:meth:`_cdf`) of the ``niches`` not made yet, in one pass over the people.

        Each chunk of :func:`~sim.world.parallel.chunk_bounds` takes its own cumulative sums
        (in parallel), then the chunks before it are added: the numbers are fixed by the
        chunks, whatever the threads. Performance: within a chunk, blocks of
        :data:`_CUMSUM_BLOCK` people are weighted and summed for every niche while their
        rows are in cache, so the interests are read once for all the niches (adding the
        running total to a block's first weight makes every partial sum the same addition
        as one cumulative sum over the chunk).
        """
        niches = [c for c in dict.fromkeys(int(c) for c in niches) if c not in self._cdfs]
        if not niches:
            return
        cdfs = {c: np.empty(self.n) for c in niches}
        bounds = chunk_bounds(self.n)

        def local(b):  # each chunk's own cumulative sums
            carry = dict.fromkeys(niches)
            for lo in range(b[0], b[1], _CUMSUM_BLOCK):
                hi = min(lo + _CUMSUM_BLOCK, b[1])
                rows = self.interests[lo:hi]
                for c in niches:
                    x = cdfs[c][lo:hi]
                    if self.affinity_exponent == 2.0:
                        np.square(rows[:, c], out=x, dtype=np.float64)
                    else:
                        np.power(rows[:, c], self.affinity_exponent, out=x, dtype=np.float64)
                    if carry[c] is not None:
                        x[0] += carry[c]
                    np.cumsum(x, out=x)
                    carry[c] = x[-1]

        parallel_map(local, bounds)
        ends = {c: np.cumsum([cdf[hi - 1] for _, hi in bounds]) for c, cdf in cdfs.items()}

        def shift(i):  # then the chunks before it
            if i:
                for c, cdf in cdfs.items():
                    cdf[bounds[i][0] : bounds[i][1]] += ends[c][i - 1]

        parallel_map(shift, range(len(bounds)))
        self._cdfs.update(cdfs)

    def alignment(self, ids, product_niche: int) -> np.ndarray:
        """Expected interest of each account's audience in ``product_niche`` (relative match, 0..1).

        Computed from how audiences are drawn, without drawing them.
        """
        ids = np.asarray(ids, dtype=int)
        by_niche, mean = self._niche_alignment(product_niche)
        focus = infl.niche_focus(self.pool.followers[ids], self.audience_focus, self.audience_broadening)
        return focus * by_niche[self.pool.niche[ids]] + (1 - focus) * mean

    def _niche_alignment(self, product_niche: int) -> tuple[np.ndarray, float]:
        """(mean match to ``product_niche`` of people drawn by each niche's weights, population mean).

        One pass over the people gives every (account niche, product niche) pair: the
        sums are taken over fixed chunks of people (in parallel, added in chunk order; see
        :func:`_alignment_sums`), so no (n, K) float64 copy is made and the result does not
        depend on the threads.
        """
        if "all" not in self._aligned:
            top = self.top_interest()

            def one(b):
                return _alignment_sums(self.interests[b[0] : b[1]], top[b[0] : b[1]], self.affinity_exponent)

            sums = sum(parallel_map(one, chunk_bounds(self.n, _SMALL_CHUNK)))
            k = self.interests.shape[1]
            num, den, total = sums[:k, :k], sums[:k, k], sums[k, :k]
            self._aligned["all"] = (num / den[:, None], total / self.n)
        by_niche, mean = self._aligned["all"]
        return by_niche[:, product_niche], float(mean[product_niche])

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


_SMALL_CHUNK = 1 << 16  # people per chunk of the passes over interests (a chunk stays in cache)
_ALIGN_BLOCK = 2048  # people per matrix product of the alignment sums: small enough for one BLAS thread
_CUMSUM_BLOCK = 1 << 15  # people per block of the cumulative niche weights (its rows stay in cache)


def _alignment_sums(interests: np.ndarray, top: np.ndarray, exponent: float) -> np.ndarray:
    """Sums over people of niche weights times matches, ``(K + 1, K + 1)`` float64.

    With ``w = interests ** exponent`` (each person's weight in each niche's audience) and
    ``m = interests / top`` (their match to each niche), extended by a column of ones,
    the result is ``[[w.T @ m, w.T @ 1], [1 @ m, people]]``. It is taken over blocks of
    :data:`_ALIGN_BLOCK` people, added in order, so that it is the same whatever the
    number of threads: a block's product is small enough that OpenBLAS computes it on
    one thread (a whole chunk's product and the vector products were split over its
    threads, which changed the last bits with the number of cores, and oversubscribed
    the cores three times over when run in the chunk threads: 4.9 s instead of 0.5 s at
    10^7 people).

    Examples
    --------
    >>> x = np.array([[0.5, 1.0], [1.0, 1.0]], np.float32)
    >>> _alignment_sums(x, x.max(axis=1), 2.0).tolist()
    [[1.125, 1.25, 1.25], [1.5, 2.0, 2.0], [1.5, 2.0, 2.0]]
    """
    k = interests.shape[1]
    block = min(_ALIGN_BLOCK, len(interests))
    m = np.ones((block, k + 1))
    w = np.ones((block, k + 1))
    out = np.zeros((k + 1, k + 1))
    for lo in range(0, len(interests), block):
        rows = interests[lo : lo + block]
        b = len(rows)
        # the match divides in float32, as Population.match; the weights are float64 powers
        np.divide(rows, top[lo : lo + block, None], out=m[:b, :k], dtype=np.float32)
        if exponent == 2.0:
            np.square(rows, out=w[:b, :k], dtype=np.float64)
        else:
            np.power(rows, exponent, out=w[:b, :k], dtype=np.float64)
        out += w[:b].T @ m[:b]
    return out


def primary_niche(interests: np.ndarray) -> np.ndarray:
    """Index of each row's largest interest (int16), over chunks of people in parallel.

    Examples
    --------
    >>> primary_niche(np.array([[0.1, 0.9], [0.6, 0.4]], np.float32)).tolist()
    [1, 0]
    """
    out = np.empty(len(interests), np.int16)

    def one(b):
        out[b[0] : b[1]] = np.argmax(interests[b[0] : b[1]], axis=1)

    parallel_map(one, chunk_bounds(len(interests)))
    return out


_LOGIT_SPAN = 37.0  # uniforms of 53 bits lie within logit +-36.7
_NODES = 1 << 14  # nodes of a quantile table
_EXACT_BELOW = 1 << 16  # populations smaller than this get exact quantiles
_TABLES: dict = {}  # (a, b) -> logit quantiles at the nodes, shared by every market of the process


def _beta_table(a: float, b: float) -> np.ndarray:
    """``logit(Q(expit(t)))`` of the Beta(a, b) quantile function ``Q`` at evenly spaced ``t``.

    Both tails come from ``betaincinv`` of their own side (``1 - Q`` as the quantile of
    Beta(b, a)), so neither loses precision; logit against logit is nearly straight in
    both tails, which makes linear interpolation accurate (about 1e-7 absolute).
    """
    key = (float(a), float(b))
    table = _TABLES.get(key)
    if table is None:
        t = np.linspace(-_LOGIT_SPAN, _LOGIT_SPAN, _NODES + 1)
        with np.errstate(divide="ignore"):
            y = np.log(special.betaincinv(a, b, special.expit(t))) - np.log(special.betaincinv(b, a, special.expit(-t)))
        table = np.clip(y, -200.0, 200.0)  # expit(-200) is 0 in float32
        if len(_TABLES) > 256:
            _TABLES.clear()
        _TABLES[key] = table
    return table


def beta_mean(u, mean: float, concentration: float, exact: bool | None = None) -> np.ndarray:
    """Beta quantiles of uniforms ``u`` for a given mean and concentration (a + b), float32.

    Drawing by quantiles keeps each person's rank when a parameter changes, so a sweep
    compares like with like. With ``exact`` (default: fewer than 65,536 uniforms) the
    quantiles come from ``scipy.special.betaincinv``; otherwise (two microseconds a person
    is most of a million-person market's build) they are interpolated in a table of the
    quantile function in logit space, built once per (a, b) and process and shared by
    every market: within 1e-7 of exact, monotone in ``u`` and, node by node, in the
    mean, so ranks are kept as well.

    Examples
    --------
    >>> x = beta_mean(np.random.default_rng(0).random(100_000), 0.3, 2.0)
    >>> round(float(x.mean()), 2)
    0.3
    >>> u = np.random.default_rng(1).random(1000)
    >>> bool(np.abs(beta_mean(u, 0.3, 2.0, exact=False) - beta_mean(u, 0.3, 2.0, exact=True)).max() < 1e-6)
    True
    """
    u = np.asarray(u, dtype=np.float64)
    a, b = mean * concentration, (1 - mean) * concentration
    if exact is None:
        exact = u.size < _EXACT_BELOW
    if exact:
        return special.betaincinv(a, b, u).astype(np.float32)
    table = _beta_table(a, b)
    x = special.logit(u)
    np.clip(x, -_LOGIT_SPAN, _LOGIT_SPAN, out=x)
    x += _LOGIT_SPAN
    x *= _NODES / (2 * _LOGIT_SPAN)
    i = x.astype(np.int64)
    np.minimum(i, _NODES - 1, out=i)
    x -= i  # position between nodes i and i + 1
    y = table[i]
    x *= table[i + 1] - y
    x += y
    return special.expit(x).astype(np.float32)


def stream(seed: np.random.SeedSequence, k: int, *chunk: int) -> np.random.Generator:
    """The k-th independent stream of ``seed`` (derived from its key, so the same in every process).

    ``stream(seed, k, c)`` is chunk ``c`` of it (people ``c * CHUNK`` onwards).
    """
    return np.random.default_rng(np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, k, *chunk)))


def draw_people(n: int, p: PopulationTable, seed) -> dict:
    """Draw people's attributes from the ``population`` table of a scenario.

    Each attribute has its own random stream of ``seed`` (an int or SeedSequence), so
    changing one parameter leaves the others' draws alone. Interests are Dirichlet
    (normalised Gamma draws) with concentration ``interest_concentration``.
    Susceptibility is Beta-distributed with a low concentration by default, so a
    minority is easily influenced (Watts & Dodds 2007); activity is log-normal with
    mean 1; share and purchase propensities are Beta.

    Performance: people are drawn in fixed chunks of :data:`~sim.world.peergraph.CHUNK`,
    each attribute and chunk from a stream of its own (``stream(seed, k, chunk)``),
    straight into float32 arrays, over threads; the result does not depend on the
    number of threads.
    """
    seed = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    k = len(p.niches)
    interests = np.empty((n, k), np.float32)
    activity = np.empty(n, np.float32)
    betas = {
        "susceptibility": (2, p.susceptibility_mean, p.susceptibility_concentration),
        "share_propensity": (3, max(p.share_propensity_mean, 1e-6), p.propensity_concentration),
        "purchase_propensity": (4, p.purchase_propensity_mean, p.propensity_concentration),
    }
    out = {name: np.empty(n, np.float32) for name in betas}
    exact = n < _EXACT_BELOW
    if not exact:
        for _, mean, conc in betas.values():  # build the shared tables once, before the threads
            _beta_table(mean * conc, (1 - mean) * conc)
    s = np.float32(p.activity_sigma)

    def one(job):
        c, (lo, hi) = job
        g = interests[lo:hi]
        stream(seed, 0, c).standard_gamma(p.interest_concentration, size=g.shape, dtype=np.float32, out=g)
        g += np.float32(1e-12)  # a person with no interest at all still has a strongest one
        g /= g.sum(axis=1, keepdims=True)
        x = activity[lo:hi]
        stream(seed, 1, c).standard_normal(hi - lo, dtype=np.float32, out=x)
        x *= s
        x -= s * s / np.float32(2)
        np.exp(x, out=x)
        for name, (key, mean, conc) in betas.items():
            out[name][lo:hi] = beta_mean(stream(seed, key, c).random(hi - lo), mean, conc, exact=exact)

    parallel_map(one, enumerate(chunk_bounds(n)))
    return {"interests": interests, "susceptibility": out["susceptibility"], "activity": activity,
            "share_propensity": out["share_propensity"], "purchase_propensity": out["purchase_propensity"]}


def build_graph(p: Any, niche: np.ndarray, rng: np.random.Generator) -> PeerGraph:
    """The peer graph of a scenario's ``population`` section ``p`` (a ``sim.scenario.models.Population``,
    not imported: the market cache's code fingerprint covers only what draws the world).

    A graph file (``generator = "file"``) is checked whole by
    :func:`~sim.world.graphfile.read_peer_graph`: any fault, a node count other than
    ``population.size`` included, is a one-line :class:`~sim.errors.GraphFileError`
    naming the file.
    """
    g = p.graph
    n = len(niche)
    if g.generator == "homophilous":
        return homophilous_graph(niche, g.mean_degree, g.homophily, g.clustering, g.degree_exponent, rng)
    if g.generator == "barabasi_albert":
        return barabasi_albert(n, max(1, int(round(g.mean_degree / 2))), rng)
    return read_peer_graph(g.path, size=n)


#: Called as ``build_progress(stage, people)`` while a market is built in this process ("people",
#: "graph", "pool", then "done"); None is quiet. The command line sets it (sim.reports.progress).
build_progress: Callable[[str, int], None] | None = None


def build(sc, seed_seq: np.random.SeedSequence) -> Population:
    """Draw a market from its seed: people, peer graph and creator pool, each from its own stream."""
    p = sc.population
    pop_seed = int(seed_seq.generate_state(1)[0])
    _stage("people", p.size)
    people = draw_people(p.size, p, stream(seed_seq, 0).bit_generator.seed_seq)
    niche = primary_niche(people["interests"])
    _stage("graph", p.size)
    graph = build_graph(p, niche, stream(seed_seq, 1))
    _stage("pool", p.size)
    i = sc.influencers
    pool = infl.generate_pool(i.counts, sc.tiers, i.max_followers, len(p.niches),
                              i.authenticity_mean, i.monthly_offers_mean, p.size * p.represents, stream(seed_seq, 2),
                              platforms=i.platforms)
    if i.shortlist:  # your own creators: added (or alone), drawn from a stream of their own
        from sim.world.shortlist import add_shortlist

        pool = add_shortlist(pool, sc, stream(seed_seq, 3))
    pop = Population(**people, graph=graph, pool=pool, niches=list(p.niches), represents=p.represents,
                     seed=pop_seed, audience_focus=i.audience_focus, audience_broadening=i.audience_broadening,
                     affinity_exponent=i.affinity_exponent, _niche=niche)
    _stage("done", p.size)
    return pop


def _stage(stage: str, people: int) -> None:
    if build_progress is not None:
        build_progress(stage, people)
