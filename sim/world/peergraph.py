"""Peer network: who talks to whom among people.

The graph is stored as CSR arrays so that a million-person network builds in
seconds and word of mouth can be computed on whole arrays. networkx stays the
user-facing interface: a user's graph goes in through :meth:`PeerGraph.from_networkx`
or a graph file (:mod:`sim.world.graphfile`), and :meth:`PeerGraph.to_networkx` gives one back.

Internally the generators work on *canonical edge keys* ``u * n + v`` with
``u < v``, kept sorted and unique; the CSR arrays are built from them once, in place.
Weighted draws use Walker alias tables; big arrays are processed in fixed-size chunks,
each with its own random stream, over threads (numpy releases the GIL), so a graph is
the same whatever the number of threads (``$INFLUSIM_THREADS``, default: the cores).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import time
from pathlib import Path

import numpy as np

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["PeerGraph", "homophilous_graph", "barabasi_albert"]


class PeerGraph:
    """Undirected peer graph stored as CSR (each undirected edge appears in both directions).

    Parameters
    ----------
    indptr : array of int, shape (n + 1,)
        Row pointers: the neighbours of node ``i`` are ``indices[indptr[i]:indptr[i + 1]]``.
    indices : array of int, shape (2 * n_edges,)
        Neighbours, sorted within each row, with no self loops and no duplicates.

    Notes
    -----
    The constructor trusts its input; use :meth:`from_edges` or :meth:`from_networkx`
    to build a graph from arbitrary edges.

    Examples
    --------
    >>> g = PeerGraph.from_edges([0, 1], [1, 2], n=4)
    >>> g.n, g.n_edges
    (4, 2)
    >>> g.neighbors(1)
    array([0, 2], dtype=int32)
    >>> g.degree()
    array([1, 2, 1, 0])
    """

    def __init__(self, indptr, indices):
        self.indptr = np.asarray(indptr, dtype=np.int64)
        self.indices = np.asarray(indices, dtype=np.int32)
        if self.indptr.ndim != 1 or len(self.indptr) < 1 or self.indptr[-1] != len(self.indices):
            raise ValueError("indptr must have shape (n+1,) and end at len(indices)")

    @property
    def n(self) -> int:
        """Number of nodes."""
        return len(self.indptr) - 1

    @property
    def n_edges(self) -> int:
        """Number of undirected edges."""
        return len(self.indices) // 2

    def __repr__(self) -> str:
        return f"PeerGraph(n={self.n}, n_edges={self.n_edges})"

    def degree(self) -> np.ndarray:
        """Degree of every node.

        Returns
        -------
        numpy.ndarray of int64, shape (n,)

        Examples
        --------
        >>> PeerGraph.from_edges([0, 0], [1, 2], n=3).degree()
        array([2, 1, 1])
        """
        return np.diff(self.indptr)

    def neighbors(self, i: int) -> np.ndarray:
        """Neighbours of node ``i`` (sorted; a view into ``indices``).

        Examples
        --------
        >>> PeerGraph.from_edges([0, 0], [1, 2], n=3).neighbors(0)
        array([1, 2], dtype=int32)
        """
        if not 0 <= i < self.n:
            raise IndexError(f"node {i} out of range for a graph with {self.n} nodes")
        return self.indices[self.indptr[i] : self.indptr[i + 1]]

    def mean_degree(self) -> float:
        """Mean degree, ``2 * n_edges / n``.

        Examples
        --------
        >>> PeerGraph.from_edges([0, 1], [1, 2], n=4).mean_degree()
        1.0
        """
        return 2.0 * self.n_edges / self.n if self.n else 0.0

    def to_networkx(self) -> nx.Graph:
        """Convert to a networkx graph with nodes ``0..n-1`` (isolated nodes included).

        Examples
        --------
        >>> G = PeerGraph.from_edges([0], [1], n=3).to_networkx()
        >>> sorted(G.nodes()), list(G.edges())
        ([0, 1, 2], [(0, 1)])
        """
        rows = np.repeat(np.arange(self.n, dtype=np.int64), self.degree())
        upper = rows < self.indices  # each undirected edge once
        import networkx as nx

        G = nx.Graph()
        G.add_nodes_from(range(self.n))
        G.add_edges_from(zip(rows[upper].tolist(), self.indices[upper].tolist()))
        return G

    @classmethod
    def from_edges(cls, src, dst, n: int) -> "PeerGraph":
        """Build from edge endpoint arrays; symmetrises, drops self loops and duplicates.

        Parameters
        ----------
        src, dst : array_like of int
            Endpoints of each edge, node ids in ``0..n-1``. Direction is ignored.
        n : int
            Number of nodes.

        Examples
        --------
        >>> g = PeerGraph.from_edges([0, 1, 1, 2], [1, 0, 1, 2], n=3)
        >>> g.n_edges  # (0,1) and (1,0) are one edge; self loops are dropped
        1
        """
        src = np.asarray(src, dtype=np.int64).ravel()
        dst = np.asarray(dst, dtype=np.int64).ravel()
        if src.shape != dst.shape:
            raise ValueError("src and dst must have the same length")
        if len(src) and (min(src.min(), dst.min()) < 0 or max(src.max(), dst.max()) >= n):
            raise ValueError(f"node ids must lie in 0..{n - 1}")
        return _csr_from_keys(_sorted_keys(_canonical_keys(src, dst, n), n), n)

    @classmethod
    def from_networkx(cls, G: nx.Graph) -> tuple["PeerGraph", list]:
        """Build from a networkx graph; directed graphs and multigraphs are symmetrised.

        Returns
        -------
        graph : PeerGraph
            Node ``i`` is ``labels[i]``.
        labels : list
            Original node labels, in ``G.nodes()`` order.

        Examples
        --------
        >>> import networkx as nx
        >>> g, labels = PeerGraph.from_networkx(nx.Graph([("a", "b"), ("b", "c")]))
        >>> labels, g.n_edges
        (['a', 'b', 'c'], 2)
        """
        labels = list(G.nodes())
        index = {label: i for i, label in enumerate(labels)}
        m = G.number_of_edges()
        src = np.fromiter((index[u] for u, _ in G.edges()), dtype=np.int64, count=m)
        dst = np.fromiter((index[v] for _, v in G.edges()), dtype=np.int64, count=m)
        return cls.from_edges(src, dst, len(labels)), labels

    def save(self, path) -> None:
        """Save to an ``.npz`` file (numpy adds the suffix if it is missing).

        Examples
        --------
        >>> import tempfile, os
        >>> p = os.path.join(tempfile.mkdtemp(), "peers.npz")
        >>> PeerGraph.from_edges([0], [1], n=2).save(p)
        >>> PeerGraph.load(p).n_edges
        1
        """
        np.savez(path, indptr=self.indptr, indices=self.indices)

    @classmethod
    def load(cls, path) -> "PeerGraph":
        """Load a graph written by :meth:`save`.

        Examples
        --------
        See :meth:`save`.
        """
        with np.load(path, allow_pickle=False) as data:
            return cls(data["indptr"], data["indices"])


# --- threads ----------------------------------------------------------------------------
#
from sim.world.parallel import (  # noqa: F401, E402  (chunked, parallel helpers; names kept importable here)
    CHUNK,
    _EDGE_CHUNK,
    _BLOCK,
    threads,
    parallel_map,
    chunk_bounds,
    spawn_generators,
    _pivots,
    _split,
    _sort_buckets,
    _sorted_keys,
    _PARALLEL_MIN,
    _MERGE_BLOCK,
    _stretches,
    _is_in,
    _insert_sorted,
    _reversed,
    _row_counts,
)


def _canonical_keys(src, dst, n):
    """Keys ``min * n + max`` of the non-loop edges (unsorted, may repeat)."""
    lo = np.minimum(src, dst).astype(np.int64, copy=False)
    hi = np.maximum(src, dst)
    loops = lo == hi
    lo *= n
    lo += hi
    return lo[~loops] if loops.any() else lo


class _Edges:
    """An undirected edge set as two sorted key arrays: ``up`` (``u * n + v``, u < v, each row's
    upper neighbours) and ``down`` (``v * n + u``, each row's lower neighbours), with the
    neighbours of each row: row ``r`` lists ``down``'s then ``up``'s, both in order."""

    def __init__(self, up: np.ndarray, n: int, down: np.ndarray | None = None):
        self.n, self.up = n, up
        self.down = _reversed(up, n) if down is None else down
        self.up_count = _row_counts(self.up, n)
        self.down_count = _row_counts(self.down, n)

    def __len__(self) -> int:
        return len(self.up)

    def add(self, new: np.ndarray) -> None:
        """Add sorted unique keys, none of them present."""
        if not len(new):
            return
        down = _reversed(new, self.n)
        self.up_count += _row_counts(new, self.n)
        self.down_count += _row_counts(down, self.n)
        self.up = _insert_sorted(self.up, new)
        self.down = _insert_sorted(self.down, down)

    def csr(self) -> PeerGraph:
        """CSR arrays, written in place: each row's lower then upper neighbours."""
        n = self.n
        indptr = np.zeros(n + 1, np.int64)
        np.cumsum(self.down_count + self.up_count, out=indptr[1:])
        indices = np.empty(2 * len(self.up), np.int32)
        for keys, counts, before in ((self.down, self.down_count, None), (self.up, self.up_count, self.down_count)):
            first = np.cumsum(counts)
            first -= counts
            offset = indptr[:-1] - first
            if before is not None:
                offset += before
            del first

            def one(b, keys=keys, offset=offset):
                q = keys[b[0] : b[1]] // n
                dest = offset[q]
                dest += np.arange(b[0], b[1])
                indices[dest] = keys[b[0] : b[1]] - q * n

            parallel_map(one, chunk_bounds(len(keys), _BLOCK))
        return PeerGraph(indptr, indices)


def _csr_from_keys(keys, n) -> PeerGraph:
    """CSR from sorted unique canonical keys."""
    return _Edges(keys, n).csr()


def _niche_codes(niche) -> tuple[np.ndarray, np.ndarray]:
    """(code 0..k-1 of each person's niche, members of each niche); small ints skip a sort."""
    niche = np.asarray(niche).ravel()
    if niche.dtype.kind in "iub" and len(niche) and niche.min() >= 0 and niche.max() < 1 << 16:
        present = np.bincount(niche) > 0
        lut = (np.cumsum(present) - 1).astype(np.int16)
        code = lut[niche]
    else:
        _, code = np.unique(niche, return_inverse=True)
        code = code.astype(np.int16 if code.max(initial=0) < 1 << 15 else np.int32)
    return code, np.bincount(code)


# --- weighted sampling: Walker's alias method -------------------------------------------

from sim.world.alias import ALIAS_CELL, alias_cells, alias_draw  # noqa: F401, E402


def homophilous_graph(
    niche: np.ndarray,
    mean_degree: float = 10.0,
    homophily: float = 0.8,
    clustering: float = 0.3,
    degree_exponent: float = 2.5,
    rng=None,
) -> PeerGraph:
    """Homophilous, clustered, heavy-tailed peer graph.

    Each person gets a Chung-Lu weight drawn from a Pareto law with tail exponent
    ``degree_exponent`` (capped at ``sqrt(n * mean_degree)`` and scaled to mean
    ``mean_degree``); expected degrees are proportional to the weights. Of the edge
    budget ``n * mean_degree / 2``, a fraction ``1 - clustering`` is drawn at random:
    the first endpoint weight-proportional over everyone, the second weight-proportional
    within the first's niche with probability ``homophily``, otherwise over everyone.
    The remaining fraction ``clustering`` closes triads: pick a person, connect two of
    their random neighbours. Closures are thinned by niche agreement so that they keep
    the same-niche share of the random edges, and a uniformly random subset of the new
    ones is kept to fill the budget. Duplicate edges are dropped and topped up, so the
    realised mean degree is close to ``mean_degree``.

    Performance: weight-proportional draws use Walker alias tables (one memory access
    per draw); edges are drawn, deduplicated and turned into CSR in fixed-size chunks,
    each with a random stream of its own, over threads (:func:`threads`); the result
    does not depend on the number of threads.

    Parameters
    ----------
    niche : array, shape (n,)
        Each person's primary niche (any sortable labels, usually int).
    mean_degree : float
        Target mean degree.
    homophily : float in [0, 1]
        Share of random edges matched within the same niche. The realised same-niche
        share of all edges is about ``homophily + (1 - homophily) * s``, where ``s`` is
        the chance that two degree-weighted random people share a niche.
    clustering : float in [0, 1)
        Share of the edge budget spent on triadic closure.
    degree_exponent : float > 1
        Tail exponent of the degree distribution, ``P(k) ~ k ** -degree_exponent``.
    rng : None, int or numpy.random.Generator
        Source of randomness; the same seed gives identical arrays.

    Returns
    -------
    PeerGraph

    Examples
    --------
    >>> niche = np.random.default_rng(0).integers(0, 8, size=5000)
    >>> g = homophilous_graph(niche, mean_degree=10, rng=1)
    >>> g.n, round(g.mean_degree())
    (5000, 10)
    """
    rng = np.random.default_rng(rng)
    code, members = _niche_codes(niche)
    n = len(code)
    if n < 2:
        raise ValueError("need at least 2 people")
    if not 0 < mean_degree < n - 1:
        raise ValueError(f"mean_degree must lie in (0, {n - 1})")
    if not 0 <= homophily <= 1:
        raise ValueError("homophily must lie in [0, 1]")
    if not 0 <= clustering < 1:
        raise ValueError("clustering must lie in [0, 1)")
    if degree_exponent <= 1:
        raise ValueError("degree_exponent must be > 1")

    clock = _Clock()
    # Chung-Lu weights; the cap keeps hub pair probabilities below 1 (fewer duplicates).
    w = np.empty(n)

    def pareto(job):
        (lo, hi), g = job
        w[lo:hi] = g.pareto(degree_exponent - 1.0, size=hi - lo)
        w[lo:hi] += 1.0

    bounds = chunk_bounds(n)
    parallel_map(pareto, zip(bounds, spawn_generators(rng, len(bounds))))
    for _ in range(20):  # rescale and cap until the mean settles (one pass for light tails)
        w *= mean_degree / w.mean()
        np.minimum(w, np.sqrt(n * mean_degree), out=w)
        if w.mean() > 0.999 * mean_degree:
            break

    # Alias tables, one per niche, laid out niche after niche. A draw over everyone picks
    # a niche by its total weight, then a person within it.
    end = np.cumsum(members)
    start = end - members
    within = np.empty(n, ALIAS_CELL)
    niche_weight = np.zeros(len(members))

    def table(k):
        people = np.flatnonzero(code == k)
        niche_weight[k] = w[people].sum()
        within[start[k] : end[k]] = alias_cells(w[people], people)

    parallel_map(table, range(len(members)))
    w = None  # type: ignore[assignment]  # frees the weights: the tables hold what the draws need
    niche_cells = alias_cells(niche_weight)  # a niche in proportion to its people's total weight
    clock("weights and alias tables")
    matchable = members > 1  # a niche of one has no peers to match: those draws go to everyone

    def niches_of(g, size):
        """Niches of ``size`` weight-proportional draws over everyone."""
        return alias_draw(niche_cells, g.random(size))

    drawn = [0, 0]  # random edges drawn (loops aside), and how many of them within a niche

    def random_edges(total):
        """Canonical keys of ``total`` random edges (loops dropped), in chunks."""
        sizes = [hi - lo for lo, hi in chunk_bounds(total, _EDGE_CHUNK)]

        def one(job):
            size, g = job
            ka = niches_of(g, size)
            a = alias_draw(within, g.random(size), start[ka], members[ka])
            local = g.random(size, dtype=np.float32) < homophily
            local &= matchable[ka]
            kb = np.where(local, ka, niches_of(g, size))  # the first end's niche, or anyone's
            b = alias_draw(within, g.random(size), start[kb], members[kb])
            loop = a == b
            return _canonical_keys(a, b, n), size - int(loop.sum()), int(np.count_nonzero((ka == kb) & ~loop))

        out = parallel_map(one, zip(sizes, spawn_generators(rng, len(sizes))))
        drawn[0] += sum(o[1] for o in out)
        drawn[1] += sum(o[2] for o in out)
        return [o[0] for o in out]

    def fresh(keys, pieces, extra=None):
        """Sorted unique keys of ``pieces`` that are not in the sorted ``keys`` (nor ``extra``)."""
        new = _sorted_keys(pieces, n)
        new = new[~_is_in(keys, new)]
        return new if extra is None else new[~_is_in(extra, new)]

    def top_up(keys, new, target):
        """``new`` and fresh random edges until ``keys`` and ``new`` hold ``target`` edges."""
        for _ in range(8):  # a round only has the last round's few duplicates to replace
            missing = target - len(keys) - len(new)
            if missing <= 0:
                break
            new = _insert_sorted(new, fresh(keys, random_edges(missing), new))
        return new

    def close_triads(edges, count, clock):
        g = edges.csr()
        clock("closures: CSR")
        deg = g.degree()
        centres = np.flatnonzero(deg >= 2)
        if not len(centres):
            return np.zeros(0, np.int64)
        # Oversample (repeats, closed triads and thinning discard some). Each centre is
        # picked a Poisson number of times: uniform centres, taken in id order so that
        # neighbour lists are read in order (the subset kept below is uniform, so the
        # order favours nobody).
        rate = _TRIAD_OVERSAMPLING * count / len(centres)
        parts = chunk_bounds(len(centres), max(1024, int(_EDGE_CHUNK / rate)))

        def one(job):
            (lo, hi), gen = job
            c = np.repeat(centres[lo:hi], gen.poisson(rate, hi - lo))
            d = deg[c]
            ia = (gen.random(len(c)) * d).astype(np.int64)
            np.minimum(ia, d - 1, out=ia)
            step = (gen.random(len(c)) * (d - 1)).astype(np.int64)
            np.minimum(step, d - 2, out=step)
            ib = ia + 1 + step  # a different neighbour
            ib %= d
            ptr = g.indptr[c]
            return _canonical_keys(g.indices[ptr + ia], g.indices[ptr + ib], n)

        pieces = parallel_map(one, zip(parts, spawn_generators(rng, len(parts))))
        clock("closures: draw")
        new = fresh(edges.up, pieces)
        g = deg = centres = pieces = None  # memory: the closures' CSR is no longer needed
        # Two neighbours of one person share a niche less often than edges do: thin the
        # closures (accept in proportion to target / drawn share) so that their
        # same-niche share matches that of the edges so far.
        target = drawn[1] / max(drawn[0], 1)  # the random edges' share (closures keep it)
        same = _same_niche(new, code, n)
        r = same.mean() if len(new) else 0.0
        w_same = target / r if r > 0 else 0.0
        w_cross = (1 - target) / (1 - r) if r < 1 else 0.0
        accept = np.where(same, w_same, w_cross) / max(w_same, w_cross, 1e-12)
        del same
        new = new[rng.random(len(new)) < accept]
        del accept
        if len(new) > count:  # a uniformly random subset of `count`: Bernoulli, then exactly
            keep = min(1.0, (count + 4.0 * np.sqrt(count) + 16.0) / len(new))
            new = new[rng.random(len(new)) < keep]
            if len(new) > count:
                drop = np.zeros(len(new), bool)
                drop[rng.choice(len(new), len(new) - count, replace=False)] = True
                new = new[~drop]
        clock("closures: sort, thin")
        return new

    budget = int(round(n * mean_degree / 2))
    target = budget - int(round(clustering * budget))
    pieces = random_edges(target)
    clock("random edges: draw")
    keys = _sorted_keys(pieces, n)
    del pieces
    keys = _insert_sorted(keys, top_up(keys, np.zeros(0, np.int64), target))  # duplicates replaced
    clock("random edges: sort, top up")
    edges = _Edges(keys, n)
    del keys
    clock("reversed keys")
    for round_ in range(3):  # later rounds, on the denser graph, fill what repeats left over
        count = budget - len(edges)
        if count <= 0 or clustering == 0:
            break
        new = close_triads(edges, count, clock)
        if round_ == 2 or len(new) >= 0.99 * count:  # a small shortfall: random edges, in the same pass
            new = top_up(edges.up, new, budget)
        edges.add(new)
        clock("closures: add")
    if len(edges) < budget:
        edges.add(top_up(edges.up, np.zeros(0, np.int64), budget))
    graph = edges.csr()
    clock("CSR")
    LAST_PHASES.clear()
    LAST_PHASES.update(clock.phases)
    return graph


LAST_PHASES: dict = {}  # wall seconds of each phase of the latest homophilous_graph (a diagnostic)


class _Clock:
    """Wall seconds since the last call, added up by phase name."""

    def __init__(self):
        self.phases: dict = {}
        self.t = time.perf_counter()

    def __call__(self, name: str) -> None:
        now = time.perf_counter()
        self.phases[name] = self.phases.get(name, 0.0) + now - self.t
        self.t = now


_TRIAD_OVERSAMPLING = 1.6  # closures drawn per closure needed (a later round makes up a shortfall)


def _same_niche(keys, code, n) -> np.ndarray:
    """Whether the two ends of each edge (canonical key) share a niche."""
    out = np.empty(len(keys), bool)

    def one(b):
        q = keys[b[0] : b[1]] // n
        np.equal(code[q], code[keys[b[0] : b[1]] - q * n], out=out[b[0] : b[1]])

    parallel_map(one, chunk_bounds(len(keys), _BLOCK))
    return out


_BA_CORE = 1000  # first nodes of barabasi_albert, added one by one (a few ms)


def barabasi_albert(n: int, m: int, rng=None) -> PeerGraph:
    """Barabasi-Albert preferential attachment graph.

    Node ``m`` links to nodes ``0..m-1``; each later node links to ``m`` earlier nodes
    chosen with probability proportional to degree. Uses the "repeated nodes" list of
    Batagelj and Brandes: the target of a new edge is the node at a uniformly random
    earlier stub position. The first 1,000 nodes are added one by one with distinct
    targets; for the rest the whole list is resolved at once by following pointers to
    earlier edges (vectorised, a few dozen passes at most), and the rare repeated
    targets of one node are dropped, so the mean degree is slightly below ``2 m``.

    Parameters
    ----------
    n : int
        Number of nodes, ``n > m``.
    m : int
        Edges per new node, ``m >= 1``.
    rng : None, int or numpy.random.Generator
        Source of randomness; the same seed gives identical arrays.

    Returns
    -------
    PeerGraph

    Examples
    --------
    >>> g = barabasi_albert(10_000, 3, rng=0)
    >>> g.n, round(g.mean_degree())
    (10000, 6)
    """
    if m < 1 or n <= m:
        raise ValueError("need m >= 1 and n > m")
    rng = np.random.default_rng(rng)
    n_e = m * (n - m)
    e = np.arange(n_e, dtype=np.int64)
    src = m + e // m
    tgt = np.full(n_e, -1, dtype=np.int64)
    # Edge e's stubs are positions 2e (src) and 2e+1 (tgt) of the repeated-nodes list.
    # The first nodes pick m distinct targets one by one (as networkx does): there,
    # repeated picks are common and, left in the list, would inflate the first hubs.
    tgt[:m] = np.arange(m)
    core = min(n, _BA_CORE)
    for v in range(m + 1, core):
        first = (v - m) * m
        picks: set[int] = set()
        while len(picks) < m:
            pos = rng.integers(2 * first, size=m - len(picks))
            picks.update(np.where(pos & 1, tgt[pos >> 1], src[pos >> 1]).tolist())
        tgt[first : first + m] = sorted(picks)
    # Later nodes, all at once: each new edge points at a uniformly random stub of the
    # edges of earlier nodes (positions 0 .. 2 * first_edge(src) - 1).
    todo = np.arange(m * (core - m), n_e)
    ptr = np.zeros(n_e, dtype=np.int64)
    ptr[todo] = (rng.random(len(todo)) * (2 * (src[todo] - m) * m)).astype(np.int64)
    pos = ptr[todo]
    while len(todo):
        j = pos >> 1
        # An even position is an edge source (known); an odd one is an earlier edge's
        # target: taken if resolved, else follow that edge's own pointer.
        val = np.where(pos & 1, tgt[j], src[j])
        done = val >= 0
        tgt[todo[done]] = val[done]
        todo, pos = todo[~done], ptr[j[~done]]
    return PeerGraph.from_edges(src, tgt, n)
