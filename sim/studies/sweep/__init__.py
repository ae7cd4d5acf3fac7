"""What-if sweeps: a sweep file, its design points, and runs on any executor into a crash-safe store.

The modules follow the data: :mod:`~sim.studies.sweep.spec` reads and validates the
sweep file (the varied fields, the design's settings, a scenario per point),
:mod:`~sim.studies.sweep.design` draws the design points (grid, Latin hypercube, Sobol',
Morris), :mod:`~sim.studies.sweep.execute` runs every (point, strategy, replicate) through
the one replicate path on this process, a process pool or Dask into ``runs.sqlite``,
:mod:`~sim.studies.sweep.summary` summarises the runs, computes sensitivity indices and
writes the data files; ``influsim sweep`` and ``report.html`` are in :mod:`sim.reports.sweep_export`.

Seeds: every point uses ``run.seed = sweep.seed`` (one market for points that differ
only in non-population fields); run ``(point p, replicate r)`` uses
``SeedSequence(seed, spawn_key=(1, p, r))`` (``(4, r)`` with common random numbers),
which draws that replicate's outreach answers, random ranking and campaign; the design
is drawn from ``(2,)`` and the bootstrap of the sensitivity intervals from ``(3,)``.

Examples
--------
>>> sw = parse_sweep({"sweep": {"replicates": 2}, "design": {"kind": "grid"},
...                   "vary": {"brand.budget": {"values": [20000, 60000]}}})
>>> len(sw.points), sw.n_runs, sw.points[1]
(2, 8, {'brand.budget': 60000.0})
>>> [t[:3] for t in sweep_tasks(sw)][:3]
[(0, 'macro', 0), (0, 'micro_equal_budget', 0), (0, 'macro', 1)]
"""

from sim.studies.sweep.design import design_points
from sim.studies.sweep.execute import (SweepOutcome, dask_client, make_executor, run_point, run_sweep,
                                       sweep_tasks)
from sim.studies.sweep.spec import (DEFAULT_METRICS, DESIGNS, MAX_POINTS, SWEEP_VERSION, Design, Sweep, SweepError,
                                    SweepSettings, Vary, load_sweep, parse_sweep)
from sim.studies.sweep.summary import (SENSITIVITY_COLUMNS, export_data, load_results, run_rows, sensitivity_rows,
                                       summarize_sweep, summary_columns)

__all__ = ["DEFAULT_METRICS", "DESIGNS", "Design", "MAX_POINTS", "SENSITIVITY_COLUMNS", "SWEEP_VERSION", "Sweep",
           "SweepError", "SweepOutcome", "SweepSettings", "Vary", "dask_client", "design_points",
           "export_data", "load_results", "load_sweep", "make_executor", "parse_sweep", "run_point", "run_rows",
           "run_sweep", "sensitivity_rows", "summarize_sweep", "summary_columns", "sweep_tasks"]
