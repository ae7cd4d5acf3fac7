import subprocess
import sys

import pytest

from sim.cli import main

SMALL_TOML = """
[population]
size = 3000
represents = 500
[campaign]
days = 4
[run]
replicates = 2
"""


@pytest.fixture
def scenario_file(tmp_path):
    f = tmp_path / "small.toml"
    f.write_text(SMALL_TOML)
    return f


def test_run_writes_the_four_files_and_is_deterministic(scenario_file, tmp_path, capsys):
    for name in ("A", "B"):
        assert main(["run", str(scenario_file), "--seed", "7", "--out", str(tmp_path / name), "--no-progress",
                     "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "ROI on gross profit" in out and "macro" in out
    for f in ("report.html", "summary.csv", "runs.csv", "scenario.json"):
        assert (tmp_path / "A" / f).is_file()
    for f in ("summary.csv", "runs.csv"):
        assert (tmp_path / "A" / f).read_bytes() == (tmp_path / "B" / f).read_bytes()
    summary = (tmp_path / "A" / "summary.csv").read_text().splitlines()
    assert summary[0] == "strategy,metric,mean,ci_low,ci_high,n"
    metrics = {line.split(",")[1] for line in summary[1:]}
    assert {"impressions", "reach", "engagements", "engagement_rate", "conversions", "revenue", "cost", "roi",
            "cost_per_engagement", "cost_per_acquisition"} <= metrics
    runs = (tmp_path / "A" / "runs.csv").read_text().splitlines()
    assert len(runs) == 1 + 2 * 2  # header + strategies x replicates
    html = (tmp_path / "A" / "report.html").read_text()
    assert "<script src=" not in html and "Plotly.newPlot" in html  # self-contained: no external scripts


def test_workers_do_not_change_the_numbers(scenario_file, tmp_path):
    for name, w in (("one", "1"), ("two", "2")):
        assert main(["run", str(scenario_file), "--out", str(tmp_path / name), "--no-progress", "--workers", w]) == 0
    assert (tmp_path / "one" / "runs.csv").read_bytes() == (tmp_path / "two" / "runs.csv").read_bytes()


def _bad(tmp_path, name, text):
    f = tmp_path / name
    f.write_text(text)
    return str(f)


BAD_CASES = [
    ("missing scenario file", lambda p: ["run", str(p / "nope.toml")], "file not found"),
    ("unknown key", lambda p: ["run", _bad(p, "a.toml", "[population]\nsise = 3\n")], "population.sise: unknown key"),
    ("out of range", lambda p: ["run", _bad(p, "b.toml", "[product]\nmargin = 2\n")], "product.margin: must be <= 1"),
    ("malformed toml", lambda p: ["run", _bad(p, "c.toml", "[population\n")], "not valid TOML"),
    ("wrong type", lambda p: ["run", _bad(p, "d.toml", "[brand]\nbudget = 'lots'\n")], "brand.budget: expected a number"),
    ("zero replicates", lambda p: ["run", "--replicates", "0"], "run.replicates: must be >= 1"),
    ("negative seed", lambda p: ["run", "--seed", "-3"], "run.seed: must be >= 0"),
    ("zero workers", lambda p: ["run", "--workers", "0"], "--workers: must be >= 1"),
    ("non-integer option", lambda p: ["run", "--replicates", "many"], "invalid int value"),
    ("missing graph file", lambda p: ["run", _bad(p, "e.toml", "[population.graph]\ngenerator = 'file'\n"
                                                       "path = 'none.edgelist'\n")], "file not found"),
    ("malformed graph file", lambda p: ["run", _bad(p, "f.toml", "[population]\nsize = 200\n[population.graph]\n"
                                                         "generator = 'file'\npath = 'g.edgelist'\n")],
     "graph file"),
    ("unknown command", lambda p: ["fly"], "invalid choice"),
    ("unaffordable strategy", lambda p: ["run", _bad(p, "h.toml", "[population]\nsize = 3000\nrepresents = 500\n"
                                                           "[brand]\nbudget = 10\n")], "affordable"),
]


@pytest.mark.parametrize("name, argv, message", BAD_CASES, ids=[c[0] for c in BAD_CASES])
def test_bad_input_one_line_exit_2_no_folder(tmp_path, capsys, name, argv, message):
    (tmp_path / "g.edgelist").write_text("0 1\n1 two three\nx\n")
    out = tmp_path / "out"
    args = argv(tmp_path)
    if args[0] == "run":
        args += ["--out", str(out), "--no-progress"]
    with pytest.raises(SystemExit) if name in ("non-integer option", "unknown command") else _noop() as ctx:
        code = main(args)
    code = ctx.value.code if ctx is not None and hasattr(ctx, "value") else code
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert message in err, err
    assert len(err.splitlines()) == 1 and "Traceback" not in err
    assert not out.exists()
    assert not any(p.name.startswith(".influsim-") for p in tmp_path.iterdir())


def test_out_folder_that_is_not_empty_is_refused(tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    assert main(["run", "--out", str(out), "--no-progress"]) == 2
    assert "--out" in capsys.readouterr().err
    assert [p.name for p in out.iterdir()] == ["keep.txt"]


def test_module_entry_point_reports_errors_without_traceback(tmp_path):
    r = subprocess.run([sys.executable, "-m", "sim", "run", str(tmp_path / "missing.toml")],
                       capture_output=True, text=True)
    assert r.returncode == 2
    assert r.stderr.strip() == f"influsim: error: scenario: file not found: {tmp_path / 'missing.toml'}"


def test_schema_command(capsys):
    assert main(["schema"]) == 0
    assert '"$schema"' in capsys.readouterr().out
    assert main(["schema", "--toml"]) == 0
    assert "[population]" in capsys.readouterr().out


class _noop:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False
