"""Rule parameters: calibrated defaults and cited constants.

Fields marked *calibrated* take their defaults from ``sim/data/calibrated.json``, which
``experiments/calibrate.py`` writes by fitting the model to ``experiments/reference``.
The others cite their source; *assumption* marks a value with no published figure
behind it (change it in the ``[parameters]`` table of a scenario and sweep it).
"""

from __future__ import annotations

import json
from importlib import resources

from sim.scenario.schema import Field, MapOf, Table

CALIBRATED: dict = json.loads(resources.files("sim").joinpath("data/calibrated.json").read_text())


def _cal(key: str, doc: str, **kw) -> Field:
    return Field(float(CALIBRATED[key]), float, f"{doc} [calibrated]", **kw)


PARAMETERS = Table(
    {
        # reach: reference/reach_by_followers.csv (Minter.io 2019, Fanpage Karma)
        "reach_small": _cal("reach_small", "organic reach of a very small account", lo=0, hi=1),
        "reach_large": _cal("reach_large", "organic reach of a very large account", lo=0, hi=1),
        "reach_half_followers": _cal("reach_half_followers", "followers where reach is halfway", lo=1, lo_open=False),
        # timing: reference/engagement_decay.csv (Takumi, Inntopia, CampaignDeus; Instagram)
        "decay_fast_share": _cal("decay_fast_share", "share of views in the fast phase after posting", lo=0, hi=1),
        "decay_fast_hours": _cal("decay_fast_hours", "mean delay of fast-phase views, hours", lo=0.01),
        "decay_slow_hours": _cal("decay_slow_hours", "mean delay of slow-phase views, hours", lo=0.01),
        # engagement: reference/engagement_by_followers.csv (Markerly 2016, Mavrck)
        "engage_base": _cal("engage_base", "chance to engage with an organic post seen, at full trust", lo=0, hi=1),
        "status_gap": _cal("status_gap", "exponent of the fall of relatability with followers", lo=0, hi=2),
        "status_scale": Field(100.0, float, "followers at which the status gap starts to bite [assumption]", lo=1),
        "interest_weight": Field(0.5, float, "weight of shared interests in relatability [assumption]", lo=0, hi=1),
        "tier_trust": MapOf(
            Field(0.8, float, "prior trust in an account of this tier", lo=0, hi=1),
            # Experticity 2016: 82% highly likely to act on a micro-influencer's recommendation
            # (reference/creator_survey.csv); above micro no figure: the 73% of an average person
            # (same survey) is used as an upper bound [assumption].
            default={"nano": 0.82, "micro": 0.82, "mid": 0.73, "macro": 0.73, "mega": 0.73},
            doc="tier name -> prior trust (Experticity 2016 for nano/micro; 0.73 above [assumption]); merged "
                "with the defaults",
            merge=True,
        ),
        "peer_trust": Field(0.73, float, "trust in a peer's recommendation (Experticity 2016: 73%)", lo=0, hi=1),
        # sponsored posts: reference/sponsored_penalty.csv (Mavrck)
        "penalty_intercept": _cal("penalty_intercept", "sponsored engagement penalty at 1 follower (log-linear)",
                                  lo=-1, hi=1),
        "penalty_slope": _cal("penalty_slope", "sponsored penalty per tenfold followers", lo=-1, hi=1),
        "fit_sensitivity": Field(1.0, float, "how much poor brand fit deepens the sponsored penalty [assumption]",
                                 lo=0, hi=10),
        "erosion": Field(0.05, float, "trust lost per sponsored post at zero brand fit [assumption]", lo=0, hi=1),
        "ambassador_erosion": Field(0.5, float, "erosion of a long-term partner relative to one-off [assumption]",
                                    lo=0, hi=1),
        "comment_share": Field(0.07, float, "chance an engaging person also comments [assumption; Markerly 2016 "
                               "comment rates are ~1/15 of like rates]", lo=0, hi=1),
        # conversion
        # assumption: an engaged average person who saw the product once buys with ~2%, the order of
        # magnitude of e-commerce conversion rates; sweep it (scenarios/sweeps) before citing an ROI
        "conversion_base": Field(0.5, float, "chance an engaged, fully convinced person buys [assumption]", lo=0, hi=1),
        "intent_half": Field(0.05, float, "purchase intent that gives 63% of the saturated effect [assumption]",
                             lo=0.001),
        "luxury_penalty": Field(0.7, float, "fall of conversion from an everyday to a luxury product [assumption]",
                                lo=0, hi=1),
        "luxury_aspiration": Field(0.5, float, "how much luxury shrinks the status gap (aspiration) [assumption]",
                                   lo=0, hi=1),
        "familiarity_boost": Field(1.0, float, "conversion gain from an unknown to a household brand [assumption]",
                                   lo=0, hi=10),
        # money: reference/price_per_post.csv, reference/format_premiums.csv
        "fee_per_follower": _cal("fee_per_follower", "fee per follower at 1K followers, USD", lo=0),
        "fee_exponent": _cal("fee_exponent", "exponent of the fee in followers", lo=0, hi=3),
        "fee_jump": _cal("fee_jump", "relative fee jump above fee_jump_followers", lo=0, hi=20),
        "fee_jump_followers": Field(100_000.0, float, "where fees jump (seed claim C6)", lo=1),
        "format_premium": MapOf(
            Field(0.0, float, "price premium of the format", lo=0, hi=10),
            # HypeAuditor midpoints (reference/format_premiums.csv); a plain post is the base
            default={"post": 0.0, "video": 0.45, "carousel": 0.25, "story_with_link": 0.15},
            doc="format -> price premium (HypeAuditor, midpoints); merged with the defaults",
            merge=True,
        ),
        "package_discount": Field(0.15, float, "discount per post in multi-post packages [assumption]", lo=0, hi=1),
        "takeover_premium": Field(0.5, float, "price premium of an account takeover [assumption]", lo=0, hi=10),
        "cpm": Field(0.0, float, "USD per 1,000 views when paying per view; 0 = the creator's per-post fee divided "
                     "by its expected views", lo=0),
        # outreach: whether a creator accepts an offer (sim.campaign.outreach.acceptance_probability)
        # assumption, after seed claim C7 (reference/seed_claims.csv, no source found): "44% of micro-influencers
        # accept only a quarter of the offers they get"; if the other 56% take about half, a typical offer is
        # accepted with 0.44 * 0.25 + 0.56 * 0.5 = 0.39. Set 0.25 to take C7 as the rule for everyone.
        "accept_base": Field(0.39, float, "chance a creator accepts a cold offer at their rate, brand fit 0.5, at the "
                             "mean offer load [assumption: seed claim C7, unsourced]", lo=0.001, hi=0.999),
        "accept_fit_weight": Field(3.0, float, "log-odds of acceptance per unit of brand fit [assumption]",
                                   lo=0, hi=50),
        "accept_offer_weight": Field(2.0, float, "log-odds of acceptance per log of offer / rate [assumption]",
                                     lo=0, hi=50),
        "accept_load_weight": Field(1.0, float, "fall of the log-odds of acceptance per log of the monthly offer "
                                    "load; 1 = creators take a fixed number of deals a month [assumption]",
                                    lo=0, hi=50),
        "accept_connect_weight": Field(1.0, float, "log-odds gained by connecting first [assumption; seed claim C8 "
                                       "is practitioner advice without a figure]", lo=0, hi=50),
        "accept_product": Field(0.292, float, "chance a creator accepts a product-only offer worth their rate "
                                "(SocialPubli 2018: 29.2% happy to be paid in free products; "
                                "reference/creator_survey.csv)", lo=0.001, hi=0.999),
        "offer_response_days": Field(3.0, float, "days creators take to answer an offer; refusals are replaced in "
                                     "the next round [assumption]", lo=0, hi=90),
        "offer_hours": Field(0.25, float, "staff hours to prepare and send one offer [assumption]", lo=0),
        # partnerships
        "ambassador_posts_factor": Field(2.0, float, "posts of a long-term ambassador relative to "
                                         "campaign.posts_per_influencer, spread over the campaign [assumption]",
                                         lo=1, hi=20),
        "gifted_posts": Field(1, int, "posts in exchange for a gifted product (one honest review) [assumption]",
                              lo=1, hi=100),
    },
    "rule parameters (defaults calibrated or cited)",
)
