"""Strategies: which influencers a brand hires, how it ranks them, and what it pays.

A ``[strategies.NAME]`` block of a scenario becomes a :class:`Roster`: the accounts
hired, their posts, fees and staff cost, the outreach that got them and, for the
optimiser, what it chose and why. Kinds:

``macro``
    One account of ``tier`` (macro or mega), the best-ranked one that accepts and that
    the budget can pay: one offer a round, and after each refusal the next-ranked
    affordable account, until the recruitment time ends (the rounds whose answers come
    before the campaign's last day, :func:`sim.campaign.outreach.rounds_in_time`: 9 at
    the default 30 days and 3-day answers). A replicate in which all of them refuse hires
    nobody; it is reported as its own outcome, outside the strategy's means
    (:mod:`sim.studies.compare`).
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
    as the budget buys; ``payment`` and ``partnership`` are ignored. A ``count`` the pool
    cannot meet hires what it can, and the roster's note says so ("hired 67 of the
    1,000,000,000 asked: the pool has 400 nano accounts and 333 refused the offer"; shown
    in the report's outreach table; the terminal warns that candidates ran out).
``custom``
    The accounts listed in ``ids`` and, by handle, the shortlisted ones in ``handles``
    (in that order; refusals are not replaced), or
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
>>> from sim.world import build_population
>>> sc = with_fields(default_scenario(), {"population.size": 2000, "population.represents": 1000})
>>> pop = build_population(sc, use_cache=False)
>>> ros = build_roster(pop, sc, "micro_equal_budget")
>>> ros.expected_cost() <= sc.brand.budget, ros.outreach["offers"] >= len(ros.ids)
(True, True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sim.campaign import outreach
from sim.campaign.luck import Luck
from sim.campaign.optimiser import optimise
from sim.campaign.pricing import (account_costs, acceptance, contact_cost, expected_account_cost, product_paid,
                                  strategy_posts)
from sim.campaign.ranking import pool_fit, rank
from sim.campaign.roster import Roster, make_roster
from sim.errors import ScenarioError
from sim.world.shortlist import ids_of_handles

if TYPE_CHECKING:
    from sim.scenario.models import Scenario



@dataclass
class Phase:
    """One part of a roster to fill: who may be offered, with how much money, to what limit."""

    label: str
    pool_ids: np.ndarray  # candidate ids (unranked, or in the user's order when ``ordered``)
    money: float = math.inf
    max_count: int = 0
    target: float = 0.0  # total followers to reach within 5% (0 = none)
    ordered: bool = False  # custom ids: offer in the listed order, no ranking
    tier: str = ""  # the tier its candidates come from ("" for listed accounts)
    tier_count: int = 0  # accounts of that tier in the pool, before the brand-fit floor


@dataclass
class Hiring:
    """What outreach produced for one strategy (see :func:`hire`)."""

    ids: np.ndarray
    accept_round: np.ndarray  # round of offers (1, 2, ... over all phases) in which each hired account accepted
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
    out_of_time: bool = False  # offers stopped: answers to more would come after the campaign's end
    ran_out: bool = False  # the ranked list ran out before the plan was full (sim.campaign.outreach.send_offers)
    left: float | None = None  # money not committed when outreach ended, USD (None: no money limit)
    fitting: list = field(default_factory=list)  # per phase: tier, accounts, accounts at or above the fit floor


def strategy_budget(pop, sc, name: str, luck: Luck | None = None, simulate=None,
                    notes: list | None = None) -> float:
    """The money strategy ``name`` may commit, USD.

    ``budget`` if set, else ``brand.budget``; a ``micro_equal_budget`` strategy with
    ``match`` gets the expected cost of that strategy's roster (if every creator refused
    that strategy's offers, the cost of the roster it planned, every offer accepted; if
    that strategy cannot be staffed at all, e.g. no account of its tier is affordable, its
    own budget, with a note in ``notes``).
    """
    st = sc.strategies[name]
    if st.kind == "micro_equal_budget" and st.match:
        try:
            other = build_roster(pop, sc, st.match, luck=luck, simulate=simulate)
        except ScenarioError as exc:
            if exc.field.split(".")[:2] != ["strategies", st.match]:
                raise
            if notes is not None:
                notes.append(f"{st.match!r} cannot be staffed ({exc.reason}); spent the budget instead")
            return st.budget or sc.brand.budget
        if len(other.ids):
            return other.expected_cost()
        # nobody accepted the other strategy's offers: spend what it planned to spend instead (its plan with
        # every offer accepted, the posts that spend its budget included)
        other_st = sc.strategies[st.match]
        planned = hire(pop, sc, st.match, accept_all=True, luck=luck, simulate=simulate)
        if not (_tops_up(other_st) and len(planned.ids) and not math.isinf(planned.money)):
            return planned.spent
        posts = posts_for_budget(pop, sc, other_st, planned.ids, planned.money - planned.contact_cost)
        return make_roster(pop, sc, st.match, planned.ids, planned.contact_cost, st=other_st,
                           posts=posts).expected_cost()
    return st.budget or sc.brand.budget


def fitting(pop, sc, ids) -> np.ndarray:
    """The accounts of ``ids`` whose brand fit is at least ``selection.min_brand_fit`` (in the given order).

    A strategy never offers to an account below the floor, so it never pads a roster with
    accounts whose audience does not fit the product; ranked by brand fit, the accounts
    above it come from the product's niche first, then from the niches whose audiences
    are nearest to it (:meth:`sim.world.population.Population.brand_fit`).

    Examples
    --------
    >>> from sim.scenario import with_fields, default_scenario
    >>> from sim.world import build_population
    >>> sc = with_fields(default_scenario(), {"population.size": 2000, "population.represents": 1000})
    >>> pop = build_population(sc, use_cache=False)
    >>> ids = pop.pool.ids_of_tier("micro")
    >>> bool(pool_fit(pop, sc)[fitting(pop, sc, ids)].min() >= sc.selection.min_brand_fit)
    True
    >>> len(fitting(pop, with_fields(sc, {"selection.min_brand_fit": 0.0}), ids)) == len(ids)
    True
    """
    ids = np.asarray(ids, dtype=int)
    floor = sc.selection.min_brand_fit
    if floor <= 0 or len(ids) == 0:
        return ids
    return ids[pool_fit(pop, sc)[ids] >= floor - 1e-12]


def _phases(pop, sc, name: str, ranked, notes: list, luck: Luck, simulate=None) -> list:
    """The phases of a strategy, each limited to the accounts at or above the brand-fit floor (:func:`fitting`).

    Listed accounts (custom ``ids``, ``handles``) are the user's choice and keep their
    order; the others keep the tier they come from and its size before the floor
    (``Phase.tier``, ``Phase.tier_count``). The money of a ``"rest"`` phase is set after
    the phase before it.
    """
    phases = _planned_phases(pop, sc, name, ranked, notes, luck, simulate)
    pool = pop.pool
    for ph in phases:
        if ph.ordered or len(ph.pool_ids) == 0:
            continue
        ph.tier = pool.tier_names[int(pool.tier[ph.pool_ids[0]])]
        ph.tier_count = len(ph.pool_ids)
        ph.pool_ids = fitting(pop, sc, ph.pool_ids)
    return phases


def _planned_phases(pop, sc, name: str, ranked, notes: list, luck: Luck, simulate=None) -> list:
    """The phases of a strategy's plan, before the brand-fit floor."""
    st = sc.strategies[name]
    path = f"strategies.{name}"
    kind = st.kind
    pool = pop.pool
    budget = strategy_budget(pop, sc, name, luck, simulate, notes)
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
    if st.ids or st.handles:
        ids = np.asarray(st.ids, dtype=int)
        bad = ids[(ids < 0) | (ids >= len(pool))]
        if len(bad):
            raise ScenarioError(f"{path}.ids", f"no influencer with id {int(bad[0])} (pool has {len(pool)}: "
                                               f"ids 0 to {len(pool) - 1})")
        if st.handles:  # shortlisted accounts, by handle
            try:
                ids = np.concatenate([ids, ids_of_handles(pool, st.handles)])
            except ValueError as exc:
                raise ScenarioError(f"{path}.handles", str(exc)) from None
        if len(np.unique(ids)) < len(ids):
            raise ScenarioError(f"{path}.{'handles' if st.handles else 'ids'}", "an influencer is listed twice")
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
    fit = fitting(pop, sc, cands)  # the account a macro strategy would hire: above the floor, if any is
    if len(fit) and (expected_account_cost(pop, sc, st, fit) + contact_cost(sc, st) <= budget).any():
        cands = fit
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
    chosen_rounds: list = []
    rows: list = []
    offers = rounds = 0
    contact_total = spent = 0.0
    opt_reports: list = []
    notes: list = []
    phases = _phases(pop, sc, name, ranked, notes, luck, simulate)
    money_total = 0.0
    # offers whose answers would come after the campaign's end are not sent (they could not post)
    in_time = outreach.rounds_in_time(sc.campaign.days, params.offer_response_days, sc.brand.connect_first_days,
                                      st.connect_first, sc.campaign.recruitment_days) if st.outreach else None
    out_of_time = ran_out = False
    fits: list = []
    for ph in phases:
        money = ph.money - spent if ph.label == "rest" else ph.money
        money_total = ph.money if ph.label == "rest" else money_total + ph.money
        already = np.asarray(chosen, dtype=int)
        max_count = ph.max_count
        if ph.ordered:
            order = ph.pool_ids
        elif policy == "optimiser":
            if simulate is None:
                raise ValueError("the optimiser needs simulate(roster, seeds) to run its pilots")
            order, max_count, report = optimise(pop, sc, name, ph, money, already, luck, simulate)
            opt_reports.append(report)
        else:
            order = ranked(ph.pool_ids)
        order = np.asarray(order, dtype=int)
        res = outreach.send_offers(order, expected_account_cost(pop, sc, st, order), acceptance(pop, sc, st, order),
                                   draws[order], money, contact=contact, max_count=max_count,
                                   followers=pop.pool.followers[order], target=ph.target,
                                   max_rounds=None if in_time is None else max(in_time - rounds, 0))
        out_of_time |= res.out_of_time
        ran_out |= res.ran_out
        if not ph.ordered:
            fits.append({"phase": ph.label, "tier": ph.tier, "accounts": ph.tier_count, "fitting": len(ph.pool_ids),
                         "hired": len(res.accepted)})
        chosen.extend(res.accepted.tolist())
        chosen_rounds.extend((res.round_of[res.answer] + rounds).tolist() if len(res.offered) else [])
        spent += res.spent
        offers += len(res.offered)
        rounds += res.rounds
        contact_total += res.contact_cost
        rows.extend(_candidate_rows(pop, sc, st, res, ph.label))
    target = next((ph.target for ph in phases if ph.target), 0.0)
    left = None if math.isinf(money_total) else float(money_total - spent)
    if out_of_time:
        notes.append(f"outreach stopped after {rounds} round{'s' if rounds != 1 else ''} of offers: answers to "
                     f"later offers would come after the campaign's {sc.campaign.days} days "
                     f"(campaign.recruitment_days = {sc.campaign.recruitment_days:g} before it)")
    floor = sc.selection.min_brand_fit
    for f in fits:
        if f["fitting"] == 0 and f["accounts"]:
            fit = pool_fit(pop, sc)[pop.pool.ids_of_tier(f["tier"])]
            notes.append(f"the market has no {f['tier']} account in the {sc.product.niche} niche or a niche near it "
                         f"(brand fit >= {floor:.2f}, selection.min_brand_fit; the best of its {f['accounts']} has "
                         f"{fit.max():.2f})")
        elif ran_out and f["fitting"] < f["accounts"]:
            notes.append(f"found {f['fitting']} of {f['accounts']} {f['tier']} accounts with brand fit >= {floor:.2f} "
                         "(selection.min_brand_fit)")
    if st.kind == "nano_swarm" and st.count and len(chosen) < st.count:  # a request the pool could not meet
        tier = pop.pool.tier_names[0]
        refused = offers - len(chosen)
        notes.append(f"hired {len(chosen):,} of the {st.count:,} asked: the pool has "
                     f"{len(pop.pool.ids_of_tier(tier)):,} {tier} accounts"
                     + (f" and {refused:,} refused the offer" if refused else ""))
    return Hiring(ids=np.asarray(chosen, dtype=int), accept_round=np.asarray(chosen_rounds, dtype=int), rows=rows, offers=offers, rounds=rounds,
                  contact_cost=contact_total, spent=spent, money=money_total, target=target,
                  phases=[ph.label for ph in phases], optimiser=opt_reports, notes=notes, out_of_time=out_of_time,
                  ran_out=ran_out and not out_of_time, left=left, fitting=fits)


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
             "accepted": bool(res.answer[k]), "handle": str(pool.handle[j]),
             "platform": pool.platform_names[pool.platform[j]],
             "fee_estimated": bool(pool.handle[j] and np.isnan(pool.fee[j]))} for k, j in enumerate(ids)]


def select(pop, sc: Scenario, name: str) -> np.ndarray:
    """Pool ids that strategy ``name`` hires (after outreach), in the order they were offered."""
    return hire(pop, sc, name).ids


def build_roster(pop, sc, name: str, luck: Luck | None = None, simulate=None) -> Roster:
    """The roster of strategy ``name``: ranking (or the optimiser), outreach, then costs.

    ``Roster.outreach`` records the funnel: ``offers``, ``accepted``, ``acceptance_rate``,
    ``rounds``, ``days`` (rounds of connecting first, if the strategy does, and waiting
    ``parameters.offer_response_days`` for answers), ``outreach_staff_cost`` (staff time
    of every offer), ``management_cost`` (all staff cost), ``fees``, ``expected_cost``,
    ``budget``, ``target_followers``, ``followers``, ``filled`` (whether the plan was
    filled before candidates or the rounds in time ran out), ``out_of_time`` (offers
    stopped because answers to more would come after the campaign's end), ``candidates`` (one row per offer) and
    ``optimiser`` (its steps and the plans it compared, if it chose).

    ``luck`` (:class:`~sim.campaign.luck.Luck`) decides who accepts and the random
    ranking; the replicate path passes each replicate's own, so the intervals include
    the luck of outreach. ``simulate`` runs the optimiser's pilots.
    """
    st = sc.strategies[name]
    h = hire(pop, sc, name, luck=luck, simulate=simulate)
    posts = None
    if _tops_up(st) and len(h.ids) and not math.isinf(h.money):
        posts = posts_for_budget(pop, sc, st, h.ids, h.money - h.contact_cost)
    ros = make_roster(pop, sc, name, h.ids, h.contact_cost, st=st, posts=posts)
    # an account posts once it has answered: rounds of (connecting first, then) waiting for answers, the
    # recruitment window before the campaign included (campaign.recruitment_days)
    ros.start_day = np.asarray([outreach.posting_day(int(r), sc.parameters.offer_response_days,
                                                     sc.brand.connect_first_days, st.connect_first,
                                                     sc.campaign.recruitment_days)
                                for r in h.accept_round], dtype=float) if st.outreach else np.zeros(len(h.ids))
    followers = int(pop.pool.followers[ros.ids].sum())
    filled = not (h.ran_out or h.out_of_time)
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
        "target_followers": h.target or None, "followers": followers,
        "posts_per_account": strategy_posts(sc, st) if posts is None or len(set(posts.tolist())) != 1
        else int(posts[0]),
        "extra_posts": 0 if posts is None else int(posts.sum() - strategy_posts(sc, st) * len(posts)),
        "filled": filled, "out_of_time": h.out_of_time, "ran_out": h.ran_out, "left": h.left,
        "min_brand_fit": float(sc.selection.min_brand_fit), "fitting": h.fitting, "equal_spend": bool(st.equal_spend),
        "recruitment_days": float(sc.campaign.recruitment_days),
        "shortlist_only": bool(sc.influencers.shortlist_only),
        "candidates": h.rows, "optimiser": h.optimiser,
    }
    if h.ran_out:
        left = f" with ${h.left:,.0f} of ${h.money:,.0f} left" if h.left is not None else ""
        h.notes.insert(0, f"the ranked list ran out before the roster was full{left}"
                       + (" (the rest bought more posts)" if ros.outreach["extra_posts"] else ""))
    if h.notes:
        ros.outreach["note"] = "; ".join(h.notes)
    return ros


def _tops_up(st) -> bool:
    """Whether a strategy spends what its hired accounts leave of the budget on more posts (``equal_spend``).

    Kinds ``macro`` (one big account: its outcome then moves with the budget) and
    ``micro_equal_budget`` (its ranked list may run out with money left), paid per post or
    per view; never product-paid strategies (more posts would cost nothing).
    """
    return bool(st.equal_spend and st.kind in ("macro", "micro_equal_budget") and not product_paid(st))


def max_posts(sc, st) -> int:
    """Most posts a budget buys from one account: one a campaign day, at most 100, never below the plan's.

    [assumption: one sponsored post a day is the most a creator's feed carries for one brand;
    range 0.5-2 a day]

    Examples
    --------
    >>> from sim.scenario import default_scenario
    >>> sc = default_scenario()
    >>> max_posts(sc, sc.strategies["macro"])
    30
    """
    return max(strategy_posts(sc, st), min(100, int(sc.campaign.days)))


def posts_for_budget(pop, sc, st, ids, money: float) -> np.ndarray:
    """Posts per account of ``ids`` (hired in that order) that ``money`` buys, each at least the plan's.

    Starting from the strategy's posts per account, one more post goes to each account in
    turn, best-ranked first, while the accounts' expected total cost stays within
    ``money`` and the account has fewer than :func:`max_posts`; so a lone macro account
    gets as many posts as the budget buys, and micro accounts share the money their
    number left unspent. Each further post costs the fee less the package discount (per
    post) or its expected views' worth (per view).

    Examples
    --------
    >>> from sim.scenario import with_fields, default_scenario
    >>> from sim.world import build_population
    >>> sc = with_fields(default_scenario(), {"population.size": 2000, "population.represents": 1000})
    >>> pop = build_population(sc, use_cache=False)
    >>> st = sc.strategies["macro"]
    >>> ids = pop.pool.ids_of_tier("macro")[:1]
    >>> posts = posts_for_budget(pop, sc, st, ids, 60_000.0)
    >>> bool(posts[0] > sc.campaign.posts_per_influencer)
    True
    >>> posts_for_budget(pop, sc, st, ids, 1.0).tolist()  # too little money: the plan's posts
    [3]
    """
    ids = np.asarray(ids, dtype=int)
    base = strategy_posts(sc, st)
    cost = expected_account_cost(pop, sc, st, ids)
    step = expected_account_cost(pop, sc, st.model_copy(update={"posts": base + 1}), ids) - cost
    posts = np.full(len(ids), base, dtype=int)
    total = float(cost.sum())
    cap = max_posts(sc, st)
    if not len(ids) or np.any(step <= 0):
        return posts
    while True:
        added = False
        for k in range(len(ids)):
            if posts[k] < cap and total + step[k] <= money * (1 + 1e-12):
                posts[k] += 1
                total += float(step[k])
                added = True
        if not added:
            return posts
