"""The app's form as plain data: which fields it shows, their text, and the scenario they make.

The form holds text, as typed; :func:`build` reads each value the way ``influsim run --set
FIELD=VALUE`` does (as TOML, else as text) and validates it with the scenario's own
rules, so a bad value gets the CLI's one-line message (``brand.budget: must be >= 0, got
-5000``), filed under the form field it belongs to. Fields the form does not show keep
the value of the base scenario (the app's preset, or a loaded file).

Examples
--------
>>> base = app_scenario()
>>> values = {**values_of(base), "brand.budget": "-5000"}
>>> build(base, values, rows_of(base)).errors
{'brand.budget': 'brand.budget: must be >= 0, got -5000'}
>>> built = build(base, {**values, "brand.budget": "20000"}, rows_of(base) + (StrategyRow("mix", "mixed"),))
>>> built.scenario.brand.budget, list(built.scenario.strategies)
(20000.0, ['macro', 'micro_equal_budget', 'mix'])
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import get_args

from sim.errors import ScenarioError
from sim.scenario import Scenario, default_scenario, get_field, parse_assignment, with_fields
from sim.scenario.models import Selection, StrategyKind

#: What the app starts from: the default scenario made small enough to run in seconds.
APP_PRESET = {"population.size": 20_000, "population.represents": 100, "run.replicates": 5}

KINDS: tuple[str, ...] = get_args(StrategyKind)
SELECTIONS: tuple[str, ...] = get_args(Selection)


@dataclass(frozen=True)
class FormField:
    """One field of the form: its dotted scenario path, label and unit."""

    path: str
    label: str
    unit: str = ""


#: The form's sections and fields, in order.
SECTIONS: dict[str, tuple[FormField, ...]] = {
    "Brand": (FormField("brand.budget", "budget", "USD"),
              FormField("brand.management_hours", "staff hours per hire", "hours"),
              FormField("brand.hourly_rate", "staff cost", "USD per hour")),
    "Product": (FormField("product.price", "price", "USD"),
                FormField("product.margin", "gross margin", "share, 0-1"),
                FormField("product.luxury", "luxury", "0 everyday, 1 luxury"),
                FormField("product.familiarity", "familiarity", "0 unknown, 1 famous"),
                FormField("product.niche", "niche")),
    "Campaign": (FormField("campaign.days", "campaign length", "days"),
                 FormField("campaign.posts_per_influencer", "posts per creator", "posts")),
    "Simulation": (FormField("population.size", "simulated people"),
                   FormField("population.represents", "each stands for", "real people"),
                   FormField("run.replicates", "replicates", "per strategy"),
                   FormField("run.seed", "seed")),
}
FIELDS: dict[str, FormField] = {f.path: f for fs in SECTIONS.values() for f in fs}

#: Fields a what-if can vary (numbers).
WHATIF_FIELDS = ("brand.budget", "brand.management_hours", "brand.hourly_rate", "product.price", "product.margin",
                 "product.luxury", "product.familiarity", "campaign.days", "campaign.posts_per_influencer")


@dataclass(frozen=True)
class StrategyRow:
    """One strategy of the form: its name, kind and selection; ``source`` names the strategy
    of the base scenario it was loaded from (its other fields are kept)."""

    name: str
    kind: str = "mixed"
    selection: str = "brand_fit"
    source: str = ""


@dataclass(frozen=True)
class Built:
    """The scenario the form makes (``None`` if a field is bad) and the messages by form key."""

    scenario: Scenario | None
    errors: dict[str, str] = field(default_factory=dict)


def app_scenario() -> Scenario:
    """The default scenario with :data:`APP_PRESET` (20,000 people, 5 replicates)."""
    return with_fields(default_scenario(), APP_PRESET)


def field_text(value) -> str:
    """A field's value as the form shows it: ``50000`` rather than ``50000.0``.

    Examples
    --------
    >>> field_text(50000.0), field_text(0.5), field_text(30), field_text("fitness")
    ('50000', '0.5', '30', 'fitness')
    """
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return str(value)


def values_of(scenario: Scenario) -> dict[str, str]:
    """The text of every form field for ``scenario``."""
    return {path: field_text(get_field(scenario, path)) for path in FIELDS}


def rows_of(scenario: Scenario) -> tuple[StrategyRow, ...]:
    """The strategies of ``scenario`` as form rows."""
    return tuple(StrategyRow(name, s.kind, s.selection, source=name) for name, s in scenario.strategies.items())


def new_row(rows: tuple[StrategyRow, ...]) -> StrategyRow:
    """A new strategy row with a name not yet taken (``strategy_3``, ...)."""
    taken = {r.name for r in rows}
    k = len(rows) + 1
    while f"strategy_{k}" in taken:
        k += 1
    return StrategyRow(f"strategy_{k}")


def row_key(i: int) -> str:
    """The error key of the ``i``-th strategy row."""
    return f"strategy:{i}"


def error_key(field_path: str, rows: tuple[StrategyRow, ...], fallback: str = "") -> str:
    """The form key a message about ``field_path`` is shown at: a field, a strategy row, or ``fallback``.

    Examples
    --------
    >>> rows = (StrategyRow("macro", "macro"), StrategyRow("big one", "mixed"))
    >>> error_key("brand.budget", rows), error_key("strategies.big one.tier", rows), error_key("tiers", rows, "x")
    ('brand.budget', 'strategy:1', 'x')
    """
    if field_path in FIELDS:
        return field_path
    if field_path == "strategies":
        return field_path
    if field_path.startswith("strategies."):
        rest = field_path[len("strategies."):]
        for i, r in sorted(enumerate(rows), key=lambda ir: -len(ir[1].name)):  # longest name first
            if rest == r.name or rest.startswith(r.name + "."):
                return row_key(i)
        return "strategies"
    return fallback


def strategy_table(base: Scenario, rows: tuple[StrategyRow, ...]) -> dict[str, dict]:
    """The ``strategies`` table the rows make: a loaded strategy keeps its other fields."""
    table = {}
    for r in rows:
        old = base.strategies.get(r.source)
        table[r.name] = {**(old.model_dump() if old is not None else {}), "kind": r.kind, "selection": r.selection}
    return table


def build(base: Scenario, values: dict[str, str], rows: tuple[StrategyRow, ...]) -> Built:
    """Validate the form against ``base``: every field alone, the strategies, then all together.

    Parameters
    ----------
    base : Scenario
        The scenario the form edits (fields it does not show keep their value).
    values : dict of str to str
        The text of each form field (:data:`FIELDS`), read as ``--set FIELD=TEXT`` reads it.
    rows : tuple of StrategyRow
        The strategies to compare.

    Returns
    -------
    Built
        The scenario, or ``None`` and one CLI message per bad field (keys: field paths,
        :func:`row_key` for a strategy, ``"strategies"`` or ``""`` for the rest).
    """
    errors: dict[str, str] = {}
    changes = dict(parse_assignment(f"{path}={values.get(path, '')}") for path in FIELDS)
    for path, value in changes.items():
        try:
            with_fields(base, {path: value})
        except ScenarioError as exc:
            errors.setdefault(error_key(exc.field, rows, fallback=path), str(exc))
    names = [r.name for r in rows]
    for i, name in enumerate(names):
        if not name.strip():
            errors[row_key(i)] = "strategies: strategy names must not be empty"
        elif name in names[:i]:
            errors[row_key(i)] = f"strategies.{name}: another strategy has this name"
    table = strategy_table(base, rows)
    if not errors:
        try:
            return Built(with_fields(base, {**changes, "strategies": table}))
        except ScenarioError as exc:
            errors[error_key(exc.field, rows)] = str(exc)
    return Built(None, errors)
