"""The decision, stated: intervals that suit the metric, paired verdicts, money and warnings."""

import csv
import math
from types import SimpleNamespace

import numpy as np
import pytest

from sim.reports.terminal import summary_text
from sim.studies import compare
from sim.studies.replicate import ReplicateResult
from sim.studies.results import summarize, write_summary_csv


def _metrics(**kw) -> dict:
    m = {"roi": 0.0, "roi_ex_staff": 0.0, "roas": 1.0, "conversions": 100.0, "reach": 10_000.0,
         "engagements": 500.0, "spend": 10_000.0, "cost": 10_000.0, "staff_cost": 500.0, "budget": 50_000.0,
         "hired": 5.0, "cost_per_acquisition": 100.0, "revenue": 10_000.0}
    m.update(kw)
    m["unspent"] = m["budget"] - m["spend"]
    return m


def _run(strategy, replicate, filled=True, **kw) -> ReplicateResult:
    return ReplicateResult(strategy, replicate, _metrics(**kw), {}, [], {"filled": filled})


def _scenario(market="per_replicate"):
    return SimpleNamespace(name="test", run=SimpleNamespace(market=market))


def test_interval_of_a_skewed_count_never_goes_below_zero():
    rng = np.random.default_rng(1)
    for n in (2, 3, 5, 10, 30):
        for _ in range(20):
            x = np.where(rng.random(n) < 0.8, 0.0, rng.exponential(500.0, n))  # mostly zero, a few big
            iv = compare.metric_interval("conversions", x)
            assert iv.low >= 0 and iv.high >= iv.mean >= iv.low
    # the t-interval of the same data does go below zero: the old bug
    iv = compare.metric_interval("conversions", [0, 0, 0, 0, 0, 0, 0, 0, 0, 3000.0])
    assert iv.low == 0.0 and iv.mean == 300.0 and iv.high > 300.0


def test_interval_is_deterministic_and_covers_like_a_t_interval():
    x = np.random.default_rng(2).normal(10.0, 2.0, 30)
    a, b = compare.interval(x), compare.interval(x.copy())
    assert a == b
    assert a.low < x.mean() < a.high and 0.8 < (a.high - a.low) / (2 * 2.045 * x.std(ddof=1) / math.sqrt(30)) < 1.2


def test_coverage_of_the_mean_is_near_95_percent():
    rng = np.random.default_rng(3)
    hits = 0
    for k in range(300):
        x = rng.lognormal(0.0, 0.5, 12)  # skewed, true mean exp(0.125)
        iv = compare.interval(x, seed=k)
        hits += iv.low <= math.exp(0.125) <= iv.high
    assert 0.88 <= hits / 300 <= 0.99


def test_one_replicate_gives_no_interval_and_no_verdict():
    results = [_run("macro", 0, roi=0.1), _run("micro", 0, roi=0.5)]
    iv = compare.metric_interval("roi", [0.5])
    assert iv.n == 1 and math.isnan(iv.low) and math.isnan(iv.high) and not iv.has_interval
    (line,) = compare.verdict_lines(results, scenario=_scenario())
    assert "no verdict with 1 replicate" in line and "better" not in line and "worse" not in line
    c = compare.compare_pair(results, "micro", "macro", "roi")
    assert not c.resolved and c.better is None
    assert "no verdict with 1 replicate" in summary_text(_scenario(), results, 0.1)
    assert compare.interval([float("nan"), 2.0]).n == 1  # fewer than 2 finite values: no interval


def test_paired_better_verdict_with_markets_and_spend():
    luck = np.random.default_rng(4).normal(0.0, 0.5, 30)  # shared by both strategies: pairing removes it
    gain = np.random.default_rng(5).normal(0.4, 0.1, 30)
    results = ([_run("macro", i, roi=luck[i], spend=13_047.0) for i in range(30)]
               + [_run("micro", i, roi=luck[i] + gain[i], spend=49_775.0) for i in range(30)])
    (line,) = compare.verdict_lines(results, scenario=_scenario("per_replicate"))
    assert line.startswith("micro vs macro: ROI +0.")
    assert ", better in 100% of 30 markets; spend $49,775 vs $13,047" in line
    (line,) = compare.verdict_lines(results, scenario=_scenario("fixed"))
    assert "of 30 replicates" in line
    c = compare.compare_pair(results, "micro", "macro", "roi")
    assert c.resolved and c.better is True and c.diff.low > 0.3 and c.diff.high < 0.5


def test_worse_verdict_and_named_baseline():
    results = ([_run("a", i, roi=0.5 + 0.01 * i) for i in range(12)]
               + [_run("b", i, roi=0.1 + 0.012 * i) for i in range(12)])
    (line,) = compare.verdict_lines(results, baseline="b")
    assert line.startswith("a vs b: ROI +0.") and "better in 100% of 12 replicates" in line
    (line,) = compare.verdict_lines(results)
    assert line.startswith("b vs a: ROI -0.") and "worse in 100% of 12 replicates" in line
    with pytest.raises(ValueError, match="baseline"):
        compare.verdict_lines(results, baseline="c")


def test_interval_spanning_zero_is_not_resolved_run_more():
    rng = np.random.default_rng(6)
    d = rng.normal(0.0, 0.3, 10)
    results = [_run("macro", i, roi=0.2) for i in range(10)] + [_run("micro", i, roi=0.2 + d[i]) for i in range(10)]
    c = compare.compare_pair(results, "micro", "macro", "roi")
    assert c.diff.low < 0 < c.diff.high and not c.resolved
    (line,) = compare.verdict_lines(results)
    assert ": not resolved with 10 replicates: run more" in line and "spend $" in line
    assert "not supported" not in line and "better" not in line


def test_win_share_counts_wins_and_cost_metrics_win_lower():
    base = [1.0, 2.0, 3.0, 4.0, 5.0]
    other = [2.0, 1.0, 4.0, 4.0, 6.0]  # wins 3, loses 1, ties 1
    results = ([_run("a", i, roi=v, cost_per_acquisition=v) for i, v in enumerate(base)]
               + [_run("b", i, roi=v, cost_per_acquisition=v) for i, v in enumerate(other)])
    roi = compare.compare_pair(results, "b", "a", "roi")
    assert roi.win_share == pytest.approx(0.6) and roi.loss_share == pytest.approx(0.2) and roi.n == 5
    assert roi.diff.mean == pytest.approx(0.4)
    cpa = compare.compare_pair(results, "b", "a", "cost_per_acquisition")
    assert cpa.win_share == pytest.approx(0.2) and cpa.loss_share == pytest.approx(0.6)


def test_pairs_are_matched_by_replicate_and_nan_dropped():
    results = [_run("a", 0, roi=1.0), _run("a", 1, roi=2.0), _run("a", 2, roi=float("nan")),
               _run("b", 2, roi=9.0), _run("b", 1, roi=2.5), _run("b", 0, roi=1.5)]
    c = compare.compare_pair(results, "b", "a", "roi")
    assert c.n == 2 and c.diff.mean == pytest.approx(0.5) and c.win_share == 1.0


def test_warnings_nobody_hired_over_budget_ran_out_and_different_spend():
    results = ([_run("macro", i, hired=0.0 if i == 1 else 1.0, spend=50.0 if i == 1 else 13_000.0) for i in range(4)]
               + [_run("custom", i, spend=60_000.0, budget=50_000.0) for i in range(4)]
               + [_run("micro", i, filled=(i != 2), spend=49_000.0) for i in range(4)])
    w = compare.warnings_for(results)
    text = "\n".join(w)
    assert "macro hires nobody in 1 of 4 replicates" in text
    assert "custom spends more than its budget in 4 of 4 replicates (up to $60,000 of $50,000)" in text
    assert "micro runs out of candidates in 1 of 4 replicates" in text
    assert "compared at different spend: custom spends $60,000" in text
    assert "set equal spend to compare like with like" in text
    assert not any("macro spends more" in x or "custom hires nobody" in x for x in w)
    table = {r["strategy"]: r for r in compare.spend_table(results)}
    assert table["macro"]["no_hire_replicates"] == 1 and table["micro"]["ran_out_replicates"] == 1
    assert table["custom"]["unspent"] == -10_000.0
    assert compare.warnings_for([_run("a", 0), _run("b", 0)]) == []  # same spend, all fine


def test_summary_csv_has_the_money_columns(tmp_path):
    results = ([_run("macro", i, roi=0.1 * i, roas=1.5, hired=float(i % 2)) for i in range(4)]
               + [_run("micro", i, roi=0.2 * i, roas=1.2, spend=49_000.0) for i in range(4)])
    write_summary_csv(summarize(results), tmp_path / "summary.csv")
    with open(tmp_path / "summary.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["strategy", "metric", "mean", "ci_low", "ci_high", "n"]
    got = {(r["strategy"], r["metric"]): r for r in rows}
    for s in ("macro", "micro"):
        for m in ("roi", "roas", "spend", "unspent", "staff_cost", "hired", "no_hire_replicates"):
            assert (s, m) in got, (s, m)
    assert float(got[("macro", "no_hire_replicates")]["mean"]) == 2.0
    assert float(got[("micro", "spend")]["mean"]) == 49_000.0
    assert float(got[("micro", "roi_diff")]["mean"]) == pytest.approx(0.15)
    assert ("macro", "roi_diff") not in got  # the baseline is not compared with itself
    assert float(got[("macro", "conversions")]["ci_low"]) >= 0


def test_terminal_opens_with_verdicts_then_money_then_warnings_then_kpis():
    results = ([_run("macro", i, roi=0.1 * i, spend=13_047.0) for i in range(5)]
               + [_run("micro", i, roi=0.1 * i + 0.3, spend=49_775.0, conversion_rate=0.0123) for i in range(5)])
    text = summary_text(_scenario("per_replicate"), results, 1.0)
    i_dec, i_money = text.index("micro vs macro: ROI"), text.index("Money per strategy")
    i_warn, i_kpi = text.index("Warnings"), text.index("Key figures")
    assert i_dec < i_money < i_warn < i_kpi
    assert "$49,775" in text and "$13,047" in text and "1.23%" in text and "roi" in text


def test_influsim_run_opens_with_the_decision_in_terminal_and_report(tmp_path, capsys):
    from sim.cli import main

    f = tmp_path / "small.toml"
    f.write_text("[population]\nsize = 3000\nrepresents = 500\n[campaign]\ndays = 4\n[run]\nreplicates = 3\n")
    assert main(["run", str(f), "--out", str(tmp_path / "o"), "--no-progress", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert lines[2].startswith("Decision") and lines[3].startswith("  micro_equal_budget vs macro: ROI ")
    assert "spend $" in lines[3] and out.index("Money per strategy") < out.index("Warnings") < out.index("Key figures")
    page = (tmp_path / "o" / "report.html").read_text()
    first_chart = page.index("Plotly.newPlot")
    assert page.index("micro_equal_budget vs macro: ROI") < page.index("<h2>Money") < page.index("<h2>Warnings")
    assert page.index("<h2>Warnings") < first_chart and "Paired difference against macro" in page
    assert "<script src=" not in page
    with open(tmp_path / "o" / "summary.csv") as fh:
        metrics = {(r["strategy"], r["metric"]) for r in csv.DictReader(fh)}
    for m in ("roi", "roas", "spend", "unspent", "staff_cost", "hired", "no_hire_replicates"):
        assert ("macro", m) in metrics and ("micro_equal_budget", m) in metrics
