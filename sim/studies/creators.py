"""Which creators, across replicates: what each account brought, cost and added to the campaign.

One row per (strategy, account): every account any replicate of the strategy hired or,
with a shortlist, every shortlisted account whether hired or not. Columns (each with its
95% interval over the replicates where the account was hired, :func:`sim.studies.compare.interval`):

- ``share_hired``: share of replicates in which the strategy hired the account;
- ``fee`` and ``fee_terms``: the fee offered and what it buys (``"3 posts, package -10%"``),
  with where the per-post rate comes from (``fee_source``: the shortlist CSV, estimated from
  the fee curve for a shortlisted account without a fee, or the fee curve for a generated
  account);
- ``p_accept``: the chance the account accepts the strategy's offer;
- ``cost``: fee, per-view pay and staff time of the account;
- ``reach``: people the account's posts or the shares they started exposed (real people);
- ``unique_reach``: of those, the people no other account of the roster exposed;
- ``engagements``, ``buyers``: credited to the account (the source of the exposure);
- ``profit_contribution``: ``margin x price x buyers - cost`` of the account;
- ``marginal_profit``: the campaign's profit (gross profit - spend) with the account minus
  without it, on the same seeds; ``marginal_per_dollar`` is its mean over the mean cost.

Rows are sorted by marginal profit per dollar (accounts without one last, by profit
contribution per dollar).

How "without the account" is run
--------------------------------
The replicate is run again from its own seed, on its own drawn parameters and market and
with the same roster, except that the account posts nothing and is paid nothing (its fee,
per-view pay and management hours; the staff time of the offers sent stays, it was spent).
Keeping the account's place in the roster keeps every other account's set-up, posting hours
and audience draws identical (zero-size draws leave the generator as it is); the hour-by-hour
draws (who engages, buys, shares) come from the same stream but diverge once the removed
account's exposures are no longer drawn, so a marginal value carries some campaign luck,
which the interval over replicates includes.

Cost: one traced re-run per (strategy, replicate) plus one run per account without it. For a
roster of 30 accounts over 30 replicates that is 900 runs per strategy, so only the
``marginal_top`` accounts (default :data:`MARGINAL_TOP`) with the largest profit contribution in
each replicate's roster are re-run without; the others have no marginal value in that
replicate (``marginal_n`` says in how many replicates it was measured). ``marginal_top=None``
re-runs every account.

Account identity: a shortlisted account is its handle. A generated account is its pool id
when the market is fixed (``run.market = "fixed"``); with a new market per replicate
generated accounts differ between replicates, so such a row is one replicate's account
(``r3 #1234``), hired in one replicate only.

An estimated fee (a generated account's, or a shortlisted account's without a fee) is drawn
per market around the fee curve (``parameters.fee_scatter``,
:func:`sim.campaign.setup.with_fee_factors`), so with a market per replicate its interval
includes that spread; a fee from the CSV is as given.

Examples
--------
>>> from sim.scenario import with_fields, default_scenario
>>> sc = with_fields(default_scenario(), {"population.size": 2000, "population.represents": 500,
...                  "campaign.days": 3, "run.replicates": 2, "parameters.offer_response_days": 0})
>>> from sim.studies.runs import run_scenario
>>> rows = creator_rows(sc, run_scenario(sc), marginal_top=2)
>>> {"strategy", "account", "share_hired", "fee_terms", "marginal_profit_mean", "unique_reach_mean"} <= set(rows[0])
True
"""

from __future__ import annotations

import csv
import dataclasses
import math
from pathlib import Path

import numpy as np

from sim.campaign.luck import draw_parameters, replicate_seeds, with_drawn
from sim.campaign.model import CampaignModel
from sim.campaign.setup import draw_market
from sim.studies.compare import interval

#: Accounts per replicate's roster re-run without them (largest profit contribution first).
MARGINAL_TOP = 10

#: Above this many (account x person) cells the per-account reach is not traced (memory).
TRACE_CELLS = 200_000_000

#: Columns with an interval: name -> whether it cannot be negative.
MEASURES = {"fee": True, "p_accept": True, "cost": True, "reach": True, "unique_reach": True, "engagements": True,
            "buyers": True, "profit_contribution": False, "marginal_profit": False}


class TracedModel(CampaignModel):
    """A :class:`~sim.campaign.model.CampaignModel` that also records which roster account exposed whom.

    ``touched[k, i]`` is True once person ``i`` was exposed by account ``k``'s posts or by a
    share they started. Recording draws nothing, so the run is the same as the model's.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        r, n = len(self.roster.ids), self.population.n
        self.touched = np.zeros((r, n), dtype=bool) if r * n <= TRACE_CELLS else None

    def _expose(self, t, people, tr, factor, src, *rest) -> None:
        if self.touched is not None and len(src):
            m = src >= 0
            self.touched[src[m], people[m]] = True
        super()._expose(t, people, tr, factor, src, *rest)

    def account_reach(self) -> tuple[np.ndarray, np.ndarray]:
        """(reach, unique reach) per roster account, in real people (NaN when not traced)."""
        r = len(self.roster.ids)
        if self.touched is None:
            return np.full(r, np.nan), np.full(r, np.nan)
        reach = self.touched.sum(axis=1)
        only = self.touched.sum(axis=0) == 1
        unique = (self.touched & only).sum(axis=1)
        return reach * float(self.represents), unique * float(self.represents)


def campaign_profit(metrics: dict) -> float:
    """The campaign's profit: gross profit (margin x revenue) minus spend, USD.

    Examples
    --------
    >>> campaign_profit({"gross_profit": 1500.0, "spend": 1000.0})
    500.0
    """
    return float(metrics["gross_profit"] - metrics["spend"])


def without_account(roster, k: int, management_each: float):
    """The roster with account ``k`` muted: no posts, no fee, no per-view pay, no management hours.

    The staff time of the offers sent (shared in ``management``) stays: it was spent.

    Examples
    --------
    >>> from sim.campaign.roster import Roster
    >>> ros = Roster("s", np.array([4, 7]), np.array([3, 3]), np.array([900.0, 500.0]), np.zeros(2),
    ...              np.array([330.0, 330.0]), np.array([0.5, 0.4]))
    >>> muted = without_account(ros, 0, 300.0)
    >>> muted.posts.tolist(), muted.fixed_cost.tolist(), muted.management.tolist(), ros.posts.tolist()
    ([0, 3], [0.0, 500.0], [30.0, 330.0], [3, 3])
    """
    posts, fixed, cpm, mgmt = (a.copy() for a in (roster.posts, roster.fixed_cost, roster.cpm, roster.management))
    posts[k], fixed[k], cpm[k] = 0, 0.0, 0.0
    mgmt[k] = max(0.0, float(mgmt[k]) - management_each)
    return dataclasses.replace(roster, posts=posts, fixed_cost=fixed, cpm=cpm, management=mgmt)


def fee_terms(scenario, strategy: str) -> str:
    """What the fee of a strategy buys, in words.

    Examples
    --------
    >>> from sim.scenario import default_scenario
    >>> sc = default_scenario()
    >>> fee_terms(sc, "macro") == f"3 posts, package -{sc.parameters.package_discount:.0%}"
    True
    """
    from sim.campaign.pricing import product_paid, strategy_posts

    st = scenario.strategies[strategy]
    posts = strategy_posts(scenario, st)
    if product_paid(st):
        return f"{posts} post{'s' if posts != 1 else ''} for product"
    if st.payment == "cpm":
        return "per 1,000 views"
    disc = scenario.parameters.package_discount
    text = f"{posts} post{'s' if posts != 1 else ''}"
    if posts > 1 and disc:
        text += f", package -{disc:.0%}"
    if st.partnership == "takeover":
        text += f", takeover +{scenario.parameters.takeover_premium:.0%}"
    if st.offer_ratio != 1:
        text += f", offer x{st.offer_ratio:g} of the rate"
    return text


def _fee_source(pool, j: int) -> str:
    if not pool.handle[j]:
        return "fee curve"
    return "estimated" if np.isnan(pool.fee[j]) else "from the CSV"


def _key(pool, j: int, replicate: int, fixed_market: bool) -> str:
    if pool.handle[j]:
        return str(pool.handle[j])
    return f"#{j}" if fixed_market else f"r{replicate + 1} #{j}"


def replicate_accounts(task: tuple) -> list[dict]:
    """Per-account records of one replicate, every strategy (module-level: process pools pickle it).

    ``task`` is ``(scenario, strategies, replicate, seed, marginal_top)``. Re-runs the
    replicate as :func:`sim.studies.replicate.run_strategies` does (same drawn parameters,
    market and seed), traced, then once per top account without it.
    """
    from sim.campaign.pricing import account_costs, acceptance

    scenario, names, r, seed, top = task
    drawn = draw_parameters(scenario, seed)
    scenario = with_drawn(scenario, drawn)
    market = draw_market(scenario, seed)
    fixed_market = scenario.run.market != "per_replicate"
    pool = market.pool
    short = np.flatnonzero(pool.handle != "") if scenario.influencers.shortlist else np.zeros(0, int)
    each = scenario.brand.management_hours * scenario.brand.hourly_rate
    price, margin = scenario.product.price, scenario.product.margin
    out = []
    for name in names:
        model = TracedModel(scenario, name, market=market, rng=seed)
        model.run()
        ros = model.roster
        profit = campaign_profit(model.metrics())
        reach, unique = model.account_reach()
        rows = {x["influencer"]: x for x in model.influencer_rows()}
        st = scenario.strategies[name]
        ids = np.asarray(ros.ids, dtype=int)
        listed = np.unique(np.concatenate([ids, short])).astype(int)
        fixed, _, _ = account_costs(market, scenario, st, listed) if len(listed) else (np.zeros(0),) * 3
        chance = acceptance(market, scenario, st, listed) if len(listed) else np.zeros(0)
        fee_of = dict(zip(listed.tolist(), fixed.tolist()))
        chance_of = dict(zip(listed.tolist(), chance.tolist()))
        contrib = np.array([margin * price * rows[int(j)]["conversions"] - rows[int(j)]["cost"] for j in ids])
        order = np.argsort(-contrib, kind="stable")
        chosen = order if top is None else order[: max(0, int(top))]
        marginal = {}
        for k in chosen.tolist():
            muted = without_account(ros, k, each)
            alt = TracedModel(scenario, name, market=market, roster=muted, rng=seed)
            alt.touched = None  # nothing to trace
            alt.run()
            marginal[k] = profit - campaign_profit(alt.metrics())
        pos = {int(j): k for k, j in enumerate(ids)}
        for j in listed.tolist():
            base = {"strategy": name, "replicate": r, "key": _key(pool, j, r, fixed_market),
                    "handle": str(pool.handle[j]), "influencer": int(j),
                    "platform": pool.platform_names[pool.platform[j]], "tier": pool.tier_names[pool.tier[j]],
                    "followers": int(pool.followers[j]), "niche": market.niches[pool.niche[j]],
                    "fee_source": _fee_source(pool, j), "fee": fee_of[j], "p_accept": chance_of[j]}
            k = pos.get(j)
            if k is None:
                out.append({**base, "hired": False})
                continue
            row = rows[j]
            out.append({**base, "hired": True, "fit": row["fit"], "cost": row["cost"], "reach": float(reach[k]),
                        "unique_reach": float(unique[k]), "engagements": float(row["engagements"]),
                        "buyers": float(row["conversions"]), "profit_contribution": float(contrib[k]),
                        "marginal_profit": marginal.get(k, math.nan)})
    return out


def account_records(scenario, *, marginal_top: int | None = MARGINAL_TOP, workers: int = 1,
                    executor=None) -> list[dict]:
    """Every replicate's per-account records (:func:`replicate_accounts`), on the run's seeds."""
    from sim.studies.runs import execute

    names = list(scenario.strategies)
    seeds = replicate_seeds(scenario.run.seed, scenario.run.replicates)
    tasks = [(scenario, names, r, seeds[r], marginal_top) for r in range(len(seeds))]
    return [x for rep in execute(tasks, replicate_accounts, executor, workers) for x in rep]


def summarize_accounts(records: list[dict], replicates: int) -> list[dict]:
    """One row per (strategy, account): share hired and each measure's mean and interval, sorted.

    Examples
    --------
    >>> rec = lambda r, m: {"strategy": "s", "replicate": r, "key": "@a", "handle": "@a", "influencer": 0,
    ...     "platform": "instagram", "tier": "micro", "followers": 9000, "niche": "fitness", "fee_source": "from the CSV",
    ...     "fee": 500.0, "p_accept": 0.5, "hired": True, "fit": 0.6, "cost": 800.0, "reach": 5000.0,
    ...     "unique_reach": 4000.0, "engagements": 300.0, "buyers": 20.0, "profit_contribution": 100.0,
    ...     "marginal_profit": m}
    >>> row = summarize_accounts([rec(0, 200.0), rec(1, 400.0), {**rec(2, 0.0), "hired": False}], 3)[0]
    >>> round(row["share_hired"], 3), row["marginal_profit_mean"], row["marginal_n"], row["marginal_per_dollar"]
    (0.667, 300.0, 2, 0.375)
    """
    groups: dict = {}
    for x in records:
        groups.setdefault((x["strategy"], x["key"]), []).append(x)
    out = []
    for (strategy, key), xs in groups.items():
        hired = [x for x in xs if x["hired"]]
        first = (hired or xs)[0]
        row = {"strategy": strategy, "account": key, "handle": first["handle"],
               "influencer": first["influencer"], "platform": first["platform"], "tier": first["tier"],
               "followers": first["followers"], "niche": first["niche"], "fee_source": first["fee_source"],
               "fit": float(np.mean([x["fit"] for x in hired])) if hired else math.nan,
               "replicates_hired": len(hired), "replicates": replicates,
               "share_hired": len(hired) / replicates if replicates else math.nan}
        for m, non_negative in MEASURES.items():
            pool = xs if m in ("fee", "p_accept") else hired
            iv = interval([x[m] for x in pool], non_negative=non_negative)
            row[f"{m}_mean"], row[f"{m}_low"], row[f"{m}_high"] = iv.mean, iv.low, iv.high
        row["marginal_n"] = int(sum(math.isfinite(x["marginal_profit"]) for x in hired))
        cost = row["cost_mean"]
        ok = cost and math.isfinite(cost) and cost > 0
        row["marginal_per_dollar"] = row["marginal_profit_mean"] / cost if ok and row["marginal_n"] else math.nan
        row["contribution_per_dollar"] = row["profit_contribution_mean"] / cost if ok else math.nan
        out.append(row)
    return sort_rows(out)


def sort_rows(rows: list[dict]) -> list[dict]:
    """By marginal profit per dollar, best first; rows without one after, by profit contribution per dollar,
    then accounts never hired (by chance to accept)."""
    def key(r):
        if math.isfinite(r["marginal_per_dollar"]):
            return (0, -r["marginal_per_dollar"])
        if math.isfinite(r["contribution_per_dollar"]):
            return (1, -r["contribution_per_dollar"])
        return (2, -(r["p_accept_mean"] if math.isfinite(r["p_accept_mean"]) else 0.0))
    return sorted(rows, key=key)


def creator_rows(scenario, results=None, *, marginal_top: int | None = MARGINAL_TOP, workers: int = 1,
                 executor=None) -> list[dict]:
    """The creators table of a run (see the module docstring); ``results`` is used for the replicate count.

    The per-account figures come from traced re-runs of the run's replicates (the same seeds
    give the same campaigns), so the table matches ``runs.csv``.
    """
    records = account_records(scenario, marginal_top=marginal_top, workers=workers, executor=executor)
    rows = summarize_accounts(records, scenario.run.replicates)
    terms = {s: fee_terms(scenario, s) for s in scenario.strategies}
    for r in rows:
        r["fee_terms"] = terms[r["strategy"]]
    return rows


#: Columns of ``creators.csv``, in order.
CSV_COLUMNS = ("strategy", "account", "handle", "platform", "tier", "followers", "niche", "fit", "replicates_hired",
               "replicates", "share_hired", "fee_terms", "fee_source",
               *(f"{m}_{s}" for m in MEASURES for s in ("mean", "low", "high")), "marginal_n",
               "marginal_per_dollar", "contribution_per_dollar")


def write_creators_csv(rows: list[dict], scenario, path: Path) -> None:
    """Write ``creators.csv``: one row per (strategy, account), sorted as :func:`sort_rows`, money in USD."""
    import io

    from sim.atomic import atomic_write_text

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    terms = {s: fee_terms(scenario, s) for s in scenario.strategies}
    for r in rows:
        w.writerow({k: ("" if isinstance(v, float) and not math.isfinite(v) else v)
                    for k, v in {"fee_terms": terms.get(r["strategy"], ""), **r}.items()})
    atomic_write_text(Path(path), buf.getvalue())
