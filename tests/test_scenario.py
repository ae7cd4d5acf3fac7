import json
import tomllib
from pathlib import Path

import pytest

from sim.errors import ScenarioError
from sim.scenario import (Brand, Parameters, Population, Scenario, Strategy, default_scenario, default_toml,
                          get_field, json_schema, load_scenario, load_scenario_text, parse_assignment, resolve,
                          with_fields)

ROOT = Path(__file__).resolve().parents[1]


def test_empty_file_is_the_default():
    assert load_scenario_text("") == default_scenario()


def test_shipped_default_toml_matches_embedded_default():
    assert load_scenario(ROOT / "scenarios" / "default.toml") == default_scenario()
    assert resolve(tomllib.loads(default_toml())) == default_scenario()


def test_every_shipped_scenario_is_valid():
    files = sorted((ROOT / "scenarios").glob("*.toml"))
    assert files
    for f in files:
        sc = load_scenario(f)
        assert sc.strategies, f


def test_defaults_fill_partial_tables():
    sc = load_scenario_text("[population]\nsize = 5000\n")
    assert sc.population.size == 5000
    assert sc.population.graph.mean_degree == 10.0


def test_with_fields_revalidates():
    sc = with_fields(default_scenario(), {"product.price": 99})
    assert sc.product.price == 99.0
    with pytest.raises(ScenarioError, match="product.price"):
        with_fields(default_scenario(), {"product.price": -1})
    with pytest.raises(ScenarioError, match="product.nope"):
        with_fields(default_scenario(), {"product.nope": 1})


def test_get_field():
    assert get_field(default_scenario(), "campaign.days") == 30
    with pytest.raises(ScenarioError, match="no such"):
        get_field(default_scenario(), "campaign.weeks")


@pytest.mark.parametrize("text, field, reason", [
    ("colour = 1", "colour", "unknown key"),
    ("[population]\nsise = 10", "population.sise", "unknown key"),
    ("[population]\nsize = 10", "population.size", ">= 100"),
    ("[population]\nsize = 'many'", "population.size", "integer"),
    ("[population]\nsize = 1.5e3", "population.size", None),  # whole floats are accepted
    ("[product]\nluxury = 1.5", "product.luxury", "<= 1"),
    ("[product]\nniche = 'cars'", "product.niche", "not one of population.niches"),
    ("[campaign]\nformat = 'reel'", "campaign.format", "not one of"),
    ("[campaign]\nrepeat_purchases = 'yes'", "campaign.repeat_purchases", "true or false"),
    ("[run]\nreplicates = 0", "run.replicates", ">= 1"),
    ("[tiers]\nnano = 10\nmicro = 5", "tiers", "increase"),
    ("[influencers.counts]\ngiant = 3", "influencers.counts.giant", "unknown tier"),
    ("[strategies.a]\nkind = 'viral'", "strategies.a.kind", "not one of"),
    ("[strategies.a]\nkind = 'macro'\ntier = 'huge'", "strategies.a.tier", "unknown tier"),
    ("[strategies.a]\nkind = 'custom'", "strategies.a", "needs ids, handles or tiers"),
    ("strategies = {}", "strategies", "at least 1"),
    ("[population.graph]\ngenerator = 'file'", "population.graph.path", "needs a path"),
    ("[population]\nniches = ['a', 'a']", "population.niches", "unique"),
    ("[parameters]\nengage_base = nan", "parameters.engage_base", "finite"),
    ("[population]\nsize = [1]", "population.size", "integer"),
    ("population = 3", "population", "table"),
])
def test_bad_input_names_field_and_reason(text, field, reason):
    if reason is None:
        assert load_scenario_text(text).population.size == 1500
        return
    with pytest.raises(ScenarioError) as err:
        load_scenario_text(text)
    assert err.value.field == field
    assert reason in err.value.reason
    assert "\n" not in str(err.value)


def test_invalid_toml_and_missing_file(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[population\nsize = 3")
    with pytest.raises(ScenarioError, match="not valid TOML"):
        load_scenario(bad)
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario(tmp_path / "nope.toml")


def test_graph_path_is_relative_to_the_scenario(tmp_path):
    f = tmp_path / "s.toml"
    f.write_text("[population.graph]\ngenerator = 'file'\npath = 'g.edgelist'\n")
    assert load_scenario(f).population.graph.path == str(tmp_path / "g.edgelist")


def test_json_schema_describes_every_field_with_a_source():
    schema = json_schema()
    json.dumps(schema)
    defs = schema["$defs"]
    assert set(schema["properties"]) == set(Scenario.model_fields)
    for name, model in (("Population", Population), ("Brand", Brand), ("Strategy", Strategy),
                        ("Parameters", Parameters)):
        props = defs[name]["properties"]
        assert set(props) == set(model.model_fields)
        for field, spec in props.items():
            assert spec.get("description"), (name, field)
            assert spec.get("source"), (name, field)
        assert defs[name]["additionalProperties"] is False
    assert defs["Population"]["properties"]["size"]["minimum"] == 100


def test_default_toml_lists_choices_and_marks_every_field():
    text = default_toml()
    fields = [line for line in text.splitlines() if " = " in line and "  # " in line]
    assert len(fields) > 80
    for line in fields:
        assert "[assumption]" in line or "[source: " in line, line
    assert "one of: post, video, carousel, story_with_link" in text
    assert "one of: macro, micro_equal_following, micro_equal_budget, mixed, nano_swarm, custom" in text
    assert "one of: per_replicate, fixed" in text


def test_per_tier_counts_merge_with_the_defaults():
    sc = load_scenario_text("[influencers.counts]\nmega = 0\n")
    assert sc.influencers.counts == {"nano": 400, "micro": 200, "mid": 40, "macro": 40, "mega": 0}
    # strategies replace the defaults rather than adding to them
    assert list(load_scenario_text("[strategies.a]\nkind = 'macro'\n").strategies) == ["a"]


def test_own_tiers_drop_the_default_counts():
    text = ("[tiers]\nsmall = 1000\nbig = 200000\n[influencers.counts]\nsmall = 50\nbig = 3\n"
            "[strategies.a]\nkind = 'macro'\ntier = 'big'\nsmall_tier = 'small'\n")
    sc = load_scenario_text(text)
    assert sc.influencers.counts == {"small": 50, "big": 3}


def test_scenarios_are_frozen_and_changed_by_copy():
    sc = default_scenario()
    with pytest.raises(Exception):
        sc.brand.budget = 1.0
    changed = with_fields(sc, {"brand.budget": 1.0, "strategies.swarm": {"kind": "nano_swarm"},
                               "strategies.macro": None, "strategies.micro_equal_budget.match": ""})
    assert sc.brand.budget == 50_000.0 and changed.brand.budget == 1.0
    assert list(changed.strategies) == ["micro_equal_budget", "swarm"]
    with pytest.raises(ScenarioError, match="strategies.micro_equal_budget.match: 'macro' is not another strategy"):
        with_fields(sc, {"strategies.macro": None})  # the default micro strategy matches the macro's cost
    with pytest.raises(ScenarioError, match="only entries of a named table"):
        with_fields(sc, {"brand": None})


@pytest.mark.parametrize("text, field", [
    ("brand.budget=-5000", "brand.budget"),
    ("brand.nope=1", "brand.nope"),
    ("novalue", "--set"),
])
def test_set_assignments(text, field):
    with pytest.raises(ScenarioError) as err:
        key, value = parse_assignment(text)
        with_fields(default_scenario(), {key: value})
    assert err.value.field == field


def test_a_default_strategy_named_without_its_kind_is_changed_not_replaced(tmp_path):
    # [strategies.micro_equal_budget] match = "" used to make a new strategy of the default kind (macro)
    f = tmp_path / "s.toml"
    f.write_text('[strategies.micro_equal_budget]\nmatch = ""\n')
    micro = load_scenario(f).strategies["micro_equal_budget"]
    assert micro.kind == "micro_equal_budget" and micro.match == "" and micro.small_tier == "micro"
    f.write_text('[strategies.mine]\nkind = "nano_swarm"\n')  # a new strategy is taken as written
    assert load_scenario(f).strategies["mine"].kind == "nano_swarm"
