"""One replicate path: every door gives the same metrics for the same (scenario, strategy, seed)."""

import json

import numpy as np
import pytest

import sim
from sim.campaign.luck import replicate_seeds
from sim.cli import main
from sim.scenario import default_scenario, with_fields
from sim.studies.sweep import parse_sweep, run_point, sweep_tasks

FIELDS = ("impressions", "reach", "engagements", "conversions", "spend", "roi", "hired")


@pytest.fixture(scope="module")
def scenario():
    # outreach on, random selection: the luck that differs between doors if any door draws it its own way
    return with_fields(default_scenario(), {
        "population.size": 3000, "population.represents": 500, "campaign.days": 6,
        "parameters.offer_response_days": 0.5, "run.replicates": 2, "run.seed": 11,
        "strategies": {"rand": {"kind": "micro_equal_budget", "selection": "random", "outreach": True,
                                "budget": 8000.0}},
    })


def _pick(metrics: dict) -> str:
    return json.dumps({k: round(float(metrics[k]), 6) for k in FIELDS})


def test_every_door_gives_the_same_replicate(scenario, tmp_path):
    seed = replicate_seeds(scenario.run.seed, 2)[1]  # replicate 1
    expected = _pick(sim.run_replicate(scenario, "rand", seed, replicate=1).metrics)

    # the Python API
    frame = sim.run(scenario, cache=False)
    row = frame[(frame.strategy == "rand") & (frame.replicate == 1)].iloc[0]
    assert _pick(row.to_dict()) == expected

    # influsim run
    path = tmp_path / "s.toml"
    path.write_text(_toml(scenario))
    assert main(["run", str(path), "--out", str(tmp_path / "out"), "--no-progress", "--workers", "1"]) == 0
    runs = (tmp_path / "out" / "runs.csv").read_text().splitlines()
    head = runs[0].split(",")
    line = next(r.split(",") for r in runs[1:] if r.split(",")[:2] == ["rand", "1"])
    assert _pick(dict(zip(head, map(_num, line)))) == expected

    # a one-point sweep (its run seed for point 0, replicate 1, handed to the same path)
    sw = parse_sweep({"overrides": json.loads(json.dumps(scenario.model_dump(exclude={"run"}))),
                      "sweep": {"seed": scenario.run.seed, "replicates": 2},
                      "vary": {"brand.budget": [scenario.brand.budget]}})
    task = next(t for t in sweep_tasks(sw) if t[1] == "rand" and t[2] == 1)
    swept = sim.run_replicate(sw.scenarios[0], "rand", task[4], replicate=1).metrics
    assert _pick(run_point(task)["metrics"]) == _pick(swept)

    # the experiments' runner
    from experiments import claims

    label, name, r, metrics = claims._task(("x", scenario, "rand", 1, seed))
    assert _pick(metrics) == expected

    # mesa.batch_run, on the same replicate seed
    import mesa

    rows = mesa.batch_run(sim.CampaignModel, parameters={"scenario": [scenario], "strategy": "rand"},
                          rng=[seed], data_collection_period=-1, display_progress=False)
    assert len(rows) == 1 and rows[0]["Step"] == scenario.campaign.days * 24
    model = sim.CampaignModel(scenario, "rand", rng=seed)
    model.run()
    assert _pick(model.metrics()) == expected
    assert rows[0]["spend"] == pytest.approx(model.metrics()["spend"])
    assert rows[0]["roi"] == pytest.approx(model.metrics()["roi"], nan_ok=True)


def test_outreach_and_random_ranking_vary_across_replicates(scenario):
    hired = [tuple(sim.run_replicate(scenario, "rand", s).outreach["candidates"][k]["influencer"]
                   for k in range(3)) for s in replicate_seeds(scenario.run.seed, 4)]
    assert len(set(hired)) > 1  # the random order (and who accepts) is drawn per replicate


def test_experiments_draw_outreach_per_replicate(scenario):
    from experiments import claims

    seeds = replicate_seeds(scenario.run.seed, 4)
    spends = {claims._task(("x", scenario, "rand", r, s))[3]["spend"] for r, s in enumerate(seeds)}
    assert len(spends) > 1


def _num(text: str):
    try:
        return float(text)
    except ValueError:
        return text


def _toml(scenario) -> str:
    from sim.scenario.files import _toml_table

    lines: list = []
    _toml_table(lines, scenario, [])
    return "\n".join(lines)


def test_scenario_written_as_toml_round_trips(scenario):
    from sim.scenario import load_scenario_text

    assert load_scenario_text(_toml(scenario)) == scenario
    assert np.isfinite(scenario.brand.budget)
