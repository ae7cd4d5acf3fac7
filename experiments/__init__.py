"""Experiments: calibration to published figures, and the seed claims tested against the model.

``python -m experiments.calibrate`` fits the calibrated rule parameters
(``sim/data/calibrated.json``) to ``experiments/reference``; ``python -m experiments``
(or ``influsim experiments``) checks the calibration and runs one experiment per claim of
``reference/seed_claims.csv``, writing one HTML report.
"""

from pathlib import Path

REFERENCE = Path(__file__).resolve().parent / "reference"
