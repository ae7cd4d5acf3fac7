"""The pool of candidate influencers: tiers, follower counts, niches and audiences.

Audiences are drawn mostly from people interested in the account's niche; the bigger
the account, the broader and less aligned its audience. Same-niche accounts draw from
the same interested people, so their audiences overlap.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.rules.platform import PLATFORMS

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
    # the arrays below may be given as None; __post_init__ then fills them, so after construction they are arrays
    # (a dataclass cannot type a constructor argument apart from its attribute: hence the ignores)
    platform: np.ndarray = None  # type: ignore[assignment]  # index into platform_names (int8); None = all on platform_names[0]
    platform_names: list = field(default_factory=lambda: ["instagram"])
    handle: np.ndarray = None  # type: ignore[assignment]  # handles of accounts from a shortlist ("<U" strings); "" = generated
    fee: np.ndarray = None  # type: ignore[assignment]  # USD per post given by a shortlist; NaN = from the fee curve
    engagement_rate: np.ndarray = None  # type: ignore[assignment]  # organic engagement rate given by a shortlist; NaN = the model's
    fee_factor: np.ndarray = None  # type: ignore[assignment]  # each account's fee relative to the fee curve (None = all on it; drawn
    # per market by sim.campaign.setup.draw_market from parameters.fee_scatter)

    def __post_init__(self) -> None:
        m = len(self.followers)
        if self.platform is None:
            self.platform = np.zeros(m, np.int8)
        if self.handle is None:
            self.handle = np.full(m, "", dtype="<U1")
        if self.fee is None:
            self.fee = np.full(m, np.nan)
        if self.engagement_rate is None:
            self.engagement_rate = np.full(m, np.nan)
        if self.fee_factor is None:
            self.fee_factor = np.ones(m)

    def __len__(self) -> int:
        return len(self.followers)

    def shortlisted(self) -> np.ndarray:
        """True for the accounts that came from a shortlist (they have a handle)."""
        return np.char.str_len(self.handle) > 0

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
                  monthly_offers_mean: float, market: int, rng: np.random.Generator,
                  platforms: dict | None = None) -> InfluencerPool:
    """Draw the candidate pool: ``counts[tier]`` accounts per tier, followers log-uniform in the tier.

    The open top tier ends at ``max_followers``; no account may exceed 75% of the
    simulated market (``population.size * population.represents``): a tier that cannot
    fit is left out and the reason kept in ``skipped`` (a strategy that needs it says so).

    ``platforms`` (``influencers.platforms``: platform -> share, normalised; default all on
    Instagram) gives each account a platform of :data:`sim.rules.platform.PLATFORMS`, drawn
    after everything else, so the accounts are the same whatever the shares. With a single
    platform nothing is drawn (the random stream is the same as without platforms).

    Examples
    --------
    >>> pool = generate_pool({"micro": 1000}, {"micro": 10_000}, 100_000, 2, 0.7, 8.0, 10**6,
    ...                      np.random.default_rng(0), platforms={"instagram": 1, "tiktok": 1})
    >>> pool.platform_names, 400 < int((pool.platform == 1).sum()) < 600
    (['instagram', 'tiktok', 'youtube'], True)
    """
    names = list(bounds)
    lows = list(bounds.values())
    highs = lows[1:] + [max_followers]
    cap = MARKET_CAP * market
    followers: list[np.ndarray] | np.ndarray  # one array per tier, then all of them
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
    niche = rng.integers(0, n_niches, m).astype(np.int16)
    authenticity = rng.beta(a * 10, (1 - a) * 10, m)
    monthly_offers = rng.poisson(monthly_offers_mean, m)
    return InfluencerPool(
        followers=followers,
        tier=np.concatenate(tiers).astype(np.int16) if tiers else np.zeros(0, np.int16),
        niche=niche,
        authenticity=authenticity,
        monthly_offers=monthly_offers,
        tier_names=names,
        skipped=skipped,
        platform=draw_platforms(platforms or {"instagram": 1.0}, m, rng),
        platform_names=list(PLATFORMS),
    )


def draw_platforms(shares: dict, m: int, rng: np.random.Generator) -> np.ndarray:
    """Platform codes (indices into :data:`sim.rules.platform.PLATFORMS`) of ``m`` accounts, drawn with ``shares``.

    Shares are normalised; with a single platform of positive share nothing is drawn.

    Examples
    --------
    >>> draw_platforms({"youtube": 1.0, "tiktok": 0.0}, 3, np.random.default_rng(0)).tolist()
    [2, 2, 2]
    """
    codes = np.array([PLATFORMS.index(name) for name, w in shares.items() if w > 0], dtype=np.int8)
    weights = np.array([w for w in shares.values() if w > 0], dtype=float)
    if len(codes) == 1:
        return np.full(m, codes[0], np.int8)
    return codes[rng.choice(len(codes), size=m, p=weights / weights.sum())].astype(np.int8)


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

    ``weights_cdf`` is the cumulative sum of the niche weights over people. The niche
    share is weighted sampling without replacement (successive draws, repeats skipped);
    the rest is a uniformly random set of the people not yet chosen. Returns sorted
    int32 person ids.

    Performance: the work follows the audience, not the population, unless the
    audience is a large share of it (then one pass over everyone).

    Examples
    --------
    >>> cdf = np.cumsum(np.r_[np.ones(50), np.full(50, 9.0)])
    >>> aud = draw_audience(20, cdf, 1.0, 100, np.random.default_rng(0))
    >>> len(aud), len(np.unique(aud)), int((aud >= 50).sum()) > 15
    (20, 20, True)
    """
    size = min(size, n)
    k_niche = int(round(focus * size))
    chosen = _weighted_distinct(weights_cdf, k_niche, rng)
    rest = _uniform_distinct(n, size - len(chosen), np.sort(chosen), rng)
    out = np.concatenate([chosen, rest]).astype(np.int32)
    out.sort()
    return out


def _sorted_uniforms(m: int, rng) -> np.ndarray:
    """``m`` iid uniforms on [0, 1), in increasing order (normalised exponential spacings; no sort)."""
    e = rng.standard_exponential(m + 1)
    np.cumsum(e, out=e)
    e /= e[-1]
    return e[:-1]


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
    # small audiences: successive weighted draws, keeping the first k people drawn
    # (sequential sampling). Performance: the draws are made in increasing order (so
    # the searches walk the cumulative weights forwards, several times faster than
    # random searches), each with an independent uniform "draw time" standing for its
    # place in the sequence; repeats of a person are adjacent, and each person counts
    # from its earliest draw time.
    people = np.zeros(0, np.int64)
    times = np.zeros(0)
    m = k + k // 4 + 16  # a few repeats expected; a short round is followed by another
    while True:
        new = np.searchsorted(cdf, _sorted_uniforms(m, rng) * cdf[-1], side="right")
        np.minimum(new, n - 1, out=new)
        new_times = rng.random(m) + (times.max() + 1.0 if len(times) else 0.0)  # after every earlier draw
        if len(people):  # merge with the earlier rounds, keeping the order by person
            order = np.argsort(np.concatenate([people, new]), kind="stable")
            people, times = np.concatenate([people, new])[order], np.concatenate([times, new_times])[order]
        else:
            people, times = new, new_times
        starts = np.flatnonzero(np.r_[True, people[1:] != people[:-1]])
        if len(starts) >= k or len(people) > 64 * n:
            break
        m = 2 * (k - len(starts)) + len(people) // 2 + 16  # grows with what was drawn: rounds end
    first = np.minimum.reduceat(times, starts)
    distinct = people[starts]
    if len(distinct) <= k:
        return distinct
    return distinct[np.argpartition(first, k - 1)[:k]]


def _uniform_distinct(n: int, k: int, chosen: np.ndarray, rng) -> np.ndarray:
    """``k`` distinct people, uniformly at random among those not in the sorted ``chosen``."""
    free = n - len(chosen)
    k = min(k, free)
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    if k > free // 4:
        # one pass over everyone: a Bernoulli set of the free people, then a uniformly
        # random few added or removed to make exactly k (still a uniform k-subset)
        free_mask = np.ones(n, bool)
        free_mask[chosen] = False
        pick = rng.random(n, dtype=np.float32) < np.float32(k / free)
        pick &= free_mask
        s = int(np.count_nonzero(pick))
        if s > k:
            ids = np.flatnonzero(pick)
            pick[ids[rng.choice(s, s - k, replace=False)]] = False
        elif s < k:
            ids = np.flatnonzero(free_mask & ~pick)
            pick[ids[rng.choice(len(ids), k - s, replace=False)]] = True
        return np.flatnonzero(pick)
    # few: draw people in increasing order, drop the chosen and repeats, and keep a
    # uniformly random k of the rest (any k of a symmetric set is a uniform k-subset)
    m = k + k // 8 + 16
    while True:
        draws = (_sorted_uniforms(m, rng) * n).astype(np.int64)
        np.minimum(draws, n - 1, out=draws)
        keep = np.r_[True, draws[1:] != draws[:-1]]
        if len(chosen):
            at = np.minimum(np.searchsorted(chosen, draws), len(chosen) - 1)
            keep &= chosen[at] != draws
        draws = draws[keep]
        if len(draws) >= k:
            break
        m *= 2
    if len(draws) > k:
        draws = draws[np.argpartition(rng.random(len(draws)), k - 1)[:k]]
    return draws
