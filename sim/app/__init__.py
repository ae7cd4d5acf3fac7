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
import signal
import threading
import warnings

APP = "sim.app.page"


class _Stopped(BaseException):
    """SIGINT or SIGTERM reached ``influsim app``: stop serving, quietly (not a KeyboardInterrupt, which
    click would turn into an ``Abort`` traceback)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _raise_stopped(signum: int, frame) -> None:
    raise _Stopped(signum)


#: Solara warns on every page load over plain http from a host other than ``localhost`` that its session
#: cookie cannot be ``SameSite=None`` (that needs https) and falls back to ``SameSite=Lax``
#: (``solara/server/starlette.py``, ``root``; no setting chooses the cookie). ``SameSite=None`` is only
#: needed when the page is embedded in another site's iframe; the app is opened directly in a browser on
#: this machine, where ``Lax`` is the right cookie, so the warning says nothing the user can act on.
SAMESITE_WARNING = r"Cookies with samesite=none require https"


def serve(host: str = "127.0.0.1", port: int = 8765) -> int:
    """Serve the app at ``http://host:port/`` until interrupted; no network needed.

    Runs Solara's server in this process, in production mode, with page assets from the
    ``solara-assets`` package (no CDN), no telemetry and no version check. Ctrl-C (SIGINT) or
    SIGTERM stops it: Uvicorn closes the connections, then the app prints ``influsim app:
    stopped`` and returns 0, with no traceback. Solara's per-connection warning about its
    ``SameSite=Lax`` session cookie is not shown (see :data:`SAMESITE_WARNING`).

    Parameters
    ----------
    host : str
        Address to listen on; the default serves this machine only.
    port : int
        Port to listen on.

    Returns
    -------
    int
        The exit code: 0 when stopped by Ctrl-C (SIGINT) or SIGTERM.
    """
    from sim.errors import InfluSimError

    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")  # read when Solara is imported
    # Uvicorn handles SIGINT and SIGTERM while it serves (it closes the connections), then restores these
    # handlers and raises the signal again: it lands here, as it does while Solara is imported or starting
    saved = {}
    if threading.current_thread() is threading.main_thread():  # signal handlers belong to the main thread
        saved = {sig: signal.signal(sig, _raise_stopped) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        try:
            from solara.__main__ import cli
        except ImportError:
            raise InfluSimError("the app needs Solara: pip install 'influsim[app]'") from None
        warnings.filterwarnings("ignore", message=SAMESITE_WARNING, category=UserWarning,
                                module=r"solara\.server\.")
        print(f"influsim app: http://{host}:{port}/ (Ctrl-C stops it)", flush=True)
        cli(["run", APP, "--host", host, "--port", str(port), "--production", "--no-open", "--no-check-version",
             "--log-level", "warning"], standalone_mode=False)
    except _Stopped:
        pass
    finally:
        for sig, handler in saved.items():
            signal.signal(sig, handler)
    print("influsim app: stopped", flush=True)
    return 0
