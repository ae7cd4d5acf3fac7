"""A past campaign on the project's own replicate path: its creators, all hired, over its days.

The fit's simulator (:class:`PastSimulator`) runs the campaign a brand already ran: the
creators of ``PAST.csv`` are the whole candidate pool (``influencers.shortlist``,
``influencers.shortlist_only``), every one of them is hired (their deals were made: no
outreach, no refusals; a :class:`~sim.campaign.roster.Roster` of them is handed to
:class:`~sim.campaign.model.CampaignModel`, which skips the hiring), each publishes the
posts the file says, over the scenario's ``campaign.days``, on a market drawn afresh for
every simulation (``run.market = "per_replicate"``: which people follow which creator is
not known). What comes out is per creator: impressions, likes, comments, shares,
purchases and revenue, in real people and USD.

**Grain.** A simulation's time grows with the simulated people, so the fit runs a market
of at most :data:`FIT_PEOPLE` simulated people standing for the scenario's whole market
(``population.size x population.represents`` real people: ``represents`` is raised to
keep it). Counts are then multiples of ``represents``; the statistics are on a log scale.

**Parameters.** The fitted fields are set to the particle's values; every other uncertain
parameter (the other priors of :data:`sim.scenario.priors.PRIORS`, the calibration's
bootstrap) is the scenario's nuisance and is treated exactly as ``influsim run`` treats
it: with ``run.parameters = "uncertain"`` (the default) drawn for each simulation from
stream 103 of its seed (:func:`sim.campaign.luck.draw_parameters`), with ``"fixed"`` held
at its point value. The synthetic campaigns of the example and of the benchmark go
through the same function.

Examples
--------
>>> from sim.studies.fit.past import parse_past
>>> from sim.scenario import default_scenario
>>> past = parse_past("handle,platform,followers,niche,posts\\n@a,instagram,20k,fitness,2\\n"
...                   "@b,instagram,60k,fitness,1\\n", "past.csv")
>>> simulator = PastSimulator(past, default_scenario(), people=2000, days=3)
>>> out = simulator({"population.purchase_propensity_mean": 0.2}, np.random.SeedSequence(1))
>>> sorted(out), out["likes"].shape
(['comments', 'impressions', 'likes', 'purchases', 'revenue', 'shares'], (2,))
>>> bool((out["likes"] <= out["impressions"]).all())
True
"""

from __future__ import annotations

import atexit
import math
import shutil
import tempfile
from pathlib import Path

import numpy as np

from sim.campaign.luck import draw_parameters
from sim.campaign.model import CampaignModel
from sim.campaign.roster import make_roster
from sim.campaign.setup import draw_market
from sim.scenario import with_fields
from sim.studies.fit.past import PastCampaign
from sim.world.creators import MARKET_CAP

#: Most simulated people of the fit's market (the scenario's market is kept: ``represents`` is raised).
FIT_PEOPLE = 10_000
#: The per-creator outcomes the model gives (``reach`` and ``link_clicks`` are not counted per creator).
SIMULATED = ("impressions", "likes", "comments", "shares", "purchases", "revenue")
#: Why an outcome of the file cannot enter the fit.
NOT_MODELLED = {"reach": "the model counts reach for the whole campaign, not per creator",
                "link_clicks": "the model has no link clicks (people see, engage, share and buy)"}
STRATEGY = "past"


def fit_grain(scenario, past: PastCampaign, people: int | None = None) -> tuple[int, int]:
    """(simulated people, real people each stands for) of the fit's market.

    At most ``people`` (default :data:`FIT_PEOPLE`) simulated people standing for the
    scenario's market, and big enough that the largest creator fits (an account may reach
    at most 75% of the market, as in a run).

    Examples
    --------
    >>> from sim.scenario import default_scenario
    >>> from sim.studies.fit.past import parse_past
    >>> fit_grain(default_scenario(), parse_past("handle,platform,followers,niche,posts\\n@a,tiktok,3M,food,1\\n"))
    (10000, 400)
    """
    cap = int(people or FIT_PEOPLE)
    size = min(scenario.population.size, cap)
    market = max(scenario.population.size * scenario.population.represents,
                 math.ceil(int(past.creators.followers.max()) / MARKET_CAP))
    return size, max(1, math.ceil(market / size))


class PastSimulator:
    """The past campaign as a function: (fitted values, seed) -> per-creator outcomes.

    Parameters
    ----------
    past : PastCampaign
        The creators and their posts.
    scenario : Scenario
        The scenario the campaign ran in (product, platforms' rules, ``campaign.days``,
        ``run.parameters`` for the nuisance parameters).
    people : int, optional
        Most simulated people (:func:`fit_grain`).
    days : int, optional
        Campaign days (default: the scenario's ``campaign.days``).

    Picklable (a worker process or a Dask worker gets a copy); each process writes the
    creators to a shortlist file of its own in a temporary folder, removed at its exit.
    """

    def __init__(self, past: PastCampaign, scenario, *, people: int | None = None, days: int | None = None):
        self.past_creators = past.shortlist_csv()
        self.handles = past.handle.tolist()
        self.posts = past.posts.copy()
        self.grain = fit_grain(scenario, past, people)
        changes = {"population.size": self.grain[0], "population.represents": self.grain[1],
                   "run.market": "per_replicate", "influencers.shortlist_only": True,
                   "strategies": {STRATEGY: {"kind": "custom", "handles": self.handles, "outreach": False,
                                             "description": "the past campaign's creators"}}}
        if days is not None:
            changes["campaign.days"] = int(days)
        # the shortlist's path is set in each process (_scenario); here a placeholder that validates
        self.template = scenario.model_copy(update={"influencers": scenario.influencers.model_copy(
            update={"shortlist": ""})})
        self.changes = changes
        self._base = None

    def __getstate__(self):
        state = dict(self.__dict__)
        state["_base"] = None  # each process writes its own shortlist file
        return state

    @property
    def base(self):
        """The scenario of one simulation before its parameters are set (this process's shortlist file)."""
        if self._base is None:
            folder = Path(tempfile.mkdtemp(prefix="influsim-fit-"))
            atexit.register(shutil.rmtree, folder, True)
            path = folder / "past_creators.csv"
            path.write_text(self.past_creators, encoding="utf-8")
            self._base = with_fields(self.template, {**self.changes, "influencers.shortlist": str(path)})
        return self._base

    @property
    def price(self) -> float:
        return float(self.template.product.price)

    def scenario_for(self, values: dict[str, float], seed: np.random.SeedSequence):
        """The scenario simulation ``seed`` runs: nuisance drawn as ``influsim run`` draws it, ``values`` set."""
        base = self.base
        drawn = draw_parameters(base, seed)  # {} when run.parameters = "fixed"
        drawn.update(values)
        return with_fields(base, {**drawn, "run.parameters": "fixed"})

    def __call__(self, values: dict[str, float], seed: np.random.SeedSequence) -> dict[str, np.ndarray]:
        """Per-creator outcomes (real people, USD) of one simulation of the past campaign."""
        scenario = self.scenario_for(values, seed)
        market = draw_market(scenario, seed)
        roster = make_roster(market, scenario, STRATEGY, np.arange(len(market.pool)))
        roster.posts = self.posts.astype(int)  # the posts each creator published
        model = CampaignModel(scenario, STRATEGY, market=market, roster=roster, rng=seed)
        model.run()
        rep = model.represents
        got = {k: v.astype(float) * rep for k, v in model.by_influencer.items()}
        return {"impressions": got["impressions"], "likes": got["likes"], "comments": got["comments"],
                "shares": got["shares"], "purchases": got["conversions"],
                "revenue": got["conversions"] * scenario.product.price}


def synthetic(past: PastCampaign, scenario, values: dict[str, float], seed: np.random.SeedSequence, *,
              people: int | None = None, outcomes: tuple[str, ...] = ("impressions", "likes", "comments", "shares",
                                                                       "purchases", "revenue")) -> PastCampaign:
    """``past`` with outcomes simulated by the model at ``values`` (a synthetic past campaign).

    The same simulator as the fit's (:class:`PastSimulator`), so the nuisance parameters
    are treated alike: drawn from their priors with stream 103 of ``seed`` under
    ``run.parameters = "uncertain"``, held at their points under ``"fixed"``.
    """
    simulator = PastSimulator(past, scenario, people=people)
    got = simulator(values, seed)
    return PastCampaign(past.name, past.creators, past.posts, {o: got[o].copy() for o in outcomes}, "")
