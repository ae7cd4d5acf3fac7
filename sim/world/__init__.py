"""The world a campaign runs in: people, their peer graph, and the candidate creators.

:func:`build_population` draws a market (or loads a fixed one from the cache,
:mod:`sim.world.cache`); :mod:`sim.world.population` holds the drawing itself.
"""

from sim.world.cache import build_population, default_cache_dir, disk_cache, population_key

__all__ = ["build_population", "default_cache_dir", "disk_cache", "population_key"]
