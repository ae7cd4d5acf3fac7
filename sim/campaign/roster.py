"""A roster: the accounts one strategy hires in one replicate, and what they cost."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from sim.campaign.pricing import account_costs, strategy_posts
from sim.campaign.ranking import pool_fit

if TYPE_CHECKING:
    from sim.scenario.models import Scenario, Strategy


@dataclass
class Roster:
    """The accounts one strategy hires and what they cost (arrays aligned with ``ids``).

    ``management`` is the staff cost per account: its management hours plus an equal
    share of the staff time of all offers sent (refused ones included). ``outreach``
    holds the outreach funnel (offers, accepted, acceptance rate, rounds, days, costs),
    ``outreach["candidates"]`` one row per offer, and ``outreach["optimiser"]`` the
    optimiser's steps when it chose the roster; ``candidates`` is the same list of rows.
    """

    strategy: str
    ids: np.ndarray  # pool ids of hired accounts
    posts: np.ndarray  # sponsored posts per account
    fixed_cost: np.ndarray  # fees or product, USD, per account
    cpm: np.ndarray  # USD per 1,000 views when paid per view, else 0
    management: np.ndarray  # staff cost per account, USD
    fit: np.ndarray  # brand fit per account
    partnership: str = "paid_post"
    start_day: np.ndarray | None = None  # day each account can first post: when outreach got its answer
    overhead: float = 0.0  # staff time of offers when nobody was hired (else shared in management)
    outreach: dict = field(default_factory=dict)
    candidates: list = field(default_factory=list)  # rows for the report

    @property
    def position(self) -> dict:
        return {int(j): k for k, j in enumerate(self.ids)}

    def staff_cost(self) -> float:
        """Staff time: management of each account and every offer sent, USD."""
        return float(self.management.sum() + self.overhead)

    def expected_cost(self) -> float:
        """Fees, product and staff; per-view payments are added after the run."""
        return float(self.fixed_cost.sum() + self.management.sum() + self.overhead)


def make_roster(pop, sc: Scenario, name: str, ids, contact_total: float = 0.0, *, st: Strategy | None = None,
                posts=None) -> Roster:
    """A :class:`Roster` of accounts ``ids`` under strategy ``name``'s terms.

    ``contact_total`` (staff time of every offer sent) is shared equally among the
    accounts' management costs. ``posts`` (one count per account) replaces the
    strategy's posts per account (:func:`~sim.campaign.pricing.strategy_posts`); the
    fixed cost is then each account's package of its own posts
    (:func:`~sim.campaign.pricing.account_costs` with ``posts``).
    """
    st = st or sc.strategies[name]
    ids = np.asarray(ids, dtype=int)
    fixed, cpm, staff = account_costs(pop, sc, st, ids, posts=posts)
    posts = np.full(len(ids), strategy_posts(sc, st), dtype=int) if posts is None else np.asarray(posts, dtype=int)
    if len(ids):
        staff = staff + contact_total / len(ids)
    fit = pool_fit(pop, sc)[ids] if len(ids) else np.zeros(0)
    return Roster(strategy=name, ids=ids, posts=posts,
                  fixed_cost=fixed, cpm=cpm, management=staff, fit=fit, partnership=st.partnership,
                  overhead=0.0 if len(ids) else float(contact_total))
