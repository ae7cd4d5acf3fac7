"""Mesa agents: people (``Follower``) and accounts (``Influencer``).

The model keeps everyone's state in arrays and applies the rules to all agents at once;
each agent is a light view onto its row, made through Mesa's public API (``Agent(model)``)
the first time the model's :attr:`~sim.campaign.model.CampaignModel.people` or
:attr:`~sim.campaign.model.CampaignModel.creators` are asked for, so a user can inspect
them with Mesa's own tools:

>>> from sim.scenario import with_fields, default_scenario
>>> from sim.campaign.model import CampaignModel
>>> scenario = with_fields(default_scenario(), {"population.size": 2000, "population.represents": 1000,
...                                            "campaign.days": 2, "parameters.offer_response_days": 0})
>>> model = CampaignModel(scenario, "macro", rng=1)
>>> model.run()
>>> len(model.people), len(model.agents_by_type[Follower])
(2000, 2000)
>>> person = model.people.select(lambda a: a.index == 0).to_list()[0]
>>> 0 <= person.susceptibility <= 1, person.converted in (True, False)
(True, True)
>>> sum(c.hired for c in model.creators)
1
"""

from __future__ import annotations

import mesa


class Follower(mesa.Agent):
    """A person. ``index`` is the row in the market's arrays."""

    def __init__(self, model: mesa.Model, index: int):
        super().__init__(model)
        self.index = int(index)

    def _get(self, name):
        return getattr(self.model.population, name)[self.index]

    interests = property(lambda self: self._get("interests"), doc="interest per niche (sums to 1)")
    susceptibility = property(lambda self: float(self._get("susceptibility")), doc="how easily persuaded")
    activity = property(lambda self: float(self._get("activity")), doc="relative app activity (mean 1)")
    share_propensity = property(lambda self: float(self._get("share_propensity")))
    purchase_propensity = property(lambda self: float(self._get("purchase_propensity")))
    exposures = property(lambda self: int(self.model.state.exposures[self.index]), doc="exposures so far")
    intent = property(lambda self: float(self.model.state.intent[self.index]), doc="purchase intent")
    reached = property(lambda self: bool(self.model.state.seen[self.index]))
    engaged = property(lambda self: bool(self.model.state.engaged[self.index]))
    shared = property(lambda self: bool(self.model.state.shared[self.index]))
    converted = property(lambda self: bool(self.model.state.purchases[self.index] > 0))

    @property
    def peers(self):
        """Person ids of this person's peers."""
        return self.model.population.graph.neighbors(self.index)


class Influencer(mesa.Agent):
    """A candidate account. ``index`` is its id in the creator pool."""

    def __init__(self, model: mesa.Model, index: int):
        super().__init__(model)
        self.index = int(index)

    def _pool(self, name):
        return getattr(self.model.population.pool, name)[self.index]

    followers = property(lambda self: int(self._pool("followers")), doc="real follower count")
    tier = property(lambda self: self.model.population.pool.tier_names[self._pool("tier")])
    niche = property(lambda self: self.model.population.niches[self._pool("niche")])
    authenticity = property(lambda self: float(self._pool("authenticity")))
    hired = property(lambda self: self.index in self.model.roster.position)

    @property
    def audience(self):
        """Person ids of the simulated followers."""
        return self.model.population.audience(self.index)
