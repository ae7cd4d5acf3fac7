"""Tests for sim.world.peergraph: CSR invariants, conversions, generators and graph files."""

import networkx as nx
import numpy as np
import pytest

from sim.errors import GraphFileError
from sim.world.peergraph import (
    PeerGraph,
    barabasi_albert,
    homophilous_graph,
)
from sim.world.graphfile import read_graph, read_peer_graph

NICHE_SHARES = [0.3, 0.25, 0.2, 0.1, 0.1, 0.05]
GRAPHML_ONE_NODE = (
    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">'
    '<graph edgedefault="undirected"><node id="a"/></graph></graphml>'
)


def niches(n, seed=0):
    return np.random.default_rng(seed).choice(len(NICHE_SHARES), size=n, p=NICHE_SHARES)


def check_csr(g: PeerGraph):
    """Assert the CSR invariants: symmetric, sorted rows, no self loops or duplicates."""
    n, indptr, indices = g.n, g.indptr, g.indices
    assert indptr.dtype == np.int64 and indices.dtype == np.int32
    assert indptr.shape == (n + 1,) and indptr[0] == 0 and indptr[-1] == len(indices)
    assert np.all(np.diff(indptr) >= 0)
    assert len(indices) % 2 == 0 and g.n_edges == len(indices) // 2
    rows = np.repeat(np.arange(n), g.degree())
    cols = indices.astype(np.int64)
    assert np.all((cols >= 0) & (cols < n))
    assert not np.any(rows == cols), "self loop"
    # Strictly increasing within a row means sorted and no duplicates.
    same_row = rows[1:] == rows[:-1]
    assert np.all(cols[1:][same_row] > cols[:-1][same_row])
    # Symmetric: the set of (row, col) equals the set of (col, row).
    assert np.array_equal(np.sort(rows * n + cols), np.sort(cols * n + rows))


def same_niche_share(g, niche):
    rows = np.repeat(np.arange(g.n), g.degree())
    return np.mean(niche[rows] == niche[g.indices])


# --- PeerGraph --------------------------------------------------------------------------


def test_from_edges_symmetrises_and_drops_loops_and_duplicates():
    g = PeerGraph.from_edges([0, 1, 2, 2, 3, 0], [1, 0, 2, 0, 2, 2], n=5)
    check_csr(g)
    assert g.n == 5 and g.n_edges == 3  # {0,1}, {0,2}, {2,3}
    assert g.neighbors(0).tolist() == [1, 2]
    assert g.neighbors(2).tolist() == [0, 3]
    assert g.degree().tolist() == [2, 1, 2, 1, 0]
    assert g.mean_degree() == pytest.approx(6 / 5)


def test_from_edges_rejects_bad_input():
    with pytest.raises(ValueError):
        PeerGraph.from_edges([0, 5], [1, 2], n=5)
    with pytest.raises(ValueError):
        PeerGraph.from_edges([0, 1], [1], n=5)
    with pytest.raises(IndexError):
        PeerGraph.from_edges([0], [1], n=2).neighbors(2)


def test_from_edges_matches_networkx_on_random_multigraph():
    rng = np.random.default_rng(3)
    src, dst = rng.integers(0, 300, 3000), rng.integers(0, 300, 3000)
    g = PeerGraph.from_edges(src, dst, n=300)
    check_csr(g)
    G = nx.Graph(zip(src.tolist(), dst.tolist()))
    G.remove_edges_from(nx.selfloop_edges(G))
    assert g.n_edges == G.number_of_edges()
    assert set(g.to_networkx().edges()) == {tuple(sorted(e)) for e in G.edges()}


def test_networkx_round_trip_keeps_labels_and_isolated_nodes():
    G = nx.Graph([("ann", "bob"), ("bob", "cy"), ("cy", "ann"), ("cy", "dee")])
    G.add_node("eve")  # isolated
    g, labels = PeerGraph.from_networkx(G)
    check_csr(g)
    assert labels == list(G.nodes())
    assert g.n == 5 and g.n_edges == 4
    H = g.to_networkx()
    assert sorted(H.nodes()) == list(range(5))
    back = {frozenset((labels[u], labels[v])) for u, v in H.edges()}
    assert back == {frozenset(e) for e in G.edges()}


def test_from_networkx_symmetrises_directed_graphs():
    D = nx.DiGraph([(1, 2), (2, 1), (2, 3), (3, 3)])
    g, labels = PeerGraph.from_networkx(D)
    check_csr(g)
    assert labels == [1, 2, 3] and g.n_edges == 2


def test_save_load_round_trip(tmp_path):
    g = homophilous_graph(niches(2000), rng=5)
    path = tmp_path / "peers.npz"
    g.save(path)
    h = PeerGraph.load(path)
    assert np.array_equal(g.indptr, h.indptr) and np.array_equal(g.indices, h.indices)
    assert h.indices.dtype == np.int32


# --- homophilous_graph ------------------------------------------------------------------


@pytest.mark.parametrize("mean_degree", [6.0, 10.0])
def test_homophilous_graph_invariants_and_mean_degree(mean_degree):
    g = homophilous_graph(niches(10_000), mean_degree=mean_degree, rng=1)
    check_csr(g)
    assert g.n == 10_000
    assert g.mean_degree() == pytest.approx(mean_degree, rel=0.15)


def test_homophilous_graph_is_deterministic_per_seed():
    niche = niches(5000)
    a, b = homophilous_graph(niche, rng=7), homophilous_graph(niche, rng=np.random.default_rng(7))
    assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
    c = homophilous_graph(niche, rng=8)
    assert not (np.array_equal(a.indptr, c.indptr) and np.array_equal(a.indices, c.indices))


def test_homophilous_graph_degrees_are_heavy_tailed():
    deg = homophilous_graph(niches(10_000), mean_degree=10, rng=2).degree()
    assert deg.max() > 5 * deg.mean()
    # A Poisson degree sequence with mean 10 has variance 10; this one is far wider.
    assert deg.var() > 5 * deg.mean()


@pytest.mark.parametrize("homophily", [0.0, 0.2, 0.8])
@pytest.mark.parametrize("clustering", [0.0, 0.3])
def test_homophilous_graph_same_niche_share(homophily, clustering):
    # Expected same-niche share: homophily + (1 - homophily) * s, with s the chance that
    # two degree-weighted random people share a niche. Tolerance: 0.03 absolute
    # (duplicates are likelier within a niche, so the share runs ~0.01 low).
    niche = niches(10_000)
    g = homophilous_graph(niche, homophily=homophily, clustering=clustering, rng=3)
    weight = np.bincount(niche, weights=g.degree())
    s = np.sum((weight / weight.sum()) ** 2)
    assert same_niche_share(g, niche) == pytest.approx(homophily + (1 - homophily) * s, abs=0.03)


def test_homophilous_graph_triadic_closure_raises_clustering():
    niche = niches(5000)
    sample = range(0, 5000, 4)
    c0, c3 = (
        nx.average_clustering(homophilous_graph(niche, clustering=c, rng=4).to_networkx(), sample)
        for c in (0.0, 0.3)
    )
    assert c3 > 2 * c0 and c3 - c0 > 0.1, (c0, c3)


def test_homophilous_graph_handles_awkward_niches():
    # Labels need not be 0..k-1, and a niche of one person cannot hold within-niche edges.
    g = homophilous_graph(np.arange(200) * 7 - 50, mean_degree=6, rng=0)
    check_csr(g)
    assert g.mean_degree() == pytest.approx(6, rel=0.15)
    g = homophilous_graph(np.array(["food", "tech"] * 500), rng=0)
    check_csr(g)


def test_homophilous_graph_rejects_bad_parameters():
    niche = niches(100)
    bad = [dict(mean_degree=0), dict(homophily=1.5), dict(clustering=1.0), dict(degree_exponent=1)]
    for kwargs in bad:
        with pytest.raises(ValueError):
            homophilous_graph(niche, **kwargs)


# --- barabasi_albert --------------------------------------------------------------------


def ccdf_slope(deg, lo, hi):
    """Slope of log P(K >= k) against log k over lo..hi (about 1 - exponent)."""
    k = np.arange(lo, hi + 1)
    ccdf = np.array([(deg >= x).mean() for x in k])
    return np.polyfit(np.log(k), np.log(ccdf), 1)[0]


def test_barabasi_albert_degrees():
    n, m = 20_000, 4
    g = barabasi_albert(n, m, rng=1)
    check_csr(g)
    deg = g.degree()
    assert g.n == n
    assert g.mean_degree() == pytest.approx(2 * m, rel=0.02)
    assert np.mean(deg >= m) > 0.99  # every new node brings m edges (rare repeats dropped)
    assert deg.max() > 5 * deg.mean()
    # Degree exponent 3: the tail of the CCDF falls like k ** -2. Uniform attachment
    # would fall exponentially (a slope far steeper than -3 over this range).
    assert -2.5 < ccdf_slope(deg, 2 * m, 20 * m) < -1.5
    # Preferential attachment: the oldest nodes are the hubs.
    assert deg[: n // 100].mean() > 5 * deg[n // 2 :].mean()


def test_barabasi_albert_matches_networkx_generator():
    n, m = 20_000, 3
    ours = barabasi_albert(n, m, rng=2).degree()
    theirs = np.array([d for _, d in nx.barabasi_albert_graph(n, m, seed=2).degree()])
    for q in (50, 90, 99):
        assert np.percentile(ours, q) == pytest.approx(np.percentile(theirs, q), rel=0.2)


def test_barabasi_albert_is_deterministic_per_seed():
    a, b, c = (barabasi_albert(5000, 3, rng=seed) for seed in (9, 9, 10))
    assert np.array_equal(a.indices, b.indices) and np.array_equal(a.indptr, b.indptr)
    assert not np.array_equal(a.indices, c.indices)


def test_barabasi_albert_small_and_invalid():
    assert sorted(barabasi_albert(2, 1, rng=0).to_networkx().edges()) == [(0, 1)]
    assert barabasi_albert(100, 1, rng=0).n_edges == 99  # m=1 gives a tree
    assert nx.is_tree(barabasi_albert(100, 1, rng=0).to_networkx())
    with pytest.raises(ValueError):
        barabasi_albert(3, 3)


# --- read_graph -------------------------------------------------------------------------


def test_read_graph_edgelist_with_comments_and_separators(tmp_path):
    path = tmp_path / "peers.txt"
    path.write_text("# people\n1 2\n2\t3   # trailing comment\n\n3,4,0.5\n")
    G = read_graph(path)
    assert sorted(G.edges()) == [(1, 2), (2, 3), (3, 4)]


def test_read_graph_csv_with_header_and_string_ids_refused(tmp_path):
    path = tmp_path / "peers.csv"
    path.write_text("source,target\n10,20\n20,30\n")
    assert sorted(read_graph(path).edges()) == [(10, 20), (20, 30)]
    path = tmp_path / "names.tsv"  # words are not node ids: a text that is not an edge list is refused
    path.write_text("ann\tbob\nbob\tcy\n")  # (the first line reads as a header)
    with pytest.raises(GraphFileError, match=r"line 2: node id 'bob' is not a whole number >= 0"):
        read_graph(path)


def test_read_graph_written_edgelist_round_trip(tmp_path):
    G = homophilous_graph(niches(2000), rng=6).to_networkx()
    G.remove_nodes_from(list(nx.isolates(G)))
    path = tmp_path / "peers.edgelist"
    nx.write_edgelist(G, path, data=False)
    H = read_graph(path)
    assert set(H.nodes()) == set(G.nodes())
    assert {frozenset(e) for e in H.edges()} == {frozenset(e) for e in G.edges()}


def test_read_graph_graphml(tmp_path):
    G = nx.karate_club_graph()
    path = tmp_path / "karate.graphml"
    nx.write_graphml(G, path)
    H = read_graph(path)
    assert H.number_of_nodes() == 34 and H.number_of_edges() == G.number_of_edges()
    g, labels = PeerGraph.from_networkx(H)
    assert g.n_edges == 78 and len(labels) == 34


@pytest.mark.parametrize(
    "name, content, reason",
    [
        ("absent.csv", None, "file not found"),
        ("peers.json", "[]", "unknown file type '.json'"),
        ("peers.txt", "1 2\n3\n", "line 2: expected two node ids"),
        ("peers.graphml", "<graphml><graph", "line 1: not valid XML (unclosed token)"),
        ("peers.edgelist", "# nothing here\n\n", "graph has no edges"),
        ("peers.xml", GRAPHML_ONE_NODE, "graph has no edges"),
        ("peers.edgelist", "", "empty file"),
        ("peers.graphml", "  \n", "empty file"),
        ("peers.csv", "source,target\n", "graph has no edges (only a header on line 1)"),
        ("peers.txt", "0 1\n1 2\n0 1\n", "line 3: duplicate edge 0 - 1 (first on line 1)"),
        ("peers.txt", "0 1\n1 2\n2 1\n", "line 3: duplicate edge 2 - 1 (the same tie as 1 - 2 on line 2: edges "
                                         "are undirected)"),
        ("peers.txt", "0 1\n2 2\n1 2\n", "line 2: self edge 2 - 2"),
        ("peers.txt", "0 1\n1 2\n2 1\n3 3\n", "line 3: duplicate edge"),  # the first fault of the file
        ("peers.txt", "0 1\n1 x\n", "line 2: node id 'x' is not a whole number >= 0"),
        ("peers.txt", "0 1\n1 -2\n", "line 2: node id '-2' is not a whole number >= 0"),
        ("peers.txt", "0 1\n1 2.0\n", "line 2: node id '2.0' is not a whole number >= 0"),
        ("peers.txt", "0 1\n1 " + "9" * 30 + "\n", "line 2: node id '" + "9" * 30 + "' is too large"),
        ("peers.txt", "0 1\n1 2\x00\x01", "line 2: binary data"),
        ("peers.txt", "0 1\n\n\n1 \udcff\n", "line 4: not UTF-8 text"),
        ("peers.graphml", GRAPHML_ONE_NODE.replace('"undirected"', '"directed"'), 'a directed graph (edgedefault="directed")'),
        ("peers.graphml", GRAPHML_ONE_NODE.replace('<node id="a"/>', '<node id="a"/>\n<node id="b"/>'
                                                   '<edge source="a" target="b" directed="true"/>'),
         'line 2: a directed edge (directed="true")'),
        ("peers.graphml", GRAPHML_ONE_NODE.replace('<node id="a"/>', '<node id="a"/>\n<node id="a"/>'),
         "line 2: node 'a' declared twice (first on line 1)"),
        ("peers.graphml", GRAPHML_ONE_NODE.replace('<node id="a"/>', '<node id="a"/>\n<edge source="a" target="z"/>'),
         "line 2: edge to undeclared node 'z'"),
        ("peers.graphml", GRAPHML_ONE_NODE.replace('<node id="a"/>', '<node id="a"/><node id="b"/>\n'
                                                   '<edge source="a" target="b"/>\n<edge source="b" target="a"/>'),
         "line 3: duplicate edge 'b' - 'a' (the same tie as 'a' - 'b' on line 2: edges are undirected)"),
        ("peers.graphml", GRAPHML_ONE_NODE.replace('<node id="a"/>', '<node id="a"/>\n<edge source="a" target="a"/>'),
         "line 2: self edge 'a' - 'a'"),
        ("peers.graphml", "<html><body>not a graph</body></html>", "line 1: not a GraphML file"),
        ("peers.graphml", '<graphml xmlns="http://graphml.graphdrawing.org/xmlns"></graphml>', "no <graph> element"),
    ],
)
def test_read_graph_errors(tmp_path, name, content, reason):
    path = tmp_path / name
    if content is not None:
        path.write_bytes(content.encode("utf-8", "surrogateescape"))
    with pytest.raises(GraphFileError) as info:
        read_graph(path)
    message = str(info.value)
    assert reason in message and str(path) in message
    assert "\n" not in message
    assert info.value.path == str(path)


def test_read_peer_graph_people_are_the_sorted_ids_or_the_graphml_node_order(tmp_path):
    path = tmp_path / "peers.edgelist"
    path.write_text("30 10\n10 20\n")  # ids 10, 20, 30 are people 0, 1, 2 (whatever the order of the lines)
    g = read_peer_graph(path, size=3)
    assert [g.neighbors(i).tolist() for i in range(3)] == [[1, 2], [0], [0]]
    path = tmp_path / "peers.graphml"  # names: the k-th <node> is person k; an isolated node counts
    path.write_text('<graphml xmlns="http://graphml.graphdrawing.org/xmlns"><graph edgedefault="undirected">'
                    '<node id="c"/><node id="a"/><node id="b"/><node id="alone"/>'
                    '<edge source="a" target="c"/><edge source="b" target="a"/></graph></graphml>')
    g = read_peer_graph(path, size=4)
    assert [g.neighbors(i).tolist() for i in range(4)] == [[1], [0, 2], [1], []]
    assert list(read_graph(path).nodes()) == ["c", "a", "b", "alone"]


@pytest.mark.parametrize("name, size, reason", [
    ("ring.edgelist", 7, "6 nodes (distinct ids) but population.size is 7: they must be equal"),
    ("ring.graphml", 5, "6 nodes but population.size is 5: they must be equal"),
])
def test_read_peer_graph_refuses_another_node_count(tmp_path, name, size, reason):
    ring = nx.cycle_graph(6)
    path = tmp_path / name
    nx.write_graphml(ring, path) if name.endswith(".graphml") else nx.write_edgelist(ring, path, data=False)
    assert read_peer_graph(path, size=6).n_edges == 6
    with pytest.raises(GraphFileError) as info:
        read_peer_graph(path, size=size)
    assert str(info.value).startswith(f"graph file {path}: {reason}")


def test_read_graph_rejects_a_directory(tmp_path):
    (tmp_path / "d.csv").mkdir()
    with pytest.raises(GraphFileError, match="not a file"):
        read_graph(tmp_path / "d.csv")


# --- scale: alias sampling, sorted-key helpers, threads ----------------------------------


def exact_alias_probabilities(cells, n):
    """The probability of each person under alias ``cells`` (own share plus what aliases give)."""
    keep = cells["prob"]
    own = np.bincount(cells["own"], keep, minlength=n)
    return (own + np.bincount(cells["alias"], 1 - keep, minlength=n)) / len(cells)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_alias_cells_give_exact_probabilities(seed):
    from sim.world.peergraph import alias_cells

    rng = np.random.default_rng(seed)
    w = rng.pareto(1.5, 5000) * (rng.random(5000) < 0.9)  # heavy tail, some zero weights
    p = exact_alias_probabilities(alias_cells(w), len(w))
    assert np.allclose(p, w / w.sum(), atol=1e-12)
    people = rng.permutation(100_000)[:5000]  # cells may stand for other ids
    p = exact_alias_probabilities(alias_cells(w, people), 100_000)
    assert np.allclose(p[people], w / w.sum(), atol=1e-12) and p.sum() == pytest.approx(1)


def test_alias_draw_blocks_follow_their_weights():
    from sim.world.peergraph import alias_cells, alias_draw

    w = np.array([1.0, 3.0, 0.0, 2.0, 2.0])
    cells = np.concatenate([alias_cells(w[:2]), alias_cells(w[2:], np.arange(2, 5))])
    start, size = np.array([0, 2]), np.array([2, 3])
    block = np.random.default_rng(0).integers(0, 2, 200_000)
    got = alias_draw(cells, np.random.default_rng(1).random(len(block)), start[block], size[block])
    assert np.all((got < 2) == (block == 0))  # each draw stays in its own block
    freq = np.bincount(got, minlength=5) / np.bincount(block, minlength=2)[[0, 0, 1, 1, 1]]
    assert freq == pytest.approx([0.25, 0.75, 0.0, 0.5, 0.5], abs=0.01)


def test_sorted_key_helpers_match_numpy(monkeypatch):
    from sim.world import peergraph as pg

    monkeypatch.setattr(pg, "_MERGE_BLOCK", 64)  # many blocks
    monkeypatch.setattr(pg, "_PARALLEL_MIN", 100)  # sorted by value range on several threads
    monkeypatch.setenv("INFLUSIM_THREADS", "3")
    rng = np.random.default_rng(4)
    n = 5000
    pieces = [rng.integers(0, n * n, size) for size in (3000, 10, 0, 7000)]
    keys = pg._sorted_keys(pieces, n)
    assert np.array_equal(keys, np.unique(np.concatenate(pieces)))
    new = np.unique(rng.integers(0, n * n, 4000))
    assert np.array_equal(pg._is_in(keys, new), np.isin(new, keys))
    fresh = new[~np.isin(new, keys)]
    assert np.array_equal(pg._insert_sorted(keys, fresh), np.union1d(keys, fresh))
    rev = pg._reversed(keys, n)
    u, v = np.divmod(keys, n)
    assert np.array_equal(rev, np.sort(v * n + u))
    assert np.array_equal(pg._row_counts(keys, n), np.bincount(u, minlength=n))


def test_homophilous_graph_is_the_same_whatever_the_threads(monkeypatch):
    from sim.world import peergraph as pg

    # small chunks and blocks, so that a small graph takes every parallel path
    monkeypatch.setattr(pg, "_EDGE_CHUNK", 1000)
    monkeypatch.setattr(pg, "_BLOCK", 4096)
    monkeypatch.setattr(pg, "_MERGE_BLOCK", 256)
    monkeypatch.setattr(pg, "_PARALLEL_MIN", 1000)
    niche = niches(20_000)
    graphs = []
    for t in ("1", "2", "5"):
        monkeypatch.setenv("INFLUSIM_THREADS", t)
        graphs.append(homophilous_graph(niche, rng=11))
    check_csr(graphs[0])
    for g in graphs[1:]:
        assert np.array_equal(g.indptr, graphs[0].indptr) and np.array_equal(g.indices, graphs[0].indices)


def test_homophilous_graph_degrees_follow_the_weights_law():
    # Chung-Lu: degrees are Poisson around Pareto weights (tail exponent 2.5): the CCDF
    # falls like k ** -1.5 well above the mean
    deg = homophilous_graph(niches(200_000), mean_degree=10, clustering=0.0, rng=5).degree()
    assert deg.mean() == pytest.approx(10, rel=0.01)
    assert -1.9 < ccdf_slope(deg, 30, 150) < -1.1
