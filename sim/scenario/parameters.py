"""Rule parameters: calibrated defaults and cited constants.

Fields whose source starts with ``calibrated`` take their defaults from
``sim/data/calibrated.json``, which ``experiments/calibrate.py`` writes by fitting the
model to ``experiments/reference``. The others cite their source; ``assumption`` marks
a value with no published figure behind it (change it in the ``[parameters]`` table of
a scenario and sweep it).

Examples
--------
>>> p = Parameters()
>>> p.peer_trust, Parameters.model_fields["peer_trust"].json_schema_extra["source"]
(0.73, "Experticity 2016 (reference/creator_survey.csv): 73% act on an average person's recommendation")
"""

from __future__ import annotations

import json
from importlib import resources

from typing import Annotated, Any

from pydantic import BeforeValidator, StringConstraints
from pydantic_core import PydanticCustomError

from sim.scenario.fields import Float, Int, Section, _kind, field

MAX_POSTERIOR_PATH = 4_096  # characters of a posterior file's path (models.MAX_PATH; models imports this module)


def _path_check(value: Any) -> str:
    """A printable string of at most :data:`MAX_POSTERIOR_PATH` characters (as models.PathText checks)."""
    if not isinstance(value, str):
        raise PydanticCustomError("string_type", "expected a string, got {kind}", {"kind": _kind(value)})
    if len(value) > MAX_POSTERIOR_PATH:
        raise PydanticCustomError("text_too_long", "is too long ({n} characters; at most {limit})",
                                  {"n": f"{len(value):,}", "limit": f"{MAX_POSTERIOR_PATH:,}"})
    bad = next((c for c in value if not c.isprintable()), None)
    if bad is not None:
        raise PydanticCustomError("control_character", "contains a control character ({code}); names must be "
                                  "printable", {"code": f"U+{ord(bad):04X}"})
    return value


#: A file path (the posterior's): printable, at most MAX_POSTERIOR_PATH characters.
PathText = Annotated[str, StringConstraints(max_length=MAX_POSTERIOR_PATH), BeforeValidator(_path_check)]

CALIBRATED: dict = json.loads(resources.files("sim").joinpath("data/calibrated.json").read_text())

_REACH = "calibrated to reference/reach_by_followers.csv (Minter.io 2019, Fanpage Karma)"
_DECAY = "calibrated to reference/engagement_decay.csv (Takumi, Inntopia, CampaignDeus; Instagram)"
_ENGAGE = "calibrated to reference/engagement_by_followers.csv (Markerly 2016, Mavrck)"
_PENALTY = "calibrated to reference/sponsored_penalty.csv (Mavrck)"
_PRICE = "calibrated to reference/price_per_post.csv (industry rate cards)"


def _cal(key: str, doc: str, source: str, **constraints) -> Float:
    return field(float(CALIBRATED[key]), doc, source, **constraints)


class FormatPremium(Section):
    """Price premium of each post format over a plain post (HypeAuditor midpoints, reference/format_premiums.csv)."""

    post: Float = field(0.0, "a plain feed post (the base)", "reference/format_premiums.csv", ge=0, le=10)
    video: Float = field(0.45, "video", "reference/format_premiums.csv (HypeAuditor, midpoint)", ge=0, le=10)
    carousel: Float = field(0.25, "carousel", "reference/format_premiums.csv (HypeAuditor, midpoint)", ge=0, le=10)
    story_with_link: Float = field(0.15, "story with a link", "reference/format_premiums.csv (HypeAuditor, midpoint)",
                                   ge=0, le=10)


_RATES = "reference/platforms.csv: influencer rate card by tier (nano, micro, mid), via alittleclass.blogspot.com 2021"
_ENG = "reference/platforms.csv: IQFluence 2025 and Untapper 2026 engagement rates by tier"


class Instagram(Section):
    """Instagram, the calibration base: the curves are fitted to Instagram figures, every multiplier is 1."""

    reach: Float = field(1.0, "organic reach relative to Instagram's", "calibration base (1 by definition)",
                         ge=0, le=100)
    engagement: Float = field(1.0, "engagements per follower relative to Instagram's",
                              "calibration base (1 by definition)", ge=0, le=100)
    fee: Float = field(1.0, "fee per post relative to Instagram's", "calibration base (1 by definition)", ge=0, le=100)
    fast_share: Float = field(1.0, "share of views in the fast phase relative to Instagram's (capped at 1)",
                              "calibration base (1 by definition)", ge=0, le=100)
    timing: Float = field(1.0, "mean delays of both decay phases relative to Instagram's",
                          "calibration base (1 by definition)", ge=0.01, le=1000)


class TikTok(Section):
    """TikTok relative to Instagram (reference/platforms.csv; see :mod:`sim.rules.platform`)."""

    reach: Float = field(2.0, "organic reach relative to Instagram's: TikTok's For You feed shows posts well "
                         "beyond the followers; the model's audiences are followers, so their share who see a "
                         "post doubles, capped at 1 [assumption: no same-source figure; Untapper 2026 gives "
                         "Instagram feed reach 10-20% and TikTok 100%+ of followers]", ge=0, le=100)
    engagement: Float = field(2.0, "engagements per follower relative to Instagram's", _ENG + ": TikTok / "
                              "Instagram is 2.05 below 100K followers (IQFluence) and 2.0 from nano to macro "
                              "(Untapper midpoints); 1.6 for 1M+ accounts", ge=0, le=100)
    fee: Float = field(0.25, "fee per post relative to Instagram's", _RATES + ": TikTok $5-25 / $25-125 / "
                       "$125-1,250 against Instagram $10-100 / $100-500 / $500-5,000 (a quarter at every tier)",
                       ge=0, le=100)
    fast_share: Float = field(1.0, "share of views in the fast phase relative to Instagram's [assumption: TikTok's "
                              "decay is called 'instant' (Atisfyre 2022) but no figure was found]", ge=0, le=100)
    timing: Float = field(1.0, "mean delays of both decay phases relative to Instagram's [assumption: no figure]",
                          ge=0.01, le=1000)


class YouTube(Section):
    """YouTube relative to Instagram (reference/platforms.csv; see :mod:`sim.rules.platform`)."""

    reach: Float = field(0.75, "views per subscriber relative to Instagram's reach per follower",
                         "reference/platforms.csv: BrightBean views-to-subscriber ratio 14-20% for 10K-500K "
                         "channels against Minter.io's 22.9% Instagram reach at 20K-1M (0.74)", ge=0, le=100)
    engagement: Float = field(0.27, "engagements per subscriber relative to Instagram's per follower",
                              "reference/platforms.csv: Influencer Hero median YouTube engagement rate 0.54% "
                              "(2024) against the 1.9-2.2% Instagram average (Later & Fohr 2021, HypeAuditor "
                              "2020, via Insider); a median over a mean, so rough", ge=0, le=100)
    fee: Float = field(2.0, "fee per video relative to Instagram's per post", _RATES + ": YouTube $20-200 / "
                       "$200-1,000 / $1,000-10,000, twice Instagram's at every tier; WebFX $20 per 1K subscribers "
                       "against $10 per 1K followers", ge=0, le=100)
    fast_share: Float = field(0.67, "share of views in the fast phase relative to Instagram's",
                              "fitted to reference/engagement_decay.csv: CampaignDeus YouTube 60% of 30-day "
                              "engagement by 24 h, 75% by 120 h (sim.rules.platform.fit_timing)", ge=0, le=100)
    timing: Float = field(1.19, "mean delays of both decay phases relative to Instagram's",
                          "fitted with fast_share (sim.rules.platform.fit_timing)", ge=0.01, le=1000)


class Platforms(Section):
    """Per-platform figures relative to Instagram, the calibration base (:mod:`sim.rules.platform`)."""

    instagram: Instagram = field(Instagram(), "Instagram (the base)", "calibration base")
    tiktok: TikTok = field(TikTok(), "TikTok", "reference/platforms.csv")
    youtube: YouTube = field(YouTube(), "YouTube", "reference/platforms.csv")


#: Platforms a creator may be on, in the order of the pool's platform codes (sim.rules.platform.PLATFORMS).
PLATFORM_NAMES = tuple(Platforms.model_fields)


class Parameters(Section):
    """Parameters of the model's rules (see :mod:`sim.rules`)."""

    # reach and timing
    reach_small: Float = _cal("reach_small", "organic reach of a very small account", _REACH, ge=0, le=1)
    reach_large: Float = _cal("reach_large", "organic reach of a very large account", _REACH, ge=0, le=1)
    reach_half_followers: Float = _cal("reach_half_followers", "followers where reach is halfway", _REACH, ge=1)
    decay_fast_share: Float = _cal("decay_fast_share", "share of views in the fast phase after posting", _DECAY,
                                   ge=0, le=1)
    decay_fast_hours: Float = _cal("decay_fast_hours", "mean delay of fast-phase views, hours", _DECAY, ge=0.01)
    decay_slow_hours: Float = _cal("decay_slow_hours", "mean delay of slow-phase views, hours", _DECAY, ge=0.01)
    # engagement and trust
    engage_base: Float = _cal("engage_base", "chance to engage with an organic post seen, at full trust", _ENGAGE,
                              ge=0, le=1)
    status_gap: Float = _cal("status_gap", "exponent of the fall of relatability with followers", _ENGAGE, ge=0, le=2)
    status_scale: Float = field(100.0, "followers at which the status gap starts to bite", ge=1)
    interest_weight: Float = field(0.5, "weight of shared interests in relatability", ge=0, le=1)
    trust_small: Float = field(0.82, "prior trust in a very small account (smooth in followers, never by tier)",
                               "Experticity 2016 (reference/creator_survey.csv): 82% highly likely to act on a "
                               "micro-influencer's recommendation", ge=0, le=1)
    trust_large: Float = field(0.73, "prior trust in a very large account; the average person's 73% (same survey) "
                               "as its level [assumption]", ge=0, le=1)
    trust_half_followers: Float = field(100_000.0, "followers at which the prior trust is halfway from small to "
                                        "large [assumption: the usual upper bound of 'micro']", ge=1)
    trust_slope: Float = field(1.0, "steepness of the fall of prior trust per tenfold followers (logistic in "
                               "log followers)", ge=0.01, le=20)
    authenticity_weight: Float = field(0.3, "how much creator authenticity matters to trust: trust is multiplied by "
                                       "1 - w (1 - authenticity), so a fully authentic creator keeps the prior "
                                       "[assumption: authenticity is why small creators are trusted, DESIGN.md]",
                                       ge=0, le=1)
    peer_trust: Float = field(0.73, "trust in a peer's recommendation",
                              "Experticity 2016 (reference/creator_survey.csv): 73% act on an average person's "
                              "recommendation", ge=0, le=1)
    penalty_intercept: Float = _cal("penalty_intercept", "sponsored engagement penalty at 1 follower (log-linear)",
                                    _PENALTY, ge=-1, le=1)
    penalty_slope: Float = _cal("penalty_slope", "sponsored penalty per tenfold followers", _PENALTY, ge=-1, le=1)
    fit_sensitivity: Float = field(1.0, "how much poor brand fit deepens the sponsored penalty", ge=0, le=10)
    erosion: Float = field(0.05, "trust lost per sponsored post at zero brand fit", ge=0, le=1)
    ambassador_erosion: Float = field(0.5, "erosion of a long-term partner relative to one-off", ge=0, le=1)
    comment_share: Float = field(0.07, "chance an engaging person also comments [Markerly 2016 comment rates are "
                                 "~1/15 of like rates]", ge=0, le=1)
    # conversion: an engaged average person who saw the product once buys with ~2%, the order of
    # magnitude of e-commerce conversion rates; sweep it (scenarios/sweeps) before citing an ROI
    conversion_base: Float = field(0.5, "chance an engaged, fully convinced person buys", ge=0, le=1)
    intent_half: Float = field(0.05, "purchase intent that gives 63% of the saturated effect", ge=0.001)
    luxury_penalty: Float = field(0.7, "fall of conversion from an everyday to a luxury product", ge=0, le=1)
    luxury_aspiration: Float = field(0.5, "how much luxury shrinks the status gap (aspiration)", ge=0, le=1)
    familiarity_boost: Float = field(1.0, "conversion gain from an unknown to a household brand", ge=0, le=10)
    # money
    fee_per_follower: Float = _cal("fee_per_follower", "fee per follower at 1K followers, USD", _PRICE, ge=0)
    fee_exponent: Float = _cal("fee_exponent", "exponent of the fee in followers", _PRICE, ge=0, le=3)
    fee_jump: Float = _cal("fee_jump", "relative fee step above fee_jump_followers (0 = no bend)", _PRICE, ge=0,
                           le=20)
    fee_jump_followers: Float = _cal("fee_jump_followers", "followers where the fee curve bends (the middle of its "
                                     "step, fitted with the curve, not placed by hand)", _PRICE, ge=1)
    fee_scatter: Float = field(0.35, "spread of a creator's fee around the fee curve: sd of its log; each market "
                               "draws every account's own fee (mean-preserving lognormal), so an estimated fee "
                               "is uncertain in every interval; a shortlist's given fee is kept; 0 = every fee on "
                               "the curve [assumption: range 0.2-0.7]", "reference/price_per_post.csv: Inzpire.me "
                               "2020 quotes $500-1,000 for one 41K account, a factor of 2, read as +-1 sd of the "
                               "log fee (ln 2 / 2 = 0.35)", ge=0, le=3)
    format_premium: FormatPremium = field(FormatPremium(), "price premium by format",
                                          "reference/format_premiums.csv (HypeAuditor, midpoints)")
    package_discount: Float = field(0.15, "discount per post in multi-post packages", ge=0, le=1)
    takeover_premium: Float = field(0.5, "price premium of an account takeover", ge=0, le=10)
    cpm: Float = field(0.0, "USD per 1,000 views when paying per view; 0 = the creator's per-post fee divided by "
                       "its expected views", ge=0)
    # outreach: whether a creator accepts an offer (sim.campaign.outreach.acceptance_probability).
    # After seed claim C7 (no source found): "44% of micro-influencers accept only a quarter of the
    # offers they get"; if the other 56% take about half, a typical offer is accepted with
    # 0.44 * 0.25 + 0.56 * 0.5 = 0.39. Set 0.25 to take C7 as the rule for everyone.
    accept_base: Float = field(0.39, "chance a creator accepts a cold offer at their rate, brand fit 0.5, at the mean "
                               "offer load [assumption: seed claim C7, unsourced]", ge=0.001, le=0.999)
    accept_fit_weight: Float = field(3.0, "log-odds of acceptance per unit of brand fit", ge=0, le=50)
    accept_offer_weight: Float = field(2.0, "log-odds of acceptance per log of offer / rate", ge=0, le=50)
    accept_load_weight: Float = field(1.0, "fall of the log-odds of acceptance per log of the monthly offer load; "
                                      "1 = creators take a fixed number of deals a month", ge=0, le=50)
    accept_connect_weight: Float = field(1.0, "log-odds gained by connecting first [seed claim C8 is practitioner "
                                         "advice without a figure]", ge=0, le=50)
    accept_product: Float = field(0.292, "chance a creator accepts a product-only offer worth their rate",
                                  "SocialPubli 2018 (reference/creator_survey.csv): 29.2% happy to be paid in free "
                                  "products", ge=0.001, le=0.999)
    offer_response_days: Float = field(3.0, "days creators take to answer an offer; refusals are replaced in the "
                                       "next round", ge=0, le=90)
    offer_hours: Float = field(0.25, "staff hours to prepare and send one offer", ge=0)
    # partnerships
    ambassador_posts_factor: Float = field(2.0, "posts of a long-term ambassador relative to "
                                           "campaign.posts_per_influencer, spread over the campaign", ge=1, le=20)
    gifted_posts: Int = field(1, "posts in exchange for a gifted product (one honest review)", ge=1, le=100)
    # platforms (sim.rules.platform)
    platforms: Platforms = field(Platforms(), "reach, engagement, fee and timing of each platform relative to "
                                 "Instagram", "reference/platforms.csv")
    # what a brand's past campaign says (influsim fit)
    posterior: PathText = field("", "posterior file of `influsim fit` (relative to the scenario file): with "
                                "run.parameters = 'uncertain', every replicate draws the fitted parameters from it; "
                                "empty = from their priors")
