"""The campaign model: one brand, one strategy, hourly steps.

Everyone's state lives in arrays owned by the model; a step applies the rules to the
exposures due that hour only, so its cost follows what happens, not the population
size. People and accounts are still Mesa agents (views onto the arrays), made through
Mesa's public API the first time they are asked for (:attr:`CampaignModel.people`,
:attr:`CampaignModel.creators`).

The constructor takes plain keyword parameters, so ``mesa.batch_run`` can vary them;
the model sets ``running = False`` when the campaign is over.

Examples
--------
>>> from sim.scenario import with_fields, default_scenario
>>> scenario = with_fields(default_scenario(), {"population.size": 3000, "population.represents": 500,
...                                            "campaign.days": 3, "parameters.offer_response_days": 0})
>>> model = CampaignModel(scenario, "macro", rng=1)
>>> model.run()
>>> m = model.metrics()
>>> m["conversions"] <= m["engaged_people"] <= m["reach"] <= m["impressions"]
True
>>> model.running, model.steps
(False, 72)
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import mesa
import numpy as np

from sim.campaign.agents import Follower, Influencer
from sim.campaign.luck import as_seed, draw_parameters, post_stream, share_stream, split_uniform, with_drawn
from sim.campaign.setup import draw_market, prepare
from sim.campaign.roster import Roster
from sim.rules import economics, funnel, platform, trust, wordofmouth
from sim.rules.forecast import account_prior, expected_seen, organic_engagement_rate
from sim.scenario import Scenario, default_scenario, load_scenario, with_fields
from sim.world.population import Population

# one queued exposure: who, their trust in the source, the post's engagement factor,
# the roster index of the account it started from, and whether it came by word of mouth
# and the person whose share started its word-of-mouth cascade (-1 for a post), and the
# uniform drawn with the post or share that decides what the person does (luck.split_uniform)
_EXPOSURE = np.dtype([("people", np.int32), ("trust", np.float32), ("factor", np.float32), ("src", np.int32),
                      ("wom", np.bool_), ("root", np.int32), ("luck", np.float64)])


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


# The model-level series the DataCollector records each hour (cumulative; people in real
# people, money in USD): reporter name -> model attribute (strings keep the model picklable).
SERIES = {"hour": "steps", "impressions": "total_impressions", "reach": "total_reach",
          "engagements": "total_engagements", "shares": "total_shares", "conversions": "total_conversions",
          "revenue": "total_revenue", "spend": "total_spend", "roi": "current_roi"}


class CampaignModel(mesa.Model):
    """One campaign of one strategy in one replicate. One step is one hour.

    Parameters
    ----------
    scenario : Scenario, str or Path, optional
        A scenario object or a scenario file; the embedded default if omitted.
    strategy : str, optional
        Name of a strategy in ``scenario.strategies``; the first if omitted.
    changes : dict, optional
        Dotted-path changes to the scenario (``{"brand.budget": 20000}``), for
        ``mesa.batch_run`` to vary.
    market : Population, optional
        A market to use instead of drawing the replicate's own (replicates of a
        study share what they may).
    roster : Roster, optional
        A roster to use instead of hiring one (an optimiser's pilot).
    rng : SeedSequence, int or None
        The replicate's seed (:func:`sim.campaign.luck.replicate_seeds`); everything
        random in the replicate comes from it: the market (when drawn per replicate),
        outreach answers, the random ranking and the campaign, and, with
        ``run.parameters = "uncertain"``, the behavioural parameters
        (:attr:`parameters_drawn`; :attr:`config` is the scenario with them). The same
        seed gives the same rows whatever ran before in the process; None is a fresh
        replicate each time (:func:`sim.campaign.luck.as_seed`).
    """

    running: bool  # mesa.Model's flag: False once the campaign is over

    def __init__(self, scenario: Scenario | str | Path | None = None, strategy: str | None = None, *,
                 changes: dict | None = None, market: Population | None = None, roster: Roster | None = None,
                 rng=None):
        seed = as_seed(rng)
        super().__init__(rng=np.random.default_rng(seed))
        if scenario is None:
            scenario = default_scenario()
        elif not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        if changes:
            scenario = with_fields(scenario, changes)
        self.parameters_drawn = draw_parameters(scenario, seed)  # run.parameters = "uncertain": this replicate's
        scenario = with_drawn(scenario, self.parameters_drawn)  # own, then fixed (see sim.campaign.luck)
        self.config = scenario  # the influsim Scenario (Mesa's own Model.scenario is another thing)
        self.strategy = strategy or next(iter(scenario.strategies))
        if self.strategy not in scenario.strategies:
            from sim.errors import ScenarioError

            raise ScenarioError("strategy", f"no strategy {self.strategy!r} in the scenario "
                                            f"(strategies: {', '.join(scenario.strategies)})")
        self.seed = seed
        self.population = market if market is not None else draw_market(scenario, seed)
        _, self.roster = prepare(scenario, self.strategy, seed, market=self.population, roster=roster,
                                 simulate=self._pilots)
        self.population.draw_audiences(self.roster.ids)  # over threads; the rules' set-up reads them
        self.hours = scenario.campaign.days * 24
        self.represents = self.population.represents
        self.state = PeopleState.empty(self.population.n)
        self._setup_rules()
        self._setup_posts()
        self.impressions = self.reached = self.likes = self.comments = self.shares = self.conversions = 0
        r = len(self.roster.ids)
        self.by_influencer = {k: np.zeros(r, np.int64) for k in
                              ("views", "impressions", "likes", "comments", "shares", "conversions")}
        self.wom_edges: list = []
        self.cascade_roots: list = []  # the root of every share  # word of mouth, who exposed whom and when: (sharer, peer, hour, root) arrays
        self._queue: dict = {}
        self._agents_made = False
        self.datacollector = mesa.DataCollector(model_reporters=dict(SERIES))
        self.datacollector.collect(self)

    def _pilots(self, roster: Roster, seeds: list) -> list[dict]:
        """Metrics of full campaigns of ``roster`` on this replicate's market, one per seed (optimiser pilots)."""
        out = []
        for s in seeds:
            pilot = type(self)(self.config, self.strategy, market=self.population, roster=roster, rng=s)
            pilot.run()
            out.append(pilot.metrics())
        return out

    # agents, through Mesa's public API -----------------------------------------------

    @property
    def people(self) -> mesa.agent.AgentSet:
        """Every person as a :class:`~sim.campaign.agents.Follower` agent (made on first use)."""
        self._make_agents()
        return self.agents_by_type[Follower]

    @property
    def creators(self) -> mesa.agent.AgentSet:
        """Every candidate account as an :class:`~sim.campaign.agents.Influencer` agent (made on first use)."""
        self._make_agents()
        return self.agents_by_type[Influencer]

    def _make_agents(self) -> None:
        if self._agents_made:
            return
        self._agents_made = True
        for i in range(self.population.n):
            Follower(self, i)
        for j in range(len(self.population.pool)):
            Influencer(self, j)

    # series the DataCollector records ------------------------------------------------

    total_impressions = property(lambda self: self.impressions * self.represents)
    total_reach = property(lambda self: self.reached * self.represents)
    total_engagements = property(lambda self: (self.likes + self.comments + self.shares) * self.represents)
    total_shares = property(lambda self: self.shares * self.represents)
    total_conversions = property(lambda self: self.conversions * self.represents)
    total_revenue = property(lambda self: self.conversions * self.represents * self.config.product.price)
    total_spend = property(lambda self: self.cost())

    @property
    def current_roi(self) -> float:
        """ROI on gross profit so far, ``(margin x revenue - spend) / spend``."""
        spend = self.cost()
        return (self.config.product.margin * self.total_revenue - spend) / spend if spend else float("nan")

    def population_array(self, name: str) -> np.ndarray:
        """A person attribute array (used by :class:`~sim.campaign.agents.Follower`)."""
        return getattr(self.population, name)

    # set-up -------------------------------------------------------------------------

    def _setup_rules(self) -> None:
        sc, p, pop, ros = self.config, self.config.parameters, self.population, self.roster
        product = sc.product
        self.p = p
        self.niche_index = sc.population.niches.index(product.niche)
        # interest in the product's niche, scaled by the category's involvement (population.category_involvement)
        self.product_match = np.minimum(1.0, sc.population.category_involvement
                                        * pop.match(slice(None), self.niche_index)).astype(np.float32)
        f = pop.pool.followers[ros.ids].astype(float)
        self.reach = funnel.organic_reach(f, p.reach_small, p.reach_large, p.reach_half_followers)
        self.prior = account_prior(p, pop.pool.followers[ros.ids], pop.pool.authenticity[ros.ids])
        penalty = funnel.sponsored_penalty(f, p.penalty_intercept, p.penalty_slope)
        self.post_factor = funnel.sponsored_factor(penalty, ros.fit, p.fit_sensitivity)
        self._setup_platforms()
        self.erosion = np.ones(len(ros.ids))
        self.aspiration = p.luxury_aspiration * product.luxury
        self.price_factor = funnel.price_factor(product.luxury, product.familiarity, p.luxury_penalty,
                                                p.familiarity_boost)
        # word of mouth: a share is seen like a post of an account of the sharer's size (its peers)
        self.share_reach = funnel.organic_reach(pop.graph.degree(), p.reach_small, p.reach_large,
                                                p.reach_half_followers)
        self.follows = np.zeros(pop.n, dtype=bool)
        for j in ros.ids:
            self.follows[pop.audience(j)] = True

    def _setup_platforms(self) -> None:
        """Each hired account's reach, engagement and view timing on its platform (:mod:`sim.rules.platform`).

        Instagram is the calibration base (all multipliers 1: nothing changes); a shortlisted
        account's given engagement rate scales its engagement so that its expected organic
        engagement rate is the given one.
        """
        p, pop, ids = self.p, self.population, self.roster.ids
        pool = pop.pool
        fig = {name: platform.figure(p, pool.platform_names, pool.platform[ids], name) for name in platform.FIGURES}
        self.decay = [platform.platform_decay(p.decay_fast_share, p.decay_fast_hours, p.decay_slow_hours, m, t)
                      for m, t in zip(fig["fast_share"].tolist(), fig["timing"].tolist())]
        given = pool.engagement_rate[ids]
        if np.all(fig["reach"] == 1.0) and np.all(fig["engagement"] == 1.0) and np.isnan(given).all():
            return  # all on the calibration base (Instagram), no engagement rate given
        base = self.reach
        self.reach = platform.platform_reach(base, fig["reach"])
        seen = expected_seen(pop.activity, np.concatenate([base, self.reach]))  # one sort of everyone's activity
        factor = platform.engagement_factor(fig["engagement"], seen[: len(base)], seen[len(base):])
        if not np.isnan(given).all():
            expected = organic_engagement_rate(pop, p, ids, luxury=0.0, given=False)
            factor = factor * platform.given_engagement_factor(given, expected)
        self.post_factor = self.post_factor * factor

    def _setup_posts(self) -> None:
        """Posting hours: each account's posts spread evenly over the days left after its outreach, in the afternoon.

        Outreach takes time: an account can post once it has accepted, after the rounds of
        offers before its own (connecting first, if the brand does, then waiting
        ``parameters.offer_response_days`` for answers: ``roster.start_day``). An account
        whose answer comes after the campaign's end posts nothing. Each post draws from its
        own stream (:func:`sim.campaign.luck.post_stream`), first its hour within the
        afternoon; posts due the same hour go out in the order of the accounts' pool ids,
        so the roster's order changes nothing.
        """
        days = self.config.campaign.days
        start = self.roster.start_day if self.roster.start_day is not None else np.zeros(len(self.roster.ids))
        self.start_day = np.ceil(np.asarray(start, dtype=float)).astype(int)
        hours: list[np.ndarray] | np.ndarray  # one array per account, then all of them
        who: list[np.ndarray] | np.ndarray
        hours, who = [], []
        streams: list[np.random.Generator] = []
        for k, n_posts in enumerate(self.roster.posts):
            left = days - self.start_day[k]
            if left <= 0:
                continue
            day = self.start_day[k] + np.floor((np.arange(n_posts) + 0.5) * left / n_posts).astype(int)
            mine = [post_stream(self.seed, self.roster.ids[k], i) for i in range(n_posts)]
            hours.append(day * 24 + 12 + np.array([g.integers(0, 10) for g in mine], dtype=int))
            who.append(np.full(n_posts, k))
            streams += mine
        hours = np.concatenate(hours) if hours else np.zeros(0, int)
        who = np.concatenate(who) if who else np.zeros(0, int)
        order = np.lexsort((np.asarray(self.roster.ids)[who] if len(who) else who, hours))
        self.post_hours, self.post_who = hours[order], who[order]
        self.post_streams = [streams[i] for i in order.tolist()]

    # one hour -----------------------------------------------------------------------

    def step(self) -> None:
        """One hour: publish the posts due, then apply the rules to the exposures due."""
        if not self.running:
            return
        t = self.steps - 1
        lo, hi = np.searchsorted(self.post_hours, [t, t + 1])
        for i in range(int(lo), int(hi)):
            self._publish(int(self.post_who[i]), t, self.post_streams[i])
        batch = self._queue.pop(t, None)
        if batch:
            due = (batch[0] if len(batch) == 1 else np.concatenate(batch)).view(_EXPOSURE)
            self._expose(t, *(due[name] for name in _EXPOSURE.names))  # type: ignore[union-attr]  # numpy types names Optional; a structured dtype has them
        if self.steps >= self.hours:
            self.running = False
        self.datacollector.collect(self)

    def run(self) -> None:
        """Run the whole campaign (``campaign.days * 24`` hourly steps)."""
        while self.running:
            self.step()

    def _publish(self, k: int, t: int, rng: np.random.Generator) -> None:
        """Influencer ``k`` of the roster posts at hour ``t``: who sees it, when, and how much they trust it.

        ``rng`` is the post's own stream: it decides who of the audience sees the post,
        when, and (one uniform per viewer) what they do then.
        """
        pop, p, ros = self.population, self.p, self.roster
        j = int(ros.ids[k])
        audience = pop.audience(j)
        seen = rng.random(len(audience)) < funnel.seen_probability(self.reach[k], pop.activity[audience])
        viewers = audience[seen]
        u = rng.random((3, len(viewers)))
        when = t + funnel.delay_from_uniforms(u[0], u[1], *self.decay[k])  # on the account's platform
        keep = when < self.hours
        viewers, when, luck = viewers[keep], when[keep], u[2][keep]
        tr = trust.influencer_trust(self.prior[k], pop.match(viewers, int(pop.pool.niche[j])),
                                    float(pop.pool.followers[j]), p.status_gap, p.interest_weight,
                                    p.status_scale, self.aspiration, self.erosion[k])
        n = len(viewers)
        self._enqueue(when, viewers, tr, np.full(n, self.post_factor[k]), np.full(n, k), np.zeros(n, bool),
                      np.full(n, -1), luck)
        partner = p.ambassador_erosion if ros.partnership == "ambassador" else 1.0
        self.erosion[k] = trust.erode(self.erosion[k], ros.fit[k], p.erosion, partner)

    def _enqueue(self, when, people, tr, factor, src, wom, root, luck) -> None:
        """Queue exposures: each ``people[i]`` is exposed at hour ``when[i]`` (the rest: see :data:`_EXPOSURE`).

        Exposures due the same hour keep the order given (a stable sort by hour).
        """
        if len(when) == 0:
            return
        # hours fit in 16 bits (campaigns are at most a few years), where numpy's stable sort
        # is a radix sort; a stable order is the same whatever the dtype of the keys
        order = np.argsort(when.astype(np.int16) if self.hours < 1 << 15 else when, kind="stable")
        when = when[order]
        # Performance: one record array per call, kept as raw bytes, so that each hour's
        # share is one slice and an hour's batch one plain concatenation (five column
        # slices per hour and call were a tenth of a run's time; concatenating structured
        # arrays directly is slower still). step() views the bytes as records again. The
        # records are filled in the given order and then put in hour order by one gather
        # of whole records (a third faster than a gather per column).
        rec = np.empty(len(when), dtype=_EXPOSURE)
        rec["people"], rec["trust"], rec["factor"], rec["src"], rec["wom"], rec["root"], rec["luck"] = (
            people, tr, factor, src, wom, root, luck)
        raw = np.take(rec, order).view(np.uint8)
        size = _EXPOSURE.itemsize
        starts = np.flatnonzero(np.r_[True, when[1:] != when[:-1]])  # when is sorted: no np.unique
        hours, ends = when[starts], np.append(starts[1:], len(when))
        queue = self._queue
        for h, a, b in zip(hours.tolist(), (starts * size).tolist(), (ends * size).tolist()):
            queue.setdefault(h, []).append(raw[a:b])

    def _expose(self, t, people, tr, factor, src, wom, root, luck) -> None:
        """Exposures due at hour ``t``: impressions, intent, engagement, purchases, shares.

        Each exposure's ``luck`` (a uniform drawn with its post or share) decides in turn
        whether the person engages, comments, buys and shares (:func:`split_uniform`).
        """
        pop, p, st = self.population, self.p, self.state
        people = people.astype(np.intp)  # the index type: each gather and scatter below would convert it again
        r = len(self.roster.ids)
        self.impressions += len(people)
        self.by_influencer["impressions"] += _count(src, r)
        self.by_influencer["views"] += _count(src[~wom], r)  # paid views (of the post itself), as they happen
        once = _Repeats(people)
        self.reached += once.count_new(st.seen)
        st.seen[people] = True
        st.by_post[people[~wom]] = True
        st.by_wom[people[wom]] = True
        once.add(st.exposures, 1)
        once.add(st.intent, funnel.intent_increment(pop.susceptibility[people], tr, self.product_match[people]))

        pe = funnel.engage_probability(tr, p.engage_base, factor)
        eng = luck < pe
        if not eng.any():
            return  # nobody engaged this hour (most hours): nothing else happens (performance)
        who, tr_e, src_e, root_e = people[eng], tr[eng], src[eng], root[eng]
        _, u = split_uniform(luck[eng], pe[eng])  # what is left of an engaged person's uniform
        st.engaged[who] = True
        comment, u = split_uniform(u, p.comment_share)
        self.likes += len(who)
        self.comments += int(comment.sum())
        self.by_influencer["likes"] += _count(src_e, r)
        self.by_influencer["comments"] += _count(src_e[comment], r)

        # purchases: engaged people convert on accumulated intent, at most once unless repeats are allowed
        can = np.ones(len(who), bool) if self.config.campaign.repeat_purchases else st.purchases[who] == 0
        pb = funnel.purchase_probability(st.intent[who], pop.purchase_propensity[who], p.conversion_base,
                                         p.intent_half, self.price_factor)
        hit, u = split_uniform(u, pb)
        buy = can & hit
        buyers, b_src = _first_per_person(who[buy], src_e[buy], not self.config.campaign.repeat_purchases)
        np.add.at(st.purchases, buyers, 1)
        self.conversions += len(buyers)
        self.by_influencer["conversions"] += _count(b_src, r)

        # shares: each person shares the campaign at most once, then word of mouth spreads it
        share = ~st.shared[who] & (u < pop.share_propensity[who] * tr_e)
        sharers, first = _first_per_person(who[share], np.flatnonzero(share), True)
        s_src = src_e[first]
        s_root = np.where(root_e[first] >= 0, root_e[first], sharers).astype(np.int32)  # a post's sharer starts a cascade
        st.shared[sharers] = True
        self.shares += len(sharers)
        self.by_influencer["shares"] += _count(s_src, r)
        self._spread(t + 1, sharers, s_src, s_root)

    def _spread(self, t: int, sharers: np.ndarray, src: np.ndarray, root: np.ndarray) -> None:
        """Word of mouth from ``sharers`` (who share now): their peers who see it from hour ``t`` on.

        Each sharer's draws come from its own stream (:func:`sim.campaign.luck.share_stream`):
        the arcs' trials (:func:`sim.rules.wordofmouth.share_exposures`), then per peer
        who sees it the delay and the uniform that decides what the peer does. ``src`` is
        the roster account each share started from (-1: none), ``root`` its cascade.
        """
        if len(sharers) == 0:
            return
        pop, p, g = self.population, self.p, self.population.graph
        streams = [share_stream(self.seed, v) for v in sharers.tolist()]
        degree = (g.indptr[sharers + 1] - g.indptr[sharers]).tolist()
        trials = np.concatenate([s.random(d) for s, d in zip(streams, degree)])
        k, peers = wordofmouth.share_exposures(g.indptr, g.indices, sharers, self.share_reach[sharers],
                                               pop.activity, trials)
        counts = np.bincount(k, minlength=len(sharers)).tolist()
        u = np.concatenate([s.random((c, 3)) for s, c in zip(streams, counts)]) if len(k) else np.zeros((0, 3))
        when = t + funnel.delay_from_uniforms(u[:, 0], u[:, 1], p.decay_fast_share, p.decay_fast_hours,
                                              p.decay_slow_hours)
        keep = when < self.hours
        k, peers, when, luck = k[keep], peers[keep], when[keep], u[keep, 2]
        self.cascade_roots.append(root)
        self.wom_edges.append((sharers[k].astype(np.int32), peers.astype(np.int32), when.astype(np.int32), root[k]))
        n = len(peers)
        tr_p = trust.peer_trust(p.peer_trust, self.product_match[peers], p.interest_weight)
        self._enqueue(when, peers, tr_p, np.ones(n), src[k], np.ones(n, bool), root[k], luck)

    def seed_word_of_mouth(self, people, hour: int | None = None) -> None:
        """Make ``people`` share the campaign at ``hour`` (default: now), to study seeding.

        Each starts a word-of-mouth cascade of their own, spreading by the same rule as any
        share (:func:`sim.rules.wordofmouth.share_exposures`); their peers' exposures count
        for no roster account. A person shares at most once.

        Examples
        --------
        >>> from sim.scenario import with_fields, default_scenario
        >>> scenario = with_fields(default_scenario(), {"population.size": 3000, "population.represents": 500,
        ...                                            "campaign.days": 2, "population.share_propensity_mean": 0.5,
        ...                                            "parameters.offer_response_days": 0})
        >>> model = CampaignModel(scenario, "macro", rng=1)
        >>> model.seed_word_of_mouth(range(10))
        >>> model.run()
        >>> int(model.cascade_sizes().size) >= 10
        True
        """
        people = np.unique(np.asarray(list(people), dtype=np.int64))
        people = people[~self.state.shared[people]]
        t = self.steps if hour is None else int(hour)
        if len(people) == 0 or t >= self.hours:
            return
        self.state.shared[people] = True
        self.shares += len(people)
        self._spread(t + 1, people, np.full(len(people), -1), people.astype(np.int32))  # from the next hour, as any share

    # results ------------------------------------------------------------------------

    def word_of_mouth(self) -> dict:
        """Every word-of-mouth exposure: ``sharer``, ``peer``, ``hour`` and cascade ``root`` arrays."""
        if not self.wom_edges:
            empty = np.zeros(0, np.int32)
            return {"sharer": empty, "peer": empty, "hour": empty, "root": empty}
        cols = [np.concatenate(c) for c in zip(*self.wom_edges)]
        return dict(zip(("sharer", "peer", "hour", "root"), cols))

    def cascade_sizes(self) -> np.ndarray:
        """People reached by each word-of-mouth cascade (one per person who shared a post; 0 if nobody saw it),
        in simulated people."""
        roots = np.unique(np.concatenate(self.cascade_roots)) if self.cascade_roots else np.zeros(0, np.int32)
        wom = self.word_of_mouth()
        if len(roots) == 0:
            return np.zeros(0, np.int64)
        pairs = np.unique(np.stack([wom["root"], wom["peer"]]), axis=1) if len(wom["peer"]) else np.zeros((2, 0))
        sizes = np.zeros(len(roots), np.int64)
        if pairs.shape[1]:
            idx = np.searchsorted(roots, pairs[0])
            np.add.at(sizes, idx, 1)
        return sizes

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
            price=self.config.product.price, cost=self.cost(), influencers=len(self.roster.ids),
            margin=self.config.product.margin, staff_cost=self.roster.staff_cost(),
            budget=self.roster.outreach.get("budget") or (self.config.strategies[self.strategy].budget
                                                          or self.config.brand.budget))

    def influencer_rows(self) -> list[dict]:
        """Per hired account: tier, followers, fit, cost and outcomes (real people)."""
        pop, ros, rep, b = self.population, self.roster, self.represents, self.by_influencer
        pool = pop.pool
        rows = []
        for k, j in enumerate(ros.ids):
            eng = (b["likes"][k] + b["comments"][k] + b["shares"][k]) * rep
            f = int(pop.pool.followers[j])
            rows.append({
                "influencer": int(j), "handle": str(pool.handle[j]),
                "platform": pool.platform_names[pool.platform[j]],
                "tier": pool.tier_names[pool.tier[j]], "followers": f,
                "niche": pop.niches[pop.pool.niche[j]], "fit": float(ros.fit[k]),
                "cost": float(ros.fixed_cost[k] + ros.management[k] + ros.cpm[k] * b["views"][k] * rep / 1000),
                "impressions": int(b["impressions"][k] * rep), "engagements": int(eng),
                "conversions": int(b["conversions"][k] * rep), "engagement_rate": eng / f,
                # a shortlisted account's fee / engagement rate not given in its row (from the curves)
                "fee_estimated": bool(pool.handle[j] and np.isnan(pool.fee[j])),
                "engagement_estimated": bool(pool.handle[j] and np.isnan(pool.engagement_rate[j])),
            })
        return rows


def _count(src, r: int) -> np.ndarray:
    """Events per roster account (``src`` -1: word of mouth seeded by hand, no account)."""
    return np.bincount(src[src >= 0], minlength=r)[:r] if len(src) else np.zeros(r, np.int64)


class _Repeats:
    """Which entries of ``people`` repeat a person, found with one sort of the ids.

    Performance: replaces ``np.unique`` and ``np.add.at`` on an hour's exposures (a
    hash or sort, and a slow unbuffered loop; together half of a 10^7-person
    simulation's hourly steps) by one sort of the person ids and plain scatters and
    gathers. The results are the same: :meth:`add` adds each person's values in the
    order given, as ``np.add.at`` does. Most hours repeat nobody.

    Parameters
    ----------
    people : numpy.ndarray of int
        Person ids, repeats allowed.

    Examples
    --------
    >>> people = np.array([3, 1, 3, 0, 3])
    >>> once = _Repeats(people)
    >>> seen = np.array([False, True, False, False])
    >>> once.count_new(seen)  # people 0 and 3 (three entries), not yet seen
    2
    >>> total = np.zeros(4, np.float32)
    >>> once.add(total, np.array([0.5, 1.0, 0.25, 2.0, 0.125], np.float32))
    >>> total.tolist()
    [2.0, 1.0, 0.0, 0.875]
    """

    def __init__(self, people: np.ndarray):
        self.people = people
        ids = np.sort(people)
        again = ids[1:] == ids[:-1]
        self.repeated = _sorted_distinct(ids[1:][again]) if again.any() else None  # people with several entries
        self.many = None if self.repeated is None else _member(people, self.repeated)

    def count_new(self, seen: np.ndarray) -> int:
        """Distinct people among ``people`` for whom ``seen`` (indexed by person) is False."""
        if self.many is None:
            return len(self.people) - int(np.count_nonzero(seen[self.people]))
        once = self.people[~self.many]
        return (len(once) - int(np.count_nonzero(seen[once]))
                + len(self.repeated) - int(np.count_nonzero(seen[self.repeated])))  # type: ignore[arg-type]  # many is set: repeated too

    def add(self, target: np.ndarray, values) -> None:
        """``np.add.at(target, people, values)``: people with one entry by a plain scatter, the others in order."""
        if self.many is None:
            target[self.people] += values
            return
        one, many = ~self.many, self.many
        v = np.broadcast_to(values, self.people.shape)
        target[self.people[one]] += v[one]
        np.add.at(target, self.people[many], v[many])


def _member(values: np.ndarray, sorted_set: np.ndarray) -> np.ndarray:
    """``np.isin(values, sorted_set)`` by binary search (np.isin makes a table as long as the ids' range)."""
    at = np.searchsorted(sorted_set, values)
    np.minimum(at, len(sorted_set) - 1, out=at)
    return sorted_set[at] == values


def _sorted_distinct(ids: np.ndarray) -> np.ndarray:
    """The distinct values of sorted ``ids``."""
    keep = np.ones(len(ids), bool)
    np.not_equal(ids[1:], ids[:-1], out=keep[1:])
    return ids[keep]


def _first_per_person(people, src, unique: bool):
    """Keep each person's first event of the hour when ``unique``."""
    if not unique or len(people) == 0:
        return people, src
    _, first = np.unique(people, return_index=True)
    first.sort()
    return people[first], src[first]
