"""The run folder as a zip file: the files ``influsim run`` writes, for the app's download."""

from __future__ import annotations

import io
import re
import tempfile
import zipfile
from pathlib import Path

from sim.reports.run_folder import FILES, write_run_folder
from sim.studies.results import SHORTLIST_COPY


def folder_name(scenario) -> str:
    """A file-system-safe folder name for the scenario's run.

    Examples
    --------
    >>> from types import SimpleNamespace as R
    >>> folder_name(R(name="my camp/2")), folder_name(R(name=""))
    ('my-camp-2-run', 'influsim-run')
    """
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", scenario.name).strip("-.")[:60]
    return f"{slug or 'influsim'}-run"


def run_folder_zip(scenario, results, creators=None) -> bytes:
    """The run folder of ``results`` (written by :func:`sim.reports.run_folder.write_run_folder`), zipped."""
    name = folder_name(scenario)
    with tempfile.TemporaryDirectory(prefix="influsim-app-") as tmp:
        out = Path(tmp) / name
        write_run_folder(scenario, results, out, creators=list(creators) if creators else None)
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for f in (*FILES, SHORTLIST_COPY):  # the copy of the shortlist, if the scenario has one
                if (out / f).is_file():
                    zf.write(out / f, f"{name}/{f}")
        return buf.getvalue()
