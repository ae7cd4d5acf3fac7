"""The market cache: fixed markets kept in memory and on disk, checked on every load.

A fixed market (the population, peer graph and creator pool of a scenario's seed) takes
seconds to minutes to draw at scale, so it is drawn once and kept: the latest one in
memory, and every one in an on-disk folder (``$INFLUSIM_CACHE`` or
``~/.cache/influsim``), one ``population-<key>.npz`` file per market.

An entry can't lie. It carries what it was built from (the scenario sections that shape
the market, the seed, a fingerprint of the code that draws the world, the library
versions) and a checksum of its arrays. On load all of them are compared, and the
arrays' shapes are checked against the scenario; an entry that does not match or does
not load is rebuilt with a one-line note on stderr, never a traceback, and replaced
atomically (a temporary file in the same folder, ``os.replace`` and ``fsync``).

The folder is bounded (``$INFLUSIM_CACHE_MAX_BYTES``, 2 GiB by default): when a new entry
would exceed the bound, the least recently used entries go first. A read-only or full
folder only costs speed. ``influsim cache info`` and ``influsim cache clear`` show and
empty it.

Examples
--------
>>> import tempfile
>>> from sim.scenario import with_fields, default_scenario
>>> sc = with_fields(default_scenario(), {"population.size": 2000, "population.represents": 500})
>>> with tempfile.TemporaryDirectory() as folder:
...     path = cache_path(folder, population_key(sc))
...     save(path, build_population(sc, use_cache=False), sc)
...     again = load(path, sc)
...     [e.path.name == path.name for e in entries(folder)]
[True]
>>> again.n
2000

Without a folder, markets go to the default one (under pytest, a temporary folder that
``sim/conftest.py`` sets, so doctests never touch the user's cache):

>>> _MEMORY.clear()
>>> pop = build_population(sc)
>>> cache_path(None, population_key(sc)).is_file()
True
"""

from __future__ import annotations

import ast
import contextlib
import errno
import functools
import hashlib
import json
import os
import re
import secrets
import sys
import time
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from sim.errors import GraphFileError, InfluSimError

if TYPE_CHECKING:  # pragma: no cover
    from sim.world.population import Population

CACHE_VERSION = 5
"""Format of an entry; entries of another format are rebuilt."""

DEFAULT_MAX_BYTES = 2 * 1024**3
"""The folder's default size bound (2 GiB)."""

_PREFIX, _SUFFIX, _TMP = "population-", ".npz", ".tmp"
_STALE_TMP_S = 3600.0  # a temporary file this old belongs to a process that died while writing

_MEMORY: dict = {}  # the latest fixed market: {key: Population}
_REPLICATE_MEMORY: dict = {}  # the latest replicate's own market
_DISK = {"enabled": True}
_ORIGIN: dict[int, object] = {}  # id(market) -> the scenario it was built from (for save without one)

_FIELDS = ("interests", "susceptibility", "activity", "share_propensity", "purchase_propensity")
_POOL = ("followers", "tier", "niche", "authenticity", "monthly_offers", "platform", "handle", "fee",
         "engagement_rate")
_ARRAYS = (*_FIELDS, *(f"pool_{f}" for f in _POOL), "pool_skipped", "pool_platform_names", "indptr", "indices",
           "seed")


class CacheSettingError(InfluSimError):
    """``$INFLUSIM_CACHE_MAX_BYTES`` is not a size."""


class DamagedEntry(Exception):
    """A cache entry that cannot be used; ``reason`` says why, in a few words."""

    def __init__(self, reason: str):
        self.reason = reason
        super().__init__(reason)


# -- where and how big ---------------------------------------------------------------------------------
def default_cache_dir() -> Path:
    """``$INFLUSIM_CACHE`` or ``~/.cache/influsim``.

    Examples
    --------
    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"INFLUSIM_CACHE": "/tmp/markets"}):
    ...     default_cache_dir()
    PosixPath('/tmp/markets')
    """
    return Path(os.environ.get("INFLUSIM_CACHE") or Path.home() / ".cache" / "influsim")


def cache_path(cache_dir: str | Path | None, key: str) -> Path:
    """The entry file of ``key`` in ``cache_dir`` (the default folder when None).

    Examples
    --------
    >>> cache_path("/tmp/c", "abc")
    PosixPath('/tmp/c/population-abc.npz')
    """
    return Path(cache_dir or default_cache_dir()) / f"{_PREFIX}{key}{_SUFFIX}"


_cache_path = cache_path  # the name other modules used


_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3, "t": 1024**4}


def parse_size(text: str) -> int:
    """Bytes of a size such as ``2000000``, ``500M``, ``2GB`` or ``1.5GiB`` (K, M, G, T are powers of 1024).

    Examples
    --------
    >>> parse_size("2G"), parse_size("500 MB"), parse_size("1024")
    (2147483648, 524288000, 1024)
    >>> parse_size("lots")
    Traceback (most recent call last):
    ...
    sim.world.cache.CacheSettingError: INFLUSIM_CACHE_MAX_BYTES: 'lots' is not a size (e.g. 2G, 500M, 1000000)
    """
    m = re.fullmatch(r"\s*(\d+(?:\.\d*)?)\s*([kmgt]?)(?:i?b)?\s*", text, flags=re.IGNORECASE)
    if not m:
        shown = repr(text[:40] + ("..." if len(text) > 40 else ""))
        raise CacheSettingError(f"INFLUSIM_CACHE_MAX_BYTES: {shown} is not a size (e.g. 2G, 500M, 1000000)")
    return int(float(m.group(1)) * _UNITS[m.group(2).lower()])


def max_bytes() -> int:
    """The folder's size bound: ``$INFLUSIM_CACHE_MAX_BYTES`` or 2 GiB; 0 keeps nothing on disk.

    Examples
    --------
    >>> max_bytes() == parse_size(os.environ.get("INFLUSIM_CACHE_MAX_BYTES") or "2G")
    True
    """
    text = os.environ.get("INFLUSIM_CACHE_MAX_BYTES")
    return DEFAULT_MAX_BYTES if text is None or not text.strip() else parse_size(text)


def human(n: float) -> str:
    """A byte count for people.

    Examples
    --------
    >>> human(512), human(3 * 1024**2), human(2 * 1024**3)
    ('512 B', '3.0 MiB', '2.0 GiB')
    """
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    raise AssertionError  # pragma: no cover


# -- what an entry was built from ---------------------------------------------------------------------
def _market_parts(sc) -> dict:
    """The scenario sections that shape the market, its seed, a graph file's size and time, a shortlist's hash."""
    data = sc.model_dump(mode="json")
    parts = {k: data[k] for k in ("population", "tiers", "influencers")}
    parts["seed"] = sc.run.seed
    path = sc.population.graph.path
    if sc.population.graph.generator == "file" and path:
        try:
            st = os.stat(path)
        except OSError:
            raise GraphFileError(path, "file not found") from None
        parts["graph_file"] = [st.st_size, st.st_mtime_ns]
    if sc.influencers.shortlist:  # your own creators: an edited shortlist is another market
        from sim.world.shortlist import shortlist_digest

        parts["shortlist_file"] = shortlist_digest(sc.influencers.shortlist)
    return parts


def population_key(sc) -> str:
    """Hash of everything the market depends on in the scenario (a graph file's size and time included).

    The code and library versions are not in the key but in the entry, so an entry
    built by other code is found, rebuilt and replaced rather than left behind.

    Examples
    --------
    >>> from sim.scenario import with_fields, default_scenario
    >>> sc = default_scenario()
    >>> population_key(sc) == population_key(with_fields(sc, {"campaign.days": 3}))
    True
    >>> population_key(sc) == population_key(with_fields(sc, {"run.seed": 99}))
    False
    """
    parts = _market_parts(sc)
    parts["version"] = CACHE_VERSION
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:24]


def _module_file(package_dir: Path, module: str) -> Path | None:
    rel = module.split(".")[1:]
    for f in (package_dir.joinpath(*rel).with_suffix(".py"), package_dir.joinpath(*rel, "__init__.py")):
        if rel and f.is_file():
            return f
    return None


def _sim_imports(path: Path, package_dir: Path) -> Iterator[Path]:
    """Files of the ``sim`` modules that ``path`` imports (at the top or inside functions)."""
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
            todo.extend(_sim_imports(f, package_dir))
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


def provenance(sc) -> dict:
    """What a fixed market of ``sc`` is built from: entry format, scenario sections and seed, code, libraries.

    Examples
    --------
    >>> from sim.scenario import default_scenario
    >>> sorted(provenance(default_scenario()))
    ['code', 'format', 'libraries', 'scenario']
    """
    return {"format": CACHE_VERSION, "scenario": _market_parts(sc), "code": code_fingerprint(),
            "libraries": library_versions()}


def _first_difference(got, want, where: str = "") -> str | None:
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


def _short_json(value) -> str:
    s = json.dumps(value)
    return s if len(s) <= 40 else s[:37] + "..."


def _mismatch(meta: dict, expected: dict) -> str | None:
    """Why an entry's provenance ``meta`` does not match ``expected``, or None."""
    if meta.get("format") != expected["format"]:
        return f"entry format {meta.get('format')!r}, expected {expected['format']}"
    diff = _first_difference(meta.get("scenario"), expected["scenario"])
    if diff:
        return f"built for another market: {diff}"
    if meta.get("code") != expected["code"]:
        return "built by other world code"
    diff = _first_difference(meta.get("libraries"), expected["libraries"])
    if diff:
        return f"built with other libraries: {diff}"
    return None


# -- arrays -----------------------------------------------------------------------------------------
def _arrays(pop: Population) -> dict[str, np.ndarray]:
    arrays = {f: np.asarray(getattr(pop, f)) for f in _FIELDS}
    arrays.update({f"pool_{f}": np.asarray(getattr(pop.pool, f)) for f in _POOL})
    arrays["pool_skipped"] = np.array(json.dumps(pop.pool.skipped))
    arrays["pool_platform_names"] = np.array(json.dumps(pop.pool.platform_names))
    arrays["indptr"], arrays["indices"] = np.asarray(pop.graph.indptr), np.asarray(pop.graph.indices)
    arrays["seed"] = np.array(pop.seed, dtype=np.uint64)
    return arrays


def checksum(arrays: dict[str, np.ndarray]) -> str:
    """SHA-256 of named arrays: names, dtypes, shapes and bytes.

    Examples
    --------
    >>> a = {"x": np.arange(3, dtype=np.int32)}
    >>> checksum(a) == checksum({"x": np.arange(3, dtype=np.int32)}), checksum(a) == checksum({"x": np.arange(3)})
    (True, False)
    """
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}\0{a.dtype.str}\0{a.shape}\0".encode())
        h.update(memoryview(a).cast("B") if a.ndim else a.tobytes())
    return h.hexdigest()


def _check_shapes(arrays: dict[str, np.ndarray], sc) -> None:
    """Raise :class:`DamagedEntry` unless the arrays have the sizes the scenario asks for."""
    n, k = sc.population.size, len(sc.population.niches)

    def expect(name: str, shape: tuple) -> None:
        if arrays[name].shape != shape:
            raise DamagedEntry(f"{name} has shape {arrays[name].shape}, expected {shape} for this scenario")

    expect("interests", (n, k))
    for f in _FIELDS[1:]:
        expect(f, (n,))
    expect("indptr", (n + 1,))
    expect("seed", ())
    m = arrays["pool_followers"].shape
    for f in _POOL:
        expect(f"pool_{f}", m)
    indptr, indices = arrays["indptr"], arrays["indices"]
    if indices.ndim != 1 or int(indptr[0]) != 0 or int(indptr[-1]) != len(indices) or np.any(np.diff(indptr) < 0):
        raise DamagedEntry("peer graph offsets do not match its edges")
    if len(indices) and (int(indices.min()) < 0 or int(indices.max()) >= n):
        raise DamagedEntry(f"peer graph names people outside 0..{n - 1}")
    if m[0] and (int(arrays["pool_niche"].max()) >= k or int(arrays["pool_tier"].max()) >= len(sc.tiers)):
        raise DamagedEntry("creator pool names niches or tiers the scenario does not have")


# -- one entry --------------------------------------------------------------------------------------
def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def save(path: str | Path, pop: Population, sc=None) -> None:
    """Write ``pop``, a fixed market of ``sc``, to the entry ``path`` atomically.

    The arrays and their provenance go to a temporary file in the same folder, which is
    fsynced and then renamed over ``path`` (the folder is fsynced too), so a reader sees
    the old entry or the new one, never half a file; the temporary file is removed on
    any failure. ``sc`` may be left out for a market that :func:`build_population` built.

    Raises
    ------
    OSError
        When the folder cannot be written (read-only, full); nothing is left behind.

    Examples
    --------
    >>> import tempfile
    >>> from sim.scenario import with_fields, default_scenario
    >>> sc = with_fields(default_scenario(), {"population.size": 2000, "population.represents": 500})
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     save(Path(folder) / "m.npz", build_population(sc, use_cache=False))
    ...     sorted(p.name for p in Path(folder).iterdir())
    ['m.npz']
    """
    path = Path(path)
    if sc is None:
        sc = _ORIGIN.get(id(pop))
        if sc is None:
            raise ValueError("save() needs the scenario this market was built from")
    arrays = _arrays(pop)
    meta = {**provenance(sc), "checksum": checksum(arrays), "created": time.time()}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}-{secrets.token_hex(4)}{_TMP}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the user's umask applies
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, meta=np.array(json.dumps(meta, sort_keys=True)), **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_dir(path.parent)


_save = save  # the name other modules used


def load(path: str | Path, sc, expected: dict | None = None) -> Population:
    """The market in entry ``path``, checked against ``sc``.

    Raises
    ------
    DamagedEntry
        When the entry does not load, was built from anything else than ``expected``
        (by default ``provenance(sc)``), has the wrong sizes or fails its checksum.

    Examples
    --------
    >>> import tempfile
    >>> from sim.scenario import with_fields, default_scenario
    >>> sc = with_fields(default_scenario(), {"population.size": 2000, "population.represents": 500})
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "m.npz"
    ...     save(path, build_population(sc, use_cache=False), sc)
    ...     load(path, with_fields(sc, {"population.size": 3000}))
    Traceback (most recent call last):
    ...
    sim.world.cache.DamagedEntry: built for another market: population.size is 2000, expected 3000
    """
    from sim.world import creators as infl
    from sim.world.peergraph import PeerGraph
    from sim.world.population import Population

    expected = provenance(sc) if expected is None else expected
    try:
        with np.load(path, allow_pickle=False) as z:
            if not hasattr(z, "files"):
                raise DamagedEntry("not an archive of arrays")
            if "meta" not in z.files:
                raise DamagedEntry("no record of what it was built from")
            meta = json.loads(str(z["meta"][()]))
            if not isinstance(meta, dict):
                raise DamagedEntry("unreadable record of what it was built from")
            problem = _mismatch(meta, expected)
            if problem:
                raise DamagedEntry(problem)
            missing = [a for a in _ARRAYS if a not in z.files]
            if missing:
                raise DamagedEntry(f"missing arrays {', '.join(missing)}")
            arrays = {a: z[a] for a in _ARRAYS}
    except DamagedEntry:
        raise
    except Exception as exc:  # noqa: BLE001  (0-byte, truncated or bit-flipped files fail in many ways)
        raise DamagedEntry(_one_line(exc)) from None
    _check_shapes(arrays, sc)
    if checksum(arrays) != meta.get("checksum"):
        raise DamagedEntry("checksum mismatch")
    try:
        skipped = json.loads(str(arrays["pool_skipped"][()]))
        platform_names = json.loads(str(arrays["pool_platform_names"][()]))
    except ValueError as exc:
        raise DamagedEntry(_one_line(exc)) from None
    pool = infl.InfluencerPool(**{f: arrays[f"pool_{f}"] for f in _POOL}, tier_names=list(sc.tiers),
                               skipped=skipped, platform_names=platform_names)
    p, i = sc.population, sc.influencers
    return Population(**{f: arrays[f] for f in _FIELDS}, graph=PeerGraph(arrays["indptr"], arrays["indices"]),
                      pool=pool, niches=list(p.niches), represents=p.represents, seed=int(arrays["seed"]),
                      audience_focus=i.audience_focus, audience_broadening=i.audience_broadening,
                      affinity_exponent=i.affinity_exponent)


_load = load  # the name other modules used


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or "no details"
    text = f"{type(exc).__name__}: {text}"
    return text if len(text) <= 160 else text[:157] + "..."


def note(message: str) -> None:
    """Print ``influsim: note: <message>`` on stderr (one line)."""
    print(f"influsim: note: {message}", file=sys.stderr, flush=True)


# -- the folder -------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Entry:
    """One file of the cache folder."""

    path: Path
    size: int
    mtime: float


def entries(cache_dir: str | Path | None = None) -> list[Entry]:
    """The folder's entries, least recently used first (temporary files not included).

    Examples
    --------
    >>> entries("/nonexistent/folder")
    []
    """
    return _listing(cache_dir, f"{_PREFIX}*{_SUFFIX}")


def _temporaries(cache_dir: str | Path | None = None) -> list[Entry]:
    return _listing(cache_dir, f"{_PREFIX}*{_TMP}")


def _listing(cache_dir, pattern: str) -> list[Entry]:
    out = []
    try:
        paths = list(Path(cache_dir or default_cache_dir()).glob(pattern))
    except OSError:
        return []
    for p in paths:
        try:
            st = p.stat()
        except OSError:
            continue  # removed by another process meanwhile
        if p.is_file():
            out.append(Entry(p, st.st_size, st.st_mtime))
    return sorted(out, key=lambda e: (e.mtime, e.path.name))


def evict(cache_dir: str | Path | None, bound: int, incoming: int = 0, keep: Path | None = None) -> list[Path]:
    """Remove the least recently used entries until they and ``incoming`` bytes fit in ``bound``.

    ``keep`` is never removed (nor counted when it is about to be replaced). Temporary
    files left by a process that died while writing (older than an hour) go too.
    Returns the removed entries; files that cannot be removed are skipped.

    Examples
    --------
    >>> evict("/nonexistent/folder", 0)
    []
    """
    now = time.time()
    for t in _temporaries(cache_dir):
        if now - t.mtime > _STALE_TMP_S:
            with contextlib.suppress(OSError):
                t.path.unlink()
    listed = [e for e in entries(cache_dir) if keep is None or e.path != keep]
    total = sum(e.size for e in listed) + incoming
    removed = []
    for e in listed:
        if total <= bound:
            break
        with contextlib.suppress(OSError):
            e.path.unlink()
            removed.append(e.path)
            total -= e.size
    return removed


def _estimate(pop: Population) -> int:
    return pop.nbytes() + sum(np.asarray(getattr(pop.pool, f)).nbytes for f in _POOL) + 64 * 1024


# -- the cache --------------------------------------------------------------------------------------
@contextlib.contextmanager
def disk_cache(enabled: bool) -> Iterator[None]:
    """Within the block, fixed markets are (or are not) read from and written to the on-disk cache.

    Examples
    --------
    >>> with disk_cache(False):
    ...     _DISK["enabled"]
    False
    """
    before = _DISK["enabled"]
    _DISK["enabled"] = bool(enabled)
    try:
        yield
    finally:
        _DISK["enabled"] = before


def _remember(pop: Population, sc) -> Population:
    """Note which scenario built ``pop`` (for :func:`save` without one), while ``pop`` lives."""
    _ORIGIN[id(pop)] = sc
    weakref.finalize(pop, _ORIGIN.pop, id(pop), None)
    return pop


def _read(path: Path, sc, expected: dict) -> Population | None:
    """The market in ``path``; None when there is none or it is damaged (with a note)."""
    if not os.path.lexists(path):
        return None
    try:
        pop = load(path, sc, expected)
    except DamagedEntry as exc:
        note(f"rebuilt damaged cache entry {path} ({exc.reason})")
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: evicted last
    return pop


def _write(path: Path, pop: Population, sc) -> None:
    """Save ``pop`` under the folder's bound; a folder that cannot be written only costs speed."""
    bound = max_bytes()
    size = _estimate(pop)
    try:
        if size > bound:
            return  # it would not fit even alone
        evict(path.parent, bound, incoming=size, keep=path)
        save(path, pop, sc)
        evict(path.parent, bound, keep=path)  # the estimate was close: settle exactly
    except OSError as exc:
        if exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
            note(f"could not write cache entry {path} ({exc.strerror or _one_line(exc)})")


def build_population(sc, use_cache: bool = True, cache_dir: str | Path | None = None,
                     seed: np.random.SeedSequence | None = None) -> Population:
    """Build (or load from the cache) a market of a resolved scenario.

    ``seed`` is the market's seed; by default the scenario's fixed market, the first
    child of ``SeedSequence(run.seed)`` (see :mod:`sim.campaign.luck`). Only fixed
    markets go to the on-disk cache, and only while :func:`disk_cache` allows it; a
    replicate's own market is kept in memory (the latest one), so the strategies of one
    replicate share it. An entry that does not match or does not load is rebuilt with a
    one-line note and replaced.

    Examples
    --------
    >>> import tempfile
    >>> from sim.scenario import with_fields, default_scenario
    >>> sc = with_fields(default_scenario(), {"population.size": 2000, "population.represents": 500})
    >>> _MEMORY.clear()
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     a = build_population(sc, cache_dir=folder)
    ...     _MEMORY.clear()
    ...     b = build_population(sc, cache_dir=folder)  # from disk
    ...     len(entries(folder)), a is b, bool((a.interests == b.interests).all())
    (1, False, True)
    """
    from sim.world.population import _build

    fixed = seed is None or (seed.entropy == sc.run.seed and tuple(seed.spawn_key) == (0,))
    if not fixed:
        key = population_key(sc) + ":" + ",".join(map(str, seed.spawn_key))
        pop = _REPLICATE_MEMORY.get(key)
        if pop is None:
            _REPLICATE_MEMORY.clear()
            pop = _REPLICATE_MEMORY[key] = _build(sc, seed)
        return pop
    key = population_key(sc)
    if use_cache:
        pop = _MEMORY.get(key)
        if pop is not None:
            return pop
    pop = None
    disk = use_cache and _DISK["enabled"]
    if disk:
        path = cache_path(cache_dir, key)
        expected = provenance(sc)
        pop = _read(path, sc, expected)
    if pop is None:
        pop = _remember(_build(sc, np.random.SeedSequence(sc.run.seed, spawn_key=(0,))), sc)
        if disk:
            _write(path, pop, sc)
    if use_cache:
        _MEMORY.clear()  # keep one market in memory: they can be large
        _MEMORY[key] = pop
    return pop


# -- influsim cache info|clear ----------------------------------------------------------------------------
def cmd_cache(args) -> int:
    """``influsim cache info`` prints the folder, entries, total size and bound; ``clear`` empties it.

    Returns the exit status: 0, or 1 when the folder cannot be read or emptied (one line
    on stderr naming the path and the cause).

    Examples
    --------
    >>> import argparse, tempfile
    >>> from unittest import mock
    >>> with tempfile.TemporaryDirectory() as folder, mock.patch.dict(os.environ, {"INFLUSIM_CACHE": folder}):
    ...     cmd_cache(argparse.Namespace(action="clear"))  # doctest: +ELLIPSIS
    removed 0 entries (0 B) from ...
    0
    """
    folder = default_cache_dir()
    if args.action == "info":
        bound = max_bytes()
        listed = entries(folder)
        total = sum(e.size for e in listed)
        print(f"folder   {folder}{'' if folder.is_dir() else ' (not created yet)'}")
        print(f"entries  {len(listed)}")
        print(f"size     {human(total)} ({total:,} bytes)")
        print(f"bound    {human(bound)} ({bound:,} bytes; set INFLUSIM_CACHE_MAX_BYTES to change)")
        for e in listed:
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(e.mtime))
            print(f"  {e.path.name}  {human(e.size):>10}  last used {when}")
        return 0
    removed, freed = 0, 0
    for e in [*entries(folder), *_temporaries(folder)]:
        try:
            e.path.unlink()
        except FileNotFoundError:
            continue
        except OSError as exc:
            print(f"influsim: error: cannot remove {e.path}: {exc.strerror or _one_line(exc)}", file=sys.stderr)
            return 1
        if e.path.name.endswith(_SUFFIX):
            removed += 1
        freed += e.size
    _MEMORY.clear()
    print(f"removed {removed} entr{'y' if removed == 1 else 'ies'} ({human(freed)}) from {folder}")
    return 0
