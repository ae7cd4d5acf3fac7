"""Warnings a reader must see before trusting a comparison, each naming the scenario field that changes it."""

from __future__ import annotations

import math

import numpy as np

from sim.format import money as fmt_money
from sim.studies.compare import (_nanmean, _ran_out, _replicates, baseline_of, hired_nobody, runs_of, strategies_of,
                                 values)

__all__ = ["warnings_for"]


def warnings_for(results, baseline: str | None = None, spend_ratio: float = 1.05) -> list[str]:
    """One-line warnings, each naming the scenario field that changes it.

    Nobody hired (and whether the market had no account above the brand-fit floor), over
    budget, candidates ran out (with the money left when the ranked list ran out and the
    fitting accounts found), out of time for outreach, and comparisons at spends more than
    ``spend_ratio`` apart (5%; with why: a strategy that leaves money unspent, one the
    pool cannot absorb the budget for, one that matches following rather than money).
    The fields come from each run's ``outreach`` record (:func:`sim.campaign.hiring.build_roster`).

    Examples
    --------
    >>> from types import SimpleNamespace as R
    >>> rs = [R(strategy="custom", replicate=0, metrics={"budget": 100.0, "spend": 150.0, "hired": 2.0},
    ...         outreach={"filled": True})]
    >>> warnings_for(rs)
    ['custom spends more than its budget in 1 of 1 replicate (up to $150 of $100): its kind is not held to the budget; choose fewer accounts in strategies.custom']
    >>> rs = [R(strategy="micro", replicate=0, metrics={"budget": 100.0, "spend": 40.0, "hired": 2.0},
    ...         outreach={"filled": False, "ran_out": True, "left": 60.0, "min_brand_fit": 0.5,
    ...                   "fitting": [{"tier": "micro", "accounts": 20, "fitting": 3, "hired": 2}]})]
    >>> print(warnings_for(rs)[0])
    micro runs out of candidates in 1 of 1 replicate with $60.00 left on average when its ranked list ran out (found 3 of 20 micro accounts with brand fit >= 0.50, on average): its roster is smaller than planned; lower selection.min_brand_fit or add accounts (influencers.counts.micro)
    """
    out = []
    info: dict = {}  # strategy -> what its warnings know of it
    for s in strategies_of(results):
        runs = runs_of(results, s)
        n = len(runs)
        outreach = [(getattr(r, "outreach", None) or {}) for r in runs]
        kind = next((o.get("kind") for o in outreach if o.get("kind")), None)
        floor = next((o.get("min_brand_fit") for o in outreach if o.get("min_brand_fit") is not None), None)
        tiers = [f.get("tier") for o in outreach for f in (o.get("fitting") or []) if f.get("tier")]
        tier = max(set(tiers), key=tiers.count) if tiers else None
        nobody = [r for r in runs if hired_nobody(r)]
        if nobody:
            lost = _nanmean(np.array([r.metrics.get("spend", math.nan) for r in nobody], dtype=float))
            kept = (f"over the {_replicates(n - len(nobody))} where it hired someone" if len(nobody) < n
                    else "it has none: no campaign ran")
            none_fit = sum(1 for r in nobody if any(f.get("fitting") == 0 and f.get("accounts")
                                                    for f in ((getattr(r, "outreach", None) or {}).get("fitting")
                                                              or [])))
            why = (f"; in {none_fit} of them the market has no {tier or 'candidate'} account with brand fit >= "
                   f"{floor:.2f}: lower selection.min_brand_fit or add accounts "
                   f"(influencers.counts.{tier or 'TIER'})" if none_fit and floor is not None else "")
            out.append(f"{s} hires nobody in {len(nobody)} of {_replicates(n)} (every offer refused; "
                       f"{fmt_money(lost)} of staff time lost in each, on average): a separate outcome, left out of "
                       f"its figures ({kept}) and of paired differences (over the replicates where both strategies "
                       f"hired someone); strategies.{s}.offer_ratio or strategies.{s}.connect_first raise the "
                       f"chance of a yes{why}")
        spend, budget = values(results, s, "spend"), values(results, s, "budget")
        over = np.isfinite(budget) & (budget > 0) & np.isfinite(spend) & (spend > budget * 1.001)
        if over.any():
            worst = int(np.argmax(np.where(over, spend - budget, -np.inf)))
            out.append(f"{s} spends more than its budget in {int(over.sum())} of {_replicates(n)} "
                       f"(up to {fmt_money(spend[worst])} of {fmt_money(budget[worst])}): its kind is not held to "
                       f"the budget; choose fewer accounts in strategies.{s}")
        ran_out = [o for o in outreach if _ran_out(o)]
        late = sum(1 for o in outreach if o.get("out_of_time"))
        extra = sum(1 for o in ran_out if o.get("extra_posts"))
        if ran_out:
            lefts = [o["left"] for o in ran_out if isinstance(o.get("left"), (int, float)) and math.isfinite(o["left"])]
            left = f" with {fmt_money(float(np.mean(lefts)))} left on average when its ranked list ran out" \
                if lefts else ""
            found = [(f["fitting"], f["accounts"]) for o in ran_out for f in (o.get("fitting") or [])
                     if f.get("tier") == tier and f.get("accounts")]
            short = found and floor is not None and any(a > b for b, a in found)
            fit_text = (f" (found {np.mean([b for b, _ in found]):,.0f} of {np.mean([a for _, a in found]):,.0f} "
                        f"{tier} accounts with brand fit >= {floor:.2f}, on average)" if short else "")
            then = (f"the rest bought more posts in {extra} of them (strategies.{s}.equal_spend)" if extra
                    else "its roster is smaller than planned")
            more = ("list more accounts in the shortlist (influencers.shortlist; the pool is only the shortlist: "
                    "influencers.shortlist_only)" if any(o.get("shortlist_only") for o in ran_out)
                    else f"add accounts (influencers.counts.{tier})")
            fix = (f"lower selection.min_brand_fit or {more}" if short
                   else more if tier
                   else f"list more accounts in strategies.{s}")
            out.append(f"{s} runs out of candidates in {len(ran_out)} of {_replicates(n)}{left}{fit_text}: "
                       f"{then}; {fix}")
        if late:
            out.append(f"{s} runs out of time for outreach in {late} of {_replicates(n)}: answers to more offers "
                       "would come after the campaign's end, so it hires fewer accounts than the plan wanted; "
                       "raise campaign.recruitment_days")
        tops = next((o.get("equal_spend") for o in outreach if o.get("equal_spend") is not None), None)
        info[s] = {"kind": kind, "ran_out": len(ran_out), "tier": tier, "equal_spend": tops}
    names = strategies_of(results)
    if len(names) > 1:
        base = baseline_of(results, baseline)
        b = _nanmean(values(results, base, "spend"))
        for s in names:
            if s == base:
                continue
            a = _nanmean(values(results, s, "spend"))
            if not (math.isfinite(a) and math.isfinite(b)):
                continue
            hi, lo = max(a, b), min(a, b)
            if hi > spend_ratio * lo:
                ratio = f"{hi / lo:.2f}x" if lo > 0 else "one spends nothing"
                low = s if a < b else base
                out.append(f"compared at different spend: {s} spends {fmt_money(a)} and {base} {fmt_money(b)} "
                           f"({ratio}); set equal spend to compare like with like: "
                           + _spend_fix(low, info.get(low, {}), info.get(s if low == base else base, {}), s))
    return out


def _spend_fix(low: str, low_info: dict, high_info: dict, other: str) -> str:
    """What makes two strategies' spends equal, naming the field (``low`` spends less)."""
    if high_info.get("kind") == "micro_equal_following":
        return f"{other} matches following, not money (strategies.{other}.kind = \"micro_equal_budget\" matches money)"
    kind = low_info.get("kind")
    if kind in ("macro", "micro_equal_budget"):
        if low_info.get("equal_spend") is False:
            return f"strategies.{low}.equal_spend = true"
        if low_info.get("ran_out"):
            return (f"the pool cannot absorb the budget ({low} ran out of candidates: influencers.counts."
                    f"{low_info.get('tier') or 'TIER'}, selection.min_brand_fit)")
        return f"{low} buys at most one post a campaign day per account (campaign.days, brand.budget)"
    if kind == "micro_equal_following":
        return f"{low} matches following, not money (strategies.{low}.kind = \"micro_equal_budget\" matches money)"
    return f"give both the same budget (brand.budget, strategies.{low}.budget)"
