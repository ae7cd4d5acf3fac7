"""The ``macro`` strategy kind hires one big account: a tier below the scenario's big tiers is refused.

The rule (:func:`sim.scenario.models.big_tiers`, README's strategies table): with a tier
named ``macro``, the tiers whose lowest follower count is at least the macro tier's;
without one, the top two tiers (the top one alone when there are fewer than three).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import sim
from sim.cli import main
from sim.errors import ScenarioError
from sim.scenario import load_scenario
from sim.scenario.models import big_tiers
from sim.studies.sweep.spec import load_sweep

SCENARIOS = Path(sim.__file__).resolve().parents[1] / "scenarios"

RENAMED = "[tiers]\nsmall = 1000\nmedium = 20000\nlarge = 200000\nhuge = 2000000\n"
TWO_TIERS = "[tiers]\nsmall = 1000\nbig = 100000\n"
LOW_MACRO = "[tiers]\nnano = 1000\nmicro = 10000\nmacro = 200000\nstar = 2000000\n"


def _scenario(tmp_path: Path, tiers: str, tier: str) -> Path:
    f = tmp_path / "s.toml"
    smallest = "small" if "small =" in tiers else "micro"  # (small_tier must name a tier of the scenario too)
    f.write_text(f'{tiers}\n[strategies.big]\nkind = "macro"\ntier = "{tier}"\nsmall_tier = "{smallest}"\n')
    return f


@pytest.mark.parametrize("tiers, allowed, refused", [
    ("", ["macro", "mega"], ["nano", "micro", "mid"]),
    (RENAMED, ["large", "huge"], ["small", "medium"]),
    (TWO_TIERS, ["big"], ["small"]),
    (LOW_MACRO, ["macro", "star"], ["nano", "micro"]),
])
def test_the_macro_kind_takes_only_big_tiers(tmp_path, tiers, allowed, refused):
    for tier in allowed:
        assert load_scenario(_scenario(tmp_path, tiers, tier)).strategies["big"].tier == tier
    for tier in refused:
        with pytest.raises(ScenarioError) as info:
            load_scenario(_scenario(tmp_path, tiers, tier))
        message = str(info.value)
        assert message.startswith(f"strategies.big.tier: {tier!r} is too small for kind 'macro'"), message
        assert " or ".join(repr(t) for t in allowed) in message and "\n" not in message


def test_big_tiers_follow_the_scenarios_bounds_not_their_names():
    assert big_tiers({"nano": 1000, "micro": 10_000, "mid": 100_000, "macro": 500_000, "mega": 1_000_000}) == \
        ["macro", "mega"]
    assert big_tiers({"macro": 1000, "giant": 10_000}) == ["macro", "giant"]  # 'macro' is the lowest: all are big
    assert big_tiers({"only": 1000}) == ["only"]


def test_macro_with_a_micro_tier_from_the_command_line_is_one_line_exit_2_no_folder(tmp_path, capsys, monkeypatch):
    f = tmp_path / "s.toml"
    f.write_text('[strategies.big]\nkind = "macro"\ntier = "micro"\n')
    monkeypatch.chdir(tmp_path)
    assert main(["run", str(f), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert err == ("influsim: error: strategies.big.tier: 'micro' is too small for kind 'macro' (one big account: "
                   "'macro' or 'mega', from 500,000 followers; for small accounts use another kind)\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["s.toml"]


def test_the_mixed_kind_is_not_held_to_the_rule(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text('[strategies.mix]\nkind = "mixed"\ntier = "mid"\nsmall_tier = "micro"\n')
    assert load_scenario(f).strategies["mix"].tier == "mid"


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.toml")), ids=lambda p: p.name)
def test_every_shipped_scenario_still_loads(path):
    scenario = load_scenario(path)
    for strategy in scenario.strategies.values():
        if strategy.kind == "macro":
            assert strategy.tier in big_tiers(scenario.tiers)


@pytest.mark.parametrize("path", sorted((SCENARIOS / "sweeps").glob("*.toml")), ids=lambda p: p.name)
def test_every_shipped_sweep_still_loads(path):
    load_sweep(path)  # every design point's scenario is validated
