"""The world's front door: :func:`build_population` draws a market once and keeps it.

A fixed market (the population, peer graph and creator pool of a scenario's seed) takes
seconds to minutes to draw at scale, so it is drawn once and kept: the latest one in
memory, and every one in the on-disk store (:mod:`sim.world.disk_store`, while
:func:`disk_cache` allows it). A replicate's own market is kept in memory only (the
latest one), so the strategies of a replicate share it.

Both memories are keyed by everything that draws a market
(:func:`sim.world.market_key.population_key`: the scenario sections that shape it and
its seed whole), so no result depends on what ran before in the process: a seed never
gets the market of another seed that happens to share its spawn key. The drawing itself
is :func:`sim.world.population.build`.

Examples
--------
>>> from sim.scenario import with_fields, default_scenario
>>> from sim.world import disk_store, market_key
>>> scenario = with_fields(default_scenario(), {"population.size": 2000, "population.represents": 500})

Without a folder, markets go to the default one (under pytest, a temporary folder that
``sim/conftest.py`` sets, so doctests never touch the user's cache):

>>> _MEMORY.clear()
>>> market = build_population(scenario)
>>> disk_store.cache_path(None, market_key.population_key(scenario)).is_file()
True
>>> build_population(scenario) is market  # from memory
True
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

import sim.world.population as population
from sim.world.disk_store import cache_path, clear_folder, read_entry, remember_origin, write_entry
from sim.world.market_key import fixed_seed, population_key, provenance, seed_parts

if TYPE_CHECKING:  # pragma: no cover
    from sim.scenario.models import Scenario
    from sim.world.population import Population

__all__ = ["build_population", "clear", "disk_cache"]

_MEMORY: dict[str, Population] = {}  # the latest fixed market: {population_key(scenario): Population}
_REPLICATE_MEMORY: dict[str, Population] = {}  # the latest replicate's own market, by population_key(scenario, seed)
_DISK = {"enabled": True}


@contextlib.contextmanager
def disk_cache(enabled: bool) -> Iterator[None]:
    """Within the block, fixed markets are (or are not) read from and written to the on-disk cache.

    Examples
    --------
    >>> with disk_cache(False):
    ...     _DISK["enabled"]
    False
    """
    before = _DISK["enabled"]
    _DISK["enabled"] = bool(enabled)
    try:
        yield
    finally:
        _DISK["enabled"] = before


def build_population(scenario: Scenario, use_cache: bool = True, cache_dir: str | Path | None = None,
                     seed: np.random.SeedSequence | None = None) -> Population:
    """Build (or load from the cache) a market of a resolved scenario.

    ``seed`` is the market's seed; by default the scenario's fixed market, the first
    child of ``SeedSequence(run.seed)`` (:func:`~sim.world.market_key.fixed_seed`, see
    :mod:`sim.campaign.luck`). A seed equal to it in every part
    (:func:`~sim.world.market_key.seed_parts`) is the fixed market. Only fixed markets go
    to the on-disk cache, and only while :func:`disk_cache` allows it; a replicate's own
    market is kept in memory (the latest one), so the strategies of one replicate share
    it. Both are keyed by :func:`~sim.world.market_key.population_key` of the scenario
    and the seed, so what was built before never changes what is returned: the same
    scenario and seed give the same market, in any order, in any process. An entry that
    does not match or does not load is rebuilt with a one-line note and replaced.

    Examples
    --------
    >>> import tempfile
    >>> from sim.scenario import with_fields, default_scenario
    >>> from sim.world.disk_store import entries
    >>> scenario = with_fields(default_scenario(), {"population.size": 2000, "population.represents": 500})
    >>> _MEMORY.clear()
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     a = build_population(scenario, cache_dir=folder)
    ...     _MEMORY.clear()
    ...     b = build_population(scenario, cache_dir=folder)  # from disk
    ...     len(entries(folder)), a is b, bool((a.interests == b.interests).all())
    (1, False, True)
    """
    fixed_market_seed = fixed_seed(scenario)
    if seed is not None and seed_parts(seed) != seed_parts(fixed_market_seed):
        key = population_key(scenario, seed)
        market = _REPLICATE_MEMORY.get(key)
        if market is None:
            _REPLICATE_MEMORY.clear()  # keep one replicate's market in memory: they can be large
            market = _REPLICATE_MEMORY[key] = population.build(scenario, seed)
        return market
    key = population_key(scenario)
    if use_cache:
        market = _MEMORY.get(key)
        if market is not None:
            return market
    market = None
    disk = use_cache and _DISK["enabled"]
    if disk:
        path = cache_path(cache_dir, key)
        market = read_entry(path, scenario, provenance(scenario))
    if market is None:
        market = remember_origin(population.build(scenario, fixed_market_seed), scenario)
        if disk:
            write_entry(path, market, scenario)
    if use_cache:
        _MEMORY.clear()  # keep one market in memory: they can be large
        _MEMORY[key] = market
    return market


def clear(cache_dir: str | Path | None = None) -> tuple[int, int]:
    """Empty the on-disk folder (:func:`~sim.world.disk_store.clear_folder`), then the fixed market in memory.

    Returns (entries removed, bytes freed); an ``OSError`` names the first file that
    could not be removed (the memory is then kept).

    Examples
    --------
    >>> clear("/nonexistent/folder"), _MEMORY
    ((0, 0), {})
    """
    removed = clear_folder(cache_dir)
    _MEMORY.clear()
    return removed
