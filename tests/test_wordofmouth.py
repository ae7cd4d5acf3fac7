"""Tests for sim.rules.wordofmouth: who sees a share (``share_exposures``), and word of mouth as a cascade.

Run round after round, ``share_exposures`` is an independent cascade with per-arc
probabilities ``min(1, share_reach[s] * activity[t])``; the references here (a naive
breadth-first cascade, and cynetdiff when installed) are the tests' own, not the model's.
Statistical checks use a tolerance of 4 standard errors (a false alarm about once in
16,000 runs per check) with fixed seeds, so they are deterministic.
"""

import ast
from collections import deque
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

import sim
from sim.rules import wordofmouth as wom
from sim.rules.wordofmouth import share_exposures

Z = 4.0  # tolerance in standard errors


def csr_from_edges(n, edges):
    """CSR (indptr int64, indices int32) from a list of directed (u, v) edges."""
    edges = np.asarray(edges, dtype=np.int64).reshape(-1, 2)
    order = np.lexsort((edges[:, 1], edges[:, 0]))
    edges = edges[order]
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(edges[:, 0], minlength=n), out=indptr[1:])
    return indptr, edges[:, 1].astype(np.int32)


def csr_from_nx(g):
    """CSR of a networkx graph with nodes 0..n-1 (undirected: both directions)."""
    n = g.number_of_nodes()
    pairs = list(g.edges())
    if not g.is_directed():
        pairs += [(v, u) for u, v in pairs]
    return csr_from_edges(n, pairs)


def arc_probabilities(indptr, indices, share_reach, activity):
    """The stated rule, per arc in CSR order: min(1, share_reach[s] * activity[t])."""
    source = np.repeat(np.arange(indptr.size - 1), np.diff(indptr))
    return np.minimum(1.0, share_reach[source] * activity[indices])


def naive_ic(indptr, indices, seeds, prob, rng):
    """Reference independent cascade: breadth first, one uniform per arc tried, arc e succeeds with prob[e]."""
    active = np.zeros(indptr.size - 1, dtype=bool)
    queue = deque()
    for s in seeds:
        if not active[s]:
            active[s] = True
            queue.append(s)
    while queue:
        u = queue.popleft()
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            if not active[v] and rng.random() < prob[e]:
                active[v] = True
                queue.append(v)
    return active


def model_cascade(indptr, indices, seeds, share_reach, activity, rng):
    """Word of mouth as the model runs it, until nobody new is reached: share_exposures round after round."""
    reached = np.zeros(indptr.size - 1, dtype=bool)
    frontier = np.unique(np.asarray(seeds, dtype=np.int64))
    reached[frontier] = True
    while frontier.size:
        _, peers = share_exposures(indptr, indices, frontier, share_reach[frontier], activity, rng)
        frontier = np.unique(peers[~reached[peers]])
        reached[frontier] = True
    return reached


@pytest.fixture(scope="module")
def market():
    """A random graph with heterogeneous reach and activity, near critical (cascades of every size)."""
    g = nx.gnm_random_graph(150, 450, seed=7)  # undirected, mean degree 6
    indptr, indices = csr_from_nx(g)
    rng = np.random.default_rng(3)
    share_reach = rng.uniform(0.05, 0.35, 150)
    activity = rng.gamma(2.0, 0.5, 150).astype(np.float32)  # float32, as the model's people; some products > 1
    return indptr, indices, share_reach, activity


# ------------------------------------------------------------- share_exposures


def test_every_peer_of_a_sure_share_sees_it_once():
    indptr, indices = csr_from_edges(5, [(0, 1), (0, 2), (0, 4), (2, 3), (3, 0), (3, 1), (4, 4)])
    k, peers = share_exposures(indptr, indices, np.array([3, 1, 0]), np.ones(3), np.ones(5), np.random.default_rng(0))
    assert sorted(zip(k.tolist(), peers.tolist())) == [(0, 0), (0, 1), (2, 1), (2, 2), (2, 4)]
    k, peers = share_exposures(indptr, indices, np.array([], dtype=np.int64), np.ones(0), np.ones(5),
                               np.random.default_rng(0))
    assert k.size == peers.size == 0


def test_each_arc_is_seen_at_the_rate_of_the_stated_rule(market):
    indptr, indices, share_reach, activity = market
    sharers = np.arange(150)
    expected = arc_probabilities(indptr, indices, share_reach, activity)
    assert 0 < expected.min() and expected.max() == 1.0  # capped arcs are covered too
    reps, rng = 3000, np.random.default_rng(1)
    n = indptr.size - 1
    keys = np.repeat(np.arange(n), np.diff(indptr)) * n + indices  # arcs in CSR order, sorted, none repeated
    seen = np.zeros(indices.size)
    for _ in range(reps):
        k, peers = share_exposures(indptr, indices, sharers, share_reach, activity, rng)
        seen += np.bincount(np.searchsorted(keys, sharers[k] * n + peers), minlength=indices.size)
    rate = seen / reps
    se = np.sqrt(np.maximum(expected * (1 - expected), 1e-12) / reps)
    assert np.max(np.abs(rate - expected) / se) < 4.5


def test_share_exposures_is_deterministic(market):
    indptr, indices, share_reach, activity = market
    a = share_exposures(indptr, indices, np.arange(20), share_reach[:20], activity, np.random.default_rng(42))
    b = share_exposures(indptr, indices, np.arange(20), share_reach[:20], activity, np.random.default_rng(42))
    c = share_exposures(indptr, indices, np.arange(20), share_reach[:20], activity, np.random.default_rng(43))
    assert all(np.array_equal(x, y) for x, y in zip(a, b)) and not np.array_equal(a[1], c[1])


# ------------------------------------------------------------- word of mouth as a cascade


def test_the_models_cascade_matches_a_naive_independent_cascade_with_the_same_arc_probabilities(market):
    indptr, indices, share_reach, activity = market
    prob = arc_probabilities(indptr, indices, share_reach, activity.astype(np.float64))
    reps = 1500
    seeds = np.random.default_rng(8).integers(0, 150, reps)
    ours = np.array([model_cascade(indptr, indices, [s], share_reach, activity, np.random.default_rng([9, i]))
                     for i, s in enumerate(seeds)])
    rng = np.random.default_rng(10)
    ref = np.array([naive_ic(indptr, indices, [s], prob, rng) for s in seeds])
    a, b = ours.sum(1), ref.sum(1)
    assert 2 < b.mean() < 100  # neither dying at once nor taking everyone: the comparison can fail
    se = np.sqrt(a.var(ddof=1) / reps + b.var(ddof=1) / reps)
    assert abs(a.mean() - b.mean()) < Z * se
    pa, pb = ours.mean(0), ref.mean(0)  # per-person rates agree too
    pool = (pa + pb) / 2
    se_node = np.sqrt(np.maximum(pool * (1 - pool), 1e-12) * 2 / reps)
    assert np.max(np.abs(pa - pb) / se_node) < 4.5


def test_the_models_cascade_matches_cynetdiff_on_the_same_arcs_and_probabilities():
    """What benchmarks/cascade.py checks at 1,000,000 people, here on 3,000 (mean sizes within 2%)."""
    models = pytest.importorskip("cynetdiff.models")
    g = nx.barabasi_albert_graph(3000, 4, seed=0)
    indptr, indices = csr_from_nx(g)
    rng = np.random.default_rng(5)
    share_reach, activity = rng.uniform(0.1, 0.3, 3000), rng.gamma(2.0, 0.5, 3000).astype(np.float32)
    prob = arc_probabilities(indptr, indices, share_reach, activity.astype(np.float64))
    theirs = models.IndependentCascadeModel(indptr[:-1].astype(np.uint32), indices.astype(np.uint32),
                                            activation_probs=prob.astype(np.float32), rng=0)
    seed_sets = [np.random.default_rng([6, i]).choice(3000, 10, replace=False) for i in range(200)]
    ours = np.array([model_cascade(indptr, indices, s, share_reach, activity, np.random.default_rng([7, i])).sum()
                     for i, s in enumerate(seed_sets)], dtype=float)
    cyn = []
    for i, s in enumerate(seed_sets):
        theirs.set_rng(np.random.default_rng([8, i]))
        theirs.set_seeds([int(x) for x in s])
        theirs.advance_until_completion()
        cyn.append(theirs.get_num_activated_nodes())
    cyn = np.array(cyn, dtype=float)
    se = np.sqrt(ours.var(ddof=1) / len(ours) + cyn.var(ddof=1) / len(cyn)) / cyn.mean()
    rel = ours.mean() / cyn.mean() - 1
    assert cyn.mean() > 100 and 2 * se < 0.02, (cyn.mean(), se)  # resolvable at 2%
    assert abs(rel) < 0.02, (ours.mean(), cyn.mean())


def test_the_module_exports_only_what_the_model_uses():
    """issue 17: ``spread`` and ``independent_cascade`` were still exported though the model no longer called them."""
    model_source = (Path(sim.__file__).parent / "campaign" / "model.py").read_text()
    used = {node.attr for node in ast.walk(ast.parse(model_source))
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "wordofmouth"}
    assert set(wom.__all__) == used == {"share_exposures"}
    public = {name for name, value in vars(wom).items() if callable(value) and not name.startswith("_")
              and getattr(value, "__module__", None) == wom.__name__}
    assert public == set(wom.__all__)


def test_one_sharer_in_the_model_matches_the_closed_form_of_the_stated_rule():
    """A share is seen like a post of an account of the sharer's size: each peer t sees it with
    min(1, reach(d) * activity[t]), reach(f) = large + (small - large) / (1 + f / half), d = the sharer's peers.

    The closed form is written here from that statement, not from the implementation; the model's
    word of mouth (seeded from one person) must average to it.
    """
    from sim.campaign.model import CampaignModel
    from sim.scenario import default_scenario, with_fields

    scenario = with_fields(default_scenario(), {
        "population.size": 2000, "population.represents": 500, "campaign.days": 365, "run.market": "fixed",
        "run.parameters": "fixed",  # the scenario's reach parameters, not a replicate's draw of them
        "population.share_propensity_mean": 0.0,  # nobody re-shares: one sharer, one step of word of mouth
        "parameters.engage_base": 0.0, "population.graph.mean_degree": 40.0})
    first = CampaignModel(scenario, "macro", rng=0)
    market, p = first.population, scenario.parameters
    sharer = int(np.argmax(market.graph.degree()))
    peers = market.graph.neighbors(sharer)
    d = len(peers)
    reach = p.reach_large + (p.reach_small - p.reach_large) / (1.0 + d / p.reach_half_followers)
    expected = sum(min(1.0, reach * float(market.activity[t])) for t in peers)
    seen = []
    for seed in range(300):
        model = CampaignModel(scenario, "macro", market=market, rng=seed)
        model.seed_word_of_mouth([sharer], hour=0)
        seen.append(len(model.word_of_mouth()["peer"]))  # every exposure the share makes (a year: none is cut)
    seen = np.array(seen, dtype=float)
    se = seen.std(ddof=1) / np.sqrt(len(seen))
    assert d > 20 and 0 < expected < d
    assert abs(seen.mean() - expected) < 4 * se + 1e-9, (seen.mean(), expected, se)
