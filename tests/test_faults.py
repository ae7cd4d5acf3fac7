"""Faults: file-system failures, signals, killed parents and a lost Dask cluster.

Each failure must end in one line naming the path and the cause (exit 1; 2 for bad
input), leave no temporary file or folder behind, and leave no process of ours running;
a sweep stopped by a fault resumes and completes with no run lost, failed or counted twice.

The command line runs in subprocesses (``sys.executable -c PRELUDE ARGS``: the prelude
calls :func:`sim.cli.main`). To stop it at a known stage, the prelude wraps one function
(``FAULT_PAUSE``): when the stage is reached it creates the file ``FAULT_READY`` and
sleeps, and the test then sends its signal. Every process started carries the
environment variable ``INFLUSIM_FAULT_MARK``, so that the test finds them all in /proc,
whoever their parent is.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

import sim
from sim.cli import main

ROOT = Path(sim.__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(not Path("/proc/self/environ").exists(), reason="needs Linux /proc")
resource = pytest.importorskip("resource")  # ulimit -f

SMALL = """
[population]
size = 3000
represents = 500
[campaign]
days = 4
[run]
replicates = 4
"""

FIXED = SMALL + 'market = "fixed"\n'  # the market is built once and goes to the population cache

SWEEP = """
[sweep]
name = "faults"
seed = 3
replicates = 2
metrics = ["roi"]
[overrides]
population.size = 2000
population.represents = 1000
campaign.days = 2
parameters.offer_response_days = 0
[vary."brand.budget"]
values = [30000, 45000, 60000]
"""
N_SWEEP = 3 * 2 * 2  # points x strategies x replicates

# Stops the command at a stage: FAULT_PAUSE names it, FAULT_READY is the file created when it is reached.
PRELUDE = r"""
import os, sys, time
from pathlib import Path
stage, ready = os.environ.get("FAULT_PAUSE"), os.environ.get("FAULT_READY")

def pause():
    Path(ready).write_text(str(os.getpid()))
    time.sleep(600)

if stage in ("build", "export-run", "export-sweep"):
    real_replace = os.replace
    def replace(src, dst, *a, **k):
        name = os.path.basename(os.fspath(src))
        stage_folder = os.path.basename(os.path.dirname(os.fspath(src)))  # sim.atomic.atomic_folder's .influsim-*
        if ((stage == "build" and name.startswith("population-") and name.endswith(".tmp"))
                or (stage == "export-run" and stage_folder.startswith(".influsim-"))
                or (stage == "export-sweep" and name.startswith("report.html.") and name.endswith(".tmp"))):
            pause()
        return real_replace(src, dst, *a, **k)
    os.replace = replace
elif stage == "runs-run":
    import sim.studies.runs as runs
    real_as_completed = runs.as_completed
    def as_completed(fs):
        for k, fut in enumerate(real_as_completed(fs)):
            yield fut
            pause()
    runs.as_completed = as_completed
elif stage == "runs-sweep":
    from sim.studies.store import ResultStore
    real_record = ResultStore.record
    def record(self, *a, **k):
        out = real_record(self, *a, **k)
        pause()
        return out
    ResultStore.record = record

from sim.cli import main
sys.exit(main(sys.argv[1:]))
"""

TEMPORARY = re.compile(r"(^\.influsim-|\.tmp\d*$)")


@pytest.fixture
def env(tmp_path):
    """Environment of the commands: their own cache folder and a mark to find their processes by."""
    mark = uuid.uuid4().hex
    return {**os.environ, "INFLUSIM_CACHE": str(tmp_path / "cache"), "INFLUSIM_FAULT_MARK": mark,
            "PYTHONUNBUFFERED": "1", "FAULT_READY": str(tmp_path / "ready")}


def _start(args, env, pause=None, **kw) -> subprocess.Popen:
    e = dict(env)
    if pause:
        e["FAULT_PAUSE"] = pause
    return subprocess.Popen([sys.executable, "-c", PRELUDE, *map(str, args)], cwd=ROOT, env=e,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **kw)


def _run(args, env, timeout=120, **kw) -> subprocess.CompletedProcess:
    p = _start(args, env, **kw)
    out, err = p.communicate(timeout=timeout)
    return subprocess.CompletedProcess(p.args, p.returncode, out, err)


def _wait_ready(proc: subprocess.Popen, env, timeout=60.0) -> None:
    ready = Path(env["FAULT_READY"])
    deadline = time.time() + timeout
    while not ready.exists():
        if proc.poll() is not None:
            out, err = proc.communicate()
            pytest.fail(f"finished (exit {proc.returncode}) before the stage was reached:\n{err[-3000:]}")
        if time.time() > deadline:
            proc.kill()
            pytest.fail("the stage was not reached in time")
        time.sleep(0.02)


def ours(mark: str) -> list[tuple[int, str]]:
    """Processes (pid, command line) whose environment carries ``mark``."""
    found = []
    for d in Path("/proc").iterdir():
        if not d.name.isdigit():
            continue
        try:
            if f"INFLUSIM_FAULT_MARK={mark}".encode() not in (d / "environ").read_bytes().split(b"\0"):
                continue
            stat = (d / "stat").read_text()
            if stat[stat.rindex(")") + 2] == "Z":
                continue  # dead, waiting for its parent to read its status
            found.append((int(d.name), (d / "cmdline").read_bytes().replace(b"\0", b" ").decode()[:200]))
        except (OSError, ValueError):
            continue
    return found


def assert_none_left(mark: str, timeout: float = 15.0) -> None:
    deadline = time.time() + timeout
    while (left := ours(mark)) and time.time() < deadline:
        time.sleep(0.1)
    for pid, _ in left:  # do not leave them behind for the next tests
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    assert left == [], f"processes left running: {left}"


def temporaries(*folders: Path) -> list[str]:
    """Temporary files and folders (``.influsim-*``, ``*.tmp``, ``*.tmpPID``) in ``folders``."""
    found = []
    for folder in folders:
        if folder.is_dir():
            found += [str(p) for p in folder.iterdir() if TEMPORARY.search(p.name)]
    return found


def assert_no_temporaries(*folders: Path, timeout: float = 10.0) -> None:
    deadline = time.time() + timeout
    while (left := temporaries(*folders)) and time.time() < deadline:
        time.sleep(0.1)
    assert left == [], f"temporaries left behind: {left}"


def one_line(err: str) -> str:
    lines = [ln for ln in err.strip().splitlines() if not ln.startswith(("sweep ", "influsim: note:"))]
    assert "Traceback" not in err, err[-3000:]
    assert len(lines) == 1, err[-3000:]
    return lines[0]


def _count(db: Path, status: str | None = None) -> int:
    if not db.is_file():
        return 0
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=2) as con:
            q = "SELECT COUNT(*) FROM runs" + (" WHERE status = ?" if status else "")
            return con.execute(q, (status,) if status else ()).fetchone()[0]
    except sqlite3.OperationalError:
        return 0


# -- kills at every stage ---------------------------------------------------------------------------
STAGES = {  # (command, stage) -> the pause that stops the command there
    ("run", "build"): "build", ("run", "runs"): "runs-run", ("run", "export"): "export-run",
    ("sweep", "build"): "build", ("sweep", "runs"): "runs-sweep", ("sweep", "export"): "export-sweep",
}


@pytest.mark.parametrize("how", ["SIGTERM", "SIGKILL"])
@pytest.mark.parametrize("command,stage", list(STAGES))
def test_a_kill_at_any_stage_leaves_no_process_and_no_temporary(tmp_path, env, command, stage, how):
    out = tmp_path / "out"
    if command == "run":
        f = tmp_path / "small.toml"
        f.write_text(FIXED)
        args = ["run", f, "--out", out, "--workers", "2", "--no-progress"]
    else:
        f = tmp_path / "sweep.toml"
        # only a fixed market goes to the population cache (the driver builds it once, for every worker)
        f.write_text(SWEEP.replace("[overrides]\n", '[overrides]\nrun.market = "fixed"\n') if stage == "build"
                     else SWEEP)
        args = ["sweep", f, "--out", out, "--workers", "2", "--no-progress"]
    proc = _start(args, env, pause=STAGES[(command, stage)])
    try:
        _wait_ready(proc, env)
        proc.send_signal(getattr(signal, how))
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if how == "SIGTERM":  # handled like Ctrl-C: cleanup, one line, 128 + 15
        assert proc.returncode == 143, err[-3000:]
        assert one_line(err) == "influsim: terminated (SIGTERM)"
    else:
        assert proc.returncode == -signal.SIGKILL
    assert_none_left(env["INFLUSIM_FAULT_MARK"])
    assert_no_temporaries(tmp_path, tmp_path / "cache", out)
    if command == "run":
        assert not out.exists()  # whole or not at all
    elif stage == "runs":  # the runs recorded before the kill are kept, and a rerun completes
        assert _count(out / "runs.sqlite", "ok") >= 1
        r = _run(["sweep", f, "--out", out, "--workers", "1", "--no-progress"], env)
        assert r.returncode == 0, r.stderr[-3000:]
        assert _count(out / "runs.sqlite") == _count(out / "runs.sqlite", "ok") == N_SWEEP
        assert_no_temporaries(tmp_path, tmp_path / "cache", out)


def test_sigint_still_exits_130_with_one_line(tmp_path, env):
    f = tmp_path / "small.toml"
    f.write_text(SMALL)
    proc = _start(["run", f, "--out", tmp_path / "out", "--workers", "2", "--no-progress"], env, pause="export-run")
    _wait_ready(proc, env)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and one_line(err) == "influsim: interrupted"
    assert_none_left(env["INFLUSIM_FAULT_MARK"])
    assert_no_temporaries(tmp_path)
    assert not (tmp_path / "out").exists()


# -- the file system ----------------------------------------------------------------------------------
def _limit_file_size(nbytes: int):
    def pre():
        resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, nbytes))
    return pre


def test_run_past_the_file_size_limit_is_one_line_and_leaves_nothing(tmp_path, env):
    # the report (megabytes of HTML) goes past `ulimit -f`: SIGXFSZ used to kill the process
    f = tmp_path / "small.toml"
    f.write_text(SMALL)
    out = tmp_path / "out"
    r = _run(["run", f, "--out", out, "--workers", "1", "--no-progress"], env, preexec_fn=_limit_file_size(1 << 20))
    assert r.returncode == 1, (r.returncode, r.stderr[-3000:])
    line = one_line(r.stderr)
    assert line.startswith(f"influsim: error: {out}/report.html: File too large") and "ulimit -f" in line, line
    assert not out.exists()
    assert_no_temporaries(tmp_path, tmp_path / "cache")
    assert_none_left(env["INFLUSIM_FAULT_MARK"])


def test_output_folder_has_the_users_umask(tmp_path, env):
    f = tmp_path / "small.toml"
    f.write_text(SMALL.replace("replicates = 4", "replicates = 1"))
    out = tmp_path / "out"
    r = _run(["run", f, "--out", out, "--workers", "1", "--no-progress"], env, preexec_fn=lambda: os.umask(0o027))
    assert r.returncode == 0, r.stderr[-3000:]
    assert out.stat().st_mode & 0o777 == 0o750  # mkdtemp alone gives 0700
    assert {p.stat().st_mode & 0o777 for p in out.iterdir()} == {0o640}


def test_sweep_store_past_the_file_size_limit_is_not_called_damaged_and_resumes(tmp_path, env):
    f = tmp_path / "sweep.toml"
    f.write_text(SWEEP)
    out = tmp_path / "out"
    r = _run(["sweep", f, "--out", out, "--workers", "1", "--no-progress"], env,
             preexec_fn=_limit_file_size(32 * 1024))
    assert r.returncode == 1, (r.returncode, r.stderr[-3000:])
    line = one_line(r.stderr)
    assert "not a sweep result store" not in line and "ulimit -f" in line and str(out) in line, line
    assert _count(out / "runs.sqlite") < N_SWEEP and _count(out / "runs.sqlite", "failed") == 0
    assert_no_temporaries(tmp_path, tmp_path / "cache", out)
    r = _run(["sweep", f, "--out", out, "--workers", "1", "--no-progress"], env)
    assert r.returncode == 0, r.stderr[-3000:]
    assert _count(out / "runs.sqlite") == _count(out / "runs.sqlite", "ok") == N_SWEEP


def test_sweep_report_past_the_file_size_limit_is_one_line_and_leaves_nothing(tmp_path, env):
    f = tmp_path / "sweep.toml"
    f.write_text(SWEEP)
    out = tmp_path / "out"
    assert _run(["sweep", f, "--out", out, "--workers", "1", "--no-progress"], env).returncode == 0
    (out / "report.html").unlink()
    r = _run(["sweep", f, "--out", out, "--workers", "1", "--no-progress"], env,
             preexec_fn=_limit_file_size(1 << 20))
    assert r.returncode == 1, (r.returncode, r.stderr[-3000:])
    assert one_line(r.stderr).startswith(f"influsim: error: {out}/report.html: File too large")
    assert_no_temporaries(tmp_path, out)


@contextlib.contextmanager
def tmpfs(path: Path, size: str):
    """A small tmpfs at ``path`` (root only); skips the test where mounting is not permitted."""
    path.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({r.stderr.decode().strip() or r.returncode})")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True)


def _fill(folder: Path, leave: int) -> Path:
    """Fill the file system of ``folder`` but ``leave`` bytes."""
    st = os.statvfs(folder)
    filler = folder / "filler"
    filler.write_bytes(b"\0" * max(0, st.f_bavail * st.f_frsize - leave))
    return filler


def test_run_on_a_full_disk_is_one_line_and_leaves_nothing(tmp_path, env):
    f = tmp_path / "small.toml"
    f.write_text(SMALL)
    with tmpfs(tmp_path / "disk", "2m") as disk:
        out = disk / "out"
        r = _run(["run", f, "--out", out, "--workers", "1", "--no-progress"], env)  # the report is ~5 MB
        assert r.returncode == 1, (r.returncode, r.stderr[-3000:])
        line = one_line(r.stderr)
        assert line.startswith(f"influsim: error: {out}/") and line.endswith("No space left on device"), line
        assert sorted(p.name for p in disk.iterdir()) == []  # no folder, no temporary
        assert_none_left(env["INFLUSIM_FAULT_MARK"])


def test_sweep_store_on_a_full_disk_says_so_and_resumes(tmp_path, env):
    f = tmp_path / "sweep.toml"
    f.write_text(SWEEP)
    with tmpfs(tmp_path / "disk", "16m") as disk:  # room for the report once the filler goes
        out = disk / "out"
        filler = _fill(disk, 40 * 1024)
        r = _run(["sweep", f, "--out", out, "--workers", "1", "--no-progress"], env)
        assert r.returncode == 1, (r.returncode, r.stderr[-3000:])
        line = one_line(r.stderr)
        assert "not a sweep result store" not in line and "no space left on device" in line.lower(), line
        assert str(out) in line
        filler.unlink()
        r = _run(["sweep", f, "--out", out, "--workers", "1", "--no-progress"], env)
        assert r.returncode == 0, r.stderr[-3000:]
        assert _count(out / "runs.sqlite") == _count(out / "runs.sqlite", "ok") == N_SWEEP
        assert_no_temporaries(disk, out)


@pytest.fixture
def read_only(tmp_path):
    """A function that makes a folder (and what it holds) read-only: a read-only tmpfs remount as root,
    permissions otherwise."""
    mounted = []

    def make(folder: Path) -> Path:
        if os.geteuid() != 0:
            for p in [folder, *folder.rglob("*")]:
                p.chmod(p.stat().st_mode & ~0o222)
            return folder
        r = subprocess.run(["mount", "-o", "remount,ro", str(folder)], capture_output=True)
        if r.returncode != 0:
            pytest.skip("cannot make a folder read-only as root here")
        return folder

    def mount(folder: Path) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(folder)], capture_output=True)
            if r.returncode != 0:
                pytest.skip("cannot mount a tmpfs as root here")
            mounted.append(folder)
        return folder

    yield mount, make
    for folder in mounted:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)
    for p in tmp_path.rglob("*"):
        with contextlib.suppress(OSError):
            p.chmod(p.stat().st_mode | 0o200)


def test_run_into_a_read_only_folder_is_one_line(tmp_path, env, read_only):
    mount, make = read_only
    f = tmp_path / "small.toml"
    f.write_text(SMALL)
    folder = make(mount(tmp_path / "ro"))
    r = _run(["run", f, "--out", folder / "out", "--no-progress"], env)
    assert r.returncode == 2, r.stderr[-3000:]  # found before any work: bad input
    assert one_line(r.stderr) == f"influsim: error: --out: {folder} is not writable"


def test_resuming_a_sweep_in_a_read_only_folder_is_one_line(tmp_path, env, read_only):
    mount, make = read_only
    f = tmp_path / "sweep.toml"
    f.write_text(SWEEP)
    out = mount(tmp_path / "ro") / "out"
    assert _run(["sweep", f, "--out", out, "--workers", "1", "--no-progress"], env).returncode == 0
    make(out.parent)
    r = _run(["sweep", f, "--out", out, "--workers", "1", "--no-progress"], env)
    assert r.returncode == 1, r.stderr[-3000:]
    line = one_line(r.stderr)
    assert line.startswith(f"influsim: error: cannot open {out}/runs.lock: ") and (
        "Read-only file system" in line or "Permission denied" in line), line


def test_a_folder_or_an_unreadable_file_as_the_scenario_is_bad_input(tmp_path, capsys, monkeypatch):
    assert main(["run", str(tmp_path), "--no-progress"]) == 2
    assert capsys.readouterr().err.strip() == f"influsim: error: scenario: {tmp_path} is a folder, not a file"
    assert main(["sweep", str(tmp_path), "--out", str(tmp_path / "o"), "--no-progress"]) == 2
    assert "is a folder, not a file" in capsys.readouterr().err
    f = tmp_path / "s.toml"
    f.write_text(SMALL)

    def denied(self, *a, **k):
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "read_text", denied)  # as root, chmod 000 would not stop us reading it
    assert main(["run", str(f), "--out", str(tmp_path / "o"), "--no-progress"]) == 2
    assert capsys.readouterr().err.strip() == f"influsim: error: scenario: {f} is not readable (permission denied)"
    assert not (tmp_path / "o").exists()


def test_stale_temporaries_of_a_dead_driver_are_removed_by_the_next(tmp_path, env):
    # a driver that died with its janitor (a power cut) left half-written files: on a small disk they would
    # block the resume
    f = tmp_path / "sweep.toml"
    f.write_text(SWEEP.replace("values = [30000, 45000, 60000]", "values = [30000]"))
    out = tmp_path / "out"
    assert _run(["sweep", f, "--out", out, "--workers", "1", "--no-progress"], env).returncode == 0
    dead = 2 ** 22 + 7  # above the largest pid of most systems
    stale = [out / f"report.html.{dead}-0badf00d.tmp", out / f"runs.csv.{dead}-0badf00d.tmp"]
    for p in stale:
        p.write_text("x" * 1000)
    assert _run(["sweep", f, "--out", out, "--workers", "1", "--no-progress"], env).returncode == 0
    assert not any(p.exists() for p in stale)


# -- a Dask cluster lost mid-sweep ----------------------------------------------------------------------
DASK_SWEEP = SWEEP.replace("replicates = 2", "replicates = 3")  # 18 runs


def test_dask_scheduler_stopped_mid_sweep_then_resume(tmp_path, env):
    distributed = pytest.importorskip("distributed")
    f = tmp_path / "sweep.toml"
    f.write_text(DASK_SWEEP)
    out = tmp_path / "out"
    db = out / "runs.sqlite"
    total = 3 * 2 * 3
    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None)
    try:
        proc = _start(["sweep", f, "--out", out, "--scheduler", cluster.scheduler_address, "--worker-timeout", "5",
                       "--no-progress"], env)
        deadline = time.time() + 60
        while _count(db) < 3 and time.time() < deadline and proc.poll() is None:
            time.sleep(0.05)
        assert proc.poll() is None, proc.communicate()[1][-3000:]
        t0 = time.time()
    finally:
        cluster.close()
    _, err = proc.communicate(timeout=60)
    assert time.time() - t0 < 30
    assert proc.returncode == 1, err[-3000:]
    line = one_line(err)
    assert "lost the Dask scheduler" in line and "rerun the same command to resume" in line, line
    n_ok = _count(db, "ok")
    assert _count(db, "failed") == 0 and 3 <= n_ok < total  # in-flight runs went back to the queue
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        r = _run(["sweep", f, "--out", out, "--scheduler", cluster.scheduler_address, "--no-progress"], env)
    assert r.returncode == 0, r.stderr[-3000:]
    assert f"{total - n_ok} run now" in r.stdout and f"{n_ok} already done" in r.stdout
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT point, strategy, replicate, status FROM runs").fetchall()
    assert len(rows) == len({r[:3] for r in rows}) == total and {r[3] for r in rows} == {"ok"}
    assert_none_left(env["INFLUSIM_FAULT_MARK"])


def test_dask_without_workers_gives_up_after_the_timeout(tmp_path, env):
    distributed = pytest.importorskip("distributed")
    f = tmp_path / "sweep.toml"
    f.write_text(SWEEP)
    with distributed.LocalCluster(n_workers=0, processes=True, dashboard_address=None) as cluster:
        t0 = time.time()
        r = _run(["sweep", f, "--out", tmp_path / "out", "--scheduler", cluster.scheduler_address,
                  "--worker-timeout", "3", "--no-progress"], env, timeout=60)
    assert r.returncode == 1, r.stderr[-3000:]
    line = one_line(r.stderr)
    assert "no Dask worker left" in line and "--worker-timeout 3" in line, line
    assert time.time() - t0 < 30
    assert _count(tmp_path / "out" / "runs.sqlite", "failed") == 0


# -- graph-file faults: one line naming the file and the fault, exit 2, no folder ----------------------
GRAPH_SCENARIO = """
[population]
size = 200
represents = 10000
[population.graph]
generator = "file"
path = "{name}"
[campaign]
days = 2
[run]
replicates = 2
"""
RING = [f"{i} {(i + 1) % 200}" for i in range(200)]  # 200 people in a ring: line k is the tie k-1 - k


def _edgelist(*, at: int = 7, insert: str | None = None, lines: list[str] = RING) -> str:
    """The ring with ``insert`` as line ``at``."""
    rows = list(lines)
    if insert is not None:
        rows.insert(at - 1, insert)
    return "\n".join(rows) + "\n"


def _graphml(n: int = 200, *, directed: bool = False, extra: str = "") -> str:
    """A ring of ``n`` nodes as GraphML, one element per line (node 0 on line 4, the first edge on line
    4 + n, ``extra`` from line 4 + 2 n)."""
    nodes = "".join(f'<node id="p{i}"/>\n' for i in range(n))
    edges = "".join(f'<edge source="p{i}" target="p{(i + 1) % n}"/>\n' for i in range(n))
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n'
            f'<graph edgedefault="{"directed" if directed else "undirected"}">\n{nodes}{edges}{extra}'
            '</graph>\n</graphml>\n')


GRAPH_FAULTS = {  # id -> (file name, content (text or bytes; None: no file; "<folder>": a folder), the fault)
    "wrong node count (edge list)": ("friends.edgelist", "\n".join(f"{i} {(i + 1) % 100}" for i in range(100)),
                                     "100 nodes (distinct ids) but population.size is 200: they must be equal"),
    "too many nodes (edge list)": ("friends.edgelist", "\n".join(f"{i} {(i + 1) % 300}" for i in range(300)),
                                   "300 nodes (distinct ids) but population.size is 200"),
    "wrong node count (GraphML)": ("friends.graphml", _graphml(100), "100 nodes but population.size is 200"),
    "garbage text": ("friends.edgelist", "The quick brown fox\njumps over the lazy dog\n",
                     "line 2: node id 'jumps' is not a whole number >= 0"),
    "garbage binary": ("friends.edgelist", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "line 3: binary data, not an edge list"),
    "not UTF-8": ("friends.edgelist", _edgelist(insert="caf\xe9 5").encode("latin-1"), "line 7: not UTF-8 text"),
    "garbage GraphML": ("friends.graphml", "<graphml><graph", "line 1: not valid XML"),
    "not GraphML": ("friends.xml", "<html>\n<body>friends</body></html>", "line 1: not a GraphML file"),
    "one column": ("friends.edgelist", _edgelist(insert="5"), "line 7: expected two node ids, got '5'"),
    "duplicate edge": ("friends.edgelist", _edgelist(insert="2 3"), "line 7: duplicate edge 2 - 3 (first on line 3)"),
    "reversed duplicate edge": ("friends.edgelist", _edgelist(insert="3 2"),
                                "line 7: duplicate edge 3 - 2 (the same tie as 2 - 3 on line 3: edges are undirected)"),
    "self edge": ("friends.edgelist", _edgelist(insert="5 5"), "line 7: self edge 5 - 5"),
    "duplicate edge (GraphML)": ("friends.graphml", _graphml(extra='<edge source="p1" target="p0"/>\n'),
                                 "line 404: duplicate edge 'p1' - 'p0' (the same tie as 'p0' - 'p1' on line 204"),
    "self edge (GraphML)": ("friends.graphml", _graphml(extra='<edge source="p9" target="p9"/>\n'),
                            "line 404: self edge 'p9' - 'p9'"),
    "non-integer id": ("friends.edgelist", _edgelist(insert="5 bob"), "line 7: node id 'bob' is not a whole number >= 0"),
    "fractional id": ("friends.csv", _edgelist(insert="5,6.0"), "line 7: node id '6.0' is not a whole number >= 0"),
    "negative id": ("friends.tsv", _edgelist(insert="-1\t5"), "line 7: node id '-1' is not a whole number >= 0"),
    "directed GraphML": ("friends.graphml", _graphml(directed=True), 'line 3: a directed graph (edgedefault="directed")'),
    "directed edge (GraphML)": ("friends.graphml", _graphml(extra='<edge source="p1" target="p7" directed="true"/>\n'),
                                'line 404: a directed edge (directed="true")'),
    "undeclared node (GraphML)": ("friends.graphml", _graphml(extra='<edge source="p1" target="q7"/>\n'),
                                  "line 404: edge to undeclared node 'q7'"),
    "empty edge list": ("friends.edgelist", "", "empty file"),
    "empty GraphML": ("friends.graphml", "", "empty file"),
    "comments only": ("friends.edgelist", "# no one knows anyone\n\n", "graph has no edges"),
    "header only": ("friends.csv", "source,target\n", "graph has no edges (only a header on line 1)"),
    "missing file": ("friends.edgelist", None, "file not found"),
    "a folder": ("friends.edgelist", "<folder>", "not a file"),
    "unknown suffix": ("friends.json", "[[0, 1]]", "unknown file type '.json'"),
}


def _graph_run(tmp_path, monkeypatch, capsys, name, content, out):
    """Run ``influsim run scen.toml`` in ``tmp_path`` with the graph file ``name``; (exit code, stderr, new paths)."""
    if content == "<folder>":
        (tmp_path / name).mkdir()
    elif content is not None:
        (tmp_path / name).write_bytes(content if isinstance(content, bytes) else content.encode())
    (tmp_path / "scen.toml").write_text(GRAPH_SCENARIO.format(name=name))
    monkeypatch.chdir(tmp_path)
    before = set(tmp_path.rglob("*"))
    capsys.readouterr()
    code = main(["run", "scen.toml", "--no-progress", "--workers", "1", *(["--out", out] if out else [])])
    return code, capsys.readouterr().err, sorted(str(p.relative_to(tmp_path)) for p in set(tmp_path.rglob("*")) - before)


@pytest.mark.parametrize("out", [None, "out", "deeper/still/out"], ids=["no --out", "--out", "--out in new folders"])
@pytest.mark.parametrize("fault", list(GRAPH_FAULTS))
def test_every_graph_file_fault_is_one_line_exit_2_and_no_folder(tmp_path, monkeypatch, capsys, fault, out):
    name, content, reason = GRAPH_FAULTS[fault]
    code, err, created = _graph_run(tmp_path, monkeypatch, capsys, name, content, out)
    assert "Traceback" not in err, err[-3000:]
    assert code == 2, err[-3000:]
    assert len(err.splitlines()) == 1 and err.endswith("\n"), err[-3000:]
    prefix = f"influsim: error: graph file {tmp_path / name}: "
    assert err.startswith(prefix) and reason in err, err
    assert created == []  # no ./runs/, no --out folder nor its parents, no temporaries


def test_the_ring_itself_runs(tmp_path, monkeypatch, capsys):
    # the faults above are the only thing wrong with their files: the ring they are made from runs
    for name, content in (("friends.edgelist", _edgelist()), ("friends.graphml", _graphml())):
        code, err, created = _graph_run(tmp_path, monkeypatch, capsys, name, content, f"out-{name}")
        assert code == 0, err[-3000:]
        assert f"out-{name}" in created


def test_a_graph_fault_from_the_command_line_is_exactly_one_line(tmp_path):
    (tmp_path / "friends.edgelist").write_text(_edgelist(insert="2 3"))
    (tmp_path / "scen.toml").write_text(GRAPH_SCENARIO.format(name="friends.edgelist"))
    r = subprocess.run([sys.executable, "-m", "sim", "run", "scen.toml", "--workers", "1"], cwd=tmp_path,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2
    assert r.stderr == (f"influsim: error: graph file {tmp_path / 'friends.edgelist'}: line 7: duplicate edge "
                        "2 - 3 (first on line 3)\n")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["friends.edgelist", "scen.toml"]


@pytest.mark.parametrize("out", [None, "deeper/out"], ids=["no --out", "--out in a new folder"])
def test_a_run_that_fails_after_the_checks_leaves_no_folder(tmp_path, monkeypatch, capsys, out):
    # a failure in the model (no account affordable) and one while writing the results: nothing stays
    (tmp_path / "scen.toml").write_text("[population]\nsize = 3000\nrepresents = 500\n[brand]\nbudget = 10\n")
    monkeypatch.chdir(tmp_path)
    assert main(["run", "scen.toml", "--no-progress", "--workers", "1", *(["--out", out] if out else [])]) == 2
    assert "affordable" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scen.toml"]
    (tmp_path / "scen.toml").write_text(SMALL.replace("replicates = 4", "replicates = 2"))
    import sim.studies.results as results

    def full_disk(runs, path):  # the disk fills while runs.csv is written, after summary.csv
        path.write_text("strategy")
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(results, "write_runs_csv", full_disk)
    assert main(["run", "scen.toml", "--no-progress", "--workers", "1", *(["--out", out] if out else [])]) == 1
    assert "No space left on device" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["scen.toml"]
