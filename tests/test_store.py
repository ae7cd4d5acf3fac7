import math
import sqlite3

import pytest

from sim.studies.store import ResultStore, StoreError, write_csv, write_parquet


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
