"""Calibration: the shipped parameters meet the engagement bounds; the fit recovers known parameters."""

import json
import math
from pathlib import Path

import numpy as np
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


# bootstrap of the calibration (issue 20: calibrated parameters get a distribution) --------------------------

DRAWS_JSON = ROOT / "sim" / "data" / "calibrated_draws.json"


@pytest.fixture(scope="module")
def draws_doc():
    return json.loads(DRAWS_JSON.read_text())


def test_draws_file_has_the_shape_priors_reads(draws_doc):
    from sim.scenario.priors import calibrated_draws

    assert draws_doc["fields"] == list(calibrate.FITTED)
    assert isinstance(draws_doc["seed"], int) and draws_doc["n"] >= 50
    assert len(draws_doc["draws"]) == draws_doc["n"]
    assert all(len(row) == len(draws_doc["fields"]) for row in draws_doc["draws"])
    assert all(math.isfinite(v) for row in draws_doc["draws"] for v in row)
    for name in draws_doc["fields"]:
        assert set(draws_doc["summary"][name]) >= {"point", "p05", "p95"}
    fields, draws = calibrated_draws()
    assert fields == tuple(f"parameters.{k}" for k in calibrate.FITTED)
    assert draws.shape == (draws_doc["n"], len(calibrate.FITTED))


def test_every_draw_lies_within_the_fields_bounds(draws_doc):
    for row in draws_doc["draws"]:
        values = dict(zip(draws_doc["fields"], row))
        Parameters(**values)  # pydantic's own check of every bound
        for name, value in values.items():
            for bound in Parameters.model_fields[name].metadata:
                if hasattr(bound, "ge"):
                    assert value >= bound.ge, (name, value)
                if hasattr(bound, "le"):
                    assert value <= bound.le, (name, value)


def test_refits_reproduce_the_shipped_draws(draws_doc):
    # refit k is seeded by SeedSequence(seed, spawn_key=(k,)) alone: 3 refits give the shipped file's first 3 rows
    doc = calibrate.bootstrap(3, draws_doc["seed"])
    assert doc["draws"] == draws_doc["draws"][:3]
    assert doc["fields"] == draws_doc["fields"]
    assert {k: v["point"] for k, v in doc["summary"].items()} == \
        {k: v["point"] for k, v in draws_doc["summary"].items()}


def test_resampling_is_seeded_and_keeps_each_group_to_its_rows(shipped_check):
    ts, _ = shipped_check
    point = {k: Parameters.model_fields[k].default for k in calibrate.FITTED}
    plan = calibrate.resampling_plan(ts, point)
    before = [(t.value, t.model) for t in ts]
    assert {g: how.method for g, how in plan.items()} == {"reach": "residual", "decay": "residual",
                                                          "penalty": "residual", "price": "case",
                                                          "engagement": "case"}
    assert plan["reach"].free == 2  # reach_small sits on its bound 1: it fits nothing
    draw = lambda k: calibrate.resample(ts, plan, np.random.default_rng(calibrate.refit_seed(42, k)))  # noqa: E731
    first, again, other = draw(0), draw(0), draw(1)
    assert [(t.label, t.value) for t in first] == [(t.label, t.value) for t in again]
    assert [(t.label, t.value) for t in first] != [(t.label, t.value) for t in other]
    for group, how in plan.items():
        rows = [t for t in ts if t.group == group and t.fitted]
        mine = [t for t in first if t.group == group]
        assert len(mine) == len(rows)
        if how.method == "case":  # rows drawn with replacement, unchanged
            assert all((t.source, t.label, t.value) in {(r.source, r.label, r.value) for r in rows} for t in mine)
        else:  # the bands kept, each figure the model's value times a resampled residual
            assert [t.label for t in mine] == [t.label for t in rows]
            allowed = {round(e, 9) for e in (np.array([r.residual() for r in rows])
                                              - np.mean([r.residual() for r in rows])) * how.inflation}
            assert all(round(math.log(r.model / t.value), 9) in allowed for t, r in zip(mine, rows))
    assert [(t.value, t.model) for t in ts] == before  # the point targets are left as they are


def test_point_fit_lies_inside_the_draws_and_matches_calibrated_json(draws_doc):
    shipped = json.loads((ROOT / "sim" / "data" / "calibrated.json").read_text())
    draws = np.asarray(draws_doc["draws"])
    for j, name in enumerate(draws_doc["fields"]):
        point = draws_doc["summary"][name]["point"]
        assert point == pytest.approx(shipped[name], rel=1e-5)  # the 6th significant digit may differ by one
        assert draws[:, j].min() <= point <= draws[:, j].max(), name


def test_draws_median_is_near_the_point_fit(draws_doc):
    # tolerance: the point fit lies inside the draws' interquartile range [p25, p75] (closed: a parameter on a
    # bound of its fit has many draws equal to the point). A bootstrap whose centre had drifted away from the
    # fit (a resampling that biases the refits) fails this.
    draws = np.asarray(draws_doc["draws"])
    for j, name in enumerate(draws_doc["fields"]):
        point = draws_doc["summary"][name]["point"]
        q25, q75 = np.percentile(draws[:, j], [25, 75])
        assert q25 <= point <= q75, (name, q25, point, q75)
