"""Ranking candidates: brand fit, expected engagement, followers, cost per engagement, or at random.

Examples
--------
>>> FIXED_POLICIES
('brand_fit', 'engagement_rate', 'followers', 'random', 'cost_per_engagement')
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.errors import ScenarioError
from sim.rules import forecast

if TYPE_CHECKING:
    from sim.scenario.models import Scenario
    from sim.scenario.parameters import Parameters

FIXED_POLICIES = ("brand_fit", "engagement_rate", "followers", "random", "cost_per_engagement")


def rank(pop, params, sc, ids, policy: str, keys: np.ndarray) -> np.ndarray:
    """Candidate ids ordered best first by a fixed selection policy.

    Policies: ``brand_fit`` (niche alignment of account and audience, ties broken by
    expected engagement), ``engagement_rate`` (expected sponsored engagement per
    follower), ``followers`` (largest first), ``random`` (by ``keys``, one random key per
    pool account: :func:`hire` passes the replicate's :attr:`~sim.campaign.luck.Luck.ranking`,
    so the random order changes from replicate to replicate and is shared by the
    strategies of one replicate), ``cost_per_engagement``
    (cheapest expected engagement first). The ``optimiser`` is not a ranking (see
    :mod:`sim.campaign.optimiser`); here it ranks by brand fit, the order it starts from.

    Examples
    --------
    >>> from sim.scenario import with_fields, default_scenario
    >>> from sim.world import build_population
    >>> sc = with_fields(default_scenario(), {"population.size": 2000, "population.represents": 1000})
    >>> pop = build_population(sc, use_cache=False)
    >>> ids = pop.pool.ids_of_tier("micro")
    >>> r = rank(pop, sc.parameters, sc, ids, "followers", np.zeros(len(pop.pool)))
    >>> bool(pop.pool.followers[r[0]] == pop.pool.followers[ids].max())
    True
    """
    ids = np.asarray(ids, dtype=int)
    if len(ids) == 0:
        return ids
    if policy == "random":
        # a key per account of the pool, so that the order does not depend on the candidate set
        return ids[np.argsort(np.asarray(keys)[ids], kind="stable")]
    if policy == "followers":
        score = pop.pool.followers[ids].astype(float)
    elif policy == "engagement_rate":
        score = pool_engagement_rate(pop, params, sc)[ids]
    elif policy == "cost_per_engagement":
        eng = pool_engagement_rate(pop, params, sc)[ids] * pop.pool.followers[ids]
        score = -forecast.post_fee(pop, params, ids, sc.campaign.format) / np.maximum(eng, 1e-12)
    elif policy in ("brand_fit", "optimiser"):
        score = pool_fit(pop, sc)[ids] + 1e-3 * pool_engagement_rate(pop, params, sc)[ids]
    else:
        raise ScenarioError("selection", f"unknown selection policy {policy!r}")
    return ids[np.argsort(-score, kind="stable")]


def _pool_cache(pop) -> dict:
    # kept on the population: brand fit and expected engagement of the whole pool are costly
    # (each reads every person's interests) and the same for every strategy of a scenario
    cache = pop.__dict__.setdefault("_strategy_cache", {})
    if len(cache) > 16:
        cache.clear()
    return cache


def pool_fit(pop, sc: Scenario) -> np.ndarray:
    """Brand fit of every account of the pool for the scenario's product (cached on ``pop``)."""
    niche = sc.population.niches.index(sc.product.niche)
    cache = _pool_cache(pop)
    key = ("fit", niche)
    if key not in cache:
        cache[key] = pop.brand_fit(np.arange(len(pop.pool)), niche)
    return cache[key]


def pool_engagement_rate(pop, params: Parameters, sc: Scenario) -> np.ndarray:
    """Expected sponsored engagement per follower of every account of the pool (cached on ``pop``)."""
    niche = sc.population.niches.index(sc.product.niche)
    lux = sc.product.luxury
    cache = _pool_cache(pop)
    key = ("eng", niche, lux, params.model_dump_json())
    if key not in cache:
        cache[key] = forecast.sponsored_engagement_rate(pop, params, np.arange(len(pop.pool)), niche, lux)
    return cache[key]
