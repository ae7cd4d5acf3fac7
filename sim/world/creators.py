"""The pool of candidate influencers: tiers, follower counts, niches and audiences.

Audiences are drawn mostly from people interested in the account's niche; the bigger
the account, the broader and less aligned its audience. Same-niche accounts draw from
the same interested people, so their audiences overlap.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

MARKET_CAP = 0.75  # largest account as a share of the simulated market


@dataclass
class InfluencerPool:
    """Candidate accounts as arrays (index = influencer id).

    Examples
    --------
    >>> pool = generate_pool({"micro": 3}, {"micro": 10_000}, 100_000, 2, 0.7, 8.0, 10**6,
    ...                      np.random.default_rng(0))
    >>> len(pool), pool.tier_names[pool.tier[0]]
    (3, 'micro')
    """

    followers: np.ndarray  # real follower counts
    tier: np.ndarray  # index into tier_names
    niche: np.ndarray  # index into the population's niches
    authenticity: np.ndarray
    monthly_offers: np.ndarray
    tier_names: list = field(default_factory=list)
    skipped: dict = field(default_factory=dict)  # tier -> why the pool has none of it

    def __len__(self) -> int:
        return len(self.followers)

    def ids_of_tier(self, name: str) -> np.ndarray:
        """Ids of the accounts in tier ``name``."""
        return np.flatnonzero(self.tier == self.tier_names.index(name))


def tier_of(followers, bounds: dict) -> np.ndarray:
    """Tier index of each follower count, given ``{tier: lowest follower count}`` in order.

    Counts below the first bound fall in the first tier.

    Examples
    --------
    >>> tier_of([500, 20_000, 2_000_000], {"nano": 1000, "micro": 10_000, "mega": 1_000_000}).tolist()
    [0, 1, 2]
    """
    lows = np.asarray(list(bounds.values()), dtype=float)
    return np.maximum(np.searchsorted(lows, np.asarray(followers, dtype=float), side="right") - 1, 0)


def generate_pool(counts: dict, bounds: dict, max_followers: int, n_niches: int, authenticity_mean: float,
                  monthly_offers_mean: float, market: int, rng: np.random.Generator) -> InfluencerPool:
    """Draw the candidate pool: ``counts[tier]`` accounts per tier, followers log-uniform in the tier.

    The open top tier ends at ``max_followers``; no account may exceed 75% of the
    simulated market (``population.size * population.represents``): a tier that cannot
    fit is left out and the reason kept in ``skipped`` (a strategy that needs it says so).
    """
    names = list(bounds)
    lows = list(bounds.values())
    highs = lows[1:] + [max_followers]
    cap = MARKET_CAP * market
    followers, tiers, skipped = [], [], {}
    for t, name in enumerate(names):
        n = counts.get(name, 0)
        if n == 0:
            continue
        lo, hi = max(lows[t], 100), min(highs[t], cap)
        if lo >= hi:
            skipped[name] = (f"{name} accounts ({lo:,.0f}+ followers) need a market (population.size x "
                             f"population.represents) above {lo / MARKET_CAP:,.0f} people, this one has {market:,}")
            continue
        followers.append(np.exp(rng.uniform(np.log(lo), np.log(hi), n)))
        tiers.append(np.full(n, t))
    followers = np.round(np.concatenate(followers)).astype(np.int64) if followers else np.zeros(0, np.int64)
    m = len(followers)
    a = authenticity_mean
    return InfluencerPool(
        followers=followers,
        tier=np.concatenate(tiers).astype(np.int16) if tiers else np.zeros(0, np.int16),
        niche=rng.integers(0, n_niches, m).astype(np.int16),
        authenticity=rng.beta(a * 10, (1 - a) * 10, m),
        monthly_offers=rng.poisson(monthly_offers_mean, m),
        tier_names=names,
        skipped=skipped,
    )


def niche_focus(followers, focus, broadening):
    """Share of an account's audience drawn by niche interest (the rest is broad), in [0, 1].

    ``focus - broadening * log10(followers / 1000)``: big accounts have broad audiences.

    Examples
    --------
    >>> round(float(niche_focus(1000, 0.7, 0.12)), 2), round(float(niche_focus(1e6, 0.7, 0.12)), 2)
    (0.7, 0.34)
    """
    f = np.maximum(np.asarray(followers, dtype=float), 1.0)
    return np.clip(focus - broadening * np.log10(f / 1000.0), 0.0, 1.0)


def draw_audience(size: int, weights_cdf: np.ndarray, focus: float, n: int, rng: np.random.Generator) -> np.ndarray:
    """Draw ``size`` distinct people: a ``focus`` share weighted by niche interest, the rest uniform.

    ``weights_cdf`` is the cumulative sum of the niche weights over people. Returns
    sorted int32 person ids.
    """
    size = min(size, n)
    k_niche = int(round(focus * size))
    chosen = _weighted_distinct(weights_cdf, k_niche, rng)
    taken = np.zeros(n, dtype=bool)
    taken[chosen] = True
    rest = _uniform_distinct(n, size - len(chosen), taken, rng)
    return np.sort(np.concatenate([chosen, rest])).astype(np.int32)


def _weighted_distinct(cdf: np.ndarray, k: int, rng) -> np.ndarray:
    n = len(cdf)
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    if k > n // 20:
        # exact weighted sampling without replacement (exponential keys); O(n)
        w = np.diff(cdf, prepend=0.0)
        keys = np.full(n, np.inf)
        pos = w > 0
        keys[pos] = rng.exponential(size=int(pos.sum())) / w[pos]
        k = min(k, int(pos.sum()))
        return np.argpartition(keys, k - 1)[:k] if k < n else np.flatnonzero(pos)
    # small audiences: successive weighted draws, keeping first occurrences (sequential sampling)
    out = np.zeros(0, dtype=np.int64)
    while len(out) < k:
        draws = np.searchsorted(cdf, rng.random(2 * (k - len(out)) + 16) * cdf[-1], side="right")
        both = np.concatenate([out, np.minimum(draws, n - 1)])
        _, first = np.unique(both, return_index=True)
        out = both[np.sort(first)]
    return out[:k]


def _uniform_distinct(n: int, k: int, taken: np.ndarray, rng) -> np.ndarray:
    free = n - int(taken.sum())
    k = min(k, free)
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    if k > free // 4:
        return rng.permutation(np.flatnonzero(~taken))[:k]
    out = np.zeros(0, dtype=np.int64)
    while len(out) < k:
        draws = rng.integers(0, n, 2 * (k - len(out)) + 16)
        draws = draws[~taken[draws]]
        both = np.concatenate([out, draws])
        _, first = np.unique(both, return_index=True)
        out = both[np.sort(first)]
    return out[:k]
