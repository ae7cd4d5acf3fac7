"""The campaign model: one brand, one strategy, hourly steps.

Everyone's state lives in arrays owned by the model; a step applies the rules to the
exposures due that hour only, so its cost follows what happens, not the population
size. People and accounts are still Mesa agents (views onto the arrays).

Examples
--------
>>> from sim.scenario import with_fields, default_scenario
>>> sc = with_fields(default_scenario(), {"population.size": 3000, "population.represents": 500,
...                                      "campaign.days": 3})
>>> model = CampaignModel(sc, "macro", rng=1)
>>> model.run()
>>> m = model.metrics()
>>> m["conversions"] <= m["engaged_people"] <= m["reach"] <= m["impressions"]
True
"""

from __future__ import annotations

from dataclasses import dataclass

import mesa
import numpy as np

from sim.rules import economics

from sim.rules import funnel

from sim.rules import trust

from sim.rules import wordofmouth
from sim.campaign.agents import Follower, Influencer, add_agents
from sim.rules.forecast import tier_prior
from sim.world.population import Population, build_population
from sim.scenario import default_scenario
from sim.campaign.strategies import Roster, build_roster

ACTIVITY_CAP = 3.0  # relative activity above which a person sees every share of a peer
WOM_SAMPLE = 5000  # word-of-mouth ties kept for the report's picture
# one queued exposure: who, their trust in the source, the post's engagement factor,
# the roster index of the account it started from, and whether it came by word of mouth
_EXPOSURE = np.dtype([("people", np.int32), ("trust", np.float32), ("factor", np.float32), ("src", np.int32),
                      ("wom", np.bool_)])


@dataclass
class PeopleState:
    """What has happened to each person so far (arrays indexed by person id)."""

    seen: np.ndarray
    by_post: np.ndarray
    by_wom: np.ndarray
    engaged: np.ndarray
    shared: np.ndarray
    purchases: np.ndarray
    exposures: np.ndarray
    intent: np.ndarray

    @classmethod
    def empty(cls, n: int) -> PeopleState:
        b = lambda: np.zeros(n, dtype=bool)  # noqa: E731
        return cls(b(), b(), b(), b(), b(), np.zeros(n, np.int32), np.zeros(n, np.int32), np.zeros(n, np.float32))


def series_reporters(represents: int) -> dict:
    """The model-level series the DataCollector records each hour (cumulative, real people)."""
    return {
        "hour": lambda m: m.steps,
        "impressions": lambda m: m.impressions * represents,
        "reach": lambda m: m.reached * represents,
        "engagements": lambda m: (m.likes + m.comments + m.shares) * represents,
        "shares": lambda m: m.shares * represents,
        "conversions": lambda m: m.conversions * represents,
    }


class CampaignModel(mesa.Model):
    """One campaign of one strategy. One step is one hour.

    Parameters
    ----------
    scenario : dict, optional
        A resolved scenario (:func:`sim.scenario.load_scenario`); the default scenario if omitted.
    strategy : str, optional
        Name of a strategy in ``scenario["strategies"]``; the first if omitted.
    population : Population, optional
        A built population to reuse (replicates share one).
    roster : Roster, optional
        A roster to use instead of building it from the strategy.
    rng : int, SeedSequence or Generator
        Source of all the campaign's randomness.
    """

    def __init__(self, scenario: dict | None = None, strategy: str | None = None, *,
                 population: Population | None = None, roster: Roster | None = None, rng=None):
        super().__init__(rng=np.random.default_rng(rng))
        sc = scenario if scenario is not None else default_scenario()
        self.config = sc
        self.strategy = strategy or next(iter(sc["strategies"]))
        self.population = population if population is not None else build_population(sc)
        self.roster = roster if roster is not None else build_roster(self.population, sc, self.strategy)
        self.hours = sc["campaign"]["days"] * 24
        self.represents = self.population.represents
        self.state = PeopleState.empty(self.population.n)
        self._setup_rules()
        self._setup_posts()
        add_agents(self, Follower, range(self.population.n))
        add_agents(self, Influencer, range(len(self.population.pool)))
        self.impressions = self.reached = self.likes = self.comments = self.shares = self.conversions = 0
        r = len(self.roster.ids)
        self.by_influencer = {k: np.zeros(r, np.int64) for k in
                              ("views", "impressions", "likes", "comments", "shares", "conversions")}
        self.wom_ties: list = []
        self._queue: dict = {}
        self.datacollector = mesa.DataCollector(model_reporters=series_reporters(self.represents))
        self.datacollector.collect(self)

    def population_array(self, name: str) -> np.ndarray:
        """A person attribute array (used by :class:`~sim.campaign.agents.Follower`)."""
        return getattr(self.population, name)

    # set-up -------------------------------------------------------------------------

    def _setup_rules(self) -> None:
        sc, p, pop, ros = self.config, self.config["parameters"], self.population, self.roster
        product = sc["product"]
        self.p = p
        self.niche_index = sc["population"]["niches"].index(product["niche"])
        self.product_match = pop.match(slice(None), self.niche_index).astype(np.float32)
        f = pop.pool.followers[ros.ids].astype(float)
        self.reach = funnel.organic_reach(f, p["reach_small"], p["reach_large"], p["reach_half_followers"])
        self.prior = tier_prior(p, pop.pool.tier_names, pop.pool.tier[ros.ids])
        penalty = funnel.sponsored_penalty(f, p["penalty_intercept"], p["penalty_slope"])
        self.post_factor = funnel.sponsored_factor(penalty, ros.fit, p["fit_sensitivity"])
        self.erosion = np.ones(len(ros.ids))
        self.aspiration = p["luxury_aspiration"] * product["luxury"]
        self.price_factor = funnel.price_factor(product["luxury"], product["familiarity"], p["luxury_penalty"],
                                                p["familiarity_boost"])
        # word of mouth: a share reaches each peer like a post of an account of the sharer's degree
        deg = pop.graph.degree()
        self.share_reach = np.minimum(1.0, ACTIVITY_CAP * funnel.organic_reach(
            deg, p["reach_small"], p["reach_large"], p["reach_half_followers"]))
        self.share_seen = np.minimum(1.0, pop.activity / ACTIVITY_CAP).astype(np.float32)
        self.follows = np.zeros(pop.n, dtype=bool)
        for j in ros.ids:
            self.follows[pop.audience(j)] = True

    def _setup_posts(self) -> None:
        """Posting hours: each account's posts spread evenly over the campaign, in the afternoon."""
        days = self.config["campaign"]["days"]
        hours, who = [], []
        for k, n_posts in enumerate(self.roster.posts):
            day = np.floor((np.arange(n_posts) + 0.5) * days / n_posts).astype(int)
            hours.append(day * 24 + 12 + self.rng.integers(0, 10, n_posts))
            who.append(np.full(n_posts, k))
        hours = np.concatenate(hours) if hours else np.zeros(0, int)
        who = np.concatenate(who) if who else np.zeros(0, int)
        order = np.lexsort((who, hours))
        self.post_hours, self.post_who = hours[order], who[order]

    # one hour -----------------------------------------------------------------------

    def step(self) -> None:
        """One hour: publish the posts due, then apply the rules to the exposures due."""
        t = self.steps - 1
        lo, hi = np.searchsorted(self.post_hours, [t, t + 1])
        for k in self.post_who[lo:hi]:
            self._publish(int(k), t)
        batch = self._queue.pop(t, None)
        if batch:
            due = (batch[0] if len(batch) == 1 else np.concatenate(batch)).view(_EXPOSURE)
            self._expose(t, *(due[name] for name in _EXPOSURE.names))
        self.datacollector.collect(self)

    def run(self) -> None:
        """Run the whole campaign (``campaign.days * 24`` hourly steps)."""
        self.run_for(self.hours - self.steps)

    def _publish(self, k: int, t: int) -> None:
        """Influencer ``k`` of the roster posts at hour ``t``: who sees it, when, and how much they trust it."""
        pop, p, ros = self.population, self.p, self.roster
        j = int(ros.ids[k])
        audience = pop.audience(j)
        seen = self.rng.random(len(audience)) < funnel.seen_probability(self.reach[k], pop.activity[audience])
        viewers = audience[seen]
        when = t + funnel.sample_delay(len(viewers), p["decay_fast_share"], p["decay_fast_hours"],
                                       p["decay_slow_hours"], self.rng)
        keep = when < self.hours
        viewers, when = viewers[keep], when[keep]
        tr = trust.influencer_trust(self.prior[k], pop.match(viewers, int(pop.pool.niche[j])),
                                    float(pop.pool.followers[j]), p["status_gap"], p["interest_weight"],
                                    p["status_scale"], self.aspiration, self.erosion[k])
        self.by_influencer["views"][k] += len(viewers)
        n = len(viewers)
        self._enqueue(when, viewers, tr, np.full(n, self.post_factor[k]), np.full(n, k), np.zeros(n, bool))
        partner = p["ambassador_erosion"] if ros.partnership == "ambassador" else 1.0
        self.erosion[k] = trust.erode(self.erosion[k], ros.fit[k], p["erosion"], partner)

    def _enqueue(self, when, people, tr, factor, src, wom) -> None:
        if len(when) == 0:
            return
        order = np.argsort(when, kind="stable")
        when = when[order]
        # Performance: one record array per call, kept as raw bytes, so that each hour's
        # share is one slice and an hour's batch one plain concatenation (five column
        # slices per hour and call were a tenth of a run's time; concatenating structured
        # arrays directly is slower still). step() views the bytes as records again.
        rec = np.empty(len(when), dtype=_EXPOSURE)
        rec["people"], rec["trust"], rec["factor"], rec["src"], rec["wom"] = (
            people[order], tr[order], factor[order], src[order], wom[order])
        raw = rec.view(np.uint8)
        size = _EXPOSURE.itemsize
        hours, starts = np.unique(when, return_index=True)
        ends = np.append(starts[1:], len(when))
        queue = self._queue
        for h, a, b in zip(hours.tolist(), (starts * size).tolist(), (ends * size).tolist()):
            queue.setdefault(h, []).append(raw[a:b])

    def _expose(self, t, people, tr, factor, src, wom) -> None:
        """Exposures due at hour ``t``: impressions, intent, engagement, purchases, shares."""
        pop, p, st, rng = self.population, self.p, self.state, self.rng
        r = len(self.roster.ids)
        self.impressions += len(people)
        self.by_influencer["impressions"] += np.bincount(src, minlength=r)
        fresh = people[~st.seen[people]]
        self.reached += len(np.unique(fresh))
        st.seen[people] = True
        st.by_post[people[~wom]] = True
        st.by_wom[people[wom]] = True
        np.add.at(st.exposures, people, 1)
        np.add.at(st.intent, people,
                  funnel.intent_increment(pop.susceptibility[people], tr, self.product_match[people]))

        eng = rng.random(len(people)) < funnel.engage_probability(tr, p["engage_base"], factor)
        if not eng.any():
            # Nobody engaged this hour (most hours): the rest would only draw and count
            # nothing, and zero-size draws leave the generator as it is, so stopping here
            # changes no result (performance).
            return
        who, tr_e, src_e = people[eng], tr[eng], src[eng]
        st.engaged[who] = True
        comment = rng.random(len(who)) < p["comment_share"]
        self.likes += len(who)
        self.comments += int(comment.sum())
        self.by_influencer["likes"] += np.bincount(src_e, minlength=r)
        self.by_influencer["comments"] += np.bincount(src_e[comment], minlength=r)

        # purchases: engaged people convert on accumulated intent, at most once unless repeats are allowed
        can = np.ones(len(who), bool) if self.config["campaign"]["repeat_purchases"] else st.purchases[who] == 0
        pb = funnel.purchase_probability(st.intent[who], pop.purchase_propensity[who], p["conversion_base"],
                                         p["intent_half"], self.price_factor)
        buy = can & (rng.random(len(who)) < pb)
        buyers, b_src = _first_per_person(who[buy], src_e[buy], not self.config["campaign"]["repeat_purchases"])
        np.add.at(st.purchases, buyers, 1)
        self.conversions += len(buyers)
        self.by_influencer["conversions"] += np.bincount(b_src, minlength=r)

        # shares: each person shares the campaign at most once, then word of mouth spreads it
        share = ~st.shared[who] & (rng.random(len(who)) < pop.share_propensity[who] * tr_e)
        sharers, s_src = _first_per_person(who[share], src_e[share], True)
        st.shared[sharers] = True
        self.shares += len(sharers)
        self.by_influencer["shares"] += np.bincount(s_src, minlength=r)
        if len(sharers):
            g = pop.graph
            k, peers = wordofmouth.spread(g.indptr, g.indices, sharers, self.share_reach[sharers], rng,
                                          p_target=self.share_seen)
            when = t + 1 + funnel.sample_delay(len(peers), p["decay_fast_share"], p["decay_fast_hours"],
                                               p["decay_slow_hours"], rng)
            keep = when < self.hours
            k, peers, when = k[keep], peers[keep], when[keep]
            if sum(len(a) for a, _ in self.wom_ties) < WOM_SAMPLE:
                self.wom_ties.append((sharers[k], peers))
            n = len(peers)
            tr_p = trust.peer_trust(p["peer_trust"], self.product_match[peers], p["interest_weight"])
            self._enqueue(when, peers, tr_p, np.ones(n), s_src[k], np.ones(n, bool))

    # results ------------------------------------------------------------------------

    def cost(self) -> float:
        """Fees, product, staff, and per-view payments for the views so far (USD)."""
        ros = self.roster
        views = self.by_influencer["views"] * self.represents
        return float(ros.expected_cost() + (ros.cpm * views / 1000.0).sum())

    def metrics(self) -> dict:
        """Outcome figures of the run, in real people (see :func:`sim.rules.economics.campaign_metrics`)."""
        rep, st = self.represents, self.state
        return economics.campaign_metrics(
            impressions=self.impressions * rep, reach=self.reached * rep,
            earned_reach=int(np.count_nonzero(st.seen & ~self.follows)) * rep,
            likes=self.likes * rep, comments=self.comments * rep, shares=self.shares * rep,
            engaged=int(np.count_nonzero(st.engaged)) * rep, conversions=self.conversions * rep,
            followers=int(self.population.pool.followers[self.roster.ids].sum()),
            price=self.config["product"]["price"], cost=self.cost(), influencers=len(self.roster.ids))

    def influencer_rows(self) -> list[dict]:
        """Per hired account: tier, followers, fit, cost and outcomes (real people)."""
        pop, ros, rep, b = self.population, self.roster, self.represents, self.by_influencer
        rows = []
        for k, j in enumerate(ros.ids):
            eng = (b["likes"][k] + b["comments"][k] + b["shares"][k]) * rep
            f = int(pop.pool.followers[j])
            rows.append({
                "influencer": int(j), "tier": pop.pool.tier_names[pop.pool.tier[j]], "followers": f,
                "niche": pop.niches[pop.pool.niche[j]], "fit": float(ros.fit[k]),
                "cost": float(ros.fixed_cost[k] + ros.management[k] + ros.cpm[k] * b["views"][k] * rep / 1000),
                "impressions": int(b["impressions"][k] * rep), "engagements": int(eng),
                "conversions": int(b["conversions"][k] * rep), "engagement_rate": eng / f,
            })
        return rows


def _first_per_person(people, src, unique: bool):
    """Keep each person's first event of the hour when ``unique``."""
    if not unique or len(people) == 0:
        return people, src
    _, first = np.unique(people, return_index=True)
    first.sort()
    return people[first], src[first]
