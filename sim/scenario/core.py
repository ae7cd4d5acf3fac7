"""Scenario files: what one campaign study is, validated on load.

A scenario is a TOML file. Every field has a default, so an empty file is a valid
scenario (the embedded default). Unknown keys and out-of-range values are errors that
name the field. The resolved scenario is a plain nested ``dict``.

Examples
--------
>>> sc = load_scenario_text("[population]\\nsize = 2000\\n")
>>> sc["population"]["size"], sc["run"]["replicates"]
(2000, 10)
"""

from __future__ import annotations

import copy
import json
import tomllib
from pathlib import Path
from typing import Any

from sim.errors import ScenarioError
from sim.scenario.parameters import PARAMETERS
from sim.scenario.schema import Field, MapOf, Table

NICHES = ["fashion", "food", "fitness", "travel", "beauty", "tech", "gaming", "parenting", "local"]
FORMATS = ("post", "video", "carousel", "story_with_link")
PAYMENTS = ("per_post", "cpm", "product")
PARTNERSHIPS = ("paid_post", "gifted", "takeover", "ambassador")
SELECTIONS = ("brand_fit", "engagement_rate", "followers", "random", "cost_per_engagement", "optimiser")
STRATEGY_KINDS = ("macro", "micro_equal_following", "micro_equal_budget", "mixed", "nano_swarm", "custom")

GRAPH = Table(
    {
        "generator": Field("homophilous", str, "peer-graph generator, or 'file' to load `path`",
                           choices=("homophilous", "barabasi_albert", "file")),
        "mean_degree": Field(10.0, float, "mean number of peers per person", lo=1, hi=1000),
        "homophily": Field(0.8, float, "share of ties within the same niche (homophilous generator)", lo=0, hi=1),
        "clustering": Field(0.3, float, "share of ties made by triadic closure (homophilous generator)", lo=0, hi=0.9),
        "degree_exponent": Field(2.5, float, "power-law exponent of the degree distribution", lo=2.01, hi=5),
        "path": Field("", str, "edge list (.edgelist/.txt/.csv/.tsv) or GraphML file, relative to the scenario file"),
    },
    "the peer network word of mouth travels on",
)

POPULATION = Table(
    {
        "size": Field(100_000, int, "number of simulated people", lo=100, hi=50_000_000),
        "represents": Field(20, int, "real people one simulated person stands for; follower counts are divided by it",
                            lo=1, hi=100_000),
        "niches": Field(list(NICHES), list, "interest niches", item=str, min_items=2),
        "interest_concentration": Field(0.3, float, "Dirichlet concentration of interests (small = specialised)",
                                        lo=0.01, hi=100),
        "susceptibility_mean": Field(0.3, float, "mean susceptibility to persuasion (Beta)", lo=0.001, hi=0.999),
        "susceptibility_concentration": Field(2.0, float, "Beta concentration: small = a few easily influenced people",
                                              lo=0.1, hi=1000),
        "activity_sigma": Field(0.8, float, "log-normal spread of how often people open the app", lo=0, hi=3),
        "share_propensity_mean": Field(0.05, float, "mean chance an engaged person shares (Beta)", lo=0.0, hi=0.999),
        "purchase_propensity_mean": Field(0.2, float, "mean chance a convinced person buys (Beta)", lo=0.001, hi=0.999),
        "propensity_concentration": Field(4.0, float, "Beta concentration of share and purchase propensities",
                                          lo=0.1, hi=1000),
        "graph": GRAPH,
    },
    "the people of the market",
)

TIER_BOUNDS = MapOf(
    Field(0, int, "lowest follower count of the tier", lo=0),
    # Later x Fohr 2021 row of reference/tiers.csv (also DESIGN.md's default)
    default={"nano": 1_000, "micro": 10_000, "mid": 100_000, "macro": 500_000, "mega": 1_000_000},
    doc="tier name -> lowest follower count, in increasing order (Later x Fohr 2021)",
    min_items=1,
)

INFLUENCERS = Table(
    {
        "counts": MapOf(Field(0, int, "number of candidate accounts in this tier", lo=0, hi=1_000_000),
                        default={"nano": 400, "micro": 200, "mid": 40, "macro": 15, "mega": 4},
                        doc="tier name -> number of candidate accounts in the pool (merged with the defaults)",
                        merge=True),
        "max_followers": Field(3_000_000, int, "follower count of the largest possible account", lo=1000),
        "authenticity_mean": Field(0.7, float, "mean authenticity (Beta): how much creators use what they promote",
                                   lo=0.01, hi=0.99),
        "audience_focus": Field(0.7, float, "share of a 1K-follower account's audience drawn by niche interest",
                                lo=0, hi=1),
        "audience_broadening": Field(0.12, float, "how fast the niche-drawn share falls per tenfold followers",
                                     lo=0, hi=1),
        "affinity_exponent": Field(2.0, float, "how sharply niche-drawn followers concentrate on the keenest people "
                                   "(higher = more overlap between same-niche audiences)", lo=0.1, hi=20),
        "monthly_offers_mean": Field(8.0, float, "mean number of brand offers a creator gets per month", lo=0, hi=1000),
    },
    "the pool of candidate influencers",
)

BRAND = Table(
    {
        "budget": Field(50_000.0, float, "campaign budget in USD (fees, product, management)", lo=0),
        "management_hours": Field(6.0, float, "staff hours per influencer hired (outreach, briefing, approvals)", lo=0),
        "hourly_rate": Field(50.0, float, "staff cost per hour in USD", lo=0),
        "connect_first_days": Field(7.0, float, "days of following and engaging before an offer", lo=0, hi=90),
        "connect_first_hours": Field(1.0, float, "staff hours per creator for connecting first", lo=0),
    },
    "the brand's money and staff",
)

PRODUCT = Table(
    {
        "niche": Field("fitness", str, "the product's niche (one of population.niches)"),
        "price": Field(40.0, float, "price in USD", lo=0.01),
        "margin": Field(0.5, float, "gross margin share of the price", lo=0, hi=1),
        "luxury": Field(0.2, float, "0 = everyday product, 1 = luxury", lo=0, hi=1),
        "familiarity": Field(0.5, float, "0 = unknown brand, 1 = household name", lo=0, hi=1),
    },
    "what is being sold",
)

CAMPAIGN = Table(
    {
        "days": Field(30, int, "campaign length in days (one step is one hour)", lo=1, hi=365),
        "posts_per_influencer": Field(3, int, "sponsored posts per hired influencer", lo=1, hi=100),
        "format": Field("post", str, "post format", choices=FORMATS),
        "repeat_purchases": Field(False, bool, "may a person buy more than once"),
    },
    "the campaign",
)

STRATEGY = Table(
    {
        "kind": Field("macro", str, "which strategy", choices=STRATEGY_KINDS),
        "description": Field("", str, "what this strategy stands for"),
        "tier": Field("macro", str, "tier of the big account (macro, mixed)"),
        "small_tier": Field("micro", str, "tier of the small accounts (micro_*, mixed, nano_swarm)"),
        "count": Field(0, int, "number of accounts (nano_swarm; 0 = as many as the budget buys)", lo=0),
        "big_share": Field(0.5, float, "share of the budget for the big account (mixed)", lo=0, hi=1),
        "selection": Field("brand_fit", str, "how candidates are ranked", choices=SELECTIONS),
        "objective": Field("conversions", str, "what the optimiser maximises",
                           choices=("conversions", "reach", "roi", "engagements")),
        "payment": Field("per_post", str, "how creators are paid", choices=PAYMENTS),
        "partnership": Field("paid_post", str, "partnership type", choices=PARTNERSHIPS),
        "connect_first": Field(False, bool, "follow and engage with creators before the offer"),
        "offer_ratio": Field(1.0, float, "offer relative to the creator's rate", lo=0, hi=10),
        "ids": Field([], list, "custom: influencer ids to hire", item=int),
        "tiers": MapOf(Field(0, int, "accounts of this tier", lo=0), doc="custom: tier name -> count"),
        "budget": Field(0.0, float, "this strategy's budget in USD; 0 = brand.budget", lo=0),
        "match": Field("", str, "another strategy to match: its total following (micro_equal_following) or its "
                       "expected cost (micro_equal_budget); empty = the first affordable `tier` account / the budget"),
        "posts": Field(0, int, "sponsored posts per account; 0 = campaign.posts_per_influencer (ambassador: times "
                       "parameters.ambassador_posts_factor; gifted: parameters.gifted_posts)", lo=0, hi=1000),
        "outreach": Field(True, bool, "send offers that creators may refuse, replacing refusals from the ranked "
                          "list (false: every offer is accepted, e.g. deals already agreed)"),
        "pilot_seeds": Field(3, int, "optimiser: replicate seeds of the pilot simulations", lo=1, hi=100),
        "pilot_candidates": Field(40, int, "optimiser: accounts simulated on their own before the greedy choice",
                                  lo=1, hi=10_000),
    },
    "one strategy to compare",
)

RUN = Table(
    {
        "replicates": Field(10, int, "Monte Carlo replicates per strategy", lo=1, hi=1_000_000),
        "seed": Field(42, int, "root seed; replicate seeds are spawned from it", lo=0),
    },
    "Monte Carlo settings",
)

DEFAULT_STRATEGIES = {
    "macro": {"kind": "macro", "tier": "macro", "description": "one macro account chosen by brand fit"},
    "micro_equal_budget": {"kind": "micro_equal_budget", "small_tier": "micro",
                           "description": "micro accounts, as many as the macro's budget buys"},
}

SCENARIO = Table(
    {
        "name": Field("default", str, "scenario name"),
        "description": Field("", str, "what question this scenario answers"),
        "population": POPULATION,
        "tiers": TIER_BOUNDS,
        "influencers": INFLUENCERS,
        "brand": BRAND,
        "product": PRODUCT,
        "campaign": CAMPAIGN,
        "strategies": MapOf(STRATEGY, default=DEFAULT_STRATEGIES, doc="named strategies to compare", min_items=1),
        "parameters": PARAMETERS,
        "run": RUN,
    },
    "an influencer-campaign study",
)


def resolve(raw: dict, base_dir: Path | None = None) -> dict:
    """Validate a raw scenario mapping and fill in every default.

    Raises :class:`~sim.errors.ScenarioError` naming the first bad field.

    Examples
    --------
    >>> resolve({})["campaign"]["days"]
    30
    """
    sc = SCENARIO.check("", raw)
    _drop_defaults_of_other_tiers(sc, raw)
    _check_cross_fields(sc)
    path = sc["population"]["graph"]["path"]
    if path and base_dir is not None and not Path(path).is_absolute():
        sc["population"]["graph"]["path"] = str((base_dir / path).resolve())
    return sc


def default_scenario() -> dict:
    """The embedded default scenario (an empty file, resolved).

    Examples
    --------
    >>> sorted(default_scenario()["strategies"])
    ['macro', 'micro_equal_budget']
    """
    return resolve({})


def load_scenario(path: str | Path | None) -> dict:
    """Load and validate a scenario file; ``None`` gives the embedded default."""
    if path is None:
        return default_scenario()
    p = Path(path)
    return resolve(read_toml(p)[0], base_dir=p.parent)


def read_toml(path: str | Path, field: str = "scenario", error: type = ScenarioError) -> tuple[dict, str]:
    """(parsed table, text) of a TOML file; a missing or malformed file is ``error(field, reason)``."""
    p = Path(path)
    if not p.is_file():
        raise error(field, f"file not found: {p}")
    try:
        text = p.read_text(encoding="utf-8")
        return tomllib.loads(text), text
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise error(field, f"{p} is not valid TOML ({exc})") from None


def load_scenario_text(text: str) -> dict:
    """Validate a scenario given as TOML text."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ScenarioError("scenario", f"not valid TOML ({exc})") from None
    return resolve(raw)


def json_schema() -> dict:
    """The JSON Schema of scenario files (what ``influsim schema`` prints)."""
    out = SCENARIO.json_schema()
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    out["title"] = "influsim scenario"
    return out


def get_field(sc: dict, dotted: str) -> Any:
    """Read a field by dotted path, e.g. ``"product.price"``."""
    node: Any = sc
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            raise ScenarioError(dotted, "no such scenario field")
        node = node[part]
    return node


def with_fields(sc: dict, changes: dict) -> dict:
    """A re-validated copy of ``sc`` with dotted-path fields changed.

    Examples
    --------
    >>> with_fields(default_scenario(), {"product.price": 90})["product"]["price"]
    90.0
    """
    out = copy.deepcopy(sc)
    for dotted, value in changes.items():
        parts = dotted.split(".")
        node = out
        for part in parts[:-1]:
            if not isinstance(node.get(part), dict):
                raise ScenarioError(dotted, "no such scenario field")
            node = node[part]
        if parts[-1] not in node:
            raise ScenarioError(dotted, "no such scenario field")
        node[parts[-1]] = value
    return resolve(out)


def scenario_json(sc: dict) -> str:
    """The resolved scenario as stable JSON text."""
    return json.dumps(sc, indent=2, sort_keys=True)


def _drop_defaults_of_other_tiers(sc: dict, raw: dict) -> None:
    """Per-tier tables merged with defaults keep only the scenario's tiers (unless the user named others)."""
    tiers = set(sc["tiers"])
    for section, key in (("influencers", "counts"), ("parameters", "tier_trust")):
        given = raw.get(section, {}).get(key, {}) if isinstance(raw.get(section), dict) else {}
        given = given if isinstance(given, dict) else {}
        sc[section][key] = {t: v for t, v in sc[section][key].items() if t in tiers or t in given}


def _check_cross_fields(sc: dict) -> None:
    niches = sc["population"]["niches"]
    if sc["product"]["niche"] not in niches:
        raise ScenarioError("product.niche", f"{sc['product']['niche']!r} is not one of population.niches")
    bounds = list(sc["tiers"].values())
    if any(lo >= hi for lo, hi in zip(bounds, bounds[1:])):
        raise ScenarioError("tiers", "lowest follower counts must increase from tier to tier")
    tiers = set(sc["tiers"])
    for name in sc["influencers"]["counts"]:
        if name not in tiers:
            raise ScenarioError(f"influencers.counts.{name}", f"unknown tier (tiers: {', '.join(sc['tiers'])})")
    for name in sc["tiers"]:
        if name not in sc["parameters"]["tier_trust"]:
            raise ScenarioError(f"parameters.tier_trust.{name}", "missing: every tier needs a prior trust")
    if sc["campaign"]["format"] not in sc["parameters"]["format_premium"]:
        raise ScenarioError(f"parameters.format_premium.{sc['campaign']['format']}", "missing for campaign.format")
    if sc["influencers"]["max_followers"] <= bounds[-1]:
        raise ScenarioError("influencers.max_followers", "must exceed the lowest follower count of the top tier")
    g = sc["population"]["graph"]
    if g["generator"] == "file" and not g["path"]:
        raise ScenarioError("population.graph.path", "generator 'file' needs a path")
    if g["mean_degree"] >= sc["population"]["size"]:
        raise ScenarioError("population.graph.mean_degree", "must be smaller than population.size")
    for name, st in sc["strategies"].items():
        for key in ("tier", "small_tier"):
            if st[key] not in tiers:
                raise ScenarioError(f"strategies.{name}.{key}", f"unknown tier {st[key]!r}")
        for t in st["tiers"]:
            if t not in tiers:
                raise ScenarioError(f"strategies.{name}.tiers.{t}", "unknown tier")
        if st["kind"] == "custom" and not st["ids"] and not any(st["tiers"].values()):
            raise ScenarioError(f"strategies.{name}", "a custom strategy needs ids or tiers")
        if st["match"]:
            if st["match"] not in sc["strategies"] or st["match"] == name:
                raise ScenarioError(f"strategies.{name}.match", f"{st['match']!r} is not another strategy of the "
                                                                "scenario")
            seen, m = {name}, st["match"]
            while m:  # a chain of matches must end
                if m in seen:
                    raise ScenarioError(f"strategies.{name}.match", "strategies match each other in a circle")
                seen.add(m)
                m = sc["strategies"][m]["match"]


def default_toml() -> str:
    """The default scenario as commented TOML (what ``scenarios/default.toml`` holds).

    Examples
    --------
    >>> resolve(tomllib.loads(default_toml())) == default_scenario()
    True
    """
    lines = ["# influsim default scenario: every field with its default and meaning.",
             "# Generated by `influsim schema --toml`; an empty file means the same.", ""]
    _toml_table(lines, SCENARIO, default_scenario(), [])
    return "\n".join(lines).rstrip() + "\n"


def _toml_table(lines: list, table, values: dict, path: list) -> None:
    scalars = [(k, f) for k, f in table.fields.items() if isinstance(f, Field)]
    nested = [(k, f) for k, f in table.fields.items() if not isinstance(f, Field)]
    if path:
        lines.append(f"[{'.'.join(path)}]" + (f"  # {table.doc}" if table.doc else ""))
    for k, f in scalars:
        lines.append(f"{k} = {_toml_value(values[k])}  # {f.doc}")
    if path or scalars:
        lines.append("")
    for k, f in nested:
        if isinstance(f, Table):
            _toml_table(lines, f, values[k], path + [k])
        elif isinstance(f.value, Table):  # a map of tables (strategies)
            for name, sub in values[k].items():
                _toml_table(lines, f.value, sub, path + [k, name])
        else:
            lines.append(f"[{'.'.join(path + [k])}]  # {f.doc}")
            lines.extend(f"{name} = {_toml_value(v)}" for name, v in values[k].items())
            lines.append("")


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, float):
        return repr(v)
    return str(v)
