"""What a strategy pays each creator (fees, product, per-view payments, staff time) and how likely an offer is accepted."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

from sim.campaign import outreach
from sim.campaign.ranking import pool_fit
from sim.rules import economics, forecast

if TYPE_CHECKING:
    from sim.scenario.models import Scenario, Strategy


def product_paid(st: Strategy) -> bool:
    """Whether a strategy pays in product: ``payment = "product"``, a gifted partnership or a nano swarm."""
    return st.payment == "product" or st.partnership == "gifted" or st.kind == "nano_swarm"


def strategy_posts(sc: Scenario, st: Strategy) -> int:
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


def account_costs(pop, sc: Scenario, st: Strategy, ids, posts=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(fixed cost, CPM, management cost) per account for a strategy block, USD.

    ``posts`` (one count per account) replaces the strategy's posts per account
    (:func:`strategy_posts`) in a per-post package; product and per-view terms do not
    depend on the number of posts.

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
    >>> from sim.world import build_population
    >>> sc = with_fields(default_scenario(), {"population.size": 2000, "population.represents": 1000})
    >>> pop = build_population(sc, use_cache=False)
    >>> fixed, cpm, staff = account_costs(pop, sc, sc.strategies["macro"], [0, 1])
    >>> staff.tolist()
    [300.0, 300.0]
    >>> mixed = account_costs(pop, sc, sc.strategies["macro"], [0, 1], posts=[3, 5])[0]
    >>> bool(mixed[0] == fixed[0] and mixed[1] > fixed[1])
    True
    """
    ids = np.asarray(ids, dtype=int)
    params, camp, brand = sc.parameters, sc.campaign, sc.brand
    posts = strategy_posts(sc, st) if posts is None else np.asarray(posts, dtype=float)
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


def expected_account_cost(pop, sc: Scenario, st: Strategy, ids) -> np.ndarray:
    """What each account is expected to cost in total (per-view payments at expected views), USD."""
    ids = np.asarray(ids, dtype=int)
    fixed, cpm, staff = account_costs(pop, sc, st, ids)
    if not cpm.any():
        return fixed + staff
    views = forecast.expected_views(pop, sc.parameters, ids)
    return fixed + staff + cpm * views / 1000.0 * strategy_posts(sc, st)


def contact_cost(sc: Scenario, st: Strategy) -> float:
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


def offer_ratio(pop, sc: Scenario, st: Strategy, ids) -> np.ndarray:
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


def acceptance(pop, sc: Scenario, st: Strategy, ids) -> np.ndarray:
    """Chance each account accepts the strategy's offer (1 when ``outreach`` is off)."""
    ids = np.asarray(ids, dtype=int)
    if not st.outreach:
        return np.ones(len(ids))
    return np.atleast_1d(outreach.acceptance_from_params(
        sc.parameters, pool_fit(pop, sc)[ids], offer_ratio(pop, sc, st, ids), pop.pool.monthly_offers[ids],
        st.connect_first, product_only=product_paid(st), load_ref=sc.influencers.monthly_offers_mean))
