"""sim.atomic: files and folders appear whole or not at all, with the user's umask, and leave no temporary."""

import errno
import os
import stat

import pytest

from sim.atomic import (TEMPORARY, alive, atomic_file, atomic_folder, atomic_write_text, guarded_by, remove_stale,
                        temporary_name, temporary_pid)


def _names(folder):
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def mask():
    """Run the test under umask 027 (neither 022 nor mkstemp's 0600 would tell the difference)."""
    old = os.umask(0o027)
    try:
        yield 0o027
    finally:
        os.umask(old)


@pytest.mark.parametrize("error", [ValueError("boom"), KeyboardInterrupt(), OSError(errno.ENOSPC, "No space")])
def test_a_failure_inside_the_file_block_leaves_no_file_and_no_temporary(tmp_path, error):
    with pytest.raises(type(error)) as raised:
        with atomic_file(tmp_path / "a.csv") as fh:
            fh.write("half a row")
            assert [temporary_pid(n) for n in _names(tmp_path)] == [os.getpid()]  # the temporary is there
            raise error
    assert _names(tmp_path) == []
    if isinstance(error, OSError):  # it names the file, not the temporary (a failed write names none)
        assert raised.value.filename == str(tmp_path / "a.csv") and raised.value.errno == errno.ENOSPC


def test_a_failed_rewrite_keeps_the_old_file_whole(tmp_path):
    atomic_write_text(tmp_path / "a.txt", "old")
    with pytest.raises(RuntimeError):
        with atomic_file(tmp_path / "a.txt") as fh:
            fh.write("new, half")
            raise RuntimeError
    assert _names(tmp_path) == ["a.txt"] and (tmp_path / "a.txt").read_text() == "old"


def test_the_file_appears_whole_and_only_at_the_end(tmp_path):
    path = tmp_path / "m.bin"
    data = os.urandom(3 << 20)
    with atomic_file(path, "wb") as fh:
        fh.write(data[: 1 << 20])
        assert not path.exists()  # readers never see a part of it
        fh.write(data[1 << 20:])
        assert not path.exists()
    assert path.read_bytes() == data and _names(tmp_path) == ["m.bin"]


def test_file_permissions_follow_the_umask(tmp_path, mask):
    atomic_write_text(tmp_path / "a.txt", "x")
    assert stat.S_IMODE((tmp_path / "a.txt").stat().st_mode) == 0o666 & ~mask == 0o640


def test_only_whole_file_modes_are_taken(tmp_path):
    for mode in ("a", "r+", "w+"):
        with pytest.raises(ValueError, match="mode"):
            with atomic_file(tmp_path / "a.txt", mode):
                pass
    assert _names(tmp_path) == []


def test_temporary_names_are_ours_and_distinct(tmp_path):
    names = {temporary_name(tmp_path / "runs.csv").name for _ in range(50)}
    assert len(names) == 50 and all(temporary_pid(n) == os.getpid() for n in names)
    assert temporary_pid("runs.csv") is None and temporary_pid("notes.tmp") is None


def test_a_folder_is_whole_or_absent(tmp_path, mask):
    out = tmp_path / "a" / "b" / "out"
    with pytest.raises(OSError) as raised:
        with atomic_folder(out) as folder:
            (folder / "one.csv").write_text("1")
            assert not out.exists()
            raise OSError(errno.ENOSPC, "No space left on device", str(folder / "two.csv"))
    assert raised.value.filename == str(out / "two.csv")  # the path under out, not the temporary one
    assert _names(tmp_path) == []  # nor the parents it created
    with atomic_folder(out) as folder:
        (folder / "one.csv").write_text("1")
        atomic_write_text(folder / "two.csv", "2")
        assert not out.exists()
    assert _names(out) == ["one.csv", "two.csv"] and _names(out.parent) == ["out"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o777 & ~mask == 0o750


def test_a_folder_block_interrupted_leaves_nothing_and_an_existing_folder_is_kept(tmp_path):
    (tmp_path / "keep").mkdir()
    with pytest.raises(KeyboardInterrupt):
        with atomic_folder(tmp_path / "keep" / "out") as folder:
            (folder / "x").write_text("x")
            raise KeyboardInterrupt
    assert _names(tmp_path) == ["keep"] and _names(tmp_path / "keep") == []


def test_the_guard_owns_the_temporary_folder_while_it_is_written(tmp_path):
    seen = []

    class Guard:
        def own(self, path):
            seen.append(("own", os.path.basename(path)))

        def release(self, path):
            seen.append(("release", os.path.basename(path)))

    with guarded_by(Guard()):
        with atomic_folder(tmp_path / "out") as folder:
            stage = folder.parent.name
    assert seen == [("own", stage), ("release", stage)] and TEMPORARY[0].match(stage)


def test_stale_temporaries_of_dead_processes_go_and_ours_stay(tmp_path):
    dead = 2 ** 22 + 3
    assert not alive(dead)
    ours, theirs = temporary_name(tmp_path / "a.csv"), tmp_path / f"a.csv.{dead}-0badf00d.tmp"
    (tmp_path / f".influsim-{dead}-xyz").mkdir()
    for p in (ours, theirs, tmp_path / "a.csv"):
        p.write_text("x")
    removed = remove_stale(tmp_path)
    assert sorted(p.name for p in removed) == sorted([theirs.name, f".influsim-{dead}-xyz"])
    assert _names(tmp_path) == sorted(["a.csv", ours.name])
