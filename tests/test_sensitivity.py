import numpy as np
import pytest

pytest.importorskip("SALib")

from sim.studies.sensitivity import (ishigami, ishigami_indices, morris_indices, morris_sample, rbd_fast_indices,  # noqa: E402
                             sobol_indices, sobol_points, sobol_sample)


def test_sobol_indices_of_the_ishigami_function():
    x = sobol_sample(3, 2048, seed=4)
    assert x.shape == (sobol_points(3, 2048), 3)
    y = ishigami(-np.pi + 2 * np.pi * x)
    rows = sobol_indices(["x1", "x2", "x3"], y, seed=4)
    s1, st = ishigami_indices()
    got_s1 = np.array([r["S1"] for r in rows])
    got_st = np.array([r["ST"] for r in rows])
    assert np.abs(got_s1 - s1).max() < 0.05
    assert np.abs(got_st - st).max() < 0.05
    # the intervals are real intervals and cover the truth
    for r, a, b in zip(rows, s1, st):
        assert 0 < r["S1_conf"] < 0.1 and 0 < r["ST_conf"] < 0.1
        assert abs(r["S1"] - a) < 2 * r["S1_conf"] + 0.01 and abs(r["ST"] - b) < 2 * r["ST_conf"] + 0.01


def test_sobol_indices_of_a_linear_model():
    # y = 3 a + b + 0 c with uniform inputs: S = 9/10, 1/10, 0 and no interactions (S1 = ST)
    x = sobol_sample(3, 1024, seed=1)
    rows = sobol_indices("abc", 3 * x[:, 0] + x[:, 1], seed=1)
    for r, want in zip(rows, (0.9, 0.1, 0.0)):
        assert r["S1"] == pytest.approx(want, abs=0.03) and r["ST"] == pytest.approx(want, abs=0.03)


def test_morris_ranks_and_scales_effects():
    x = morris_sample(3, 20, levels=4, seed=2)
    assert x.shape == (20 * 4, 3)
    y = 5 * x[:, 0] + x[:, 1] ** 2 * 4 + 0 * x[:, 2]
    rows = {r["parameter"]: r for r in morris_indices("abc", x, y, levels=4, seed=2)}
    assert rows["a"]["mu_star"] == pytest.approx(5.0) and rows["a"]["sigma"] == pytest.approx(0.0, abs=1e-9)
    assert rows["b"]["sigma"] > 0.1  # non-linear: effects differ along the range
    assert rows["c"]["mu_star"] == 0.0
    assert rows["a"]["mu_star"] > rows["b"]["mu_star"] > rows["c"]["mu_star"]


def test_rbd_fast_on_a_latin_hypercube():
    from scipy.stats import qmc

    x = qmc.LatinHypercube(2, rng=np.random.default_rng(0)).random(500)
    rows = rbd_fast_indices(["a", "b"], x, 3 * x[:, 0] + x[:, 1], seed=0)
    assert rows[0]["S1"] == pytest.approx(0.9, abs=0.08) and rows[1]["S1"] == pytest.approx(0.1, abs=0.08)
