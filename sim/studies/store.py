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

import contextlib
import csv
import errno
import json
import math
import os
import sqlite3
import time
from pathlib import Path

from sim.atomic import atomic_file
from sim.errors import InfluSimError

SCHEMA_VERSION = 1


class StoreError(InfluSimError):
    """The output folder holds another sweep's results, or is in use, or is not a store (exit code 2)."""

    exit_code = 2


class StoreWriteError(StoreError):
    """The store cannot be written: full disk, file size limit, read-only folder, I/O error (exit code 1).

    Not damage: the runs recorded so far are intact, and a rerun once the cause is gone resumes.
    """

    exit_code = 1


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

    db: sqlite3.Connection  # open from __init__ until close() sets it to None; no method runs after that
    _lock: int | None

    def __init__(self, path: str | Path, sweep_hash: str, meta: dict | None = None):
        self.path = Path(path)
        self.db = self._lock = None  # type: ignore[assignment]  # not open yet (db is only read once set)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreWriteError(f"cannot create {self.path.parent}: {os_cause(exc)}") from None
        self._lock = _lock(self.path.with_suffix(".lock"))
        try:
            # isolation_level=None: we open and commit transactions ourselves
            self.db = sqlite3.connect(self.path, isolation_level=None, timeout=30)
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=FULL")  # a committed run survives a power cut too
            self._init(sweep_hash, meta or {})
        except sqlite3.Error as exc:
            self.close()
            raise store_error(exc, self.path) from None
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
            if db.in_transaction:  # SQLite has rolled back already after some errors (a full disk)
                with contextlib.suppress(sqlite3.Error):
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
        with self._errors():
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
        with self._errors(), self.db:
            self.db.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, value))

    @contextlib.contextmanager
    def _errors(self):
        """SQLite errors as one-line StoreErrors that tell a full disk from damage."""
        try:
            yield
        except sqlite3.Error as exc:
            raise store_error(exc, self.path) from None

    # -- reading -----------------------------------------------------------------------------
    def done(self) -> set[tuple[int, str, int]]:
        """Keys ``(point, strategy, replicate)`` of successful runs (the ones a rerun skips)."""
        with self._errors():
            return {tuple(r) for r in
                    self.db.execute("SELECT point, strategy, replicate FROM runs WHERE status = 'ok'")}

    def counts(self) -> dict:
        """``{"ok": n, "failed": m}``."""
        out = {"ok": 0, "failed": 0}
        with self._errors():
            out.update(dict(self.db.execute("SELECT status, COUNT(*) FROM runs GROUP BY status")))
        return out

    def meta(self) -> dict:
        with self._errors():
            return dict(self.db.execute("SELECT key, value FROM meta"))

    def rows(self) -> list[dict]:
        """Every recorded run, ordered by key, with metrics decoded (NaN restored)."""
        out = []
        with self._errors():
            found = self.db.execute("SELECT point, strategy, replicate, status, metrics, error, seconds FROM runs "
                                    "ORDER BY point, strategy, replicate").fetchall()
        for point, strategy, rep, status, metrics, error, seconds in found:
            m = {k: (math.nan if v is None else v) for k, v in json.loads(metrics).items()} if metrics else {}
            out.append({"point": point, "strategy": strategy, "replicate": rep, "status": status, "metrics": m,
                        "error": error, "seconds": seconds})
        return out

    def close(self) -> None:
        db = getattr(self, "db", None)
        if db is not None:
            self.db = None  # type: ignore[assignment]  # closed: no method runs after close()
            with contextlib.suppress(sqlite3.Error):  # closing checkpoints the journal: a full disk may refuse
                db.close()
        if (lock := getattr(self, "_lock", None)) is not None:
            _unlock(lock, self.path.with_suffix(".lock"))  # removes the lock file, then releases the flock
            self._lock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _lock(path: Path) -> int | None:
    """An exclusive lock on ``path`` so that two sweeps never write into one folder (released on any exit).

    ``flock`` on ``path``, created if missing; :func:`_unlock` removes the file while it
    still holds the lock, so a finished, failed or interrupted (Ctrl-C, SIGTERM) sweep
    leaves no lock file. Removing a lock file opens a race that this closes: a process
    that opened the file before its holder removed it can lock the removed file, while a
    third process creates a new one and locks that; so once locked, the file at ``path``
    must still be the one locked (same device and inode), else we open it again. A
    process killed with ``kill -9`` leaves the empty file behind (its lock dies with it):
    the next store opened in the folder takes it over and removes it when it closes.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> fd = _lock(folder / "runs.lock")
    >>> _lock(folder / "runs.lock")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    sim.studies.store.StoreError: ... is in use by another running sweep
    >>> _unlock(fd, folder / "runs.lock"); list(folder.iterdir())
    []
    """
    try:
        import fcntl
    except ImportError:  # Windows: no lock, SQLite still keeps each run atomic
        return None
    for _ in range(100):  # another round only when the file was replaced meanwhile
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)  # the user's umask applies
        except OSError as exc:
            raise StoreWriteError(f"cannot open {path}: {os_cause(exc)}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise StoreError(f"{path.parent} is in use by another running sweep") from None
        if _is_file_of(fd, path):
            return fd
        os.close(fd)  # we locked a file its holder has just removed: lock the one at path now
    raise StoreError(f"{path.parent} is in use by another running sweep")


def _is_file_of(fd: int, path: Path) -> bool:
    """Whether the open file ``fd`` is the file at ``path`` now (not one removed or replaced)."""
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path))
    except OSError:
        return False


def _unlock(fd: int, path: Path) -> None:
    """Remove the lock file ``path`` of :func:`_lock` (if it is still ours), then release the lock ``fd``."""
    try:
        if _is_file_of(fd, path):
            with contextlib.suppress(OSError):  # a read-only folder: the empty file stays, harmless
                os.unlink(path)
    finally:
        os.close(fd)


def store_error(exc: sqlite3.Error, path: Path) -> StoreError:
    """One line for an SQLite error on the store ``path``: damage, or a folder that cannot be written.

    Only a file that SQLite finds is not a database, or is corrupt, is called "not a sweep
    result store"; a full disk, a file size limit (``ulimit -f``), a read-only folder or an
    I/O error is a :class:`StoreWriteError` that names the cause.

    Examples
    --------
    >>> e = sqlite3.OperationalError("database or disk is full"); e.sqlite_errorcode = sqlite3.SQLITE_FULL
    >>> str(store_error(e, Path("/o/runs.sqlite")))
    'cannot write /o/runs.sqlite: no space left on device (database or disk is full)'
    >>> e = sqlite3.DatabaseError("file is not a database"); e.sqlite_errorcode = sqlite3.SQLITE_NOTADB
    >>> str(store_error(e, Path("/o/runs.sqlite")))
    '/o/runs.sqlite is not a sweep result store (file is not a database)'
    """
    code = getattr(exc, "sqlite_errorcode", None)
    primary = None if code is None else code & 0xFF
    if primary in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT):
        return StoreError(f"{path} is not a sweep result store ({exc})")
    if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return StoreError(f"{path.parent} is in use by another process ({exc})")
    if primary == sqlite3.SQLITE_FULL:
        return StoreWriteError(f"cannot write {path}: {_full_cause(path)} ({exc})")
    if primary == sqlite3.SQLITE_IOERR:
        return StoreWriteError(f"cannot write {path}: {_io_cause(path)} ({exc})")
    if primary in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM):
        return StoreWriteError(f"cannot write {path}: {_access_cause(path)} ({exc})")
    return StoreWriteError(f"cannot use {path} ({exc})")


def os_cause(exc: OSError) -> str:
    """The cause of an OSError in words, with a hint for a file size limit.

    Examples
    --------
    >>> os_cause(OSError(errno.EFBIG, "File too large"))
    'File too large (the file size limit, ulimit -f)'
    >>> os_cause(OSError(errno.ENOSPC, "No space left on device"))
    'No space left on device'
    """
    text = exc.strerror or (os.strerror(exc.errno) if exc.errno else str(exc)) or type(exc).__name__
    if exc.errno == errno.EFBIG:
        text += " (the file size limit, ulimit -f)"
    return text


def _free_bytes(path: Path) -> int | None:
    try:
        st = os.statvfs(path.parent)
    except OSError:
        return None
    return st.f_bavail * st.f_frsize


def _size_limited() -> bool:
    try:
        import resource
    except ImportError:
        return False
    return resource.getrlimit(resource.RLIMIT_FSIZE)[0] != resource.RLIM_INFINITY


def _full_cause(path: Path) -> str:
    free = _free_bytes(path)
    if _size_limited() and (free is None or free > 1 << 20):
        return "file too large (the file size limit, ulimit -f)"
    return "no space left on device"


def _io_cause(path: Path) -> str:
    # SQLite reports a write cut short by a full disk or a file size limit as an I/O error
    free = _free_bytes(path)
    if free is not None and free < 1 << 20:
        return "no space left on device"
    if _size_limited():
        return "file too large (the file size limit, ulimit -f)"
    return "disk I/O error"


def _access_cause(path: Path) -> str:
    try:
        if os.statvfs(path.parent).f_flag & os.ST_RDONLY:
            return "read-only file system"
    except (OSError, AttributeError):
        pass
    return "permission denied" if not os.access(path.parent, os.W_OK) else "cannot open the database"


def _json_num(v):
    # JSON has no NaN; None stands for it (e.g. cost per acquisition with no buyer)
    v = float(v)
    return None if not math.isfinite(v) else v


# -- exports ---------------------------------------------------------------------------------------
def write_csv(rows: list[dict], columns: list[str], path: Path) -> None:
    """Write ``rows`` (dicts) to CSV atomically; floats as repr, NaN as ``nan``, None as empty."""
    with atomic_file(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(columns)
        for r in rows:
            w.writerow([_cell(r.get(c)) for c in columns])


def write_parquet(rows: list[dict], columns: list[str], path: Path) -> bool:
    """Write ``rows`` to Parquet if pyarrow is installed; returns whether it did."""
    try:
        import pyarrow as pa
        import pyarrow.parquet as pq
    except ImportError:
        return False
    table = pa.Table.from_pylist([{c: r.get(c) for c in columns} for r in rows])
    with atomic_file(path, "wb") as fh:
        pq.write_table(table, fh)
    return True


def _cell(v) -> str:
    if v is None:
        return ""
    if isinstance(v, float):
        return "nan" if v != v else repr(v)
    return str(v)
