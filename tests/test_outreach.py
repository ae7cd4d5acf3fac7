"""Outreach: the acceptance function and the offer rounds."""

import numpy as np
import pytest

from sim.campaign.outreach import acceptance_probability, outreach_days, send_offers
from sim.world import build_population
from sim.scenario import default_scenario, resolve, with_fields
from sim.campaign.hiring import build_roster
from sim.campaign.pricing import acceptance


def test_acceptance_rises_with_fit_offer_and_connecting_and_falls_with_load():
    grid = np.linspace(0, 1, 11)
    assert np.all(np.diff(acceptance_probability(grid, 1.0, 8, False)) > 0)
    ratios = np.array([0.25, 0.5, 1.0, 1.5, 2.0, 4.0])
    assert np.all(np.diff(acceptance_probability(0.5, ratios, 8, False)) > 0)
    loads = np.array([0, 2, 8, 20, 60])
    assert np.all(np.diff(acceptance_probability(0.5, 1.0, loads, False)) < 0)
    assert acceptance_probability(0.5, 1.0, 8, True) > acceptance_probability(0.5, 1.0, 8, False)


def test_acceptance_reference_points():
    # at fit 0.5, the creator's rate and the mean load: the base rates
    assert acceptance_probability(0.5, 1.0, 8, False, load_ref=8.0) == pytest.approx(0.39)
    assert acceptance_probability(0.5, 1.0, 8, False, product_only=True) == pytest.approx(0.292)
    assert acceptance_probability(0.9, 0.0, 8, True) == 0.0  # nothing offered, nothing accepted
    # the load term switched off: load does not matter
    p = acceptance_probability(0.5, 1.0, [0, 50], False, load_weight=0.0)
    assert p[0] == pytest.approx(p[1])


def test_acceptance_statistically_over_draws():
    rng = np.random.default_rng(5)
    n = 20_000

    def rate(**kw):
        args = {"fit": 0.5, "offer_ratio": 1.0, "offers_per_month": 8, "connected": False} | kw
        return float(np.mean(rng.random(n) < acceptance_probability(**args)))

    base = rate()
    assert rate(fit=0.9) > base + 0.05
    assert rate(offer_ratio=1.5) > base + 0.05
    assert rate(connected=True) > base + 0.05
    assert rate(offers_per_month=30) < base - 0.05


def test_send_offers_replaces_refusals_and_keeps_within_money():
    cand = np.arange(10)
    cost = np.full(10, 100.0)
    prob = np.array([0, 1, 0, 1, 1, 1, 1, 1, 1, 1], float)
    r = send_offers(cand, cost, prob, np.full(10, 0.5), money=10_000, contact=5.0, max_count=3)
    assert r.accepted.tolist() == [1, 3, 4]
    assert r.offered.tolist() == [0, 1, 2, 3, 4]
    assert r.rounds == 2 and r.round_of.tolist() == [1, 1, 1, 2, 2]
    assert r.spent == pytest.approx(3 * 100 + 5 * 5)
    r = send_offers(cand, cost, prob, np.full(10, 0.5), money=520, contact=5.0)
    assert r.spent <= 520 and len(r.accepted) == 4  # refusals' staff time is spent for good


def test_send_offers_candidates_run_out():
    r = send_offers([1, 2, 3], [1.0] * 3, [0.0] * 3, [0.5] * 3, money=100, max_count=2)
    assert len(r.accepted) == 0 and len(r.offered) == 3


def test_outreach_days():
    assert outreach_days(3, 3.0, 7.0, True) == 30.0
    assert outreach_days(3, 3.0, 7.0, False) == 9.0


@pytest.fixture(scope="module")
def world():
    # hiring only (no campaign is run): a 30-day campaign leaves outreach its rounds (rounds_in_time); recruiting
    # while the campaign runs and no brand-fit floor (the mechanics of the rounds; the window and the floor have
    # tests of their own below)
    sc = with_fields(default_scenario(), {"population.size": 4000, "population.represents": 500,
                                         "campaign.days": 30, "campaign.recruitment_days": 0,
                                         "selection.min_brand_fit": 0.0})
    return sc, build_population(sc, use_cache=False)


def _with(sc, strategies):
    return resolve({**sc.model_dump(), "strategies": strategies})


def test_connecting_first_and_better_offers_raise_the_acceptance_of_real_candidates(world):
    sc, pop = world
    sc = _with(sc, {"s": {"kind": "micro_equal_budget"}})
    st = sc.strategies["s"]
    ids = pop.pool.ids_of_tier("micro")
    base = acceptance(pop, sc, st, ids)
    assert np.all(acceptance(pop, sc, st.model_copy(update={"connect_first": True}), ids) > base)
    assert np.all(acceptance(pop, sc, st.model_copy(update={"offer_ratio": 1.5}), ids) > base)
    assert np.all(acceptance(pop, sc, st.model_copy(update={"outreach": False}), ids) == 1.0)


def test_roster_outreach_funnel_is_recorded_and_deterministic(world):
    sc, pop = world
    sc = _with(sc, {"cold": {"kind": "micro_equal_budget", "budget": 20_000},
                    "warm": {"kind": "micro_equal_budget", "budget": 20_000, "connect_first": True}})
    cold, warm = build_roster(pop, sc, "cold"), build_roster(pop, sc, "warm")
    o = cold.outreach
    assert o["offers"] == len(cold.candidates) >= o["accepted"] == len(cold.ids) > 0
    assert o["acceptance_rate"] == pytest.approx(o["accepted"] / o["offers"])
    assert sum(r["accepted"] for r in cold.candidates) == len(cold.ids)
    assert o["days"] == o["rounds"] * sc.parameters.offer_response_days
    assert warm.outreach["days"] == warm.outreach["rounds"] * (sc.parameters.offer_response_days
                                                               + sc.brand.connect_first_days)
    # connecting first costs staff time per creator contacted
    per_offer = (sc.parameters.offer_hours + sc.brand.connect_first_hours) * sc.brand.hourly_rate
    assert warm.outreach["outreach_staff_cost"] == pytest.approx(warm.outreach["offers"] * per_offer)
    again = build_roster(pop, sc, "cold")
    assert again.ids.tolist() == cold.ids.tolist()
    other = build_roster(pop, with_fields(sc, {"run.seed": 7}), "cold")
    assert [r["accepted"] for r in other.candidates] != [r["accepted"] for r in cold.candidates]


def test_connecting_first_raises_the_acceptance_rate_over_many_seeds(world):
    sc, pop = world
    sc = _with(sc, {"cold": {"kind": "micro_equal_budget", "budget": 15_000, "selection": "random"},
                    "warm": {"kind": "micro_equal_budget", "budget": 15_000, "selection": "random",
                             "connect_first": True}})
    acc = {"cold": [0, 0], "warm": [0, 0]}
    for seed in range(12):
        s = with_fields(sc, {"run.seed": seed})
        for name in acc:
            o = build_roster(pop, s, name).outreach
            acc[name][0] += o["accepted"]
            acc[name][1] += o["offers"]
    assert acc["warm"][0] / acc["warm"][1] > acc["cold"][0] / acc["cold"][1] + 0.05


def test_no_offer_is_answered_after_the_campaign_ends(world):
    """Offers stop when their answers would come too late to post: nobody hired sits idle, and the run says why."""
    from sim.campaign.outreach import rounds_in_time

    sc, pop = world
    for days, connect in ((30, False), (12, True), (8, True)):
        s = with_fields(_with(sc, {"many": {"kind": "micro_equal_budget", "budget": 200_000, "selection": "random",
                                            "connect_first": connect}}), {"campaign.days": days})
        ros = build_roster(pop, s, "many")
        allowed = rounds_in_time(days, s.parameters.offer_response_days, s.brand.connect_first_days, connect)
        assert ros.outreach["rounds"] <= allowed
        assert np.all(np.ceil(ros.start_day) < days)  # every hired account has days left to post
        if days == 8:  # one round of connecting first and answers takes 10 days: no offer goes out
            assert allowed == 0 and ros.outreach["offers"] == 0 and len(ros.ids) == 0
        if connect:  # one round at most: $200,000 of micro accounts needs more, with refusals replaced
            assert ros.outreach["out_of_time"]
            assert "after the campaign's" in ros.outreach["note"]


def test_refused_offers_go_to_the_next_ranked_account_until_the_recruitment_time_ends(world):
    """Acceptance luck makes the first k accounts refuse: the roster then holds the (k+1)-th of the ranked list."""
    from sim.campaign.luck import Luck
    from sim.campaign.outreach import rounds_in_time
    from sim.campaign.pricing import contact_cost, expected_account_cost
    from sim.campaign.ranking import rank

    sc, pop = world
    sc = _with(sc, {"macro": {"kind": "macro", "tier": "macro"}})
    st, n = sc.strategies["macro"], len(pop.pool)
    ranking = Luck.first_replicate(sc, n).ranking
    nobody = build_roster(pop, sc, "macro", luck=Luck(np.ones(n), ranking))  # a draw of 1 is never under p
    asked = [r["influencer"] for r in nobody.candidates]
    allowed = rounds_in_time(sc.campaign.days, sc.parameters.offer_response_days, sc.brand.connect_first_days, False)
    # every account refused: one offer a round, down the ranked list of affordable macro accounts, until time ends
    ranked = rank(pop, sc.parameters, sc, pop.pool.ids_of_tier("macro"), st.selection, ranking)
    affordable = ranked[expected_account_cost(pop, sc, st, ranked) + contact_cost(sc, st) <= sc.brand.budget]
    assert allowed == 9 and len(affordable) > allowed
    assert asked == affordable[:allowed].tolist() and nobody.outreach["rounds"] == allowed
    assert len(nobody.ids) == 0 and nobody.outreach["out_of_time"] and not nobody.outreach["filled"]
    assert nobody.staff_cost() == pytest.approx(allowed * contact_cost(sc, st))
    for k in (0, 1, 4, allowed - 1):
        draws = np.ones(n)
        draws[asked[k]] = 0.0  # the first k refuse, the next accepts
        ros = build_roster(pop, sc, "macro", luck=Luck(draws, ranking))
        assert ros.ids.tolist() == [asked[k]]
        assert [r["influencer"] for r in ros.candidates] == asked[:k + 1]
        assert ros.outreach["rounds"] == k + 1 and ros.outreach["filled"] and not ros.outreach["out_of_time"]
        assert ros.start_day.tolist() == [outreach_days(k + 1, sc.parameters.offer_response_days, 0.0, False)]
