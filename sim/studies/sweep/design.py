"""Design points of a sweep: a full grid, a Latin hypercube, a Sobol' (Saltelli) or a Morris design.

A grid is the product of each varied field's values (the first field varies slowest).
The sampled designs are drawn on the unit hypercube from ``SeedSequence(seed,
spawn_key=(2,))`` and mapped onto each field's range by :meth:`Vary.from_unit
<sim.studies.sweep.spec.Vary.from_unit>` (linear or log scale, rounded for integer
fields). The settings are validated with the sweep file (:mod:`sim.studies.sweep.spec`);
this module only draws.

Examples
--------
>>> from sim.studies.sweep.spec import Design, Vary
>>> budget = Vary("brand.budget", float, values=[1e4, 2e4])
>>> price = Vary("product.price", float, values=[10.0, 20.0])
>>> points, unit = design_points([budget, price], Design(kind="grid"), seed=1)
>>> points[1], unit is None
({'brand.budget': 10000.0, 'product.price': 20.0}, True)
>>> budget = Vary("brand.budget", float, lo=1e4, hi=5e4)
>>> points, unit = design_points([budget], Design(kind="lhs", n=4), seed=1)
>>> unit.shape, all(1e4 <= p["brand.budget"] <= 5e4 for p in points)
((4, 1), True)
"""

from __future__ import annotations

import numpy as np


def design_points(vary: list, design, seed: int) -> tuple[list[dict], np.ndarray | None]:
    """The design's points, one ``{path: value}`` per point, and its unit-hypercube sample.

    ``vary`` holds :class:`~sim.studies.sweep.spec.Vary` fields, ``design`` is the
    validated ``[design]`` table (:class:`~sim.studies.sweep.spec.Design`) and ``seed``
    the sweep's root seed. The unit sample is ``None`` for a grid.
    """
    kind, n, d = design.kind, design.n, len(vary)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(2,)))
    names = [v.path for v in vary]
    if kind == "grid":
        idx = np.indices([len(v.values) for v in vary]).reshape(d, -1).T  # first field varies slowest
        return [{names[j]: vary[j].values[i[j]] for j in range(d)} for i in idx], None
    from sim.studies import sensitivity

    if kind == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d, rng=rng).random(n)
    elif kind == "sobol":
        unit = sensitivity.sobol_sample(d, n, design.second_order, seed=_int_seed(rng))
    elif kind == "morris":
        unit = sensitivity.morris_sample(d, n, design.levels, seed=_int_seed(rng))
    else:
        raise ValueError(f"unknown design kind {kind!r}")
    cols = [v.from_unit(unit[:, j]) for j, v in enumerate(vary)]
    return [{names[j]: cols[j][i] for j in range(d)} for i in range(len(unit))], unit


def _int_seed(rng: np.random.Generator) -> int:
    return int(rng.integers(0, 2**31 - 1))
