"""The world a campaign runs in: people, their peer graph, and the candidate creators.

:func:`build_population` is the front door: it draws a market (:func:`sim.world.population.build`)
or serves a kept one (:mod:`sim.world.cache`: the memory, and the on-disk store of
:mod:`sim.world.disk_store`, keyed by :func:`population_key` of :mod:`sim.world.market_key`).
"""

from sim.world.cache import build_population, disk_cache
from sim.world.disk_store import default_cache_dir
from sim.world.market_key import population_key

__all__ = ["build_population", "default_cache_dir", "disk_cache", "population_key"]
