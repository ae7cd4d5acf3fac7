"""A small declarative schema: typed fields with ranges, nested tables, JSON Schema.

The scenario format (see :mod:`sim.scenario.core`) is declared with these pieces so that
validation, defaults, the ``influsim schema`` output and the docs come from one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sim.errors import ScenarioError

_JSON_TYPES = {bool: "boolean", int: "integer", float: "number", str: "string"}


@dataclass(frozen=True)
class Field:
    """One scalar or list field.

    Examples
    --------
    >>> Field(10, int, "people", lo=1).check("population.size", 5)
    5
    """

    default: Any
    type: type
    doc: str
    lo: float | None = None
    hi: float | None = None
    choices: tuple | None = None
    item: type | None = None  # element type when ``type is list``
    min_items: int = 0
    lo_open: bool = False  # lo is exclusive

    def check(self, path: str, value: Any) -> Any:
        """Return ``value`` converted to the field's type, or raise ScenarioError."""
        if self.type is list:
            if not isinstance(value, list):
                raise ScenarioError(path, f"expected a list, got {_kind(value)}")
            if len(value) < self.min_items:
                raise ScenarioError(path, f"needs at least {self.min_items} items")
            out = [_scalar(f"{path}[{i}]", v, self.item, self) for i, v in enumerate(value)]
            if self.item is str and len(set(out)) != len(out):
                raise ScenarioError(path, "items must be unique")
            return out
        return _scalar(path, value, self.type, self)

    def json_schema(self) -> dict:
        """The JSON Schema of this field."""
        if self.type is list:
            out = {"type": "array", "items": _json_scalar(self.item, self), "minItems": self.min_items}
        else:
            out = _json_scalar(self.type, self)
        out["default"] = self.default
        out["description"] = self.doc
        return out


@dataclass(frozen=True)
class Table:
    """A table of named fields (a TOML table). ``fields`` values are Field, Table or MapOf."""

    fields: dict
    doc: str = ""

    def defaults(self) -> dict:
        return {k: (f.defaults() if not isinstance(f, Field) else _copy(f.default)) for k, f in self.fields.items()}

    def check(self, path: str, value: Any) -> dict:
        if not isinstance(value, dict):
            raise ScenarioError(path or "scenario", f"expected a table, got {_kind(value)}")
        for key in value:
            if key not in self.fields:
                known = ", ".join(sorted(self.fields))
                raise ScenarioError(_join(path, key), f"unknown key (known keys: {known})")
        out = {}
        for key, f in self.fields.items():
            sub = _join(path, key)
            if key in value:
                out[key] = f.check(sub, value[key])
            else:
                out[key] = f.defaults() if not isinstance(f, Field) else _copy(f.default)
        return out

    def json_schema(self) -> dict:
        return {
            "type": "object",
            "description": self.doc,
            "properties": {k: f.json_schema() for k, f in self.fields.items()},
            "additionalProperties": False,
        }


@dataclass(frozen=True)
class MapOf:
    """A table whose keys are user-chosen names and whose values all share one schema.

    With ``merge``, the user's entries change or add to the defaults (a scenario that
    sets one tier's count keeps the others); without, they replace them (strategies).
    """

    value: Field | Table
    default: dict = field(default_factory=dict)
    doc: str = ""
    min_items: int = 0
    merge: bool = False

    def defaults(self) -> dict:
        return {k: self.value.check(k, v) for k, v in _copy(self.default).items()}

    def check(self, path: str, value: Any) -> dict:
        if not isinstance(value, dict):
            raise ScenarioError(path, f"expected a table, got {_kind(value)}")
        if len(value) < self.min_items:
            raise ScenarioError(path, f"needs at least {self.min_items} entries")
        out = self.defaults() if self.merge else {}
        out.update({k: self.value.check(_join(path, k), v) for k, v in value.items()})
        return out

    def json_schema(self) -> dict:
        return {
            "type": "object",
            "description": self.doc,
            "additionalProperties": self.value.json_schema(),
            "default": self.default,
        }


def _scalar(path: str, value: Any, typ: type, f: Field) -> Any:
    if typ is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ScenarioError(path, f"expected a number, got {_kind(value)}")
        value = float(value)
        if value != value or value in (float("inf"), float("-inf")):
            raise ScenarioError(path, "must be a finite number")
    elif typ is int:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, float) and value.is_integer():
                value = int(value)
            else:
                raise ScenarioError(path, f"expected an integer, got {_kind(value)}")
    elif typ is bool:
        if not isinstance(value, bool):
            raise ScenarioError(path, f"expected true or false, got {_kind(value)}")
    elif typ is str:
        if not isinstance(value, str):
            raise ScenarioError(path, f"expected a string, got {_kind(value)}")
    if f.choices is not None and typ is str and value not in f.choices:
        raise ScenarioError(path, f"{value!r} is not one of {', '.join(map(str, f.choices))}")
    if typ in (int, float):
        if f.lo is not None and (value < f.lo or (f.lo_open and value == f.lo)):
            op = ">" if f.lo_open else ">="
            raise ScenarioError(path, f"must be {op} {f.lo:g}, got {value:g}")
        if f.hi is not None and value > f.hi:
            raise ScenarioError(path, f"must be <= {f.hi:g}, got {value:g}")
    return value


def _json_scalar(typ: type, f: Field) -> dict:
    out: dict = {"type": _JSON_TYPES[typ]}
    if f.choices is not None:
        out["enum"] = list(f.choices)
    if typ in (int, float):
        if f.lo is not None:
            out["exclusiveMinimum" if f.lo_open else "minimum"] = f.lo
        if f.hi is not None:
            out["maximum"] = f.hi
    return out


def _kind(value: Any) -> str:
    return {dict: "a table", list: "a list", str: "a string", bool: "a boolean"}.get(type(value), type(value).__name__)


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else str(key)


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value
