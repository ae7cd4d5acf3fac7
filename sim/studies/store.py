"""A crash-safe store of sweep runs: one SQLite file in the sweep's output folder.

Every finished run is one ``INSERT`` in its own transaction, keyed by
``(point, strategy, replicate)``, so a run is either fully recorded or not at all,
whatever kills the process (Ctrl-C, ``kill -9``, a power cut: SQLite's journal with
``synchronous=FULL``). A rerun asks :meth:`ResultStore.done` which runs to skip. A
successful run is never overwritten; a failed one (recorded with its error text) is
replaced when it is retried. The store remembers the hash of the sweep that created it
and refuses to take runs of another sweep.

Examples
--------
>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> with ResultStore(d / "runs.sqlite", "abc") as st:
...     a = st.record(0, "macro", 0, {"roi": 0.5})
...     b = st.record(0, "macro", 1, None, error="ValueError: boom")
...     sorted(st.done()), st.counts()
([(0, 'macro', 0)], {'ok': 1, 'failed': 1})
"""

from __future__ import annotations

import csv
import json
import math
import os
import sqlite3
import time
from pathlib import Path

from sim.errors import InfluSimError

SCHEMA_VERSION = 1


class StoreError(InfluSimError):
    """The output folder holds another sweep's results, or is in use, or is not a store."""


class ResultStore:
    """Runs of one sweep in an SQLite file (single writer: the process driving the sweep).

    Parameters
    ----------
    path : path of the SQLite file (created with its folder if missing)
    sweep_hash : identity of the sweep; opening a store made by another sweep raises StoreError
    meta : extra text to keep the first time (e.g. the sweep file), under ``meta``

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "runs.sqlite"
    >>> ResultStore(p, "one").close()
    >>> ResultStore(p, "two")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sim.studies.store.StoreError: ... holds the results of another sweep ...
    """

    def __init__(self, path: str | Path, sweep_hash: str, meta: dict | None = None):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = _lock(self.path.with_suffix(".lock"))
        try:
            # isolation_level=None: we open and commit transactions ourselves
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")  # a committed run survives a power cut too
            self._init(sweep_hash, meta or {})
        except sqlite3.DatabaseError as exc:
            self.close()
            raise StoreError(f"{self.path} is not a sweep result store ({exc})") from None
        except BaseException:
            self.close()
            raise

    def _init(self, sweep_hash: str, meta: dict) -> None:
        db = self.db
        db.execute("BEGIN IMMEDIATE")
        try:
            db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
            db.execute("""CREATE TABLE IF NOT EXISTS runs (
                point INTEGER NOT NULL, strategy TEXT NOT NULL, replicate INTEGER NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('ok', 'failed')),
                metrics TEXT, error TEXT, seconds REAL, finished REAL NOT NULL,
                PRIMARY KEY (point, strategy, replicate))""")
            row = db.execute("SELECT value FROM meta WHERE key = 'sweep_hash'").fetchone()
            if row is None:
                db.executemany("INSERT INTO meta VALUES (?, ?)",
                               [("sweep_hash", sweep_hash), ("schema_version", str(SCHEMA_VERSION)),
                                ("created", str(time.time()))] + [(k, str(v)) for k, v in meta.items()])
            elif row[0] != sweep_hash:
                raise StoreError(f"{self.path.parent} holds the results of another sweep (hash {row[0][:12]}, this "
                                 f"sweep is {sweep_hash[:12]}); use a new --out folder")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    # -- writing -----------------------------------------------------------------------------
    def record(self, point: int, strategy: str, replicate: int, metrics: dict | None, error: str | None = None,
               seconds: float | None = None) -> bool:
        """Record one finished run atomically; ``metrics=None`` with ``error`` records a failure.

        Returns False (and changes nothing) if the run is already recorded as successful:
        a run is never counted twice.
        """
        status = "ok" if error is None else "failed"
        payload = None if metrics is None else json.dumps({k: _json_num(v) for k, v in metrics.items()},
                                                          sort_keys=True)
        with self.db:  # one transaction per run
            cur = self.db.execute(
                """INSERT INTO runs VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                   ON CONFLICT (point, strategy, replicate) DO UPDATE SET
                     status = excluded.status, metrics = excluded.metrics, error = excluded.error,
                     seconds = excluded.seconds, finished = excluded.finished
                   WHERE runs.status != 'ok'""",
                (int(point), str(strategy), int(replicate), status, payload, error, seconds, time.time()))
        return cur.rowcount == 1

    def set_meta(self, key: str, value: str) -> None:
        with self.db:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    # -- reading -----------------------------------------------------------------------------
    def done(self) -> set[tuple[int, str, int]]:
        """Keys ``(point, strategy, replicate)`` of successful runs (the ones a rerun skips)."""
        return {tuple(r) for r in self.db.execute("SELECT point, strategy, replicate FROM runs WHERE status = 'ok'")}

    def counts(self) -> dict:
        """``{"ok": n, "failed": m}``."""
        out = {"ok": 0, "failed": 0}
        out.update(dict(self.db.execute("SELECT status, COUNT(*) FROM runs GROUP BY status")))
        return out

    def meta(self) -> dict:
        return dict(self.db.execute("SELECT key, value FROM meta"))

    def rows(self) -> list[dict]:
        """Every recorded run, ordered by key, with metrics decoded (NaN restored)."""
        out = []
        for point, strategy, rep, status, metrics, error, seconds in self.db.execute(
                "SELECT point, strategy, replicate, status, metrics, error, seconds FROM runs "
                "ORDER BY point, strategy, replicate"):
            m = {k: (math.nan if v is None else v) for k, v in json.loads(metrics).items()} if metrics else {}
            out.append({"point": point, "strategy": strategy, "replicate": rep, "status": status, "metrics": m,
                        "error": error, "seconds": seconds})
        return out

    def close(self) -> None:
        db = getattr(self, "db", None)
        if db is not None:
            db.close()
            self.db = None
        if self._lock is not None:
            os.close(self._lock)  # releases the flock
            self._lock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _lock(path: Path):
    """An exclusive lock on ``path`` so that two sweeps never write into one folder (released on any exit)."""
    try:
        import fcntl
    except ImportError:  # Windows: no lock, SQLite still keeps each run atomic
        return None
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise StoreError(f"{path.parent} is in use by another running sweep") from None
    return fd


def _json_num(v):
    # JSON has no NaN; None stands for it (e.g. cost per acquisition with no buyer)
    v = float(v)
    return None if not math.isfinite(v) else v


# -- exports ---------------------------------------------------------------------------------------
def write_csv(rows: list[dict], columns: list[str], path: Path) -> None:
    """Write ``rows`` (dicts) to CSV atomically; floats as repr, NaN as ``nan``, None as empty."""
    tmp = Path(f"{path}.tmp{os.getpid()}")
    with open(tmp, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        for r in rows:
            w.writerow([_cell(r.get(c)) for c in columns])
    os.replace(tmp, path)


def write_parquet(rows: list[dict], columns: list[str], path: Path) -> bool:
    """Write ``rows`` to Parquet if pyarrow is installed; returns whether it did."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        return False
    table = pa.Table.from_pylist([{c: r.get(c) for c in columns} for r in rows])
    tmp = Path(f"{path}.tmp{os.getpid()}")
    pq.write_table(table, tmp)
    os.replace(tmp, path)
    return True


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return "nan" if v != v else repr(v)
    return str(v)
