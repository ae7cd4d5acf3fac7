"""``influsim fit``: the past campaign's file, the fit (pyabc ABC-SMC), the posterior file and its use."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from sim.cli import main
from sim.scenario import default_scenario, with_fields
from sim.scenario.priors import Posterior, prior

HEADER = "handle,platform,followers,niche,posts,fee,impressions,likes,comments,shares,purchases,revenue\n"
GOOD = ("@a,instagram,8000,fitness,2,150,3400,600,50,0,0,0\n"
        "@b,instagram,30000,fitness,2,400,11500,800,50,0,50,2000\n"
        "@c,tiktok,50000,fitness,2,400,37350,3950,300,50,50,2000\n")
TINY = {"population.size": 1000, "population.represents": 20, "campaign.days": 3, "run.parameters": "fixed"}


def _tiny_past(comment_share: float, seed: int = 3):
    from sim.studies.fit.past import parse_past
    from sim.studies.fit.simulate import synthetic

    scenario = with_fields(default_scenario(), TINY)
    past = parse_past("handle,platform,followers,niche,posts\n@a,instagram,8k,fitness,6\n"
                      "@b,instagram,11k,fitness,6\n@c,tiktok,14k,fitness,6\n", "past.csv")
    values = {"parameters.comment_share": comment_share}
    return scenario, synthetic(past, scenario, values, np.random.SeedSequence(seed), people=1000,
                               outcomes=("likes", "comments"))


# -- the posterior file ---------------------------------------------------------------------------------------
def test_posterior_file_round_trips_exactly():
    from sim.studies.fit.abc import normalised

    rng = np.random.default_rng(5)
    fields = ("population.purchase_propensity_mean", "parameters.comment_share")
    draws = np.column_stack([prior(f).ppf(rng.random(37)) for f in fields])
    post = Posterior(fields, draws, normalised(rng.random(37)), {"data": "past.csv", "ess": 12.5, "epsilon": [1.0]})
    again = Posterior.from_json(post.to_json())
    assert again.fields == post.fields and again.meta == post.meta
    assert np.array_equal(again.draws, post.draws) and np.array_equal(again.weights, post.weights)
    assert again.to_json() == post.to_json()


# -- bad input: one line, exit 2, nothing written -----------------------------------------------------------------
BAD = [
    (HEADER + GOOD.replace("@b,instagram,30000,fitness,2,", "@b,instagram,30000,fitness,two,"),
     "past.csv:3: posts: expected a whole number of posts"),
    (HEADER + GOOD.replace(",800,50,0,50,", ",many,50,0,50,"), 'past.csv:3: likes: expected a whole count'),
    (HEADER + GOOD.replace("37350,3950,300,50", "37350,3950,300,-5"), "past.csv:4: shares: must not be negative"),
    (HEADER + GOOD.replace(",2000\n@c", ",lots\n@c"), "past.csv:3: revenue: expected USD"),
    (HEADER + GOOD.replace("tiktok", "myspace"), "past.csv:4: platform:"),
    (HEADER + GOOD.replace("@a,instagram,8000", "@a,instagram,"), "past.csv:2: followers: missing (required)"),
    (HEADER + GOOD.replace("@c,", "@a,").replace("tiktok", "instagram"), "past.csv:4: handle:"),
    (HEADER + GOOD.replace("@a,instagram,8000,fitness", "@a,instagram,8000,knitting"), "past.csv:2: niche:"),
    (HEADER + GOOD.replace("@a,instagram,8000,fitness,2", "@a,instagram,8000,fitness,0"),
     "past.csv:2: posts: must be between 1 and 100"),
    (HEADER.replace(",posts", "") + GOOD.replace("fitness,2,", "fitness,"), 'past.csv:1: missing column "posts"'),
    (HEADER + GOOD.replace("@b,instagram,30000", "@b,instagram,-30000"), "past.csv:3: followers:"),
    (HEADER + GOOD.replace("3400,600", "3400,6.5e"), "past.csv:2: likes: expected a whole count"),
]


@pytest.mark.parametrize("text,message", BAD, ids=[m.split(": ")[1] + str(k) for k, (_, m) in enumerate(BAD)])
def test_bad_fit_input_is_one_line_and_exit_2_with_nothing_written(tmp_path, capsys, text, message):
    path = tmp_path / "past.csv"
    path.write_text(text)
    out = tmp_path / "out"
    assert main(["fit", str(path), "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"influsim: error: {message}"), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["past.csv"]


def test_a_forecast_folder_without_runs_is_refused_before_the_fit(tmp_path, capsys):
    (tmp_path / "past.csv").write_text(HEADER + GOOD)
    (tmp_path / "run").mkdir()
    assert main(["fit", str(tmp_path / "past.csv"), "--out", str(tmp_path / "out"), "--forecast",
                 str(tmp_path / "run"), "--no-progress"]) == 2
    assert "runs.csv not found" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_leading_comment_lines_are_skipped_and_name_the_scenario():
    from sim.studies.fit.past import parse_past

    past = parse_past("# SYNTHETIC\n# scenario: s.toml\n" + HEADER + GOOD, "past.csv")
    assert len(past) == 3 and past.scenario == "s.toml" and past.outcomes["likes"].tolist() == [600, 800, 3950]


# -- the fit ------------------------------------------------------------------------------------------------------
def test_fit_moves_a_parameter_at_the_edge_of_its_prior_toward_its_true_value():
    """A tiny SBC-like case: comment_share truly at the top of its prior [0.04, 0.1]."""
    from sim.studies.fit import abc

    truth = 0.1
    scenario, data = _tiny_past(truth)
    result = abc.fit(data, scenario, fields=("parameters.comment_share",), particles=40, max_generations=3,
                     seed=1, people=1000, predictive=0)
    post = result.posterior
    mean = float(post.draws[:, 0] @ post.weights)
    prior_mean = (prior("parameters.comment_share").low + prior("parameters.comment_share").high) / 2
    assert mean > prior_mean + 0.3 * (truth - prior_mean), (mean, result.generations)
    lo, hi = abc.weighted_interval(post.draws[:, 0], post.weights)
    assert hi - lo < 0.9 * (0.1 - 0.04)  # narrower than the prior's 90%
    assert post.meta["fitted"] == ["parameters.comment_share"] and post.meta["generations"] == len(result.generations)
    assert Posterior.from_json(post.to_json()).to_json() == post.to_json()


def test_fit_is_the_same_on_one_or_two_workers():
    from sim.studies.fit import abc

    scenario, data = _tiny_past(0.06)
    kw = dict(fields=("parameters.comment_share",), particles=10, max_generations=1, seed=4, people=1000,
              predictive=0)
    one = abc.fit(data, scenario, workers=1, **kw).posterior
    two = abc.fit(data, scenario, workers=2, **kw).posterior
    assert np.array_equal(one.draws, two.draws) and np.array_equal(one.weights, two.weights)


def test_fit_command_writes_posterior_report_and_forecast(tmp_path, capsys):
    scenario = tmp_path / "past.toml"
    scenario.write_text("[population]\nsize = 1000\nrepresents = 200\n[campaign]\ndays = 2\n")
    past = tmp_path / "past.csv"
    past.write_text("# scenario: past.toml\n" + HEADER + GOOD)
    run = tmp_path / "run"
    run.mkdir()
    with open(run / "runs.csv", "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["strategy", "replicate", "impressions", "likes", "conversions", "influencers"])
        for r in range(10):
            w.writerow(["past", r, 40000 + 1000 * r, 5000 + 100 * r, 10 * r, 3])
    out = tmp_path / "fit"
    assert main(["fit", str(past), "--out", str(out), "--particles", "10", "--generations", "1", "--workers", "1",
                 "--forecast", str(run), "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert "use it: influsim run" in text and "parameters.posterior=" in text
    assert sorted(p.name for p in out.iterdir()) == ["fit.html", "forecast_vs_actual.csv", "posterior.json"]
    post = Posterior.load(out / "posterior.json")
    assert post.meta["data"] == "past.csv" and post.meta["scenario"].endswith("past.toml")
    rows = list(csv.DictReader(open(out / "forecast_vs_actual.csv")))
    by = {r["outcome"]: r for r in rows}
    assert {r["level"] for r in rows} == {"total"} and set(by) == {"impressions", "likes", "purchases"}
    assert by["impressions"]["position"] == "above"  # 52,250 actual > the forecast's 95% (48,550)
    assert by["likes"]["position"] == "inside"  # 5,350 inside 5,045..5,855
    assert by["purchases"]["position"] == "above" and float(by["purchases"]["bias"]) == pytest.approx(45 - 100)
    page = (out / "fit.html").read_text()
    assert "Forecast against actuals" in page and "per creator: not compared" in page  # no scenario.json to replay


# -- a run that draws from a posterior ----------------------------------------------------------------------------
def test_a_run_with_a_posterior_is_reproducible_on_any_number_of_workers(tmp_path):
    from sim.studies.api import run_results

    if "posterior" not in type(default_scenario().parameters).model_fields:
        pytest.skip("parameters.posterior is not wired into the replicate path yet")
    fields = ("population.purchase_propensity_mean", "parameters.comment_share")
    draws = np.array([[0.06, 0.05], [0.4, 0.09], [0.1, 0.07]])
    path = tmp_path / "posterior.json"
    path.write_text(Posterior(fields, draws, np.array([0.2, 0.5, 0.3]), {}).to_json())
    scenario = with_fields(default_scenario(), {"population.size": 2000, "population.represents": 500,
                                                "campaign.days": 2, "run.replicates": 4,
                                                "parameters.offer_response_days": 0,
                                                "parameters.posterior": str(path)})
    one = run_results(scenario, workers=1, cache=False)
    two = run_results(scenario, workers=2, cache=False)
    key = lambda results: sorted((r.strategy, r.replicate, json.dumps(r.metrics, sort_keys=True, default=str),  # noqa
                                  json.dumps(r.parameters, sort_keys=True)) for r in results)
    assert key(one) == key(two)
    for r in one:  # every replicate drew its fitted fields from one particle
        assert any(np.allclose([r.parameters[f] for f in fields], d) for d in draws), r.parameters
    assert len({r.parameters[fields[0]] for r in one}) > 1  # not all the same particle
    assert json.loads(path.read_text())["format"] == "influsim-posterior/1"


def _posterior_file(path, scale: float = 1.0):
    fields = ("population.purchase_propensity_mean", "parameters.comment_share")
    draws = np.array([[0.06, 0.05], [0.4 * scale, 0.09], [0.1, 0.07]])
    path.write_text(Posterior(fields, draws, np.array([0.2, 0.5, 0.3]), {"data": "past.csv"}).to_json())
    return fields, draws


TINY_RUN = ("[population]\nsize = 2000\nrepresents = 500\n[campaign]\ndays = 2\n[run]\nreplicates = 3\nseed = 9\n"
            "[parameters]\noffer_response_days = 0\n")


def test_a_posterior_file_round_trips_through_its_file(tmp_path):
    path = tmp_path / "posterior.json"
    fields, draws = _posterior_file(path)
    post = Posterior.load(path)
    assert post.fields == fields and np.array_equal(post.draws, draws) and post.meta == {"data": "past.csv"}
    assert post.to_json() == path.read_text()


def _drawn_fitted(run_folder, fields):
    with open(run_folder / "runs.csv", newline="") as fh:
        return [tuple(float(r[f"param:{f}"]) for f in fields) for r in csv.DictReader(fh)]


def test_a_posterior_named_in_a_scenario_file_is_relative_to_the_scenario_and_copied(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "scenario"
    folder.mkdir()
    fields, draws = _posterior_file(folder / "fit.json")
    (folder / "s.toml").write_text(TINY_RUN.replace("[parameters]\n", '[parameters]\nposterior = "fit.json"\n'))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "fit.json").write_text("not a posterior")  # the current folder's file of that name is not used
    monkeypatch.chdir(elsewhere)
    out = tmp_path / "run"
    assert main(["run", str(folder / "s.toml"), "--out", str(out), "--no-progress"]) == 0
    text = capsys.readouterr().out
    assert f"drawn from the posterior fit.json ({folder / 'fit.json'})" in text
    assert "scenario.json, posterior.json" in text.splitlines()[-1]  # the "wrote" line lists the copy
    assert (out / "posterior.json").read_bytes() == (folder / "fit.json").read_bytes()
    saved = json.loads((out / "scenario.json").read_text())["scenario"]
    assert saved["parameters"]["posterior"] == "posterior.json"  # the run folder is self-contained
    assert "drawn from the posterior fit.json" in (out / "report.html").read_text()
    for row in _drawn_fitted(out, fields):
        assert any(np.allclose(row, d) for d in draws), row


def test_a_posterior_given_with_set_is_relative_to_the_current_folder(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "scenario"
    folder.mkdir()
    (folder / "s.toml").write_text(TINY_RUN)
    (folder / "p.json").write_text("not a posterior")  # the scenario's folder's file of that name is not used
    here = tmp_path / "here"
    here.mkdir()
    fields, draws = _posterior_file(here / "p.json")
    monkeypatch.chdir(here)
    out = tmp_path / "run"
    assert main(["run", str(folder / "s.toml"), "--set", "parameters.posterior=p.json", "--out", str(out),
                 "--no-progress"]) == 0
    assert "drawn from the posterior p.json (p.json)" in capsys.readouterr().out
    assert (out / "posterior.json").read_bytes() == (here / "p.json").read_bytes()
    for row in _drawn_fitted(out, fields):
        assert any(np.allclose(row, d) for d in draws), row


@pytest.mark.parametrize("text,message", [
    ("{not json", "p.json: not a posterior file (JSON error at line 1, column 2)"),
    ('{"format": "influsim-posterior/1", "fields": ["parameters.comment_share"], "draws": [[0.5]], "weights": [1]}',
     "p.json: parameters.comment_share: draws outside the prior's range"),
    ('{"format": "influsim-posterior/1", "fields": ["parameters.nope"], "draws": [[0.5]], "weights": [1]}',
     "p.json: fields: 'parameters.nope' has no prior"),
], ids=["json", "range", "field"])
def test_a_garbage_posterior_file_is_one_line_and_exit_2_with_nothing_written(tmp_path, capsys, text, message):
    (tmp_path / "s.toml").write_text(TINY_RUN)
    (tmp_path / "p.json").write_text(text)
    out = tmp_path / "run"
    assert main(["run", str(tmp_path / "s.toml"), "--set", f"parameters.posterior={tmp_path / 'p.json'}",
                 "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"influsim: error: parameters.posterior: {message}"), err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.json", "s.toml"]


def test_a_field_set_to_exactly_its_default_is_drawn_and_off_it_is_held():
    """The documented rule (influsim schema --toml, run.parameters): a scenario cannot tell a field was named."""
    from sim.campaign.luck import draw_parameters, held_fields
    from sim.scenario import default_toml

    base = default_scenario()
    default = base.parameters.comment_share
    at_default = with_fields(base, {"parameters.comment_share": default})
    off_default = with_fields(base, {"parameters.comment_share": default + 1e-6})
    seed = np.random.SeedSequence(3)
    assert "parameters.comment_share" not in held_fields(at_default)
    assert draw_parameters(at_default, seed)["parameters.comment_share"] != default
    assert "parameters.comment_share" in held_fields(off_default)
    assert "parameters.comment_share" not in draw_parameters(off_default, seed)
    assert "a field set to exactly its default is drawn" in default_toml()


def test_tiny_sbc_ranks_of_the_truth_are_spread_over_the_posterior():
    """Simulation-based calibration on a tiny case: truths drawn from the prior, each fitted, rank in [0, 1]."""
    from sim.studies.fit import abc
    from sim.studies.fit.past import parse_past
    from sim.studies.fit.simulate import synthetic

    f = "parameters.comment_share"
    scenario = with_fields(default_scenario(), TINY)
    past = parse_past("handle,platform,followers,niche,posts\n@a,instagram,8k,fitness,6\n"
                      "@b,instagram,11k,fitness,6\n@c,tiktok,14k,fitness,6\n", "past.csv")
    ranks, inside = [], []
    for i in range(3):
        seed = np.random.SeedSequence(11, spawn_key=(i,))
        u = float(np.random.default_rng(seed.spawn(1)[0]).random())
        truth = float(prior(f).ppf(u))
        data = synthetic(past, scenario, {f: truth}, seed, people=1000, outcomes=("likes", "comments"))
        post = abc.fit(data, scenario, fields=(f,), particles=10, max_generations=1, seed=i, people=1000,
                       predictive=0).posterior
        uq = prior(f).cdf(post.draws[:, 0])
        ranks.append(float(post.weights[uq < u].sum()))
        lo, hi = abc.weighted_interval(uq, post.weights)
        inside.append(lo <= u <= hi)
        assert 0.0 <= lo < hi <= 1.0
    assert all(0.0 <= r <= 1.0 for r in ranks) and len(set(ranks)) > 1, ranks
    assert sum(inside) >= 1, (ranks, inside)


def test_forecast_per_creator_replays_the_run_folder_and_checks_it(tmp_path, capsys):
    from sim.studies.fit import forecast
    from sim.studies.fit.past import read_past

    past = tmp_path / "past.csv"
    past.write_text("# scenario: past.toml\n" + HEADER + GOOD)
    (tmp_path / "past.toml").write_text(
        '[population]\nsize = 1000\nrepresents = 200\n[campaign]\ndays = 2\n[run]\nreplicates = 4\nseed = 2\n'
        '[influencers]\nshortlist = "past.csv"\nshortlist_only = true\n'
        '[strategies.past]\nkind = "custom"\nhandles = ["@a", "@b", "@c"]\noutreach = false\n')
    run = tmp_path / "run"
    assert main(["run", str(tmp_path / "past.toml"), "--out", str(run), "--no-progress"]) == 0
    out = tmp_path / "fit"
    assert main(["fit", str(past), "--out", str(out), "--particles", "10", "--generations", "1", "--workers", "1",
                 "--forecast", str(run), "--no-progress"]) == 0
    capsys.readouterr()
    rows = list(csv.DictReader(open(out / "forecast_vs_actual.csv")))
    creators = {(r["handle"], r["outcome"]) for r in rows if r["level"] == "creator"}
    assert creators == {(h, o) for h in ("@a", "@b", "@c") for o in ("impressions", "purchases", "revenue")}
    totals = {r["outcome"]: r for r in rows if r["level"] == "total"}
    assert set(totals) == {"impressions", "likes", "comments", "shares", "purchases", "revenue"}
    with open(run / "runs.csv", newline="") as fh:
        recorded = [float(r["impressions"]) for r in csv.DictReader(fh)]
    assert float(totals["impressions"]["forecast_mean"]) == pytest.approx(np.mean(recorded))
    per_creator = [r for r in rows if r["level"] == "creator" and r["outcome"] == "impressions"]
    assert sum(float(r["forecast_mean"]) for r in per_creator) == pytest.approx(np.mean(recorded))
    for r in rows:
        assert r["position"] == forecast.position(float(r["actual"]), float(r["forecast_low"]),
                                                  float(r["forecast_high"]))
    assert "Forecast against actuals" in (out / "fit.html").read_text()
    # a run folder the replay does not reproduce: per creator is left out, and said so
    text = (run / "runs.csv").read_text().splitlines()
    cells = text[1].split(",")
    cells[2] = str(float(cells[2]) + 1)
    (run / "runs.csv").write_text("\n".join([text[0], ",".join(cells), *text[2:]]) + "\n")
    rows, notes = forecast.compare(read_past(past), forecast.read_forecast(run))
    assert {r["level"] for r in rows} == {"total"} and "differs from runs.csv" in notes[0]
