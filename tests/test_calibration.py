"""Calibration: the shipped parameters meet the engagement bounds; the fit recovers known parameters."""

import json
import math
from pathlib import Path

import pytest

from experiments import calibrate
from sim.scenario import Parameters

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def shipped_check():
    return calibrate.check()


def test_shipped_engagement_meets_the_issue_bounds(shipped_check):
    ts, summary = shipped_check
    eng = [t for t in ts if t.group == "engagement" and t.fitted]
    assert {t.source for t in eng} == {"Markerly 2016", "Mavrck"}
    assert len(eng) == 9
    errors = sorted(abs(t.error()) for t in eng)
    assert errors[len(errors) // 2] <= calibrate.ENGAGEMENT_MEDIAN_MAX
    assert errors[-1] <= calibrate.ENGAGEMENT_BAND_MAX
    assert summary["meets_bounds"]


def test_shipped_file_records_seed_errors_and_matches_a_recheck(shipped_check):
    doc = json.loads((ROOT / "sim" / "data" / "calibrated.json").read_text())
    assert isinstance(doc["seed"], int)
    for key in calibrate.FITTED:
        assert key in Parameters.model_fields and doc[key] == Parameters.model_fields[key].default
    ts, summary = shipped_check
    recorded = {(r["source"], r["label"]): r["model"] for r in doc["fit"]["engagement"]}
    for t in ts:
        if t.group == "engagement":
            assert t.model == pytest.approx(recorded[(t.source, t.label)], rel=1e-4)
    assert doc["engagement_summary"]["median_abs_error"] == pytest.approx(summary["median_abs_error"], rel=1e-4)


def test_other_targets_are_near_their_figures(shipped_check):
    ts, _ = shipped_check
    for t in ts:
        if t.group in ("reach", "decay", "penalty"):
            assert abs(t.error()) < 0.2, (t.group, t.label, t.model)


def test_range_targets_count_in_band_as_zero_error():
    t = calibrate.Target("price", "x", "y", 1e3, 1e4, math.sqrt(10 * 100), low=10, high=100, model=50.0)
    assert t.in_band and t.error() == 0.0
    t.model = 200.0
    assert not t.in_band and t.error() == pytest.approx(1.0)
    open_top = calibrate.Target("price", "x", "y", 1e6, 3e6, 1e4, low=1e4, high=None, model=2e4)
    assert open_top.in_band and open_top.residual() == 0.0


def test_fit_recovers_known_parameters():
    # targets made by the model itself with known parameters must be fitted back
    p = calibrate.Params({"penalty_intercept": -0.3, "penalty_slope": 0.12})
    ts = [t for t in calibrate.targets() if t.group == "penalty"]
    for t in ts:
        t.value = calibrate.penalty_value(t, p)
    fitted = calibrate.fit_group("penalty", ts, calibrate.Params(), None)
    assert fitted["penalty_intercept"] == pytest.approx(-0.3, abs=1e-3)
    assert fitted["penalty_slope"] == pytest.approx(0.12, abs=1e-3)


def test_decay_targets_use_30_day_shares_for_campaigndeus():
    ts = [t for t in calibrate.targets() if t.group == "decay"]
    p = calibrate.Params({"decay_fast_share": 0.5, "decay_fast_hours": 1.0, "decay_slow_hours": 1000.0})
    deus = next(t for t in ts if t.source == "CampaignDeus")
    takumi = next(t for t in ts if t.source == "Takumi")
    # with a very slow tail, a 30-day share is much larger than a share of all engagement
    assert calibrate.decay_value(deus, p) > calibrate.decay_value(takumi, p)
    assert deus.stat == "share30"
