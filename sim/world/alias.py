"""Walker's alias method: draw indices with given weights in O(1) each, tables built without Python loops.

References
----------
.. [1] Walker, A. J. (1977). "An efficient method for generating discrete random variables with
   general distributions". ACM Transactions on Mathematical Software 3(3): 253-256.
"""

from __future__ import annotations

import numpy as np

ALIAS_CELL = np.dtype([("prob", "<f8"), ("own", "<i4"), ("alias", "<i4")])  # 16 bytes: one cache access


def alias_cells(w, persons=None) -> np.ndarray:
    """Walker alias table of weights ``w``: one :data:`ALIAS_CELL` record per cell.

    Cell ``i`` holds its own person (``persons[i]``, default ``i``), an alias person and
    the probability of keeping its own. A draw picks a cell uniformly and keeps its own
    person when a second uniform falls below ``prob``, else takes the alias: one memory
    access per draw, exact probabilities ``w / w.sum()``. Built without a loop (Vose's
    pairing of small and large cells, written with cumulative sums: small cell ``t``
    takes its deficit from the first large cell whose cumulative surplus reaches the
    smalls' cumulative deficit before ``t``; a large cell that runs out becomes small and
    takes its own deficit from the next large one).

    Examples
    --------
    >>> cells = alias_cells(np.array([2.0, 3.0, 5.0, 0.0]))
    >>> u = np.random.default_rng(0).random(400_000)
    >>> counts = np.bincount(alias_draw(cells, u), minlength=4) / len(u)
    >>> np.round(counts, 2).tolist()
    [0.2, 0.3, 0.5, 0.0]
    """
    w = np.asarray(w, dtype=np.float64)
    n = len(w)
    q = w * (n / w.sum())  # becomes each cell's own share
    is_small = q < 1.0
    small = np.flatnonzero(is_small)
    large = np.flatnonzero(~is_small)
    del is_small
    alias = np.arange(n, dtype=np.int64)
    if len(small) and len(large):
        before = 1.0 - q[small]  # deficits
        done = np.cumsum(before)  # deficit of the smalls up to and including each
        np.subtract(done, before, out=before)  # ... and before each
        surplus = q[large]
        surplus -= 1.0
        np.cumsum(surplus, out=surplus)
        donor = np.searchsorted(surplus, before, side="left")
        np.minimum(donor, len(large) - 1, out=donor)
        alias[small] = large[donor]
        del donor, before
        # a large cell that runs out: at the first small whose cumulative deficit passes its surplus
        t = np.searchsorted(done, surplus[:-1], side="right")
        out = t < len(small)
        big = large[:-1][out]
        q[big] = 1.0 - (done[t[out]] - surplus[:-1][out])
        alias[big] = large[1:][out]
    cells = np.empty(n, ALIAS_CELL)
    cells["prob"] = np.clip(q, 0.0, 1.0, out=q)
    if persons is None:
        cells["own"] = np.arange(n)
        cells["alias"] = alias
    else:
        own = np.asarray(persons)
        cells["own"] = own
        cells["alias"] = own[alias]
    return cells


def alias_draw(cells, u, start=0, size=None) -> np.ndarray:
    """Persons (int32) drawn from alias cells ``start .. start + size - 1`` by uniforms ``u`` in [0, 1).

    ``start`` and ``size`` may be arrays (one block of cells per draw). One uniform gives
    both the cell (its integer part times ``size``) and the coin (the fraction): a
    uniform of numpy's 53 bits times ``size`` stays below ``size``.
    """
    size = len(cells) if size is None else size
    x = u * size
    cell = x.astype(np.int64)
    x -= cell
    cell += start
    row = np.take(cells, cell)
    return np.where(x < row["prob"], row["own"], row["alias"])


# --- generators -------------------------------------------------------------------------
