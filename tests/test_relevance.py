"""The plan a strategist can act on: recruiting before posting, the brand-fit floor, equal spend, ran-out truth."""

import numpy as np
import pytest

from sim.campaign.hiring import build_roster, fitting
from sim.campaign.luck import Luck
from sim.campaign.outreach import posting_day, rounds_in_time
from sim.campaign.ranking import pool_fit
from sim.scenario import default_scenario, resolve, with_fields
from sim.studies import caveats
from sim.studies import compare
from sim.world import build_population


@pytest.fixture(scope="module")
def world():
    sc = with_fields(default_scenario(), {"population.size": 4000, "population.represents": 500})
    return sc, build_population(sc, use_cache=False)


def _with(sc, strategies, **changes):
    sc = resolve({**sc.model_dump(), "strategies": strategies})
    return with_fields(sc, changes) if changes else sc


def test_no_strategy_offers_to_an_account_below_the_brand_fit_floor(world):
    sc, pop = world
    fit = pool_fit(pop, sc)
    s = _with(sc, {"micro": {"kind": "micro_equal_budget"}, "rand": {"kind": "micro_equal_budget", "selection": "random"},
                   "eng": {"kind": "micro_equal_budget", "selection": "engagement_rate"},
                   "macro": {"kind": "macro"}, "mixed": {"kind": "mixed", "tier": "mid"},
                   "swarm": {"kind": "nano_swarm"}, "tiers": {"kind": "custom", "tiers": {"micro": 5}}})
    for seed in range(4):
        run = with_fields(s, {"run.seed": seed})
        for name in s.strategies:
            ros = build_roster(pop, run, name)
            offered = [r["influencer"] for r in ros.candidates]
            assert np.all(fit[offered] >= s.selection.min_brand_fit), name
    # without the floor the random ranking does offer to accounts outside the niche: the floor is what stops it
    loose = with_fields(s, {"selection.min_brand_fit": 0.0})
    offered = [r["influencer"] for r in build_roster(pop, loose, "rand").candidates]
    assert np.any(fit[offered] < s.selection.min_brand_fit)


def test_the_default_floor_separates_the_products_niche_from_the_others(world):
    sc, pop = world
    niche = sc.population.niches.index(sc.product.niche)
    ids = np.arange(len(pop.pool))
    kept = set(fitting(pop, sc, ids).tolist())
    assert kept == set(ids[pop.pool.niche == niche].tolist())


def test_too_few_fitting_accounts_warns_with_how_many_were_found(world):
    sc, pop = world
    s = _with(sc, {"micro": {"kind": "micro_equal_budget", "equal_spend": False}}, **{"brand.budget": 500_000.0})
    ros = build_roster(pop, s, "micro")
    o = ros.outreach
    fits = o["fitting"][0]
    assert o["ran_out"] and not o["filled"] and o["left"] > 100_000
    assert fits["tier"] == "micro" and 0 < fits["fitting"] < fits["accounts"] == len(pop.pool.ids_of_tier("micro"))
    assert f"found {fits['fitting']} of {fits['accounts']} micro accounts" in o["note"]
    assert f"${o['left']:,.0f} of $500,000 left" in o["note"]
    w = caveats.warnings_for([_run("micro", 0, o, spend=500_000.0 - o["left"])])
    assert any("runs out of candidates in 1 of 1 replicate with $" in x and "selection.min_brand_fit" in x
               and "influencers.counts.micro" in x for x in w)


def test_a_market_without_a_fitting_big_account_hires_nobody_and_says_so(world):
    sc, pop = world
    # a product niche no macro account of this pool is in (a pool of three macro accounts: some niche has none)
    sc = with_fields(sc, {"influencers.counts.macro": 3})
    pop = build_population(sc, use_cache=False)
    macro = pop.pool.ids_of_tier("macro")
    niche = next(n for n in sc.population.niches if sc.population.niches.index(n) not in set(pop.pool.niche[macro]))
    s = _with(sc, {"macro": {"kind": "macro"}}, **{"product.niche": niche})
    ros = build_roster(pop, s, "macro")
    assert len(ros.ids) == 0 and ros.outreach["offers"] == 0
    assert f"no macro account in the {niche} niche or a niche near it" in ros.outreach["note"]
    w = caveats.warnings_for([_run("macro", 0, ros.outreach, spend=0.0, hired=0.0)])
    assert any("hires nobody" in x and "market has no macro account with brand fit >= 0.50" in x for x in w)


def test_recruiting_before_the_campaign_lets_early_hires_post_from_day_0(world):
    sc, pop = world
    s = _with(sc, {"micro": {"kind": "micro_equal_budget", "selection": "random"}},
              **{"selection.min_brand_fit": 0.0, "brand.budget": 200_000.0, "campaign.days": 8})
    before = build_roster(pop, s, "micro")
    during = build_roster(pop, with_fields(s, {"campaign.recruitment_days": 0.0}), "micro")
    p = s.parameters.offer_response_days
    window = rounds_in_time(s.campaign.days, p, s.brand.connect_first_days, False, s.campaign.recruitment_days)
    assert before.outreach["rounds"] > during.outreach["rounds"]  # more rounds: the window adds time
    assert before.outreach["rounds"] <= window
    # answers within the window post from the first day, later ones from the day they came
    rounds = np.array([r["round"] for r in before.candidates if r["accepted"]])
    assert before.start_day.tolist() == [posting_day(int(r), p, 0.0, False, s.campaign.recruitment_days)
                                         for r in rounds]
    assert np.all(before.start_day[rounds * p <= s.campaign.recruitment_days] == 0)
    assert np.all(np.ceil(before.start_day) < s.campaign.days)
    assert np.all(during.start_day > 0)


def test_the_default_plan_needs_no_more_time_than_the_window(world):
    sc, pop = world
    for seed in range(5):
        s = with_fields(sc, {"run.seed": seed})
        for name in s.strategies:
            ros = build_roster(pop, s, name, luck=Luck.draw(np.random.SeedSequence(seed), len(pop.pool)))
            assert not ros.outreach["out_of_time"], name
            assert np.all(ros.start_day == 0), name


def test_macro_spends_its_budget_and_its_roster_moves_with_it(world):
    sc, pop = world
    s = _with(sc, {"macro": {"kind": "macro", "outreach": False}}, **{"selection.min_brand_fit": 0.0})
    costs, posts = [], []
    for budget in (20_000.0, 50_000.0, 120_000.0):
        ros = build_roster(pop, with_fields(s, {"brand.budget": budget}), "macro")
        assert len(ros.ids) == 1 and ros.expected_cost() <= budget * (1 + 1e-9)
        costs.append(ros.expected_cost())
        posts.append(int(ros.posts[0]))
    assert costs[0] < costs[1] < costs[2] and posts[0] < posts[1] < posts[2]
    assert posts[2] <= s.campaign.days  # at most one post a campaign day
    plain = build_roster(pop, with_fields(s, {"strategies.macro.equal_spend": False}), "macro")
    assert plain.posts.tolist() == [s.campaign.posts_per_influencer]


def test_micro_equal_budget_spends_what_its_short_list_leaves_on_more_posts(world):
    sc, pop = world
    s = _with(sc, {"micro": {"kind": "micro_equal_budget"}})
    ros = build_roster(pop, s, "micro")
    o = ros.outreach
    assert o["ran_out"] and o["extra_posts"] > 0
    assert s.brand.budget * 0.95 <= ros.expected_cost() <= s.brand.budget * (1 + 1e-9)
    # the plan's posts at least, and no account could take one more post within the money left
    from sim.campaign.hiring import max_posts
    from sim.campaign.pricing import expected_account_cost
    st = s.strategies["micro"]
    assert ros.posts.min() >= s.campaign.posts_per_influencer
    base = expected_account_cost(pop, s, st, ros.ids)
    step = expected_account_cost(pop, s, st.model_copy(update={"posts": s.campaign.posts_per_influencer + 1}),
                                 ros.ids) - base
    room = ros.posts < max_posts(s, st)
    assert not np.any(step[room] <= s.brand.budget - ros.expected_cost() - 1e-6)
    assert "the rest bought more posts" in o["note"]
    # what each account costs is its own package
    from sim.campaign.pricing import account_costs
    assert np.allclose(ros.fixed_cost, account_costs(pop, s, s.strategies["micro"], ros.ids, posts=ros.posts)[0])


def test_a_ranked_list_that_runs_out_with_money_left_is_not_counted_as_filled(world):
    """The bug of issue 19: any hire counted as filled; now a list that runs out with budget left says so."""
    sc, pop = world
    s = _with(sc, {"micro": {"kind": "micro_equal_budget", "equal_spend": False}},
              **{"selection.min_brand_fit": 0.0, "brand.budget": 2_000_000.0})
    ros = build_roster(pop, s, "micro")
    assert len(ros.ids) > 0 and not ros.outreach["filled"] and ros.outreach["ran_out"]
    small = build_roster(pop, with_fields(s, {"brand.budget": 5_000.0}), "micro")
    assert small.outreach["filled"] and not small.outreach["ran_out"]  # the money was spent, the list was not


def _run(strategy, i, outreach, spend, hired=1.0, budget=None):
    from types import SimpleNamespace

    budget = outreach.get("budget") if budget is None else budget
    return SimpleNamespace(strategy=strategy, replicate=i, outreach=outreach,
                           metrics={"spend": spend, "hired": hired, "budget": budget or float("nan"), "roi": 0.0})


def test_every_spend_warning_names_the_field_that_changes_it():
    base = {"filled": True, "kind": "macro", "equal_spend": False, "budget": 50_000.0}
    micro = {"filled": True, "kind": "micro_equal_budget", "equal_spend": True, "budget": 50_000.0}
    runs = [_run("macro", i, base, 12_000.0) for i in range(3)] + [_run("micro", i, micro, 49_500.0) for i in range(3)]
    w = [x for x in caveats.warnings_for(runs) if x.startswith("compared at different spend")]
    assert len(w) == 1 and "strategies.macro.equal_spend = true" in w[0]
    short = {**micro, "filled": False, "ran_out": True, "left": 30_000.0,
             "fitting": [{"tier": "micro", "accounts": 200, "fitting": 10, "hired": 6}]}
    even = {**base, "equal_spend": True}
    runs = [_run("macro", i, even, 49_000.0) for i in range(3)] + [_run("micro", i, short, 20_000.0) for i in range(3)]
    w = caveats.warnings_for(runs)
    assert any("the pool cannot absorb the budget" in x and "influencers.counts.micro" in x for x in w)
    # within 5%: no warning
    runs = [_run("macro", i, even, 48_000.0) for i in range(3)] + [_run("micro", i, micro, 49_900.0) for i in range(3)]
    assert not any(x.startswith("compared at different spend") for x in caveats.warnings_for(runs))
    late = {**micro, "filled": False, "out_of_time": True}
    w = caveats.warnings_for([_run("micro", 0, late, 40_000.0)])
    assert any("runs out of time for outreach" in x and "campaign.recruitment_days" in x for x in w)


def test_a_shortlist_only_pool_that_runs_out_says_to_list_more_accounts_not_to_add_generated_ones():
    """--creators-only: the pool is the shortlist, so influencers.counts changes nothing."""
    o = {"filled": False, "ran_out": True, "left": 60.0, "min_brand_fit": 0.5, "shortlist_only": True,
         "fitting": [{"tier": "micro", "accounts": 20, "fitting": 13, "hired": 8}]}
    (w,) = caveats.warnings_for([_run("micro", 0, o, spend=40.0)])
    assert "list more accounts in the shortlist (influencers.shortlist" in w and "influencers.counts" not in w
    (w,) = caveats.warnings_for([_run("micro", 0, {**o, "shortlist_only": False}, spend=40.0)])
    assert "add accounts (influencers.counts.micro)" in w
