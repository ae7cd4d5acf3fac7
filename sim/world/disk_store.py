"""The on-disk market store: one checked ``.npz`` entry per fixed market, in a bounded folder.

The folder is ``$INFLUSIM_CACHE`` or ``~/.cache/influsim`` (:func:`default_cache_dir`),
one ``population-<key>.npz`` file per market (:func:`cache_path`, the key from
:func:`sim.world.market_key.population_key`).

An entry can't lie. It carries what it was built from (its record,
:func:`sim.world.market_key.provenance`: the scenario sections that shape the market,
the seed, a fingerprint of the code that draws the world, the library versions) and a
checksum of its arrays (:func:`checksum`). :func:`load` compares all of them and checks
the arrays' shapes against the scenario, raising :class:`DamagedEntry` with the reason;
:func:`read_entry` turns that into a one-line note on stderr, never a traceback.
:func:`save` replaces an entry atomically (:func:`sim.atomic.atomic_file`).

The folder is bounded (``$INFLUSIM_CACHE_MAX_BYTES``, 2 GiB by default,
:func:`max_bytes`): when a new entry would exceed the bound, the least recently used
entries go first (:func:`evict`). A read-only or full folder only costs speed
(:func:`write_entry`). :func:`entries` lists the folder and :func:`clear_folder` empties
it (``influsim cache info`` and ``influsim cache clear``).

Examples
--------
>>> import tempfile
>>> from sim.scenario import with_fields, default_scenario
>>> from sim.world.cache import build_population
>>> from sim.world.market_key import population_key
>>> scenario = with_fields(default_scenario(), {"population.size": 2000, "population.represents": 500})
>>> with tempfile.TemporaryDirectory() as folder:
...     path = cache_path(folder, population_key(scenario))
...     save(path, build_population(scenario, use_cache=False), scenario)
...     again = load(path, scenario)
...     [e.path.name == path.name for e in entries(folder)]
[True]
>>> again.n
2000
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import sys
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.atomic import atomic_file
from sim.errors import InfluSimError
from sim.world.creators import InfluencerPool
from sim.world.market_key import mismatch, provenance
from sim.world.peergraph import PeerGraph
from sim.world.population import Population

if TYPE_CHECKING:  # pragma: no cover
    from sim.scenario.models import Scenario

__all__ = ["DEFAULT_MAX_BYTES", "CacheSettingError", "DamagedEntry", "Entry", "cache_path", "checksum",
           "clear_folder", "default_cache_dir", "entries", "estimated_size", "evict", "human", "load",
           "market_arrays", "max_bytes", "note", "parse_size", "read_entry", "remember_origin", "save",
           "temporaries", "write_entry"]

DEFAULT_MAX_BYTES = 2 * 1024**3
"""The folder's default size bound (2 GiB)."""

_PREFIX, _SUFFIX, _TMP = "population-", ".npz", ".tmp"
_STALE_TMP_S = 3600.0  # a temporary file this old belongs to a process that died while writing

_ORIGIN: dict[int, Any] = {}  # id(market) -> the scenario it was built from (for save without one)

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
    sim.world.disk_store.CacheSettingError: INFLUSIM_CACHE_MAX_BYTES: 'lots' is not a size (e.g. 2G, 500M, 1000000)
    """
    match = re.fullmatch(r"\s*(\d+(?:\.\d*)?)\s*([kmgt]?)(?:i?b)?\s*", text, flags=re.IGNORECASE)
    if not match:
        shown = repr(text[:40] + ("..." if len(text) > 40 else ""))
        raise CacheSettingError(f"INFLUSIM_CACHE_MAX_BYTES: {shown} is not a size (e.g. 2G, 500M, 1000000)")
    return int(float(match.group(1)) * _UNITS[match.group(2).lower()])


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


# -- arrays -----------------------------------------------------------------------------------------
def market_arrays(market: Population) -> dict[str, np.ndarray]:
    """The named arrays an entry holds for ``market`` (what :func:`checksum` hashes).

    Examples
    --------
    >>> from sim.scenario import with_fields, default_scenario
    >>> from sim.world.cache import build_population
    >>> scenario = with_fields(default_scenario(), {"population.size": 2000, "population.represents": 500})
    >>> market_arrays(build_population(scenario, use_cache=False))["interests"].shape
    (2000, 9)
    """
    arrays = {f: np.asarray(getattr(market, f)) for f in _FIELDS}
    arrays.update({f"pool_{f}": np.asarray(getattr(market.pool, f)) for f in _POOL})
    arrays["pool_skipped"] = np.array(json.dumps(market.pool.skipped))
    arrays["pool_platform_names"] = np.array(json.dumps(market.pool.platform_names))
    arrays["indptr"], arrays["indices"] = np.asarray(market.graph.indptr), np.asarray(market.graph.indices)
    arrays["seed"] = np.array(market.seed, dtype=np.uint64)
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


def _check_shapes(arrays: dict[str, np.ndarray], scenario: Scenario) -> None:
    """Raise :class:`DamagedEntry` unless the arrays have the sizes the scenario asks for."""
    n, k = scenario.population.size, len(scenario.population.niches)

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
    if m[0] and (int(arrays["pool_niche"].max()) >= k or int(arrays["pool_tier"].max()) >= len(scenario.tiers)):
        raise DamagedEntry("creator pool names niches or tiers the scenario does not have")


def estimated_size(market: Population) -> int:
    """About how many bytes the entry of ``market`` takes on disk (its arrays and a margin for the record)."""
    return market.nbytes() + sum(np.asarray(getattr(market.pool, f)).nbytes for f in _POOL) + 64 * 1024


# -- one entry --------------------------------------------------------------------------------------
def remember_origin(market: Population, scenario: Scenario) -> Population:
    """Note which scenario built ``market`` (so :func:`save` needs none), while ``market`` lives; returns it."""
    _ORIGIN[id(market)] = scenario
    weakref.finalize(market, _ORIGIN.pop, id(market), None)
    return market


def save(path: str | Path, market: Population, scenario: Scenario | None = None) -> None:
    """Write ``market``, a fixed market of ``scenario``, to the entry ``path`` atomically.

    The arrays and their provenance are written with :func:`sim.atomic.atomic_file`, so a
    reader sees the old entry or the new one, never half a file, and nothing is left on
    any failure. ``scenario`` may be left out for a market that
    :func:`sim.world.cache.build_population` built (:func:`remember_origin`).

    Raises
    ------
    OSError
        When the folder cannot be written (read-only, full); nothing is left behind.

    Examples
    --------
    >>> import tempfile
    >>> from sim.scenario import with_fields, default_scenario
    >>> from sim.world.cache import build_population
    >>> scenario = with_fields(default_scenario(), {"population.size": 2000, "population.represents": 500})
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     save(Path(folder) / "m.npz", build_population(scenario, use_cache=False))
    ...     sorted(p.name for p in Path(folder).iterdir())
    ['m.npz']
    """
    path = Path(path)
    if scenario is None:
        scenario = _ORIGIN.get(id(market))
        if scenario is None:
            raise ValueError("save() needs the scenario this market was built from")
    arrays = market_arrays(market)
    record = {**provenance(scenario), "checksum": checksum(arrays), "created": time.time()}
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path, "wb") as f:  # whole or not at all, the user's umask
        np.savez(f, meta=np.array(json.dumps(record, sort_keys=True)), **arrays)  # type: ignore[arg-type]  # numpy's stub reads **arrays as allow_pickle


def load(path: str | Path, scenario: Scenario, expected: dict[str, Any] | None = None) -> Population:
    """The market in entry ``path``, checked against ``scenario``.

    Raises
    ------
    DamagedEntry
        When the entry does not load, was built from anything else than ``expected``
        (by default ``provenance(scenario)``), has the wrong sizes or fails its checksum.

    Examples
    --------
    >>> import tempfile
    >>> from sim.scenario import with_fields, default_scenario
    >>> from sim.world.cache import build_population
    >>> scenario = with_fields(default_scenario(), {"population.size": 2000, "population.represents": 500})
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = Path(folder) / "m.npz"
    ...     save(path, build_population(scenario, use_cache=False), scenario)
    ...     load(path, with_fields(scenario, {"population.size": 3000}))
    Traceback (most recent call last):
    ...
    sim.world.disk_store.DamagedEntry: built for another market: population.size is 2000, expected 3000
    """
    expected = provenance(scenario) if expected is None else expected
    try:
        with np.load(path, allow_pickle=False) as z:
            if not hasattr(z, "files"):
                raise DamagedEntry("not an archive of arrays")
            if "meta" not in z.files:
                raise DamagedEntry("no record of what it was built from")
            record = json.loads(str(z["meta"][()]))
            if not isinstance(record, dict):
                raise DamagedEntry("unreadable record of what it was built from")
            problem = mismatch(record, expected)
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
    _check_shapes(arrays, scenario)
    if checksum(arrays) != record.get("checksum"):
        raise DamagedEntry("checksum mismatch")
    try:
        skipped = json.loads(str(arrays["pool_skipped"][()]))
        platform_names = json.loads(str(arrays["pool_platform_names"][()]))
    except ValueError as exc:
        raise DamagedEntry(_one_line(exc)) from None
    pool = InfluencerPool(**{f: arrays[f"pool_{f}"] for f in _POOL}, tier_names=list(scenario.tiers),
                          skipped=skipped, platform_names=platform_names)
    people, creators = scenario.population, scenario.influencers
    return Population(**{f: arrays[f] for f in _FIELDS}, graph=PeerGraph(arrays["indptr"], arrays["indices"]),
                      pool=pool, niches=list(people.niches), represents=people.represents, seed=int(arrays["seed"]),
                      audience_focus=creators.audience_focus, audience_broadening=creators.audience_broadening,
                      affinity_exponent=creators.affinity_exponent)


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or "no details"
    text = f"{type(exc).__name__}: {text}"
    return text if len(text) <= 160 else text[:157] + "..."


def note(message: str) -> None:
    """Print ``influsim: note: <message>`` on stderr (one line)."""
    print(f"influsim: note: {message}", file=sys.stderr, flush=True)


def read_entry(path: Path, scenario: Scenario, expected: dict[str, Any]) -> Population | None:
    """The market in ``path``; None when there is none or it is damaged (with a one-line :func:`note`).

    A market read is marked recently used (evicted last).
    """
    if not os.path.lexists(path):
        return None
    try:
        market = load(path, scenario, expected)
    except DamagedEntry as exc:
        note(f"rebuilt damaged cache entry {path} ({exc.reason})")
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: evicted last
    return market


def write_entry(path: Path, market: Population, scenario: Scenario) -> None:
    """Save ``market`` under the folder's bound; a folder that cannot be written only costs speed.

    A read-only folder is quiet; any other failure (a full disk) is a one-line :func:`note`.
    """
    bound = max_bytes()
    size = estimated_size(market)
    try:
        if size > bound:
            return  # it would not fit even alone
        evict(path.parent, bound, incoming=size, keep=path)
        save(path, market, scenario)
        evict(path.parent, bound, keep=path)  # the estimate was close: settle exactly
    except OSError as exc:
        if exc.errno not in (errno.EACCES, errno.EPERM, errno.EROFS):
            note(f"could not write cache entry {path} ({exc.strerror or _one_line(exc)})")


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


def temporaries(cache_dir: str | Path | None = None) -> list[Entry]:
    """The folder's temporary files (entries being written, or left by a process that died while writing).

    Examples
    --------
    >>> temporaries("/nonexistent/folder")
    []
    """
    return _listing(cache_dir, f"{_PREFIX}*{_TMP}")


def _listing(cache_dir: str | Path | None, pattern: str) -> list[Entry]:
    out = []
    try:
        paths = list(Path(cache_dir or default_cache_dir()).glob(pattern))
    except OSError:
        return []
    for p in paths:
        try:
            stat = p.stat()
        except OSError:
            continue  # removed by another process meanwhile
        if p.is_file():
            out.append(Entry(p, stat.st_size, stat.st_mtime))
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
    for t in temporaries(cache_dir):
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


def clear_folder(cache_dir: str | Path | None = None) -> tuple[int, int]:
    """Remove every entry and temporary file of the folder: (entries removed, bytes freed).

    Files removed by another process meanwhile are skipped.

    Raises
    ------
    OSError
        For the first file that cannot be removed (its ``filename`` names it); the
        files before it are gone.

    Examples
    --------
    >>> clear_folder("/nonexistent/folder")
    (0, 0)
    """
    removed, freed = 0, 0
    for e in [*entries(cache_dir), *temporaries(cache_dir)]:
        try:
            e.path.unlink()
        except FileNotFoundError:
            continue
        if e.path.name.endswith(_SUFFIX):
            removed += 1
        freed += e.size
    return removed, freed
