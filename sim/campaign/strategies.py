"""Strategies: which influencers a brand hires, how it ranks them, and what it pays.

A ``[strategies.NAME]`` block of a scenario becomes a :class:`Roster`: the accounts
hired, their posts, fees and staff cost, the outreach that got them and, for the
optimiser, what it chose and why. Kinds:

``macro``
    One account of ``tier`` (macro or mega), the best-ranked one that accepts and that
    the budget can pay.
``micro_equal_following``
    ``small_tier`` accounts whose followers add up to within 5% of a target: the hired
    following of strategy ``match``, or else the followers of the first affordable
    ``tier`` account in the ranking. Not limited by the budget (the point is the reach).
``micro_equal_budget``
    As many ``small_tier`` accounts as the budget buys (``budget``, else ``brand.budget``;
    with ``match``, the expected cost of that strategy's roster). Never exceeds it.
``mixed``
    ``big_share`` of the budget to one ``tier`` account, the rest to ``small_tier``.
``nano_swarm``
    Accounts of the smallest tier paid in product (gifted), ``count`` of them or as many
    as the budget buys; ``payment`` and ``partnership`` are ignored.
``custom``
    The accounts listed in ``ids`` (in that order; refusals are not replaced), or
    ``tiers`` (tier -> count, each filled from the tier's ranking). Not limited by the
    budget: the user chose the roster.

Every kind ranks candidates by ``selection`` (:func:`rank`, or :mod:`sim.campaign.optimiser`)
and hires them through outreach (:mod:`sim.campaign.outreach`): offers may be refused and are
replaced from the ranked list. Budgets count expected fees, product, per-view payments
at expected views, the management time of each hired account and the staff time of
every offer sent.

Examples
--------
>>> from sim.scenario import with_fields, default_scenario
>>> from sim.world.population import build_population
>>> sc = with_fields(default_scenario(), {"population.size": 2000, "population.represents": 1000})
>>> pop = build_population(sc, use_cache=False)
>>> ros = build_roster(pop, sc, "micro_equal_budget")
>>> ros.expected_cost() <= sc.brand.budget, ros.outreach["offers"] >= len(ros.ids)
(True, True)
"""

from __future__ import annotations

import json
import math
import zlib
from dataclasses import dataclass, field

import numpy as np

from sim.campaign.luck import Luck
from sim.rules import economics

from sim.rules import forecast

from sim.campaign import outreach
from sim.errors import ScenarioError

FIXED_POLICIES = ("brand_fit", "engagement_rate", "followers", "random", "cost_per_engagement")


@dataclass
class Roster:
    """The accounts one strategy hires and what they cost (arrays aligned with ``ids``).

    ``management`` is the staff cost per account: its management hours plus an equal
    share of the staff time of all offers sent (refused ones included). ``outreach``
    holds the outreach funnel (offers, accepted, acceptance rate, rounds, days, costs),
    ``outreach["candidates"]`` one row per offer, and ``outreach["optimiser"]`` the
    optimiser's steps when it chose the roster; ``candidates`` is the same list of rows.
    """

    strategy: str
    ids: np.ndarray  # pool ids of hired accounts
    posts: np.ndarray  # sponsored posts per account
    fixed_cost: np.ndarray  # fees or product, USD, per account
    cpm: np.ndarray  # USD per 1,000 views when paid per view, else 0
    management: np.ndarray  # staff cost per account, USD
    fit: np.ndarray  # brand fit per account
    partnership: str = "paid_post"
    overhead: float = 0.0  # staff time of offers when nobody was hired (else shared in management)
    outreach: dict = field(default_factory=dict)
    candidates: list = field(default_factory=list)  # rows for the report

    @property
    def position(self) -> dict:
        return {int(j): k for k, j in enumerate(self.ids)}

    def staff_cost(self) -> float:
        """Staff time: management of each account and every offer sent, USD."""
        return float(self.management.sum() + self.overhead)

    def expected_cost(self) -> float:
        """Fees, product and staff; per-view payments are added after the run."""
        return float(self.fixed_cost.sum() + self.management.sum() + self.overhead)


# --- ranking -------------------------------------------------------------------------

def rank(pop, params, sc, ids, policy: str, keys: np.ndarray) -> np.ndarray:
    """Candidate ids ordered best first by a fixed selection policy.

    Policies: ``brand_fit`` (niche alignment of account and audience, ties broken by
    expected engagement), ``engagement_rate`` (expected sponsored engagement per
    follower), ``followers`` (largest first), ``random`` (by ``keys``, one random key per
    pool account: :func:`hire` passes the replicate's :attr:`~sim.campaign.luck.Luck.ranking`,
    so the random order changes from replicate to replicate and is shared by the
    strategies of one replicate), ``cost_per_engagement``
    (cheapest expected engagement first). The ``optimiser`` is not a ranking (see
    :mod:`sim.campaign.optimiser`); here it ranks by brand fit, the order it starts from.

    Examples
    --------
    >>> from sim.scenario import with_fields, default_scenario
    >>> from sim.world.population import build_population
    >>> sc = with_fields(default_scenario(), {"population.size": 2000, "population.represents": 1000})
    >>> pop = build_population(sc, use_cache=False)
    >>> ids = pop.pool.ids_of_tier("micro")
    >>> r = rank(pop, sc.parameters, sc, ids, "followers", np.zeros(len(pop.pool)))
    >>> bool(pop.pool.followers[r[0]] == pop.pool.followers[ids].max())
    True
    """
    ids = np.asarray(ids, dtype=int)
    if len(ids) == 0:
        return ids
    if policy == "random":
        # a key per account of the pool, so that the order does not depend on the candidate set
        return ids[np.argsort(np.asarray(keys)[ids], kind="stable")]
    if policy == "followers":
        score = pop.pool.followers[ids].astype(float)
    elif policy == "engagement_rate":
        score = pool_engagement_rate(pop, params, sc)[ids]
    elif policy == "cost_per_engagement":
        eng = pool_engagement_rate(pop, params, sc)[ids] * pop.pool.followers[ids]
        score = -forecast.post_fee(pop, params, ids, sc.campaign.format) / np.maximum(eng, 1e-12)
    elif policy in ("brand_fit", "optimiser"):
        score = pool_fit(pop, sc)[ids] + 1e-3 * pool_engagement_rate(pop, params, sc)[ids]
    else:
        raise ScenarioError("selection", f"unknown selection policy {policy!r}")
    return ids[np.argsort(-score, kind="stable")]


def _pool_cache(pop) -> dict:
    # kept on the population: brand fit and expected engagement of the whole pool are costly
    # (each reads every person's interests) and the same for every strategy of a scenario
    cache = pop.__dict__.setdefault("_strategy_cache", {})
    if len(cache) > 16:
        cache.clear()
    return cache


def pool_fit(pop, sc: dict) -> np.ndarray:
    """Brand fit of every account of the pool for the scenario's product (cached on ``pop``)."""
    niche = sc.population.niches.index(sc.product.niche)
    cache = _pool_cache(pop)
    key = ("fit", niche)
    if key not in cache:
        cache[key] = pop.brand_fit(np.arange(len(pop.pool)), niche)
    return cache[key]


def pool_engagement_rate(pop, params: dict, sc: dict) -> np.ndarray:
    """Expected sponsored engagement per follower of every account of the pool (cached on ``pop``)."""
    niche = sc.population.niches.index(sc.product.niche)
    lux = sc.product.luxury
    cache = _pool_cache(pop)
    key = ("eng", niche, lux, params.model_dump_json())
    if key not in cache:
        cache[key] = forecast.sponsored_engagement_rate(pop, params, np.arange(len(pop.pool)), niche, lux)
    return cache[key]


# --- pricing -------------------------------------------------------------------------

def product_paid(st: dict) -> bool:
    """Whether a strategy pays in product: ``payment = "product"``, a gifted partnership or a nano swarm."""
    return st.payment == "product" or st.partnership == "gifted" or st.kind == "nano_swarm"


def strategy_posts(sc: dict, st: dict) -> int:
    """Sponsored posts per account of a strategy.

    ``posts`` if set; else one honest review for gifted product (``parameters.gifted_posts``),
    ``campaign.posts_per_influencer`` times ``parameters.ambassador_posts_factor`` for a
    long-term ambassador (the model spreads them evenly over the campaign, so a 30-day
    campaign of 6 posts has one every 5 days), and ``campaign.posts_per_influencer``
    otherwise.

    Examples
    --------
    >>> from sim.scenario import default_scenario
    >>> sc = default_scenario()
    >>> st = sc.strategies["macro"]
    >>> strategy_posts(sc, st), strategy_posts(sc, st.model_copy(update={"partnership": "ambassador"}))
    (3, 6)
    """
    if st.posts:
        return int(st.posts)
    p = sc.parameters
    if product_paid(st):
        return int(p.gifted_posts)
    n = sc.campaign.posts_per_influencer
    if st.partnership == "ambassador":
        return int(math.ceil(n * p.ambassador_posts_factor))
    return int(n)


def account_costs(pop, sc: dict, st: dict, ids) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(fixed cost, CPM, management cost) per account for a strategy block, USD.

    - product (gifted, nano swarm): the product's unit cost, ``price * (1 - margin)``;
    - per post: the post fee for ``campaign.format`` (convex in followers, with format
      premium) times ``offer_ratio``, takeovers at ``1 + parameters.takeover_premium``,
      as a package of the strategy's posts with ``parameters.package_discount`` off each
      post after the first;
    - per view (``payment = "cpm"``): nothing fixed; CPM times ``offer_ratio``;
    - management: ``brand.management_hours * brand.hourly_rate`` per account (the staff
      time of offers is added by the outreach).

    Examples
    --------
    >>> from sim.scenario import with_fields, default_scenario
    >>> from sim.world.population import build_population
    >>> sc = with_fields(default_scenario(), {"population.size": 2000, "population.represents": 1000})
    >>> pop = build_population(sc, use_cache=False)
    >>> fixed, cpm, staff = account_costs(pop, sc, sc.strategies["macro"], [0, 1])
    >>> staff.tolist()
    [300.0, 300.0]
    """
    ids = np.asarray(ids, dtype=int)
    params, camp, brand = sc.parameters, sc.campaign, sc.brand
    posts = strategy_posts(sc, st)
    staff = np.full(len(ids), brand.management_hours * brand.hourly_rate)
    cpm = np.zeros(len(ids))
    if product_paid(st):
        fixed = np.full(len(ids), economics.gifted_cost(sc.product.price, sc.product.margin))
        return fixed, cpm, staff
    fee = forecast.post_fee(pop, params, ids, camp.format) * st.offer_ratio
    if st.partnership == "takeover":
        fee = fee * (1.0 + params.takeover_premium)
    if st.payment == "cpm":
        cpm = forecast.cpm_rate(pop, params, ids, camp.format) * st.offer_ratio
        return np.zeros(len(ids)), cpm, staff
    return economics.package_price(fee, posts, params.package_discount), cpm, staff


def expected_account_cost(pop, sc: dict, st: dict, ids) -> np.ndarray:
    """What each account is expected to cost in total (per-view payments at expected views), USD."""
    ids = np.asarray(ids, dtype=int)
    fixed, cpm, staff = account_costs(pop, sc, st, ids)
    if not cpm.any():
        return fixed + staff
    views = forecast.expected_views(pop, sc.parameters, ids)
    return fixed + staff + cpm * views / 1000.0 * strategy_posts(sc, st)


def contact_cost(sc: dict, st: dict) -> float:
    """Staff cost of one offer: preparing it, plus connecting first if the strategy does, USD.

    Examples
    --------
    >>> from sim.scenario import default_scenario
    >>> sc = default_scenario()
    >>> contact_cost(sc, sc.strategies["macro"].model_copy(update={"connect_first": True}))
    62.5
    """
    b = sc.brand
    hours = sc.parameters.offer_hours + (b.connect_first_hours if st.connect_first else 0.0)
    return float(hours * b.hourly_rate)


def offer_ratio(pop, sc: dict, st: dict, ids) -> np.ndarray:
    """What the brand offers each account relative to the account's rate.

    Money: ``offer_ratio``. Product: the product's retail price over the account's rate
    for the same posts (a package at its usual price).
    """
    ids = np.asarray(ids, dtype=int)
    if not product_paid(st):
        return np.full(len(ids), float(st.offer_ratio))
    p = sc.parameters
    rate = economics.package_price(forecast.post_fee(pop, p, ids, sc.campaign.format),
                                   strategy_posts(sc, st), p.package_discount)
    return sc.product.price / np.maximum(rate, 1e-9)


def acceptance(pop, sc: dict, st: dict, ids) -> np.ndarray:
    """Chance each account accepts the strategy's offer (1 when ``outreach`` is off)."""
    ids = np.asarray(ids, dtype=int)
    if not st.outreach:
        return np.ones(len(ids))
    return np.atleast_1d(outreach.acceptance_from_params(
        sc.parameters, pool_fit(pop, sc)[ids], offer_ratio(pop, sc, st, ids), pop.pool.monthly_offers[ids],
        st.connect_first, product_only=product_paid(st), load_ref=sc.influencers.monthly_offers_mean))


# --- hiring --------------------------------------------------------------------------

@dataclass
class Phase:
    """One part of a roster to fill: who may be offered, with how much money, to what limit."""

    label: str
    pool_ids: np.ndarray  # candidate ids (unranked, or in the user's order when ``ordered``)
    money: float = math.inf
    max_count: int = 0
    target: float = 0.0  # total followers to reach within 5% (0 = none)
    ordered: bool = False  # custom ids: offer in the listed order, no ranking


@dataclass
class Hiring:
    """What outreach produced for one strategy (see :func:`hire`)."""

    ids: np.ndarray
    rows: list
    offers: int
    rounds: int
    contact_cost: float
    spent: float
    money: float
    target: float
    phases: list
    optimiser: list
    notes: list = field(default_factory=list)


def strategy_budget(pop, sc, name: str, luck: Luck | None = None, simulate=None) -> float:
    """The money strategy ``name`` may commit, USD.

    ``budget`` if set, else ``brand.budget``; a ``micro_equal_budget`` strategy with
    ``match`` gets the expected cost of that strategy's roster (if every creator refused
    that strategy's offers, the cost of the roster it planned, every offer accepted).
    """
    st = sc.strategies[name]
    if st.kind == "micro_equal_budget" and st.match:
        other = build_roster(pop, sc, st.match, luck=luck, simulate=simulate)
        if len(other.ids):
            return other.expected_cost()
        # nobody accepted the other strategy's offers: spend what it planned to spend instead
        return hire(pop, sc, st.match, accept_all=True, luck=luck, simulate=simulate).spent
    return st.budget or sc.brand.budget


def _phases(pop, sc, name: str, ranked, notes: list, luck: Luck, simulate=None) -> list:
    """The phases of a strategy; the money of a ``"rest"`` phase is set after the phase before it."""
    st = sc.strategies[name]
    path = f"strategies.{name}"
    kind = st.kind
    pool = pop.pool
    budget = strategy_budget(pop, sc, name, luck, simulate)
    if kind == "macro":
        _check_affordable(pop, sc, st, pool.ids_of_tier(st.tier), budget, path)
        return [Phase("big", pool.ids_of_tier(st.tier), budget, max_count=1)]
    if kind == "micro_equal_following":
        target = _target_following(pop, sc, name, ranked, notes, luck, simulate)
        return [Phase("small", pool.ids_of_tier(st.small_tier), target=target)]
    if kind == "micro_equal_budget":
        return [Phase("small", pool.ids_of_tier(st.small_tier), budget)]
    if kind == "mixed":
        big = st.big_share * budget
        _check_affordable(pop, sc, st, pool.ids_of_tier(st.tier), big, path)
        return [Phase("big", pool.ids_of_tier(st.tier), big, max_count=1),
                Phase("rest", pool.ids_of_tier(st.small_tier), budget)]
    if kind == "nano_swarm":
        return [Phase("swarm", pool.ids_of_tier(pool.tier_names[0]), budget, max_count=st.count)]
    # custom
    if st.ids:
        ids = np.asarray(st.ids, dtype=int)
        bad = ids[(ids < 0) | (ids >= len(pool))]
        if len(bad):
            raise ScenarioError(f"{path}.ids", f"no influencer with id {int(bad[0])} (pool has {len(pool)}: "
                                               f"ids 0 to {len(pool) - 1})")
        if len(np.unique(ids)) < len(ids):
            raise ScenarioError(f"{path}.ids", "an influencer is listed twice")
        return [Phase("listed", ids, ordered=True)]
    out = []
    for tier, count in st.tiers.items():
        cands = pool.ids_of_tier(tier)
        if count > len(cands):
            raise ScenarioError(f"{path}.tiers.{tier}", f"wants {count} accounts but the pool has {len(cands)} "
                                                        f"(influencers.counts.{tier})")
        if count:
            out.append(Phase(tier, cands, max_count=count))
    return out


def _check_affordable(pop, sc, st, cands, money, path) -> None:
    if len(cands) == 0:
        why = pop.pool.skipped.get(st.tier, "see influencers.counts")
        raise ScenarioError(f"{path}.tier", f"the pool has no {st.tier} accounts ({why})")
    cost = expected_account_cost(pop, sc, st, cands) + contact_cost(sc, st)
    if cost.min() > money:
        raise ScenarioError(path, f"no {st.tier} account is affordable with ${money:,.0f} "
                                  f"(cheapest costs ${cost.min():,.0f}); raise brand.budget")


def _target_following(pop, sc, name, ranked, notes: list, luck: Luck, simulate=None) -> float:
    """Total following an equal-following strategy aims at."""
    st = sc.strategies[name]
    if st.match:
        other = build_roster(pop, sc, st.match, luck=luck, simulate=simulate)
        if len(other.ids):
            return float(pop.pool.followers[other.ids].sum())
        notes.append(f"{st.match!r} hired nobody; matched the first affordable {st.tier} account instead")
    cands = ranked(pop.pool.ids_of_tier(st.tier))
    budget = st.budget or sc.brand.budget
    _check_affordable(pop, sc, st, cands, budget, f"strategies.{name}")
    cost = expected_account_cost(pop, sc, st, cands) + contact_cost(sc, st)
    return float(pop.pool.followers[cands[np.argmax(cost <= budget)]])


def hire(pop, sc, name: str, *, selection: str | None = None, accept_all: bool = False,
         luck: Luck | None = None, simulate=None) -> Hiring:
    """Rank, plan and send offers for strategy ``name``; who accepted and what it took.

    ``selection`` overrides the strategy's policy and ``accept_all`` assumes every offer
    is accepted (the optimiser uses both to plan). ``luck`` (:class:`~sim.campaign.luck.Luck`)
    holds the uniforms that decide each pool account's answer and the keys of the
    random ranking; by default replicate 0's. ``simulate(roster, seeds)`` runs pilot
    campaigns for the optimiser (see :func:`sim.campaign.optimiser.optimise`).
    """
    st = sc.strategies[name]
    if accept_all:
        st = st.model_copy(update={"outreach": False})
    policy = selection or st.selection
    params = sc.parameters

    luck = luck if luck is not None else Luck.first_replicate(sc, len(pop.pool))
    draws = luck.acceptance

    def ranked(ids, pol=policy):
        return rank(pop, params, sc, ids, pol, luck.ranking)

    contact = contact_cost(sc, st)
    chosen: list = []
    rows: list = []
    offers = rounds = 0
    contact_total = spent = 0.0
    opt_reports: list = []
    notes: list = []
    phases = _phases(pop, sc, name, ranked, notes, luck, simulate)
    money_total = 0.0
    for ph in phases:
        money = ph.money - spent if ph.label == "rest" else ph.money
        money_total = ph.money if ph.label == "rest" else money_total + ph.money
        already = np.asarray(chosen, dtype=int)
        max_count = ph.max_count
        if ph.ordered:
            order = ph.pool_ids
        elif policy == "optimiser":
            from sim.campaign.optimiser import optimise

            if simulate is None:
                raise ValueError("the optimiser needs simulate(roster, seeds) to run its pilots")
            order, max_count, report = optimise(pop, sc, name, ph, money, already, luck, simulate)
            opt_reports.append(report)
        else:
            order = ranked(ph.pool_ids)
        order = np.asarray(order, dtype=int)
        res = outreach.send_offers(order, expected_account_cost(pop, sc, st, order), acceptance(pop, sc, st, order),
                                   draws[order], money, contact=contact, max_count=max_count,
                                   followers=pop.pool.followers[order], target=ph.target)
        chosen.extend(res.accepted.tolist())
        spent += res.spent
        offers += len(res.offered)
        rounds += res.rounds
        contact_total += res.contact_cost
        rows.extend(_candidate_rows(pop, sc, st, res, ph.label))
    target = next((ph.target for ph in phases if ph.target), 0.0)
    return Hiring(ids=np.asarray(chosen, dtype=int), rows=rows, offers=offers, rounds=rounds,
                  contact_cost=contact_total, spent=spent, money=money_total, target=target,
                  phases=[ph.label for ph in phases], optimiser=opt_reports, notes=notes)


def _candidate_rows(pop, sc, st, res, label) -> list:
    ids = res.offered
    if len(ids) == 0:
        return []
    fixed, cpm, _ = account_costs(pop, sc, st, ids)
    fit = pool_fit(pop, sc)[ids]
    prob = acceptance(pop, sc, st, ids)
    pool = pop.pool
    return [{"influencer": int(j), "phase": label, "round": int(res.round_of[k]),
             "tier": pool.tier_names[pool.tier[j]], "followers": int(pool.followers[j]),
             "niche": pop.niches[pool.niche[j]], "fit": float(fit[k]), "fee": float(fixed[k]), "cpm": float(cpm[k]),
             "offers_per_month": int(pool.monthly_offers[j]), "p_accept": float(prob[k]),
             "accepted": bool(res.answer[k])} for k, j in enumerate(ids)]


def select(pop, sc: dict, name: str) -> np.ndarray:
    """Pool ids that strategy ``name`` hires (after outreach), in the order they were offered."""
    return hire(pop, sc, name).ids


def make_roster(pop, sc: dict, name: str, ids, contact_total: float = 0.0, *, st: dict | None = None) -> Roster:
    """A :class:`Roster` of accounts ``ids`` under strategy ``name``'s terms.

    ``contact_total`` (staff time of every offer sent) is shared equally among the
    accounts' management costs.
    """
    st = st or sc.strategies[name]
    ids = np.asarray(ids, dtype=int)
    fixed, cpm, staff = account_costs(pop, sc, st, ids)
    if len(ids):
        staff = staff + contact_total / len(ids)
    fit = pool_fit(pop, sc)[ids] if len(ids) else np.zeros(0)
    return Roster(strategy=name, ids=ids, posts=np.full(len(ids), strategy_posts(sc, st), dtype=int),
                  fixed_cost=fixed, cpm=cpm, management=staff, fit=fit, partnership=st.partnership,
                  overhead=0.0 if len(ids) else float(contact_total))


def build_roster(pop, sc, name: str, luck: Luck | None = None, simulate=None) -> Roster:
    """The roster of strategy ``name``: ranking (or the optimiser), outreach, then costs.

    ``Roster.outreach`` records the funnel: ``offers``, ``accepted``, ``acceptance_rate``,
    ``rounds``, ``days`` (rounds of connecting first, if the strategy does, and waiting
    ``parameters.offer_response_days`` for answers), ``outreach_staff_cost`` (staff time
    of every offer), ``management_cost`` (all staff cost), ``fees``, ``expected_cost``,
    ``budget``, ``target_followers``, ``followers``, ``filled`` (whether the plan was
    filled before candidates ran out), ``candidates`` (one row per offer) and
    ``optimiser`` (its steps and the plans it compared, if it chose).

    ``luck`` (:class:`~sim.campaign.luck.Luck`) decides who accepts and the random
    ranking; the replicate path passes each replicate's own, so the intervals include
    the luck of outreach. ``simulate`` runs the optimiser's pilots.
    """
    st = sc.strategies[name]
    h = hire(pop, sc, name, luck=luck, simulate=simulate)
    ros = make_roster(pop, sc, name, h.ids, h.contact_cost)
    followers = int(pop.pool.followers[ros.ids].sum())
    filled = _filled(st, h, followers)
    ros.candidates = h.rows
    ros.outreach = {
        "strategy": name, "kind": st.kind, "selection": st.selection, "partnership": st.partnership,
        "payment": "product" if product_paid(st) else st.payment, "connect_first": bool(st.connect_first),
        "offers": h.offers, "accepted": len(ros.ids),
        "acceptance_rate": len(ros.ids) / h.offers if h.offers else float("nan"),
        "rounds": h.rounds,
        "days": outreach.outreach_days(h.rounds, sc.parameters.offer_response_days,
                                       sc.brand.connect_first_days, st.connect_first),
        "outreach_staff_cost": h.contact_cost, "management_cost": float(ros.management.sum()),
        "fees": float(ros.fixed_cost.sum()), "expected_cost": float(expected_account_cost(pop, sc, st, ros.ids).sum()
                                                                    + h.contact_cost),
        "budget": None if math.isinf(h.money) else float(h.money),
        "target_followers": h.target or None, "followers": followers, "posts_per_account": strategy_posts(sc, st),
        "filled": filled, "candidates": h.rows, "optimiser": h.optimiser,
    }
    if not filled:
        h.notes.append("candidates ran out before the roster was full")
    if h.notes:
        ros.outreach["note"] = "; ".join(h.notes)
    return ros


def _filled(st, h: Hiring, followers: int) -> bool:
    """Whether outreach got what the plan asked for (False when candidates ran out)."""
    kind = st.kind
    if kind == "macro":
        return len(h.ids) == 1
    if kind == "micro_equal_following":
        return followers >= (1 - outreach.WINDOW) * h.target
    if kind == "custom" and st.ids:
        return len(h.ids) == len(st.ids)
    if kind == "custom":
        return len(h.ids) == sum(st.tiers.values())
    if kind == "nano_swarm" and st.count:
        return len(h.ids) == st.count
    if kind == "mixed":
        return any(r["accepted"] and r["phase"] == "big" for r in h.rows)
    return len(h.ids) > 0
