"""Word of mouth: independent-cascade spreading over the peer graph.

The peer graph is given in CSR form: the out-neighbours of node ``u`` are
``indices[indptr[u]:indptr[u + 1]]``. Every function here does work in
proportion to what *happens* (successful or candidate edge trials), not to the
number of edges out of the sources: a round of word of mouth from sources with
success probability at most ``p_max`` costs O(#sources + #edges * p_max).

How: the out-edges of a batch of sources are laid end to end (only virtually,
through cumulative degrees). Geometric gaps with parameter ``p_max`` pick the
positions of a Bernoulli(``p_max``) process along that line ("skipping"); each
position is mapped back to its (source, edge) by a binary search on the
cumulative degrees and is then kept with probability ``p_s / p_max`` (times a
per-target factor ``q_t`` if given). This is exactly an independent
Bernoulli(``p_s * q_t``) trial per edge.

All randomness comes from the ``numpy.random.Generator`` passed in, so the same
seed gives identical results.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["spread", "independent_cascade", "cascade_sizes", "share_exposures"]

# Rounds whose hits exceed n / _DENSE_DIVISOR are resolved with a node mask.
_DENSE_DIVISOR = 32

# Below this p a geometric gap can be astronomically large; clip gaps so their
# running sum cannot overflow int64 (for larger p overflow is impossible).
_CLIP_BELOW_P = 1e-3


def _check_csr(indptr, indices) -> tuple[np.ndarray, np.ndarray]:
    indptr = np.asarray(indptr)
    indices = np.asarray(indices)
    if indptr.ndim != 1 or indptr.size < 1 or indices.ndim != 1:
        raise ValueError("indptr and indices must be 1-D arrays, len(indptr) = n + 1 >= 1")
    if indptr.dtype.kind not in "iu" or indices.dtype.kind not in "iu":
        raise TypeError("indptr and indices must be integer arrays")
    return indptr, indices


def _gap_batch(mean: float) -> int:
    """Gaps to draw at once: enough to pass the end with overwhelming probability
    (mean + ~5 sd); the caller tops up in the rare case they do not."""
    return int(mean + 5.0 * math.sqrt(mean) + 16.0)


def _sorted_unique(a: np.ndarray) -> np.ndarray:
    """Sorted distinct values of ``a`` (sorts ``a`` in place); cheaper than np.unique."""
    a.sort()
    first = np.empty(a.size, dtype=bool)
    first[:1] = True
    np.not_equal(a[1:], a[:-1], out=first[1:])
    return a[first]


def _hit_positions(total: int, p: float, rng: np.random.Generator) -> np.ndarray:
    """Sorted 1-based positions in ``[1, total]`` where a Bernoulli(p) process fires.

    Draws about ``total * p`` geometric gaps instead of ``total`` uniforms.
    """
    if p >= 1.0:
        return np.arange(1, total + 1, dtype=np.int64)
    # Gap - 1 = floor(E / -log(1 - p)) with E ~ Exp(1) is exactly Geometric(p) - 1:
    # P(floor(E c) >= j) = exp(j log(1 - p)) = (1 - p)^j. The ziggurat exponential
    # is about twice as fast as Generator.geometric.
    c = -1.0 / math.log1p(-p)
    size = _gap_batch(total * p)
    chunks = []
    last = 0
    while last <= total:
        e = rng.standard_exponential(size)
        e *= c
        if p < _CLIP_BELOW_P:
            np.fmin(e, total + 1, out=e)  # fmin: 0 * inf = nan when c overflows
        pos = e.astype(np.int64)
        pos += 1
        np.cumsum(pos, out=pos)
        if last:
            pos += last
        chunks.append(pos)
        last = int(pos[-1])
    pos = chunks[0] if len(chunks) == 1 else np.concatenate(chunks)
    # Positions are sorted, so the ones inside the line are a prefix.
    return pos[: np.searchsorted(pos, total, side="right")]


def _candidates(indptr, sources, p_max, rng, want_k):
    """Edge ids (into ``indices``) hit by Bernoulli(p_max) over the sources' out-edges.

    Returns ``(edges, k)`` where ``k[i]`` is the index into ``sources`` of the
    source of ``edges[i]`` (``None`` unless ``want_k``).
    """
    # int64 from here on, whatever the CSR dtypes (mixing uint64 and int64 gives float).
    start = indptr[sources].astype(np.int64, copy=False)
    deg = indptr[sources + 1].astype(np.int64, copy=False) - start
    cum = np.cumsum(deg)
    total = int(cum[-1]) if cum.size else 0
    empty = np.empty(0, dtype=np.int64)
    if total == 0 or p_max <= 0.0:
        return empty, (np.empty(0, dtype=np.intp) if want_k else None)
    pos = _hit_positions(total, p_max, rng)
    # Edge id = start[k] + (pos - 1 - cum_exclusive[k]) = pos + shift[k].
    shift = start - cum
    shift += deg
    shift -= 1
    n_src, n_hit = cum.size, pos.size
    if n_hit <= n_src:
        # Few hits: binary-search each hit among the cumulative degrees.
        k = np.searchsorted(cum, pos, side="left")
        pos += shift[k]
        return pos, (k if want_k else None)
    # Many hits per source: count hits per source (one search per source) and
    # expand with repeat, which is cheaper than one search per hit.
    counts = np.diff(np.searchsorted(pos, cum, side="right"), prepend=0)
    if want_k:
        k = np.repeat(np.arange(n_src), counts)
        pos += shift[k]
        return pos, k
    pos += np.repeat(shift, counts)
    return pos, None


def spread(indptr, indices, sources, p_source, rng, p_target=None) -> tuple[np.ndarray, np.ndarray]:
    """One round of word of mouth from ``sources`` over their out-edges.

    Each edge ``s -> t`` out of each source ``s = sources[k]`` succeeds
    independently with probability ``p_source[k] * (p_target[t] if given else 1)``.
    The cost is proportional to ``len(sources)`` plus the expected number of
    trials at the largest source probability, not to the number of edges.

    Parameters
    ----------
    indptr, indices : array_like of int
        The graph in CSR form (``len(indptr) == n + 1``).
    sources : array_like of int
        Source nodes; may be empty. Duplicates are allowed, each is an
        independent try.
    p_source : float or array_like of float
        Success probability per source (same length as ``sources``) or one
        probability for all, in ``[0, 1]``.
    rng : numpy.random.Generator
        The only source of randomness.
    p_target : numpy.ndarray of float, optional
        Per-node factor in ``[0, 1]`` (length ``n``) applied to the target of
        each edge, e.g. a receptivity. Only read at the candidate targets and
        not range-checked, so a call stays O(hits) rather than O(n); pass an
        array, not a list, for the same reason.

    Returns
    -------
    k : numpy.ndarray of intp
        For each success, the index into ``sources`` it came from (ascending).
    targets : numpy.ndarray
        For each success, the target node (dtype of ``indices``).

    Examples
    --------
    >>> import numpy as np
    >>> indptr, indices = np.array([0, 2, 3, 3]), np.array([1, 2, 2])
    >>> k, t = spread(indptr, indices, [0, 1], 1.0, np.random.default_rng(0))
    >>> k.tolist(), t.tolist()
    ([0, 0, 1], [1, 2, 2])
    >>> k, t = spread(indptr, indices, [0, 1], [0.0, 0.0], np.random.default_rng(0))
    >>> k.size
    0
    """
    indptr, indices = _check_csr(indptr, indices)
    sources = np.asarray(sources, dtype=np.int64).reshape(-1)
    n = indptr.size - 1
    empty = (np.empty(0, dtype=np.intp), np.empty(0, dtype=indices.dtype))
    if sources.size == 0:
        return empty
    if sources.min() < 0 or sources.max() >= n:
        raise IndexError(f"sources must be in [0, {n - 1}]")
    p_arr = np.asarray(p_source, dtype=np.float64)
    if p_arr.ndim == 0:
        p_max = float(p_arr)
        ratio = None
        if not 0.0 <= p_max <= 1.0:
            raise ValueError(f"p_source must be in [0, 1], got {p_max}")
    else:
        if p_arr.shape != sources.shape:
            raise ValueError("p_source must be a scalar or have the same length as sources")
        p_max = float(p_arr.max())
        if not (p_arr.min() >= 0.0 and p_max <= 1.0):  # also rejects NaN
            raise ValueError("p_source must be in [0, 1]")
        # Thin only if the sources' probabilities differ.
        ratio = None if p_arr.min() == p_max else p_arr / p_max
    if p_max <= 0.0:
        return empty
    edges, k = _candidates(indptr, sources, p_max, rng, want_k=True)
    targets = indices[edges]
    if ratio is None and p_target is None:
        return k, targets
    # Thinning: keep a hit with probability (p_s / p_max) * q_t, one uniform each.
    accept = np.ones(k.size) if ratio is None else ratio[k]
    if p_target is not None:
        accept *= np.asarray(p_target, dtype=np.float64)[targets]
    keep = rng.random(k.size) < accept
    return k[keep], targets[keep]


def independent_cascade(indptr, indices, seeds, p, rng) -> np.ndarray:
    """Independent cascade from ``seeds`` with uniform edge probability ``p``.

    Each newly activated node tries each of its out-edges once, succeeding with
    probability ``p``; the process runs until no new node is activated. Each
    round is one call of the skipping core behind :func:`spread`, so the cost is
    O(#activated + p * #out-edges of activated nodes).

    Parameters
    ----------
    indptr, indices : array_like of int
        The graph in CSR form (``len(indptr) == n + 1``).
    seeds : array_like of int
        Initially active nodes (duplicates are ignored).
    p : float
        Edge success probability in ``[0, 1]``.
    rng : numpy.random.Generator
        The only source of randomness.

    Returns
    -------
    numpy.ndarray of bool
        ``active[u]`` is True iff node ``u`` was activated (seeds included).

    Examples
    --------
    >>> import numpy as np
    >>> indptr, indices = np.array([0, 1, 2, 3, 3]), np.array([1, 2, 3])  # path 0->1->2->3
    >>> independent_cascade(indptr, indices, [0], 1.0, np.random.default_rng(0)).tolist()
    [True, True, True, True]
    >>> independent_cascade(indptr, indices, [1], 0.0, np.random.default_rng(0)).tolist()
    [False, True, False, False]
    """
    indptr, indices = _check_csr(indptr, indices)
    n = indptr.size - 1
    p = float(p)
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"p must be in [0, 1], got {p}")
    active = np.zeros(n, dtype=bool)
    seeds = np.asarray(seeds, dtype=np.int64).reshape(-1)
    if seeds.size == 0:
        return active
    if seeds.min() < 0 or seeds.max() >= n:
        raise IndexError(f"seeds must be in [0, {n - 1}]")
    frontier = _sorted_unique(seeds.copy())
    active[frontier] = True
    if p <= 0.0:
        return active
    # Rounds that hit many nodes are resolved with a node mask (a few vectorised
    # O(n) passes, cheaper than sorting the hits, and only taken when there are
    # more than n / 32 hits, so the cost stays proportional to the work); the
    # rest by sorting. Both give
    # a sorted, duplicate-free frontier, and a sorted frontier reads the CSR
    # arrays in order, which is much kinder to the cache than a random one.
    dense_at = n // _DENSE_DIVISOR
    mask = None  # allocated on the first dense round, so small cascades skip it
    while frontier.size:
        edges, _ = _candidates(indptr, frontier, p, rng, want_k=False)
        targets = indices[edges]
        if targets.size > dense_at:
            if mask is None:
                mask = np.zeros(n, dtype=bool)
            mask[targets] = True
            np.greater(mask, active, out=mask)  # mask and not active
            frontier = np.flatnonzero(mask)
            np.logical_or(active, mask, out=active)
            mask[frontier] = False
        else:
            frontier = _sorted_unique(targets[~active[targets]])
            active[frontier] = True
    return active


def cascade_sizes(indptr, indices, seed_sets, p, rng) -> np.ndarray:
    """Sizes of independent cascades, one per seed set, run one after another.

    Parameters
    ----------
    indptr, indices : array_like of int
        The graph in CSR form.
    seed_sets : iterable
        Each item is an int (one seed) or an array of seeds.
    p : float
        Edge success probability in ``[0, 1]``.
    rng : numpy.random.Generator
        The only source of randomness (shared by the runs, in order).

    Returns
    -------
    numpy.ndarray of int64
        Number of activated nodes (seeds included) of each run.

    Examples
    --------
    >>> import numpy as np
    >>> indptr, indices = np.array([0, 1, 2, 3, 3]), np.array([1, 2, 3])
    >>> cascade_sizes(indptr, indices, [0, 2, [1, 3]], 1.0, np.random.default_rng(0)).tolist()
    [4, 2, 3]
    """
    indptr, indices = _check_csr(indptr, indices)
    return np.array(
        [int(independent_cascade(indptr, indices, np.atleast_1d(s), p, rng).sum()) for s in seed_sets],
        dtype=np.int64,
    )


def share_exposures(indptr, indices, sharers, share_reach, activity, rng) -> tuple[np.ndarray, np.ndarray]:
    """Peers who see a share: each peer ``t`` of sharer ``s`` with probability ``min(1, share_reach[s] * activity[t])``.

    The stated rule of word of mouth: a share is seen like a post of an account of the
    sharer's size (``share_reach[s]`` is the organic reach of an account with the
    sharer's number of peers, :func:`sim.rules.funnel.organic_reach`), by each peer
    according to their activity, as a follower sees a post
    (:func:`sim.rules.funnel.seen_probability`). One independent trial per edge; the
    work is proportional to the sharers' degrees (sharers are few).

    Returns ``(k, peers)``: for each exposure, the index into ``sharers`` and the peer.

    References
    ----------
    .. [1] Kempe, Kleinberg & Tardos (2003), "Maximizing the spread of influence through
       a social network" (the independent-cascade model, with per-edge probabilities).

    Examples
    --------
    >>> indptr, indices = np.array([0, 2, 3, 4]), np.array([1, 2, 0, 0])
    >>> k, peers = share_exposures(indptr, indices, np.array([0]), np.array([1.0]), np.ones(3),
    ...                            np.random.default_rng(0))
    >>> k.tolist(), peers.tolist()
    ([0, 0], [1, 2])
    """
    indptr = np.asarray(indptr)
    sharers = np.asarray(sharers, dtype=np.int64)
    starts, ends = indptr[sharers], indptr[sharers + 1]
    deg = ends - starts
    total = int(deg.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.asarray(indices).dtype)
    k = np.repeat(np.arange(len(sharers)), deg)
    offsets = np.arange(total) - np.repeat(np.cumsum(deg) - deg, deg)
    peers = np.asarray(indices)[np.repeat(starts, deg) + offsets]
    # index first, then convert: never copy the whole population's activity (10M people) per share
    p = np.minimum(1.0, np.asarray(share_reach, dtype=np.float64)[k] * np.asarray(activity)[peers].astype(np.float64))
    keep = rng.random(total) < p
    return k[keep], peers[keep]
