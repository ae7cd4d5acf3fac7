"""The app's long jobs: a run and a what-if sweep, reporting progress and stopping when asked.

Both run in this process, one replicate after another (:func:`sim.studies.runs.run_scenario`
with one worker), so that a cancel takes effect after the replicate in progress. Results
do not depend on the number of workers, so a run here gives the same numbers as
``influsim run`` with the same scenario and seed.

Examples
--------
>>> sweep_values(10_000, 30_000, 3), sweep_values(1, 4, 3, integer=True)
([10000.0, 20000.0, 30000.0], [1, 2, 4])
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.errors import ScenarioError
from sim.scenario import Scenario, with_fields
from sim.studies import compare
from sim.studies.runs import run_scenario

Report = Callable[[int, int], None]  # (replicates done, replicates in all)
Stop = Callable[[], bool]  # True: stop after the replicate in progress

MAX_WHATIF_VALUES = 9


class Cancelled(Exception):
    """The job was cancelled by the user."""


@dataclass(frozen=True)
class RunOutcome:
    """A finished run: the scenario, its replicate results and the seconds it took."""

    scenario: Scenario
    results: list
    elapsed: float
    creators: tuple = ()  # sim.studies.creators.creator_rows of the run (which creators, across replicates)


@dataclass(frozen=True)
class WhatIfPoint:
    """One strategy's metric at one value of the field: mean and 95% interval over replicates."""

    value: float
    strategy: str
    mean: float
    low: float
    high: float
    n: int


@dataclass(frozen=True)
class WhatIf:
    """A finished what-if: the field varied, the metric read and one point per value and strategy."""

    field: str
    metric: str
    points: tuple[WhatIfPoint, ...]


def _replicates(scenario: Scenario) -> int:
    return len(scenario.strategies) * scenario.run.replicates


def run(scenario: Scenario, report: Report, stop: Stop, done_before: int = 0, total: int | None = None) -> RunOutcome:
    """Run ``scenario``, calling ``report(done, total)`` after every replicate; :class:`Cancelled` on ``stop()``."""
    total = total or _replicates(scenario)
    done = done_before

    def progress(rep: list) -> None:
        nonlocal done
        done += len(rep)
        report(done, total)
        if stop():
            raise Cancelled

    from sim.studies.creators import creator_rows

    t0 = time.perf_counter()
    results = run_scenario(scenario, workers=1, progress=progress)
    elapsed = time.perf_counter() - t0
    if stop():
        raise Cancelled
    return RunOutcome(scenario, results, elapsed, tuple(creator_rows(scenario, results)))


def run_frontier(scenario: Scenario, budgets: list, report: Report, stop: Stop) -> list[dict]:
    """One run per budget on common seeds (:func:`sim.studies.frontier.run_frontier`); its rows."""
    from sim.studies import frontier

    total, done = len(budgets) * _replicates(scenario), 0

    def progress(rep: list) -> None:
        nonlocal done
        done += len(rep)
        report(done, total)
        if stop():
            raise Cancelled

    return frontier.frontier_rows(frontier.run_frontier(scenario, budgets, progress=progress))


def sweep_values(start: float, stop: float, count: int, integer: bool = False) -> list:
    """``count`` evenly spaced values from ``start`` to ``stop`` (rounded and unique for whole-number fields)."""
    values = np.linspace(float(start), float(stop), int(count)).tolist()
    if integer:
        return list(dict.fromkeys(int(round(v)) for v in values))
    return values


def default_range(scenario: Scenario, field: str) -> tuple[float, float]:
    """A first range for a what-if on ``field``: half to one and a half times its value (shares: 0.1 to 0.9).

    Examples
    --------
    >>> from sim.app.form import app_scenario
    >>> default_range(app_scenario(), "brand.budget"), default_range(app_scenario(), "product.margin")
    ((25000.0, 75000.0), (0.1, 0.9))
    """
    from sim.scenario import get_field

    value = get_field(scenario, field)
    if field in ("product.margin", "product.luxury", "product.familiarity"):
        return 0.1, 0.9
    if isinstance(value, int):
        return float(max(1, round(value / 2))), float(max(2, round(value * 1.5)))
    return float(value) / 2, float(value) * 1.5


def whatif_scenarios(scenario: Scenario, field: str, values: list) -> list[Scenario]:
    """One scenario per value; a bad value raises the CLI's :class:`~sim.errors.ScenarioError` before anything runs."""
    return [with_fields(scenario, {field: v}) for v in values]


def run_whatif(scenario: Scenario, field: str, values: list, metric: str, report: Report, stop: Stop) -> WhatIf:
    """Run the scenario once per value of ``field`` and read ``metric`` per strategy, with intervals."""
    scenarios = whatif_scenarios(scenario, field, values)
    total = sum(_replicates(s) for s in scenarios)
    points, done = [], 0
    for v, sc in zip(values, scenarios):
        try:
            outcome = run(sc, report, stop, done_before=done, total=total)
        except ScenarioError as exc:  # say at which value
            raise ScenarioError(exc.field, f"{exc.reason} (at {field} = {v:,g})") from None
        done += _replicates(sc)
        for s in compare.strategies_of(outcome.results):
            iv = compare.strategy_interval(outcome.results, s, metric)
            points.append(WhatIfPoint(float(v), s, iv.mean, iv.low, iv.high, iv.n))
    return WhatIf(field, metric, tuple(points))
