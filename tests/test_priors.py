"""Uncertain parameters: priors in the schema, each replicate's own draw on every door, recorded and reproducible."""

import csv
import math

import mesa
import numpy as np
import pytest

from sim.campaign.luck import (PARAMETERS_KEY, child, draw_parameters, held_fields, replicate_scenario,
                               replicate_seeds, uncertain_fields)
from sim.campaign.model import CampaignModel
from sim.campaign.setup import draw_market
from sim.errors import ScenarioError
from sim.scenario import default_scenario, default_toml, get_field, load_scenario, with_fields
from sim.scenario.models import Scenario
from sim.scenario.priors import PRIORS, Posterior, prior_values
from sim.studies.replicate import run_replicate, run_strategies
from sim.studies.results import write_runs_csv
from sim.studies.runs import run_scenario


def _field_info(dotted: str):
    model = Scenario
    *heads, leaf = dotted.split(".")
    for part in heads:
        model = model.model_fields[part].annotation
    return model.model_fields[leaf]


def _bounds(info) -> tuple[float, float]:
    low, high = -math.inf, math.inf
    for m in info.metadata:
        for name in ("ge", "gt"):
            if getattr(m, name, None) is not None:
                low = getattr(m, name)
        for name in ("le", "lt"):
            if getattr(m, name, None) is not None:
                high = getattr(m, name)
    return low, high


@pytest.mark.parametrize("prior", PRIORS, ids=lambda p: p.field)
def test_every_prior_is_in_the_schema_inside_its_field_bounds_around_its_default(prior):
    line = next(x for x in default_toml().splitlines() if x.startswith(prior.field.rsplit(".", 1)[1] + " = ")
                and prior.describe() in x)
    assert "prior " in line
    info = _field_info(prior.field)
    low, high = _bounds(info)
    assert low <= prior.low < prior.high <= high
    default = get_field(default_scenario(), prior.field)
    assert prior.low <= default <= prior.high, f"{prior.field}: default {default} outside its prior"
    assert prior.scale == "linear" or prior.low > 0


def test_priors_are_unique_and_reasoned():
    fields = [p.field for p in PRIORS]
    assert len(fields) == len(set(fields))
    assert all(p.reason for p in PRIORS)


def test_fixed_draws_nothing_and_uncertain_draws_every_prior_from_stream_103():
    seed = replicate_seeds(3, 1)[0]
    fixed = with_fields(default_scenario(), {"run.parameters": "fixed"})
    assert draw_parameters(fixed, seed) == {}
    assert replicate_scenario(fixed, seed) is fixed
    drawn = draw_parameters(default_scenario(), seed)
    u = np.random.default_rng(child(seed, PARAMETERS_KEY)).random(len(PRIORS))
    expected = prior_values(u)
    assert {f: drawn[f] for f in expected} == expected
    assert set(drawn) == set(uncertain_fields())
    scenario = replicate_scenario(default_scenario(), seed)
    assert scenario.run.parameters == "fixed"
    for field, value in drawn.items():
        assert get_field(scenario, field) == pytest.approx(value)
    other = draw_parameters(default_scenario(), replicate_seeds(3, 2)[1])
    assert other != drawn  # each replicate its own


def test_fields_set_away_from_their_default_are_held():
    scenario = with_fields(default_scenario(), {"population.purchase_propensity_mean": 0.3,
                                                "parameters.erosion": 0.05})  # erosion: its default
    assert held_fields(scenario) == ("population.purchase_propensity_mean",)
    drawn = draw_parameters(scenario, replicate_seeds(3, 1)[0])
    assert "population.purchase_propensity_mean" not in drawn and "parameters.erosion" in drawn
    assert replicate_scenario(scenario, replicate_seeds(3, 1)[0]).population.purchase_propensity_mean == 0.3
    fixed_market = with_fields(default_scenario(), {"run.market": "fixed"})
    assert all(f.startswith("population.") for f in held_fields(fixed_market))
    assert not any(f.startswith("population.") for f in draw_parameters(fixed_market, replicate_seeds(3, 1)[0]))


def _posterior_file(path, value=0.42, field="population.purchase_propensity_mean"):
    posterior = Posterior((field,), np.array([[value], [0.06]]), np.array([1.0, 0.0]), {"method": "test"})
    path.write_text(posterior.to_json())
    return path


def test_a_posterior_particle_overrides_its_fields_and_its_path_is_relative_to_the_scenario(tmp_path):
    _posterior_file(tmp_path / "fit.json")
    (tmp_path / "s.toml").write_text('[parameters]\nposterior = "fit.json"\n')
    scenario = load_scenario(tmp_path / "s.toml")
    assert scenario.parameters.posterior == str((tmp_path / "fit.json").resolve())
    for seed in replicate_seeds(1, 3):
        drawn = draw_parameters(scenario, seed)
        assert drawn["population.purchase_propensity_mean"] == 0.42  # the only particle with weight
        prior_only = draw_parameters(default_scenario(), seed)
        assert {f: v for f, v in drawn.items() if f != "population.purchase_propensity_mean"} == \
            {f: v for f, v in prior_only.items() if f != "population.purchase_propensity_mean"}


@pytest.mark.parametrize("text, reason", [("{", "not a posterior file"), ('{"format": "x"}', "not a posterior file")])
def test_a_bad_posterior_is_one_scenario_error(tmp_path, text, reason):
    (tmp_path / "fit.json").write_text(text)
    scenario = with_fields(default_scenario(), {"parameters.posterior": str(tmp_path / "fit.json")})
    with pytest.raises(ScenarioError, match=f"^parameters.posterior: fit.json: {reason}"):
        draw_parameters(scenario, replicate_seeds(1, 1)[0])
    missing = with_fields(default_scenario(), {"parameters.posterior": str(tmp_path / "none.json")})
    with pytest.raises(ScenarioError, match="^parameters.posterior: .*none.json: file not found"):
        draw_parameters(missing, replicate_seeds(1, 1)[0])


def test_every_door_runs_the_replicate_on_its_own_draw(small_scenario):
    seed = replicate_seeds(small_scenario.run.seed, 2)[1]
    drawn = draw_parameters(small_scenario, seed)
    paired = run_strategies(small_scenario, list(small_scenario.strategies), seed, replicate=1)
    assert [r.parameters for r in paired] == [drawn, drawn]  # the same draw for every strategy (paired)
    single = run_replicate(small_scenario, "macro", seed)
    assert single.parameters == drawn and single.metrics == paired[0].metrics
    model = CampaignModel(small_scenario, "macro", rng=seed)
    assert model.parameters_drawn == drawn and model.config == replicate_scenario(small_scenario, seed)
    market = draw_market(small_scenario, seed)  # the market is drawn with the replicate's own parameters
    at_points = draw_market(with_fields(small_scenario, {"run.parameters": "fixed"}), seed)
    assert np.array_equal(market.purchase_propensity, model.population.purchase_propensity)
    assert not np.array_equal(market.purchase_propensity, at_points.purchase_propensity)
    model.run()
    assert model.metrics() == paired[0].metrics


def test_batch_run_draws_and_holds_what_it_varies(small_scenario):
    rows = mesa.batch_run(CampaignModel, {"scenario": [small_scenario], "strategy": "macro",
                                          "changes": [{"parameters.erosion": 0.1}]},
                          rng=[replicate_seeds(small_scenario.run.seed, 1)[0]], number_processes=1,
                          display_progress=False)
    assert len(rows) >= 1
    model = CampaignModel(small_scenario, "macro", changes={"parameters.erosion": 0.1},
                          rng=replicate_seeds(small_scenario.run.seed, 1)[0])
    assert model.config.parameters.erosion == 0.1 and "parameters.erosion" not in model.parameters_drawn
    assert "parameters.accept_base" in model.parameters_drawn


def test_same_seed_same_numbers_on_any_number_of_workers_and_recorded_in_runs_csv(small_scenario, tmp_path):
    scenario = with_fields(small_scenario, {"run.replicates": 3})
    one = run_scenario(scenario, workers=1)
    two = run_scenario(scenario, workers=2)
    rows = lambda results: [(r.strategy, r.replicate, {k: repr(v) for k, v in r.metrics.items()}, r.parameters)
                            for r in results]  # noqa: E731 (repr: NaN equals NaN)
    assert rows(one) == rows(two)
    assert len({tuple(r.parameters.values()) for r in one}) == 3  # one draw per replicate
    write_runs_csv(one, tmp_path / "runs.csv")
    with open(tmp_path / "runs.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    column = "param:population.purchase_propensity_mean"
    assert [float(row[column]) for row in rows] == [r.parameters["population.purchase_propensity_mean"]
                                                    for r in one]
    assert "param:parameters.offer_response_days" not in rows[0]  # held by the small scenario
    fixed = run_scenario(with_fields(scenario, {"run.parameters": "fixed"}))
    write_runs_csv(fixed, tmp_path / "fixed.csv")
    assert "param:" not in (tmp_path / "fixed.csv").read_text().splitlines()[0]
