"""Errors raised in a worker process reach the driver whole (they are pickled and rebuilt).

A ScenarioError raised by a replicate in a worker used to fail to unpickle in the driver
(``__init__`` takes two arguments, ``args`` holds one), which broke the process pool: the
user saw a BrokenProcessPool traceback instead of the one-line error.
"""

import pickle

import pytest

from sim.errors import GraphFileError, ScenarioError
from sim.studies.sweep.spec import SweepError
from sim.world.shortlist import ShortlistError


@pytest.mark.parametrize("error", [
    ScenarioError("strategies.mixed", "no macro account is affordable with $10,000"),
    GraphFileError("/tmp/friends.edgelist", "line 7: self edge 5 - 5"),
    SweepError("design.points", "must be >= 1"),
])
def test_user_errors_survive_a_trip_between_processes(error):
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error) and str(back) == str(error)


def test_shortlist_errors_survive_a_trip_between_processes():
    error = ShortlistError("shortlist.csv:14", "expected a whole number", "followers")
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error) and str(back) == str(error)
