"""``python -m experiments``: the calibration check and every seed claim, as one HTML report."""

import sys

from .run import main

if __name__ == "__main__":
    sys.exit(main())
