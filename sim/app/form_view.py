"""The form: scenario file load and save, the fields by section, the strategies to compare.

Every field shows its one-line message (the CLI's) right under it while its value is bad.
"""

from __future__ import annotations

import dataclasses
import hashlib
import importlib.util
import re
from pathlib import Path

import solara

from sim.app import state
from sim.app.bundle import folder_name
from sim.app.form import KINDS, SECTIONS, SELECTIONS, Built, new_row, row_key
from sim.app.upload import TextUpload
from sim.atomic import atomic_file
from sim.errors import InfluSimError
from sim.scenario import load_scenario_text, scenario_toml


GRID = {"display": "grid", "grid-template-columns": "repeat(auto-fill, minmax(160px, 1fr))", "gap": "0 16px"}
STRATEGY_GRID = {"display": "grid", "grid-template-columns": "1fr 1fr", "gap": "0 16px", "align-items": "baseline",
                 "border-top": "1px solid #e0e0e0", "padding-top": "4px"}
#: A grid cell across the whole row: a choice whose values are long (micro_equal_following,
#: cost_per_engagement) or a field whose label would be cut in half a row.
WHOLE_ROW = {"grid-column": "1 / -1"}
#: Characters of a field's label (its name and unit) that fit half a row of the form at 1280 px.
HALF_ROW_LABEL = 28


def css_class(path: str) -> str:
    """The CSS class of a form field (for tests and styling): ``field-brand-budget``.

    Examples
    --------
    >>> css_class("brand.budget")
    'field-brand-budget'
    """
    return "field-" + path.replace(".", "-").replace("_", "-")


@solara.component
def ScenarioFiles(built: Built):
    """Load a scenario TOML (upload) and save the form's scenario (download)."""

    def on_file(f: dict) -> None:
        if f.get("text") is None:
            state.file_error.set(f"{f['name']} not loaded: larger than 10,000,000 bytes")
            return
        try:
            state.load(load_scenario_text(f["text"]), f"loaded {f['name']}")
        except InfluSimError as exc:
            state.file_note.set("")
            state.file_error.set(f"{f['name']} not loaded: {exc}")

    with solara.Card("Scenario file", classes=["scenario-file"]):
        TextUpload(label="Load a scenario (TOML):", accept=".toml,text/plain", error=state.file_error.value,
                   note=state.file_note.value, classes="scenario-upload", event_text_file=on_file)
        if built.scenario is not None:
            solara.FileDownload(scenario_toml(built.scenario), filename=f"{folder_name(built.scenario)[:-4]}.toml",
                                label="Save this scenario (TOML)", mime_type="application/toml")
        else:
            solara.Button("Save this scenario (TOML)", disabled=True, icon_name="mdi-cloud-download-outline")
            solara.Text("Fix the fields marked in red to save.", classes=["save-note"])


@solara.component
def ShortlistUpload():
    """Your own creators: upload a shortlist CSV, read by the CLI's reader (:mod:`sim.world.shortlist`).

    Shown only when that module exists. A bad file gets the CLI's one-line message under
    the upload (``shortlist.csv:14: followers: ...``) and changes nothing; a good one is
    kept (:func:`keep_upload`) and becomes the scenario's ``influencers.shortlist``, with
    "N accounts loaded (M estimated fees)" under the upload. A checkbox makes it the whole
    candidate pool (``influencers.shortlist_only``).
    """
    sc = state.base.value

    def on_file(f: dict) -> None:
        from sim.world.shortlist import parse_shortlist

        name = Path(f.get("name") or "shortlist.csv").name
        text = f.get("text")
        try:
            if text is None:
                raise ValueError(f"{name}: larger than 10,000,000 bytes")
            if "\ufffd" in text:  # the browser replaced bytes that are not UTF-8
                raise ValueError(f"{name}: not UTF-8 text (save it as CSV UTF-8)")
            short = parse_shortlist(text, name, state.base.value.population.niches)
            path = keep_upload(name, text)
            state.set_shortlist(str(path))
        except (InfluSimError, ValueError, OSError) as exc:
            state.shortlist_note.set("")
            state.shortlist_error.set(str(exc))
            return
        state.shortlist.set(str(path))
        state.shortlist_error.set("")
        state.shortlist_note.set(f"{name}: {short.summary()}")

    def remove() -> None:
        state.set_shortlist("")
        state.shortlist.set(None)
        state.shortlist_note.set("")
        state.shortlist_error.set("")

    with solara.Card("Your own creators", classes=["shortlist"]):
        TextUpload(label="Upload a shortlist (CSV):", accept=".csv,text/csv", error=state.shortlist_error.value,
                   note=state.shortlist_note.value, classes="shortlist-upload", event_text_file=on_file)
        if sc.influencers.shortlist:
            if not state.shortlist_note.value:
                solara.Text(f"shortlist: {Path(sc.influencers.shortlist).name} (from the scenario file)",
                            classes=["shortlist-from-file"])
            with solara.Div(classes=["shortlist-only"]):
                solara.Checkbox(label="only these creators (no generated accounts)",
                                value=sc.influencers.shortlist_only,
                                on_value=lambda v: state.set_shortlist(state.base.value.influencers.shortlist, v))
            solara.Button("Remove the shortlist", on_click=remove, text=True, classes=["shortlist-remove"])
        else:
            solara.Text("Columns: handle, platform, followers, niche; optional engagement_rate, fee, country, "
                        "language (see scenarios/shortlist_example.csv).", classes=["shortlist-help"])


def keep_upload(name: str, text: str) -> Path:
    """Keep an uploaded shortlist where runs can read it: ``<market cache>/shortlists/<hash>/<name>``.

    The folder is named by the content's hash, so the same upload is kept once and a
    scenario saved from the app (TOML) still finds it later on this machine.
    """
    from sim.world import default_cache_dir

    data = text.encode("utf-8")
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-.") or "shortlist.csv"
    folder = default_cache_dir() / "shortlists" / hashlib.sha256(data).hexdigest()[:16]
    path = folder / safe
    if not path.is_file() or path.read_bytes() != data:
        folder.mkdir(parents=True, exist_ok=True)
        with atomic_file(path, "wb") as fh:  # whole or not at all, the user's umask
            fh.write(data)
    return path


def shortlist_available() -> bool:
    """Whether the shortlist reader (``sim.world.shortlist``) is there."""
    return importlib.util.find_spec("sim.world.shortlist") is not None


@solara.component
def FieldInput(path: str, label: str, unit: str, error: str):
    """One form field: a text input (or the niche choice) with its message under it."""
    text = state.values.value.get(path, "")

    def set_text(new: str) -> None:
        state.values.set({**state.values.value, path: new})

    title = f"{label} ({unit})" if unit else label
    if path == "product.niche":
        niches = list(state.base.value.population.niches)
        solara.Select(title, values=niches, value=text if text in niches else niches[0], on_value=set_text,
                      classes=[css_class(path)])
        if error:
            solara.Text(error, classes=["error--text", "field-error"])
    else:
        solara.InputText(title, value=text, on_value=set_text, error=error or False, classes=[css_class(path)],
                         style=WHOLE_ROW if len(title) > HALF_ROW_LABEL else None)


@solara.component
def Fields(errors: dict):
    """The form's sections (brand, product, campaign, simulation), one card each."""
    for section, fields in SECTIONS.items():
        with solara.Card(section, classes=[f"section-{section.lower()}"], margin=2):
            with solara.Div(style=GRID):
                for f in fields:
                    FieldInput(f.path, f.label, f.unit, errors.get(f.path, ""))


@solara.component
def StrategyEditor(errors: dict):
    """The strategies to compare: name, kind and how candidates are chosen; add and remove."""
    rows = state.rows.value

    def change(i: int, **kw) -> None:
        state.rows.set(tuple(dataclasses.replace(r, **kw) if k == i else r for k, r in enumerate(state.rows.value)))

    def remove(i: int) -> None:
        state.rows.set(tuple(r for k, r in enumerate(state.rows.value) if k != i))

    with solara.Card("Strategies to compare", classes=["strategies"]):
        solara.Text("The first strategy is the baseline the others are compared with.")
        for i, r in enumerate(rows):
            with solara.Div(classes=["strategy-row", f"strategy-{i}"], style=STRATEGY_GRID):
                solara.InputText("name", value=r.name, on_value=lambda v, i=i: change(i, name=v.strip()),  # type: ignore[misc]  # mypy cannot type a lambda's default argument
                                 classes=[f"strategy-name-{i}"])
                solara.Button("Remove", on_click=lambda i=i: remove(i), text=True, classes=[f"strategy-remove-{i}"])
                solara.Select("kind", values=list(KINDS), value=r.kind, on_value=lambda v, i=i: change(i, kind=v),  # type: ignore[misc]  # as above
                              classes=[f"strategy-kind-{i}"], style=WHOLE_ROW)
                solara.Select("selection", values=list(SELECTIONS), value=r.selection,
                              on_value=lambda v, i=i: change(i, selection=v), classes=[f"strategy-selection-{i}"],  # type: ignore[misc]  # as above
                              style=WHOLE_ROW)
            if errors.get(row_key(i)):
                solara.Text(errors[row_key(i)], classes=["error--text", "field-error", f"strategy-error-{i}"])
        if errors.get("strategies"):
            solara.Text(errors["strategies"], classes=["error--text", "field-error", "strategies-error"])
        solara.Button("Add strategy", icon_name="mdi-plus", on_click=lambda: state.rows.set(rows + (new_row(rows),)),
                      classes=["add-strategy"])


@solara.component
def Form(built: Built, errors: dict):
    """The whole form, top to bottom."""
    ScenarioFiles(built)
    if shortlist_available():
        ShortlistUpload()
    Fields(errors)
    StrategyEditor(errors)
    if errors.get(""):
        solara.Text(errors[""], classes=["error--text", "field-error", "general-error"])
