"""Setting up one replicate of one strategy: draw its market and its outreach, hire the roster.

This is the first half of the one replicate path (the second half runs the
:class:`~sim.campaign.model.CampaignModel`; see :func:`sim.studies.replicate.run_replicate`).
Every door (``influsim run``, sweeps, the experiments, the optimiser's pilots,
``mesa.batch_run`` and the Python API) comes through :func:`prepare`.

Examples
--------
>>> from sim.scenario import with_fields, default_scenario
>>> from sim.campaign.luck import replicate_seeds
>>> scenario = with_fields(default_scenario(), {"population.size": 2000, "population.represents": 1000})
>>> market, roster = prepare(scenario, "macro", replicate_seeds(42, 2)[1])
>>> market.n, len(roster.ids), roster.outreach["fitting"][0]["fitting"]  # people, hired, fitting macro accounts
(2000, 1, 3)
"""

from __future__ import annotations

import dataclasses
import weakref
from collections.abc import Callable

import numpy as np

from sim.campaign.luck import Luck, child, market_seed, replicate_scenario
from sim.campaign.hiring import build_roster
from sim.campaign.roster import Roster
from sim.rules.forecast import fee_factors
from sim.world.population import Population
from sim.world import build_population

Simulate = Callable[[Roster, list], list]
FEES_KEY = 104  # stream of a market's seed that draws its creators' fees around the curve (with_fee_factors)


def draw_market(scenario, seed: np.random.SeedSequence) -> Population:
    """The market of the replicate with seed ``seed`` (its own, or the scenario's fixed one).

    Drawn with the replicate's own parameters when ``run.parameters = "uncertain"``
    (:func:`~sim.campaign.luck.replicate_scenario`), as every step of the replicate is.
    """
    scenario = replicate_scenario(scenario, seed)
    where = market_seed(scenario, seed)
    return with_fee_factors(build_population(scenario, seed=where), scenario.parameters.fee_scatter,
                            child(where, FEES_KEY))


def with_fee_factors(market: Population, scatter: float, seed: np.random.SeedSequence) -> Population:
    """``market`` with every account's own fee around the fee curve (:func:`sim.rules.forecast.fee_factors`).

    Drawn from stream :data:`FEES_KEY` of the market's seed, so a market drawn per
    replicate has its own fees and a fixed market the same ones in every replicate. The
    people, graph and audiences are shared with ``market`` (it may be a cached one: it is
    not changed); a shortlist's given fees are kept (the factor applies to the curve only).
    """
    key = (float(scatter), seed.entropy, tuple(seed.spawn_key))
    made = _WITH_FEES.get(id(market))
    if made is None:  # one wrapped market per (market, draw): the strategies of a replicate share one object
        made = _WITH_FEES[id(market)] = {}
        weakref.finalize(market, _WITH_FEES.pop, id(market), None)
    if key not in made:
        factors = fee_factors(len(market.pool), scatter, np.random.default_rng(seed))
        made[key] = dataclasses.replace(market, pool=dataclasses.replace(market.pool, fee_factor=factors))
    return made[key]


# id(market) -> {(scatter, entropy, spawn key) -> the market with those fees}; an entry goes with its market.
# The same draw always gives the same numbers, so what ran before never changes a result.
_WITH_FEES: dict[int, dict] = {}


def prepare(scenario, strategy: str, seed: np.random.SeedSequence, *, market: Population | None = None,
            roster: Roster | None = None, simulate: Simulate | None = None) -> tuple[Population, Roster]:
    """(market, roster) of one replicate of one strategy.

    Draws what is random for the replicate: the market (unless given, or fixed by
    ``run.market``), then the outreach luck (who accepts, the random ranking) and the
    hiring (ranking or the optimiser, offers, refusals replaced). ``roster`` skips the
    hiring (a roster chosen elsewhere, e.g. an optimiser's pilot); ``simulate(roster,
    seeds)`` runs the optimiser's pilot campaigns on this market. With ``run.parameters =
    "uncertain"`` the replicate's own parameters are drawn first
    (:func:`~sim.campaign.luck.replicate_scenario`).
    """
    scenario = replicate_scenario(scenario, seed)
    market = market if market is not None else draw_market(scenario, seed)
    if roster is None:
        luck = Luck.draw(seed, len(market.pool))
        roster = build_roster(market, scenario, strategy, luck=luck, simulate=simulate)
    return market, roster
