"""Output folders: where a run, sweep or experiment writes its files, and who cleans up after ``kill -9``.

- :func:`output_folder` checks ``--out`` before any work (bad input: exit 2); with
  ``create=False`` it creates nothing, so a run that fails before its results exist
  leaves no folder (not even ``./runs/``). The folder is then written whole or not at all
  by :func:`sim.atomic.atomic_folder`.
- :class:`Janitor` removes what a process killed with ``kill -9`` cannot: a small helper
  process that waits for the end of the pipe from its parent, and when the parent dies
  without saying goodbye removes its temporary folders and files (:data:`sim.atomic.TEMPORARY`:
  ``.influsim-PID-*`` and ``NAME.PID-HEX.tmp``) from the folders it watches. Inside
  :func:`guarded` it is the guard of :func:`sim.atomic.atomic_folder`.
"""

from __future__ import annotations

import contextlib
import functools
import os
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

from sim.atomic import TEMPORARY, alive, current_guard, guarded_by, remove_stale, temporary_pid
from sim.errors import ScenarioError


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
        :func:`sim.atomic.atomic_folder`, which creates them when the output is written and
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


@contextlib.contextmanager
def guarded(*folders):
    """A :class:`Janitor` for the block (the one already running, if any) that watches ``folders`` too.

    Examples
    --------
    >>> with guarded(tempfile.gettempdir()) as j, guarded() as inner:
    ...     inner is j is current_guard()
    True
    >>> current_guard() is None
    True
    """
    running = current_guard()
    if isinstance(running, Janitor):
        for f in folders:
            running.watch(f)
        yield running
        return
    janitor = Janitor(folders)
    try:
        with guarded_by(janitor):
            yield janitor
    finally:
        janitor.close()


def _janitor_main(parent: int) -> None:  # runs in the janitor process: standard library only
    import os
    import shutil
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

