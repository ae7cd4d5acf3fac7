"""Files and folders written whole or not at all: the one atomic-write helper of the project.

- :func:`atomic_file` opens a temporary sibling ``NAME.PID-HEX.tmp`` (:func:`temporary_name`) in the
  same folder with the user's umask, and on a clean exit flushes and fsyncs it, renames it over the
  file (``os.replace``) and fsyncs the folder; on any failure, Ctrl-C or SIGTERM the temporary is
  removed and an ``OSError`` names the file, not the temporary.
- :func:`atomic_write_text` writes a string with it.
- :func:`atomic_folder` yields an empty folder inside a hidden sibling ``.influsim-PID-XXXX/``; on a
  clean exit every file and folder is fsynced, the folder gets the user's umask mode and is renamed
  into place. Missing parent folders are created first and removed again if the block fails.
- :func:`remove_stale` removes the temporaries (:data:`TEMPORARY`) that a dead process left; the
  current guard (:func:`guarded_by`, a janitor process of :mod:`sim.reports.folders`) removes the
  temporary folder of a process killed with ``kill -9``.

This module imports nothing from the project: every layer may use it.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any, Protocol

__all__ = ["FOLDER", "FILE", "TEMPORARY", "Guard", "alive", "atomic_file", "atomic_folder", "atomic_write_text",
           "current_guard", "folder_mode", "guarded_by", "remove_stale", "temporary_name", "temporary_pid", "umask"]

#: Names of our temporaries, each with the pid of the process writing it: a folder being written
#: (:func:`atomic_folder`) and a file being written (:func:`atomic_file`).
FOLDER, FILE = re.compile(r"^\.influsim-(\d+)-"), re.compile(r"^[^/]+\.(\d+)-[0-9a-f]+\.tmp$")
TEMPORARY = (FOLDER, FILE)
_WRITE_MODES = ("w", "wt", "wb")


class Guard(Protocol):
    """What removes a temporary folder if this process dies before the block ends (a janitor process)."""

    def own(self, path: str | Path) -> None: ...

    def release(self, path: str | Path) -> None: ...


_GUARDS: list[Guard] = []


@contextlib.contextmanager
def guarded_by(guard: Guard) -> Iterator[Guard]:
    """Make ``guard`` the one :func:`atomic_folder` hands its temporary folder to, for the block.

    Parameters
    ----------
    guard : Guard
        An object with ``own(path)`` and ``release(path)``.

    Examples
    --------
    >>> class Note:
    ...     def own(self, path): print("own", Path(path).name.startswith(".influsim-"))
    ...     def release(self, path): print("release")
    >>> d = Path(tempfile.mkdtemp())
    >>> with guarded_by(Note()), atomic_folder(d / "out") as f:
    ...     _ = (f / "a.txt").write_text("x")
    own True
    release
    >>> current_guard() is None
    True
    """
    _GUARDS.append(guard)
    try:
        yield guard
    finally:
        _GUARDS.remove(guard)


def current_guard() -> Guard | None:
    """The guard of the innermost :func:`guarded_by` block, if any."""
    return _GUARDS[-1] if _GUARDS else None


# -- permissions and durability ---------------------------------------------------------------------
def umask() -> int:
    """This process's umask, read without changing it (``/proc``), else by setting it back at once.

    Examples
    --------
    >>> 0 <= umask() <= 0o777
    True
    """
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def folder_mode() -> int:
    """The mode of a new folder under the user's umask (``mkdtemp`` would give 0700).

    Examples
    --------
    >>> folder_mode() == 0o777 & ~umask()
    True
    """
    return 0o777 & ~umask()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as exc:
        if exc.errno not in (22, 95):  # EINVAL, EOPNOTSUPP: the file system has no fsync for this
            raise
    finally:
        os.close(fd)


def _fsync_tree(folder: Path) -> None:
    for root, _dirs, files in os.walk(folder):
        for name in files:
            _fsync(Path(root) / name)
        _fsync(Path(root))


# -- one file ---------------------------------------------------------------------------------------
def temporary_name(path: str | Path) -> Path:
    """A new temporary sibling ``NAME.PID-HEX.tmp`` of ``path`` (:data:`FILE` matches it).

    Examples
    --------
    >>> name = temporary_name("out/report.html")
    >>> name.parent == Path("out"), temporary_pid(name.name) == os.getpid(), name.name.startswith("report.html.")
    (True, True, True)
    """
    path = Path(path)
    return path.with_name(f"{path.name}.{os.getpid()}-{secrets.token_hex(4)}.tmp")


@contextlib.contextmanager
def atomic_file(path: str | Path, mode: str = "w", **kwargs: Any) -> Iterator[IO[Any]]:
    """Open ``path`` for writing so that it appears whole or not at all.

    Parameters
    ----------
    path : str or Path
        The file to write; its folder must exist. An existing file is replaced.
    mode : {"w", "wt", "wb"}
        Text or binary, as for :func:`open`.
    **kwargs
        Passed to :func:`open` (``encoding``, ``newline``).

    Yields
    ------
    file object
        The temporary file ``NAME.PID-HEX.tmp`` in the same folder, created with mode 0666 less
        the user's umask.

    Raises
    ------
    OSError
        Any failure to write, naming ``path`` (a failed ``write`` alone names no file); the
        temporary is removed first, also on any other exception (Ctrl-C, SIGTERM).

    Examples
    --------
    >>> d = Path(tempfile.mkdtemp())
    >>> with atomic_file(d / "a.txt") as fh:
    ...     _ = fh.write("hello")
    >>> (d / "a.txt").read_text(), sorted(p.name for p in d.iterdir())
    ('hello', ['a.txt'])
    """
    if mode not in _WRITE_MODES:
        raise ValueError(f"atomic_file writes a whole file: mode must be one of {_WRITE_MODES}, got {mode!r}")
    path = Path(path)
    tmp = temporary_name(path)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the user's umask applies
        with os.fdopen(fd, mode, **kwargs) as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        if isinstance(exc, OSError):
            raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from None
        raise
    with contextlib.suppress(OSError):  # the rename is durable once the folder is synced; done either way
        _fsync(path.parent)


def atomic_write_text(path: str | Path, text: str, encoding: str = "utf-8") -> None:
    """Write ``text`` to ``path`` with :func:`atomic_file`.

    Examples
    --------
    >>> d = Path(tempfile.mkdtemp())
    >>> atomic_write_text(d / "a.txt", "hi")
    >>> (d / "a.txt").read_text()
    'hi'
    """
    with atomic_file(path, "w", encoding=encoding) as fh:
        fh.write(text)


# -- one folder -------------------------------------------------------------------------------------
def _make_parents(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing ancestors; the ones created, deepest first."""
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    created: list[Path] = []
    for path in reversed(missing):
        try:
            path.mkdir()
        except FileExistsError:  # another run made it meanwhile: not ours to remove
            continue
        except OSError as exc:
            _remove_empty(created[::-1])
            raise OSError(exc.errno, exc.strerror, str(path)) from None
        created.append(path)
    return created[::-1]


def _remove_empty(folders: list[Path]) -> None:
    """Remove ``folders`` (deepest first) that are empty; one that is not (another run's) is kept."""
    for path in folders:
        with contextlib.suppress(OSError):
            path.rmdir()


@contextlib.contextmanager
def atomic_folder(path: str | Path, guard: Guard | None = None) -> Iterator[Path]:
    """Write the folder ``path`` whole or not at all: yields an empty folder to fill.

    Parameters
    ----------
    path : str or Path
        The folder to create; it must not exist, or be an empty folder. Missing parent folders
        are created.
    guard : Guard, optional
        Told to own the temporary folder while the block runs, so that it goes even after
        ``kill -9`` (by default :func:`current_guard`).

    Yields
    ------
    Path
        ``.influsim-PID-XXXX/NAME`` next to ``path``. When the block ends its files and folders
        are fsynced, it gets the user's umask mode and is renamed to ``path``, and the parent
        folder is fsynced.

    Raises
    ------
    OSError
        A failure, naming the path under ``path`` rather than the temporary one. On any
        failure, Ctrl-C or SIGTERM the temporary folder and the parents created here (if
        empty) are removed.

    Examples
    --------
    >>> d = Path(tempfile.mkdtemp())
    >>> with atomic_folder(d / "out") as f:
    ...     _ = (f / "a.txt").write_text("hello")
    >>> sorted(p.name for p in d.iterdir()), (d / "out" / "a.txt").read_text()
    (['out'], 'hello')
    >>> oct((d / "out").stat().st_mode & 0o777) == oct(folder_mode())
    True
    >>> with atomic_folder(d / "other") as f:
    ...     _ = (f / "a.txt").write_text("half")
    ...     raise OSError(28, "No space left on device", str(f / "a.txt"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    OSError: [Errno 28] No space left on device: '.../other/a.txt'
    >>> sorted(p.name for p in d.iterdir())
    ['out']
    """
    out = Path(path)
    guard = guard or current_guard()
    created = _make_parents(out.parent)
    # folders left by runs that died with their janitor (a power cut); only ours: the folder is the user's
    remove_stale(out.parent, older_than=3600, patterns=(FOLDER,))
    try:
        stage = Path(tempfile.mkdtemp(prefix=f".influsim-{os.getpid()}-", dir=out.parent))
    except OSError as exc:
        _remove_empty(created)
        raise OSError(exc.errno, exc.strerror, str(out)) from None
    if guard is not None:
        guard.own(stage)
    payload = stage / out.name
    try:
        payload.mkdir()
        yield payload
        os.chmod(payload, folder_mode())
        _fsync_tree(payload)
        os.replace(payload, out)  # the folder appears whole or not at all
        with contextlib.suppress(OSError):
            _fsync(out.parent)
        stage.rmdir()
    except BaseException as exc:
        shutil.rmtree(stage, ignore_errors=True)
        _remove_empty(created)  # the parents this call created (./runs/ of a first run), if still empty
        if isinstance(exc, OSError):
            raise _renamed(exc, payload, out) from None
        raise
    finally:
        if guard is not None:
            guard.release(stage)


def _renamed(exc: OSError, tmp: Path, out: Path) -> OSError:
    """``exc`` naming the file under ``out`` instead of the one under the temporary folder."""
    name: Any = exc.filename
    if name is None:
        name = out
    else:
        name = str(name)
        if name.startswith(str(tmp.parent)):
            rest = [p for p in Path(name).relative_to(tmp.parent).parts[1:] if not p.startswith(".influsim-")]
            name = re.sub(r"\.\d+-[0-9a-f]+\.tmp$", "", str(out.joinpath(*rest)))
    return OSError(exc.errno, exc.strerror or str(exc), str(name))


# -- temporaries of dead processes ------------------------------------------------------------------
def temporary_pid(name: str, patterns=None) -> int | None:
    """The pid in the name of one of our temporaries (``patterns``: :data:`TEMPORARY`), else None.

    Examples
    --------
    >>> [temporary_pid(n) for n in (".influsim-42-x1y2", "report.html.42-9f0a1b2c.tmp", "population-ab.npz.42-9f.tmp",
    ...                              "report.html", ".influsim-abc", "notes.tmp42")]
    [42, 42, 42, None, None, None]
    """
    for pattern in patterns or TEMPORARY:
        m = pattern.search(name)
        if m:
            return int(m.group(1))
    return None


def alive(pid: int) -> bool:
    """Whether process ``pid`` is running on this machine (a zombie is not).

    Examples
    --------
    >>> alive(os.getpid()), alive(2 ** 22 + 1)
    (True, False)
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return pid > 0
    with contextlib.suppress(OSError, IndexError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat[stat.rindex(")") + 2] != "Z"
    return True


def remove_stale(folder: str | Path, older_than: float = 0.0, pids: set[int] | None = None,
                 dead_only: bool = True, patterns=None) -> list[Path]:
    """Remove our temporaries in ``folder`` whose writing process is dead; returns what went.

    ``older_than``: only those not modified for that many seconds (for folders other
    hosts may share); ``pids``: only those of these processes; ``dead_only=False``: the
    writer may be alive (this process, cleaning up after itself); ``patterns``: only
    these kinds (:data:`TEMPORARY` by default).

    Examples
    --------
    >>> d = Path(tempfile.mkdtemp())
    >>> for name in ("report.html", f"report.html.{os.getpid()}-ab.tmp", f"runs.csv.{2 ** 22 + 1}-ab.tmp"):
    ...     _ = (d / name).write_text("x")
    >>> [p.name for p in remove_stale(d)], sorted(p.name for p in d.iterdir())[0]
    (['runs.csv.4194305-ab.tmp'], 'report.html')
    """
    import time

    removed: list[Path] = []
    try:
        names = os.listdir(folder)
    except OSError:
        return removed
    now = time.time()
    for name in names:
        pid = temporary_pid(name, patterns)
        if pid is None or (pids is not None and pid not in pids) or (dead_only and alive(pid)):
            continue
        path = Path(folder) / name
        try:
            if older_than and now - path.lstat().st_mtime < older_than:
                continue
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
            removed.append(path)
        except OSError:
            continue  # gone meanwhile, or not ours to remove
    return removed
