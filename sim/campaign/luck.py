"""What one replicate draws: its market, who accepts an offer, the random ranking, the campaign.

Seeds flow through :class:`numpy.random.SeedSequence`. Replicate ``r`` of a scenario with
root seed ``s`` has the seed ``SeedSequence(s, spawn_key=(1, r))`` (the r-th child of the
second child of ``SeedSequence(s)``), shared by every strategy of the replicate (common
random numbers: strategies are compared on the same market and the same luck). From it:

=====================  ==========================================================
``(1, r, 100)``        the market (people, peer graph, creators, audiences) when
                       ``run.market = "per_replicate"``; a fixed market uses
                       ``(0,)``, the first child of ``SeedSequence(s)``
``(1, r, 101)``        one uniform per candidate account: its answer to an offer
``(1, r, 102)``        one random key per candidate account: the random ranking
``(1, r, 103)``        the replicate's parameters when ``run.parameters = "uncertain"``
                       (:func:`draw_parameters`): one uniform per prior of
                       :data:`sim.scenario.priors.PRIORS`, then one for the
                       calibration's bootstrap draw, then a posterior particle
``(1, r, 105, j, i)``  post ``i`` of pool account ``j``: its minute of posting,
                       who of the audience sees it, when, and one uniform per
                       viewer that decides what the viewer does
                       (:func:`split_uniform`: engages, comments, buys, shares)
``(1, r, 106, v)``     person ``v``'s share (one per campaign at most): which
                       peers see it, when, and their uniforms, as for a post
``(5, k)``             the optimiser's k-th pilot seed, disjoint from every replicate
``(6, j)``/``(8, j)``  re-runs of :func:`sim.studies.spread.spread_sources`
=====================  ==========================================================

Streams are derived from a seed's key, not spawned, so they are the same in every process
and on every executor. The campaign's streams belong to an account's post or a person's
share, not to the order things happen in: common random numbers per account. The same
roster in any order gives the same campaign, and adding an account to a roster leaves
the draws of every other account's posts as they were (what changes is only what the
added account's audience does and how people who see both respond), so two rosters are
compared on the same luck account by account (the optimiser's pilots, the creators
table's marginal values).

Examples
--------
>>> seeds = replicate_seeds(7, 2)
>>> [s.spawn_key for s in seeds]
[(1, 0), (1, 1)]
>>> luck = Luck.draw(seeds[0], 5)
>>> bool((luck.acceptance == Luck.draw(seeds[0], 5).acceptance).all())
True
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from sim.scenario.models import Scenario

MARKET_KEY, ACCEPTANCE_KEY, RANKING_KEY, PARAMETERS_KEY = 100, 101, 102, 103
POST_KEY, SHARE_KEY = 105, 106  # 104: a market seed's fees (sim.campaign.setup.FEES_KEY)
PILOT_ROOT = 5


def replicate_seeds(seed: int, n: int, start: int = 0) -> list[np.random.SeedSequence]:
    """The seeds of replicates ``start .. start + n - 1`` of a root seed.

    Examples
    --------
    >>> replicate_seeds(7, 1, start=3)[0].spawn_key
    (1, 3)
    """
    return [np.random.SeedSequence(seed, spawn_key=(1, r)) for r in range(start, start + n)]


def child(seed: np.random.SeedSequence, *keys: int) -> np.random.SeedSequence:
    """The stream ``keys`` of ``seed`` (derived from its key, so the same in every process).

    Examples
    --------
    >>> child(np.random.SeedSequence(7, spawn_key=(1, 0)), POST_KEY, 12, 0).spawn_key
    (1, 0, 105, 12, 0)
    """
    return np.random.SeedSequence(seed.entropy, spawn_key=(*seed.spawn_key, *keys))


def post_stream(seed: np.random.SeedSequence, account: int, post: int) -> np.random.Generator:
    """The generator of post ``post`` (0, 1, ...) of pool account ``account`` in the replicate of ``seed``."""
    return np.random.default_rng(child(seed, POST_KEY, int(account), int(post)))


def share_stream(seed: np.random.SeedSequence, person: int) -> np.random.Generator:
    """The generator of person ``person``'s share in the replicate of ``seed`` (a person shares once)."""
    return np.random.default_rng(child(seed, SHARE_KEY, int(person)))


def split_uniform(u: np.ndarray, p) -> tuple[np.ndarray, np.ndarray]:
    """One Bernoulli(``p``) trial from each uniform ``u``, and a fresh uniform left over for the next trial.

    ``hit = u < p``; the rest ``u / p`` (a hit) or ``(u - p) / (1 - p)`` (a miss) is again
    uniform on [0, 1) and independent of ``hit`` (the uniform's position within the
    interval it fell in), so one uniform drawn when a person is exposed decides, in turn,
    whether they engage, comment, buy and share [1]_. Each trial spends about
    ``log2(1 / p)`` of the uniform's 53 bits; the four trials of an exposure spend fewer
    than 30. Drawing the uniform with the post (its own stream) rather than when the
    exposure is processed keeps the numbers per account (common random numbers).

    References
    ----------
    .. [1] Devroye, L. (1986), *Non-Uniform Random Variate Generation*, Springer, ch. 1
       (a uniform conditioned on the interval it fell in is uniform on that interval).

    Examples
    --------
    >>> hit, rest = split_uniform(np.array([0.1, 0.6]), 0.4)
    >>> hit.tolist(), [round(x, 6) for x in rest.tolist()]
    ([True, False], [0.25, 0.333333])
    """
    u = np.asarray(u, dtype=np.float64)
    p = np.broadcast_to(np.clip(np.asarray(p, dtype=np.float64), 0.0, 1.0), u.shape)  # a chance above 1 is a sure hit
    hit = u < p
    rest = np.empty_like(u)
    np.divide(u, p, out=rest, where=hit)
    miss = ~hit
    np.divide(u - p, 1.0 - p, out=rest, where=miss)  # p < 1 wherever u >= p (u < 1)
    return hit, np.minimum(rest, np.nextafter(1.0, 0.0), out=rest)


def as_seed(rng) -> np.random.SeedSequence:
    """A replicate seed from what a user passes as ``rng``: a SeedSequence, an int, a Generator or None.

    An int (or a SeedSequence) is one replicate, the same every time: the same seed gives
    the same market, luck and campaign in any order and any process (the market cache is
    keyed by the seed whole, :func:`sim.world.market_key.population_key`). ``None`` is fresh
    entropy from the operating system, a new replicate each time (not reproducible; the
    model's ``seed.entropy`` records it); so ``mesa.batch_run(..., iterations=N)``, which
    Mesa 3.5 turns into ``rng=[None] * N``, runs N distinct replicates, each with its own
    market. A Generator gives a seed drawn from it (it advances). For reproducible rows
    pass seeds: ``rng=[42, 43]`` or ``rng=replicate_seeds(seed, n)``.

    Examples
    --------
    >>> as_seed(3).entropy, as_seed(np.random.SeedSequence(3, spawn_key=(1, 0))).spawn_key
    (3, (1, 0))
    >>> as_seed(None).entropy == as_seed(None).entropy
    False
    """
    if isinstance(rng, np.random.SeedSequence):
        return rng
    if isinstance(rng, np.random.Generator):
        return np.random.SeedSequence(int(rng.integers(0, 2**63 - 1)))
    return np.random.SeedSequence(rng)


def market_seed(scenario, seed: np.random.SeedSequence) -> np.random.SeedSequence:
    """The seed of the replicate's market: its own, or the scenario's fixed one.

    A graph file fixes the peer graph, but people, creators and audiences are still
    drawn per replicate unless ``run.market = "fixed"``.
    """
    if scenario.run.market == "per_replicate":
        return child(seed, MARKET_KEY)
    return fixed_market_seed(scenario.run.seed)


def fixed_market_seed(root: int) -> np.random.SeedSequence:
    """The seed of a scenario's fixed market: the first child of ``SeedSequence(run.seed)``."""
    return np.random.SeedSequence(root, spawn_key=(0,))


def pilot_seeds(root: int, n: int) -> list[np.random.SeedSequence]:
    """The optimiser's pilot seeds, disjoint from every replicate seed (judged on fresh seeds).

    Examples
    --------
    >>> [s.spawn_key for s in pilot_seeds(1, 2)]
    [(5, 0), (5, 1)]
    """
    return [np.random.SeedSequence(root, spawn_key=(PILOT_ROOT, k)) for k in range(n)]


@dataclass(frozen=True)
class Luck:
    """The outreach luck of one replicate: uniforms deciding answers, keys of the random ranking.

    The same for every strategy of a replicate: an account that refuses one strategy's
    offer also refuses another's made at the same or a lower chance.
    """

    acceptance: np.ndarray  # one uniform per pool account
    ranking: np.ndarray  # one random key per pool account

    @classmethod
    def draw(cls, seed: np.random.SeedSequence, n_accounts: int) -> Luck:
        """The luck of the replicate with seed ``seed`` for a pool of ``n_accounts``."""
        return cls(np.random.default_rng(child(seed, ACCEPTANCE_KEY)).random(n_accounts),
                   np.random.default_rng(child(seed, RANKING_KEY)).random(n_accounts))

    @classmethod
    def first_replicate(cls, scenario, n_accounts: int) -> Luck:
        """The luck of replicate 0 (what a direct call without a replicate seed uses)."""
        return cls.draw(replicate_seeds(scenario.run.seed, 1)[0], n_accounts)


# -- the replicate's parameters: what the model does not know (sim.scenario.priors) --------------------------
@lru_cache(maxsize=1)
def _defaults():
    from sim.scenario.models import Scenario

    return Scenario()


def _value(scenario, dotted: str):
    node = scenario
    for part in dotted.split("."):
        node = getattr(node, part)
    return node


def uncertain_fields() -> tuple[str, ...]:
    """Every field a replicate may draw: the priors' (in order), then the calibration bootstrap's."""
    from sim.scenario.priors import PRIORS, calibrated_draws

    fields = [p.field for p in PRIORS]
    return tuple(fields + [f for f in calibrated_draws()[0] if f not in fields])


def held_fields(scenario) -> tuple[str, ...]:
    """The uncertain fields a replicate does not draw: held at the scenario's value.

    A field is held when the scenario sets it to a value other than its default (a sweep
    point, a claim's condition, a user who knows it); with ``run.market = "fixed"`` the
    population's fields are held too (one market for every replicate means one set of
    people).

    Examples
    --------
    >>> from sim.scenario import with_fields, default_scenario
    >>> held_fields(with_fields(default_scenario(), {"parameters.erosion": 0.1}))
    ('parameters.erosion',)
    """
    defaults = _defaults()
    fixed_market = scenario.run.market == "fixed"
    return tuple(f for f in uncertain_fields()
                 if _value(scenario, f) != _value(defaults, f) or (fixed_market and f.startswith("population.")))


def posterior_of(scenario):
    """The scenario's :class:`~sim.scenario.priors.Posterior` (``parameters.posterior``), or None.

    A file that cannot be read is a :class:`~sim.errors.ScenarioError` naming the field.
    """
    from sim.errors import ScenarioError
    from sim.scenario.priors import Posterior, PosteriorError

    if not scenario.parameters.posterior:
        return None
    try:
        return Posterior.load(scenario.parameters.posterior)
    except PosteriorError as exc:
        raise ScenarioError("parameters.posterior", str(exc)) from None


def draw_parameters(scenario, seed: np.random.SeedSequence) -> dict[str, float]:
    """The parameters replicate ``seed`` draws (dotted field -> value); empty when ``run.parameters = "fixed"``.

    From stream :data:`PARAMETERS_KEY` of the seed, always in this order (so a value does
    not depend on which sources exist): one uniform per prior of
    :data:`~sim.scenario.priors.PRIORS`, mapped through the priors; one uniform that picks
    a row of the calibration's bootstrap (:func:`~sim.scenario.priors.calibrated_draws`;
    calibrated fields keep their point values when there is none); then, with
    ``parameters.posterior``, one particle of the posterior by weight, whose fields
    replace the priors' draws. Held fields (:func:`held_fields`) are left out. The draw
    does not depend on the strategy: every strategy of a replicate gets the same one.

    Examples
    --------
    >>> from sim.scenario import default_scenario
    >>> seed = replicate_seeds(7, 1)[0]
    >>> draw = draw_parameters(default_scenario(), seed)
    >>> draw == draw_parameters(default_scenario(), seed), 0.05 <= draw["population.purchase_propensity_mean"] <= 0.5
    (True, True)
    """
    from sim.scenario.priors import PRIORS, calibrated_draws, prior_values

    if scenario.run.parameters != "uncertain":
        return {}
    rng = np.random.default_rng(child(seed, PARAMETERS_KEY))
    values = prior_values(rng.random(len(PRIORS)))
    pick = rng.random()
    fields, draws = calibrated_draws()
    if len(draws):
        values.update({f: float(v) for f, v in zip(fields, draws[min(int(pick * len(draws)), len(draws) - 1)])})
    posterior = posterior_of(scenario)
    if posterior is not None:
        values.update(posterior.values(posterior.sample_index(rng)))
    held = set(held_fields(scenario))
    return {f: values[f] for f in uncertain_fields() if f in values and f not in held}


def with_drawn(scenario: Scenario, drawn: dict[str, float]) -> Scenario:
    """``scenario`` with the drawn values set and ``run.parameters = "fixed"`` (nothing downstream redraws)."""
    if scenario.run.parameters != "uncertain":
        return scenario
    from sim.scenario import with_fields

    return with_fields(scenario, {**drawn, "run.parameters": "fixed"})


def replicate_scenario(scenario, seed: np.random.SeedSequence):
    """The scenario replicate ``seed`` runs: its own parameters drawn (:func:`draw_parameters`), then fixed.

    A scenario with ``run.parameters = "fixed"`` is returned as it is, so this is safe to
    call at every step of the replicate path.

    Examples
    --------
    >>> from sim.scenario import default_scenario
    >>> drawn = replicate_scenario(default_scenario(), replicate_seeds(7, 1)[0])
    >>> drawn.run.parameters, replicate_scenario(drawn, replicate_seeds(7, 2)[1]) is drawn
    ('fixed', True)
    """
    return with_drawn(scenario, draw_parameters(scenario, seed))
