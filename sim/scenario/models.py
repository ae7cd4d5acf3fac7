"""The typed scenario: what one campaign study is, as frozen pydantic models.

Every field has a default, so an empty file is a valid scenario (the embedded
default). Unknown keys and out-of-range values are errors that name the field (see
:func:`sim.scenario.files.resolve`). Code reads ``scenario.brand.budget``.

Examples
--------
>>> scenario = Scenario()
>>> scenario.population.size, scenario.run.replicates, list(scenario.strategies)
(100000, 10, ['macro', 'micro_equal_budget'])
>>> scenario.strategies["macro"].kind
'macro'
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, StringConstraints, field_validator, model_validator
from pydantic_core import PydanticCustomError

from sim.scenario.fields import Bool, Float, Int, Section, _kind, field
from sim.scenario.parameters import CALIBRATED, PLATFORM_NAMES, Parameters

NICHES = ["fashion", "food", "fitness", "travel", "beauty", "tech", "gaming", "parenting", "local"]
Format = Literal["post", "video", "carousel", "story_with_link"]
Payment = Literal["per_post", "cpm", "product"]
Partnership = Literal["paid_post", "gifted", "takeover", "ambassador"]
Selection = Literal["brand_fit", "engagement_rate", "followers", "random", "cost_per_engagement", "optimiser"]
StrategyKind = Literal["macro", "micro_equal_following", "micro_equal_budget", "mixed", "nano_swarm", "custom"]
Objective = Literal["conversions", "reach", "roi", "engagements"]
Generator = Literal["homophilous", "barabasi_albert", "file"]
Market = Literal["per_replicate", "fixed"]
ParameterMode = Literal["uncertain", "fixed"]

# Later x Fohr 2021 row of reference/tiers.csv (also DESIGN.md's default)
DEFAULT_TIERS = {"nano": 1_000, "micro": 10_000, "mid": 100_000, "macro": 500_000, "mega": 1_000_000}
# [assumption] candidate accounts per tier. Macro: 40 so that a market of nine niches has, on average, four in
# the product's niche (selection.min_brand_fit keeps a strategy to those): with 15, half the default markets had
# no fitting macro account that accepted (seed 1, 30 replicates: 15 hired nobody; with 40: 3); range 15-60
DEFAULT_COUNTS = {"nano": 400, "micro": 200, "mid": 40, "macro": 40, "mega": 4}


# -- input limits: names and text are printable and short; money is bounded (no overflow, no inf) --------
MAX_NAME = 100  # characters of a name: strategy, tier, niche (they appear in paths, tables and errors)
MAX_TEXT = 10_000  # characters of a description
MAX_PATH = 4_096  # characters of a file path
MAX_MONEY = 1e12  # USD: any budget (sums of fees, views and staff time stay far from float overflow)
MAX_HOURS = 10_000.0  # staff hours per creator (a working lifetime is about 80,000)
MAX_RATE = 1e6  # USD per staff hour


def _text_check(value: Any, limit: int, newlines: bool) -> str:
    """A string of at most ``limit`` characters with no control characters (tabs and newlines in text)."""
    if not isinstance(value, str):
        raise PydanticCustomError("string_type", "expected a string, got {kind}", {"kind": _kind(value)})
    if len(value) > limit:
        raise PydanticCustomError("text_too_long", "is too long ({n} characters; at most {limit})",
                                  {"n": f"{len(value):,}", "limit": f"{limit:,}"})
    if value.isprintable():
        return value
    allowed = "\t\n\r" if newlines else ""
    bad = next((c for c in value if not c.isprintable() and c not in allowed), None)
    if bad is not None:
        what = "names" if not newlines else "text"
        raise PydanticCustomError("control_character", "contains a control character ({code}); {what} must be "
                                  "printable", {"code": f"U+{ord(bad):04X}", "what": what})
    return value


#: A name (strategy, tier, niche, scenario): printable, at most MAX_NAME characters.
Name = Annotated[str, StringConstraints(max_length=MAX_NAME),  # (the schema's maxLength; checked before, in one line)
                 BeforeValidator(lambda v: _text_check(v, MAX_NAME, newlines=False))]
#: Free text (a description): tabs and newlines allowed, no other control characters, at most MAX_TEXT.
Text = Annotated[str, StringConstraints(max_length=MAX_TEXT), BeforeValidator(lambda v: _text_check(v, MAX_TEXT, True))]
#: A file path: printable, at most MAX_PATH characters.
PathText = Annotated[str, StringConstraints(max_length=MAX_PATH),
                     BeforeValidator(lambda v: _text_check(v, MAX_PATH, newlines=False))]


def big_tiers(tiers: dict[str, int]) -> list[str]:
    """The tiers a ``kind = "macro"`` strategy may hire from (its one big account), smallest first.

    With a tier named ``macro``: every tier whose lowest follower count is at least the
    macro tier's. Without one (tiers renamed): the top two tiers, or the top tier alone
    when there are fewer than three (so that the smaller of two tiers is never "big").
    ``tiers`` maps names to lowest follower counts, in increasing order.

    Examples
    --------
    >>> big_tiers(DEFAULT_TIERS)
    ['macro', 'mega']
    >>> big_tiers({"small": 1_000, "medium": 20_000, "large": 200_000, "huge": 2_000_000})
    ['large', 'huge']
    >>> big_tiers({"small": 1_000, "big": 100_000})
    ['big']
    """
    names = list(tiers)
    if "macro" in tiers:
        return [t for t in names if tiers[t] >= tiers["macro"]]
    return names[-2:] if len(names) >= 3 else names[-1:]


def _cross(field_path: str, reason: str) -> PydanticCustomError:
    """A cross-field error that names its field (see :func:`sim.scenario.files.one_line`)."""
    return PydanticCustomError("scenario_field", "{field}: {reason}", {"field": field_path, "reason": reason})


class Graph(Section):
    """The peer network word of mouth travels on."""

    generator: Generator = field("homophilous", "peer-graph generator, or 'file' to load `path`")
    mean_degree: Float = field(10.0, "mean number of peers per person", "DESIGN.md (mean degree 10)", ge=1, le=1000)
    homophily: Float = field(0.8, "share of ties within the same niche (homophilous generator)", ge=0, le=1)
    clustering: Float = field(0.3, "share of ties made by triadic closure (homophilous generator)", ge=0, le=0.9)
    degree_exponent: Float = field(2.5, "power-law exponent of the degree distribution", ge=2.01, le=5)
    path: PathText = field("", "edge list (.edgelist/.txt/.csv/.tsv) or GraphML file, relative to the scenario file")


class Population(Section):
    """The people of the market."""

    size: Int = field(100_000, "number of simulated people", ge=100, le=50_000_000)
    represents: Int = field(20, "real people one simulated person stands for; follower counts are divided by it",
                            ge=1, le=100_000)
    niches: list[Name] = field(list(NICHES), "interest niches", "DESIGN.md", min_length=2, max_length=1_000)
    interest_concentration: Float = field(0.3, "Dirichlet concentration of interests (small = specialised)",
                                          ge=0.01, le=100)
    category_involvement: Float = field(1.0, "how interested people are in the product's category, whatever their "
                                        "niche specialisation: scales every person's interest in the product's "
                                        "niche (1 = as drawn)", ge=0, le=10)
    susceptibility_mean: Float = field(0.3, "mean susceptibility to persuasion (Beta)", ge=0.001, le=0.999)
    susceptibility_concentration: Float = field(2.0, "Beta concentration: small = a few easily influenced people "
                                                "(Watts & Dodds 2007)", ge=0.1, le=1000)
    activity_sigma: Float = field(0.8, "log-normal spread of how often people open the app", ge=0, le=3)
    share_propensity_mean: Float = field(float(CALIBRATED["share_propensity_mean"]), "mean chance an engaged person "
                                         "shares (Beta)", "calibrated to reference/sharing.csv (shares per person "
                                         "reached; experiments/calibrate.py)", ge=0.0, le=0.999)
    purchase_propensity_mean: Float = field(0.2, "mean chance a convinced person buys (Beta)", ge=0.001, le=0.999)
    propensity_concentration: Float = field(4.0, "Beta concentration of share and purchase propensities",
                                            ge=0.1, le=1000)
    graph: Graph = field(Graph(), "the peer network")

    @field_validator("niches")
    @classmethod
    def _unique(cls, niches: list[str]) -> list[str]:
        if len(set(niches)) != len(niches):
            raise PydanticCustomError("unique", "items must be unique")
        if any(not n.strip() for n in niches):
            raise PydanticCustomError("empty", "niche names must not be empty")
        return niches


class Influencers(Section):
    """The pool of candidate influencers."""

    counts: dict[Name, Int] = field(dict(DEFAULT_COUNTS), "tier name -> number of candidate accounts in the pool "
                                   "(merged with the defaults)")
    max_followers: Int = field(3_000_000, "follower count of the largest possible account", ge=1000,
                               le=10_000_000_000)
    authenticity_mean: Float = field(0.7, "mean authenticity (Beta): how much creators use what they promote",
                                     ge=0.01, le=0.99)
    audience_focus: Float = field(0.7, "share of a 1K-follower account's audience drawn by niche interest", ge=0, le=1)
    audience_broadening: Float = field(0.12, "how fast the niche-drawn share falls per tenfold followers", ge=0, le=1)
    affinity_exponent: Float = field(2.0, "how sharply niche-drawn followers concentrate on the keenest people "
                                     "(higher = more overlap between same-niche audiences)", ge=0.1, le=20)
    monthly_offers_mean: Float = field(8.0, "mean number of brand offers a creator gets per month", ge=0, le=1000)
    platforms: dict[Name, Float] = field({"instagram": 1.0}, "platform -> share of the generated pool's accounts "
                                         "(shares are normalised; platforms: see sim.rules.platform)")
    shortlist: PathText = field("", "CSV of real accounts to consider (handle, platform, followers, niche; optional "
                                "engagement_rate, fee, country, language), relative to the scenario file; see "
                                "sim.world.shortlist")
    shortlist_only: Bool = field(False, "the shortlist's accounts are the whole candidate pool (false: they are "
                                 "added to the generated pool)")

    @field_validator("counts")
    @classmethod
    def _counts(cls, counts: dict[str, int]) -> dict[str, int]:
        for name, n in counts.items():
            if n < 0 or n > 1_000_000:
                raise PydanticCustomError("range", "{name}: must be between 0 and 1,000,000, got {n}",
                                          {"name": name, "n": n})
        return counts

    @field_validator("platforms")
    @classmethod
    def _platforms(cls, platforms: dict[str, float]) -> dict[str, float]:
        for name, share in platforms.items():
            if name not in PLATFORM_NAMES:
                raise _cross(f"influencers.platforms.{name}",
                             f"unknown platform (platforms: {', '.join(PLATFORM_NAMES)})")
            if not share >= 0:
                raise _cross(f"influencers.platforms.{name}", f"the share must be >= 0, got {share:g}")
        if not any(share > 0 for share in platforms.values()):
            raise _cross("influencers.platforms", "needs a platform with a share above 0")
        return platforms


class Brand(Section):
    """The brand's money and staff."""

    budget: Float = field(50_000.0, "campaign budget in USD (fees, product, management)", ge=0, le=MAX_MONEY)
    management_hours: Float = field(6.0, "staff hours per influencer hired (outreach, briefing, approvals)", ge=0,
                                    le=MAX_HOURS)
    hourly_rate: Float = field(50.0, "staff cost per hour in USD", ge=0, le=MAX_RATE)
    connect_first_days: Float = field(7.0, "days of following and engaging before an offer", ge=0, le=90)
    connect_first_hours: Float = field(1.0, "staff hours per creator for connecting first", ge=0, le=MAX_HOURS)


class Product(Section):
    """What is being sold."""

    niche: Name = field("fitness", "the product's niche (one of population.niches)")
    price: Float = field(40.0, "price in USD", gt=0, le=1e9)
    margin: Float = field(0.5, "gross margin share of the price", ge=0, le=1)
    luxury: Float = field(0.2, "0 = everyday product, 1 = luxury", ge=0, le=1)
    familiarity: Float = field(0.5, "0 = unknown brand, 1 = household name", ge=0, le=1)


class Campaign(Section):
    """The campaign."""

    days: Int = field(30, "campaign length in days (one step is one hour)", ge=1, le=365)
    posts_per_influencer: Int = field(3, "sponsored posts per hired influencer", ge=1, le=100)
    format: Format = field("post", "post format")
    repeat_purchases: Bool = field(False, "may a person buy more than once")
    recruitment_days: Float = field(28.0, "days of outreach before the first posting day: offers are sent, answered "
                                    "and replaced in this window and the accounts hired in it post from day 0; "
                                    "later rounds run into the campaign (answers before its last day); 0 = recruit "
                                    "while the campaign runs (range 14-56 days)", "practitioner guides: Carusele "
                                    "(a standard four-week prep from contract to first content), Acceleration "
                                    "Partners (2-4 weeks), Truleado (1-2 weeks of outreach and contracting)",
                                    ge=0, le=365)


class Strategy(Section):
    """One strategy to compare."""

    kind: StrategyKind = field("macro", "which strategy")
    description: Text = field("", "what this strategy stands for")
    tier: Name = field("macro", "tier of the big account (macro, mixed)")
    small_tier: Name = field("micro", "tier of the small accounts (micro_*, mixed, nano_swarm)")
    count: Int = field(0, "number of accounts (nano_swarm; 0 = as many as the budget buys; more than the pool "
                          "holds hires what the pool and the answers allow, with a note)", ge=0, le=1_000_000_000)
    big_share: Float = field(0.5, "share of the budget for the big account (mixed)", ge=0, le=1)
    selection: Selection = field("brand_fit", "how candidates are ranked")
    objective: Objective = field("conversions", "what the optimiser maximises")
    payment: Payment = field("per_post", "how creators are paid")
    partnership: Partnership = field("paid_post", "partnership type")
    connect_first: Bool = field(False, "follow and engage with creators before the offer")
    offer_ratio: Float = field(1.0, "offer relative to the creator's rate", ge=0, le=10)
    ids: list[Int] = field([], "custom: influencer ids to hire", max_length=1_000_000)
    handles: list[Name] = field([], "custom: accounts of the shortlist (influencers.shortlist) to hire, by handle "
                                "('platform:handle' for a handle on two platforms)", max_length=100_000)
    tiers: dict[Name, Int] = field({}, "custom: tier name -> count")
    budget: Float = field(0.0, "this strategy's budget in USD; 0 = brand.budget", ge=0, le=MAX_MONEY)
    match: Name = field("", "another strategy to match: its total following (micro_equal_following) or its expected "
                       "cost (micro_equal_budget); empty = the first affordable `tier` account / the budget")
    posts: Int = field(0, "sponsored posts per account; 0 = campaign.posts_per_influencer (ambassador: times "
                       "parameters.ambassador_posts_factor; gifted: parameters.gifted_posts)", ge=0, le=1000)
    outreach: Bool = field(True, "send offers that creators may refuse, replacing refusals from the ranked list "
                           "(false: every offer is accepted, e.g. deals already agreed)")
    equal_spend: Bool = field(True, "macro and micro_equal_budget: spend the budget: what the hired accounts leave "
                              "of it buys more posts from them (as packages, at most one post a campaign day per "
                              "account), so strategies compare at equal spend and the macro's outcome moves with "
                              "the budget; false: the money they leave is unspent")
    pilot_seeds: Int = field(3, "optimiser: replicate seeds of the pilot simulations", ge=1, le=100)
    pilot_candidates: Int = field(40, "optimiser: accounts simulated on their own before the greedy choice",
                                  ge=1, le=10_000)


class SelectionRules(Section):
    """What every strategy's candidates must meet, whatever their ranking."""

    min_brand_fit: Float = field(0.5, "brand-fit floor: no strategy offers to an account whose brand fit is below "
                                 "it (custom ids and handles excepted: the user chose them); 0 = no floor. Brand fit "
                                 "is half niche match, half audience alignment "
                                 "(sim.world.population.Population.brand_fit), so 0.5 is the most an account outside "
                                 "the product's niche can reach and the least one inside it can have; in the default "
                                 "market it lies in the gap between the off-niche accounts (fit 0.10-0.12, the "
                                 "lowest 89% of the pool) and the on-niche ones (0.75-0.89), where any floor from "
                                 "0.13 to 0.74 keeps the same accounts [assumption: range 0.3-0.7]", ge=0, le=1)


class Run(Section):
    """Monte Carlo settings."""

    replicates: Int = field(10, "Monte Carlo replicates per strategy", ge=1, le=1_000_000)
    seed: Int = field(42, "root seed; replicate seeds are spawned from it", ge=0, le=2**63 - 1)
    market: Market = field("per_replicate", "'per_replicate': every replicate draws its own market (people, peer graph, "
                           "creators, audiences), so intervals include which market; 'fixed': one market for all "
                           "replicates (campaign luck alone)")
    baseline: Name = field("", "the strategy every other is compared with (paired differences and verdicts); "
                          "empty = the first strategy")
    parameters: ParameterMode = field("uncertain", "'uncertain': every replicate draws its own behavioural "
                                      "parameters (priors of sim.scenario.priors, the calibration's bootstrap, "
                                      "parameters.posterior), so intervals include what the model does not know; "
                                      "fields the scenario (or a sweep point) sets to a value other than their "
                                      "default are held, a field set to exactly its default is drawn (a scenario "
                                      "cannot tell it was named: hold it with a value off the default, or "
                                      "run.parameters = 'fixed'); "
                                      "'fixed': the point values (the model's mechanics alone)")


DEFAULT_STRATEGIES = {
    "macro": Strategy(kind="macro", tier="macro", description="one macro account chosen by brand fit"),
    "micro_equal_budget": Strategy(kind="micro_equal_budget", small_tier="micro", match="macro",
                                   description="micro accounts, as many as the macro account's cost buys (the "
                                               "same money: match = 'macro')"),
}


class Scenario(Section):
    """An influencer-campaign study: the market, the brand, the campaign and the strategies to compare."""

    name: Name = field("default", "scenario name")
    description: Text = field("", "what question this scenario answers")
    population: Population = field(Population(), "the people of the market")
    tiers: dict[Name, Int] = field(dict(DEFAULT_TIERS), "tier name -> lowest follower count, in increasing order",
                                  "reference/tiers.csv (Later x Fohr 2021)", min_length=1)
    influencers: Influencers = field(Influencers(), "the pool of candidate influencers")
    brand: Brand = field(Brand(), "the brand's money and staff")
    product: Product = field(Product(), "what is being sold")
    campaign: Campaign = field(Campaign(), "the campaign")
    selection: SelectionRules = field(SelectionRules(), "what every strategy's candidates must meet")
    strategies: dict[Name, Strategy] = Field(default_factory=lambda: dict(DEFAULT_STRATEGIES), min_length=1,
                                            description="named strategies to compare",
                                            json_schema_extra={"source": "assumption"})
    parameters: Parameters = field(Parameters(), "rule parameters (defaults calibrated or cited)")
    run: Run = field(Run(), "Monte Carlo settings")

    @model_validator(mode="before")
    @classmethod
    def _merge_tier_tables(cls, raw):
        """Pool counts merge with the defaults, keeping only the scenario's tiers unless named."""
        if not isinstance(raw, dict):
            return raw
        influencers = raw.get("influencers")
        if isinstance(influencers, dict) and not isinstance(influencers.get("counts", {}), dict):
            return raw
        tiers = raw.get("tiers", DEFAULT_TIERS)
        if not isinstance(tiers, dict):
            return raw
        given = influencers.get("counts", {}) if isinstance(influencers, dict) else {}
        counts = {t: n for t, n in DEFAULT_COUNTS.items() if t in tiers}
        counts.update(given)
        raw = dict(raw)
        raw["influencers"] = {**(influencers if isinstance(influencers, dict) else {}), "counts": counts}
        return raw

    @model_validator(mode="after")
    def _cross_fields(self) -> Scenario:
        niches = self.population.niches
        if self.product.niche not in niches:
            raise _cross("product.niche", f"{self.product.niche!r} is not one of population.niches")
        bounds = list(self.tiers.values())
        if any(lo >= hi for lo, hi in zip(bounds, bounds[1:])):
            raise _cross("tiers", "lowest follower counts must increase from tier to tier")
        if any(b < 0 for b in bounds):
            raise _cross("tiers", "follower counts must be >= 0")
        tiers = set(self.tiers)
        for name in self.influencers.counts:
            if name not in tiers:
                raise _cross(f"influencers.counts.{name}", f"unknown tier (tiers: {', '.join(self.tiers)})")
        if self.influencers.max_followers <= bounds[-1]:
            raise _cross("influencers.max_followers", "must exceed the lowest follower count of the top tier")
        graph = self.population.graph
        if graph.generator == "file" and not graph.path:
            raise _cross("population.graph.path", "generator 'file' needs a path")
        if graph.mean_degree >= self.population.size:
            raise _cross("population.graph.mean_degree", "must be smaller than population.size")
        if self.run.baseline and self.run.baseline not in self.strategies:
            raise _cross("run.baseline", f"{self.run.baseline!r} is not a strategy of the scenario "
                                         f"(strategies: {', '.join(self.strategies)})")
        for name, strategy in self.strategies.items():
            if not name.strip():
                raise _cross("strategies", "strategy names must not be empty")
            for key in ("tier", "small_tier"):
                if getattr(strategy, key) not in tiers:
                    raise _cross(f"strategies.{name}.{key}", f"unknown tier {getattr(strategy, key)!r}")
            if strategy.kind == "macro" and strategy.tier not in (big := big_tiers(self.tiers)):
                raise _cross(f"strategies.{name}.tier", f"{strategy.tier!r} is too small for kind 'macro' "
                             f"(one big account: {' or '.join(repr(t) for t in big)}, from "
                             f"{self.tiers[big[0]]:,} followers; for small accounts use another kind)")
            for tier, n in strategy.tiers.items():
                if tier not in tiers:
                    raise _cross(f"strategies.{name}.tiers.{tier}", "unknown tier")
                if n < 0:
                    raise _cross(f"strategies.{name}.tiers.{tier}", f"must be >= 0, got {n}")
            if strategy.kind == "custom" and not strategy.ids and not strategy.handles \
                    and not any(strategy.tiers.values()):
                raise _cross(f"strategies.{name}", "a custom strategy needs ids, handles or tiers")
            if any(i < 0 for i in strategy.ids):
                raise _cross(f"strategies.{name}.ids", "influencer ids must be >= 0")
            if strategy.match:
                if strategy.match not in self.strategies or strategy.match == name:
                    raise _cross(f"strategies.{name}.match", f"{strategy.match!r} is not another strategy of the "
                                                            "scenario")
                seen, other = {name}, strategy.match
                while other:  # a chain of matches must end
                    if other in seen:
                        raise _cross(f"strategies.{name}.match", "strategies match each other in a circle")
                    seen.add(other)
                    other = self.strategies[other].match
        return self
