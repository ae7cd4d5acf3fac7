"""A file input that hands a small text file (a scenario TOML, a shortlist CSV) to Python.

The browser reads the chosen file as text and sends it with its name; files larger than
``max_bytes`` arrive with ``text`` set to ``None``, so the app can say so instead of
receiving them.
"""

from __future__ import annotations

from collections.abc import Callable

import solara


@solara.component_vue("upload.vue")
def TextUpload(label: str, accept: str = "", error: str = "", note: str = "", classes: str = "",
               max_bytes: int = 10_000_000, event_text_file: Callable[[dict], None] | None = None):
    """A labelled ``<input type=file>``; ``event_text_file({"name", "text", "size"})`` when a file is chosen.

    ``error`` (a one-line message) or ``note`` is shown under it.
    """
