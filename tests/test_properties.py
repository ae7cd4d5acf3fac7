"""Property-based tests (hypothesis): random valid scenarios keep the funnel invariants; random invalid
ones are refused in one line (exit 2, no output folder).

- 200 valid scenarios (500-3,000 people standing for 200-1,000 each, 2-8 days, 1-2 random strategies
  with random settings within their ranges) through :func:`sim.studies.replicate.run_replicate`;
- 500 invalid scenarios (unknown keys, out-of-range values read from the model's own bounds, wrong
  types, bad choices, control characters and overlong names, non-finite numbers, deep nesting,
  cross-field mistakes) through :func:`sim.scenario.load_scenario_text`, and 50 of them through
  ``influsim run FILE --out DIR`` (:func:`sim.cli.main`).
"""

from __future__ import annotations

import json
import math
import os
import re
import tempfile
from pathlib import Path
from typing import Literal, get_args, get_origin

import annotated_types
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from sim.campaign.luck import replicate_seeds
from sim.errors import ScenarioError
from sim.scenario import Scenario, load_scenario_text
from sim.scenario.models import DEFAULT_TIERS
from sim.studies.replicate import run_replicate

SETTINGS = dict(deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.filter_too_much, HealthCheck.data_too_large])


# -- TOML text of a nested mapping -------------------------------------------------------------------------
def toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key)


def toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return "nan" if math.isnan(v) else ("inf" if v == math.inf else "-inf" if v == -math.inf else repr(v))
    if isinstance(v, int):
        return str(v)
    if isinstance(v, str):
        return json.dumps(v)  # JSON escapes (\uXXXX, \n, \") are TOML basic-string escapes
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{toml_key(k)} = {toml_value(x)}" for k, x in v.items()) + "}"
    raise TypeError(type(v))


def toml_text(doc: dict) -> str:
    return "".join(f"{toml_key(k)} = {toml_value(v)}\n" for k, v in doc.items())


def nest(path: str, value) -> dict:
    out: dict = value
    for part in reversed(path.split(".")):
        out = {part: out}
    return out


# -- valid scenarios -----------------------------------------------------------------------------------------
SELECTIONS = ["brand_fit", "engagement_rate", "followers", "random", "cost_per_engagement"]  # not the optimiser
KINDS = ["macro", "micro_equal_following", "micro_equal_budget", "mixed", "nano_swarm", "custom"]


@st.composite
def valid_scenarios(draw) -> tuple[dict, int]:
    size = draw(st.integers(500, 3000))
    represents = draw(st.integers(200, 1000))
    market = size * represents
    big_tiers = [t for t in ("mid", "macro", "mega") if DEFAULT_TIERS[t] * 1.5 < market] or ["micro"]
    doc = {
        "name": draw(st.text(st.characters(min_codepoint=32, max_codepoint=0x2FFF).filter(str.isprintable),
                             max_size=30)),
        "population": {"size": size, "represents": represents,
                       "graph": {"mean_degree": draw(st.floats(1, 30)), "homophily": draw(st.floats(0, 1))},
                       "share_propensity_mean": draw(st.floats(0, 0.9)),
                       "susceptibility_mean": draw(st.floats(0.01, 0.99))},
        "brand": {"budget": draw(st.one_of(st.floats(20_000, 1e6), st.floats(1e6, 1e12))),
                  "hourly_rate": draw(st.floats(0, 200)), "management_hours": draw(st.floats(0, 20))},
        "product": {"price": draw(st.one_of(st.floats(1, 500), st.floats(500, 1e9))),
                    "margin": draw(st.floats(0, 1)), "luxury": draw(st.floats(0, 1)),
                    "familiarity": draw(st.floats(0, 1))},
        "campaign": {"days": draw(st.integers(2, 8)), "posts_per_influencer": draw(st.integers(1, 5)),
                     "format": draw(st.sampled_from(["post", "video", "carousel", "story_with_link"])),
                     "repeat_purchases": draw(st.booleans())},
        "parameters": {"offer_response_days": draw(st.floats(0, 1.5)), "engage_base": draw(st.floats(0.05, 1)),
                       "conversion_base": draw(st.floats(0, 1))},
        "run": {"market": draw(st.sampled_from(["per_replicate", "fixed"])), "seed": draw(st.integers(0, 2**32))},
        "strategies": {},
    }
    macro_tiers = [t for t in big_tiers if t in ("macro", "mega")]  # the macro kind hires macro or mega only
    for k in range(draw(st.integers(1, 2))):
        kind = draw(st.sampled_from(KINDS))
        if kind == "macro" and not macro_tiers:
            kind = "mixed"  # a market too small for a macro account: one big account of a smaller tier, mixed
        s = {"kind": kind, "tier": draw(st.sampled_from(macro_tiers if kind == "macro" else big_tiers)),
             "small_tier": draw(st.sampled_from(["nano", "micro"])),
             "selection": draw(st.sampled_from(SELECTIONS)),
             "payment": draw(st.sampled_from(["per_post", "cpm", "product"])),
             "partnership": draw(st.sampled_from(["paid_post", "gifted", "takeover", "ambassador"])),
             "connect_first": draw(st.booleans()), "offer_ratio": draw(st.floats(0.5, 3)),
             "outreach": draw(st.booleans()), "posts": draw(st.integers(0, 4)), "budget": draw(st.sampled_from(
                 [0.0, draw(st.floats(20_000, 2e6))]))}
        if kind == "mixed":
            s["big_share"] = draw(st.floats(0.1, 0.9))
        if kind == "nano_swarm":
            s["count"] = draw(st.sampled_from([0, draw(st.integers(1, 600)), 10**9]))
        if kind == "macro":
            s["equal_spend"] = draw(st.booleans())
        if kind == "custom":
            if draw(st.booleans()):
                s["ids"] = draw(st.lists(st.integers(0, 300), min_size=1, max_size=8, unique=True))
            else:
                s["tiers"] = {s["small_tier"]: draw(st.integers(1, 20))}
        doc["strategies"][f"s{k}"] = s
    return doc, draw(st.integers(0, 2**31))


@settings(max_examples=200, **SETTINGS)
@given(valid_scenarios())
def test_random_valid_scenarios_keep_the_funnel_invariants(case):
    doc, seed = case
    sc = load_scenario_text(toml_text(doc))  # valid by construction: must load
    rep_seed = replicate_seeds(seed, 1)[0]
    n_real = sc.population.size * sc.population.represents
    for name in sc.strategies:
        try:
            res = run_replicate(sc, name, rep_seed)
        except ScenarioError as exc:  # cannot be staffed (nothing affordable in this pool): one line naming it
            assert "\n" not in str(exc) and str(exc).startswith(f"strategies.{name}")
            assume(False)
        m = res.metrics
        assert all(not math.isinf(v) for v in m.values()), m  # never an infinite figure (NaN = undefined)
        if not sc.campaign.repeat_purchases:
            assert m["conversions"] <= m["engaged_people"]
        assert 0 <= m["engaged_people"] <= m["reach"] <= m["impressions"]
        assert m["reach"] <= n_real
        assert m["earned_reach"] <= m["reach"] and m["shares"] <= m["engaged_people"]
        assert m["spend"] >= 0 and m["hired"] >= 0 and m["hired"] == int(m["hired"])
        assert m["conversions"] >= 0
        st_ = sc.strategies[name]
        if st_.kind == "nano_swarm" and st_.count > m["hired"]:
            assert f"of the {st_.count:,} asked: the pool has" in res.outreach["note"]


# -- invalid scenarios ---------------------------------------------------------------------------------------
def _scalar_fields(model: type[BaseModel], prefix: str = "") -> list[tuple[str, object]]:
    """(dotted path, pydantic FieldInfo) of every scalar field; strategies' fields under strategies.s."""
    out = []
    for name, info in model.model_fields.items():
        ann = info.annotation
        path = f"{prefix}{name}"
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            out += _scalar_fields(ann, path + ".")
        elif get_origin(ann) is dict and isinstance(get_args(ann)[1], type) and issubclass(get_args(ann)[1], BaseModel):
            out += _scalar_fields(get_args(ann)[1], path + ".s.")
        elif get_origin(ann) in (dict, list):
            continue
        else:
            out.append((path, info))
    return out


FIELDS = _scalar_fields(Scenario)


def _bounds(info) -> dict:
    b = {}
    for m in info.metadata:
        for key in ("ge", "gt", "le", "lt"):
            if isinstance(m, getattr(annotated_types, key.capitalize())):
                b[key] = getattr(m, key)
    return b


BOUNDED = [(p, i, _bounds(i)) for p, i in FIELDS if _bounds(i)]
NUMERIC = [(p, i) for p, i in FIELDS if i.annotation in (int, float)]
TEXT = [(p, i) for p, i in FIELDS if i.annotation is str]
BOOLS = [(p, i) for p, i in FIELDS if i.annotation is bool]
CHOICES = [(p, i) for p, i in FIELDS if get_origin(i.annotation) is Literal]
CONTROL = st.sampled_from([chr(c) for c in list(range(0, 32)) + [127] + list(range(0x80, 0xA0))])


def _with_strategy(doc: dict) -> dict:
    """A bad field of a strategy needs a strategy: ``strategies.s`` exists (a macro one by default)."""
    strategies = doc.get("strategies")
    if isinstance(strategies, dict) and isinstance(strategies.get("s"), dict):
        strategies["s"].setdefault("kind", "macro")
    return doc


@st.composite
def out_of_range(draw) -> dict:
    path, info, b = draw(st.sampled_from(BOUNDED))
    whole = info.annotation is int
    options = []
    for key, sign in (("ge", -1), ("gt", -1), ("le", 1), ("lt", 1)):
        if key in b:
            edge = b[key]
            step = draw(st.sampled_from([1, 10, 1000, 10**6])) if whole else \
                draw(st.sampled_from([1e-6 * max(1, abs(edge)), 1.0, abs(edge) + 1, 1e300]))
            if key in ("gt", "lt"):
                options.append(edge)  # the edge itself is out
            options.append(edge + sign * step)
    value = draw(st.sampled_from(options))
    if whole:
        value = int(value)
    elif not isinstance(value, float):
        value = float(value)
    return _with_strategy(nest(path, value))


@st.composite
def wrong_type(draw) -> dict:
    kind = draw(st.sampled_from(["numeric", "text", "bool", "choice"]))
    table = draw(st.dictionaries(st.sampled_from("abc"), st.integers(), min_size=1, max_size=2))
    if kind == "numeric":
        path, info = draw(st.sampled_from(NUMERIC))
        bad = [draw(st.text(max_size=5)), draw(st.booleans()), [1], table]
        if info.annotation is int:
            bad.append(draw(st.floats(0.1, 0.9)) + draw(st.integers(0, 100)))  # not a whole number
    elif kind == "text":
        path, info = draw(st.sampled_from(TEXT))
        bad = [draw(st.integers()), draw(st.booleans()), [draw(st.text(max_size=3))], table, 1.5]
    elif kind == "bool":
        path, info = draw(st.sampled_from(BOOLS))
        bad = ["yes", draw(st.integers(0, 1)), 1.0, [True], table]
    else:
        path, info = draw(st.sampled_from(CHOICES))
        bad = [draw(st.text(alphabet="xyzq_", min_size=1, max_size=8)), draw(st.integers()),
               [get_args(info.annotation)[0]]]
    return _with_strategy(nest(path, draw(st.sampled_from(bad))))


@st.composite
def unknown_key(draw) -> dict:
    key = draw(st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12))
    where = draw(st.sampled_from(["", "population", "population.graph", "brand", "product", "campaign", "run",
                                  "influencers", "parameters", "strategies.s"]))
    known = {p.split(".")[-1] for p, _ in FIELDS if p.rsplit(".", 1)[0] == where or (not where and "." not in p)}
    known |= {"population", "brand", "product", "campaign", "run", "influencers", "parameters", "strategies",
              "tiers", "graph", "counts", "niches", "ids", "format_premium"}
    assume(key not in known)
    return _with_strategy(nest(f"{where}.{key}" if where else key, 1))


@st.composite
def bad_name(draw) -> dict:
    base = draw(st.text(alphabet="abcdef", min_size=1, max_size=10))
    if draw(st.booleans()):
        cut = draw(st.integers(0, len(base)))
        name = base[:cut] + draw(CONTROL) + base[cut:]
    else:
        name = base * (1 + 100_000 // len(base)) if draw(st.booleans()) else "n" * draw(st.integers(101, 5000))
    where = draw(st.sampled_from(["name", "strategy", "niche", "product_niche", "tier", "strategy_tier", "baseline"]))
    if where == "name":
        return {"name": name}
    if where == "strategy":
        return {"strategies": {name: {"kind": "macro"}}}
    if where == "niche":
        return {"population": {"niches": ["fitness", name]}}
    if where == "product_niche":
        return {"product": {"niche": name}}
    if where == "tier":
        return {"tiers": {"nano": 1000, name: 5000}}
    if where == "strategy_tier":
        return {"strategies": {"s": {"kind": "macro", "tier": name}}}
    return {"run": {"baseline": name}}


@st.composite
def bad_other(draw) -> dict:
    choice = draw(st.integers(0, 7))
    if choice == 0:  # non-finite money or rate
        path = draw(st.sampled_from(["brand.budget", "product.price", "brand.hourly_rate", "brand.management_hours",
                                     "strategies.s.budget", "parameters.cpm", "parameters.engage_base"]))
        return _with_strategy(nest(path, draw(st.sampled_from([math.nan, math.inf, -math.inf]))))
    if choice == 1:  # an absurd request the range refuses
        return {"strategies": {"s": {"kind": "nano_swarm", "count": draw(st.sampled_from([10**9 + 1, 10**12, 1e300]))}}}
    if choice == 2:  # the product's niche is not a niche
        return {"product": {"niche": draw(st.sampled_from(["cars", "boats", "Fitness"]))}}
    if choice == 3:  # an unknown baseline
        return {"run": {"baseline": draw(st.sampled_from(["nobody", "macro2"]))}}
    if choice == 4:  # matches in a circle
        return {"strategies": {"a": {"kind": "micro_equal_budget", "match": "b"},
                               "b": {"kind": "micro_equal_budget", "match": "a"}}}
    if choice == 5:  # an empty or repeated niche
        return {"population": {"niches": draw(st.sampled_from([["", "fitness"], ["fitness", "fitness"], ["  ", "x"]]))}}
    if choice == 6:  # tiers not increasing, unknown tier of the pool
        return draw(st.sampled_from([{"tiers": {"nano": 10, "micro": 5}}, {"influencers": {"counts": {"giant": 3}}}]))
    return {"strategies": {}}  # no strategy at all


@st.composite
def deep_text(draw) -> str:
    """Tables or lists nested 13 to 3,000 deep, written four ways."""
    depth = draw(st.integers(13, 3000))
    form = draw(st.sampled_from(["array", "inline", "dotted", "header"]))
    if form == "array":
        return "x = " + "[" * depth + "]" * depth + "\n"
    if form == "inline":
        return "x = " + "{a = " * depth + "1" + "}" * depth + "\n"
    if form == "dotted":
        return ".".join(["a"] * depth) + " = 1\n"
    return "[" + ".".join(["a"] * depth) + "]\nx = 1\n"


INVALID = st.one_of(out_of_range().map(toml_text), wrong_type().map(toml_text), unknown_key().map(toml_text),
                    bad_name().map(toml_text), bad_other().map(toml_text), deep_text())


def _one_clean_line(text: str) -> bool:
    return "\n" not in text and text.isprintable() and len(text) < 1000


@settings(max_examples=500, **SETTINGS)
@given(INVALID)
def test_random_invalid_scenarios_are_one_line_errors(text):
    with pytest.raises(ScenarioError) as err:
        load_scenario_text(text)
    assert _one_clean_line(str(err.value)), repr(str(err.value))[:300]


@settings(max_examples=50, **SETTINGS)
@given(text=INVALID)
def test_random_invalid_scenarios_through_the_command_line(capsys, text):
    import sim.cli

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "bad.toml"
        path.write_text(text, encoding="utf-8")
        out = Path(folder) / "out"
        capsys.readouterr()
        rc = sim.cli.main(["run", str(path), "--out", str(out), "--no-progress"])
        captured = capsys.readouterr()
        assert rc == 2
        lines = captured.err.splitlines()
        assert len(lines) == 1 and lines[0].startswith("influsim: error: "), captured.err[:500]
        assert _one_clean_line(lines[0])
        assert captured.out == ""
        assert not out.exists()
        assert sorted(os.listdir(folder)) == ["bad.toml"]
