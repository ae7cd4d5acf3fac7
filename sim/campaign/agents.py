"""Mesa agents: people (``Follower``) and accounts (``Influencer``).

The model keeps everyone's state in arrays and applies the rules to all agents at once;
each agent is a light view onto its row, so a user can inspect it through Mesa's API:

>>> from sim.campaign.model import CampaignModel                                   # doctest: +SKIP
>>> person = next(iter(model.agents_by_type[Follower]))                   # doctest: +SKIP
>>> person.susceptibility, person.engaged, person.converted               # doctest: +SKIP
"""

from __future__ import annotations

import gc
from random import Random

import mesa
from mesa.agentset import _HardKeyAgentSet


class Follower(mesa.Agent):
    """A person. ``index`` is the row in the population's arrays."""

    __slots__ = ("model", "unique_id", "pos", "index")

    def _get(self, name):
        return self.model.population_array(name)[self.index]

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
    """A candidate account. ``index`` is its id in the influencer pool."""

    __slots__ = ("model", "unique_id", "pos", "index")

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


def add_agents(model: mesa.Model, cls: type, indices) -> None:
    """Register one agent of ``cls`` per index with ``model``, in bulk and lazily.

    Equivalent to ``cls(model)`` per index: the agents are in ``model.agents`` and
    ``model.agents_by_type[cls]`` with the ``unique_id`` they would have had. For speed
    the agent objects themselves are only made the first time either agent set is
    used (iterated, counted, searched, changed, pickled). A campaign run never looks at
    them, so a replicate skips making (and later garbage-collecting) ``n`` Python
    objects: about 0.1 s per run at 100,000 people, 1-2 s at a million.
    """
    start = model.agent_id_counter
    indices = indices if isinstance(indices, range) else [int(i) for i in indices]
    model.agent_id_counter = start + len(indices)
    if not isinstance(model._all_agents, _LazyAgentSet):
        model.__dict__.setdefault("_lazy_agents", [])
        model._all_agents = _LazyAgentSet(model._all_agents._agents, model._all_agents.random, model)
    current = model._agents_by_type.get(cls)
    if not isinstance(current, _LazyAgentSet):
        model._agents_by_type[cls] = _LazyAgentSet(current._agents if current is not None else (),
                                                   current.random if current is not None else model.random, model)
    model._lazy_agents.append((cls, start, indices))


class _LazyAgentSet(_HardKeyAgentSet):
    """Mesa's model-owned agent set, with agents declared by :func:`add_agents` made on first use.

    Every method of Mesa's ``_HardKeyAgentSet`` reads ``self._agents``; here that is a
    property that first makes the model's pending agents (all types at once, so that
    ``model.agents`` and ``model.agents_by_type`` hold the same objects, in
    registration order).
    """

    def __init__(self, agents=(), random=None, model: mesa.Model | None = None):
        # (agents, random) as Mesa's own sets, which Mesa calls to make subsets
        self._model = model
        self._store = dict.fromkeys(agents)
        self.random = random if random is not None else Random()

    @property
    def _agents(self) -> dict:
        if self._model is not None and self._model._lazy_agents:
            _materialise(self._model)
        return self._store

    @_agents.setter
    def _agents(self, value: dict) -> None:
        if self._model is not None and self._model._lazy_agents:
            _materialise(self._model)
        self._store = value


def _materialise(model: mesa.Model) -> None:
    """Make the agents that :func:`add_agents` declared, in the order they were declared."""
    pending, model._lazy_agents = model._lazy_agents, []
    new = object.__new__
    enabled = gc.isenabled()
    gc.disable()  # a million new objects would otherwise trigger repeated full collections
    try:
        for cls, start, indices in pending:
            agents = []
            append = agents.append
            for k, i in enumerate(indices):
                a = new(cls)
                a.model = model
                a.unique_id = start + k
                a.pos = None
                a.index = i
                append(a)
            made = dict.fromkeys(agents)
            model._all_agents._store.update(made)
            model._agents_by_type[cls]._store.update(made)
    finally:
        if enabled:
            gc.enable()
