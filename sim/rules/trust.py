"""Trust: how much a person believes an influencer or a peer.

Trust is a tier prior times relatability. Relatability grows with shared interests and
shrinks with the status gap (follower count). Sponsored posts that fit the account
poorly wear trust down. All functions work on numpy arrays.
"""

from __future__ import annotations

import numpy as np


def status_gap(followers, exponent, scale=100.0, aspiration=0.0):
    """Relatability factor from the status gap: ``(1 + followers/scale) ** -(exponent * (1 - aspiration))``.

    ``exponent`` is calibrated to the fall of engagement with follower count (Markerly
    2016, Mavrck); ``aspiration`` (0..1) weakens the gap for luxury goods, where status
    is part of the appeal.

    Examples
    --------
    >>> float(status_gap(0, 0.2))
    1.0
    >>> bool(status_gap(1e6, 0.2) < status_gap(1e4, 0.2))
    True
    """
    return (1.0 + np.asarray(followers, dtype=float) / scale) ** (-exponent * (1.0 - aspiration))


def relatability(match, followers, exponent, interest_weight=0.5, scale=100.0, aspiration=0.0):
    """How relatable an account is to a person, in [0, 1].

    ``match`` (0..1) is the person's interest in the account's niche relative to their
    strongest interest.

    Examples
    --------
    >>> round(float(relatability(1.0, 0, 0.2)), 3)
    1.0
    >>> round(float(relatability(0.0, 0, 0.2, interest_weight=0.5)), 3)
    0.5
    """
    interest = (1.0 - interest_weight) + interest_weight * np.asarray(match, dtype=float)
    return interest * status_gap(followers, exponent, scale, aspiration)


def influencer_trust(prior, match, followers, exponent, interest_weight=0.5, scale=100.0, aspiration=0.0,
                     erosion_factor=1.0):
    """Trust of people in an influencer: tier prior x relatability x accumulated erosion.

    ``prior`` is the tier's prior (Experticity 2016: 0.82 for micro accounts).

    Examples
    --------
    >>> round(float(influencer_trust(0.82, 1.0, 0, 0.2)), 2)
    0.82
    """
    return prior * relatability(match, followers, exponent, interest_weight, scale, aspiration) * erosion_factor


def peer_trust(prior, match, interest_weight=0.5):
    """Trust in a peer who shares a post: the peer prior (Experticity 2016: 0.73) x shared interest.

    No status gap between peers.

    Examples
    --------
    >>> round(float(peer_trust(0.73, 1.0)), 2)
    0.73
    """
    return prior * ((1.0 - interest_weight) + interest_weight * np.asarray(match, dtype=float))


def erode(factor, fit, erosion, partnership_factor=1.0):
    """Trust factor after one more sponsored post: ``factor * (1 - erosion * (1 - fit) * partnership_factor)``.

    A post that fits the account (``fit`` = 1) costs no trust; long-term partnerships
    erode less (``partnership_factor`` < 1).

    Examples
    --------
    >>> erode(1.0, 1.0, 0.1)
    1.0
    >>> round(erode(1.0, 0.0, 0.1), 2)
    0.9
    """
    return factor * (1.0 - erosion * (1.0 - fit) * partnership_factor)
