import json
import tomllib
from pathlib import Path

import pytest

from sim.errors import ScenarioError
from sim.scenario import (default_scenario, default_toml, get_field, json_schema, load_scenario,
                          load_scenario_text, resolve, with_fields)

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
        assert sc["strategies"], f


def test_defaults_fill_partial_tables():
    sc = load_scenario_text("[population]\nsize = 5000\n")
    assert sc["population"]["size"] == 5000
    assert sc["population"]["graph"]["mean_degree"] == 10.0


def test_with_fields_revalidates():
    sc = with_fields(default_scenario(), {"product.price": 99})
    assert sc["product"]["price"] == 99.0
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
    ("[strategies.a]\nkind = 'custom'", "strategies.a", "needs ids or tiers"),
    ("strategies = {}", "strategies", "at least 1"),
    ("[population.graph]\ngenerator = 'file'", "population.graph.path", "needs a path"),
    ("[population]\nniches = ['a', 'a']", "population.niches", "unique"),
    ("[parameters]\nengage_base = nan", "parameters.engage_base", "finite"),
    ("[population]\nsize = [1]", "population.size", "integer"),
    ("population = 3", "population", "table"),
])
def test_bad_input_names_field_and_reason(text, field, reason):
    if reason is None:
        assert load_scenario_text(text)["population"]["size"] == 1500
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
    assert load_scenario(f)["population"]["graph"]["path"] == str(tmp_path / "g.edgelist")


def test_json_schema_describes_every_default_field():
    schema = json_schema()
    json.dumps(schema)
    props = schema["properties"]
    for section, table in default_scenario().items():
        assert section in props
        if isinstance(table, dict) and "properties" in props[section]:
            assert set(table) == set(props[section]["properties"])
    assert props["population"]["properties"]["size"]["minimum"] == 100


def test_per_tier_tables_merge_with_the_defaults():
    sc = load_scenario_text("[influencers.counts]\nmega = 0\n[parameters.tier_trust]\nmacro = 0.6\n")
    assert sc["influencers"]["counts"] == {"nano": 400, "micro": 200, "mid": 40, "macro": 15, "mega": 0}
    assert sc["parameters"]["tier_trust"]["macro"] == 0.6 and sc["parameters"]["tier_trust"]["micro"] == 0.82
    # strategies replace the defaults rather than adding to them
    assert list(load_scenario_text("[strategies.a]\nkind = 'macro'\n")["strategies"]) == ["a"]


def test_own_tiers_drop_the_default_tiers_tables():
    text = ("[tiers]\nsmall = 1000\nbig = 200000\n[influencers.counts]\nsmall = 50\nbig = 3\n"
            "[parameters.tier_trust]\nsmall = 0.8\nbig = 0.7\n"
            "[strategies.a]\nkind = 'macro'\ntier = 'big'\nsmall_tier = 'small'\n")
    sc = load_scenario_text(text)
    assert sc["influencers"]["counts"] == {"small": 50, "big": 3}
    assert set(sc["parameters"]["tier_trust"]) == {"small", "big"}
    with pytest.raises(ScenarioError, match="parameters.tier_trust.big"):
        load_scenario_text(text.replace("big = 0.7\n", ""))
