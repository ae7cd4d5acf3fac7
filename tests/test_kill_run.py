"""Issue 17, point 9: ``kill -9`` or SIGTERM of ``influsim run --workers 2`` leaves no leaked semaphore.

The locks of the worker pool's queues are named semaphores that the driver creates and
registers with multiprocessing's resource tracker. A driver killed with ``kill -9``
used to leave them registered, and the tracker said so on the terminal once the last
worker had gone: "resource_tracker: There appear to be 5 leaked semaphore objects to
clean up at shutdown". The orphaned workers now release them
(:func:`sim.studies.runs.release_semaphores`); SIGTERM is one line and leaves no folder.

Each test waits (bounded) for the end of the command's stderr, which the resource
tracker and the workers share: the tracker's warning, if any, comes before it.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import sim

ROOT = Path(sim.__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux /proc")

# 12 replicates x 2 strategies of 20,000 people: about 3 s on 2 workers, long enough to be killed mid-way
SCENARIO = """
[population]
size = 20000
represents = 100
[campaign]
days = 30
[run]
replicates = 12
"""
N_RUNS = 24

# The command line, with a hook: STOP_AT_WORKER_START=1 sends SIGTERM to the driver the moment the pool
# has started its first worker, before the pool has noted it (the start of a worker cannot be interrupted
# safely); the pids of the workers started go to WORKER_PIDS.
PRELUDE = r"""
import os, signal, sys
import multiprocessing.process as mp_process

real_start = mp_process.BaseProcess.start

def start(self):
    real_start(self)
    with open(os.environ["WORKER_PIDS"], "a") as fh:
        fh.write(f"{self.pid}\n")
    if os.environ.pop("STOP_AT_WORKER_START", None):
        os.kill(os.getpid(), signal.SIGTERM)  # handled at the next bytecode: inside the pool's _spawn_process

mp_process.BaseProcess.start = start
from sim.cli import main
sys.exit(main(sys.argv[1:]))
"""

DONE = re.compile(r"^influsim: (\d+)/(\d+) runs done", re.M)
LEAK = "leaked semaphore"


@pytest.fixture
def command(tmp_path):
    scenario = tmp_path / "small.toml"
    scenario.write_text(SCENARIO)
    env = {**os.environ, "INFLUSIM_CACHE": str(tmp_path / "cache"), "INFLUSIM_PROGRESS_EVERY": "0.05",
           "PYTHONUNBUFFERED": "1", "WORKER_PIDS": str(tmp_path / "workers")}
    env.pop("STOP_AT_WORKER_START", None)
    args = [sys.executable, "-c", PRELUDE, "run", str(scenario), "--workers", "2", "--out", str(tmp_path / "out")]
    return args, env


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] != "Z"


def _kill_mid_way(args, env, how: int) -> tuple[subprocess.Popen, str]:
    """Start the run, send ``how`` once some runs but not all are done, return (process, its stderr)."""
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    seen = []
    try:
        deadline = time.time() + 120
        for line in proc.stderr:  # progress lines every 0.05 s
            seen.append(line)
            m = DONE.match(line)
            if m and 0 < int(m.group(1)) < int(m.group(2)):
                proc.send_signal(how)
                break
            assert time.time() < deadline, "the run did not get going in time"
        else:
            pytest.fail("the run ended before it could be killed mid-way:\n" + "".join(seen)[-3000:])
        _, rest = proc.communicate(timeout=60)  # the end of stderr: the tracker and the workers have gone too
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return proc, "".join(seen) + rest


def _workers_left(env) -> list[int]:
    path = Path(env["WORKER_PIDS"])
    pids = [int(x) for x in path.read_text().split()] if path.exists() else []
    return [pid for pid in pids if _alive(pid)]


def _assert_gone(env, timeout: float = 10.0) -> None:
    deadline = time.time() + timeout
    while (left := _workers_left(env)) and time.time() < deadline:
        time.sleep(0.05)
    for pid in left:
        with contextlib.suppress(OSError):
            os.kill(pid, signal.SIGKILL)
    assert left == [], f"workers left running: {left}"


def _not_progress(err: str) -> list[str]:
    return [ln for ln in err.strip().splitlines() if ln and not DONE.match(ln)]


def test_kill_9_mid_way_leaves_no_leaked_semaphore(command, tmp_path):
    args, env = command
    proc, err = _kill_mid_way(args, env, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL
    assert LEAK not in err and "Traceback" not in err, err[-3000:]
    assert _not_progress(err) == [], err[-3000:]
    assert len(Path(env["WORKER_PIDS"]).read_text().split()) == 2  # the pool was running
    _assert_gone(env)
    assert not (tmp_path / "out").exists()


def test_sigterm_mid_way_is_one_line_and_leaves_no_leaked_semaphore(command, tmp_path):
    args, env = command
    proc, err = _kill_mid_way(args, env, signal.SIGTERM)
    assert proc.returncode == 143, err[-3000:]
    assert LEAK not in err and "Traceback" not in err, err[-3000:]
    assert _not_progress(err) == ["influsim: terminated (SIGTERM)"], err[-3000:]
    _assert_gone(env)
    assert not (tmp_path / "out").exists() and not list(tmp_path.glob(".influsim-*"))


def test_sigterm_while_a_worker_starts_stops_every_worker_before_the_driver_exits(command, tmp_path):
    # the worker started when SIGTERM came used to be unknown to the pool: not stopped, it outlived the driver
    # (and, when it was slower to start, failed on the semaphores the driver had removed: a traceback)
    args, env = command
    env = {**env, "STOP_AT_WORKER_START": "1"}
    proc = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        proc.wait(timeout=120)
        left_at_exit = _workers_left(env)  # at once: an orphan would notice its driver's death within 0.5 s
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert Path(env["WORKER_PIDS"]).read_text().split(), "no worker was started"
    assert left_at_exit == [], f"workers still running when the driver had exited: {left_at_exit}"
    assert proc.returncode == 143, err[-3000:]
    assert LEAK not in err and "Traceback" not in err, err[-3000:]
    assert _not_progress(err) == ["influsim: terminated (SIGTERM)"], err[-3000:]
    _assert_gone(env)
    assert not (tmp_path / "out").exists()
