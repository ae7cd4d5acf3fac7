"""Word of mouth: who sees a share, one independent trial per arc of the peer graph.

The peer graph is given in CSR form: the peers of person ``u`` are
``indices[indptr[u]:indptr[u + 1]]``. A person who shares the campaign exposes each
peer ``t`` with probability ``min(1, share_reach[s] * activity[t])``
(:func:`share_exposures`); :class:`sim.campaign.model.CampaignModel` calls it for every
round of shares, so that word of mouth is an independent cascade with heterogeneous
per-arc probabilities. ``benchmarks/cascade.py`` times it against cynetdiff on the
model's own arcs and probabilities.

This module exports only what the model uses. The uniform-probability cascade
(``independent_cascade``, ``cascade_sizes``) and its skipping core (``spread``) are
gone: the model stopped calling them when word of mouth became per-arc, and only their
own tests and the old benchmark used them (the references the tests need are in
``tests/test_wordofmouth.py``).

All randomness comes from the ``numpy.random.Generator`` passed in (or the uniforms
the campaign draws from each sharer's own stream, :mod:`sim.campaign.luck`), so the
same seed gives identical results.
"""

from __future__ import annotations

import numpy as np

__all__ = ["share_exposures"]


def share_exposures(indptr, indices, sharers, share_reach, activity, rng) -> tuple[np.ndarray, np.ndarray]:
    """Peers who see a share: each peer ``t`` of sharer ``s`` with probability ``min(1, share_reach[s] * activity[t])``.

    The stated rule of word of mouth: a share is seen like a post of an account of the
    sharer's size (``share_reach[s]`` is the organic reach of an account with the
    sharer's number of peers, :func:`sim.rules.funnel.organic_reach`), by each peer
    according to their activity, as a follower sees a post
    (:func:`sim.rules.funnel.seen_probability`). One independent trial per edge; the
    work is proportional to the sharers' degrees (sharers are few).

    ``rng`` is a Generator, or the trials' uniforms themselves: one per arc, sharer by
    sharer, each sharer's peers in the graph's order (the campaign draws them from each
    sharer's own stream). Returns ``(k, peers)``: for each exposure, the index into
    ``sharers`` and the peer.

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
    u = rng.random(total) if isinstance(rng, np.random.Generator) else np.asarray(rng)
    if len(u) != total:
        raise ValueError(f"share_exposures: {len(u)} uniforms for {total} arc trials")
    keep = u < p
    return k[keep], peers[keep]
