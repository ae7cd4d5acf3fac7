import pytest

from sim.scenario import default_scenario, with_fields

SMALL = {
    "population.size": 3000,
    "population.represents": 500,  # a market of 1.5M people, so macro and mega accounts fit
    "campaign.days": 5,
    "run.replicates": 2,
    "parameters.offer_response_days": 0.5,  # outreach costs campaign days: keep a 5-day campaign mostly for posts
}


@pytest.fixture(autouse=True)
def _cache_dir(tmp_path_factory, monkeypatch):
    # tests never touch the user's population cache
    monkeypatch.setenv("INFLUSIM_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))


@pytest.fixture
def small_scenario():
    """A small, fast scenario (3,000 people, 5 days) with the default strategies."""
    return with_fields(default_scenario(), SMALL)
