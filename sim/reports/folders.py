"""Output folders: where a run, sweep or experiment writes its files, whole or not at all.

- :func:`output_folder` checks ``--out`` before any work (bad input: exit 2); with
  ``create=False`` it creates nothing, so a run that fails before its results exist
  leaves no folder (not even ``./runs/``).
- :func:`atomic_folder` writes a folder into a hidden sibling ``.influsim-PID-XXXX/`` and
  renames it into place (after an fsync of every file and of the folders), with the
  user's umask; it creates the missing parent folders first; on any failure, Ctrl-C or
  SIGTERM the sibling and the parents it created are removed and an ``OSError`` names
  the output path, not the temporary one.
- :class:`Janitor` removes what a process killed with ``kill -9`` cannot: a small helper
  process that waits for the end of the pipe from its parent, and when the parent dies
  without saying goodbye removes its temporary folders and files (``.influsim-PID-*``,
  ``NAME.tmpPID``, the population cache's ``NAME.PID-HEX.tmp``) from the folders it
  watches.
- :func:`remove_stale` removes the temporaries that a process which died (any way) left
  behind, so that they never fill a small disk and block a resume.
"""

from __future__ import annotations

import contextlib
import functools
import os
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from sim.errors import ScenarioError

#: Names of our temporaries, each with the pid of the process writing it: a folder being written
#: (:func:`atomic_folder`), a file being written (:func:`sim.studies.store.atomic_file`, in output folders)
#: and a population cache entry being written (:func:`sim.world.disk_store.save`).
FOLDER, FILE, CACHE_ENTRY = (re.compile(r"^\.influsim-(\d+)-"),
                             re.compile(r"^[^/]+\.(?:csv|parquet|json|html|txt)\.tmp(\d+)$"),
                             re.compile(r"^population-[^/]+\.(\d+)-[0-9a-f]+\.tmp$"))
TEMPORARY = (FOLDER, FILE, CACHE_ENTRY)


def output_folder(arg: str | None, create: bool = True) -> Path:
    """The output folder for ``--out`` (``None``: a new time-stamped folder under ./runs/), checked writable.

    An existing folder must be empty; the folder itself is created only when the output is
    complete (the caller writes into a temporary sibling and renames it).

    Parameters
    ----------
    arg : str or None
        ``--out`` as given.
    create : bool
        Create the missing parent folders now (for a caller that writes into
        ``out.parent`` itself). ``False``: create nothing; only check that the nearest
        existing ancestor is a writable folder, and leave the parents to
        :func:`atomic_folder`, which creates them when the output is written and
        removes them again if that fails.

    Examples
    --------
    >>> d = Path(tempfile.mkdtemp())
    >>> out = output_folder(str(d / "a" / "b" / "out"), create=False)
    >>> out == (d / "a" / "b" / "out").resolve(), sorted(d.iterdir())
    (True, [])
    """
    if arg is None:
        base = Path("runs")
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        out, k = base / stamp, 1
        while out.exists():
            k += 1
            out = base / f"{stamp}-{k}"
    else:
        out = Path(arg)
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise ScenarioError("--out", f"{out} exists and is not an empty folder")
    if create:
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ScenarioError("--out", f"cannot create {out.parent} ({exc.strerror})") from None
        if not os.access(out.parent, os.W_OK):
            raise ScenarioError("--out", f"{out.parent} is not writable")
        return out.resolve()
    out = out.resolve()
    existing = out.parent
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if not existing.is_dir():
        raise ScenarioError("--out", f"cannot create {out.parent} ({existing} is not a folder)")
    if not os.access(existing, os.W_OK | os.X_OK):
        raise ScenarioError("--out", f"{existing} is not writable")
    return out


def _make_parents(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing ancestors; the ones created, deepest first."""
    missing = []
    while not folder.exists() and folder != folder.parent:
        missing.append(folder)
        folder = folder.parent
    created = []
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


# -- whole or not at all ---------------------------------------------------------------------------
def umask() -> int:
    """This process's umask, read without changing it (``/proc``), else by setting it back at once."""
    with contextlib.suppress(OSError, ValueError):
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("Umask:"):
                return int(line.split()[1], 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def folder_mode() -> int:
    """The mode of a new folder under the user's umask (``mkdtemp`` would give 0700)."""
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
    for root, dirs, files in os.walk(folder):
        for name in files:
            _fsync(Path(root) / name)
        _fsync(Path(root))


@contextlib.contextmanager
def atomic_folder(out: str | Path, janitor: Janitor | None = None):
    """Write the folder ``out`` whole or not at all: yields an empty folder to fill.

    The folder yielded is ``.influsim-PID-XXXX/NAME`` next to ``out``; when the block ends
    its files and the folder are fsynced, it gets the user's umask mode and is renamed to
    ``out`` (which must not exist, or be an empty folder), and the parent folder is fsynced.
    Missing parent folders of ``out`` are created first. On any failure, Ctrl-C or SIGTERM
    the temporary folder and the parents created here (if empty) are removed; an
    ``OSError`` names the path under ``out``. A ``janitor`` removes the temporary folder
    even after ``kill -9`` (the parents it created may then stay, empty).

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
    out = Path(out)
    janitor = janitor or current_janitor()
    created = _make_parents(out.parent)  # (``output_folder(create=False)`` made none: a failed run leaves nothing)
    # folders left by runs that died with their janitor (a power cut); only ours: the folder is the user's
    remove_stale(out.parent, older_than=3600, patterns=(FOLDER,))
    try:
        stage = Path(tempfile.mkdtemp(prefix=f".influsim-{os.getpid()}-", dir=out.parent))
    except OSError as exc:
        _remove_empty(created)
        raise OSError(exc.errno, exc.strerror, str(out)) from None
    if janitor is not None:
        janitor.own(stage)
    payload = stage / out.name
    try:
        payload.mkdir()
        yield payload
        os.chmod(payload, folder_mode())
        _fsync_tree(payload)
        os.replace(payload, out)  # the folder appears whole or not at all
        with contextlib.suppress(OSError):  # the rename is durable once the parent is synced; done either way
            _fsync(out.parent)
        stage.rmdir()
    except BaseException as exc:
        shutil.rmtree(stage, ignore_errors=True)
        _remove_empty(created)  # the parents this call created (./runs/ of a first run), if still empty
        if isinstance(exc, OSError):
            raise _renamed(exc, payload, out) from None
        raise
    finally:
        if janitor is not None:
            janitor.release(stage)


def _renamed(exc: OSError, tmp: Path, out: Path) -> OSError:
    """``exc`` naming the file under ``out`` instead of the one under the temporary folder."""
    name = exc.filename
    if name is None:
        name = out
    else:
        name = str(name)
        if name.startswith(str(tmp.parent)):
            rest = Path(name).relative_to(tmp.parent).parts[1:]
            rest = [p for p in rest if not p.startswith(".influsim-")]
            name = out.joinpath(*rest)
            name = re.sub(r"\.tmp\d+$", "", str(name))
    return OSError(exc.errno, exc.strerror or str(exc), str(name))


# -- temporaries of dead processes -----------------------------------------------------------------
def temporary_pid(name: str, patterns=None) -> int | None:
    """The pid in the name of one of our temporaries (``patterns``: :data:`TEMPORARY`), else None.

    Examples
    --------
    >>> [temporary_pid(n) for n in (".influsim-42-x1y2", "report.html.tmp42", "population-ab.npz.42-9f.tmp",
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
    >>> for name in ("report.html", f"report.html.tmp{os.getpid()}", f"runs.csv.tmp{2 ** 22 + 1}"):
    ...     _ = (d / name).write_text("x")
    >>> [p.name for p in remove_stale(d)], sorted(p.name for p in d.iterdir())[0]
    (['runs.csv.tmp4194305'], 'report.html')
    """
    import time

    removed = []
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


class Janitor:
    """A helper process that cleans up after this one if it dies without saying goodbye (``kill -9``).

    It watches folders (:meth:`watch`) and paths (:meth:`own`); when the pipe from this
    process ends without :meth:`close` (however this process died), it waits for this
    process to be gone, removes the owned paths and, in the watched folders, the
    temporaries of this process and of the processes named with :meth:`adopt`, and
    exits. It takes no Ctrl-C (this process handles that) and costs one small Python
    process (standard library only).

    Examples
    --------
    >>> d = Path(tempfile.mkdtemp())
    >>> with Janitor([d]) as j:
    ...     j.alive()
    True
    """

    def __init__(self, folders=()):
        self._proc = None
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", _janitor_source(), str(os.getpid())], stdin=subprocess.PIPE,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, text=True, close_fds=True)
        except (OSError, TypeError):
            self._proc = None  # no janitor: Ctrl-C and SIGTERM still clean up; kill -9 may leave temporaries
        for f in folders:
            self.watch(f)

    def _send(self, line: str) -> None:
        if self._proc is None or self._proc.stdin is None:
            return
        try:
            self._proc.stdin.write(line + "\n")
            self._proc.stdin.flush()
        except (OSError, ValueError):  # the janitor is gone: carry on without it
            self._proc = None

    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def watch(self, folder: str | Path) -> None:
        """Remove this process's temporaries in ``folder`` if it dies."""
        self._send(f"watch {os.fspath(Path(folder).resolve())}")

    def own(self, path: str | Path) -> None:
        """Remove ``path`` (a file or folder) if this process dies before :meth:`release`."""
        self._send(f"own {os.fspath(Path(path).resolve())}")

    def release(self, path: str | Path) -> None:
        self._send(f"release {os.fspath(Path(path).resolve())}")

    def adopt(self, pid: int) -> None:
        """Remove the temporaries of process ``pid`` (a worker) too."""
        self._send(f"pid {int(pid)}")

    def close(self) -> None:
        """Say goodbye: the janitor exits without removing anything."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        with contextlib.suppress(OSError, ValueError):
            proc.stdin.write("bye\n")
            proc.stdin.close()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


_CURRENT: list[Janitor] = []


def current_janitor() -> Janitor | None:
    """The janitor of the innermost :func:`guarded` block, if any."""
    return _CURRENT[-1] if _CURRENT else None


@contextlib.contextmanager
def guarded(*folders):
    """A :class:`Janitor` for the block (the one already running, if any) that watches ``folders`` too.

    Examples
    --------
    >>> with guarded(tempfile.gettempdir()) as j, guarded() as inner:
    ...     inner is j is current_janitor()
    True
    >>> current_janitor() is None
    True
    """
    if _CURRENT:
        for f in folders:
            _CURRENT[-1].watch(f)
        yield _CURRENT[-1]
        return
    janitor = Janitor(folders)
    _CURRENT.append(janitor)
    try:
        yield janitor
    finally:
        _CURRENT.remove(janitor)
        janitor.close()


def _janitor_main(parent: int) -> None:  # runs in the janitor process: standard library only
    import os
    import signal
    import sys
    import time

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    folders, owned, pids = set(), set(), {parent}
    for line in sys.stdin:
        cmd, _, arg = line.rstrip("\n").partition(" ")
        if cmd == "bye":
            return
        if cmd == "watch":
            folders.add(arg)
        elif cmd == "own":
            owned.add(arg)
        elif cmd == "release":
            owned.discard(arg)
        elif cmd == "pid":
            pids.add(int(arg))
    # the pipe ended without a goodbye: the parent died (kill -9, a crash, the OOM killer)
    deadline = time.time() + 10
    while alive(parent) and time.time() < deadline:
        time.sleep(0.05)
    for path in owned:
        try:
            shutil.rmtree(path) if os.path.isdir(path) and not os.path.islink(path) else os.unlink(path)
        except OSError:
            pass
    for _ in range(20):  # workers may outlive the parent by a moment, and leave a temporary as they go
        for folder in folders:
            remove_stale(folder, pids=pids)
        if not any(alive(p) for p in pids):
            break
        time.sleep(0.25)


@functools.cache
def _janitor_source() -> str:
    import inspect

    parts = ["import contextlib, os, re, shutil, sys",
             "from pathlib import Path",
             f"TEMPORARY = tuple(re.compile(p) for p in {[p.pattern for p in TEMPORARY]!r})"]
    # the janitor removes only the temporaries of its parent (and of the processes it adopted)
    parts += [inspect.getsource(f) for f in (temporary_pid, alive, remove_stale, _janitor_main)]
    parts.append("_janitor_main(int(sys.argv[1]))")
    return "\n".join(parts)

