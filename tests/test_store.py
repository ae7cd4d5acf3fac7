import errno
import math
import os
import sqlite3

import pytest

from sim.atomic import atomic_file
from sim.studies.store import ResultStore, StoreError, StoreWriteError, write_csv, write_parquet


def test_records_and_skips_finished_runs(tmp_path):
    with ResultStore(tmp_path / "runs.sqlite", "h1") as st:
        assert st.done() == set()
        assert st.record(0, "macro", 0, {"roi": 0.5, "cpa": math.nan}, seconds=0.1)
        assert st.record(1, "micro", 2, {"roi": -0.2})
    with ResultStore(tmp_path / "runs.sqlite", "h1") as st:  # reopened, as after a crash
        assert st.done() == {(0, "macro", 0), (1, "micro", 2)}
        rows = st.rows()
    assert [(r["point"], r["strategy"], r["replicate"]) for r in rows] == [(0, "macro", 0), (1, "micro", 2)]
    assert rows[0]["metrics"]["roi"] == 0.5 and math.isnan(rows[0]["metrics"]["cpa"])  # NaN survives JSON


def test_a_successful_run_is_never_recorded_twice_or_overwritten(tmp_path):
    with ResultStore(tmp_path / "runs.sqlite", "h") as st:
        assert st.record(0, "macro", 0, {"roi": 1.0})
        assert not st.record(0, "macro", 0, {"roi": 2.0})
        assert not st.record(0, "macro", 0, None, error="late failure")
        assert st.rows()[0]["metrics"] == {"roi": 1.0} and st.counts() == {"ok": 1, "failed": 0}


def test_failed_runs_are_kept_with_their_error_and_replaced_by_a_retry(tmp_path):
    with ResultStore(tmp_path / "runs.sqlite", "h") as st:
        st.record(3, "macro", 1, None, error="Traceback...\nValueError: boom")
        assert st.done() == set() and st.counts() == {"ok": 0, "failed": 1}
        assert st.rows()[0]["error"].endswith("ValueError: boom")
        st.record(3, "macro", 1, None, error="ValueError: boom again")  # a failed retry replaces the failure
        assert st.counts() == {"ok": 0, "failed": 1}
        assert st.record(3, "macro", 1, {"roi": 0.1})  # a successful retry replaces it too
        assert st.counts() == {"ok": 1, "failed": 0} and st.rows()[0]["error"] is None


def test_another_sweep_is_refused(tmp_path):
    ResultStore(tmp_path / "runs.sqlite", "sweep-a").close()
    with pytest.raises(StoreError, match="another sweep"):
        ResultStore(tmp_path / "runs.sqlite", "sweep-b")


def test_two_writers_cannot_share_a_folder(tmp_path):
    with ResultStore(tmp_path / "runs.sqlite", "h"):
        with pytest.raises(StoreError, match="in use"):
            ResultStore(tmp_path / "runs.sqlite", "h")
    ResultStore(tmp_path / "runs.sqlite", "h").close()  # free again once closed


def test_a_file_that_is_not_a_store_is_refused(tmp_path):
    (tmp_path / "runs.sqlite").write_text("not a database, just text " * 100)
    with pytest.raises(StoreError, match="not a sweep result store"):
        ResultStore(tmp_path / "runs.sqlite", "h")


def test_each_record_is_committed_at_once(tmp_path):
    # a second connection (another process after a crash) sees every recorded run immediately
    with ResultStore(tmp_path / "runs.sqlite", "h") as st:
        for r in range(3):
            st.record(0, "macro", r, {"roi": float(r)})
            with sqlite3.connect(tmp_path / "runs.sqlite") as other:
                assert other.execute("SELECT COUNT(*) FROM runs").fetchone()[0] == r + 1


def test_exports(tmp_path):
    rows = [{"a": 1, "b": 0.1, "c": "x"}, {"a": 2, "b": math.nan, "c": None}]
    write_csv(rows, ["a", "b", "c"], tmp_path / "t.csv")
    assert (tmp_path / "t.csv").read_text().splitlines() == ["a,b,c", "1,0.1,x", "2,nan,"]
    pq = pytest.importorskip("pyarrow.parquet")
    assert write_parquet(rows, ["a", "b", "c"], tmp_path / "t.parquet")
    t = pq.read_table(tmp_path / "t.parquet").to_pylist()
    assert t[0] == {"a": 1, "b": 0.1, "c": "x"} and t[1]["c"] is None


# -- a full disk is not damage ---------------------------------------------------------------------------
class _FailingDB:
    """An SQLite connection whose statements matching ``when`` fail with SQLite error ``code``."""

    def __init__(self, real, when: str, code: int, message: str):
        self.real, self.when, self.code, self.message = real, when, code, message

    def execute(self, sql, *args):
        if self.when in sql:
            exc = sqlite3.OperationalError(self.message)
            exc.sqlite_errorcode = self.code
            raise exc
        return self.real.execute(sql, *args)

    def __getattr__(self, name):
        return getattr(self.real, name)

    def __enter__(self):
        return self.real.__enter__()

    def __exit__(self, *exc):
        return self.real.__exit__(*exc)


def _failing(monkeypatch, when, code, message):
    real_connect = sqlite3.connect
    monkeypatch.setattr("sim.studies.store.sqlite3.connect",
                        lambda *a, **k: _FailingDB(real_connect(*a, **k), when, code, message))


@pytest.mark.parametrize("code,message,cause", [
    (sqlite3.SQLITE_FULL, "database or disk is full", "no space left on device"),
    (sqlite3.SQLITE_IOERR, "disk I/O error", ""),
    (sqlite3.SQLITE_READONLY, "attempt to write a readonly database", ""),
])
def test_a_store_that_cannot_be_written_is_not_called_damaged(tmp_path, monkeypatch, code, message, cause):
    _failing(monkeypatch, "CREATE TABLE", code, message)
    with pytest.raises(StoreWriteError) as err:
        ResultStore(tmp_path / "runs.sqlite", "h")
    text = str(err.value)
    assert "not a sweep result store" not in text and text.startswith(f"cannot write {tmp_path}/runs.sqlite: ")
    assert cause in text and message in text and err.value.exit_code == 1 and "\n" not in text


def test_recording_on_a_full_disk_is_a_write_error_and_keeps_earlier_runs(tmp_path, monkeypatch):
    with ResultStore(tmp_path / "runs.sqlite", "h") as st:
        st.record(0, "macro", 0, {"roi": 1.0})
    _failing(monkeypatch, "INSERT INTO runs", sqlite3.SQLITE_FULL, "database or disk is full")
    with ResultStore(tmp_path / "runs.sqlite", "h") as st:
        with pytest.raises(StoreWriteError, match="no space left on device"):
            st.record(0, "macro", 1, {"roi": 2.0})
        assert st.done() == {(0, "macro", 0)}


def test_damage_is_still_called_damage(tmp_path):
    (tmp_path / "runs.sqlite").write_bytes(b"SQLite format 3\0" + b"\xff" * 4000)
    with pytest.raises(StoreError, match="not a sweep result store") as err:
        ResultStore(tmp_path / "runs.sqlite", "h")
    assert not isinstance(err.value, StoreWriteError) and err.value.exit_code == 2


def test_a_lock_that_cannot_be_created_names_the_path_and_cause(tmp_path, monkeypatch):
    real_open = os.open

    def ro(path, flags, *a):
        if str(path).endswith(".lock"):
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, flags, *a)

    monkeypatch.setattr("sim.studies.store.os.open", ro)
    with pytest.raises(StoreWriteError) as err:
        ResultStore(tmp_path / "runs.sqlite", "h")
    assert str(err.value) == f"cannot open {tmp_path}/runs.lock: Read-only file system"


def test_exports_leave_nothing_behind_and_name_the_file_on_failure(tmp_path, monkeypatch):
    class Boom:
        def __init__(self, *a):
            pass

        def writerow(self, row):
            raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("sim.studies.store.csv.writer", Boom)
    with pytest.raises(OSError) as err:
        write_csv([{"a": 1}], ["a"], tmp_path / "t.csv")
    assert err.value.filename == str(tmp_path / "t.csv") and err.value.errno == errno.ENOSPC
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(KeyboardInterrupt):  # Ctrl-C or SIGTERM mid-write: the temporary goes too
        with atomic_file(tmp_path / "u.txt") as fh:
            fh.write("half")
            raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


# -- issue 17, point 5: no lock file left, and two writers still cannot share a folder -----------------------
HOLD = r"""
import sys
from sim.studies.store import ResultStore
store = ResultStore(sys.argv[1], "h")
print("holding", flush=True)
sys.stdin.read()  # until the test closes our stdin (or kills us)
store.close()
"""


def _holder(path):
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(path)], cwd=root, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "holding"
    return proc


def test_a_closed_store_leaves_no_lock_file(tmp_path):
    with ResultStore(tmp_path / "runs.sqlite", "h") as st:
        assert (tmp_path / "runs.lock").exists()  # held while open
        st.record(0, "macro", 0, {"roi": 1.0})
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs.sqlite"]
    with pytest.raises(KeyboardInterrupt):  # Ctrl-C or SIGTERM while it is open: the same
        with ResultStore(tmp_path / "runs.sqlite", "h"):
            raise KeyboardInterrupt
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs.sqlite"]
    with pytest.raises(StoreError, match="another sweep"):  # a store that refuses to open cleans up too
        ResultStore(tmp_path / "runs.sqlite", "other")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs.sqlite"]


def test_a_store_held_by_another_process_is_refused_until_that_process_ends(tmp_path):
    holder = _holder(tmp_path / "runs.sqlite")
    try:
        with pytest.raises(StoreError, match="in use by another running sweep"):
            ResultStore(tmp_path / "runs.sqlite", "h")
    finally:
        holder.stdin.close()
        assert holder.wait(timeout=30) == 0
    assert not (tmp_path / "runs.lock").exists()
    ResultStore(tmp_path / "runs.sqlite", "h").close()  # free again


def test_the_lock_file_of_a_process_killed_with_kill_9_is_taken_over_and_removed(tmp_path):
    holder = _holder(tmp_path / "runs.sqlite")
    holder.kill()  # no cleanup: the empty lock file stays, its lock dies with the process
    holder.wait(timeout=30)
    holder.stdin.close()
    assert (tmp_path / "runs.lock").exists()
    with ResultStore(tmp_path / "runs.sqlite", "h"):
        with pytest.raises(StoreError, match="in use"):
            ResultStore(tmp_path / "runs.sqlite", "h")
    assert not (tmp_path / "runs.lock").exists()


def test_a_writer_that_locks_a_removed_lock_file_tries_again_and_is_refused(tmp_path, monkeypatch):
    # A opens and locks runs.lock; B opens the same file, then A closes (removing the file) and C creates a new
    # runs.lock and locks it; B's flock now succeeds on the removed file. Without the check that the file B
    # locked is still the one at the path, B and C would write the same store at once.
    lock = tmp_path / "runs.lock"
    first = ResultStore(tmp_path / "runs.sqlite", "h")
    stale = os.open(lock, os.O_RDWR)  # B's open, before A removes the file
    first.close()
    assert not lock.exists()
    third = ResultStore(tmp_path / "runs.sqlite", "h")  # C: a new lock file
    real_open = os.open
    calls = []

    def b_opens(path, flags, *a):
        calls.append(path)
        return stale if len(calls) == 1 and str(path) == str(lock) else real_open(path, flags, *a)

    monkeypatch.setattr("sim.studies.store.os.open", b_opens)
    with pytest.raises(StoreError, match="in use by another running sweep"):
        ResultStore(tmp_path / "runs.sqlite", "h")  # B
    monkeypatch.undo()
    assert len(calls) == 2  # B locked the removed file, noticed, and opened the path again
    third.close()
    assert not lock.exists()
