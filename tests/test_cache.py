"""The market cache can't lie: damaged, foreign or stale entries are rebuilt with a note (issue 12)."""

from __future__ import annotations

import errno
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from sim.cli import main
from sim.scenario import default_scenario, with_fields
from sim.world import build_population, cache, disk_store, market_key

ROOT = Path(__file__).resolve().parent.parent
NOTE = re.compile(r"^influsim: note: rebuilt damaged cache entry (\S+) \((.+)\)$")


def small(**fields) -> object:
    return with_fields(default_scenario(), {"population.size": 2000, "population.represents": 500, **fields})


@pytest.fixture(autouse=True)
def folder(tmp_path, monkeypatch) -> Path:
    """Each test has a cache folder of its own and starts with nothing in memory."""
    d = tmp_path / "cache"
    monkeypatch.setenv("INFLUSIM_CACHE", str(d))
    monkeypatch.delenv("INFLUSIM_CACHE_MAX_BYTES", raising=False)
    cache._MEMORY.clear()
    yield d
    cache._MEMORY.clear()


def fingerprint(pop) -> str:
    """Checksum of every array of a market: equal means the same market."""
    return disk_store.checksum(disk_store.market_arrays(pop))


def entry_of(sc) -> Path:
    return disk_store.cache_path(None, market_key.population_key(sc))


def from_disk(sc):
    cache._MEMORY.clear()
    return build_population(sc)


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp")) if folder.is_dir() else []


# -- damaged entries --------------------------------------------------------------------------------
def _empty(path: Path, sc) -> None:
    path.write_bytes(b"")


def _truncated(path: Path, sc) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _flip(at: float):
    def flip(path: Path, sc) -> None:
        data = bytearray(path.read_bytes())
        data[int(len(data) * at)] ^= 0x10
        path.write_bytes(bytes(data))

    flip.__name__ = f"bit_flipped_at_{at:g}"
    return flip


def _other_population(path: Path, sc) -> None:
    """Another market's file copied under this key (a 4,000-person market for a 2,000-person scenario)."""
    other = with_fields(sc, {"population.size": 4000})
    build_population(other)
    shutil.copyfile(entry_of(other), path)


def _other_seed(path: Path, sc) -> None:
    other = with_fields(sc, {"run.seed": 7})
    build_population(other)
    shutil.copyfile(entry_of(other), path)


def _forged_sizes(path: Path, sc) -> None:
    """Arrays of another size under this entry's own record and a matching checksum."""
    other = build_population(with_fields(sc, {"population.size": 4000}), use_cache=False)
    arrays = disk_store.market_arrays(other)
    with np.load(path) as z:
        meta = z["meta"]
    import json

    record = json.loads(str(meta[()]))
    record["checksum"] = disk_store.checksum(arrays)
    with open(path, "wb") as f:
        np.savez(f, meta=np.array(json.dumps(record)), **arrays)


def _old_format(path: Path, sc) -> None:
    """An entry of the format before issue 12: arrays only, no record of what built them."""
    arrays = disk_store.market_arrays(build_population(sc, use_cache=False))
    with open(path, "wb") as f:
        np.savez(f, **arrays)


def _not_an_archive(path: Path, sc) -> None:
    np.save(path.with_suffix(".tmpx.npy"), np.arange(10))
    os.replace(path.with_suffix(".tmpx.npy"), path)


DAMAGE = [_empty, _truncated, _flip(0.02), _flip(0.3), _flip(0.6), _flip(0.97), _other_population, _other_seed,
          _forged_sizes, _old_format, _not_an_archive]


@pytest.mark.parametrize("damage", DAMAGE, ids=lambda f: f.__name__.strip("_"))
def test_a_damaged_entry_is_rebuilt_with_a_note(damage, folder, capsys):
    sc = small()
    clean = build_population(sc, use_cache=False)
    build_population(sc)
    path = entry_of(sc)
    assert path.is_file()
    damage(path, sc)
    capsys.readouterr()

    pop = from_disk(sc)  # no traceback: a note, and the same market as a clean build

    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    m = NOTE.match(err[0])
    assert m and m.group(1) == str(path), err[0]
    assert fingerprint(pop) == fingerprint(clean)
    # the bad file was replaced, atomically and without leftovers: the next run loads it quietly
    assert leftovers(folder) == []
    assert fingerprint(disk_store.load(path, sc)) == fingerprint(clean)
    assert fingerprint(from_disk(sc)) == fingerprint(clean)
    assert capsys.readouterr().err == ""


def test_reasons_name_the_fault(folder, capsys):
    sc = small()
    path = entry_of(sc)
    reasons = {}
    for damage in (_empty, _truncated, _flip(0.6), _other_population):
        build_population(sc)
        damage(path, sc)
        capsys.readouterr()
        from_disk(sc)
        reasons[damage.__name__.strip("_")] = NOTE.match(capsys.readouterr().err.strip()).group(2)
        cache._MEMORY.clear()
    assert "EOFError" in reasons["empty"]
    assert "BadZipFile" in reasons["truncated"]
    assert reasons["other_population"] == "built for another market: population.size is 4000, expected 2000"
    assert reasons["bit_flipped_at_0.6"]


def test_an_entry_built_by_other_world_code_is_rebuilt(folder, capsys, monkeypatch):
    """After a change to how people are drawn, the old market is not served."""
    sc = small()
    with monkeypatch.context() as m:
        m.setattr(market_key, "code_fingerprint", lambda: "0123456789abcdef")  # the code as it was
        stale = build_population(sc)
    path = entry_of(sc)
    assert path.is_file()
    capsys.readouterr()
    pop = from_disk(sc)
    err = capsys.readouterr().err.strip()
    assert NOTE.match(err) and err.endswith("(built by other world code)"), err
    assert fingerprint(pop) == fingerprint(stale)  # same code here: same market, but rebuilt
    assert disk_store.load(path, sc).n == 2000  # replaced by an entry of the current code


def test_the_code_fingerprint_covers_the_world_code_and_its_imports():
    market_key.code_fingerprint.cache_clear()
    files = set()
    todo = sorted((ROOT / "sim" / "world").glob("*.py"))
    while todo:
        f = todo.pop()
        if f not in files:
            files.add(f)
            todo.extend(market_key.sim_imports(f, ROOT / "sim"))
    names = {f.relative_to(ROOT).as_posix() for f in files}
    assert {"sim/world/population.py", "sim/world/creators.py", "sim/world/peergraph.py", "sim/errors.py"} <= names
    assert re.fullmatch(r"[0-9a-f]{16}", market_key.code_fingerprint())


def test_an_entry_built_with_other_library_versions_is_rebuilt(folder, capsys, monkeypatch):
    sc = small()
    with monkeypatch.context() as m:
        m.setattr(market_key, "library_versions", lambda: {"numpy": "1.0", "scipy": "1.0", "networkx": "1.0"})
        build_population(sc)
    capsys.readouterr()
    from_disk(sc)
    err = capsys.readouterr().err.strip()
    assert NOTE.match(err) and "built with other libraries: networkx is \"1.0\"" in err, err


def test_clean_entries_load_without_a_note(folder, capsys):
    sc = small()
    a = build_population(sc)
    b = from_disk(sc)
    assert a is not b and fingerprint(a) == fingerprint(b)
    assert capsys.readouterr().err == ""
    assert [e.path for e in disk_store.entries()] == [entry_of(sc)]


# -- keys: everything that draws a market (issue 17) ------------------------------------------------------
def _seed(entropy, spawn_key=(), pool_size: int = 4) -> np.random.SeedSequence:
    return np.random.SeedSequence(entropy, spawn_key=spawn_key, pool_size=pool_size)


# pairs of seeds that draw different markets but share what the old key held (the spawn key), in both orders
SEED_PAIRS = [(_seed(42, (100,)), _seed(43, (100,))), (_seed(43, (100,)), _seed(42, (100,))),
              (_seed(7, (0,)), _seed(8, (0,))), (_seed(42, (1, 0, 100)), _seed(42, (1, 0, 100), pool_size=8))]


@pytest.mark.parametrize("first, second", SEED_PAIRS, ids=["42-43", "43-42", "entropy-of-a-(0,)-seed", "pool-size"])
def test_a_replicate_market_is_its_own_seeds_whatever_was_built_before(first, second):
    from sim.world.population import build

    sc = small()
    cache._REPLICATE_MEMORY.clear()
    assert fingerprint(build_population(sc, seed=first)) == fingerprint(build(sc, first))
    got = build_population(sc, seed=second)
    assert fingerprint(got) == fingerprint(build(sc, second)) != fingerprint(build(sc, first))
    assert build_population(sc, seed=second) is got  # the memo still serves the replicate's strategies


def test_the_key_holds_the_seed_whole():
    sc = small()
    keys = {market_key.population_key(sc, seed) for seed in
            (_seed(42, (100,)), _seed(43, (100,)), _seed(42, (101,)), _seed(42, (100,), pool_size=8), _seed([42, 1]))}
    assert len(keys) == 5
    assert market_key.population_key(sc) == market_key.population_key(sc, market_key.fixed_seed(sc))
    assert market_key.population_key(sc) != market_key.population_key(small(**{"run.seed": 43}))


def test_only_the_fixed_seed_whole_is_the_fixed_market(folder):
    """The scenario's own fixed seed is the fixed market (memory and disk); one that differs in any part is not."""
    sc = small()
    fixed = build_population(sc)
    assert build_population(sc, seed=_seed(sc.run.seed, (0,))) is fixed
    assert len(disk_store.entries(folder)) == 1
    for other in (_seed(sc.run.seed + 1, (0,)), _seed(sc.run.seed, (0,), pool_size=8)):
        market = build_population(sc, seed=other)
        assert market is not fixed and fingerprint(market) != fingerprint(fixed)
    assert len(disk_store.entries(folder)) == 1  # a replicate's market stays in memory only
    assert market_key.provenance(sc)["scenario"]["seed"] == market_key.seed_parts(market_key.fixed_seed(sc))


# -- the size bound -----------------------------------------------------------------------------------
def _aged(sc, age_s: float) -> Path:
    build_population(sc)
    path = entry_of(sc)
    t = time.time() - age_s
    os.utime(path, (t, t))
    return path


def test_the_size_bound_evicts_the_oldest_first(folder, monkeypatch):
    one = disk_store.estimated_size(build_population(small(), use_cache=False))
    monkeypatch.setenv("INFLUSIM_CACHE_MAX_BYTES", str(int(2.5 * one)))  # room for two entries
    a = _aged(small(**{"run.seed": 1}), 300)
    b = _aged(small(**{"run.seed": 2}), 200)
    c = _aged(small(**{"run.seed": 3}), 100)
    assert not a.exists() and b.exists() and c.exists()
    assert sum(e.size for e in disk_store.entries()) <= 2.5 * one
    # used entries are young again: loading b makes c the oldest
    from_disk(small(**{"run.seed": 2}))
    _aged(small(**{"run.seed": 4}), 0)
    assert b.exists() and not c.exists()


def test_an_entry_larger_than_the_bound_is_not_written(folder, monkeypatch):
    monkeypatch.setenv("INFLUSIM_CACHE_MAX_BYTES", "0")
    pop = build_population(small())
    assert pop.n == 2000 and disk_store.entries() == []


def test_the_bound_accepts_units_and_refuses_nonsense(folder, monkeypatch, capsys):
    monkeypatch.setenv("INFLUSIM_CACHE_MAX_BYTES", "500M")
    assert disk_store.max_bytes() == 500 * 1024**2
    monkeypatch.setenv("INFLUSIM_CACHE_MAX_BYTES", "a lot")
    assert main(["cache", "info"]) == 2
    err = capsys.readouterr().err
    assert err == ("influsim: error: INFLUSIM_CACHE_MAX_BYTES: 'a lot' is not a size (e.g. 2G, 500M, 1000000)\n")


def test_stale_temporary_files_are_removed(folder):
    folder.mkdir()
    old = folder / "population-abc.npz.123-deadbeef.tmp"
    old.write_bytes(b"x" * 100)
    t = time.time() - 2 * 3600
    os.utime(old, (t, t))
    build_population(small())
    assert not old.exists()


def test_a_failed_write_leaves_no_temporary_file(folder, monkeypatch, capsys):
    def full(f, **arrays):
        f.write(b"PK" + b"\0" * 1000)
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(disk_store.np, "savez", full)
    pop = build_population(small())
    assert pop.n == 2000
    assert leftovers(folder) == [] and disk_store.entries() == []
    assert capsys.readouterr().err.strip() == (
        f"influsim: note: could not write cache entry {entry_of(small())} (No space left on device)")


def test_a_full_disk_only_costs_speed(tmp_path):
    """``ulimit -f`` in a subprocess: the entry cannot be written; the market is still built, nothing is left."""
    folder = tmp_path / "full"
    code = ("import resource; resource.setrlimit(resource.RLIMIT_FSIZE, (20000, 20000));"
            "from sim.scenario import with_fields, default_scenario;"
            "from sim.world import build_population;"
            "sc = with_fields(default_scenario(), {'population.size': 2000, 'population.represents': 500});"
            "print(build_population(sc).n)")
    env = {**os.environ, "INFLUSIM_CACHE": str(folder)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "2000"
    assert "Traceback" not in out.stderr
    assert out.stderr.strip().startswith("influsim: note: could not write cache entry"), out.stderr
    assert list(folder.iterdir()) == []


# -- a read-only folder ---------------------------------------------------------------------------------
@pytest.fixture
def read_only(folder, monkeypatch):
    """Make ``folder`` read-only; as root (where mode bits do not stop writes) also refuse writes in it."""

    def make():
        for p in [folder, *folder.iterdir()]:
            p.chmod(0o555 if p.is_dir() else 0o444)
        if os.geteuid() == 0:
            def deny(fn):
                def wrapped(path, *args, **kwargs):
                    if str(path).startswith(str(folder)):
                        raise PermissionError(errno.EACCES, "Permission denied", str(path))
                    return fn(path, *args, **kwargs)
                return wrapped

            for name in ("unlink", "replace", "utime", "mkdir"):
                monkeypatch.setattr(os, name, deny(getattr(os, name)))
            real_open = os.open
            monkeypatch.setattr(os, "open", lambda path, flags, *a, **k: (
                deny(real_open)(path, flags, *a, **k) if flags & (os.O_WRONLY | os.O_RDWR) else
                real_open(path, flags, *a, **k)))

    yield make
    monkeypatch.undo()
    for p in [folder, *folder.iterdir()] if folder.exists() else []:
        p.chmod(0o755 if p.is_dir() else 0o644)


def test_a_read_only_folder_only_costs_speed(folder, read_only, capsys):
    sc = small()
    clean = build_population(sc, use_cache=False)
    folder.mkdir()
    read_only()
    assert fingerprint(from_disk(sc)) == fingerprint(clean)  # nothing written, no error
    assert fingerprint(from_disk(sc)) == fingerprint(clean)
    assert capsys.readouterr().err == ""
    assert list(folder.iterdir()) == []


def test_a_read_only_folder_still_serves_and_rebuilds(folder, read_only, capsys):
    sc, other = small(), small(**{"run.seed": 5})
    clean = build_population(sc, use_cache=False)
    build_population(sc)
    build_population(other)
    _truncated(entry_of(other), other)
    read_only()
    capsys.readouterr()
    assert fingerprint(from_disk(sc)) == fingerprint(clean)  # a good entry loads
    assert capsys.readouterr().err == ""
    assert from_disk(other).n == 2000  # a damaged one is rebuilt (and cannot be replaced): a note, no error
    assert NOTE.match(capsys.readouterr().err.strip())
    assert leftovers(folder) == []


# -- influsim cache info|clear -------------------------------------------------------------------------
def test_cache_info_and_clear(folder, capsys, monkeypatch):
    monkeypatch.setenv("INFLUSIM_CACHE_MAX_BYTES", "1G")
    assert main(["cache", "info"]) == 0
    out = capsys.readouterr().out
    assert f"folder   {folder} (not created yet)" in out and "entries  0" in out
    assert "bound    1.0 GiB (1,073,741,824 bytes" in out

    build_population(small(**{"run.seed": 1}))
    build_population(small(**{"run.seed": 2}))
    (folder / "population-x.npz.1-ab.tmp").write_bytes(b"x")  # left by a process killed while writing
    total = sum(e.size for e in disk_store.entries())
    assert main(["cache", "info"]) == 0
    out = capsys.readouterr().out
    assert f"folder   {folder}\n" in out and "entries  2\n" in out and f"({total:,} bytes)" in out
    assert out.count("last used") == 2

    assert main(["cache", "clear"]) == 0
    assert capsys.readouterr().out == f"removed 2 entries ({disk_store.human(total + 1)}) from {folder}\n"
    assert list(folder.iterdir()) == []
    assert main(["cache", "clear"]) == 0
    assert capsys.readouterr().out.startswith("removed 0 entries (0 B)")
    # after a clear the market is built again, not served from memory of a removed entry
    build_population(small(**{"run.seed": 1}))
    assert len(disk_store.entries()) == 1


def test_cache_needs_an_action(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["cache", "drop"])
    assert exc.value.code == 2
    assert capsys.readouterr().err.startswith("influsim: error: argument action: invalid choice")


# -- tests and doctests never touch the user's cache ------------------------------------------------------
def test_doctests_in_sim_do_not_touch_the_users_cache(tmp_path):
    """The module doctest of sim/world/cache.py builds a market in the default folder: not the user's."""
    env = {k: v for k, v in os.environ.items() if k != "INFLUSIM_CACHE"}

    def run_doctest(*options: str) -> Path:
        home = tmp_path / f"home{len(options)}"
        home.mkdir()
        out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *options,
                              "sim/world/cache.py::sim.world.cache"],
                             cwd=ROOT, env={**env, "HOME": str(home)}, capture_output=True, text=True, check=False, timeout=300)
        assert "1 passed" in out.stdout, out.stdout[-2000:]
        return home / ".cache" / "influsim"

    assert not run_doctest().exists()
    assert run_doctest("--noconftest").is_dir()  # without sim/conftest.py it would write into ~/.cache/influsim
