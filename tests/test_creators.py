"""Which creators, across replicates (sim/studies/creators.py): per-account figures and marginal value."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np
import pytest

from sim.cli import creators_changes, main
from sim.scenario import default_scenario, load_scenario, with_fields
from sim.studies import creators as C
from sim.studies.runs import run_scenario

ROOT = Path(__file__).resolve().parents[1]
SMALL = {"population.size": 3000, "population.represents": 500, "campaign.days": 4, "run.replicates": 2,
         "parameters.offer_response_days": 0}


@pytest.fixture(scope="module")
def small():
    sc = with_fields(default_scenario(), SMALL)
    results = run_scenario(sc)
    return sc, results, C.account_records(sc, marginal_top=None)


@pytest.fixture(scope="module")
def shortlist():
    sc = load_scenario(ROOT / "scenarios" / "shortlist.toml")
    sc = with_fields(sc, {**creators_changes(str(ROOT / "scenarios" / "shortlist_example.csv"), False),
                          "run.replicates": 2, "population.size": 20000, "population.represents": 100})
    return sc, run_scenario(sc)


def test_traced_rerun_is_the_run(small):
    """The traced re-runs give every hired account the buyers and engagements the run itself recorded."""
    sc, results, records = small
    for r in results:
        mine = sorted((x["influencer"], x["buyers"], x["engagements"]) for x in records
                      if x["strategy"] == r.strategy and x["replicate"] == r.replicate and x["hired"])
        theirs = sorted((x["influencer"], float(x["conversions"]), float(x["engagements"])) for x in r.influencers)
        assert mine == theirs and mine


def test_unique_reach_within_reach(small):
    sc, results, records = small
    hired = [x for x in records if x["hired"]]
    assert all(0 <= x["unique_reach"] <= x["reach"] for x in hired)
    for r in results:  # accounts' unique reaches are disjoint: their sum cannot exceed the campaign's reach
        uniq = sum(x["unique_reach"] for x in hired if x["strategy"] == r.strategy and x["replicate"] == r.replicate)
        assert uniq <= r.metrics["reach"] + 1e-9
    micro = [x for x in hired if x["strategy"] == "micro_equal_budget"]
    assert any(x["unique_reach"] < x["reach"] for x in micro)  # some audiences overlap


def test_marginal_value_of_a_lone_account(small):
    """Without the only account of a roster nothing is sold and only the staff time of the offers is spent: its
    marginal profit is the campaign's profit plus that staff time."""
    sc, results, records = small
    for r in (r for r in results if r.strategy == "macro" and r.metrics["hired"] == 1):
        (x,) = [x for x in records if x["strategy"] == "macro" and x["replicate"] == r.replicate and x["hired"]]
        profit = C.campaign_profit(r.metrics)
        offers_staff = r.metrics["staff_cost"] - sc.brand.management_hours * sc.brand.hourly_rate
        assert x["marginal_profit"] == pytest.approx(profit + offers_staff, rel=1e-9, abs=1e-6)


def test_marginal_top_limits_reruns(small):
    sc, _, _ = small
    none = C.account_records(sc, marginal_top=0)
    assert all(math.isnan(x["marginal_profit"]) for x in none if x["hired"])
    one = C.account_records(sc, marginal_top=1)
    per = {}
    for x in one:
        if x["hired"] and math.isfinite(x["marginal_profit"]):
            per[(x["strategy"], x["replicate"])] = per.get((x["strategy"], x["replicate"]), 0) + 1
    assert per and set(per.values()) == {1}
    # the one re-run is the account of largest profit contribution in that roster
    for (s, r), _ in per.items():
        rows = [x for x in one if x["strategy"] == s and x["replicate"] == r and x["hired"]]
        best = max(rows, key=lambda x: x["profit_contribution"])
        assert math.isfinite(best["marginal_profit"])


def test_rows_sorted_by_marginal_per_dollar(small):
    sc, _, records = small
    rows = C.summarize_accounts(records, sc.run.replicates)
    per = [r["marginal_per_dollar"] for r in rows if math.isfinite(r["marginal_per_dollar"])]
    assert per == sorted(per, reverse=True) and len(per) > 2
    assert all(0 < r["share_hired"] <= 1 for r in rows)  # no shortlist: only accounts some replicate hired


def test_shortlist_every_account_hired_or_not(shortlist):
    sc, results = shortlist
    rows = C.creator_rows(sc, results, marginal_top=2)
    handles = [line.split(",")[0] for line in (ROOT / "scenarios" / "shortlist_example.csv").read_text().splitlines()
               if line.startswith("@")]
    for s in sc.strategies:
        mine = [r for r in rows if r["strategy"] == s]
        assert sorted(r["account"] for r in mine) == sorted(handles)
        never = [r for r in mine if r["replicates_hired"] == 0]
        assert never and all(r["fee_mean"] > 0 and 0 <= r["p_accept_mean"] <= 1 for r in never)
        assert all(math.isnan(r["buyers_mean"]) for r in never)
    hand = [r for r in rows if r["strategy"] == "hand_picked" and r["replicates_hired"]]
    assert {r["account"] for r in hand} == set(sc.strategies["hand_picked"].handles)
    assert {r["fee_source"] for r in rows} <= {"from the CSV", "estimated"}


def test_fee_terms_say_what_the_fee_buys():
    sc = default_scenario()
    assert C.fee_terms(sc, "macro") == f"3 posts, package -{sc.parameters.package_discount:.0%}"
    gifted = with_fields(sc, {"strategies.macro.payment": "product"}) if "payment" in type(
        sc.strategies["macro"]).model_fields else sc
    if gifted is not sc:
        assert "product" in C.fee_terms(gifted, "macro") or "views" in C.fee_terms(gifted, "macro")


def test_run_writes_creators_csv_and_terminal_table(tmp_path, capsys):
    out = tmp_path / "run"
    code = main(["run", str(ROOT / "scenarios" / "shortlist.toml"), "--creators",
                 str(ROOT / "scenarios" / "shortlist_example.csv"), "--replicates", "2", "--workers", "1",
                 "--no-progress", "--marginal-top", "2", "--set", "population.size=20000",
                 "--set", "population.represents=100", "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 0
    rows = list(csv.DictReader((out / "creators.csv").open()))
    n_accounts = sum(1 for line in (ROOT / "scenarios" / "shortlist_example.csv").read_text().splitlines()
                     if line.startswith("@"))
    assert len(rows) == 3 * n_accounts and len({r["account"] for r in rows}) == n_accounts
    assert {"share_hired", "fee_terms", "p_accept_mean", "unique_reach_low", "marginal_profit_high"} <= set(rows[0])
    assert text.index("Decision") < text.index("Top creators") < text.index("Money per strategy")
    page = (out / "report.html").read_text()
    assert "Which creators" in page and page.index("Which creators") < page.index("Rosters")
