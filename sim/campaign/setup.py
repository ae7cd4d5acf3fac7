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
>>> market, roster = prepare(scenario, "macro", replicate_seeds(42, 1)[0])
>>> market.n, len(roster.ids)
(2000, 1)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.campaign.luck import Luck, market_seed, replicate_scenario
from sim.campaign.hiring import build_roster
from sim.campaign.roster import Roster
from sim.world.population import Population
from sim.world import build_population

Simulate = Callable[[Roster, list], list]


def draw_market(scenario, seed: np.random.SeedSequence) -> Population:
    """The market of the replicate with seed ``seed`` (its own, or the scenario's fixed one).

    Drawn with the replicate's own parameters when ``run.parameters = "uncertain"``
    (:func:`~sim.campaign.luck.replicate_scenario`), as every step of the replicate is.
    """
    scenario = replicate_scenario(scenario, seed)
    return build_population(scenario, seed=market_seed(scenario, seed))


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
