"""What one replicate draws: its market, who accepts an offer, the random ranking, the campaign.

Seeds flow through :class:`numpy.random.SeedSequence`. Replicate ``r`` of a scenario with
root seed ``s`` has the seed ``SeedSequence(s, spawn_key=(1, r))`` (the r-th child of the
second child of ``SeedSequence(s)``), shared by every strategy of the replicate (common
random numbers: strategies are compared on the same market and the same luck). From it:

=====================  ==========================================================
``(1, r, 100)``        the market (people, peer graph, creators, audiences) when
                       ``run.market = "per_replicate"``; a fixed market uses
                       ``(0,)``, the first child of ``SeedSequence(s)``
``(1, r, 101)``        one uniform per candidate account: its answer to an offer
``(1, r, 102)``        one random key per candidate account: the random ranking
``(1, r)`` itself      the campaign (who sees, engages, buys, shares)
``(5, k)``             the optimiser's k-th pilot seed, disjoint from every replicate
=====================  ==========================================================

Streams are derived from a seed's key, not spawned, so they are the same in every process
and on every executor.

Examples
--------
>>> seeds = replicate_seeds(7, 2)
>>> [s.spawn_key for s in seeds]
[(1, 0), (1, 1)]
>>> luck = Luck.draw(seeds[0], 5)
>>> bool((luck.acceptance == Luck.draw(seeds[0], 5).acceptance).all())
True
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MARKET_KEY, ACCEPTANCE_KEY, RANKING_KEY = 100, 101, 102
PILOT_ROOT = 5


def replicate_seeds(seed: int, n: int, start: int = 0) -> list[np.random.SeedSequence]:
    """The seeds of replicates ``start .. start + n - 1`` of a root seed.

    Examples
    --------
    >>> replicate_seeds(7, 1, start=3)[0].spawn_key
    (1, 3)
    """
    return [np.random.SeedSequence(seed, spawn_key=(1, r)) for r in range(start, start + n)]


def child(seed: np.random.SeedSequence, key: int) -> np.random.SeedSequence:
    """The stream ``key`` of ``seed`` (derived from its key, so the same in every process)."""
    return np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, key))


def as_seed(rng) -> np.random.SeedSequence:
    """A replicate seed from what a user passes as ``rng``: a SeedSequence, an int, or None.

    Examples
    --------
    >>> as_seed(3).entropy, as_seed(np.random.SeedSequence(3, spawn_key=(1, 0))).spawn_key
    (3, (1, 0))
    """
    if isinstance(rng, np.random.SeedSequence):
        return rng
    if isinstance(rng, np.random.Generator):
        return np.random.SeedSequence(int(rng.integers(0, 2**63 - 1)))
    return np.random.SeedSequence(rng)


def market_seed(scenario, seed: np.random.SeedSequence) -> np.random.SeedSequence:
    """The seed of the replicate's market: its own, or the scenario's fixed one.

    A graph file fixes the peer graph, but people, creators and audiences are still
    drawn per replicate unless ``run.market = "fixed"``.
    """
    if scenario.run.market == "per_replicate":
        return child(seed, MARKET_KEY)
    return fixed_market_seed(scenario.run.seed)


def fixed_market_seed(root: int) -> np.random.SeedSequence:
    """The seed of a scenario's fixed market: the first child of ``SeedSequence(run.seed)``."""
    return np.random.SeedSequence(root, spawn_key=(0,))


def pilot_seeds(root: int, n: int) -> list[np.random.SeedSequence]:
    """The optimiser's pilot seeds, disjoint from every replicate seed (judged on fresh seeds).

    Examples
    --------
    >>> [s.spawn_key for s in pilot_seeds(1, 2)]
    [(5, 0), (5, 1)]
    """
    return [np.random.SeedSequence(root, spawn_key=(PILOT_ROOT, k)) for k in range(n)]


@dataclass(frozen=True)
class Luck:
    """The outreach luck of one replicate: uniforms deciding answers, keys of the random ranking.

    The same for every strategy of a replicate: an account that refuses one strategy's
    offer also refuses another's made at the same or a lower chance.
    """

    acceptance: np.ndarray  # one uniform per pool account
    ranking: np.ndarray  # one random key per pool account

    @classmethod
    def draw(cls, seed: np.random.SeedSequence, n_accounts: int) -> Luck:
        """The luck of the replicate with seed ``seed`` for a pool of ``n_accounts``."""
        return cls(np.random.default_rng(child(seed, ACCEPTANCE_KEY)).random(n_accounts),
                   np.random.default_rng(child(seed, RANKING_KEY)).random(n_accounts))

    @classmethod
    def first_replicate(cls, scenario, n_accounts: int) -> Luck:
        """The luck of replicate 0 (what a direct call without a replicate seed uses)."""
        return cls.draw(replicate_seeds(scenario.run.seed, 1)[0], n_accounts)
