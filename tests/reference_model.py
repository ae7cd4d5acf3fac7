"""A plain per-agent implementation of the campaign model, as a reference for the fast path.

Every person and every hired account is an ordinary Mesa agent holding its own state
in Python attributes, and each one applies the rules in its own ``step``: every hour
the model steps every account, then every person (``AgentSet.do("step")``), one
agent and one exposure at a time. No arrays, no vectorisation.

The rules are the same functions the fast path uses (:mod:`sim.rules.trust`,
:mod:`sim.rules.funnel`), applied to scalars, with the same posting schedule, the same
audiences (:meth:`sim.world.population.Population.audience`), the same peer graph and the same
roster. Only the order in which random numbers are drawn differs, so the two
implementations agree in distribution, not draw for draw
(``tests/test_reference.py`` checks that; ``benchmarks/campaign.py`` times both).

What one hour does, as in :meth:`sim.campaign.model.CampaignModel.step`:

1. each account with a post due publishes it: each follower sees it with
   :func:`~sim.rules.funnel.seen_probability`, at a delay drawn from the decay curve, with
   :func:`~sim.rules.trust.influencer_trust`; then the account's trust erodes
   (:func:`~sim.rules.trust.erode`);
2. each person takes the exposures due to them this hour: every exposure counts as an
   impression and adds :func:`~sim.rules.funnel.intent_increment` to their intent; then each
   exposure may lead to an engagement (:func:`~sim.rules.funnel.engage_probability`), a
   comment, a purchase (:func:`~sim.rules.funnel.purchase_probability` of the intent so far;
   at most once per campaign unless repeat purchases are allowed) and a share (once
   per person per campaign). A share exposes each peer with probability
   ``share_reach(sharer) * share_seen(peer)``, one hour or more later, with
   :func:`~sim.rules.trust.peer_trust`.
"""

from __future__ import annotations

import math

import mesa
import numpy as np

from sim.rules import economics

from sim.rules import funnel

from sim.rules import trust
from sim.rules.forecast import account_prior
from sim.campaign.model import ACTIVITY_CAP, series_reporters
from sim.world.population import Population, build_population
from sim.campaign.strategies import Roster, build_roster


def _delay(p: dict, rng: np.random.Generator) -> int:
    """One draw of :func:`sim.rules.funnel.sample_delay`: whole hours from posting to viewing."""
    scale = p.decay_fast_hours if rng.random() < p.decay_fast_share else p.decay_slow_hours
    return math.floor(rng.exponential(scale))


class RefPerson(mesa.Agent):
    """A person with their own attributes and state, and an inbox of exposures by hour."""

    def __init__(self, model: ReferenceModel, i: int):
        super().__init__(model)
        pop, p = model.population, model.p
        self.i = i
        row = pop.interests[i].astype(float)
        self.match = row / row.max()  # interest in each niche relative to the strongest
        self.susceptibility = float(pop.susceptibility[i])
        self.activity = float(pop.activity[i])
        self.share_propensity = float(pop.share_propensity[i])
        self.purchase_propensity = float(pop.purchase_propensity[i])
        self.product_match = float(self.match[model.niche_index])
        self.peers: list[RefPerson] = []  # filled once every person exists
        degree = int(pop.graph.indptr[i + 1] - pop.graph.indptr[i])
        # a share reaches each peer like a post of an account with this person's degree
        self.share_reach = min(1.0, ACTIVITY_CAP * float(funnel.organic_reach(
            degree, p.reach_small, p.reach_large, p.reach_half_followers)))
        self.share_seen = min(1.0, self.activity / ACTIVITY_CAP)
        self.follows = False
        self.seen = self.engaged = self.shared = False
        self.purchases = 0
        self.exposures = 0
        self.intent = 0.0
        self.inbox: dict[int, list] = {}

    def receive(self, hour: int, tr: float, factor: float, src: int, wom: bool) -> None:
        self.inbox.setdefault(hour, []).append((tr, factor, src, wom))

    def step(self) -> None:
        m = self.model
        due = self.inbox.pop(m.hour, None)
        if due is None:
            return
        p, rng = m.p, m.rng
        for tr, _factor, src, _wom in due:
            m.impressions += 1
            m.by_influencer["impressions"][src] += 1
            if not self.seen:
                self.seen = True
                m.reached += 1
            self.exposures += 1
            self.intent += float(funnel.intent_increment(self.susceptibility, tr, self.product_match))
        may_buy = m.repeat or self.purchases == 0  # as the hour began
        had_shared = self.shared
        bought = shared = False
        for tr, factor, src, _wom in due:
            if not rng.random() < funnel.engage_probability(tr, p.engage_base, factor):
                continue
            self.engaged = True
            m.likes += 1
            m.by_influencer["likes"][src] += 1
            if rng.random() < p.comment_share:
                m.comments += 1
                m.by_influencer["comments"][src] += 1
            pb = funnel.purchase_probability(self.intent, self.purchase_propensity, p.conversion_base,
                                             p.intent_half, m.price_factor)
            if may_buy and rng.random() < pb and (m.repeat or not bought):
                bought = True
                self.purchases += 1
                m.conversions += 1
                m.by_influencer["conversions"][src] += 1
            if not had_shared and not shared and rng.random() < self.share_propensity * tr:
                shared = self.shared = True
                m.shares += 1
                m.by_influencer["shares"][src] += 1
                self.tell_peers(src)

    def tell_peers(self, src: int) -> None:
        """Word of mouth: each peer may see this person's share, an hour or more later."""
        m = self.model
        p, rng = m.p, m.rng
        for peer in self.peers:
            if rng.random() < self.share_reach * peer.share_seen:
                when = m.hour + 1 + _delay(p, rng)
                if when < m.hours:
                    tr = float(trust.peer_trust(p.peer_trust, peer.product_match, p.interest_weight))
                    peer.receive(when, tr, 1.0, src, True)


class RefInfluencer(mesa.Agent):
    """A hired account: its posting hours, its followers (agents) and its trust erosion."""

    def __init__(self, model: ReferenceModel, k: int):
        super().__init__(model)
        pop, p, ros = model.population, model.p, model.roster
        self.k = k
        self.j = int(ros.ids[k])
        self.followers = float(pop.pool.followers[self.j])
        self.niche = int(pop.pool.niche[self.j])
        self.audience = [model.people[int(i)] for i in pop.audience(self.j)]
        for person in self.audience:
            person.follows = True
        self.reach = float(funnel.organic_reach(self.followers, p.reach_small, p.reach_large,
                                                p.reach_half_followers))
        self.prior = float(account_prior(p, [pop.pool.followers[self.j]], [pop.pool.authenticity[self.j]])[0])
        penalty = funnel.sponsored_penalty(self.followers, p.penalty_intercept, p.penalty_slope)
        self.post_factor = float(funnel.sponsored_factor(penalty, ros.fit[k], p.fit_sensitivity))
        self.fit = float(ros.fit[k])
        self.erosion = 1.0
        # posts spread evenly over the campaign, in the afternoon (as CampaignModel._setup_posts)
        days, n_posts = model.days, int(ros.posts[k])
        self.post_hours = [math.floor((i + 0.5) * days / n_posts) * 24 + 12 + int(model.rng.integers(0, 10))
                           for i in range(n_posts)]

    def step(self) -> None:
        m = self.model
        for _ in range(self.post_hours.count(m.hour)):
            self.publish()

    def publish(self) -> None:
        m = self.model
        p, rng, t = m.p, m.rng, m.hour
        for person in self.audience:
            if not rng.random() < funnel.seen_probability(self.reach, person.activity):
                continue
            when = t + _delay(p, rng)
            if when >= m.hours:
                continue
            tr = float(trust.influencer_trust(self.prior, person.match[self.niche], self.followers, p.status_gap,
                                              p.interest_weight, p.status_scale, m.aspiration, self.erosion))
            m.by_influencer["views"][self.k] += 1
            person.receive(when, tr, self.post_factor, self.k, False)
        partner = p.ambassador_erosion if m.roster.partnership == "ambassador" else 1.0
        self.erosion = float(trust.erode(self.erosion, self.fit, p.erosion, partner))


class ReferenceModel(mesa.Model):
    """The campaign of :class:`sim.campaign.model.CampaignModel`, one agent at a time.

    Same arguments as :class:`~sim.campaign.model.CampaignModel`; ``metrics()`` gives the same figures.
    """

    def __init__(self, scenario: dict, strategy: str | None = None, *, population: Population | None = None,
                 roster: Roster | None = None, rng=None):
        super().__init__(rng=np.random.default_rng(rng))
        sc = self.config = scenario
        self.strategy = strategy or next(iter(sc.strategies))
        self.population = population if population is not None else build_population(sc)
        self.roster = roster if roster is not None else build_roster(self.population, sc, self.strategy)
        self.p = sc.parameters
        self.days = sc.campaign.days
        self.hours = self.days * 24
        self.hour = 0
        self.repeat = sc.campaign.repeat_purchases
        product = sc.product
        self.niche_index = sc.population.niches.index(product.niche)
        self.aspiration = self.p.luxury_aspiration * product.luxury
        self.price_factor = funnel.price_factor(product.luxury, product.familiarity, self.p.luxury_penalty,
                                                self.p.familiarity_boost)
        self.impressions = self.reached = self.likes = self.comments = self.shares = self.conversions = 0
        r = len(self.roster.ids)
        self.by_influencer = {k: [0] * r for k in ("views", "impressions", "likes", "comments", "shares",
                                                    "conversions")}
        pop = self.population
        self.people = [RefPerson(self, i) for i in range(pop.n)]
        g = pop.graph
        for i, person in enumerate(self.people):
            person.peers = [self.people[v] for v in g.indices[g.indptr[i]:g.indptr[i + 1]].tolist()]
        self.accounts = [RefInfluencer(self, k) for k in range(r)]
        self.datacollector = mesa.DataCollector(model_reporters=series_reporters(pop.represents))
        self.datacollector.collect(self)

    def step(self) -> None:
        """One hour: every account, then every person, applies the rules in its own ``step``."""
        self.hour = self.steps - 1
        self.agents_by_type[RefInfluencer].do("step")
        self.agents_by_type[RefPerson].do("step")
        self.datacollector.collect(self)

    def run(self, hours: int | None = None) -> None:
        """Run the campaign (or its first ``hours`` hours)."""
        self.run_for((self.hours if hours is None else hours) - self.steps)

    def cost(self) -> float:
        ros = self.roster
        views = np.asarray(self.by_influencer["views"]) * self.population.represents
        return float(ros.fixed_cost.sum() + ros.management.sum() + (ros.cpm * views / 1000.0).sum())

    def metrics(self) -> dict:
        rep = self.population.represents
        earned = sum(1 for person in self.people if person.seen and not person.follows)
        engaged = sum(1 for person in self.people if person.engaged)
        return economics.campaign_metrics(
            impressions=self.impressions * rep, reach=self.reached * rep, earned_reach=earned * rep,
            likes=self.likes * rep, comments=self.comments * rep, shares=self.shares * rep,
            engaged=engaged * rep, conversions=self.conversions * rep,
            followers=int(self.population.pool.followers[self.roster.ids].sum()),
            price=self.config.product.price, cost=self.cost(), influencers=len(self.roster.ids))
