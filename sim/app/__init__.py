"""``influsim app``: the strategist's what-if workbench, a local web app (Solara).

A form for the brand, the product, the campaign and the strategies to compare (the CLI's
validation and one-line messages next to each field); load and save scenario TOML; Run
with a progress bar and Cancel; the decision, spend and warnings first, then the key
figures and the report's charts; a what-if over one field; the run folder as a zip.

Modules: :mod:`~sim.app.form` (fields and validation), :mod:`~sim.app.jobs` (runs),
:mod:`~sim.app.tables` and :mod:`~sim.app.charts` (results), :mod:`~sim.app.bundle`
(the zip), and the Solara views :mod:`~sim.app.page`, :mod:`~sim.app.form_view`,
:mod:`~sim.app.results_view`, :mod:`~sim.app.whatif_view`, :mod:`~sim.app.upload`.
Needs the ``app`` extra (``pip install influsim[app]``).
"""

from __future__ import annotations

import os

APP = "sim.app.page"


def serve(host: str = "127.0.0.1", port: int = 8765) -> int:
    """Serve the app at ``http://host:port/`` until interrupted; no network needed.

    Runs Solara's server in this process, in production mode, with page assets from the
    ``solara-assets`` package (no CDN), no telemetry and no version check.

    Parameters
    ----------
    host : str
        Address to listen on; the default serves this machine only.
    port : int
        Port to listen on.

    Returns
    -------
    int
        The exit code (0 when stopped by Ctrl-C).
    """
    from sim.errors import InfluSimError

    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")  # read when Solara is imported
    try:
        from solara.__main__ import cli
    except ImportError:
        raise InfluSimError("the app needs Solara: pip install 'influsim[app]'") from None
    print(f"influsim app: http://{host}:{port}/ (Ctrl-C stops it)", flush=True)
    try:
        cli(["run", APP, "--host", host, "--port", str(port), "--production", "--no-open", "--no-check-version",
             "--log-level", "warning"], standalone_mode=False)
    except KeyboardInterrupt:
        pass
    return 0
