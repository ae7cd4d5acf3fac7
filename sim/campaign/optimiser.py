"""The optimiser selection policy: a roster chosen by marginal gains estimated from simulation.

Given a phase of a strategy (candidate accounts, money, count or following limits) and
the strategy's ``objective`` (conversions, reach, engagements or roi), :func:`optimise`

1. ranks the candidates by every fixed policy and plans what each would hire if every
   offer were accepted (the *fixed plans*);
2. simulates each of up to ``pilot_candidates`` candidates on its own (pilot campaigns
   of the real :class:`~sim.campaign.model.CampaignModel` on the replicate's market, one per
   pilot seed; the pilot seeds (:func:`sim.campaign.luck.pilot_seeds`) are disjoint from
   every replicate seed, so the optimiser is judged on campaigns it was not tuned on);
3. builds a *greedy plan*: repeatedly adds the affordable candidate with the largest
   estimated marginal gain per dollar, the gain being its pilot outcome times the share
   of its audience that the accounts already chosen do not reach (same-niche audiences
   overlap); it stops when nothing affordable adds anything (for roi: when the next
   account would lower the return per dollar);
4. simulates the whole campaign of the greedy plan and of every fixed plan on the pilot
   seeds and keeps the best by the objective, so the result is never worse on those
   seeds than the best fixed policy (on fresh seeds it may be: see
   ``tests/test_optimiser.py``).

The chosen plan, followed by the other candidates as replacements, is then the order in
which outreach sends offers (:func:`sim.campaign.outreach.send_offers`); refusals are replaced
from it, so with outreach the roster may differ from the plan.
"""

from __future__ import annotations

import math
import weakref

import numpy as np

from sim.campaign import outreach
from sim.campaign.luck import pilot_seeds
from sim.campaign.pricing import contact_cost, expected_account_cost
from sim.campaign.ranking import FIXED_POLICIES, rank
from sim.campaign.roster import make_roster

_CACHE: dict = {}
OBJECTIVE_METRIC = {"conversions": "conversions", "reach": "reach", "engagements": "engagements", "roi": "roi"}


def objective_value(metrics: list[dict], objective: str) -> float:
    """Mean of the objective over runs; an empty campaign (NaN ROI) is worst.

    Examples
    --------
    >>> objective_value([{"roi": 0.5}, {"roi": 1.5}], "roi")
    1.0
    >>> objective_value([{"roi": float("nan")}], "roi")
    -inf
    """
    vals = [m[OBJECTIVE_METRIC[objective]] for m in metrics]
    if not vals or any(v != v for v in vals):
        return -math.inf
    return float(np.mean(vals))


def optimise(pop, sc, name: str, phase, money: float, already, luck, simulate) -> tuple[np.ndarray, int, dict]:
    """Plan one phase of strategy ``name``: (offer order, roster size, report).

    ``phase`` is a :class:`sim.campaign.hiring.Phase`; ``already`` the accounts hired in
    earlier phases (their audiences count as reached). The report lists the greedy
    steps (account, tier, followers, cost, pilot outcome, fresh audience share,
    estimated marginal gain, gain per dollar) and every plan compared with its
    simulated objective. ``luck`` gives the random ranking; ``simulate(roster, seeds)``
    returns the metrics of full campaigns of a roster on the replicate's market, one per
    seed (the replicate path passes it, see :func:`sim.campaign.setup.prepare`).
    """
    import zlib

    from sim.scenario import scenario_json

    already = np.asarray(already, dtype=int)
    key = (scenario_json(sc), id(pop), zlib.crc32(luck.ranking.tobytes()), name, phase.label,
           round(float(money), 6), tuple(already.tolist()))
    hit = _CACHE.get(key)
    if hit is None or hit[0]() is not pop:  # an id is reused once its object is gone: the entry must be this market's
        if len(_CACHE) > 32:
            _CACHE.clear()
        hit = _CACHE[key] = (weakref.ref(pop), _optimise(pop, sc, name, phase, money, already, luck, simulate))
    order, count, report = hit[1]
    return order.copy(), count, report


def _optimise(pop, sc, name, phase, money, already, luck, simulate):
    st = sc.strategies[name]
    plan_st = st.model_copy(update={"outreach": False})
    objective = st.objective
    params = sc.parameters
    contact = contact_cost(sc, st)
    f_all = pop.pool.followers
    seeds = pilot_seeds(sc.run.seed, st.pilot_seeds)

    ids = np.asarray(phase.pool_ids, dtype=int)
    rankings = {p: rank(pop, params, sc, ids, p, luck.ranking) for p in FIXED_POLICIES}

    def walk(order):
        order = np.asarray(order, dtype=int)
        res = outreach.send_offers(order, expected_account_cost(pop, sc, plan_st, order),
                                   np.ones(len(order)), np.zeros(len(order)), money, contact=contact,
                                   max_count=phase.max_count, followers=f_all[order], target=phase.target)
        return res.accepted

    fixed_plans = {p: walk(r) for p, r in rankings.items()}

    # candidates for pilots: members of the fixed plans first, then the rankings' heads, round robin
    cost_of = dict(zip(ids.tolist(), (expected_account_cost(pop, sc, plan_st, ids) + contact).tolist()))
    cands: list = []
    seen: set = set()
    hi = (1 + outreach.WINDOW) * phase.target
    streams = list(fixed_plans.values()) + list(rankings.values())
    for depth in range(max((len(s) for s in streams), default=0)):
        for s in streams:
            if depth < len(s) and len(cands) < st.pilot_candidates:
                c = int(s[depth])
                if c in seen or cost_of[c] > money or (phase.target and f_all[c] > hi):
                    continue
                seen.add(c)
                cands.append(c)
        if len(cands) >= st.pilot_candidates:
            break

    # solo pilots
    solo = {}
    for c in cands:
        runs = simulate(make_roster(pop, sc, name, [c], contact, st=plan_st), seeds)
        solo[c] = {k: float(np.mean([m[k] for m in runs])) for k in ("conversions", "reach", "engagements",
                                                                      "revenue")}
    gain_of = _solo_gains(solo, objective, sc.product.price)

    # greedy plan with audience overlap
    reached = np.zeros(pop.n, dtype=bool)
    for j in already:
        reached[pop.audience(j)] = True
    chosen, steps = [], []
    spent, total_f, R, C = 0.0, 0.0, 0.0, 0.0
    remaining = list(cands)
    while remaining:
        if phase.max_count and len(chosen) >= phase.max_count:
            break
        if phase.target and total_f >= (1 - outreach.WINDOW) * phase.target:
            break
        best = None
        for c in remaining:
            need = cost_of[c]
            if spent + need > money * (1 + 1e-12) or (phase.target and total_f + f_all[c] > hi):
                continue
            fresh = 1.0 - float(reached[pop.audience(c)].mean())
            gain = gain_of[c] * fresh
            if best is None or gain / need > best[2] / best[1]:
                best = (c, need, gain, fresh)
        if best is None:
            break
        c, need, gain, fresh = best
        if not phase.target:
            if objective == "roi":
                if chosen and (R + gain) / (C + need) <= R / C:
                    break  # the next account would lower the return per dollar
            elif gain <= 0:
                break
        chosen.append(c)
        remaining.remove(c)
        reached[pop.audience(c)] = True
        spent += need
        total_f += float(f_all[c])
        R, C = R + gain, C + need
        steps.append({"step": len(chosen), "influencer": c, "tier": pop.pool.tier_names[pop.pool.tier[c]],
                      "followers": int(f_all[c]), "cost": need, "pilot": gain_of[c], "fresh_share": fresh,
                      "marginal_gain": gain, "gain_per_dollar": gain / need})

    # compare the greedy plan with every fixed plan by full simulation on the pilot seeds
    plans = {"greedy": np.asarray(chosen, dtype=int), **fixed_plans}
    compared, best_name, best_val = [], None, -math.inf
    for pname, plan in plans.items():
        ros_ids = np.concatenate([already, plan]).astype(int)
        val = (objective_value(simulate(make_roster(pop, sc, name, ros_ids, contact * len(ros_ids), st=plan_st), seeds),
                               objective)
               if len(plan) else -math.inf)
        compared.append({"plan": pname, "accounts": len(plan),
                         "expected_cost": float(sum(cost_of[int(c)] for c in plan)), "value": val})
        if val > best_val:
            best_name, best_val = pname, val
    if best_name is None:
        return np.zeros(0, dtype=int), 0, {"phase": phase.label, "objective": objective, "steps": steps,
                                            "plans": compared, "chosen": None, "candidates": len(cands)}
    plan = plans[best_name]
    if best_name == "greedy":
        rest = sorted((c for c in cands if c not in set(chosen)), key=lambda c: -gain_of[c] / cost_of[c])
    else:
        rest = [int(c) for c in rankings[best_name] if c not in set(plan.tolist())]
    order = np.concatenate([plan, np.asarray(rest, dtype=int)]).astype(int)
    count = len(plan) if not phase.max_count else min(phase.max_count, len(plan))
    report = {"phase": phase.label, "objective": objective, "candidates": len(cands),
              "pilot_seeds": [list(s.spawn_key) for s in seeds], "steps": steps, "plans": compared,
              "chosen": best_name, "value": best_val}
    return order, count, report


def _solo_gains(solo: dict, objective: str, price: float) -> dict:
    """Each candidate's pilot outcome on the objective (for roi: revenue).

    Conversions of a small account are rare in a few pilots, so conversions (and
    revenue) are shrunk halfway to the account's engagements times the conversions per
    engagement of all pilots together.
    """
    if objective in ("reach", "engagements"):
        return {c: s[objective] for c, s in solo.items()}
    eng = sum(s["engagements"] for s in solo.values())
    rate = sum(s["conversions"] for s in solo.values()) / eng if eng else 0.0
    conv = {c: 0.5 * s["conversions"] + 0.5 * rate * s["engagements"] for c, s in solo.items()}
    if objective == "roi":
        return {c: v * price for c, v in conv.items()}
    return conv
