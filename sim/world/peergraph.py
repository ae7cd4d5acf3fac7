"""Peer network: who talks to whom among people.

The graph is stored as CSR arrays so that a million-person network builds in
seconds and word of mouth can be computed on whole arrays. networkx stays the
user-facing interface: a user's graph goes in through :meth:`PeerGraph.from_networkx`
or :func:`read_graph`, and :meth:`PeerGraph.to_networkx` gives one back.

Internally the generators work on *canonical edge keys* ``u * n + v`` with
``u < v``, kept sorted and unique; the CSR arrays are built from them once.
"""

from __future__ import annotations

import re
from pathlib import Path

import networkx as nx
import numpy as np

from sim.errors import GraphFileError

__all__ = ["PeerGraph", "homophilous_graph", "barabasi_albert", "read_graph"]


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
        return _csr_from_keys(_unique(_canonical_keys(src, dst, n)), n)

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


# --- internals on canonical edge keys --------------------------------------------------


def _canonical_keys(src, dst, n):
    """Keys ``min * n + max`` of the non-loop edges (unsorted, may repeat)."""
    lo, hi = np.minimum(src, dst), np.maximum(src, dst)
    keep = lo != hi
    return lo[keep] * n + hi[keep]


def _csr_from_keys(keys, n) -> PeerGraph:
    """CSR from sorted unique canonical keys."""
    u, v = np.divmod(keys, n)
    lower = np.sort(v * n + u)  # the reverse direction, sorted by its own row
    del u, v  # at a million nodes every int64 copy of the edges is 80 MB
    # Two sorted runs: the stable sort (timsort for int64) merges them in linear time.
    both = np.sort(np.concatenate([keys, lower]), kind="stable")
    del lower
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(both // n, minlength=n), out=indptr[1:])
    return PeerGraph(indptr, (both % n).astype(np.int32))


def _unique(a):
    """Sorted unique values (plain sort; np.unique's hash path is slower on int64 here)."""
    a = np.sort(a)
    return a[np.concatenate([[True], a[1:] != a[:-1]])] if len(a) else a


def _is_in(keys, new):
    """Which of ``new`` occur in the sorted ``keys``."""
    if not len(keys):
        return np.zeros(len(new), dtype=bool)
    return keys[np.minimum(np.searchsorted(keys, new), len(keys) - 1)] == new


def _merge_keys(keys, new):
    """Add canonical keys ``new`` to the sorted unique ``keys``."""
    new = _unique(new)
    return np.sort(np.concatenate([keys, new[~_is_in(keys, new)]]), kind="stable")


# --- generators -------------------------------------------------------------------------


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
    the same-niche share of the random edges. Duplicate edges are dropped and topped up,
    so the realised mean degree is close to ``mean_degree``.

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
    _, code = np.unique(np.asarray(niche).ravel(), return_inverse=True)
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

    # Chung-Lu weights; the cap keeps hub pair probabilities below 1 (fewer duplicates).
    w = 1.0 + rng.pareto(degree_exponent - 1.0, size=n)
    for _ in range(20):  # rescale and cap until the mean settles (one pass for light tails)
        w = np.minimum(w * (mean_degree / w.mean()), np.sqrt(n * mean_degree))
        if w.mean() > 0.999 * mean_degree:
            break

    # One cumulative weight over people sorted by niche serves both global and
    # within-niche draws: a niche is a contiguous slice of it.
    order = np.argsort(code, kind="stable")
    cw = np.cumsum(w[order])
    members = np.bincount(code)
    end = np.cumsum(members)
    start = end - members
    cw0 = np.concatenate([[0.0], cw])
    base, total = cw0[start], cw0[end] - cw0[start]

    def draw(size, lo, span, hi):
        idx = np.searchsorted(cw, lo + rng.random(size) * span, side="right")
        return order[np.minimum(idx, hi - 1)]  # guard against float round-off at the top

    def random_edges(size):
        a = draw(size, 0.0, cw[-1], n)
        # A niche of one has no peers to match: those draws go to everyone.
        local = (rng.random(size) < homophily) & (members[code[a]] > 1)
        k = code[a[local]]
        b = draw(size, 0.0, cw[-1], n)
        b[local] = draw(len(k), base[k], total[k], end[k])
        return _canonical_keys(a, b, n)

    def top_up(keys, target):
        for _ in range(8):  # a round only has the last round's few duplicates to replace
            missing = target - len(keys)
            if missing <= 0:
                break
            keys = _merge_keys(keys, random_edges(missing))
        return keys

    def close_triads(keys, count):
        g = _csr_from_keys(keys, n)
        deg = g.degree()
        centres = np.flatnonzero(deg >= 2)
        if not len(centres):
            return keys
        size = 2 * count  # oversample: repeats and thinning discard some
        c = centres[rng.integers(len(centres), size=size)]
        d = deg[c]
        ia = rng.integers(d)
        ib = (ia + 1 + rng.integers(d - 1)) % d  # a different neighbour
        a, b = g.indices[g.indptr[c] + ia], g.indices[g.indptr[c] + ib]
        new = _canonical_keys(a.astype(np.int64), b.astype(np.int64), n)
        new = new[~_is_in(keys, new)]
        # Drop repeats but keep draw order, so that truncating does not favour low ids.
        first = np.argsort(new, kind="stable")
        new = new[np.sort(first[np.diff(new[first], prepend=-1) != 0])]
        # Two neighbours of one person share a niche less often than edges do: thin
        # the closures (accept in proportion to target / drawn share) so that their
        # same-niche share matches that of the edges so far.
        target = np.mean(code[np.repeat(np.arange(n), deg)] == code[g.indices])
        same = code[new // n] == code[new % n]
        r = same.mean() if len(new) else 0.0
        w_same = target / r if r > 0 else 0.0
        w_cross = (1 - target) / (1 - r) if r < 1 else 0.0
        accept = np.where(same, w_same, w_cross) / max(w_same, w_cross, 1e-12)
        return _merge_keys(keys, new[rng.random(len(new)) < accept][:count])

    budget = int(round(n * mean_degree / 2))
    keys = top_up(np.empty(0, np.int64), budget - int(round(clustering * budget)))
    for _ in range(3):  # later rounds, on the denser graph, fill what repeats left over
        if len(keys) >= budget or clustering == 0:
            break
        keys = close_triads(keys, budget - len(keys))
    return _csr_from_keys(top_up(keys, budget), n)


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
        picks = set()
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


# --- user graph files -------------------------------------------------------------------

_GRAPHML = {".graphml", ".xml"}
_EDGELIST = {".edgelist", ".txt", ".csv", ".tsv"}


def read_graph(path) -> nx.Graph:
    """Load a user's graph file.

    GraphML (``.graphml``, ``.xml``) is read with :func:`networkx.read_graphml`. An edge
    list (``.edgelist``, ``.txt``, ``.csv``, ``.tsv``) has two columns of node ids
    separated by commas or whitespace; ``#`` starts a comment, further columns are
    ignored, and a first line that is not numeric when all others are (a CSV header such
    as ``source,target``) is skipped. Node ids that are all integers become ``int``.

    Raises
    ------
    sim.errors.GraphFileError
        The file is missing, has an unknown suffix, cannot be parsed, or has no edges.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "peers.csv")
    >>> _ = open(p, "w").write("source,target\\n1,2\\n2,3  # a comment\\n")
    >>> sorted(read_graph(p).edges())
    [(1, 2), (2, 3)]
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if not path.is_file():
        raise GraphFileError(path, "file not found" if not path.exists() else "not a file")
    if suffix not in _GRAPHML | _EDGELIST:
        expected = ", ".join(sorted(_GRAPHML | _EDGELIST))
        raise GraphFileError(path, f"unknown file type '{suffix}' (expected one of {expected})")
    try:
        G = nx.read_graphml(path) if suffix in _GRAPHML else _read_edgelist(path)
    except GraphFileError:
        raise
    except Exception as exc:  # any parser failure becomes one line for the user
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise GraphFileError(path, f"cannot parse: {reason}") from exc
    if G.number_of_edges() == 0:
        raise GraphFileError(path, "graph has no edges")
    return G


def _read_edgelist(path: Path) -> nx.Graph:
    rows = []
    with open(path, encoding="utf-8") as f:
        for lineno, line in enumerate(f, 1):
            fields = [t for t in re.split(r"[,\s]+", line.split("#", 1)[0]) if t]
            if not fields:
                continue
            if len(fields) < 2:
                got = line.strip()[:60]
                raise GraphFileError(path, f"line {lineno}: expected two node ids, got '{got}'")
            rows.append((fields[0], fields[1]))
    numeric = [all(re.fullmatch(r"[+-]?\d+", t) for t in row) for row in rows]
    if len(rows) > 1 and not numeric[0] and all(numeric[1:]):
        rows, numeric = rows[1:], numeric[1:]  # header line
    if rows and all(numeric):
        rows = [(int(a), int(b)) for a, b in rows]
    G = nx.Graph()
    G.add_edges_from(rows)
    return G
