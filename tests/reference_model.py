"""An independent, per-agent reference implementation of the campaign model.

The fast path (:class:`sim.campaign.model.CampaignModel`) keeps everyone's state in
arrays and applies vectorised rules. This module implements the same documented rules
again, on its own, one person and one exposure at a time, in plain Python and
:mod:`math`: every formula below was written from the docstrings of
``sim/rules/funnel.py``, ``sim/rules/trust.py``, ``sim/rules/wordofmouth.py``,
``sim/rules/economics.py``, ``sim/rules/forecast.py`` and the order of events described
in ``sim/campaign/model.py``. It imports nothing from ``sim.rules`` nor from
``sim.campaign.model`` (``tests/test_reference.py`` checks that), so a mistake in a
shared helper cannot hide in both implementations.

What it does share with the fast path is the input of a campaign, not its rules: the
scenario (:mod:`sim.scenario`), the market (people's attributes, the peer graph, the
creator pool and each account's audience, :class:`sim.world.population.Population`) and
the roster, obtained exactly as the fast model obtains them, through
:func:`sim.campaign.setup.prepare` (hiring is not a campaign rule).

Randomness comes from a :class:`numpy.random.Generator` of its own, seeded from the
replicate seed (a stream derived from it with the key :data:`REFERENCE_STREAM`), so the
reference never reproduces the fast model's draws, only their distribution
(``tests/test_reference.py`` compares the two over many seeds).

What one hour does
------------------
1. Each account with a post due this hour publishes it (accounts in roster order). Each
   follower in its audience sees it with probability ``min(1, reach * activity)``
   (:func:`seen_probability`, with the organic :func:`organic_reach` of the account's
   size), after a whole number of hours drawn from the two-phase decay curve
   (:func:`delay_hours`; 0 = within this hour); a view that would fall after the
   campaign's end is dropped. The viewer's trust in the account is
   :func:`influencer_trust` (size-and-authenticity prior x relatability x erosion so
   far); then the account's trust erodes (:func:`erode`).
2. Each person with exposures due this hour takes them all: each is an impression (and a
   paid view when it comes from a post), makes the person reached, and adds
   :func:`intent_increment` to their purchase intent. Then each exposure may be engaged
   with (:func:`engage_probability`; every engaged exposure is a like, and a comment with
   probability ``comment_share``), may lead to a purchase (:func:`purchase_probability`
   of the intent after this hour's increments; at most once per person and campaign
   unless ``campaign.repeat_purchases``) and may lead to a share (probability
   ``share_propensity * trust``; at most once per person and campaign).
3. A person who shares exposes each of their peers ``t`` with probability
   ``min(1, organic_reach(degree of sharer) * activity[t])`` (a share is seen like a post of
   an account with as many followers as the sharer has peers), one hour or more later
   (next hour plus a decay delay), with :func:`peer_trust`; such exposures count for the
   account whose exposure made the person share.

Each account's posts are spread evenly over the days left after its own outreach (the
day its answer came, ``roster.start_day``, rounded up), each in the afternoon (12:00 plus
0 to 9 hours).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sim.campaign.setup import prepare
from sim.scenario import Parameters, Scenario

if TYPE_CHECKING:  # for type hints only
    from sim.campaign.roster import Roster
    from sim.world.population import Population

REFERENCE_STREAM = 7_919
"""Key of the reference's campaign stream under the replicate seed (a stream no other part of the project uses)."""

SERIES_NAMES = ("hour", "impressions", "reach", "engagements", "shares", "conversions", "revenue", "spend", "roi")
"""The cumulative figures recorded after every hour (and once before the first), in real people and USD."""


# --- the rules, from their docstrings ----------------------------------------------------

def organic_reach(followers: float, p: Parameters) -> float:
    """Share of an account's followers who see a post.

    ``reach_large + (reach_small - reach_large) / (1 + followers / reach_half_followers)``.
    """
    return p.reach_large + (p.reach_small - p.reach_large) / (1.0 + followers / p.reach_half_followers)


def seen_probability(reach: float, activity: float) -> float:
    """Chance that a follower (or a peer) sees a post: reach scaled by their activity, capped at 1."""
    return min(1.0, reach * activity)


def delay_hours(p: Parameters, rng: np.random.Generator) -> int:
    """Whole hours from posting to viewing, from the two-phase exponential decay curve.

    With probability ``decay_fast_share`` the continuous delay is exponential with mean
    ``decay_fast_hours``, otherwise with mean ``decay_slow_hours``; the view falls in the
    hour containing it, so the delay in hours is its floor.
    """
    scale = p.decay_fast_hours if rng.random() < p.decay_fast_share else p.decay_slow_hours
    return math.floor(rng.exponential(scale))


def sponsored_penalty(followers: float, p: Parameters) -> float:
    """Relative engagement loss of a branded post: ``intercept + slope * log10(followers)``, in [0, 0.95].

    Followers below 1 count as 1.
    """
    raw = p.penalty_intercept + p.penalty_slope * math.log10(max(followers, 1.0))
    return min(0.95, max(0.0, raw))


def sponsored_factor(penalty: float, fit: float, p: Parameters) -> float:
    """Engagement multiplier of a sponsored post: ``(1 - penalty) ** (1 + fit_sensitivity * (1 - fit))``."""
    return (1.0 - penalty) ** (1.0 + p.fit_sensitivity * (1.0 - fit))


def size_prior(followers: float, p: Parameters) -> float:
    """Prior trust in an account of a given size, smooth in followers.

    ``trust_large + (trust_small - trust_large) / (1 + (followers / trust_half_followers) ** trust_slope)``.
    """
    ratio = followers / p.trust_half_followers
    return p.trust_large + (p.trust_small - p.trust_large) / (1.0 + ratio ** p.trust_slope)


def authenticity_factor(authenticity: float, p: Parameters) -> float:
    """How a creator's authenticity scales trust: ``1 - authenticity_weight * (1 - authenticity)``."""
    return 1.0 - p.authenticity_weight * (1.0 - authenticity)


def account_prior(followers: float, authenticity: float, p: Parameters) -> float:
    """Prior trust of an account: the size prior times the authenticity factor."""
    return size_prior(followers, p) * authenticity_factor(authenticity, p)


def status_gap(followers: float, p: Parameters, aspiration: float) -> float:
    """Relatability factor from the status gap: ``(1 + followers / status_scale) ** -(status_gap * (1 - aspiration))``."""
    return (1.0 + followers / p.status_scale) ** (-p.status_gap * (1.0 - aspiration))


def relatability(match: float, followers: float, p: Parameters, aspiration: float) -> float:
    """How relatable an account is to a person: ``((1 - w) + w * match) * status_gap`` (``w``: interest_weight).

    ``match`` is the person's interest in the account's niche relative to their strongest interest.
    """
    w = p.interest_weight
    return ((1.0 - w) + w * match) * status_gap(followers, p, aspiration)


def influencer_trust(prior: float, match: float, followers: float, p: Parameters, aspiration: float,
                     erosion: float) -> float:
    """Trust of a person in an account: prior x relatability x the erosion accumulated so far."""
    return prior * relatability(match, followers, p, aspiration) * erosion


def peer_trust(match: float, p: Parameters) -> float:
    """Trust in a peer who shares a post: ``peer_trust * ((1 - w) + w * match)``; no status gap between peers.

    ``match`` is the receiving person's interest in the product's niche (the shared interest).
    """
    w = p.interest_weight
    return p.peer_trust * ((1.0 - w) + w * match)


def erode(factor: float, fit: float, p: Parameters, partnership_factor: float) -> float:
    """Trust factor after one more sponsored post: ``factor * (1 - erosion * (1 - fit) * partnership_factor)``."""
    return factor * (1.0 - p.erosion * (1.0 - fit) * partnership_factor)


def engage_probability(trust: float, factor: float, p: Parameters) -> float:
    """Chance that a person who sees a post engages with it: ``engage_base * trust * factor``."""
    return p.engage_base * trust * factor


def intent_increment(susceptibility: float, trust: float, product_match: float) -> float:
    """Purchase intent added by one exposure: susceptibility x trust in the source x product match."""
    return susceptibility * trust * product_match


def purchase_probability(intent: float, propensity: float, price_factor: float, p: Parameters) -> float:
    """Chance that an engaged person buys: ``conversion_base * price_factor * propensity * (1 - exp(-intent / intent_half))``."""
    return p.conversion_base * price_factor * propensity * (1.0 - math.exp(-intent / p.intent_half))


def price_factor(luxury: float, familiarity: float, p: Parameters) -> float:
    """Product-level conversion multiplier: ``(1 - luxury_penalty * luxury) * (1 + b * familiarity) / (1 + b)``.

    ``b`` is ``familiarity_boost``.
    """
    b = p.familiarity_boost
    return (1.0 - p.luxury_penalty * luxury) * (1.0 + b * familiarity) / (1.0 + b)


def campaign_metrics(*, impressions: float, reach: float, earned_reach: float, likes: float, comments: float,
                     shares: float, engaged: float, conversions: float, followers: float, price: float, cost: float,
                     influencers: int, margin: float, staff_cost: float, budget: float) -> dict:
    """Outcome figures of one campaign (counts in real people, money in USD).

    Engagements are likes, comments and shares; revenue is conversions x price; the ROI
    is the return on gross profit, ``(margin * revenue - cost) / cost``; ``roi_ex_staff``
    leaves staff time out of the cost; ``roas`` is ``revenue / cost``. A ratio with a zero
    denominator is NaN.
    """
    def ratio(a: float, b: float) -> float:
        return float(a) / b if b else float("nan")

    engagements = likes + comments + shares
    revenue = conversions * price
    profit = margin * revenue
    return {
        "impressions": float(impressions), "reach": float(reach), "earned_reach": float(earned_reach),
        "likes": float(likes), "comments": float(comments), "shares": float(shares),
        "engagements": float(engagements), "engaged_people": float(engaged),
        "engagement_rate": ratio(engagements, followers),
        "engagement_rate_impressions": ratio(engagements, impressions),
        "conversions": float(conversions), "conversion_rate": ratio(conversions, reach),
        "revenue": float(revenue), "gross_profit": float(profit), "cost": float(cost), "spend": float(cost),
        "staff_cost": float(staff_cost), "budget": float(budget), "unspent": float(budget - cost),
        "roi": ratio(profit - cost, cost), "roi_ex_staff": ratio(profit - (cost - staff_cost), cost - staff_cost),
        "roas": ratio(revenue, cost), "cost_per_engagement": ratio(cost, engagements),
        "cost_per_acquisition": ratio(cost, conversions), "cpm": ratio(1000.0 * cost, impressions),
        "influencers": float(influencers), "hired": float(influencers), "followers": float(followers),
    }


# --- agents -----------------------------------------------------------------------------

class Exposure(NamedTuple):
    """One person seeing the campaign once: trust in the source, the post's engagement
    factor, the roster index of the account it started from, and whether it came by word of mouth."""

    trust: float
    factor: float
    src: int
    wom: bool


class Person:
    """A simulated person: their attributes, what has happened to them, and an inbox of exposures by hour."""

    __slots__ = ("activity", "engaged", "exposures", "follows", "inbox", "index", "intent", "interests", "peers",
                 "product_match", "purchase_propensity", "purchases", "seen", "share_propensity", "share_reach",
                 "shared", "strongest", "susceptibility")

    def __init__(self, index: int, interests: list[float], susceptibility: float, activity: float,
                 share_propensity: float, purchase_propensity: float, product_niche: int, involvement: float):
        self.index = index
        self.interests = interests
        self.strongest = max(interests)
        self.susceptibility = susceptibility
        self.activity = activity
        self.share_propensity = share_propensity
        self.purchase_propensity = purchase_propensity
        # interest in the product's niche, scaled by the category's involvement, at most 1
        self.product_match = min(1.0, involvement * self.match(product_niche))
        self.peers: list[Person] = []
        self.share_reach = 0.0
        self.follows = False
        self.seen = self.engaged = self.shared = False
        self.purchases = 0
        self.exposures = 0
        self.intent = 0.0
        self.inbox: dict[int, list[Exposure]] = {}

    def match(self, niche: int) -> float:
        """Interest in ``niche`` relative to this person's strongest interest, in [0, 1]."""
        return self.interests[niche] / self.strongest

    def receive(self, model: ReferenceModel, hour: int, exposure: Exposure) -> None:
        """Queue an exposure for ``hour``."""
        due = self.inbox.get(hour)
        if due is None:
            due = self.inbox[hour] = []
            model.due.setdefault(hour, []).append(self)
        due.append(exposure)

    def take_exposures(self, model: ReferenceModel, hour: int) -> None:
        """The exposures due this hour: impressions and intent first, then engagement, purchases, shares."""
        due = self.inbox.pop(hour)
        p, rng = model.p, model.rng
        for ex in due:
            model.impressions += 1
            model.count("impressions", ex.src)
            if not ex.wom:
                model.count("views", ex.src)
            if not self.seen:
                self.seen = True
                model.reached += 1
            self.exposures += 1
            self.intent += intent_increment(self.susceptibility, ex.trust, self.product_match)
        may_buy = model.repeat or self.purchases == 0  # as the hour began
        bought = False
        share_src = None
        for ex in due:
            if not rng.random() < engage_probability(ex.trust, ex.factor, p):
                continue
            self.engaged = True
            model.likes += 1
            model.count("likes", ex.src)
            if rng.random() < p.comment_share:
                model.comments += 1
                model.count("comments", ex.src)
            if may_buy and (model.repeat or not bought):
                pb = purchase_probability(self.intent, self.purchase_propensity, model.price_factor, p)
                if rng.random() < pb:
                    bought = True
                    self.purchases += 1
                    model.conversions += 1
                    model.count("conversions", ex.src)
            if not self.shared and rng.random() < self.share_propensity * ex.trust:
                self.shared = True
                share_src = ex.src
                model.shares += 1
                model.count("shares", ex.src)
        if share_src is not None:
            self.tell_peers(model, hour, share_src)

    def tell_peers(self, model: ReferenceModel, hour: int, src: int) -> None:
        """Word of mouth: each peer may see this person's share, from the next hour on."""
        p, rng = model.p, model.rng
        for peer in self.peers:
            if rng.random() < seen_probability(self.share_reach, peer.activity):
                when = hour + 1 + delay_hours(p, rng)
                if when < model.hours:
                    peer.receive(model, when, Exposure(peer_trust(peer.product_match, p), 1.0, src, True))


class Account:
    """A hired account: who follows it, its reach, trust prior, post factor, erosion and posting hours."""

    def __init__(self, model: ReferenceModel, k: int, j: int, posts: int, fit: float):
        pop, p = model.market, model.p
        self.k, self.j, self.fit = k, j, fit
        self.followers = float(pop.pool.followers[j])
        self.niche = int(pop.pool.niche[j])
        self.audience = [model.people[int(i)] for i in pop.audience(j)]
        for person in self.audience:
            person.follows = True
        self.reach = organic_reach(self.followers, p)
        self.prior = account_prior(self.followers, float(pop.pool.authenticity[j]), p)
        self.factor = sponsored_factor(sponsored_penalty(self.followers, p), fit, p)
        self.erosion = 1.0
        self.posts = posts
        self.start_day = 0
        self.post_hours: list[int] = []

    def publish(self, model: ReferenceModel, hour: int) -> None:
        """Post now: each follower may see it, at a delay, with their trust in the account; then trust erodes."""
        p, rng = model.p, model.rng
        for person in self.audience:
            if not rng.random() < seen_probability(self.reach, person.activity):
                continue
            when = hour + delay_hours(p, rng)
            if when >= model.hours:
                continue
            tr = influencer_trust(self.prior, person.match(self.niche), self.followers, p, model.aspiration,
                                  self.erosion)
            person.receive(model, when, Exposure(tr, self.factor, self.k, False))
        partner = p.ambassador_erosion if model.roster.partnership == "ambassador" else 1.0
        self.erosion = erode(self.erosion, self.fit, p, partner)


# --- the model --------------------------------------------------------------------------

def _seed(rng: np.random.SeedSequence | int | None) -> np.random.SeedSequence:
    """The replicate seed from a SeedSequence, an int or None."""
    return rng if isinstance(rng, np.random.SeedSequence) else np.random.SeedSequence(rng)


class ReferenceModel:
    """One campaign of one strategy, one agent and one exposure at a time. One step is one hour.

    Parameters
    ----------
    scenario : Scenario
        The scenario.
    strategy : str, optional
        A strategy of ``scenario.strategies``; the first if omitted.
    market : Population, optional
        The market; drawn from the replicate seed (as the fast model does) if omitted.
    roster : Roster, optional
        The hired accounts; hired by :func:`sim.campaign.setup.prepare` if omitted.
    rng : SeedSequence, int or None
        The replicate seed. The campaign's draws come from its stream
        :data:`REFERENCE_STREAM`, so they are independent of the fast model's.

    Attributes
    ----------
    people : list of Person
        Every simulated person.
    accounts : list of Account
        The roster's accounts, in roster order.
    series : dict of str to list
        The cumulative figures of :data:`SERIES_NAMES` before the first hour and after each.
    """

    def __init__(self, scenario: Scenario, strategy: str | None = None, *, market: Population | None = None,
                 roster: Roster | None = None, rng: np.random.SeedSequence | int | None = None):
        if not isinstance(scenario, Scenario):
            raise TypeError("the reference takes a Scenario object")
        self.config = scenario
        self.strategy = strategy or next(iter(scenario.strategies))
        if self.strategy not in scenario.strategies:
            raise KeyError(f"no strategy {self.strategy!r} in the scenario")
        seed = _seed(rng)
        self.market, self.roster = prepare(scenario, self.strategy, seed, market=market, roster=roster)
        self.rng = np.random.default_rng(np.random.SeedSequence(seed.entropy,
                                                                spawn_key=(*seed.spawn_key, REFERENCE_STREAM)))
        self.p = p = scenario.parameters
        self.hours = scenario.campaign.days * 24
        self.steps = 0
        self.represents = self.market.represents
        self.repeat = scenario.campaign.repeat_purchases
        product = scenario.product
        self.aspiration = p.luxury_aspiration * product.luxury
        self.price_factor = price_factor(product.luxury, product.familiarity, p)
        self.impressions = self.reached = self.likes = self.comments = self.shares = self.conversions = 0
        self.due: dict[int, list[Person]] = {}
        self._make_people()
        ros = self.roster
        self.by_account = {name: [0] * len(ros.ids) for name in
                           ("views", "impressions", "likes", "comments", "shares", "conversions")}
        self.accounts = [Account(self, k, int(j), int(ros.posts[k]), float(ros.fit[k])) for k, j in enumerate(ros.ids)]
        self._schedule_posts()
        self.series: dict[str, list] = {name: [] for name in SERIES_NAMES}
        self._record()

    def _make_people(self) -> None:
        pop, sc = self.market, self.config
        niche = sc.population.niches.index(sc.product.niche)
        involvement = sc.population.category_involvement
        cols = [pop.interests.tolist(), pop.susceptibility.tolist(), pop.activity.tolist(),
                pop.share_propensity.tolist(), pop.purchase_propensity.tolist()]
        self.people = [Person(i, *row, niche, involvement) for i, row in enumerate(zip(*cols))]
        indptr, indices = pop.graph.indptr.tolist(), pop.graph.indices.tolist()
        for i, person in enumerate(self.people):
            person.peers = [self.people[v] for v in indices[indptr[i]:indptr[i + 1]]]
            # a share is seen like a post of an account with as many followers as the sharer has peers
            person.share_reach = organic_reach(float(len(person.peers)), self.p)

    def _schedule_posts(self) -> None:
        """Each account's posts, spread evenly over the days left after its outreach, in the afternoon.

        An account can post from the day its answer came (``roster.start_day``, rounded up
        to whole days; for a roster without it, the whole outreach, ``roster.outreach["days"]``);
        post ``i`` of ``n`` goes on day ``start + floor((i + 0.5) * left / n)`` at 12:00 plus
        0 to 9 hours. An account whose answer comes after the campaign's end posts nothing.
        """
        days = self.config.campaign.days
        starts = getattr(self.roster, "start_day", None)
        if starts is None:
            starts = [float(self.roster.outreach.get("days", 0.0) or 0.0)] * len(self.accounts)
        self.posts_at: dict[int, list[Account]] = {}
        for account, start in zip(self.accounts, starts):
            account.start_day = math.ceil(float(start))
            left = days - account.start_day
            if left <= 0:
                continue
            n = account.posts
            for i in range(n):
                day = account.start_day + math.floor((i + 0.5) * left / n)
                account.post_hours.append(day * 24 + 12 + int(self.rng.integers(0, 10)))
        for hour in sorted({h for a in self.accounts for h in a.post_hours}):
            # accounts in roster order within an hour, once per post due
            self.posts_at[hour] = [a for a in self.accounts for h in a.post_hours if h == hour]

    def count(self, what: str, src: int) -> None:
        """Count an event for the roster account ``src``."""
        self.by_account[what][src] += 1

    @property
    def running(self) -> bool:
        """Whether hours of the campaign are left to run."""
        return self.steps < self.hours

    def step(self) -> None:
        """One hour: publish the posts due, then every person with exposures due takes them."""
        if not self.running:
            return
        hour = self.steps
        for account in self.posts_at.get(hour, []):
            account.publish(self, hour)
        for person in self.due.pop(hour, []):
            person.take_exposures(self, hour)
        self.steps += 1
        self._record()

    def run(self, hours: int | None = None) -> None:
        """Run the campaign to its end (or for ``hours`` more hours)."""
        for _ in range(self.hours - self.steps if hours is None else hours):
            self.step()

    run_for = run

    def cost(self) -> float:
        """Fees, product and staff, plus per-view payments for the views taken so far (USD)."""
        ros = self.roster
        fixed = float(sum(ros.fixed_cost) + sum(ros.management) + ros.overhead)
        per_view = sum(float(ros.cpm[k]) * v * self.represents / 1000.0 for k, v in enumerate(self.by_account["views"]))
        return fixed + per_view

    def _record(self) -> None:
        rep, price = self.represents, self.config.product.price
        spend = self.cost()
        revenue = self.conversions * rep * price
        row = {"hour": self.steps, "impressions": self.impressions * rep, "reach": self.reached * rep,
               "engagements": (self.likes + self.comments + self.shares) * rep, "shares": self.shares * rep,
               "conversions": self.conversions * rep, "revenue": revenue, "spend": spend,
               "roi": (self.config.product.margin * revenue - spend) / spend if spend else float("nan")}
        for name in SERIES_NAMES:
            self.series[name].append(row[name])

    def metrics(self) -> dict:
        """Outcome figures of the run so far.

        Returns
        -------
        dict
            :func:`campaign_metrics` of the counts (times ``population.represents``: real
            people) and the cost (USD); the same names as the fast model's ``metrics()``.
        """
        rep, sc, ros = self.represents, self.config, self.roster
        earned = sum(1 for person in self.people if person.seen and not person.follows)
        engaged = sum(1 for person in self.people if person.engaged)
        budget = ros.outreach.get("budget") or (sc.strategies[self.strategy].budget or sc.brand.budget)
        return campaign_metrics(
            impressions=self.impressions * rep, reach=self.reached * rep, earned_reach=earned * rep,
            likes=self.likes * rep, comments=self.comments * rep, shares=self.shares * rep,
            engaged=engaged * rep, conversions=self.conversions * rep,
            followers=float(sum(float(self.market.pool.followers[j]) for j in ros.ids)),
            price=sc.product.price, cost=self.cost(), influencers=len(ros.ids), margin=sc.product.margin,
            staff_cost=float(sum(ros.management) + ros.overhead), budget=budget)
