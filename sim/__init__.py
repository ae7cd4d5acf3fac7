"""influsim: agent-based simulation of influencer-marketing campaigns.

The names a researcher scripts against (imported on first use, so ``influsim`` starts fast):

- :class:`Scenario`, :func:`load_scenario`, :func:`default_scenario`, :func:`with_fields`:
  the typed scenario, loaded from TOML and changed by dotted path (tables added,
  replaced or removed too);
- :func:`run` (a pandas DataFrame, one row per strategy and replicate) and
  :func:`run_results` (the full replicate results);
- :func:`run_replicate` and :func:`replicate_seeds`: the one replicate path;
- :class:`CampaignModel`: the Mesa model (``mesa.batch_run`` works with it).

Examples
--------
>>> import sim
>>> sim.load_scenario(None).brand.budget
50000.0
"""

from importlib import import_module

__version__ = "0.2.0"

_WHERE = {
    "CampaignModel": "sim.campaign.model", "replicate_seeds": "sim.campaign.luck",
    "Scenario": "sim.scenario", "default_scenario": "sim.scenario", "load_scenario": "sim.scenario",
    "with_fields": "sim.scenario", "results_frame": "sim.studies.api", "run": "sim.studies.api",
    "run_results": "sim.studies.api", "run_replicate": "sim.studies.replicate",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str):
    if name in _WHERE:
        value = getattr(import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), *_WHERE])
