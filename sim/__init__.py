"""influsim: agent-based simulation of influencer-marketing campaigns.

The names a researcher scripts against:

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

__version__ = "0.2.0"

from sim.campaign.luck import replicate_seeds  # noqa: E402
from sim.campaign.model import CampaignModel  # noqa: E402
from sim.scenario import Scenario, default_scenario, load_scenario, with_fields  # noqa: E402
from sim.studies.api import results_frame, run, run_results  # noqa: E402
from sim.studies.replicate import run_replicate  # noqa: E402

__all__ = ["CampaignModel", "Scenario", "default_scenario", "load_scenario", "replicate_seeds", "results_frame",
           "run", "run_replicate", "run_results", "with_fields"]
