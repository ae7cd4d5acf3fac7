"""Global sensitivity analysis with SALib: Sobol' (Saltelli) and Morris designs.

Designs are drawn on the unit hypercube; :mod:`sim.studies.sweep` maps them onto each
parameter's bounds (linear or log scale). The analyses take one output value per
design point (the mean over replicates) and return plain rows, so that the sweep's
CSV export and report need no SALib types.

SALib is imported lazily: grid and Latin-hypercube sweeps do not need it.

Examples
--------
>>> import numpy as np
>>> X = sobol_sample(2, 256, seed=1)
>>> X.shape
(1024, 2)
>>> rows = sobol_indices(["a", "b"], 4 * X[:, 0] + X[:, 1], seed=1)
>>> [r["parameter"] for r in rows], round(rows[0]["S1"], 1)
(['a', 'b'], 0.9)
"""

from __future__ import annotations

import math
import warnings

import numpy as np

from sim.errors import InfluSimError


class MissingDependency(InfluSimError):
    """An optional package needed for this sweep is not installed."""


def _salib():
    try:
        import SALib  # noqa: F401
    except ImportError:
        raise MissingDependency("the sobol and morris designs need SALib: pip install SALib") from None


def _problem(d: int, names=None) -> dict:
    names = list(names) if names is not None else [f"x{i}" for i in range(d)]
    return {"num_vars": d, "names": names, "bounds": [[0.0, 1.0]] * d}


def sobol_points(d: int, n: int, second_order: bool = False) -> int:
    """Number of model evaluations of a Saltelli design: ``N (D + 2)``, or ``N (2D + 2)`` with second order.

    Examples
    --------
    >>> sobol_points(6, 64)
    512
    """
    return n * ((2 * d + 2) if second_order else (d + 2))


def sobol_sample(d: int, n: int, second_order: bool = False, seed: int | None = None) -> np.ndarray:
    """A Saltelli design for Sobol' indices on the unit hypercube (SALib ``sobol.sample``).

    ``n`` should be a power of two (Sobol' sequences balance only then).

    Examples
    --------
    >>> sobol_sample(3, 8, seed=0).shape
    (40, 3)
    """
    _salib()
    from SALib.sample import sobol

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib warns on non-powers of two; sweep validation checks that
        return np.asarray(sobol.sample(_problem(d), n, calc_second_order=second_order, seed=seed), dtype=float)


def morris_sample(d: int, trajectories: int, levels: int = 4, seed: int | None = None) -> np.ndarray:
    """A Morris one-at-a-time design: ``trajectories * (d + 1)`` points on the unit hypercube.

    Examples
    --------
    >>> morris_sample(3, 5, seed=0).shape
    (20, 3)
    """
    _salib()
    from SALib.sample import morris

    return np.asarray(morris.sample(_problem(d), trajectories, num_levels=levels, seed=seed), dtype=float)


def sobol_indices(names, y, second_order: bool = False, conf_level: float = 0.95, resamples: int = 200,
                  seed: int | None = None) -> list[dict]:
    """First-order (S1) and total (ST) Sobol' indices with bootstrap confidence intervals.

    ``y`` holds one value per point of :func:`sobol_sample` (in its order). Each row has
    ``parameter, S1, S1_conf, ST, ST_conf``; ``*_conf`` is the half-width of the
    ``conf_level`` interval, so the interval is ``S1 +- S1_conf``.

    Examples
    --------
    >>> X = sobol_sample(2, 128, seed=0)
    >>> r = sobol_indices(["a", "b"], X[:, 0], seed=0)
    >>> round(r[0]["ST"], 2), round(r[1]["ST"], 2)
    (1.0, 0.0)
    """
    _salib()
    from SALib.analyze import sobol

    names = list(names)
    y = np.asarray(y, dtype=float)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        res = sobol.analyze(_problem(len(names), names), y, calc_second_order=second_order,
                            num_resamples=resamples, conf_level=conf_level, seed=seed)
    return [{"parameter": n, "S1": float(res["S1"][i]), "S1_conf": float(res["S1_conf"][i]),
             "ST": float(res["ST"][i]), "ST_conf": float(res["ST_conf"][i])} for i, n in enumerate(names)]


def morris_indices(names, x, y, levels: int = 4, conf_level: float = 0.95, resamples: int = 200,
                   seed: int | None = None) -> list[dict]:
    """Morris elementary-effect statistics: ``mu``, ``mu_star`` (with its interval half-width) and ``sigma``.

    ``x`` is the unit-hypercube design of :func:`morris_sample`, so effects are per
    full range of each parameter and comparable across parameters.

    Examples
    --------
    >>> X = morris_sample(2, 10, seed=0)
    >>> r = morris_indices(["a", "b"], X, 3 * X[:, 0], seed=0)
    >>> round(r[0]["mu_star"], 6), round(r[1]["mu_star"], 6)
    (3.0, 0.0)
    """
    _salib()
    from SALib.analyze import morris

    names = list(names)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        res = morris.analyze(_problem(len(names), names), np.asarray(x, dtype=float), np.asarray(y, dtype=float),
                             num_resamples=resamples, conf_level=conf_level, num_levels=levels, seed=seed)
    return [{"parameter": n, "mu": float(res["mu"][i]), "mu_star": float(res["mu_star"][i]),
             "mu_star_conf": float(res["mu_star_conf"][i]), "sigma": float(res["sigma"][i])}
            for i, n in enumerate(names)]


def rbd_fast_indices(names, x, y, conf_level: float = 0.95, resamples: int = 200,
                     seed: int | None = None) -> list[dict]:
    """First-order indices (RBD-FAST, SALib) from any space-filling sample, e.g. a Latin hypercube.

    Rows have ``parameter, S1, S1_conf`` (``S1_conf``: interval half-width). Total
    indices need a Sobol' design.

    Examples
    --------
    >>> X = np.random.default_rng(0).random((400, 2))
    >>> r = rbd_fast_indices(["a", "b"], X, X[:, 0] + 0.1 * X[:, 1], seed=0)
    >>> r[0]["S1"] > 0.8 > 0.2 > r[1]["S1"]
    True
    """
    _salib()
    from SALib.analyze import rbd_fast

    names = list(names)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        res = rbd_fast.analyze(_problem(len(names), names), np.asarray(x, dtype=float), np.asarray(y, dtype=float),
                               num_resamples=resamples, conf_level=conf_level, seed=seed)
    return [{"parameter": n, "S1": float(res["S1"][i]), "S1_conf": float(res["S1_conf"][i])}
            for i, n in enumerate(names)]


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    """The Ishigami test function on ``[-pi, pi]^3`` (known Sobol' indices, for tests).

    Analytic indices: S1 = (0.3139, 0.4424, 0), ST = (0.5576, 0.4424, 0.2437).
    """
    x = np.asarray(x, dtype=float)
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Analytic (S1, ST) of :func:`ishigami`."""
    v1 = 0.5 * (1 + b * math.pi ** 4 / 5) ** 2
    v2 = a * a / 8
    v13 = b * b * math.pi ** 8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return np.array([v1, v2, 0.0]) / v, np.array([v1 + v13, v2, v13]) / v
