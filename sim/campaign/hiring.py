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
                                      st.connect_first) if st.outreach else None
    out_of_time = False
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
        chosen.extend(res.accepted.tolist())
        chosen_rounds.extend((res.round_of[res.answer] + rounds).tolist() if len(res.offered) else [])
        spent += res.spent
        offers += len(res.offered)
        rounds += res.rounds
        contact_total += res.contact_cost
        rows.extend(_candidate_rows(pop, sc, st, res, ph.label))
    target = next((ph.target for ph in phases if ph.target), 0.0)
    if out_of_time:
        notes.append(f"outreach stopped after {rounds} round{'s' if rounds != 1 else ''} of offers: answers to "
                     f"later offers would come after the campaign's {sc.campaign.days} days")
    if st.kind == "nano_swarm" and st.count and len(chosen) < st.count:  # a request the pool could not meet
        tier = pop.pool.tier_names[0]
        refused = offers - len(chosen)
        notes.append(f"hired {len(chosen):,} of the {st.count:,} asked: the pool has "
                     f"{len(pop.pool.ids_of_tier(tier)):,} {tier} accounts"
                     + (f" and {refused:,} refused the offer" if refused else ""))
    return Hiring(ids=np.asarray(chosen, dtype=int), accept_round=np.asarray(chosen_rounds, dtype=int), rows=rows, offers=offers, rounds=rounds,
                  contact_cost=contact_total, spent=spent, money=money_total, target=target,
                  phases=[ph.label for ph in phases], optimiser=opt_reports, notes=notes, out_of_time=out_of_time)


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


def select(pop, sc: dict, name: str) -> np.ndarray:
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
    if st.equal_spend and st.kind == "macro" and len(h.ids) == 1 and not math.isinf(h.money):
        st = _posts_for_budget(pop, sc, st, h.ids, h.money - h.contact_cost)
    ros = make_roster(pop, sc, name, h.ids, h.contact_cost, st=st)
    # an account posts once it has answered: rounds of (connecting first, then) waiting for answers
    ros.start_day = np.asarray([outreach.outreach_days(int(r), sc.parameters.offer_response_days,
                                                       sc.brand.connect_first_days, st.connect_first)
                                for r in h.accept_round], dtype=float) if st.outreach else np.zeros(len(h.ids))
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
        "filled": filled, "out_of_time": h.out_of_time, "candidates": h.rows, "optimiser": h.optimiser,
    }
    if not filled and not h.out_of_time:
        h.notes.append("candidates ran out before the roster was full")
    if h.notes:
        ros.outreach["note"] = "; ".join(h.notes)
    return ros


def _posts_for_budget(pop, sc, st, ids, money: float):
    """The strategy with as many posts (a package, up to 100) as ``money`` buys from accounts ``ids``.

    Examples
    --------
    >>> from sim.scenario import with_fields, default_scenario
    >>> from sim.world import build_population
    >>> sc = with_fields(default_scenario(), {"population.size": 2000, "population.represents": 1000})
    >>> pop = build_population(sc, use_cache=False)
    >>> st = _posts_for_budget(pop, sc, sc.strategies["macro"], pop.pool.ids_of_tier("macro")[:1], 60_000.0)
    >>> st.posts > sc.campaign.posts_per_influencer
    True
    """
    posts = strategy_posts(sc, st)
    while posts < 100:
        more = st.model_copy(update={"posts": posts + 1})
        if expected_account_cost(pop, sc, more, ids).sum() > money:
            break
        posts += 1
    return st.model_copy(update={"posts": posts})


def _filled(st, h: Hiring, followers: int) -> bool:
    """Whether outreach got what the plan asked for (False when candidates ran out)."""
    kind = st.kind
    if kind == "macro":
        return len(h.ids) == 1
    if kind == "micro_equal_following":
        return followers >= (1 - outreach.WINDOW) * h.target
    if kind == "custom" and (st.ids or st.handles):
        return len(h.ids) == len(st.ids) + len(st.handles)
    if kind == "custom":
        return len(h.ids) == sum(st.tiers.values())
    if kind == "nano_swarm" and st.count:
        return len(h.ids) == st.count
    if kind == "mixed":
        return any(r["accepted"] and r["phase"] == "big" for r in h.rows)
    return len(h.ids) > 0
