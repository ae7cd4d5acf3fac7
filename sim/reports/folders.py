"""Output folders: where a run, sweep or experiment writes its files."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

from sim.errors import ScenarioError


def output_folder(arg: str | None) -> Path:
    """The output folder for ``--out`` (``None``: a new time-stamped folder under ./runs/), checked writable.

    An existing folder must be empty; the folder itself is created only when the output is
    complete (the caller writes into a temporary sibling and renames it).
    """
    if arg is None:
        base = Path("runs")
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        out, k = base / stamp, 1
        while out.exists():
            k += 1
            out = base / f"{stamp}-{k}"
    else:
        out = Path(arg)
        if out.exists() and (not out.is_dir() or any(out.iterdir())):
            raise ScenarioError("--out", f"{out} exists and is not an empty folder")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ScenarioError("--out", f"cannot create {out.parent} ({exc.strerror})") from None
    if not os.access(out.parent, os.W_OK):
        raise ScenarioError("--out", f"{out.parent} is not writable")
    return out.resolve()
