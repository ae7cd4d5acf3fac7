"""The decision, stated: intervals that suit the metric, paired verdicts, money and warnings."""

import csv
import math
import re
from types import SimpleNamespace

import numpy as np
import pytest

from sim.reports.terminal import summary_text
from sim.studies import caveats, compare
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
    assert line.startswith("micro vs macro: ROI on gross profit +") and " pp [" in line
    assert ", better in 100% of 30 markets; spend $49,775 vs $13,047" in line
    (line,) = compare.verdict_lines(results, scenario=_scenario("fixed"))
    assert "of 30 replicates" in line
    c = compare.compare_pair(results, "micro", "macro", "roi")
    assert c.resolved and c.better is True and c.diff.low > 0.3 and c.diff.high < 0.5


def test_worse_verdict_and_named_baseline():
    results = ([_run("a", i, roi=0.5 + 0.01 * i) for i in range(12)]
               + [_run("b", i, roi=0.1 + 0.012 * i) for i in range(12)])
    (line,) = compare.verdict_lines(results, baseline="b")
    assert line.startswith("a vs b: ROI on gross profit +") and " pp [" in line and "better in 100% of 12 replicates" in line
    (line,) = compare.verdict_lines(results)
    assert line.startswith("b vs a: ROI on gross profit -") and " pp [" in line and "worse in 100% of 12 replicates" in line
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
    w = caveats.warnings_for(results)
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
    assert caveats.warnings_for([_run("a", 0), _run("b", 0)]) == []  # same spend, all fine


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
    # paired over replicates 1 and 3, where macro hired someone: (0.2 - 0.1 + 0.6 - 0.3) / 2
    assert float(got[("micro", "roi_diff")]["mean"]) == pytest.approx(0.2)
    assert ("macro", "roi_diff") not in got  # the baseline is not compared with itself
    assert float(got[("macro", "conversions")]["ci_low"]) >= 0


def test_terminal_opens_with_verdicts_then_money_then_warnings_then_kpis():
    results = ([_run("macro", i, roi=0.1 * i, spend=13_047.0) for i in range(5)]
               + [_run("micro", i, roi=0.1 * i + 0.3, spend=49_775.0, conversion_rate=0.0123) for i in range(5)])
    text = summary_text(_scenario("per_replicate"), results, 1.0)
    i_dec, i_money = text.index("micro vs macro: ROI"), text.index("Money per strategy")
    i_warn, i_kpi = text.index("Warnings"), text.index("Key figures")
    assert i_dec < i_money < i_warn < i_kpi
    assert "$49,775" in text and "$13,047" in text and "1.23%" in text and "ROI on gross profit" in text


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


# --- bounded quantities (issue 17): intervals never leave the range the quantity can take --------------

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hst

from sim.studies.results import mean_ci


def _held(strategy, replicate, spend, budget=30_000.0, hired=20.0, kind="micro_equal_budget", payment="per_post"):
    return ReplicateResult(strategy, replicate, _metrics(spend=spend, budget=budget, hired=hired), {},
                           [], {"filled": True, "kind": kind, "payment": payment, "budget": budget})


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(n=hst.integers(2, 40), scale=hst.floats(1e-4, 0.5), seed=hst.integers(0, 2**32 - 1),
       metric=hst.sampled_from(["spend", "roi", "no_hire", "conversions"]))
def test_a_bounded_metrics_interval_never_leaves_its_bound(n, scale, seed, metric):
    """Samples crowding a bound (spend just under the budget, ROI near -1, shares near 0 or 1, counts near 0)."""
    budget = 30_000.0
    low, high = compare.metric_bounds(metric, budget)
    rng = np.random.default_rng(seed)
    gap = rng.exponential(scale, n)  # distance from the bound, in units of the bound's scale
    if metric == "spend":
        x = budget * (1.0 - np.minimum(gap, 1.0))
    elif metric == "no_hire":
        x = np.where(rng.random(n) < 0.5, np.minimum(gap, 1.0), 1.0 - np.minimum(gap, 1.0))
    else:
        x = low + gap * (1.0 if metric == "roi" else 1_000.0)
    iv = compare.metric_interval(metric, x, budget=budget)
    assert low <= iv.low <= iv.mean <= iv.high <= high
    m, lo, hi, _ = mean_ci(x, bounds=(low, high))
    assert low <= lo <= m <= hi <= high


def test_an_interval_is_the_unbounded_one_within_the_bound():
    x = [28_000.0, 29_900.0, 27_200.0]
    free, held = compare.interval(x), compare.interval(x, bounds=(0.0, 30_000.0))
    assert free.high > 30_000.0  # the t-widening of three replicates reaches past the budget: the issue
    assert held.high == 30_000.0 and held.low == free.low and held.mean == free.mean
    far = np.random.default_rng(7).normal(10_000.0, 500.0, 30)  # far from the bound: nothing changes
    assert compare.interval(far, bounds=(0.0, 30_000.0)) == compare.interval(far)
    # a bound the data break was not hard for them: it moves out to the data, the mean stays inside
    broken = compare.interval([29_000.0, 31_000.0, 30_500.0], bounds=(0.0, 30_000.0))
    assert broken.low <= broken.mean <= broken.high and broken.high >= 31_000.0


def test_spend_is_bounded_by_the_budget_only_where_outreach_holds_it():
    spends = [28_000.0, 29_900.0, 27_200.0]
    for kind, payment, bounded in (("micro_equal_budget", "per_post", True), ("macro", "product", True),
                                   ("micro_equal_budget", "cpm", False), ("custom", "per_post", False),
                                   ("micro_equal_following", "per_post", False)):
        results = [_held("s", i, v, kind=kind, payment=payment) for i, v in enumerate(spends)]
        iv = compare.strategy_interval(results, "s", "spend")
        assert (iv.high == 30_000.0) if bounded else (iv.high > 30_000.0), (kind, payment)
        assert compare.spend_table(results)[0]["spend_high"] == iv.high
    matched = [_held("s", i, v, budget=b) for i, (v, b) in enumerate(zip(spends, (30_000.0, 31_000.0, 29_950.0)))]
    assert compare.budget_bound(matched) == 31_000.0  # matched per replicate: the mean is never above the largest
    free = [_held("s", i, v, budget=b, kind="custom") for i, (v, b) in enumerate(zip(spends, (30_000.0,) * 3))]
    assert compare.budget_bound(free) == math.inf  # one run not held to its budget: no bound


def test_the_issues_spend_interval_stays_under_the_budget_in_summary_and_terminal(tmp_path, capsys):
    """Issue 17, point 8: three replicates at brand.budget = 30000; Student-t reached $37,363 for spend."""
    from scipy import stats

    from sim.cli import main

    f = tmp_path / "small.toml"
    f.write_text("[population]\nsize = 3000\nrepresents = 500\n[campaign]\ndays = 10\n")
    assert main(["run", str(f), "--set", "brand.budget=30000", "--replicates", "3", "--seed", "1",
                 "--out", str(tmp_path / "o"), "--no-progress", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    with open(tmp_path / "o" / "runs.csv") as fh:
        spend = np.array([float(r["spend"]) for r in csv.DictReader(fh) if r["strategy"] == "micro_equal_budget"])
    t_high = spend.mean() + stats.t.ppf(0.975, 2) * spend.std(ddof=1) / math.sqrt(3)
    assert spend.max() <= 30_000.0 < t_high  # the case of the issue: a t-interval past the budget
    with open(tmp_path / "o" / "summary.csv") as fh:
        got = {(r["strategy"], r["metric"]): r for r in csv.DictReader(fh)}
    for s in ("macro", "micro_equal_budget"):
        assert float(got[(s, "spend")]["ci_high"]) <= 30_000.0 and float(got[(s, "cost")]["ci_high"]) <= 30_000.0
        assert float(got[(s, "roi")]["ci_low"]) >= -1.0
    key_figures = out[out.index("Key figures"):out.index("Paired differences")]
    (line,) = [x for x in key_figures.splitlines() if x.strip().startswith("spend, staff time included  ")]
    highs = [float(v.replace(",", "")) for v in re.findall(r", \$([\d,]+)\]", line)]
    assert len(highs) == 2 and max(highs) <= 30_000.0


# --- replicates that hired nobody (issue 17): their own outcome, outside the means ---------------------------

def test_replicates_that_hired_nobody_are_counted_apart_from_the_means_and_pairs():
    roi_macro = [0.2, -1.0, 0.4, 0.3, -1.0, 0.1]
    hired_macro = [1.0, 0.0, 1.0, 1.0, 0.0, 1.0]
    roi_micro = [0.5, 0.6, -1.0, 0.4, 0.7, 0.2]
    hired_micro = [9.0, 8.0, 0.0, 9.0, 7.0, 8.0]
    results = ([_run("macro", i, roi=r, hired=h, spend=112.5 if h == 0 else 13_000.0)
                for i, (r, h) in enumerate(zip(roi_macro, hired_macro))]
               + [_run("micro", i, roi=r, hired=h) for i, (r, h) in enumerate(zip(roi_micro, hired_micro))])
    iv = compare.strategy_interval(results, "macro", "roi")
    assert iv.n == 4 and iv.mean == pytest.approx(0.25)  # not (0.2 - 1 + 0.4 + 0.3 - 1 + 0.1) / 6
    nobody = compare.no_hire(results, "macro")
    assert nobody.mean == pytest.approx(2 / 6) and nobody.n == 6 and 0.0 < nobody.low < 1 / 3 < nobody.high < 1.0
    c = compare.compare_pair(results, "micro", "macro", "roi")  # replicates 0, 3, 5: both hired
    assert c.n == 3 and c.diff.mean == pytest.approx(((0.5 - 0.2) + (0.4 - 0.3) + (0.2 - 0.1)) / 3)
    row = {r["strategy"]: r for r in compare.spend_table(results)}["macro"]
    assert row["no_hire_replicates"] == 2 and row["spend"] == 13_000.0 and row["hired"] == 1.0
    (w,) = [x for x in caveats.warnings_for(results) if x.startswith("macro hires nobody")]
    assert w.startswith("macro hires nobody in 2 of 6 replicates (every offer refused; $112 of staff time")
    assert "a separate outcome" in w and "over the 4 replicates where it hired someone" in w
    rows = {(r["strategy"], r["metric"]): r for r in summarize(results)}
    assert rows[("macro", "no_hire")]["mean"] == pytest.approx(2 / 6) and rows[("macro", "no_hire")]["n"] == 6
    assert rows[("macro", "roi")]["n"] == 4 and rows[("macro", "roi")]["mean"] == pytest.approx(0.25)
    assert rows[("micro", "roi_diff")]["n"] == 3
    assert "macro hires nobody in 2 of 6 replicates" in summary_text(_scenario(), results, 1.0)
