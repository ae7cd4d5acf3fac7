"""Trust: how much a person believes an influencer or a peer.

Trust is a prior that falls smoothly with follower count (never keyed to a tier label),
raised by the creator's authenticity, times relatability. Relatability grows with shared interests and
shrinks with the status gap (follower count). Sponsored posts that fit the account
poorly wear trust down. All functions work on numpy arrays.
"""

from __future__ import annotations

import numpy as np


def size_prior(followers, small=0.82, large=0.73, half_followers=100_000.0, slope=1.0):
    """Prior trust in an account of a given size, smooth in followers.

    ``large + (small - large) / (1 + (followers / half_followers) ** slope)``: a logistic
    in log followers from ``small`` (tiny accounts) to ``large`` (celebrities). Tiers are
    only labels: redefining them changes nobody's trust, and accounts of 99K and 101K
    followers are trusted alike.

    Parameters
    ----------
    followers : array_like
        Follower counts.
    small, large : float
        Prior trust of very small and very large accounts.
    half_followers : float
        Followers at which the prior is halfway between the two.
    slope : float
        Steepness in log followers.

    References
    ----------
    .. [1] Experticity (2016), reference/creator_survey.csv: 82% of consumers highly likely
       to act on a micro-influencer's recommendation, 73% on an average person's.

    Examples
    --------
    >>> [round(float(x), 3) for x in size_prior([0, 100_000, 1e9])]
    [0.82, 0.775, 0.73]
    >>> bool(abs(size_prior(99_000) - size_prior(101_000)) < 0.001)
    True
    """
    ratio = np.asarray(followers, dtype=float) / half_followers
    return large + (small - large) / (1.0 + ratio ** slope)


def authenticity_factor(authenticity, weight=0.3):
    """How a creator's authenticity scales trust: ``1 - weight * (1 - authenticity)``.

    Authenticity (0..1) is how much a creator uses what they promote; a fully authentic
    creator keeps the prior, one who never uses what they promote loses ``weight`` of
    it (so trust stays within [0, 1]). [assumption: DESIGN.md names authenticity as
    part of why small creators are trusted; no published effect size.]

    Examples
    --------
    >>> float(authenticity_factor(1.0)), float(authenticity_factor(0.0, 0.25))
    (1.0, 0.75)
    """
    return 1.0 - weight * (1.0 - np.asarray(authenticity, dtype=float))


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
