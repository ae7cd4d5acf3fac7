"""Tests for sim.metrics (the registry) and sim.format (the one formatter): one name and one reading per figure."""

from __future__ import annotations

from types import SimpleNamespace as R

import numpy as np

from sim import format as fm
from sim.metrics import BOUNDS, LABELS, LOWER_IS_BETTER, METRICS, MONEY, NON_NEGATIVE, REPORTED, SIGNED


def test_every_metric_a_campaign_reports_is_in_the_registry(small_scenario):
    from sim.campaign.model import CampaignModel

    model = CampaignModel(small_scenario, "micro_equal_budget", rng=2)
    model.run()
    assert set(model.metrics()) <= set(METRICS)
    assert set(REPORTED) <= set(METRICS) and "no_hire" not in REPORTED


def test_the_registry_is_consistent():
    assert all(m.kind in {"money", "share", "roi", "ratio", "count"} for m in METRICS.values())
    assert all(LABELS[name] for name in METRICS) and len(set(LABELS.values())) == len(LABELS)  # one name each
    assert LOWER_IS_BETTER <= MONEY and SIGNED == {"roi", "roi_ex_staff"}
    assert BOUNDS["roi"][0] == -1.0 and "roi" not in NON_NEGATIVE and "conversions" in NON_NEGATIVE
    assert BOUNDS["spend"][1] == "budget"


def _results():
    rng = np.random.default_rng(3)
    out = []
    for i in range(8):
        for s, roi in (("macro", -0.3), ("micro", 0.1)):
            out.append(R(strategy=s, replicate=i, outreach={"filled": True},
                         metrics={"roi": roi + 0.2 * rng.standard_normal(), "spend": 10_000.0, "budget": 10_000.0,
                                  "unspent": 0.0, "staff_cost": 100.0, "hired": 3.0, "conversions": 50.0}))
    return out


def test_roi_reads_the_same_in_the_terminal_the_app_and_the_report():
    from sim.app.tables import decision_html, kpi_html
    from sim.reports.report import decision_section
    from sim.reports.terminal import decision_lines, kpi_lines
    from sim.studies import compare

    results = _results()
    scenario = R(run=R(market="per_replicate", baseline=""), strategies={"macro": None, "micro": None}, name="t")
    level = fm.interval_of("roi", compare.strategy_interval(results, "micro", "roi"))
    diff = fm.interval_of("roi", compare.compare_pair(results, "micro", "macro", "roi").diff, diff=True)
    assert level.endswith("%]") and diff.endswith(" pp]")
    assert level in "\n".join(kpi_lines(results)) and level in kpi_html(results)
    assert diff in "\n".join(decision_lines(scenario, results))
    assert diff in decision_html(scenario, results) and diff in decision_section(scenario, results)


def test_a_spread_is_written_in_the_metrics_unit_without_an_exponent():
    assert fm.spread("conversions", 5531.2) == "5,531" and fm.spread("roi", 0.412) == "41 pp"
    assert "e+" not in fm.spread("spend", 1.2e7) and fm.spread("spend", 1.2e7) == "$12,000,000"
