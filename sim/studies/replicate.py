"""The one replicate path: (scenario, strategy, replicate seed) -> one replicate's outcome.

Every door goes through :func:`run_replicate`: ``influsim run`` and the Python API
(:mod:`sim.studies.runs`), sweeps (:mod:`sim.studies.sweep`), the experiments
(``experiments/claims.py``); the optimiser's pilots and ``mesa.batch_run`` build the
same :class:`~sim.campaign.model.CampaignModel`, which draws the replicate through
:func:`sim.campaign.setup.prepare`. No second copy exists.

Examples
--------
>>> from sim.scenario import with_fields, default_scenario
>>> from sim.campaign.luck import replicate_seeds
>>> scenario = with_fields(default_scenario(), {"population.size": 2000, "population.represents": 1000,
...                                            "campaign.days": 2, "parameters.offer_response_days": 0})
>>> seed = replicate_seeds(scenario.run.seed, 1)[0]
>>> a = run_replicate(scenario, "macro", seed)
>>> b = run_replicate(scenario, "macro", seed)
>>> a.metrics["roi"] == b.metrics["roi"], a.metrics["hired"]
(True, 1.0)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.campaign.luck import draw_parameters, with_drawn
from sim.campaign.model import CampaignModel
from sim.campaign.setup import draw_market


@dataclass
class ReplicateResult:
    """What one (strategy, replicate) run produced."""

    strategy: str
    replicate: int
    metrics: dict
    series: dict  # name -> array over hours (cumulative; real people, USD)
    influencers: list = field(default_factory=list)
    outreach: dict = field(default_factory=dict)
    cascades: np.ndarray | None = None  # people reached by each word-of-mouth cascade (real people)
    wom: dict | None = None  # who exposed whom, when (replicate 0 only: sharer, peer, hour, root)
    parameters: dict = field(default_factory=dict)  # the drawn parameters (dotted field -> value); {} when fixed


def run_replicate(scenario, strategy: str, seed: np.random.SeedSequence, *, replicate: int = 0,
                  market=None, keep_wom: bool = False) -> ReplicateResult:
    """Run one replicate of one strategy and return its outcome.

    Draws what is random for the replicate (its market unless ``market`` is given, the
    outreach answers, the random ranking, the campaign), runs the model to the end of
    the campaign and collects its metrics, hourly series, per-creator rows, outreach
    and word-of-mouth cascades. With ``run.parameters = "uncertain"`` the replicate draws
    its own parameters (:func:`sim.campaign.luck.draw_parameters`), recorded in
    :attr:`ReplicateResult.parameters`.
    """
    model = CampaignModel(scenario, strategy, market=market, rng=seed)
    model.run()
    df = model.datacollector.get_model_vars_dataframe()
    series = {c: df[c].to_numpy(dtype=float) for c in df.columns}
    return ReplicateResult(strategy, replicate, model.metrics(), series, model.influencer_rows(),
                           dict(model.roster.outreach), model.cascade_sizes() * model.represents,
                           model.word_of_mouth() if keep_wom else None, dict(model.parameters_drawn))


def run_strategies(scenario, strategies: list[str], seed: np.random.SeedSequence, *, replicate: int = 0,
                   keep_wom: bool = False) -> list[ReplicateResult]:
    """One replicate of several strategies on the same parameters, market and luck (paired; :func:`run_replicate`)."""
    drawn = draw_parameters(scenario, seed)  # drawn once: every strategy runs on the same parameters
    scenario = with_drawn(scenario, drawn)
    market = draw_market(scenario, seed)
    results = [run_replicate(scenario, name, seed, replicate=replicate, market=market, keep_wom=keep_wom)
               for name in strategies]
    for result in results:
        result.parameters = dict(drawn)
    return results
