"""Likelihood-free Bayesian inference of a few uncertain parameters from a past campaign (pyabc ABC-SMC).

The simulator is the past campaign on the replicate path (:class:`~sim.studies.fit.simulate.PastSimulator`);
the inference is pyabc's ABC-SMC (Klinger, Rickert & Hasenauer 2018), a sequence of
generations of weighted particles, each accepted when its simulated campaign lies within
a shrinking distance ``epsilon`` of the observed one.

**What is fitted.** :data:`FITTED`: the uncertain parameters that per-creator outcomes
inform. A quick identifiability look (each prior moved from its 10% to its 90% quantile,
the others at their points, 20 creators, effect on the log totals in units of the
simulation noise) gave: purchase propensity 13 (purchases), activity spread 27
(impressions), comment share 9 (comments), share propensity 8 (shares) and 5
(impressions), conversion base 6.5 (purchases), interest weight 6 (likes),
susceptibility 3 (purchases); the outreach parameters 0 (the creators of a past campaign
were hired). Purchase propensity and conversion base are fitted together because only
their product is seen (the posterior keeps their joint particles, so ``influsim run``
draws them together). Each is fitted in the prior's own quantile space (``u`` in [0, 1],
uniform: the prior itself); the posterior file holds the values.

**Nuisance.** Every other uncertain parameter is drawn from its prior in each simulation
(``run.parameters = "uncertain"``, the default) or held at its point (``"fixed"``), as
``influsim run`` does; the synthetic campaigns of the example and the benchmark are made
by the same simulator.

**Statistics and distance.** The creators are split into :data:`GROUPS` groups by
followers (smallest third, middle, largest); for each observed outcome and group the
statistic is ``log1p`` of the total over the group's creators whose cell is not empty
(an empty cell is left out). A first version used ``log1p`` of every single cell plus the
totals (126 statistics for 20 creators): most cells are a creator's follower count plus
noise, the distance was noise, the effective sample size fell to 2.5 of 50 particles in
four generations and the 90% intervals missed the true purchase propensity and activity
spread of a synthetic campaign; the group totals keep how outcomes scale with account
size (which separates the activity spread from the rest) at 3 statistics an outcome.
``revenue`` enters only for creators whose ``purchases`` cell is empty
(in the model revenue is purchases times the price); ``reach`` and ``link_clicks`` are not
counted per creator by the model and are left out (the fit says so). The distance is
pyabc's adaptive weighted L2 norm (each statistic scaled by its median absolute deviation
over the generation, Prangle 2017), the threshold the median distance of the previous
generation.

**Stopping.** After ``max_generations``, when epsilon falls below ``min_epsilon``, when the
acceptance rate falls below ``min_acceptance``, or at ``max_minutes`` of wall time (a
generation that would not finish in time is not started, one that runs out is dropped:
the posterior is the last complete generation).

**Randomness.** pyabc draws from numpy's global random state. The fit seeds it from
``SeedSequence(seed)`` (and restores the caller's state afterwards); each particle task of
a generation gets its own seed from it, and a task reseeds the global state of the
process that runs it, so the tasks' results, gathered in the order they were handed out,
are the same on 1 or N worker processes or a Dask cluster (:class:`SeededSampler`). Each
simulation's seed (its market, nuisance draw and campaign) is drawn from that state too.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import shutil
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyabc
from pyabc.sampler.base import Sampler

from sim.errors import InfluSimError, ScenarioError
from sim.scenario.priors import Posterior, prior
from sim.studies.fit.past import PastCampaign
from sim.studies.fit.simulate import NOT_MODELLED, SIMULATED, PastSimulator

#: The fitted parameters (their priors: :data:`sim.scenario.priors.PRIORS`).
FITTED = ("population.purchase_propensity_mean", "parameters.conversion_base", "population.share_propensity_mean",
          "parameters.comment_share", "population.activity_sigma")
PARTICLES = 200
MAX_GENERATIONS = 8
MAX_MINUTES = 9.0
MIN_ACCEPTANCE = 0.02
PREDICTIVE = 60  # simulations of the posterior predictive check


class FitError(InfluSimError):
    """A fit that cannot run or finish (one line)."""


# -- statistics ---------------------------------------------------------------------------------------------
def cells(past: PastCampaign) -> dict[str, np.ndarray]:
    """Per outcome the creators whose cell enters the distance (bool masks), outcomes the model gives only.

    ``revenue`` counts only where ``purchases`` is empty.

    Examples
    --------
    >>> from sim.studies.fit.past import parse_past
    >>> past = parse_past("handle,platform,followers,niche,posts,purchases,revenue,reach\\n"
    ...                   "@a,instagram,9k,food,1,3,120,800\\n@b,instagram,8k,food,1,,80,700\\n")
    >>> {o: m.tolist() for o, m in cells(past).items()}
    {'purchases': [True, False], 'revenue': [False, True]}
    """
    out = {}
    for o in SIMULATED:
        if o not in past.outcomes:
            continue
        mask = np.isfinite(past.outcomes[o])
        if o == "revenue" and "purchases" in past.outcomes:
            mask &= ~np.isfinite(past.outcomes["purchases"])
        if mask.any():
            out[o] = mask
    return out


GROUPS = 3  # follower groups of the statistics


def groups(followers: np.ndarray, n_groups: int = GROUPS) -> np.ndarray:
    """Each creator's follower group: ``n_groups`` groups of (nearly) equal size, smallest accounts first.

    Examples
    --------
    >>> groups(np.array([5000, 900000, 20000, 60000, 12000, 300000])).tolist()
    [0, 2, 1, 1, 0, 2]
    """
    order = np.argsort(followers, kind="stable")
    out = np.zeros(len(followers), np.int64)
    out[order] = np.arange(len(followers)) * min(n_groups, len(followers)) // max(len(followers), 1)
    return out


def statistics(outcomes: dict[str, np.ndarray], mask: dict[str, np.ndarray], group: np.ndarray) -> dict[str, float]:
    """The summary statistics: per outcome and follower group, ``log1p`` of the total of the observed cells.

    Examples
    --------
    >>> s = statistics({"likes": np.array([0.0, 99.0, 50.0])}, {"likes": np.array([True, True, False])},
    ...                np.array([0, 1, 1]))
    >>> {k: round(v, 3) for k, v in s.items()}
    {'likes:0': 0.0, 'likes:1': 4.605}
    """
    stats = {}
    for o, m in mask.items():
        values = np.asarray(outcomes[o], dtype=float)
        for g in np.unique(group[m]).tolist():
            stats[f"{o}:{g}"] = float(np.log1p(values[m & (group == g)].sum()))
    return stats


# -- the model pyabc calls ----------------------------------------------------------------------------------
class _Model:
    """pyabc's model: particle (quantiles ``u0..``) -> statistics of one simulated past campaign."""

    def __init__(self, simulator: PastSimulator, fields: tuple[str, ...], mask: dict[str, np.ndarray],
                 group: np.ndarray):
        self.simulator, self.fields, self.mask, self.group = simulator, fields, mask, group

    def values(self, particle) -> dict[str, float]:
        return {f: float(prior(f).ppf(float(particle[f"u{j}"]))) for j, f in enumerate(self.fields)}

    def __call__(self, particle) -> dict[str, float]:
        seed = np.random.SeedSequence(int(np.random.randint(0, 2**63 - 1, dtype=np.int64)))
        return statistics(self.simulator(self.values(particle), seed), self.mask, self.group)


class Deadline(Exception):
    """The fit's wall time ran out inside a generation."""


def _until_accepted(pickled, seed: int):
    """One particle task: reseed this process, then simulate until one particle is accepted."""
    import random

    import cloudpickle

    simulate_one = cloudpickle.loads(pickled)
    np.random.seed(seed)
    random.seed(seed)
    from pyabc.population import Sample

    sample, n = Sample(), 0
    while True:
        particle = simulate_one()
        n += 1
        sample.append(particle)
        if particle.accepted:
            return sample, n


class SeededSampler(Sampler):
    """A pyabc sampler whose result does not depend on the number of workers.

    Each of a generation's ``n`` particle tasks gets a seed from numpy's global state
    (seeded by the fit) and samples until it has one accepted particle
    (:func:`_until_accepted`); results are gathered in task order. ``map_`` runs the tasks:
    ``None`` in this process, ``"pool"`` on ``workers`` local processes, or a Dask
    ``Client``. ``progress(accepted, evaluations)`` is called after each task;
    ``deadline`` (a :func:`time.monotonic` time) drops a generation that runs past it.
    This is pyabc's :class:`~pyabc.sampler.MappingSampler` with explicit seeds.
    """

    def __init__(self, workers: int = 1, client=None, progress=None, deadline: float | None = None):
        super().__init__()
        self.workers, self.client, self.progress, self.deadline = workers, client, progress, deadline
        self._pool = None

    def _tasks(self, func, seeds):
        if self.client is not None:
            futures = self.client.map(func, seeds, pure=False)
            try:
                for f in futures:
                    yield f.result()
            finally:
                self.client.cancel(futures)
            return
        if self.workers > 1:
            if self._pool is None:
                import multiprocessing

                self._pool = multiprocessing.get_context("spawn").Pool(self.workers)
            yield from self._pool.imap(func, seeds)
            return
        import random

        saved, saved_random = np.random.get_state(), random.getstate()
        for seed in seeds:  # in this process: each task reseeds the global state, which pyabc goes on using
            result = func(seed)
            np.random.set_state(saved)
            random.setstate(saved_random)
            yield result

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def sample_until_n_accepted(self, n, simulate_one, t, *, max_eval=np.inf, all_accepted=False, ana_vars=None):
        import cloudpickle

        seeds = np.random.randint(0, 2**32 - 1, size=n, dtype=np.int64).tolist()
        func = functools.partial(_until_accepted, cloudpickle.dumps(simulate_one))
        sample = self._create_empty_sample()
        evaluations = accepted = 0
        for result, k in self._tasks(func, seeds):
            sample += result
            evaluations += k
            accepted += 1
            if self.progress is not None:
                self.progress(accepted, evaluations)
            if self.deadline is not None and time.monotonic() > self.deadline and accepted < n:
                self.close()  # the pool's other tasks are abandoned
                sample.ok = False
                break
        self.nr_evaluations_ = evaluations
        return sample


# -- the fit ------------------------------------------------------------------------------------------------
class FitProgress:
    """What a fit reports as it goes (the command line draws a bar; this one says nothing)."""

    def generation_started(self, generation: int, particles: int, epsilon: float) -> None:
        """A generation starts (``generation`` -1 is pyabc's calibration sample from the prior)."""

    def particle(self, accepted: int, evaluations: int) -> None:
        """One more particle accepted, after ``evaluations`` simulations in this generation."""

    def generation_done(self, record: dict) -> None:
        """A generation finished: its row of :attr:`FitResult.generations`."""


@dataclass
class FitResult:
    """A fit's posterior, its generations and its posterior predictive check."""

    posterior: Posterior
    generations: list = field(default_factory=list)  # t, epsilon, particles, simulations, acceptance, ess, seconds
    predictive: dict = field(default_factory=dict)  # outcome -> array (simulations, creators)
    notes: list = field(default_factory=list)
    stopped: str = ""


def _quiet_pyabc() -> None:
    for name in ("ABC", "pyabc", "Epsilon", "Distance", "Acceptor", "Sampler", "History", "Redis", "Adaptation",
                 "Population"):
        logging.getLogger(name).setLevel(logging.ERROR)


def fit(past: PastCampaign, scenario, *, fields: tuple[str, ...] = FITTED, particles: int = PARTICLES,
        max_generations: int = MAX_GENERATIONS, max_minutes: float = MAX_MINUTES, min_epsilon: float = 0.0,
        min_acceptance: float = MIN_ACCEPTANCE, seed: int = 0, workers: int = 1, client=None,
        people: int | None = None, predictive: int = PREDICTIVE, progress: FitProgress | None = None,
        data_name: str = "", scenario_name: str = "") -> FitResult:
    """Fit ``fields`` to a past campaign by ABC-SMC; the posterior and its predictive check.

    Parameters
    ----------
    past : PastCampaign
        The creators, their posts and the outcomes measured.
    scenario : Scenario
        The scenario the campaign ran in.
    fields : tuple of str
        Dotted fields to fit (each has a prior in :data:`sim.scenario.priors.PRIORS`).
    particles : int
        Particles per generation.
    max_generations, max_minutes, min_epsilon, min_acceptance
        When to stop (see the module's docstring).
    seed : int
        Root seed of every random draw of the fit.
    workers : int
        Local worker processes (the result does not depend on it).
    client : dask.distributed.Client, optional
        Run the particle tasks on a Dask cluster instead.
    people : int, optional
        Most simulated people (default :data:`~sim.studies.fit.simulate.FIT_PEOPLE`).
    predictive : int
        Simulations of the posterior predictive check (0: none).
    progress : FitProgress, optional
        Told about each generation and particle.
    data_name, scenario_name : str
        Recorded in the posterior's ``meta``.

    Raises
    ------
    FitError
        Nothing to fit to (no outcome the model gives), or no generation finished in time.
    """
    started = time.perf_counter()
    progress = progress or FitProgress()
    for f in fields:
        prior(f)  # KeyError: not an uncertain parameter
    mask = cells(past)
    if not mask:
        raise FitError(f"{data_name or past.name}: no outcome to fit to (give at least one of "
                       f"{', '.join(SIMULATED)} for some creator)")
    notes = [f"{o}: not used ({why})" for o, why in NOT_MODELLED.items() if o in past.observed()]
    if "revenue" in mask and "purchases" in past.outcomes:
        notes.append("revenue: used only for creators without a purchases value (the model's revenue is "
                     "purchases x price)")
    if particles < 10:
        raise ScenarioError("--particles", f"must be at least 10, got {particles}")
    simulator = PastSimulator(past, scenario, people=people)
    group = groups(past.creators.followers)
    observed = statistics(past.outcomes, mask, group)
    model = _Model(simulator, tuple(fields), mask, group)
    saved_state = np.random.get_state()
    np.random.seed(np.random.SeedSequence(seed).generate_state(4))
    deadline = time.monotonic() + max_minutes * 60.0
    sampler = SeededSampler(workers=workers, client=client, progress=progress.particle, deadline=deadline)
    folder = Path(tempfile.mkdtemp(prefix="influsim-abc-"))
    generations: list[dict] = []
    stopped = ""
    _quiet_pyabc()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            prior_dist = pyabc.Distribution(**{f"u{j}": pyabc.RV("uniform", 0.0, 1.0) for j in range(len(fields))})
            distance = pyabc.AdaptivePNormDistance(p=2, max_scale_weight_ratio=100.0)
            abc = pyabc.ABCSMC(model, prior_dist, distance, population_size=particles, sampler=sampler)
            abc.new("sqlite:///" + str(folder / "abc.db"), observed)
            progress.generation_started(-1, particles, math.inf)
            t = abc.initialize_components_before_run(minimum_epsilon=min_epsilon, max_nr_populations=max_generations,
                                                     min_acceptance_rate=0.0, max_total_nr_simulations=np.inf,
                                                     max_walltime=None, min_eps_diff=0.0)
            last_seconds = 0.0
            while True:
                if generations and time.monotonic() + 1.5 * last_seconds > deadline:
                    stopped = f"wall time: the next generation would end after {max_minutes:g} minutes"
                    break
                epsilon = float(abc.eps(t))
                progress.generation_started(t, particles, epsilon)
                began = time.perf_counter()
                result = abc.run_generation(t=t)
                if not result["successful"]:
                    stopped = f"wall time: generation {t} was not finished after {max_minutes:g} minutes (dropped)"
                    break
                last_seconds = time.perf_counter() - began
                frame, w = abc.history.get_distribution(m=0, t=t)
                populations = abc.history.get_all_populations()
                simulations = int(populations.loc[populations["t"] == t, "samples"].iloc[0])
                record = {"generation": t, "epsilon": epsilon, "particles": particles, "simulations": simulations,
                          "acceptance": particles / simulations,
                          "ess": float(pyabc.weighted_statistics.effective_sample_size(w)),
                          "seconds": last_seconds}
                generations.append(record)
                progress.generation_done(record)
                if t + 1 >= max_generations:
                    stopped = f"{max_generations} generations"
                    break
                if epsilon <= min_epsilon:
                    stopped = f"epsilon {epsilon:.3g} <= {min_epsilon:g}"
                    break
                if record["acceptance"] < min_acceptance:
                    stopped = f"acceptance {record['acceptance']:.1%} < {min_acceptance:.0%}"
                    break
                t += 1
            if not generations:
                raise FitError(f"no generation of {particles} particles finished within {max_minutes:g} minutes "
                               "(raise --max-minutes or lower --particles)")
            frame, w = abc.history.get_distribution(m=0, t=generations[-1]["generation"])
    finally:
        sampler.close()
        np.random.set_state(saved_state)
        shutil.rmtree(folder, ignore_errors=True)
    u = frame[[f"u{j}" for j in range(len(fields))]].to_numpy(dtype=float)
    draws = np.column_stack([prior(f).ppf(u[:, j]) for j, f in enumerate(fields)])
    draws = np.column_stack([np.clip(draws[:, j], prior(f).low, prior(f).high) for j, f in enumerate(fields)])
    w = normalised(np.asarray(w, dtype=float))
    abc_seconds = time.perf_counter() - started
    posterior = Posterior(tuple(fields), draws, w, {})
    pred = predictive_check(simulator, posterior, predictive, seed) if predictive else {}
    predictive_seconds = time.perf_counter() - started - abc_seconds
    meta = {
        "method": "ABC-SMC (pyabc %s): adaptive L2 distance on log1p outcome totals per follower group, "
                  "median epsilon, multivariate normal transition; fitted in the priors' quantile space"
                  % pyabc.__version__,
        "data": data_name or past.name, "scenario": scenario_name or "(default)", "fitted": list(fields),
        "creators": len(past), "outcomes": sorted(mask, key=SIMULATED.index),
        "particles": particles, "generations": len(generations), "epsilon": [g["epsilon"] for g in generations],
        "acceptance": [g["acceptance"] for g in generations], "simulations": [g["simulations"] for g in generations],
        "ess": generations[-1]["ess"], "wall_seconds": round(abc_seconds, 2),
        "predictive_seconds": round(predictive_seconds, 2),
        "seed": seed, "workers": workers if client is None else "dask",
        "nuisance": ("drawn from their priors in every simulation (run.parameters = 'uncertain')"
                     if scenario.run.parameters == "uncertain" else "held at their point values "
                     "(run.parameters = 'fixed')"),
        "grain": {"people": simulator.grain[0], "represents": simulator.grain[1],
                  "days": simulator.base.campaign.days},
        "stopped": stopped, "notes": notes,
    }
    return FitResult(Posterior(tuple(fields), draws, w, meta), generations, pred, notes, stopped)


def normalised(w: np.ndarray) -> np.ndarray:
    """Weights summing to 1 that dividing by their sum again leaves as they are (the file round-trips)."""
    w = w / w.sum()
    for _ in range(8):
        again = w / w.sum()
        if np.array_equal(again, w):
            break
        w = again
    return w


def predictive_check(simulator: PastSimulator, posterior: Posterior, n: int, seed: int) -> dict[str, np.ndarray]:
    """Per-creator outcomes of ``n`` simulations, each of a particle drawn by weight (seeds ``(7, i)``)."""
    sims = []
    for i in range(n):
        s = np.random.SeedSequence(seed, spawn_key=(7, i))
        k = posterior.sample_index(np.random.default_rng(s.spawn(1)[0]))
        sims.append(simulator(posterior.values(k), s))
    return {o: np.array([s[o] for s in sims]) for o in SIMULATED}


def interval(draws: np.ndarray, level: float = 0.9) -> tuple[np.ndarray, np.ndarray]:
    """The central ``level`` interval of each column (simulations in rows)."""
    a = (1 - level) / 2
    return np.quantile(draws, a, axis=0), np.quantile(draws, 1 - a, axis=0)


def weighted_interval(values: np.ndarray, w: np.ndarray, level: float = 0.9) -> tuple[float, float]:
    """The central ``level`` interval of weighted draws (inverse of the weighted empirical distribution).

    Examples
    --------
    >>> weighted_interval(np.arange(100.0), np.ones(100))
    (4.0, 94.0)
    """
    order = np.argsort(values)
    v, cum = values[order], np.cumsum(w[order]) / w.sum()
    a = (1 - level) / 2
    return float(v[np.searchsorted(cum, a)]), float(v[min(np.searchsorted(cum, 1 - a), len(v) - 1)])  # type: ignore[call-overload]  # numpy's stub: min of intp and int is an int
