"""Outreach: the brand sends offers, creators accept or refuse, refusals are replaced.

A creator accepts an offer with a probability from :func:`acceptance_probability`, a
logistic function of brand fit, the offer against the creator's rate, the creator's
monthly offer load and whether the brand connected first (followed and engaged with the
creator before the offer). :func:`send_offers` runs the rounds: the brand offers to the
best-ranked candidates the plan still needs, waits for the answers, and offers to the
next candidates in place of those who refused, until the roster is full or the
candidates run out. The money it commits never exceeds what it has: a pending offer
reserves the account's whole expected cost, and the staff time of every offer sent
(accepted or not) is spent for good.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
from scipy.special import expit

if TYPE_CHECKING:
    from sim.scenario.parameters import Parameters

WINDOW = 0.05  # equal-following rosters aim at the target following within +-5%


def _logit(p):
    return np.log(p) - np.log1p(-p)


def acceptance_probability(fit, offer_ratio, offers_per_month, connected, *, product_only=False,
                           base=0.39, fit_weight=3.0, offer_weight=2.0, load_weight=1.0, load_ref=8.0,
                           connect_weight=1.0, product_base=0.292):
    """Chance that a creator accepts an offer.

    ``logit p = logit(base) + fit_weight * (fit - 0.5) + offer_weight * log(offer_ratio)
    - load_weight * log((1 + offers_per_month) / (1 + load_ref)) + connect_weight * connected``

    For a product-only offer ``base`` is replaced by ``product_base``, the share of
    creators happy to be paid in free products, and ``offer_ratio`` is the product's
    retail value over the creator's rate.

    Parameters
    ----------
    fit : array_like
        Brand fit of the creator, 0..1 (:meth:`sim.world.population.Population.brand_fit`).
    offer_ratio : array_like
        What the brand offers over what the creator charges (1 = their rate); 0 is
        always refused.
    offers_per_month : array_like
        The creator's monthly offer load (``InfluencerPool.monthly_offers``).
    connected : bool or array_like
        Whether the brand connected with the creator before the offer.
    product_only : bool or array_like
        Whether the offer is product only (gifted).
    base : float
        Acceptance of a cold offer at the creator's rate, with fit 0.5, at the mean
        load [assumption after seed claim C7, unsourced: 44% of micro creators accept
        only a quarter of their offers; with the others taking half, 0.39].
    fit_weight, offer_weight, connect_weight : float
        Log-odds per unit of fit, per log of the offer ratio, and for connecting first
        [assumptions; C8 "connecting first helps" is practitioner advice without a figure].
    load_weight : float
        Fall of the log-odds per log of the offer load; 1 means a creator takes a fixed
        number of deals a month, so each offer's odds fall in proportion to the load
        [assumption].
    load_ref : float
        The load at which the load term is zero (``influencers.monthly_offers_mean``).
    product_base : float
        Acceptance of a product-only offer worth the creator's rate (SocialPubli 2018:
        29.2% of creators under 10K followers are happy to be paid in free products).

    Examples
    --------
    >>> p = acceptance_probability([0.1, 0.9], 1.0, 8, False)
    >>> bool(p[0] < 0.39 < p[1])
    True
    >>> float(acceptance_probability(0.5, 1.0, 8, False))
    0.39
    >>> bool(acceptance_probability(0.5, 1.0, 8, True) > acceptance_probability(0.5, 1.0, 8, False))
    True
    """
    fit = np.asarray(fit, dtype=float)
    ratio = np.maximum(np.asarray(offer_ratio, dtype=float), 1e-300)
    load = np.maximum(np.asarray(offers_per_month, dtype=float), 0.0)
    b = np.where(np.asarray(product_only, dtype=bool), _logit(product_base), _logit(base))
    z = (b + fit_weight * (fit - 0.5) + offer_weight * np.log(ratio)
         - load_weight * np.log((1.0 + load) / (1.0 + load_ref))
         + connect_weight * np.asarray(connected, dtype=float))
    p = expit(z)
    p = np.where(np.asarray(offer_ratio, dtype=float) > 0, p, 0.0)
    return np.round(p, 12) if p.ndim else float(np.round(p, 12))


def acceptance_from_params(params: Parameters, fit, offer_ratio, offers_per_month, connected, product_only=False,
                           load_ref: float = 8.0):
    """:func:`acceptance_probability` with the weights of a scenario's ``parameters`` table.

    Examples
    --------
    >>> from sim.scenario import default_scenario
    >>> acceptance_from_params(default_scenario().parameters, 0.5, 1.0, 8, False)
    0.39
    """
    return acceptance_probability(
        fit, offer_ratio, offers_per_month, connected, product_only=product_only, base=params.accept_base,
        fit_weight=params.accept_fit_weight, offer_weight=params.accept_offer_weight,
        load_weight=params.accept_load_weight, load_ref=load_ref,
        connect_weight=params.accept_connect_weight, product_base=params.accept_product)


@dataclass
class OfferRound:
    """What :func:`send_offers` did: who was offered, who accepted, and what it cost."""

    accepted: np.ndarray  # candidate ids that accepted, in the order offered
    offered: np.ndarray  # candidate ids offered, in the order offered
    answer: np.ndarray  # bool per offered: accepted
    round_of: np.ndarray  # round (1, 2, ...) in which each was offered
    rounds: int  # rounds with at least one offer
    spent: float  # accepted accounts' expected cost + staff time of every offer sent
    contact_cost: float  # staff time of every offer sent, USD
    extra: dict = field(default_factory=dict)
    out_of_time: bool = False  # the plan still wanted accounts when the rounds in time ran out
    ran_out: bool = False  # the ranked list ran out before the plan was full (see send_offers)
    left: float = 0.0  # money not committed at the end, USD (inf when there was no limit)


def send_offers(candidates, cost, prob, draws, money: float, *, contact: float = 0.0, max_count: int = 0,
                followers=None, target: float = 0.0, max_rounds: int | None = None) -> OfferRound:
    """Offer to ranked candidates in rounds until the plan is full, candidates run out or time does.

    Each round walks the candidates not yet offered, best first, and offers to each one
    the plan still needs and can pay for: committed money (accepted costs, staff time
    already spent, reserves of pending offers) plus the candidate's ``cost + contact``
    must stay within ``money``; with ``max_count`` the roster stops at that many
    accounts; with ``target`` it aims at a total following within 5% of ``target``
    (accounts that would overshoot 105% are passed over, and the plan is full at 95%).
    Candidate ``k`` accepts when ``draws[k] < prob[k]``. Refused offers release their
    reserve, except the staff time. With ``max_rounds`` (None: no limit) no offer goes out
    after that many rounds (answers that would come after the campaign's end:
    :func:`rounds_in_time`); ``OfferRound.out_of_time`` says whether the plan still
    wanted accounts then.

    ``OfferRound.ran_out`` says whether the ranked list ran out before the plan was full
    (not for lack of time): a plan with ``max_count`` or ``target`` that fell short, or a
    plan held by money alone (``max_count`` 0, no ``target``) whose every candidate was
    offered while the money left (``OfferRound.left``) could still have paid the cheapest
    of them; with no money limit either, a plan that did not get every candidate.
    Candidates passed over because the money left could not pay them mean the budget is
    spent, not that the list ran out.

    Parameters
    ----------
    candidates : array_like of int
        Ids, best first.
    cost : array_like
        Expected cost of hiring each candidate (fees, product, management), USD.
    prob, draws : array_like
        Acceptance probability and a uniform draw per candidate.
    money : float
        The most the brand may commit.
    contact : float
        Staff cost of sending one offer (and connecting first), USD.

    Examples
    --------
    >>> r = send_offers([5, 6, 7], [10.0, 10.0, 10.0], [1.0, 0.0, 1.0], [0.5, 0.5, 0.5], 25.0)
    >>> r.accepted.tolist(), r.offered.tolist(), r.rounds
    ([5, 7], [5, 6, 7], 2)
    >>> send_offers([5, 6, 7], [10.0] * 3, [0.0, 1.0, 1.0], [0.5] * 3, 100, max_count=1).round_of.tolist()
    [1, 2]
    >>> r = send_offers([5, 6, 7], [10.0] * 3, [0.0, 1.0, 1.0], [0.5] * 3, 100, max_count=1, max_rounds=1)
    >>> r.offered.tolist(), r.accepted.tolist(), r.out_of_time
    ([5], [], True)
    >>> r = send_offers([5, 6], [10.0, 10.0], [1.0, 0.0], [0.5, 0.5], 100.0)  # every candidate offered, $90 left
    >>> r.ran_out, r.left
    (True, 90.0)
    >>> send_offers([5, 6], [60.0, 60.0], [1.0, 1.0], [0.5, 0.5], 100.0).ran_out  # the money is spent
    False
    """
    cand = np.asarray(candidates, dtype=int)
    cost = np.asarray(cost, dtype=float)
    prob = np.asarray(prob, dtype=float)
    draws = np.asarray(draws, dtype=float)
    f = np.zeros(len(cand)) if followers is None else np.asarray(followers, dtype=float)
    status = np.zeros(len(cand), dtype=np.int8)  # 0 not offered, 1 accepted, 2 refused
    offered, answer, round_of = [], [], []
    committed, count, total_f, rounds, contact_total = 0.0, 0, 0.0, 0, 0.0
    hi = (1 + WINDOW) * target
    out_of_time = False
    while True:
        pending, reserve, pc, pf = [], 0.0, 0, 0.0
        for k in np.flatnonzero(status == 0):
            if (max_count and count + pc >= max_count) or (target and total_f + pf >= (1 - WINDOW) * target):
                break
            need = cost[k] + contact
            if committed + reserve + need > money * (1 + 1e-12):
                continue  # too dear now; money only shrinks unless a pending offer is refused
            if target and total_f + pf + f[k] > hi:
                continue  # would overshoot the target following
            pending.append(k)
            reserve += need
            pc += 1
            pf += f[k]
        if not pending:
            break
        if max_rounds is not None and rounds >= max_rounds:
            out_of_time = True  # the plan still wants accounts, but their answers would come too late
            break
        rounds += 1
        for k in pending:
            ok = bool(draws[k] < prob[k])
            status[k] = 1 if ok else 2
            committed += contact + (cost[k] if ok else 0.0)
            contact_total += contact
            if ok:
                count += 1
                total_f += f[k]
            offered.append(int(cand[k]))
            answer.append(ok)
            round_of.append(rounds)
    offered_a = np.asarray(offered, dtype=int)
    answer_a = np.asarray(answer, dtype=bool)
    left = money - committed
    ran_out = False
    if not out_of_time and len(cand):
        if max_count or target:
            ran_out = not ((max_count and count >= max_count) or (target and total_f >= (1 - WINDOW) * target))
        elif math.isinf(money):
            ran_out = count < len(cand)
        else:
            ran_out = bool(not (status == 0).any() and left >= float(np.min(cost)) + contact)
    return OfferRound(accepted=offered_a[answer_a] if len(offered_a) else offered_a, offered=offered_a,
                      answer=answer_a, round_of=np.asarray(round_of, dtype=int), rounds=rounds, spent=committed,
                      contact_cost=contact_total, out_of_time=out_of_time, ran_out=bool(ran_out), left=float(left))


def rounds_in_time(days: int, response_days: float, connect_days: float, connect_first: bool,
                   recruitment_days: float = 0.0) -> int | None:
    """How many rounds of offers can be answered in time to post: answers before the campaign's last day.

    Outreach starts ``recruitment_days`` before the campaign's first posting day
    (``campaign.recruitment_days``). An account posts from the day its answer is in
    (:func:`posting_day`, rounded up) if that day is within the ``days`` of the campaign;
    offers of later rounds would be answered after the campaign's end, so they are not
    sent. None means no limit (answers take no time).

    Examples
    --------
    >>> rounds_in_time(30, 3.0, 7.0, False), rounds_in_time(30, 3.0, 7.0, True), rounds_in_time(30, 0.0, 7.0, False)
    (9, 2, None)
    >>> rounds_in_time(30, 3.0, 7.0, False, 28.0), rounds_in_time(30, 3.0, 7.0, True, 28.0)  # four weeks before
    (19, 5)
    >>> rounds_in_time(5, 3.0, 7.0, True)  # connecting first takes longer than the campaign: no offer in time
    0
    >>> rounds_in_time(365, 1e-9, 0.0, False) is None  # answers within a millisecond: practically no limit
    True
    """
    per_round = response_days + (connect_days if connect_first else 0.0)
    if per_round <= 0:
        return None

    def in_time(r: int) -> bool:
        return math.ceil(posting_day(r, response_days, connect_days, connect_first, recruitment_days)) < days

    # ceil(r x per_round - recruitment) < days  <=>  about r x per_round <= days - 1 + recruitment; the steps
    # mend float rounding and a fractional recruitment window
    limit = (days - 1 + recruitment_days) / per_round
    if limit >= 1e9:
        return None  # answers take practically no time
    r = max(int(limit), 0)
    while r > 0 and not in_time(r):
        r -= 1
    while in_time(r + 1):
        r += 1
    return r


def posting_day(rounds: int, response_days: float, connect_days: float, connect_first: bool,
                recruitment_days: float = 0.0) -> float:
    """Campaign day from which an account hired in round ``rounds`` can post (0 = the first day).

    Outreach starts ``recruitment_days`` before the first posting day: an answer that comes
    within that window lets the account post from day 0; a later one from the day it comes
    (``outreach_days - recruitment_days``).

    Examples
    --------
    >>> posting_day(2, 3.0, 7.0, False), posting_day(2, 3.0, 7.0, False, 28.0), posting_day(10, 3.0, 7.0, False, 28.0)
    (6.0, 0.0, 2.0)
    """
    return max(outreach_days(rounds, response_days, connect_days, connect_first) - recruitment_days, 0.0)


def outreach_days(rounds: int, response_days: float, connect_days: float, connect_first: bool) -> float:
    """Days the outreach took: each round, connecting first (if the brand does) then waiting for answers.

    Examples
    --------
    >>> outreach_days(2, 3.0, 7.0, True), outreach_days(2, 3.0, 7.0, False)
    (20.0, 6.0)
    """
    return float(rounds * (response_days + (connect_days if connect_first else 0.0)))
