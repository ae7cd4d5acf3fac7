import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.cli import main
from sim.errors import ScenarioError
from sim.reports.sweep_export import export
from sim.studies.sweep import load_sweep, parse_sweep, run_point, run_sweep, sweep_tasks

TINY = """
[overrides]
population.size = 2000
population.represents = 1000   # a 2M market, so that macro and mega accounts exist
campaign.days = 2
parameters.offer_response_days = 0   # outreach takes campaign days: answers at once, so that 2 days see posts
"""

GRID = """
[sweep]
name = "tiny_grid"
seed = 11
replicates = 2
metrics = ["roi", "conversions", "reach"]
""" + TINY + """
[vary."brand.budget"]
values = [30000, 60000]
[vary."product.price"]
lo = 20
hi = 80
steps = 2
"""


def _write(tmp_path, text, name="sweep.toml"):
    f = tmp_path / name
    f.write_text(text)
    return f


def _csv(path):
    with open(path, newline="") as fh:
        return list(csv.reader(fh))


def _sweep(tmp_path, *args):
    return main(["sweep", *map(str, args), "--no-progress"])


# -- the same results on any executor -----------------------------------------------------------------
def test_one_worker_two_workers_and_dask_give_identical_results(tmp_path, capsys):
    distributed = pytest.importorskip("distributed")
    f = _write(tmp_path, GRID)
    assert _sweep(tmp_path, f, "--out", tmp_path / "w1", "--workers", "1") == 0
    assert _sweep(tmp_path, f, "--out", tmp_path / "w2", "--workers", "2") == 0
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        assert _sweep(tmp_path, f, "--out", tmp_path / "dask", "--scheduler", cluster.scheduler_address) == 0
    out = capsys.readouterr()
    assert "Dask scheduler" in out.err and "2 local worker processes" in out.err
    runs = _csv(tmp_path / "w1" / "runs.csv")
    assert len(runs) == 1 + 4 * 2 * 2  # header + points x strategies x replicates
    assert {r[3] for r in runs[1:]} == {"ok"}
    for d in ("w2", "dask"):
        for name in ("runs.csv", "summary.csv"):
            assert (tmp_path / d / name).read_bytes() == (tmp_path / "w1" / name).read_bytes(), (d, name)
    # replicates differ from each other (the seeds really are per replicate)
    reach = {(r[0], r[1]): set() for r in runs[1:]}
    for r in runs[1:]:
        reach[(r[0], r[1])].add(r[runs[0].index("reach")])
    assert any(len(v) > 1 for v in reach.values())


def test_dask_address_from_environment(tmp_path, monkeypatch, capsys):
    distributed = pytest.importorskip("distributed")
    f = _write(tmp_path, GRID.replace("values = [30000, 60000]", "values = [30000]"))
    assert _sweep(tmp_path, f, "--out", tmp_path / "a", "--workers", "1") == 0
    with distributed.LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                                  dashboard_address=None) as cluster:
        monkeypatch.setenv("DASK_SCHEDULER_ADDRESS", cluster.scheduler_address)
        assert _sweep(tmp_path, f, "--out", tmp_path / "b") == 0
    assert "Dask scheduler" in capsys.readouterr().err
    assert (tmp_path / "a" / "runs.csv").read_bytes() == (tmp_path / "b" / "runs.csv").read_bytes()


def test_missing_dask_is_a_one_line_error(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import fails as if not installed
    f = _write(tmp_path, GRID)
    assert _sweep(tmp_path, f, "--out", tmp_path / "o", "--scheduler", "tcp://127.0.0.1:1") == 2
    err = capsys.readouterr().err
    assert "pip install 'influsim[dask]'" in err and len(err.strip().splitlines()) == 1


def test_results_do_not_depend_on_the_order_of_runs(tmp_path):
    sw = parse_sweep(_toml(GRID), base_dir=tmp_path)
    tasks = sweep_tasks(sw)
    forward = {(r["point"], r["strategy"], r["replicate"]): r["metrics"] for r in map(run_point, tasks)}
    backward = {(r["point"], r["strategy"], r["replicate"]): r["metrics"] for r in map(run_point, tasks[::-1])}
    assert forward.keys() == backward.keys() and len(forward) == 16
    for k in forward:
        assert forward[k] == pytest.approx(backward[k], nan_ok=True), k


def test_seeds_are_spawned_per_point_and_replicate():
    sw = parse_sweep({"vary": {"brand.budget": [20000, 40000]}, "sweep": {"seed": 5, "replicates": 3}})
    keys = {sw.run_seed(p, r).spawn_key for p in range(2) for r in range(3)}
    assert len(keys) == 6 and all(sw.run_seed(1, 2).entropy == 5 for _ in range(1))
    import numpy as np

    chain = np.random.SeedSequence(5).spawn(2)[1].spawn(2)[1].spawn(3)[2]
    assert sw.run_seed(1, 2).generate_state(4).tolist() == chain.generate_state(4).tolist()
    crn = parse_sweep({"vary": {"brand.budget": [20000, 40000]},
                       "sweep": {"seed": 5, "common_random_numbers": True}})
    assert crn.run_seed(0, 1).spawn_key == crn.run_seed(1, 1).spawn_key
    assert all(sc.run.seed == 5 for sc in sw.scenarios)  # one population seed for every point


def _toml(text):
    import tomllib

    return tomllib.loads(text)


def test_outreach_answers_and_random_ranking_vary_across_replicates():
    # the sweep's replicate seed draws the outreach answers and the random ranking: they must not be
    # frozen per scenario (every replicate hiring the same creators)
    from sim.studies.replicate import run_replicate

    sw = parse_sweep({"sweep": {"replicates": 4, "seed": 7},
                      "overrides": {"population": {"size": 2000, "represents": 1000}, "campaign.days": 2,
                                    "parameters.offer_response_days": 0,
                                    "strategies": {"random_micro": {"kind": "micro_equal_budget",
                                                                    "selection": "random", "outreach": True}}},
                      "vary": {"brand.budget": [30000]}})
    assert (len(sw.points), sw.strategies, sw.replicates) == (1, ["random_micro"], 4)
    hired, ranked, answers = [], [], []
    for r in range(sw.replicates):
        res = run_replicate(sw.scenarios[0], "random_micro", sw.run_seed(0, r))
        hired.append(frozenset(row["influencer"] for row in res.influencers))
        offers = res.outreach["candidates"]
        ranked.append(tuple(c["influencer"] for c in offers))
        answers.append({c["influencer"]: c["accepted"] for c in offers})
        assert hired[-1] and res.outreach["offers"] > res.outreach["accepted"]  # some offers were refused
    assert len(set(hired)) > 1, "every replicate hired the same creators"
    assert len(set(ranked)) > 1, "every replicate offered in the same (random) order"
    offered = set().union(*answers)
    assert any(len({a[i] for a in answers if i in a}) > 1 for i in offered), "the same answers in every replicate"
    # the sweep's own runs go the same way (the one replicate path)
    runs = {r["replicate"]: r["metrics"] for r in map(run_point, sweep_tasks(sw))}
    assert [runs[r]["hired"] for r in range(4)] == [float(len(h)) for h in hired]


# -- a real kill, then resume -------------------------------------------------------------------------
KILL = """
[sweep]
name = "killme"
seed = 3
replicates = 6
metrics = ["roi", "reach"]
""" + TINY.replace("campaign.days = 2", "campaign.days = 3") + """
[vary."brand.budget"]
values = [30000, 45000, 60000, 75000, 90000]
"""


def test_kill_9_part_way_then_rerun_gives_the_uninterrupted_results(tmp_path):
    f = _write(tmp_path, KILL)
    total = 5 * 2 * 6
    out = tmp_path / "killed"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "sim", "sweep", str(f), "--out", str(out), "--workers", "1",
                             "--no-progress"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    db = out / "runs.sqlite"
    n_at_kill = 0
    try:
        deadline = time.time() + 60
        while time.time() < deadline and proc.poll() is None:
            n_at_kill = _count(db)
            if n_at_kill >= 5:
                os.kill(proc.pid, signal.SIGKILL)  # no cleanup, no flag: the process just dies
                break
            time.sleep(0.005)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the sweep finished before it could be killed"
    n_after = _count(db)
    assert 5 <= n_after < total  # some, not all, runs survived the kill

    assert _sweep(tmp_path, f, "--out", out, "--workers", "2") == 0
    assert _sweep(tmp_path, f, "--out", tmp_path / "whole", "--workers", "1") == 0
    assert (out / "runs.csv").read_bytes() == (tmp_path / "whole" / "runs.csv").read_bytes()
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT point, strategy, replicate FROM runs").fetchall()
    assert len(rows) == len(set(rows)) == total  # none lost, none twice


def _count(db: Path) -> int:
    if not db.is_file():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as con:
            return con.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    except sqlite3.OperationalError:  # table not created yet
        return 0


def test_a_different_sweep_into_the_same_folder_is_refused(tmp_path, capsys):
    f = _write(tmp_path, GRID)
    assert _sweep(tmp_path, f, "--out", tmp_path / "o", "--workers", "1") == 0
    g = _write(tmp_path, GRID.replace("seed = 11", "seed = 12"), "other.toml")
    capsys.readouterr()
    assert _sweep(tmp_path, g, "--out", tmp_path / "o", "--workers", "1") == 2
    err = capsys.readouterr().err
    assert "another sweep" in err and len(err.strip().splitlines()) == 1
    # cosmetic changes (name, metrics) are the same sweep: it resumes with nothing to do
    h = _write(tmp_path, GRID.replace('name = "tiny_grid"', 'name = "renamed"')
               .replace('"reach"]', '"cost"]'), "same.toml")
    assert _sweep(tmp_path, h, "--out", tmp_path / "o", "--workers", "1") == 0
    assert "0 run now" in capsys.readouterr().out


# -- failed runs --------------------------------------------------------------------------------------
FAILING = """
[sweep]
replicates = 2
strategies = ["macro", "micro_equal_budget"]
""" + TINY + """
[vary."brand.budget"]
values = [500, 60000]   # no macro account is affordable with $500: the model raises
"""


def test_failed_runs_are_recorded_and_do_not_stop_the_sweep(tmp_path, capsys):
    f = _write(tmp_path, FAILING)
    out = tmp_path / "o"
    assert _sweep(tmp_path, f, "--out", out, "--workers", "1") == 1
    text = capsys.readouterr().out
    assert "2 failed" in text and "affordable" in text
    runs = _csv(out / "runs.csv")
    head = runs[0]
    failed = [r for r in runs[1:] if r[head.index("status")] == "failed"]
    assert [(r[0], r[1]) for r in failed] == [("0", "macro"), ("0", "macro")]
    assert all("affordable" in r[head.index("error")] for r in failed)
    assert sum(r[head.index("status")] == "ok" for r in runs[1:]) == 6
    assert "Failed runs (2)" in (out / "report.html").read_text()
    # a rerun retries the failed runs only (they fail again: the budget is still $500)
    assert _sweep(tmp_path, f, "--out", out, "--workers", "1") == 1
    assert "2 run now" in capsys.readouterr().out


def test_a_rerun_retries_failed_runs_and_completes_them(tmp_path, monkeypatch):
    import sim.studies.sweep.execute as execute_mod  # run_point calls _simulate there

    sw = parse_sweep(_toml(GRID), base_dir=tmp_path)
    real = execute_mod._simulate
    calls = {"n": 0}

    def flaky(sc, name, seed, cache):
        calls["n"] += 1
        if calls["n"] % 3 == 0:
            raise RuntimeError("transient trouble")
        return real(sc, name, seed, cache)

    monkeypatch.setattr(execute_mod, "_simulate", flaky)
    first = run_sweep(sw, tmp_path / "o", progress=False)
    assert first.failed == 5 and first.first_error == "RuntimeError: transient trouble"
    monkeypatch.setattr(execute_mod, "_simulate", real)
    second = run_sweep(sw, tmp_path / "o", progress=False)
    assert (second.ran, second.skipped, second.failed) == (5, 11, 0)
    run_sweep(sw, tmp_path / "whole", progress=False)
    export(sw, tmp_path / "o")
    export(sw, tmp_path / "whole")
    assert (tmp_path / "o" / "runs.csv").read_bytes() == (tmp_path / "whole" / "runs.csv").read_bytes()


# -- validation ---------------------------------------------------------------------------------------
BASE = {"overrides": {"population": {"size": 2000, "represents": 1000}}, "vary": {"brand.budget": [1e4, 2e4]}}


def _with(**parts):
    raw = {k: dict(v) if isinstance(v, dict) else v for k, v in BASE.items()}
    for k, v in parts.items():
        raw[k] = v
    return raw


@pytest.mark.parametrize("raw, field, words", [
    (_with(extra={}), "extra", "unknown key"),
    (_with(sweep={"replicatess": 2}), "sweep.replicatess", "unknown key"),
    (_with(sweep={"replicates": 0}), "sweep.replicates", ">= 1"),
    (_with(sweep={"metrics": ["roi", "happiness"]}), "sweep.metrics[1]", "unknown metric"),
    (_with(sweep={"strategies": ["mega_swarm"]}), "sweep.strategies[0]", "no strategy"),
    (_with(design={"kind": "factorial"}), "design.kind", "not one of"),
    (_with(design={"kind": "grid", "levels": 4}), "design.levels", "morris"),
    (_with(overrides={"population": {"sizee": 3}}), "population.sizee", "unknown key"),
    (_with(overrides={"run": {"seed": 3}}), "overrides.run.seed", "sweep.seed"),
    (_with(vary={"brand.budgett": [1, 2]}), 'vary."brand.budgett"', "no such scenario field"),
    (_with(vary={}), "vary", "at least one"),
    (_with(vary={"brand": [1, 2]}), 'vary."brand"', "table"),
    (_with(vary={"brand.budget": {"values": [1e4, -5]}}), 'vary."brand.budget".values[1]', ">= 0"),
    (_with(vary={"product.luxury": {"values": [0.1, 0.1]}}), 'vary."product.luxury".values', "unique"),
    (_with(vary={"brand.budget": {"lo": 5e4, "hi": 1e4, "steps": 3}}), 'vary."brand.budget".hi', "greater than lo"),
    (_with(vary={"product.luxury": {"lo": 0.1, "hi": 1.5, "steps": 3}}), 'vary."product.luxury".hi', "<= 1"),
    (_with(vary={"brand.budget": {"lo": 1e4, "hi": 5e4}}), 'vary."brand.budget".steps', "steps"),
    (_with(vary={"brand.budget": {"lo": 0, "hi": 5e4, "log": True, "steps": 3}}), 'vary."brand.budget".lo',
     "log scale"),
    (_with(vary={"brand.budget": {"lo": 1e4, "hi": 5e4, "stepz": 3}}), 'vary."brand.budget".stepz', "unknown key"),
    (_with(vary={"run.seed": [1, 2]}), 'vary."run.seed"', "cannot be varied"),
    (_with(design={"kind": "sobol", "n": 48}, vary={"brand.budget": {"lo": 1e4, "hi": 5e4}}), "design.n",
     "power of 2"),
    (_with(design={"kind": "lhs", "n": 8}, vary={"brand.budget": [1e4, 2e4]}), 'vary."brand.budget".values',
     "values are for grids"),
    (_with(design={"kind": "morris", "n": 4}, vary={"brand.budget": {"lo": 1e4, "hi": 5e4}}), "vary",
     "two varied"),
    (_with(vary={"product.niche": ["fitness", "knitting"]}), 'vary."product.niche".values[1]', "population.niches"),
    # every design point is validated: size 100 with 150 peers each is impossible
    (_with(vary={"population.size": [100, 2000], "population.graph.mean_degree": [5, 150]}),
     "population.graph.mean_degree", "design point 1"),
])
def test_validation_errors_name_the_field(raw, field, words):
    with pytest.raises(ScenarioError) as e:
        parse_sweep(raw)
    assert e.value.field == field, str(e.value)
    assert words in str(e.value)


def test_base_scenario_path_and_nested_vary(tmp_path):
    (tmp_path / "scen").mkdir()
    (tmp_path / "scen" / "base.toml").write_text('name = "base"\n[brand]\nbudget = 12345.0\n')
    (tmp_path / "sweeps").mkdir()
    f = _write(tmp_path / "sweeps", '[sweep]\nscenario = "../scen/base.toml"\n' + TINY +
               "[vary.product]\nprice = [10, 20]\n[vary.strategies.macro]\noffer_ratio = {values = [1.0, 1.5]}\n")
    sw = load_sweep(f)
    assert sw.base.name == "base" and sw.base.brand.budget == 12345.0
    assert sw.base.population.size == 2000
    assert sw.names == ["product.price", "strategies.macro.offer_ratio"]
    assert [sc.product.price for sc in sw.scenarios] == [10.0, 10.0, 20.0, 20.0]
    missing = _write(tmp_path, '[sweep]\nscenario = "nope.toml"\n[vary]\n"brand.budget" = [1, 2]\n', "m.toml")
    with pytest.raises(ScenarioError, match="sweep.scenario: file not found"):
        load_sweep(missing)


def test_sampled_designs_stay_in_bounds_and_round_integer_fields():
    raw = _with(design={"kind": "lhs", "n": 20},
                vary={"brand.budget": {"lo": 1e4, "hi": 1e5, "log": True},
                      "strategies.micro_equal_budget.count": {"lo": 1, "hi": 9}})
    sw = parse_sweep(raw)
    budgets = [p["brand.budget"] for p in sw.points]
    counts = [p["strategies.micro_equal_budget.count"] for p in sw.points]
    assert len(sw.points) == 20 and all(1e4 <= b <= 1e5 for b in budgets)
    assert all(isinstance(c, int) and 1 <= c <= 9 for c in counts)
    assert sum(b < 10 ** 4.5 for b in budgets) == 10  # log scale: half the points below the geometric middle
    assert parse_sweep(raw).points == sw.points  # the design comes from the sweep seed


# -- end to end: sensitivity designs and the report ---------------------------------------------------
def test_sobol_sweep_end_to_end_writes_indices_and_report(tmp_path, capsys):
    pytest.importorskip("SALib")
    text = """
[sweep]
replicates = 1
strategies = ["micro_equal_budget"]
metrics = ["reach", "roi"]
""" + TINY + """
run.parameters = "fixed"   # a mechanics check: with 1 replicate, drawn behaviour would drown budget vs engage_base
strategies.micro_equal_budget.match = ""   # its own budget, not the macro's cost (which one account caps)
selection.min_brand_fit = 0.0   # enough accounts to buy: money buys accounts (not more posts of the same few)
[design]
kind = "sobol"
n = 8
[vary."parameters.engage_base"]
lo = 0.01
hi = 0.2
[vary."brand.budget"]
lo = 20000
hi = 80000
"""
    f = _write(tmp_path, text)
    assert _sweep(tmp_path, f, "--out", tmp_path / "o", "--workers", "2") == 0
    out = capsys.readouterr().out
    assert "ST=" in out
    sens = _csv(tmp_path / "o" / "sensitivity.csv")
    assert sens[0] == ["strategy", "metric", "method", "parameter", "S1", "S1_conf", "ST", "ST_conf"]
    assert {r[3] for r in sens[1:]} == {"parameters.engage_base", "brand.budget"}
    reach_st = {r[3]: float(r[6]) for r in sens[1:] if r[1] == "reach"}
    assert reach_st["brand.budget"] > reach_st["parameters.engage_base"]  # money buys accounts, accounts reach
    page = (tmp_path / "o" / "report.html").read_text()
    assert page.count("plotly.js v") == 1 and "Sensitivity of people reached" in page


def test_grid_report_has_heatmaps_lines_and_table(tmp_path):
    f = _write(tmp_path, GRID)
    assert _sweep(tmp_path, f, "--out", tmp_path / "two", "--workers", "1") == 0
    page = (tmp_path / "two" / "report.html").read_text()
    heatmap = '"texttemplate":"%{text}"'  # the cells' labels of our heatmaps
    assert heatmap in page and page.count("plotly.js v") == 1 and "<h2>Table</h2>" in page
    one = _write(tmp_path, GRID.split('[vary."product.price"]')[0], "one.toml")
    assert _sweep(tmp_path, one, "--out", tmp_path / "one", "--workers", "1") == 0
    page = (tmp_path / "one" / "report.html").read_text()
    assert '"fill":"toself"' in page and heatmap not in page  # lines with interval bands
    for name in ("runs.csv", "summary.csv", "sweep.json", "runs.sqlite"):
        assert (tmp_path / "one" / name).is_file()
    doc = json.loads((tmp_path / "one" / "sweep.json").read_text())
    assert doc["design"]["kind"] == "grid"  # tables, not the text of Python objects
    assert doc["base_scenario"]["population"]["size"] == 2000 and doc["points"][0] == {"brand.budget": 30000.0}
    summary = _csv(tmp_path / "one" / "summary.csv")
    assert summary[0][:5] == ["point", "brand.budget", "strategy", "n_ok", "n_failed"]
    assert "roi_ci_low" in summary[0]


def test_baseline_adds_paired_differences(tmp_path):
    raw = _toml(GRID.replace('metrics = ["roi", "conversions", "reach"]',
                             'metrics = ["reach"]\nbaseline = "macro"'))
    sw = parse_sweep(raw, base_dir=tmp_path)
    run_sweep(sw, tmp_path / "o", progress=False)
    res = export(sw, tmp_path / "o")
    rows = _csv(tmp_path / "o" / "runs.csv")
    head = rows[0]
    reach = {(r[0], r[1], r[2]): float(r[head.index("reach")]) for r in rows[1:]}
    for row in res["summary"]:
        if row["strategy"] == "macro":
            assert "reach_diff_mean" not in row
            continue
        p = str(row["point"])
        want = sum(reach[(p, "micro_equal_budget", str(r))] - reach[(p, "macro", str(r))] for r in range(2)) / 2
        assert row["reach_diff_mean"] == pytest.approx(want)
        assert row["reach_diff_ci_low"] <= want <= row["reach_diff_ci_high"]
    assert "reach_diff_mean" in _csv(tmp_path / "o" / "summary.csv")[0]
    assert "difference to macro" in (tmp_path / "o" / "report.html").read_text()
    with pytest.raises(ScenarioError, match="sweep.baseline"):
        parse_sweep(_toml(GRID.replace("replicates = 2", 'replicates = 2\nbaseline = "mega"')))


def test_a_sweep_may_fix_its_market():
    """``overrides.run.market`` is the one run setting a sweep takes from its overrides (a fixed-market sweep)."""
    raw = _with(overrides={"run": {"market": "fixed"}})
    assert parse_sweep(raw).base.run.market == "fixed"
    assert parse_sweep(_with()).base.run.market == "per_replicate"


# -- issue 17, point 5: a finished, failed or interrupted sweep leaves no lock file -------------------------
def test_a_finished_failed_or_interrupted_sweep_leaves_no_lock_file(tmp_path, monkeypatch, capsys):
    import sim.studies.sweep.execute as execute_mod

    f = _write(tmp_path, GRID)
    assert _sweep(tmp_path, f, "--out", tmp_path / "done", "--workers", "1") == 0
    assert sorted(p.name for p in (tmp_path / "done").iterdir()) == [
        "report.html", "runs.csv", "runs.sqlite", "summary.csv", "sweep.json"]
    assert _sweep(tmp_path, _write(tmp_path, FAILING, "failing.toml"), "--out", tmp_path / "failed",
                  "--workers", "1") == 1
    assert not (tmp_path / "failed" / "runs.lock").exists()
    real, calls = execute_mod._simulate, []

    def interrupted(*args):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # Ctrl-C (SIGTERM is the same exception, from sim.cli)
        return real(*args)

    monkeypatch.setattr(execute_mod, "_simulate", interrupted)
    assert _sweep(tmp_path, f, "--out", tmp_path / "stopped", "--workers", "1") == 130
    assert sorted(p.name for p in (tmp_path / "stopped").iterdir()) == ["runs.sqlite"]
    monkeypatch.setattr(execute_mod, "_simulate", real)
    assert _sweep(tmp_path, f, "--out", tmp_path / "stopped", "--workers", "1") == 0  # resumes
    assert (tmp_path / "stopped" / "runs.csv").read_bytes() == (tmp_path / "done" / "runs.csv").read_bytes()
    assert not (tmp_path / "stopped" / "runs.lock").exists()


def test_a_second_sweep_into_a_folder_in_use_is_one_line(tmp_path, capsys):
    from sim.studies.store import ResultStore

    f = _write(tmp_path, GRID)
    out = tmp_path / "o"
    sw = load_sweep(f)
    with ResultStore(out / "runs.sqlite", sw.identity()):  # a sweep running in this folder
        assert _sweep(tmp_path, f, "--out", out, "--workers", "1") == 2
    err = capsys.readouterr().err.strip()
    assert err == f"influsim: error: {out} is in use by another running sweep"
    assert sorted(p.name for p in out.iterdir()) == ["runs.sqlite"]
