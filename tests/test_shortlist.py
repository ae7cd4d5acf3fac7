"""Your own creators: a shortlist CSV read, checked, added to (or replacing) the pool, run from the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.errors import ScenarioError, ShortlistError
from sim.scenario import default_scenario, load_scenario, resolve, with_fields
from sim.world import build_population, population_key
from sim.world.shortlist import merge_pools, parse_shortlist, read_shortlist

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "scenarios" / "shortlist_example.csv"
EXAMPLE_TOML = ROOT / "scenarios" / "shortlist.toml"
HEADER = "handle,platform,followers,niche,engagement_rate,fee\n"
# a market of 2.1M people (room for the example's 1.2M account), a short campaign, 2 replicates
SMALL = ["--set", "population.size=3000", "--set", "population.represents=700", "--set", "campaign.days=5",
         "--set", "run.replicates=2", "--set", "parameters.offer_response_days=0.5"]
SMALL_FIELDS = {"population.size": 3000, "population.represents": 700, "campaign.days": 5, "run.replicates": 2,
                "parameters.offer_response_days": 0.5}


def _write(tmp_path: Path, text: str | bytes, name: str = "shortlist.csv") -> Path:
    f = tmp_path / name
    f.write_bytes(text if isinstance(text, bytes) else text.encode())
    return f


# -- reading ----------------------------------------------------------------------------------------------
def test_parses_counts_rates_and_fees_in_the_documented_forms():
    text = ("# a comment line\n"
            "Handle,Platform,Followers,Niche,Engagement Rate,Fee per post,Audience Country,Language,Notes\n"
            '@example_a,Instagram,12k,Fitness,3.4%,"$1,200",US,en,call back\n'
            "@example_b,tiktok,1.2M,food,0.034,1.2k,,,\n"
            '@example_c,youtube,"45,000",travel,,1500 USD,GB,,\n'
            "\n"
            "@example_d,instagram,9999,beauty,,,,,\n")
    s = parse_shortlist(text, "mine.csv")
    assert s.handle.tolist() == ["@example_a", "@example_b", "@example_c", "@example_d"]
    assert s.followers.tolist() == [12_000, 1_200_000, 45_000, 9_999]
    assert [s.niches[k] for k in s.niche] == ["fitness", "food", "travel", "beauty"]
    assert s.platform.tolist() == [0, 1, 2, 0]  # instagram, tiktok, youtube
    np.testing.assert_allclose(s.engagement_rate, [0.034, 0.034, np.nan, np.nan])
    np.testing.assert_allclose(s.fee, [1200.0, 1200.0, 1500.0, np.nan])
    assert s.country.tolist() == ["US", "", "GB", ""] and s.language.tolist() == ["en", "", "", ""]
    assert s.lines.tolist() == [3, 4, 5, 7]  # lines of the file, header and comment counted
    assert s.ignored == ("Notes",)
    assert s.estimated_fees() == 1 and s.estimated_engagement() == 2
    assert s.summary() == "4 accounts loaded (1 estimated fee); ignored column: Notes"


def test_semicolons_and_a_byte_order_mark_are_read():
    s = parse_shortlist("\ufeffhandle;platform;followers;niche;fee\n@x;tiktok;2,5k;food;\n".replace("2,5k", "2500"))
    assert s.followers.tolist() == [2500] and np.isnan(s.fee).all()
    s = parse_shortlist(b"\xef\xbb\xbfhandle,platform,followers,niche\n@x,tiktok,3k,food\n")
    assert s.handle.tolist() == ["@x"]


def test_empty_trailing_cells_and_comment_lines_are_skipped():
    s = parse_shortlist('# the "fee" column is optional\nhandle,platform,followers,niche\n@a,tiktok,5k,food,,\n'
                        "# @b,tiktok,5k,food\n,,,\n@c,youtube,7k,food\n")
    assert s.handle.tolist() == ["@a", "@c"] and s.lines.tolist() == [3, 6]


def test_the_same_handle_on_two_platforms_is_two_accounts():
    s = parse_shortlist("handle,platform,followers,niche\n@same,instagram,5k,food\n@same,tiktok,8k,food\n")
    assert len(s) == 2


def test_the_example_shortlist_reads_and_mixes_platforms_tiers_and_estimates():
    s = read_shortlist(EXAMPLE)
    assert 30 <= len(s) <= 40
    assert all(h.startswith("@example_") for h in s.handle)
    assert set(s.platform.tolist()) == {0, 1, 2}
    from sim.world.creators import tier_of

    tiers = set(tier_of(s.followers, default_scenario().tiers).tolist())
    assert {1, 3} <= tiers  # micro and macro accounts
    assert s.estimated_fees() > 0 and s.estimated_engagement() > 0


BAD = [  # (rows after the header, message)
    ("@a,instagram,lots,fitness,,", 'shortlist.csv:2: followers: expected a whole number (like 12000, 12k or 1.2M), '
                                    'got "lots"'),
    ("@a,instagram,12.5,fitness,,", 'shortlist.csv:2: followers: expected a whole number (like 12000, 12k or 1.2M), '
                                    'got "12.5"'),
    ("@a,instagram,-500,fitness,,", 'shortlist.csv:2: followers: must not be negative, got "-500"'),
    ("@a,instagram,0,fitness,,", 'shortlist.csv:2: followers: must be at least 1, got "0"'),
    ("@a,instagram,,fitness,,", "shortlist.csv:2: followers: missing (required)"),
    ("@a,facebook,5k,fitness,,", 'shortlist.csv:2: platform: "facebook" is not one of instagram, tiktok, youtube'),
    ("@a,instagram,5k,cooking,,", 'shortlist.csv:2: niche: "cooking" is not one of fashion, food, fitness, travel, '
                                  'beauty, tech, gaming, parenting, local (population.niches)'),
    ("@a,instagram,5k,fitness,,\n@b,tiktok,5k,food,,\n@A,instagram,7k,food,,",
     'shortlist.csv:4: handle: "@A" on instagram is listed twice (first on line 2)'),
    ("@a,instagram,5k,fitness,3.4,", 'shortlist.csv:2: engagement_rate: must be at most 100%: a fraction (0.034) or '
                                     'a percentage (3.4%), got "3.4"'),
    ("@a,instagram,5k,fitness,-2%,", 'shortlist.csv:2: engagement_rate: must not be negative, got "-2%"'),
    ("@a,instagram,5k,fitness,high,", 'shortlist.csv:2: engagement_rate: expected a fraction (0.034) or a percentage '
                                      '(3.4%), got "high"'),
    ("@a,instagram,5k,fitness,,-100", 'shortlist.csv:2: fee: must not be negative, got "-100"'),
    ("@a,instagram,5k,fitness,,cheap", 'shortlist.csv:2: fee: expected USD per post (like 1200, $1,200 or 1.2k), '
                                       'got "cheap"'),
    ("@a,instagram,5k,fitness,,,extra", "shortlist.csv:2: 7 values but the header has 6 columns (a value with a ',' "
                                        "needs quotes)"),
    ('@a,instagram,"5k,fitness,,', "shortlist.csv:2: not valid CSV (unexpected end of data)"),
]


@pytest.mark.parametrize("rows, message", BAD, ids=[m.split(": ")[1] + f"-{k}" for k, (_, m) in enumerate(BAD)])
def test_a_bad_row_is_one_line_naming_file_line_and_column(tmp_path, rows, message):
    f = _write(tmp_path, HEADER + rows + "\n")
    with pytest.raises(ShortlistError) as err:
        read_shortlist(f)
    assert str(err.value) == message
    assert "\n" not in str(err.value)


BAD_FILES = [
    ("", 'shortlist.csv: empty file (expected a header line: handle,platform,followers,niche)'),
    ("handle,platform,niche\n@a,instagram,food\n",
     'shortlist.csv: missing column "followers" (the header needs handle, platform, followers, niche)'),
    (HEADER, "shortlist.csv: no accounts (a header line and no rows)"),
    ("# only a comment\n", "shortlist.csv: no header line (expected handle,platform,followers,niche)"),
    ("name,size\nx,1\n", "shortlist.csv:1: no known column in the header (expected handle,platform,followers,niche, "
                         "optionally engagement_rate,fee,country,language)"),
    ("handle,platform,followers,followers,niche\n", 'shortlist.csv:1: column "followers" appears twice'),
    (b"handle,platform,followers,niche\n@caf\xe9,instagram,5k,food\n",
     "shortlist.csv:2: not UTF-8 text (save it as CSV UTF-8)"),
    (b"PK\x03\x04\x14\x00\x06\x00binary", "shortlist.csv: not a CSV file (a spreadsheet? save it as CSV UTF-8)"),
    (b"handle,platform\x00,followers,niche\n", "shortlist.csv:1: not a CSV file (binary data)"),
]


@pytest.mark.parametrize("text, message", BAD_FILES, ids=range(len(BAD_FILES)))
def test_a_bad_file_is_one_line(tmp_path, text, message):
    with pytest.raises(ShortlistError) as err:
        read_shortlist(_write(tmp_path, text))
    assert str(err.value) == message


def test_a_missing_file_names_the_scenario_field(tmp_path):
    with pytest.raises(ScenarioError) as err:
        read_shortlist(tmp_path / "nope.csv")
    assert str(err.value) == f"influencers.shortlist: file not found: {tmp_path / 'nope.csv'}"
    sc = with_fields(default_scenario(), {"influencers.shortlist": str(tmp_path / "nope.csv")})
    with pytest.raises(ScenarioError, match="^influencers.shortlist: file not found"):
        population_key(sc)


def test_an_account_bigger_than_the_market_allows_is_refused(tmp_path):
    f = _write(tmp_path, "handle,platform,followers,niche\n@a,youtube,2M,food\n")
    sc = with_fields(default_scenario(), {"influencers.shortlist": str(f), "population.size": 2000,
                                          "population.represents": 500})
    with pytest.raises(ShortlistError, match=r"^shortlist.csv:2: followers: 2,000,000 followers is more than the "
                                             r"simulated market allows \(75% .* = 750,000\)"):
        build_population(sc, use_cache=False)


def test_a_scenario_file_names_its_shortlist_relative_to_itself(tmp_path):
    (tmp_path / "sub").mkdir()
    _write(tmp_path / "sub", EXAMPLE.read_text(), "mine.csv")
    (tmp_path / "sub" / "s.toml").write_text('[influencers]\nshortlist = "mine.csv"\n')
    sc = load_scenario(tmp_path / "sub" / "s.toml")
    assert sc.influencers.shortlist == str((tmp_path / "sub" / "mine.csv").resolve())


# -- into the market ----------------------------------------------------------------------------------------
def _scenario(shortlist: Path, only: bool = False, **changes):
    return with_fields(default_scenario(), {**SMALL_FIELDS, "influencers.shortlist": str(shortlist),
                                            "influencers.shortlist_only": only, **changes})


def test_shortlist_only_gives_a_pool_of_exactly_the_shortlist():
    s = read_shortlist(EXAMPLE)
    pool = build_population(_scenario(EXAMPLE, only=True), use_cache=False).pool
    assert len(pool) == len(s)
    assert pool.handle.tolist() == s.handle.tolist() and pool.shortlisted().all()
    assert pool.followers.tolist() == s.followers.tolist()
    assert [pool.platform_names[c] for c in pool.platform] == [("instagram", "tiktok", "youtube")[c] for c in s.platform]
    np.testing.assert_array_equal(pool.fee, s.fee)
    np.testing.assert_array_equal(pool.engagement_rate, s.engagement_rate)
    assert ((pool.authenticity > 0) & (pool.authenticity < 1)).all() and (pool.monthly_offers >= 0).all()


def test_added_shortlist_leaves_the_generated_accounts_as_they_were():
    plain = build_population(with_fields(default_scenario(), SMALL_FIELDS), use_cache=False).pool
    both = build_population(_scenario(EXAMPLE), use_cache=False).pool
    m = len(plain)
    assert len(both) == m + len(read_shortlist(EXAMPLE))
    for f in ("followers", "tier", "niche", "authenticity", "monthly_offers"):
        np.testing.assert_array_equal(getattr(both, f)[:m], getattr(plain, f))
    assert not both.shortlisted()[:m].any() and both.shortlisted()[m:].all()
    assert [both.platform_names[c] for c in both.platform[:m]] == [plain.platform_names[c] for c in plain.platform]
    assert set(both.ids_of_tier("macro")) & set(range(m, len(both)))  # shortlisted macro accounts compete by tier


def test_merge_keeps_a_tier_skipped_only_when_both_pools_skip_it():
    short = parse_shortlist("handle,platform,followers,niche\n@a,tiktok,700k,food\n", "s.csv")
    tiers = default_scenario().tiers
    gen = build_population(with_fields(default_scenario(), {"population.size": 2000, "population.represents": 100}),
                           use_cache=False).pool  # a 200,000-person market: no macro or mega accounts
    assert {"macro", "mega"} <= set(gen.skipped)
    both = merge_pools(gen, short.to_pool(tiers, 0.7, 8.0, np.random.default_rng(0)))
    assert "macro" not in both.skipped and "mega" in both.skipped


def test_the_cache_key_follows_the_shortlist_content(tmp_path):
    f = _write(tmp_path, EXAMPLE.read_text())
    sc = _scenario(f)
    key = population_key(sc)
    os.utime(f, (1, 1))  # touched, same content: same market
    assert population_key(sc) == key
    f.write_text(EXAMPLE.read_text().replace("@example_fit_macro_01,instagram,820k", "@example_fit_macro_01,instagram,830k"))
    assert population_key(sc) != key
    assert population_key(with_fields(sc, {"influencers.shortlist_only": True})) != population_key(sc)


def test_a_cached_market_keeps_the_shortlisted_accounts(tmp_path):
    from sim.world import cache, disk_store

    sc = _scenario(EXAMPLE)
    built = build_population(sc, cache_dir=tmp_path)
    cache._MEMORY.clear()
    again = build_population(sc, cache_dir=tmp_path)
    assert again is not built and len(disk_store.entries(tmp_path)) == 1
    assert again.pool.handle.tolist() == built.pool.handle.tolist()
    assert again.pool.platform_names == built.pool.platform_names
    np.testing.assert_array_equal(again.pool.fee, built.pool.fee)


def test_a_custom_strategy_names_shortlisted_accounts_by_handle():
    from sim.campaign.hiring import hire

    pop = build_population(_scenario(EXAMPLE), use_cache=False)
    m = len(pop.pool) - len(read_shortlist(EXAMPLE))
    sc = with_fields(_scenario(EXAMPLE), {"strategies.mine": {"kind": "custom", "outreach": False,
                                                              "handles": ["example_fit_micro_02", "@EXAMPLE_FOOD_NANO_01"]}})
    h = hire(pop, sc, "mine")
    assert pop.pool.handle[h.ids].tolist() == ["@example_fit_micro_02", "@example_food_nano_01"]
    assert (h.ids >= m).all()
    bad = with_fields(sc, {"strategies.mine.handles": ["@nobody"]})
    with pytest.raises(ScenarioError, match='^strategies.mine.handles: no shortlisted account "@nobody"$'):
        hire(pop, bad, "mine")


# -- runs ---------------------------------------------------------------------------------------------------
def test_a_run_hires_shortlisted_accounts_and_flags_estimated_fees():
    from sim.studies.runs import run_scenario

    sc = with_fields(load_scenario(EXAMPLE_TOML), {**SMALL_FIELDS, "influencers.shortlist": str(EXAMPLE)})
    s = read_shortlist(EXAMPLE)
    given = {h: not np.isnan(fee) for h, fee in zip(s.handle.tolist(), s.fee)}
    results = run_scenario(sc, workers=1)
    rows = [row for r in results for row in r.influencers]
    assert rows and all(row["handle"] in given for row in rows)  # shortlist_only: every hire is shortlisted
    assert {r.strategy for r in results} == {"macro", "micro_equal_budget", "hand_picked"}
    picked = {row["handle"] for r in results if r.strategy == "hand_picked" for row in r.influencers}
    assert picked and picked <= set(sc.strategies["hand_picked"].handles)
    assert all(row["fee_estimated"] == (not given[row["handle"]]) for row in rows)
    assert any(row["tier"] == "macro" for row in rows) and any(row["tier"] == "micro" for row in rows)
    assert {row["platform"] for row in rows} <= {"instagram", "tiktok", "youtube"}


def test_cli_runs_with_creators_copies_the_shortlist_and_is_reproducible(tmp_path, capsys):
    for name in ("A", "B"):
        assert main(["run", str(EXAMPLE_TOML), "--creators", str(EXAMPLE), "--out", str(tmp_path / name),
                     "--no-progress", "--workers", "1", *SMALL]) == 0
    assert "shortlist.csv" in capsys.readouterr().out
    assert (tmp_path / "A" / "shortlist.csv").read_bytes() == EXAMPLE.read_bytes()
    doc = json.loads((tmp_path / "A" / "scenario.json").read_text())
    assert doc["scenario"]["influencers"]["shortlist"] == "shortlist.csv"
    assert doc["scenario"]["influencers"]["shortlist_only"] is True
    for f in ("summary.csv", "runs.csv"):
        assert (tmp_path / "A" / f).read_bytes() == (tmp_path / "B" / f).read_bytes()
    raw = {"influencers": doc["scenario"]["influencers"]}  # the folder holds what the run was made from
    again = resolve(raw, base_dir=tmp_path / "A")
    assert again.influencers.shortlist == str((tmp_path / "A" / "shortlist.csv").resolve())


def test_the_apps_run_folder_zip_holds_the_shortlist():
    import io
    import zipfile

    from sim.app.bundle import run_folder_zip
    from sim.studies.runs import run_scenario

    sc = with_fields(load_scenario(EXAMPLE_TOML), {**SMALL_FIELDS, "influencers.shortlist": str(EXAMPLE),
                                                   "run.replicates": 1, "strategies.micro_equal_budget": None,
                                                   "strategies.hand_picked": None})
    with zipfile.ZipFile(io.BytesIO(run_folder_zip(sc, run_scenario(sc, workers=1)))) as zf:
        assert sorted(n.split("/")[-1] for n in zf.namelist()) == ["creators.csv", "report.html", "runs.csv",
                                                                    "scenario.json", "shortlist.csv", "summary.csv"]
        assert zf.read(next(n for n in zf.namelist() if n.endswith("/shortlist.csv"))) == EXAMPLE.read_bytes()


def test_cli_creators_with_the_default_scenario_and_creators_only(tmp_path):
    assert main(["run", "--creators", str(EXAMPLE), "--creators-only", "--out", str(tmp_path / "run"),
                 "--no-progress", "--workers", "1", *SMALL]) == 0
    doc = json.loads((tmp_path / "run" / "scenario.json").read_text())
    assert doc["scenario"]["influencers"]["shortlist_only"] is True


def test_cli_bad_row_is_one_line_exit_2_and_no_folder(tmp_path, capsys):
    bad = _write(tmp_path, EXAMPLE.read_text().replace('"22,000"', "12 thousand"), "bad.csv")
    line = next(k for k, x in enumerate(bad.read_text().splitlines(), 1) if "12 thousand" in x)
    out = tmp_path / "out"
    assert main(["run", str(EXAMPLE_TOML), "--creators", str(bad), "--out", str(out), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err == (f'influsim: error: bad.csv:{line}: followers: expected a whole number (like 12000, 12k or 1.2M), '
                   f'got "12 thousand"\n')
    assert not out.exists() and sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


def test_cli_missing_shortlist_and_creators_only_without_one(tmp_path, capsys):
    assert main(["run", "--creators", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "o"), "--no-progress"]) == 2
    assert capsys.readouterr().err == f"influsim: error: influencers.shortlist: file not found: {tmp_path / 'nope.csv'}\n"
    assert main(["run", "--creators-only", "--out", str(tmp_path / "o"), "--no-progress"]) == 2
    assert capsys.readouterr().err.startswith("influsim: error: influencers.shortlist_only: is true but there is no "
                                              "shortlist")
    assert not (tmp_path / "o").exists()


def test_the_command_exits_2_on_a_bad_shortlist(tmp_path):
    bad = _write(tmp_path, "handle,platform,followers,niche\n@a,myspace,5k,food\n")
    proc = subprocess.run([sys.executable, "-m", "sim", "run", "--creators", str(bad), "--out", str(tmp_path / "o"),
                           "--no-progress"], capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False)
    assert proc.returncode == 2
    assert proc.stderr == ('influsim: error: shortlist.csv:2: platform: "myspace" is not one of instagram, tiktok, '
                           'youtube\n')
    assert not (tmp_path / "o").exists()
