"""How much to spend (sim/studies/frontier.py, ``influsim frontier``)."""

from __future__ import annotations

from sim.reports.terminal import frontier_text
import csv
import math

import pytest

from sim.cli import main
from sim.errors import ScenarioError
from sim.scenario import default_scenario, with_fields
from sim.studies import frontier as F
from sim.studies.runs import run_scenario

SMALL = {"population.size": 3000, "population.represents": 500, "campaign.days": 4, "run.replicates": 2,
         "parameters.offer_response_days": 0}


def test_parse_budgets():
    assert F.parse_budgets("50k, 10k,$25k,1.5M,10000") == [10_000.0, 25_000.0, 50_000.0, 1_500_000.0]
    for bad in ("", "ten", "10k,,20k", "-5k", "50"):
        with pytest.raises(ScenarioError, match="--budgets"):
            F.parse_budgets(bad)


@pytest.fixture(scope="module")
def small_frontier():
    sc = with_fields(default_scenario(), SMALL)
    return sc, F.run_frontier(sc, [20_000.0, 60_000.0])


def test_each_budget_is_the_plain_run_on_the_same_seeds(small_frontier):
    sc, fr = small_frontier
    plain = run_scenario(with_fields(sc, {"brand.budget": 60_000.0}))
    key = lambda rs: sorted((r.strategy, r.replicate, r.metrics["roi"], r.metrics["spend"]) for r in rs)  # noqa: E731
    assert key(fr["runs"][60_000.0]) == key(plain)


def test_rows_intervals_best_and_steps(small_frontier):
    sc, fr = small_frontier
    rows = F.frontier_rows(fr)
    assert {(r["strategy"], r["budget"]) for r in rows} == {(s, b) for s in sc.strategies for b in (20_000.0, 60_000.0)}
    for r in rows:
        assert r["replicates"] == 2 and r["profit_low"] <= r["profit_mean"] <= r["profit_high"]
        expected = [F.profit_of(x.metrics) for x in fr["runs"][r["budget"]] if x.strategy == r["strategy"]]
        assert r["profit_mean"] == pytest.approx(sum(expected) / len(expected))
    first = [r for r in rows if r["budget"] == 20_000.0]
    assert all(math.isnan(r["step_profit_per_dollar_mean"]) for r in first)
    best = F.best_budgets(rows)
    for s, b in best.items():
        assert b["profit_mean"] == max(r["profit_mean"] for r in rows if r["strategy"] == s)
    text = "\n".join(frontier_text(rows))
    assert "expected profit is highest at a budget of" in text


def test_unstaffed_budget_is_a_row_not_an_abort():
    sc = with_fields(default_scenario(), {**SMALL, "run.replicates": 1})
    fr = F.run_frontier(sc, [500.0, 60_000.0])
    rows = F.frontier_rows(fr)
    low = [r for r in rows if r["budget"] == 500.0]
    assert any(r["returns"].startswith("cannot be staffed") for r in low)
    assert all(math.isfinite(r["profit_mean"]) for r in rows if r["budget"] == 60_000.0)


def test_where_returns_fall_flags():
    def row(budget, spend, buyers, reach, followers, profit):
        return {"budget": budget, "spend_mean": spend, "ran_out_replicates": 0, "replicates": 2,
                "absorbed": spend / budget, "reach_mean": reach, "followers_mean": followers,
                "step_buyers_per_dollar": math.nan}
    vals = lambda spend, buyers, profit: {"spend": {0: spend, 1: spend}, "conversions": {0: buyers, 1: buyers},  # noqa: E731
                                          "profit": {0: profit, 1: profit + 10}}
    a = row(10_000, 9_800, 100, 50_000, 100_000, 0)
    a.update(F._step(None, vals(9_800, 100, 0), a))
    b = row(20_000, 19_500, 200, 90_000, 200_000, 0)
    b.update(F._step((vals(9_800, 100, 0), a), vals(19_500, 200, 500), b))
    assert b["returns"] == "" and b["step_buyers_per_dollar"] == pytest.approx(100 / 9_700)
    c = row(40_000, 29_000, 210, 95_000, 400_000, 0)  # half the budget spent, few more buyers, overlapping reach
    c.update(F._step((vals(19_500, 200, 500), b), vals(29_000, 210, 400), c))
    assert "budget not used" in c["returns"] and "saturation" in c["returns"] and "overlap" in c["returns"]


def test_cli_frontier(tmp_path, capsys):
    out = tmp_path / "front"
    args = ["frontier", "--budgets", "20k,60k", "--workers", "1", "--no-progress", "--out", str(out)]
    for k, v in SMALL.items():
        args += ["--set", f"{k}={v}"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "Profit against budget" in text and "highest at a budget of" in text
    rows = list(csv.DictReader((out / "frontier.csv").open()))
    assert len(rows) == 4 and {"profit_mean", "profit_low", "roi_high", "returns"} <= set(rows[0])
    page = (out / "frontier.html").read_text()
    assert "How much to spend" in page and "plotly" in page


def test_cli_frontier_bad_budgets(tmp_path, capsys):
    out = tmp_path / "front"
    assert main(["frontier", "--budgets", "lots", "--out", str(out)]) == 2
    assert "--budgets" in capsys.readouterr().err and not out.exists()
