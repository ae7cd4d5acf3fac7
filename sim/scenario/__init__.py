"""What a study is: the typed scenario, its rule parameters, files and overrides."""

from sim.scenario.core import *  # noqa: F401,F403
from sim.scenario.core import _check_cross_fields  # noqa: F401
