import math

import numpy as np
import pytest

from sim.rules import economics


def test_fee_is_convex_with_a_jump_above_100k():
    f = np.logspace(3, 6.5, 40)
    fee = economics.fee_per_post(f, 0.01, 1.1, 1.0)
    assert np.all(np.diff(fee) > 0)
    # price per follower rises: convex in followers
    assert np.all(np.diff(fee / f) > 0)
    # with a linear base, the jump (1.0 = doubling) shows in the fee per follower
    below = economics.fee_per_post(3e4, 0.01, 1.0, 1.0) / 3e4
    above = economics.fee_per_post(3e5, 0.01, 1.0, 1.0) / 3e5
    assert above == pytest.approx(2 * below, rel=0.03)


def test_format_premium_and_package():
    base = economics.fee_per_post(5e4, 0.01, 1.0, 0.0)
    assert economics.fee_per_post(5e4, 0.01, 1.0, 0.0, premium=0.45) == pytest.approx(1.45 * base)
    assert economics.package_price(100.0, 1, 0.2) == 100.0
    assert economics.package_price(100.0, 3, 0.2) == pytest.approx(260.0)


def test_costs():
    assert economics.gifted_cost(40.0, 0.6) == pytest.approx(16.0)
    assert economics.management_cost(30, 6, 50) == 30 * economics.management_cost(1, 6, 50)
    assert economics.implied_cpm(200.0, 10_000, 0.4) == pytest.approx(50.0)


def test_campaign_metrics_definitions():
    m = economics.campaign_metrics(impressions=10_000, reach=6_000, earned_reach=100, likes=300, comments=20,
                                   shares=10, engaged=300, conversions=30, followers=20_000, price=50.0,
                                   cost=1000.0, influencers=3)
    assert m["engagements"] == 330
    assert m["roi"] == pytest.approx((1500 - 1000) / 1000)
    assert m["cost_per_acquisition"] == pytest.approx(1000 / 30)
    assert m["cpm"] == pytest.approx(100.0)
    assert m["engagement_rate"] == pytest.approx(330 / 20_000)
    none = economics.campaign_metrics(impressions=0, reach=0, earned_reach=0, likes=0, comments=0, shares=0,
                                      engaged=0, conversions=0, followers=0, price=50.0, cost=0.0, influencers=0)
    assert math.isnan(none["roi"]) and math.isnan(none["cost_per_acquisition"])
