"""Issue 12, points 4 and 5: estimates before anything large is allocated, progress, and input limits.

Each test names the bullet of the issue it reproduces.
"""

from __future__ import annotations

import io
import os
import re
import resource
import subprocess
import sys
import textwrap
import time
import warnings
from argparse import Namespace
from pathlib import Path

import pytest

import sim.cli
from sim.errors import ScenarioError
from sim.scenario import default_scenario, load_scenario_text, with_fields

ROOT = Path(__file__).resolve().parents[1]
GB = 1e9
TINY = {"population.size": 2000, "population.represents": 1000, "campaign.days": 2,
        "parameters.offer_response_days": 0}


def _env(**extra) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    env.update(extra)
    return env


def _pretend_available(monkeypatch, free: float) -> None:
    from sim.studies import resources

    monkeypatch.setattr(resources, "available_memory", lambda *a, **k: (free, "MemAvailable"))
    monkeypatch.setattr(resources, "address_space_left", lambda: float("inf"))


def _toml_file(tmp_path: Path, text: str, name: str = "s.toml") -> str:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return str(p)


# -- point 4: "50,000,000 people is accepted and dies after 20 s with _ArrayMemoryError" --------------------
def test_fifty_million_people_are_refused_in_one_line_in_under_a_second(tmp_path, capsys, monkeypatch):
    _pretend_available(monkeypatch, 21 * GB)  # this 24 GB machine
    out = tmp_path / "out"
    t0 = time.perf_counter()
    rc = sim.cli.main(["run", "--set", "population.size=50000000", "--out", str(out)])
    took = time.perf_counter() - t0
    err = capsys.readouterr().err
    assert rc == 2 and took < 1.0, took
    assert re.fullmatch(r"influsim: error: population\.size: 50,000,000 people( on \d+ worker processes)? need about "
                        r"\d+ GB of memory, 21 GB are available; use --force to try anyway\n", err), err
    assert not out.exists()


def test_fifty_million_people_refused_by_the_command_on_this_machine(tmp_path):
    from sim.studies.resources import available_memory, run_estimate
    from sim.studies.runs import default_workers

    sc = with_fields(default_scenario(), {"population.size": 50_000_000})
    if run_estimate(sc, default_workers(sc.run.replicates)).bytes <= available_memory()[0]:
        pytest.skip("this machine has the memory for 50,000,000 people")
    out = tmp_path / "out"
    t0 = time.perf_counter()
    p = subprocess.run([sys.executable, "-m", "sim", "run", "--set", "population.size=50000000", "--out", str(out)],
                       capture_output=True, text=True, env=_env(), timeout=120)
    took = time.perf_counter() - t0
    print(f"refused in {took:.2f} s (process start and imports included): {p.stderr.strip()}")
    assert p.returncode == 2 and p.stdout == ""
    assert len(p.stderr.splitlines()) == 1 and "GB of memory" in p.stderr and "--force" in p.stderr
    assert not out.exists()


def test_force_runs_what_the_estimate_refuses(tmp_path, capsys, monkeypatch):
    _pretend_available(monkeypatch, 1e6)  # 1 MB: everything is refused
    scenario = _toml_file(tmp_path, """
        [population]
        size = 2000
        represents = 1000
        [campaign]
        days = 2
        [run]
        replicates = 1
        """)
    args = ["run", scenario, "--workers", "1", "--no-progress"]
    assert sim.cli.main(args + ["--out", str(tmp_path / "a")]) == 2
    assert "use --force" in capsys.readouterr().err and not (tmp_path / "a").exists()
    assert sim.cli.main(args + ["--out", str(tmp_path / "b"), "--force"]) == 0
    err = capsys.readouterr().err
    assert "--force: 1.0 MB are available" in err
    assert (tmp_path / "b" / "report.html").is_file()


# -- point 4: "2,000,000 people under a 1 GB limit, the same" ------------------------------------------------
def test_two_million_people_under_a_one_gigabyte_address_space_limit_are_refused(tmp_path):
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (10**9, 10**9))

    out = tmp_path / "out"
    p = subprocess.run([sys.executable, "-m", "sim", "run", "--set", "population.size=2000000", "--out", str(out)],
                       capture_output=True, text=True, env=_env(), timeout=300, preexec_fn=limit)
    assert p.returncode == 2, p.stderr[-2000:]
    assert re.fullmatch(r"influsim: error: population\.size: 2,000,000 people need about [\d.]+ [MG]B of address "
                        r"space in one process, \d+ MB are left under the limit \(ulimit -v\); "
                        r"use --force to try anyway\n",
                        p.stderr), p.stderr[-2000:]
    assert not out.exists()


def test_cgroup_limits_v2_and_v1(tmp_path):
    from sim.studies.resources import available_memory

    meminfo = tmp_path / "meminfo"
    meminfo.write_text("MemTotal:       24000000 kB\nMemAvailable:   20000000 kB\n")
    v2 = tmp_path / "v2"
    (v2 / "job").mkdir(parents=True)
    (v2 / "job" / "memory.max").write_text("1073741824\n")
    (v2 / "job" / "memory.current").write_text("536870912\n")
    (v2 / "job" / "memory.stat").write_text("anon 1\ninactive_file 100000000\n")
    cg2 = tmp_path / "cgroup2"
    cg2.write_text("0::/job\n")
    assert available_memory(meminfo, v2, cg2) == (2**30 - 2**29 + 100_000_000, "the cgroup memory limit")
    (v2 / "job" / "memory.max").write_text("max\n")
    assert available_memory(meminfo, v2, cg2) == (20_000_000 * 1024, "MemAvailable")
    v1 = tmp_path / "v1"
    (v1 / "memory" / "box").mkdir(parents=True)
    (v1 / "memory" / "box" / "memory.limit_in_bytes").write_text(str(2 * 10**9))
    (v1 / "memory" / "box" / "memory.usage_in_bytes").write_text(str(5 * 10**8))
    cg1 = tmp_path / "cgroup1"
    cg1.write_text("4:memory:/box\n0::/\n")
    assert available_memory(meminfo, v1, cg1) == (15 * 10**8, "the cgroup memory limit")
    (v1 / "memory" / "box" / "memory.limit_in_bytes").write_text("9223372036854771712")  # no limit
    assert available_memory(meminfo, v1, cg1)[1] == "MemAvailable"


def test_a_cgroup_limit_is_named_in_the_refusal(monkeypatch):
    from sim.studies import resources

    sc = with_fields(default_scenario(), {"population.size": 2_000_000})
    with pytest.raises(resources.ResourceError, match=r"people need about .* of memory, 500 MB are available under "
                                                      r"the cgroup memory limit; use --force"):
        resources.check(resources.run_estimate(sc, 1), available=(5e8, "the cgroup memory limit"))


# -- point 4: the estimate is honest -------------------------------------------------------------------------
MEASURE = """
import resource, sys, tracemalloc
from sim.scenario import default_scenario, with_fields
from sim.campaign.luck import replicate_seeds
from sim.campaign.setup import draw_market
from sim.studies.replicate import run_replicate
from sim.studies.resources import market_bytes
def rss():
    return next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith("VmRSS"))
n = int(sys.argv[1])
sc = with_fields(default_scenario(), {"population.size": n, "campaign.days": 30})
seed = replicate_seeds(42, 1)[0]
base = rss()
tracemalloc.start()
market = draw_market(sc, seed)
for name in sc.strategies:
    run_replicate(sc, name, seed, market=market, keep_wom=True)
allocated = tracemalloc.get_traced_memory()[1]
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 - base
print(allocated, peak, market_bytes(sc.population)[1], market.nbytes())
"""


def test_the_estimate_covers_the_measured_peak_of_a_market_and_its_campaigns():
    """Per-person bytes come from the world's dtypes; the working memory is checked here against a measured peak
    (a process that builds a 600,000-person market and runs both default strategies for 30 days).

    The peak that is checked is the allocated one (tracemalloc sees numpy's buffers): it is what the code asks
    for, 293-349 B/person with 1-2 threads. The resident peak is printed too but not asserted: it moved from 396
    B/person (this test alone) to 1,008-1,254 (inside the full suite) with the same code and seed, as glibc's
    per-thread arenas keep freed memory, so no fixed estimate can be both safe for it and tight."""
    p = subprocess.run([sys.executable, "-c", MEASURE, "600000"], capture_output=True, text=True, env=_env(),
                       timeout=600)
    assert p.returncode == 0, p.stderr[-2000:]
    allocated, resident, estimated, arrays = map(float, p.stdout.split())
    print(f"allocated peak {allocated / 6e5:.0f} B/person, resident {resident / 6e5:.0f}, estimated "
          f"{estimated / 6e5:.0f}, arrays {arrays / 6e5:.0f}")
    assert arrays < allocated <= estimated <= 3 * allocated  # safe, and not absurdly so


def test_per_person_bytes_follow_the_dtypes_of_the_world():
    import numpy as np

    from sim.studies.resources import person_bytes
    from sim.world import build_population

    sc = with_fields(default_scenario(), {**TINY, "population.graph.mean_degree": 12.0})
    pop = build_population(sc, use_cache=False)
    b = person_bytes(sc.population)
    arrays = pop.nbytes() / pop.n  # people arrays and CSR graph of a built market
    assert b["people"] + b["graph"] == pytest.approx(arrays, rel=0.1)
    assert b["derived"] == np.dtype(pop.niche.dtype).itemsize + 4 + 16


# -- point 4: "A legal Latin-hypercube sweep of 1,000,000 points validates point by point, silently, for minutes"
def test_a_million_point_latin_hypercube_is_read_on_a_sample_and_refused_quickly(tmp_path, capsys, monkeypatch):
    from sim.studies.sweep.spec import load_sweep

    _pretend_available(monkeypatch, 21 * GB)
    path = _toml_file(tmp_path, """
        [sweep]
        name = "big"
        replicates = 5
        [overrides]
        population.size = 2000
        population.represents = 1000
        campaign.days = 2
        [design]
        kind = "lhs"
        n = 1000000
        [vary."brand.budget"]
        lo = 10000
        hi = 100000
        [vary."product.price"]
        lo = 10
        hi = 100
        """, "big.toml")
    t0 = time.perf_counter()
    sw = load_sweep(path)
    took = time.perf_counter() - t0
    assert len(sw.points) == 1_000_000 and sw.scenarios.checked <= 600, sw.scenarios.checked
    assert sw.scenarios[123_456].brand.budget == sw.points[123_456]["brand.budget"]  # the others, when asked for
    del sw
    out = tmp_path / "out"
    t0 = time.perf_counter()
    rc = sim.cli.main(["sweep", path, "--out", str(out)])
    took_cli = time.perf_counter() - t0
    err = capsys.readouterr().err
    print(f"read in {took:.1f} s; refused in {took_cli:.1f} s: {err.strip()}")
    assert rc == 2 and took_cli < 90
    assert re.fullmatch(r"influsim: error: design: 1,000,000 design points x 2 strategies x 5 replicates = "
                        r"10,000,000 runs need about \d+ GB of memory, 21 GB are available; use --force to try "
                        r"anyway\n", err), err
    assert not out.exists()


GRID = """
    [sweep]
    name = "grid"
    replicates = 1
    strategies = ["macro"]
    [overrides]
    population.represents = 1000
    campaign.days = 2
    [vary]
    "population.size" = [200, 300, 400, 500]
    "population.graph.mean_degree" = [5, 10, 250, 350, {last}]
    """


def test_a_large_design_is_checked_point_by_point_before_the_folder_with_progress(tmp_path, capsys, monkeypatch):
    from sim.studies.sweep import spec

    monkeypatch.setattr(spec, "FULL_CHECK", 10)  # 20 points count as a large design
    monkeypatch.setattr(spec, "SAMPLE_CHECK", 2)  # checked on the first and the last when read
    monkeypatch.setenv("INFLUSIM_PROGRESS_EVERY", "0.01")
    path = _toml_file(tmp_path, GRID.format(last=450), "grid.toml")
    sw = spec.load_sweep(path)  # point 2 (200 people, degree 250) is bad but not in the sample
    assert sw.scenarios.checked == 2
    out = tmp_path / "out"
    assert sim.cli.main(["sweep", path, "--out", str(out)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[-1] == ("influsim: error: population.graph.mean_degree: must be smaller than population.size (design "
                       "point 2: population.size=200, population.graph.mean_degree=250.0)")
    assert not out.exists()
    # a good large design: every point is checked, with plain progress lines when stderr is not a terminal
    from sim.reports.sweep_export import _preflight

    sw = spec.load_sweep(_toml_file(tmp_path, GRID.format(last=199).replace("350", "150").replace("250", "120"),
                                    "good.toml"))
    _preflight(sw, Namespace(workers=1, scheduler=None, force=False, no_progress=False))
    assert sw.scenarios.checked == 20
    assert "influsim: 20/20 points checked in " in capsys.readouterr().err


# -- point 4: "Nothing is printed while a 1M population builds (16 s), nor at all when output is not a terminal"
def test_plain_progress_lines_when_stderr_is_not_a_terminal():
    from sim.reports.progress import LineProgress, status_line

    assert status_line(12, 40, 25.0, "run") == "influsim: 12/40 runs done, 25 s elapsed, about 58 s left"
    out = io.StringIO()
    bar = LineProgress(10, "run", stream=out, every=0.02)
    bar.update(3)
    time.sleep(0.15)
    bar.update(7)
    bar.close()
    lines = out.getvalue().splitlines()
    assert len(lines) >= 3
    assert all(re.fullmatch(r"influsim: 3/10 runs done, \d+ s elapsed, about \d+ s left", x) for x in lines[:-1])
    assert re.fullmatch(r"influsim: 10/10 runs done in \d+ s", lines[-1])


def test_the_world_build_reports_its_stages():
    from sim.reports.progress import market_progress
    from sim.world import build_population

    out = io.StringIO()
    sc = with_fields(default_scenario(), TINY)
    with market_progress(stream=out, threshold=1000, every=0.001):
        build_population(sc, use_cache=False)
    text = out.getvalue()
    for stage in ("drawing people", "peer graph", "creators"):
        assert f"influsim: building a market of 2,000 people: {stage}" in text
    assert re.search(r"influsim: market of 2,000 people built in \d+ s$", text.strip())
    out = io.StringIO()
    with market_progress(stream=out):  # below the threshold of 1,000,000 people: quiet
        build_population(sc, use_cache=False)
    assert out.getvalue() == ""


def test_run_prints_progress_lines_when_stderr_is_not_a_terminal(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("INFLUSIM_PROGRESS_EVERY", "0.05")
    scenario = _toml_file(tmp_path, """
        [population]
        size = 2000
        represents = 1000
        [campaign]
        days = 2
        [run]
        replicates = 3
        """)
    assert sim.cli.main(["run", scenario, "--workers", "1", "--out", str(tmp_path / "o")]) == 0
    err = capsys.readouterr().err
    assert re.search(r"^influsim: 6/6 runs done in \d+ s$", err, re.MULTILINE), err


def test_sweep_prints_progress_lines_when_stderr_is_not_a_terminal(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("INFLUSIM_PROGRESS_EVERY", "0.05")
    path = _toml_file(tmp_path, """
        [sweep]
        replicates = 1
        strategies = ["macro"]
        [overrides]
        population.size = 2000
        population.represents = 1000
        campaign.days = 2
        [vary]
        "brand.budget" = [30000, 60000]
        """, "sw.toml")
    assert sim.cli.main(["sweep", path, "--out", str(tmp_path / "o"), "--workers", "1"]) == 0
    err = capsys.readouterr().err
    assert re.search(r"^influsim: 2/2 runs done in \d+ s$", err, re.MULTILINE), err


# -- point 5: input limits -----------------------------------------------------------------------------------
@pytest.mark.parametrize("text", [
    "x = " + "[" * 3000 + "]" * 3000,
    "x = " + "{a = " * 3000 + "1" + "}" * 3000,
    ".".join(["a"] * 3000) + " = 1",
    "[" + ".".join(["a"] * 3000) + "]\nx = 1",
], ids=["arrays", "inline-tables", "dotted-keys", "table-header"])
def test_three_thousand_deep_toml_is_one_line(tmp_path, capsys, text):
    """'Deeply nested TOML gives a RecursionError with a 3,000-line traceback'."""
    rc = sim.cli.main(["run", _toml_file(tmp_path, text), "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 2 and err == "influsim: error: scenario: tables or lists nested deeper than 12 levels\n"


@pytest.mark.parametrize("text, message", [
    ('[population]\nniches = ["", "fitness"]', "population.niches: niche names must not be empty"),
    ('name = "a\\u001b[31mred"', "name: contains a control character (U+001B); names must be printable"),
    ('[population]\nniches = ["fit\\u0000ness", "food"]',
     "population.niches[0]: contains a control character (U+0000); names must be printable"),
    ('[strategies."big\\u0007one"]\nkind = "macro"',
     "strategies: the name 'big\\x07one' contains a control character (U+0007); names must be printable"),
    ('[strategies."a\\u001b[2J"]\nkind = "viral"',
     "strategies: the name 'a\\x1b[2J' contains a control character (U+001B); names must be printable"),
    ('"\\u001b[2J" = 1', None),
    ('name = "' + "x" * 1_000_000 + '"', "name: is too long (1,000,000 characters; at most 100)"),
    ('[strategies."' + "y" * 1_000_000 + '"]\nkind = "viral"', None),
    ('description = "' + "d" * 20_000 + '"', "description: is too long (20,000 characters; at most 10,000)"),
    ('description = "ring\\u0007"', "description: contains a control character (U+0007); text must be printable"),
])
def test_names_with_control_characters_or_a_megabyte_are_one_short_line(text, message):
    """'niches = ["", "fitness"] is accepted'; 'control bytes and a 1 MB name are echoed raw into errors'."""
    with pytest.raises(ScenarioError) as err:
        load_scenario_text(text)
    shown = str(err.value)
    assert shown.isprintable() and len(shown) < 400, repr(shown[:400])
    if message:
        assert shown == message


def test_control_characters_in_set_and_unknown_keys_are_escaped(tmp_path, capsys):
    rc = sim.cli.main(["run", "--set", "brand.\x1b[2J" + "z" * 100_000 + "=1", "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 2 and err.startswith("influsim: error: brand.\\x1b[2Jzzz") and len(err) < 400 and err.count("\n") == 1


def test_descriptions_keep_their_newlines():
    assert load_scenario_text('description = "two\\nlines\\tand a tab"').description == "two\nlines\tand a tab"


@pytest.mark.parametrize("field, value", [
    ("product.price", 1e300), ("brand.budget", 1e300), ("brand.hourly_rate", 1e300),
    ("brand.management_hours", 1e300), ("brand.connect_first_hours", 1e300), ("strategies.macro.budget", 1e308),
    ("influencers.max_followers", 1e300), ("product.price", float("inf")), ("brand.budget", float("nan")),
])
def test_overflowing_money_is_refused_in_one_line(field, value):
    """'price = 1e300 prints numpy overflow warnings and an ROI of 300 digits with interval [-inf, inf]'."""
    with pytest.raises(ScenarioError) as err:
        with_fields(default_scenario(), {field: value})
    shown = str(err.value)
    assert shown.startswith(field + ": must be") and len(shown) < 120, shown


def test_the_largest_money_values_allowed_print_no_inf_and_no_overflow(tmp_path, capsys):
    scenario = _toml_file(tmp_path, """
        [population]
        size = 2000
        represents = 1000
        [campaign]
        days = 2
        [brand]
        budget = 1e12
        hourly_rate = 1e6
        [product]
        price = 1e9
        [parameters]
        offer_response_days = 0
        [run]
        replicates = 3
        """)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # numpy overflow warnings fail the test
        rc = sim.cli.main(["run", scenario, "--workers", "1", "--no-progress", "--out", str(tmp_path / "o")])
    out, err = capsys.readouterr()
    assert rc == 0, err
    assert "overflow" not in err
    assert not re.search(r"\binf\b", out), [x for x in out.splitlines() if re.search(r"\binf\b", x)]
    assert not re.search(r"\d[\d,.]{40,}", out)  # no number of 30+ digits


def test_a_nano_swarm_the_pool_cannot_fill_says_how_many_it_hired():
    """'nano_swarm with count = 1e9 hires 65 without saying so'."""
    from sim.campaign.luck import replicate_seeds
    from sim.campaign.setup import prepare

    sc = with_fields(default_scenario(), {**TINY, "strategies.swarm": {"kind": "nano_swarm", "count": 1e9}})
    market, roster = prepare(sc, "swarm", replicate_seeds(42, 1)[0])
    hired, pool = len(roster.ids), len(market.pool.ids_of_tier("nano"))
    assert 0 < hired < pool
    assert (  # after the ran-out line (the money left), the swarm's own count
        f"hired {hired:,} of the 1,000,000,000 asked: the pool has {pool:,} nano accounts and "
        f"{roster.outreach['offers'] - hired:,} refused the offer") in roster.outreach["note"]
    assert roster.outreach["filled"] is False  # the terminal's warnings say the candidates ran out


def test_the_estimate_plans_the_same_workers_as_the_run():
    from sim.studies import resources, runs

    assert [resources.default_workers(n) for n in (1, 2, 3, 100)] == [runs.default_workers(n) for n in (1, 2, 3, 100)]


# -- issue 17, point 5: "the time estimate said about 2 min 15 s for a sweep that took 36 s" -------------------
#: Measured on the 2-core calibration machine (issue 17): ``influsim sweep scenarios/sweeps/X.toml`` with the
#: default 2 workers, whole command (seconds). The estimate said 135 and 224 s before the fix. Re-measured
#: 2026-12-07 once strategies spend their whole budget (equal spend, top-up posts): 44.2 and 92.5 s (were 22.0, 43.1).
SHIPPED_SWEEP_SECONDS = {"budget_vs_micro_count": 44.2, "sobol_roi": 92.5}


@pytest.mark.parametrize("name", sorted(SHIPPED_SWEEP_SECONDS))
def test_the_estimate_of_each_shipped_sweep_is_within_a_factor_of_1_5_of_its_measured_time(name, monkeypatch):
    from sim.studies import resources
    from sim.studies.sweep import load_sweep

    monkeypatch.setattr(resources.os, "cpu_count", lambda: 2)  # the calibration machine
    est = resources.sweep_estimate(load_sweep(ROOT / "scenarios" / "sweeps" / f"{name}.toml"), 2)
    measured = SHIPPED_SWEEP_SECONDS[name]
    assert measured / 1.5 <= est.seconds <= measured * 1.5, (est.seconds, measured)


def _counting_builds(monkeypatch) -> list:
    from sim.world import population

    built, real = [], population.build
    monkeypatch.setattr(population, "build", lambda *a, **k: built.append(1) or real(*a, **k))
    return built


@pytest.mark.parametrize("design", [
    {"sweep": {"replicates": 2, "common_random_numbers": True}, "vary": {"brand.budget": [2e4, 4e4, 6e4]}},
    {"sweep": {"replicates": 2}, "vary": {"brand.budget": [2e4, 4e4]}},
    {"sweep": {"replicates": 2, "common_random_numbers": True},
     "vary": {"population.susceptibility_mean": [0.2, 0.3], "brand.budget": [2e4, 4e4]}},
    {"sweep": {"replicates": 2}, "vary": {"brand.budget": [2e4, 4e4]}, "overrides": {"run.market": "fixed"}},
], ids=["crn", "own-seeds", "population-varied", "fixed-market"])
def test_the_estimate_counts_the_markets_a_sweep_builds(design, monkeypatch, tmp_path):
    # it charged a market build to every run: the strategies of a replicate share one, and so do the points of
    # a replicate under common random numbers
    from sim.studies.resources import sweep_market_builds
    from sim.studies.sweep import parse_sweep, run_sweep
    from sim.world import cache

    raw = {**design, "overrides": {"population": {"size": 2000, "represents": 1000}, "campaign.days": 2,
                                   "parameters.offer_response_days": 0, **design.get("overrides", {})}}
    sw = parse_sweep(raw)
    monkeypatch.setenv("INFLUSIM_CACHE", str(tmp_path / "cache"))
    cache._MEMORY.clear()
    cache._REPLICATE_MEMORY.clear()
    built = _counting_builds(monkeypatch)
    assert run_sweep(sw, tmp_path / "out", progress=False).failed == 0
    assert len(built) == sweep_market_builds(sw, 1) < sw.n_runs


def test_the_estimated_work_of_a_sweep_matches_the_cpu_time_it_takes(tmp_path, monkeypatch):
    """CPU time of this process, so that other work on the machine does not count; within a factor of 2."""
    from sim.studies import resources
    from sim.studies.sweep import parse_sweep, run_sweep
    from sim.world import cache

    sw = parse_sweep({"sweep": {"replicates": 2, "common_random_numbers": True, "scenario": str(
        ROOT / "scenarios" / "micro_vs_macro.toml"), "strategies": ["macro", "micro_equal_budget"]},
        "overrides": {"population": {"size": 20000, "represents": 100}, "campaign.days": 14},
        "vary": {"brand.budget": [15000, 50000, 120000]}})
    monkeypatch.setenv("INFLUSIM_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("INFLUSIM_THREADS", "1")  # as in a worker process
    cache._REPLICATE_MEMORY.clear()
    population = sw.base.population
    estimated = (resources.sweep_market_builds(sw, 1) * resources.build_seconds(population)
                 + sw.n_runs * resources.campaign_seconds(sw.base))
    t0 = time.process_time()
    run_sweep(sw, tmp_path / "out", progress=False)
    took = time.process_time() - t0
    print(f"estimated {estimated:.2f} s of work, took {took:.2f} s of CPU")
    assert took / 2 <= estimated <= took * 2


def test_the_market_sections_are_those_the_market_key_hashes():
    from sim.studies.resources import MARKET_SECTIONS
    from sim.world import population_key

    sc = default_scenario()
    shaping = {"population": "population.size", "tiers": "tiers.micro", "influencers": "influencers.audience_focus"}
    assert set(shaping) == set(MARKET_SECTIONS)
    for path in shaping.values():
        value = sc.model_dump()
        for part in path.split("."):
            value = value[part]
        assert population_key(with_fields(sc, {path: value * 0.9})) != population_key(sc), path
    for path, value in {"brand.budget": 1234.0, "campaign.days": 3, "product.price": 9.0,
                        "parameters.offer_response_days": 0}.items():
        assert population_key(with_fields(sc, {path: value})) == population_key(sc), path


def test_the_time_left_is_paced_by_the_work_done_since_the_first_finished():
    # the start (workers starting, the model imported, the first markets) is not paid again for every run
    from sim.reports.progress import LineProgress

    out = io.StringIO()
    bar = LineProgress(100, "run", stream=out, every=60)
    bar.t0 -= 30.0  # 30 s to start
    bar.update(1)
    bar.t0 -= 9.0  # then 9 runs in 9 s
    bar.update(9)
    line = bar._status(time.perf_counter() - bar.t0)
    bar.close()
    assert line == "influsim: 10/100 runs done, 39 s elapsed, about 90 s left"  # not 39 s / 10 x 90: 5 min 51 s
