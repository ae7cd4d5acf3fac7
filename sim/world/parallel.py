"""Chunked, thread-parallel building blocks of the world: chunks with their own random streams,
parallel sorts of edge keys, and passes over sorted keys. Results never depend on the number
of threads (``$INFLUSIM_THREADS``; default: the cores).

Examples
--------
>>> chunk_bounds(5, 2)
[(0, 2), (2, 4), (4, 5)]
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ThreadPoolExecutor

import numpy as np

# The builders work on fixed-size chunks, each with a random stream of its own derived from
# the caller's generator and the chunk's index, so that the result is the same whatever
# the number of threads. numpy releases the GIL inside its loops, random fills and sorts,
# so threads over chunks run in parallel.

CHUNK = 1 << 20  # people per chunk
_EDGE_CHUNK = 1 << 18  # edges (or closures) drawn per chunk: the arrays of one stay in cache
_BLOCK = 1 << 20  # keys per block of the passes over sorted keys


def threads() -> int:
    """Threads the world builders use: ``$INFLUSIM_THREADS``, else the cores this process may use.

    A worker process of a pool (``multiprocessing.parent_process()`` is set: ``influsim
    run``'s workers, a sweep's) uses one thread by default: the pool already keeps the
    cores busy, and more threads than cores only add overhead.

    Examples
    --------
    >>> threads() >= 1
    True
    """
    env = os.environ.get("INFLUSIM_THREADS", "").strip()
    if env:
        return max(1, int(env))
    if multiprocessing.parent_process() is not None:
        return 1
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def parallel_map(fn, items, workers: int | None = None) -> list:
    """``[fn(x) for x in items]``, over threads; results in the order of ``items``.

    Examples
    --------
    >>> parallel_map(lambda x: x * x, range(5))
    [0, 1, 4, 9, 16]
    """
    items = list(items)
    workers = min(threads() if workers is None else workers, len(items))
    if workers <= 1:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(fn, items))


def chunk_bounds(n: int, chunk: int | None = None) -> list[tuple[int, int]]:
    """``(start, stop)`` of the fixed-size chunks of ``range(n)`` (default size :data:`CHUNK`).

    Examples
    --------
    >>> chunk_bounds(5, 2)
    [(0, 2), (2, 4), (4, 5)]
    """
    chunk = CHUNK if chunk is None else chunk
    return [(lo, min(n, lo + chunk)) for lo in range(0, n, chunk)]


def spawn_generators(rng: np.random.Generator, count: int) -> list[np.random.Generator]:
    """``count`` independent generators derived from one draw of ``rng`` (one per chunk).

    Examples
    --------
    >>> a = [g.random() for g in spawn_generators(np.random.default_rng(1), 3)]
    >>> b = [g.random() for g in spawn_generators(np.random.default_rng(1), 3)]
    >>> a == b, len(set(a))
    (True, 3)
    """
    root = np.random.SeedSequence([int(x) for x in rng.integers(0, 2**63, size=2)])
    return [np.random.default_rng(s) for s in root.spawn(count)]


# --- sorted int64 keys -------------------------------------------------------------------
#
# Canonical keys ``u * n + v`` (u < v) are sorted by value range: split by pivots into one
# bucket per thread (every key of a bucket below every key of the next), each bucket
# sorted on its own thread, then laid end to end. The pivots follow the law of the
# smaller (or, reversed, the larger) of two random ends, so buckets come out about equal.
# The result does not depend on the number of buckets.


def _pivots(n: int, parts: int, larger: bool = False) -> np.ndarray:
    b = np.arange(1, parts) / parts
    x = np.sqrt(b) if larger else 1.0 - np.sqrt(1.0 - b)
    return np.unique(np.floor(x * n).astype(np.int64) * n)


def _split(keys: np.ndarray, pivots: np.ndarray) -> list[np.ndarray]:
    if not len(pivots):
        return [keys]
    if len(pivots) == 1:
        low = keys < pivots[0]
        return [keys[low], keys[~low]]
    which = np.searchsorted(pivots, keys, side="right")
    return [keys[which == b] for b in range(len(pivots) + 1)]


def _sort_buckets(buckets: list[list[np.ndarray]], unique: bool) -> np.ndarray:
    """Sorted (and, with ``unique``, deduplicated) keys of buckets given as lists of pieces."""

    def one(pieces):
        pieces = [p for p in pieces if len(p)]
        if not pieces:
            return np.zeros(0, np.int64)
        p = pieces[0].copy() if len(pieces) == 1 else np.concatenate(pieces)
        p.sort()
        if unique and len(p) > 1:
            keep = np.empty(len(p), bool)
            keep[0] = True
            np.not_equal(p[1:], p[:-1], out=keep[1:])
            p = p[keep]
        return p

    parts = parallel_map(one, buckets)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _sorted_keys(pieces, n: int, unique: bool = True, larger: bool = False) -> np.ndarray:
    """Sorted (unique) keys of the int64 arrays ``pieces``, sorted in parallel by value range."""
    pieces = [pieces] if isinstance(pieces, np.ndarray) else list(pieces)
    total = sum(len(p) for p in pieces)
    parts = threads() if total >= _PARALLEL_MIN else 1
    pivots = _pivots(n, parts, larger)
    split = parallel_map(lambda p: _split(p, pivots), pieces)
    return _sort_buckets([[s[b] for s in split] for b in range(len(pivots) + 1)], unique)


_PARALLEL_MIN = 1 << 21  # keys below which a sort stays on one thread
_MERGE_BLOCK = 1 << 14  # needles per block of a blocked search: each block searches a short, cached stretch


def _stretches(keys, new):
    """Blocks of the sorted ``new``: ``(lo, hi, s, e)`` where ``keys[s:e]`` holds every key at or
    after ``new[lo]``'s place and before ``new[hi]``'s, so a block is searched (or merged)
    within its own short stretch of ``keys``, which stays in cache."""
    lo = np.arange(0, len(new), _MERGE_BLOCK)
    at = np.append(np.searchsorted(keys, new[lo]), len(keys))
    hi = np.append(lo[1:], len(new))
    return list(zip(lo.tolist(), hi.tolist(), at[:-1].tolist(), at[1:].tolist()))


def _is_in(keys, new):
    """Which of the sorted ``new`` occur in the sorted ``keys``."""
    out = np.zeros(len(new), dtype=bool)
    if not len(keys) or not len(new):
        return out

    def one(block):
        lo, hi, s, e = block
        if e > s:
            at = np.searchsorted(keys[s:e], new[lo:hi])
            np.minimum(at, e - s - 1, out=at)
            np.equal(keys[s:e][at], new[lo:hi], out=out[lo:hi])

    parallel_map(one, _stretches(keys, new))
    return out


def _insert_sorted(keys, new):
    """Sorted union of the sorted ``keys`` and the sorted ``new``, none of which is in ``keys``."""
    if not len(new):
        return keys
    out = np.empty(len(keys) + len(new), np.int64)
    blocks = _stretches(keys, new)
    out[: blocks[0][2]] = keys[: blocks[0][2]]

    def one(block):  # two sorted runs side by side; a stable sort (timsort) merges them in one pass
        lo, hi, s, e = block
        seg = out[s + lo : e + hi]
        seg[: e - s] = keys[s:e]
        seg[e - s :] = new[lo:hi]
        seg.sort(kind="stable")

    parallel_map(one, blocks)
    return out


def _reversed(keys: np.ndarray, n: int) -> np.ndarray:
    """The keys ``v * n + u`` of the edges ``u * n + v``, sorted (each row's lower neighbours)."""

    def one(b):
        k = keys[b[0] : b[1]]
        u = k // n
        r = k - u * n
        r *= n
        r += u
        return r

    return _sorted_keys(parallel_map(one, chunk_bounds(len(keys), _BLOCK)), n, unique=False, larger=True)


def _row_counts(keys: np.ndarray, n: int) -> np.ndarray:
    """Keys per row (``keys // n``) of sorted keys, by block (a block spans a few rows)."""
    counts = np.zeros(n, np.int64)

    def one(b):
        q = keys[b[0] : b[1]] // n
        first = int(q[0])
        return first, np.bincount(q - first)

    for first, c in parallel_map(one, chunk_bounds(len(keys), _BLOCK)):
        counts[first : first + len(c)] += c
    return counts


# --- internals on canonical edge keys --------------------------------------------------
