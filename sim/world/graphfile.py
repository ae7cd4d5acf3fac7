"""A user's graph file (edge list or GraphML) as a peer graph, checked whole before it is used.

Every fault (no such file, an unknown suffix, text that is not an edge list or not
GraphML, a self edge, a duplicate edge, a directed graph, no edges, a node count other
than ``population.size``) is a :class:`~sim.errors.GraphFileError` whose one-line message
names the file and, where there is one, the line. :func:`read_graph` says what the two
formats are and what their node ids mean.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sim.errors import GraphFileError
from sim.world.peergraph import PeerGraph

if TYPE_CHECKING:
    import networkx as nx

__all__ = ["read_graph", "read_peer_graph"]

_GRAPHML = {".graphml", ".xml"}
_EDGELIST = {".edgelist", ".txt", ".csv", ".tsv"}
_MAX_ID = 2**62  # an edge-list id at or above this is not a person (and would overflow the edge keys)


class _GraphFile(NamedTuple):
    """A checked graph file: node ``k`` (person ``k``) is ``labels[k]``; edge ``e`` joins
    nodes ``src[e]`` and ``dst[e]`` and is on line ``lines[e]`` of the file."""

    labels: list
    src: np.ndarray
    dst: np.ndarray
    lines: np.ndarray
    graphml: bool


def read_peer_graph(path, size: int | None = None) -> PeerGraph:
    """A user's graph file as a :class:`PeerGraph`, checked whole first (see :func:`read_graph`).

    Person ``k`` of the market is node ``k`` of the file: for an edge list, the ``k``-th
    smallest node id; for GraphML, the ``k``-th ``<node>`` element.

    Parameters
    ----------
    path : str or Path
        An edge list or GraphML file.
    size : int, optional
        The number of nodes the graph must have (the scenario's ``population.size``).

    Returns
    -------
    PeerGraph

    Raises
    ------
    sim.errors.GraphFileError
        Any fault :func:`read_graph` refuses, or a node count other than ``size``.

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "peers.edgelist")
    >>> _ = open(p, "w").write("10 20\\n20 30\\n")
    >>> g = read_peer_graph(p, size=3)
    >>> g.n, g.neighbors(1).tolist()  # ids 10, 20, 30 are people 0, 1, 2
    (3, [0, 2])
    >>> read_peer_graph(p, size=4)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sim.errors.GraphFileError: graph file ...peers.edgelist: 3 nodes (distinct ids) but population.size is 4: ...
    """
    path = Path(path)
    try:
        info = path.stat()
        key = (str(path.resolve()), info.st_dev, info.st_ino, info.st_size, info.st_mtime_ns)
    except OSError:
        key = None  # _read_graph_file says what is wrong
    if key is not None and _LAST_READ.get("key") == key:
        graph, graphml = _LAST_READ["graph"], _LAST_READ["graphml"]
    else:
        found = _read_graph_file(path)
        graph, graphml = PeerGraph.from_edges(found.src, found.dst, len(found.labels)), found.graphml
        _LAST_READ.clear()
        if key is not None:
            _LAST_READ.update(key=key, graph=graph, graphml=graphml)
    if size is not None and graph.n != size:
        hint = ("they must be equal" if graphml
                else "they must be equal (GraphML lists every node; an edge list only those with a peer)")
        counted = "nodes" if graphml else "nodes (distinct ids)"
        raise GraphFileError(path, f"{graph.n:,} {counted} but population.size is {size:,}: {hint}")
    return graph


#: The latest file :func:`read_peer_graph` read (its path, device, inode, size and modification time) and its
#: graph, so that the check before a run (``influsim run``) and the market's build parse a big file once. A
#: PeerGraph is never modified once built (markets share theirs).
_LAST_READ: dict = {}


def read_graph(path) -> nx.Graph:
    """Load and check a user's graph file; every fault is one line naming the file (and the line).

    An **edge list** (``.edgelist``, ``.txt``, ``.csv``, ``.tsv``) has one edge per line:
    two node ids separated by commas or whitespace; ``#`` starts a comment and further
    columns (a weight) are ignored; a first line whose two fields are both not numbers
    (a CSV header such as ``source,target``) is skipped. Node ids are whole numbers
    ``>= 0``: any other id is an error (it is how a file that is not an edge list shows).
    An edge list cannot say whether it is directed: every edge is read as undirected, so
    ``3 5`` and ``5 3`` are one tie listed twice. The nodes are the distinct ids (a person
    with no peer cannot be listed); node ``k`` is the ``k``-th smallest id.

    A **GraphML** file (``.graphml``, ``.xml``) holds one ``<graph>`` whose
    ``edgedefault`` is ``"undirected"`` (or absent, as networkx reads it); node ids are
    names (any text): node ``k`` is the ``k``-th ``<node>`` element, so people without a
    peer can be listed. ``<data>`` and ``<key>`` elements are ignored.

    Raises
    ------
    sim.errors.GraphFileError
        The file is missing, a folder, unreadable or empty; has an unknown suffix; is not
        text or not valid XML; has a line that is not two whole-number ids (edge list);
        is directed, holds an edge to an undeclared node, a node declared twice, a
        nested graph or a hyperedge (GraphML); has a self edge (``5 5``), a duplicate
        edge (``3 5`` twice, or ``3 5`` and ``5 3``), or no edges at all.

    Returns
    -------
    networkx.Graph
        Nodes in person order (edge list: ``int`` ids; GraphML: the ``id`` strings).

    Examples
    --------
    >>> import tempfile, os
    >>> p = os.path.join(tempfile.mkdtemp(), "peers.csv")
    >>> _ = open(p, "w").write("source,target\\n1,2\\n2,3  # a comment\\n")
    >>> sorted(read_graph(p).edges())
    [(1, 2), (2, 3)]
    >>> _ = open(p, "a").write("3,2\\n")
    >>> read_graph(p)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sim.errors.GraphFileError: graph file ...peers.csv: line 4: duplicate edge 3 - 2 (the same tie as 2 - 3 on line 3: edges are undirected)
    """
    import networkx as nx

    found = _read_graph_file(Path(path))
    G = nx.Graph()
    G.add_nodes_from(found.labels)
    labels = found.labels
    G.add_edges_from((labels[a], labels[b]) for a, b in zip(found.src.tolist(), found.dst.tolist()))
    return G


def _read_graph_file(path: Path) -> _GraphFile:
    """Read and check a graph file whole (see :func:`read_graph`)."""
    suffix = path.suffix.lower()
    if not path.is_file():
        raise GraphFileError(path, "file not found" if not path.exists() else "not a file")
    if suffix not in _GRAPHML | _EDGELIST:
        expected = ", ".join(sorted(_GRAPHML | _EDGELIST))
        raise GraphFileError(path, f"unknown file type '{suffix}' (expected one of {expected})")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise GraphFileError(path, f"cannot read ({(exc.strerror or str(exc)).lower()})") from None
    if not data.strip():
        raise GraphFileError(path, "empty file (expected "
                             + ("a GraphML <graph>)" if suffix in _GRAPHML else "one edge per line, e.g. '0 1')"))
    found = _read_graphml(path, data) if suffix in _GRAPHML else _read_edgelist(path, data)
    if not len(found.src):
        raise GraphFileError(path, "graph has no edges")
    _check_edges(path, found)
    return found


def _shown(text: str, limit: int = 40) -> str:
    """``text`` quoted, cut to ``limit`` characters, control characters escaped (one line)."""
    return repr(text if len(text) <= limit else text[:limit] + "...")


def _read_edgelist(path: Path, data: bytes) -> _GraphFile:
    nul = data.find(b"\0")
    line: int | str  # a line number in the errors below, a line's text in the loop
    if nul >= 0:
        line = data.count(b"\n", 0, nul) + 1
        raise GraphFileError(path, f"line {line}: binary data, not an edge list")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise GraphFileError(path, f"line {line}: not UTF-8 text, not an edge list") from None
    lines: list[int]  # the line number of each edge
    first, second, lines = [], [], []
    header = 0
    for lineno, line in enumerate(text.split("\n"), 1):  # (str.splitlines would count other breaks as lines)
        if "#" in line:
            line = line.split("#", 1)[0]
        fields = line.replace(",", " ").split()
        if not fields:
            continue
        if len(fields) < 2:
            raise GraphFileError(path, f"line {lineno}: expected two node ids, got {_shown(line.strip())}")
        a, b = fields[0], fields[1]
        a_ok, b_ok = a.isascii() and a.isdigit(), b.isascii() and b.isdigit()
        if not (a_ok and b_ok):
            if not lines and not header and not a_ok and not b_ok:
                header = lineno  # a header such as 'source,target'
                continue
            raise GraphFileError(path, f"line {lineno}: node id {_shown(b if a_ok else a)} is not a whole "
                                       "number >= 0 (edge-list node ids are integers)")
        ia, ib = int(a), int(b)
        if ia >= _MAX_ID or ib >= _MAX_ID:
            raise GraphFileError(path, f"line {lineno}: node id {_shown(a if ia >= _MAX_ID else b)} is too large "
                                       f"(at most {_MAX_ID - 1:,})")
        first.append(ia)
        second.append(ib)
        lines.append(lineno)
    if not lines:
        raise GraphFileError(path, "graph has no edges" + (f" (only a header on line {header})" if header else ""))
    ends = np.array(first + second, dtype=np.int64)
    ids, index = np.unique(ends, return_inverse=True)
    m = len(lines)
    return _GraphFile(ids.tolist(), index[:m].astype(np.int64), index[m:].astype(np.int64),
                      np.array(lines, dtype=np.int64), graphml=False)


def _read_graphml(path: Path, data: bytes) -> _GraphFile:
    import xml.parsers.expat as expat

    parser = expat.ParserCreate(namespace_separator=" ")
    index: dict[str, int] = {}
    declared_on: list[int] = []
    edges: list[tuple[str, str, int]] = []
    open_elements: list[str] = []
    graphs = [0]

    def fault(reason: str) -> GraphFileError:
        return GraphFileError(path, f"line {parser.CurrentLineNumber}: {reason}")

    def start(tag: str, attrs: dict) -> None:
        name = tag.rpartition(" ")[2]  # the name without its namespace
        if not open_elements and name != "graphml":
            raise fault(f"not a GraphML file (the first element is <{name}>, not <graphml>)")
        if name == "graph":
            if "graph" in open_elements:
                raise fault("a graph inside a node (nested graphs are not supported)")
            if graphs[0]:
                raise fault("a second <graph> (the file must hold one peer graph)")
            graphs[0] += 1
            default = attrs.get("edgedefault", "undirected")
            if default == "directed":
                raise fault('a directed graph (edgedefault="directed"): peer ties go both ways, so the graph '
                            'must be undirected (edgedefault="undirected")')
            if default != "undirected":
                raise fault(f'edgedefault must be "undirected", got {_shown(default)}')
        elif name in ("node", "edge", "hyperedge") and "graph" not in open_elements:
            raise fault(f"a <{name}> outside <graph>")
        elif name == "node" and open_elements[-1] == "graph":
            label = attrs.get("id")
            if label is None:
                raise fault("a <node> without an id")
            if label in index:
                raise fault(f"node {_shown(label)} declared twice (first on line {declared_on[index[label]]})")
            index[label] = len(declared_on)
            declared_on.append(parser.CurrentLineNumber)
        elif name == "edge":
            if "source" not in attrs or "target" not in attrs:
                raise fault("an <edge> without a source and a target")
            if attrs.get("directed", "false").strip().lower() == "true":
                raise fault('a directed edge (directed="true"): peer ties go both ways, so edges must be undirected')
            edges.append((attrs["source"], attrs["target"], parser.CurrentLineNumber))
        elif name == "hyperedge":
            raise fault("a <hyperedge> (only edges between two nodes are supported)")
        open_elements.append(name)

    def end(tag: str) -> None:
        open_elements.pop()

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise GraphFileError(path, f"line {exc.lineno}: not valid XML ({expat.ErrorString(exc.code)})") from None
    if not graphs[0]:
        raise GraphFileError(path, "no <graph> element")
    src = np.empty(len(edges), np.int64)
    dst = np.empty(len(edges), np.int64)
    for e, (source, target, line) in enumerate(edges):
        for label, out in ((source, src), (target, dst)):
            if label not in index:
                raise GraphFileError(path, f"line {line}: edge to undeclared node {_shown(label)}")
            out[e] = index[label]
    return _GraphFile(list(index), src, dst, np.array([e[2] for e in edges], dtype=np.int64), graphml=True)


def _check_edges(path: Path, found: _GraphFile) -> None:
    """The first self edge or duplicate edge of the file, by line, as a GraphFileError."""
    src, dst, lines = found.src, found.dst, found.lines

    def edge(e: int) -> str:
        a, b = found.labels[src[e]], found.labels[dst[e]]
        return f"{_shown(a)} - {_shown(b)}" if found.graphml else f"{a} - {b}"

    faults = []  # (line, reason)
    loops = np.flatnonzero(src == dst)
    if len(loops):
        e = int(loops[0])
        faults.append((int(lines[e]), f"self edge {edge(e)} (a person is not their own peer)"))
    keys = np.minimum(src, dst) * max(len(found.labels), 1) + np.maximum(src, dst)
    order = np.argsort(keys, kind="stable")
    repeats = np.flatnonzero(keys[order][1:] == keys[order][:-1]) + 1
    if len(repeats):
        j = int(repeats[np.argmin(order[repeats])])  # the earliest second listing of a tie ...
        later, first = int(order[j]), int(order[j - 1])  # ... and its first listing
        same = src[later] == src[first]
        reason = (f"duplicate edge {edge(later)} (first on line {lines[first]})" if same else
                  f"duplicate edge {edge(later)} (the same tie as {edge(first)} on line {lines[first]}: "
                  "edges are undirected)")
        faults.append((int(lines[later]), reason))
    if faults:
        line, reason = min(faults)
        raise GraphFileError(path, f"line {line}: {reason}")
