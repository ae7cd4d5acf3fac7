"""What a market is built from: its key, the code fingerprint of the world, and its provenance.

A market (the population, peer graph and creator pool drawn from one seed) depends on
the scenario sections that shape it (``population``, ``tiers``, ``influencers``, a graph
file's size and time, a shortlist's contents) and on its seed whole: entropy, spawn key
and pool size (:func:`seed_parts`). :func:`population_key` hashes all of them, so no
result depends on what ran before in the process: a seed never gets the market of
another seed that happens to share its spawn key.

The code that draws the world (:func:`code_fingerprint`) and the library versions
(:func:`library_versions`) are not in the key but in an entry's record
(:func:`provenance`), so an entry built by other code is found, rebuilt and replaced
rather than left behind; :func:`mismatch` says in a few words why a record is not the
one expected. :mod:`sim.world.disk_store` writes and checks the records,
:mod:`sim.world.cache` keys its memory by :func:`population_key`.

Examples
--------
>>> from sim.scenario import with_fields, default_scenario
>>> scenario = with_fields(default_scenario(), {"population.size": 2000})
>>> population_key(scenario) == population_key(with_fields(scenario, {"campaign.days": 3}))
True
>>> mismatch(provenance(scenario), provenance(with_fields(scenario, {"population.size": 3000})))
'built for another market: population.size is 2000, expected 3000'
"""

from __future__ import annotations

import ast
import functools
import hashlib
import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.errors import GraphFileError
from sim.world.shortlist import shortlist_digest

if TYPE_CHECKING:  # pragma: no cover
    from sim.scenario.models import Scenario

__all__ = ["CACHE_VERSION", "code_fingerprint", "fixed_seed", "library_versions", "mismatch", "population_key",
           "provenance", "seed_parts", "sim_imports"]

CACHE_VERSION = 6
"""Format of an entry; entries of another format are rebuilt (6: the seed recorded whole, :func:`seed_parts`)."""


def fixed_seed(scenario: Scenario) -> np.random.SeedSequence:
    """The seed of a scenario's fixed market: the first child of ``SeedSequence(run.seed)``.

    The same as :func:`sim.campaign.luck.fixed_market_seed` (not imported: the world's
    code fingerprint covers only what draws the world).

    Examples
    --------
    >>> from sim.scenario import default_scenario
    >>> fixed_seed(default_scenario()).spawn_key
    (0,)
    """
    return np.random.SeedSequence(scenario.run.seed, spawn_key=(0,))


def seed_parts(seed: np.random.SeedSequence) -> dict[str, Any]:
    """Everything of ``seed`` that a market drawn from it depends on: entropy, spawn key, pool size.

    A market's streams are derived from the seed's entropy and spawn key and its own
    seed from the seed's state (which the pool size changes too); how many children the
    seed has spawned does not enter. The entropy is written as text (it may be a
    128-bit integer or a list of them).

    Examples
    --------
    >>> seed_parts(np.random.SeedSequence(42, spawn_key=(1, 0, 100)))
    {'entropy': '42', 'spawn_key': [1, 0, 100], 'pool_size': 4}
    >>> seed_parts(np.random.SeedSequence([1, 2]))["entropy"]
    '[1, 2]'
    """
    entropy = seed.entropy
    if isinstance(entropy, (list, tuple, np.ndarray)):
        entropy = [int(e) for e in entropy]
    else:
        entropy = int(entropy)  # type: ignore[arg-type]  # numpy types entropy Optional; a SeedSequence always has one
    return {"entropy": str(entropy), "spawn_key": [int(k) for k in seed.spawn_key], "pool_size": int(seed.pool_size)}


def _market_parts(scenario: Scenario, seed: np.random.SeedSequence | None = None) -> dict[str, Any]:
    """The scenario sections that shape the market, its seed (:func:`seed_parts`; the fixed market's by
    default), a graph file's size and time, a shortlist's hash."""
    data = scenario.model_dump(mode="json")
    parts = {k: data[k] for k in ("population", "tiers", "influencers")}
    parts["seed"] = seed_parts(fixed_seed(scenario) if seed is None else seed)
    path = scenario.population.graph.path
    if scenario.population.graph.generator == "file" and path:
        try:
            graph_file = os.stat(path)
        except OSError:
            raise GraphFileError(path, "file not found") from None
        parts["graph_file"] = [graph_file.st_size, graph_file.st_mtime_ns]
    if scenario.influencers.shortlist:  # your own creators: an edited shortlist is another market
        parts["shortlist_file"] = shortlist_digest(scenario.influencers.shortlist)
    return parts


def population_key(scenario: Scenario, seed: np.random.SeedSequence | None = None) -> str:
    """Hash of everything the market of ``scenario`` drawn from ``seed`` depends on.

    That is the scenario sections that shape the market (a graph file's size and time
    included) and the seed whole (:func:`seed_parts`); without ``seed``, the scenario's
    fixed market (:func:`fixed_seed`, from ``run.seed``). The code and library versions
    are not in the key but in the entry, so an entry built by other code is found,
    rebuilt and replaced rather than left behind.

    Examples
    --------
    >>> from sim.scenario import with_fields, default_scenario
    >>> scenario = default_scenario()
    >>> population_key(scenario) == population_key(with_fields(scenario, {"campaign.days": 3}))
    True
    >>> population_key(scenario) == population_key(with_fields(scenario, {"run.seed": 99}))
    False
    >>> population_key(scenario) == population_key(scenario, fixed_seed(scenario))
    True
    >>> a, b = (np.random.SeedSequence(s, spawn_key=(100,)) for s in (42, 43))
    >>> population_key(scenario, a) == population_key(scenario, b)  # the same spawn key, another entropy
    False
    """
    parts = _market_parts(scenario, seed)
    parts["version"] = CACHE_VERSION
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:24]


# -- the code that draws the world ----------------------------------------------------------------------
def _module_file(package_dir: Path, module: str) -> Path | None:
    rel = module.split(".")[1:]
    for f in (package_dir.joinpath(*rel).with_suffix(".py"), package_dir.joinpath(*rel, "__init__.py")):
        if rel and f.is_file():
            return f
    return None


def sim_imports(path: Path, package_dir: Path) -> Iterator[Path]:
    """Files of the ``sim`` modules that ``path`` imports (at the top or inside functions).

    Examples
    --------
    >>> sim_dir = Path(__file__).resolve().parent.parent
    >>> sorted(f.name for f in sim_imports(sim_dir / "world" / "graphfile.py", sim_dir))
    ['errors.py', 'peergraph.py']
    """
    tree = ast.parse(path.read_bytes(), filename=str(path))
    here = ["sim", *path.relative_to(package_dir).with_suffix("").parts]
    if here[-1] == "__init__":
        here.append("__init__")  # a package's relative imports start from the package itself
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(here[: len(here) - node.level] + ([base] if base else []))
            names = [base] + [f"{base}.{a.name}" for a in node.names]
        for name in names:
            if name == "sim" or name.startswith("sim."):
                f = _module_file(package_dir, name)
                if f is not None:
                    yield f


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """Hash of the source of ``sim/world/*.py`` and every ``sim`` module they import.

    Any change to how the world is drawn gives another fingerprint, so entries built
    by the old code are rebuilt.

    Examples
    --------
    >>> len(code_fingerprint())
    16
    """
    package_dir = Path(__file__).resolve().parent.parent
    todo = sorted((package_dir / "world").glob("*.py"))
    seen: set[Path] = set()
    while todo:
        f = todo.pop()
        if f not in seen:
            seen.add(f)
            todo.extend(sim_imports(f, package_dir))
    h = hashlib.sha256()
    for f in sorted(seen):
        h.update(f.relative_to(package_dir).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()[:16]


def library_versions() -> dict[str, str]:
    """Versions of the libraries whose random streams and special functions draw the world.

    Examples
    --------
    >>> sorted(library_versions())
    ['networkx', 'numpy', 'scipy']
    """
    import networkx
    import scipy

    return {"numpy": np.__version__, "scipy": scipy.__version__, "networkx": networkx.__version__}


# -- an entry's record ----------------------------------------------------------------------------------
def provenance(scenario: Scenario) -> dict[str, Any]:
    """What a fixed market of ``scenario`` is built from: entry format, scenario sections and seed, code, libraries.

    Examples
    --------
    >>> from sim.scenario import default_scenario
    >>> sorted(provenance(default_scenario()))
    ['code', 'format', 'libraries', 'scenario']
    """
    return {"format": CACHE_VERSION, "scenario": _market_parts(scenario), "code": code_fingerprint(),
            "libraries": library_versions()}


def _first_difference(got: Any, want: Any, where: str = "") -> str | None:
    """Dotted path and values of the first difference between two JSON values, or None."""
    if isinstance(got, dict) and isinstance(want, dict):
        for k in sorted(set(got) | set(want), key=str):
            sub = f"{where}.{k}" if where else str(k)
            if k not in got or k not in want:
                return f"{sub} {'missing' if k not in got else 'unexpected'}"
            diff = _first_difference(got[k], want[k], sub)
            if diff:
                return diff
        return None
    if got != want:
        return f"{where or 'value'} is {_short_json(got)}, expected {_short_json(want)}"
    return None


def _short_json(value: Any) -> str:
    text = json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


def mismatch(record: dict[str, Any], expected: dict[str, Any]) -> str | None:
    """Why an entry's record (its :func:`provenance` when written) does not match ``expected``, or None.

    Examples
    --------
    >>> from sim.scenario import default_scenario
    >>> expected = provenance(default_scenario())
    >>> mismatch(expected, expected) is None
    True
    >>> mismatch({**expected, "code": "0123456789abcdef"}, expected)
    'built by other world code'
    """
    if record.get("format") != expected["format"]:
        return f"entry format {record.get('format')!r}, expected {expected['format']}"
    diff = _first_difference(record.get("scenario"), expected["scenario"])
    if diff:
        return f"built for another market: {diff}"
    if record.get("code") != expected["code"]:
        return "built by other world code"
    diff = _first_difference(record.get("libraries"), expected["libraries"])
    if diff:
        return f"built with other libraries: {diff}"
    return None
