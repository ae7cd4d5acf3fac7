"""Progress on stderr: a bar on a terminal, plain periodic lines anywhere else.

On a terminal, tqdm draws a bar. When stderr is not a terminal (a log file, CI, a pipe)
a line every ``every`` seconds (10 by default, ``$INFLUSIM_PROGRESS_EVERY`` to change)
says how far the work is, and one more when it ends::

    influsim: 12/40 runs done, 25 s elapsed, about 58 s left
    influsim: 40/40 runs done in 1 min 23 s

Markets of :data:`MARKET_THRESHOLD` people or more report their build (a bar on a
terminal; otherwise a line per stage and every ``every`` seconds), through the hook
:data:`sim.world.population.build_progress`.

Examples
--------
>>> import io
>>> out = io.StringIO()
>>> bar = progress_bar(4, "campaigns", "run", stream=out)  # not a terminal: lines
>>> bar.update(1); bar.update(3); bar.close()
>>> print(out.getvalue().strip())
influsim: 4/4 runs done in 0 s
>>> status_line(12, 40, 25.0, "run", started_at=0)
'influsim: 12/40 runs done, 25 s elapsed, about 58 s left'
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
from concurrent.futures import Executor
from typing import Any

from sim.studies import resources
from sim.studies.resources import Estimate, ResourceError, human_bytes, human_seconds, worth_announcing

#: Markets of this many people or more report their build.
MARKET_THRESHOLD = 1_000_000


def every_seconds() -> float:
    """Seconds between plain progress lines (``$INFLUSIM_PROGRESS_EVERY``, default 10)."""
    try:
        return max(0.05, float(os.environ.get("INFLUSIM_PROGRESS_EVERY", "10")))
    except ValueError:
        return 10.0


def is_terminal(stream) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def status_line(done: int, total: int, elapsed: float, unit: str = "run", started_at: int = 0,
                verb: str = "done", first: tuple[float, int] | None = None) -> str:
    """``influsim: 12/40 runs done, 25 s elapsed, about 58 s left``.

    The time left is the work left at the pace since ``first = (elapsed, done)``, when the
    first work finished: what came before it (starting the worker processes, importing the
    model, the first markets) is not paid again. Until more work has finished, the pace
    is that since the start (``started_at`` done then).

    Examples
    --------
    >>> status_line(12, 40, 25.0, started_at=0)
    'influsim: 12/40 runs done, 25 s elapsed, about 58 s left'
    >>> status_line(12, 40, 25.0, first=(14.0, 1))  # 11 runs in 11 s once the first was done
    'influsim: 12/40 runs done, 25 s elapsed, about 28 s left'
    """
    text = f"influsim: {done:,}/{total:,} {unit}s {verb}, {human_seconds(elapsed)} elapsed"
    if done >= total:
        return text
    if first is not None and done > first[1] and elapsed > first[0]:
        pace = (elapsed - first[0]) / (done - first[1])
    elif done > started_at:
        pace = elapsed / (done - started_at)
    else:
        return text
    return text + f", about {human_seconds(pace * (total - done))} left"


class NoProgress:
    """Does nothing (``--no-progress``)."""

    def update(self, n: int = 1) -> None:
        pass

    def set_postfix(self, *args, **kwargs) -> None:
        pass

    def close(self) -> None:
        pass


class LineProgress:
    """Counts finished work and prints a plain line every ``every`` seconds (thread-safe)."""

    def __init__(self, total: int, unit: str = "run", initial: int = 0, stream=None, every: float | None = None,
                 verb: str = "done"):
        self.total, self.unit, self.initial, self.verb = total, unit, initial, verb
        self.done = initial
        self.stream = stream if stream is not None else sys.stderr
        self.every = every if every is not None else every_seconds()
        self.t0 = time.perf_counter()
        self.first: tuple[float, int] | None = None  # (elapsed, done) when the first work finished
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._tick, name="influsim-progress", daemon=True)
        self._thread.start()

    def _tick(self) -> None:
        while not self._stop.wait(self.every):
            self._print(self._status(time.perf_counter() - self.t0))

    def _status(self, elapsed: float) -> str:
        return status_line(self.done, self.total, elapsed, self.unit, self.initial, self.verb, self.first)

    def _print(self, text: str) -> None:
        with self._lock:
            with contextlib.suppress(OSError, ValueError):
                print(text, file=self.stream, flush=True)

    def update(self, n: int = 1) -> None:
        with self._lock:
            self.done += n
            if self.first is None:
                self.first = (time.perf_counter() - self.t0, self.done)

    def set_postfix(self, *args, **kwargs) -> None:
        pass

    def close(self) -> None:
        if self._stop.is_set():
            return
        self._stop.set()
        self._thread.join(timeout=1.0)
        elapsed = time.perf_counter() - self.t0
        if self.done >= self.total:
            self._print(f"influsim: {self.done:,}/{self.total:,} {self.unit}s {self.verb} in {human_seconds(elapsed)}")
        else:
            self._print(self._status(elapsed))


def progress_bar(total: int, desc: str, unit: str = "run", disable: bool = False, initial: int = 0, stream=None,
                 verb: str = "done"):
    """A tqdm bar on a terminal, :class:`LineProgress` elsewhere, :class:`NoProgress` when ``disable``."""
    stream = stream if stream is not None else sys.stderr
    if disable:
        return NoProgress()
    if is_terminal(stream):
        from tqdm import tqdm

        return tqdm(total=total, initial=initial, desc=desc, unit=unit, file=stream, dynamic_ncols=True)
    return LineProgress(total, unit, initial, stream, verb=verb)


class CountingExecutor(Executor):
    """An executor that counts the runs its ``inner`` executor finishes into ``bar`` (``bar.update(1)``).

    A run counts when it returns (a failed run of a sweep returns its error); a cancelled run
    or one the cluster lost (it raises) does not. Other attributes (a Dask executor's
    ``ready``) are the inner executor's.

    Examples
    --------
    >>> from concurrent.futures import ThreadPoolExecutor
    >>> bar = NoProgress(); bar.n = 0
    >>> bar.update = lambda k=1: setattr(bar, "n", bar.n + k)
    >>> with ThreadPoolExecutor(2) as pool:
    ...     ex = CountingExecutor(pool, bar)
    ...     [f.result() for f in [ex.submit(abs, -3), ex.submit(abs, -4)]]
    [3, 4]
    >>> bar.n
    2
    """

    def __init__(self, inner: Executor, bar):
        self.inner, self.bar = inner, bar

    def submit(self, fn, /, *args, **kwargs):
        fut = self.inner.submit(fn, *args, **kwargs)
        fut.add_done_callback(self._done)
        return fut

    def _done(self, fut) -> None:
        if not fut.cancelled() and fut.exception() is None:
            self.bar.update(1)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        self.inner.shutdown(wait=wait, cancel_futures=cancel_futures)

    def __getattr__(self, name):
        if name in ("inner", "bar"):
            raise AttributeError(name)
        return getattr(self.inner, name)


def announce(text: str, stream=None) -> None:
    """One line ``influsim: TEXT`` on stderr (above a bar, if one is drawn)."""
    stream = stream if stream is not None else sys.stderr
    if is_terminal(stream):
        from tqdm import tqdm

        tqdm.write(f"influsim: {text}", file=stream)
    else:
        with contextlib.suppress(OSError, ValueError):
            print(f"influsim: {text}", file=stream, flush=True)


def preflight(est: Estimate, label: str, force: bool = False, quiet: bool = False, stream=None) -> None:
    """Refuse an estimate the machine cannot meet (:class:`~sim.studies.resources.ResourceError`, one line)
    unless ``force``; announce a large one (or a forced one) on stderr unless ``quiet``.

    Examples
    --------
    >>> import io
    >>> est = Estimate(bytes=4e12, per_process=1e9, seconds=7200.0, field="population.size", what="many people")
    >>> out = io.StringIO()
    >>> preflight(est, "many people", force=True, stream=out)
    >>> print(out.getvalue().strip())  # doctest: +ELLIPSIS
    influsim: many people: about 4.0 TB of memory, about 2.0 h (--force: ... GB are available)
    """
    try:
        resources.check(est, force=False)
    except ResourceError:
        if not force:
            raise
        free, _ = resources.available_memory()
        announce(f"{label}: {est.text()} (--force: {human_bytes(free)} are available)", stream)
        return
    if not quiet and worth_announcing(est):
        free, _ = resources.available_memory()
        announce(f"{label}: {est.text()} ({human_bytes(free)} available)", stream)


class _MarketBuild:
    """Receives ``(stage, people)`` from the world build and shows it."""

    STAGES = {"people": ("drawing people", 0, 35), "graph": ("peer graph", 35, 95), "pool": ("creators", 95, 100)}

    def __init__(self, stream, threshold: int, every: float | None):
        self.stream, self.threshold = stream, threshold
        self.every = every if every is not None else every_seconds()
        self.tty = is_terminal(stream)
        self.bar: Any = None  # a tqdm bar on a terminal
        self.t0 = 0.0
        self.stage = ""
        self.n = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __call__(self, stage: str, people: int) -> None:
        if people < self.threshold:
            return
        if stage == "people":
            self.t0, self.n = time.perf_counter(), people
            if self.tty:
                from tqdm import tqdm

                self.bar = tqdm(total=100, desc=f"market of {people:,} people", file=self.stream, leave=False,
                                bar_format="{desc}: {percentage:3.0f}%|{bar}| [{elapsed}]{postfix}")
            self._stop.clear()
            self._thread = threading.Thread(target=self._tick, name="influsim-market", daemon=True)
            self._thread.start()
        if stage in self.STAGES:
            name, start, _ = self.STAGES[stage]
            self.stage = name
            if self.bar is not None:
                self.bar.update(start - self.bar.n)
                self.bar.set_postfix_str(name)
            elif not self.tty:
                self._line(f"building a market of {people:,} people: {name}"
                           + (f" ({human_seconds(time.perf_counter() - self.t0)} so far)" if stage != "people" else ""))
        elif stage == "done":
            self._finish(people)

    def _tick(self) -> None:
        while not self._stop.wait(1.0 if self.tty else self.every):
            bar = self.bar
            if bar is not None:
                bar.refresh()  # the elapsed time moves during a long stage
            elif not self.tty:
                self._line(f"building a market of {self.n:,} people: {self.stage}, "
                           f"{human_seconds(time.perf_counter() - self.t0)} elapsed")

    def _line(self, text: str) -> None:
        with contextlib.suppress(OSError, ValueError):
            print(f"influsim: {text}", file=self.stream, flush=True)

    def _finish(self, people: int) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=1.0)
            self._thread = None
        took = human_seconds(time.perf_counter() - self.t0)
        if self.bar is not None:
            self.bar.close()
            self.bar = None
        else:
            self._line(f"market of {people:,} people built in {took}")

    def close(self) -> None:
        self._stop.set()
        if self.bar is not None:
            self.bar.close()


@contextlib.contextmanager
def market_progress(enabled: bool = True, stream=None, threshold: int = MARKET_THRESHOLD, every: float | None = None):
    """Within the block, markets of ``threshold`` people or more built in this process show their progress."""
    from sim.world import population

    if not enabled or not hasattr(population, "build_progress"):
        yield
        return
    shown = _MarketBuild(stream if stream is not None else sys.stderr, threshold, every)
    before = population.build_progress
    population.build_progress = shown
    try:
        yield
    finally:
        population.build_progress = before
        shown.close()
