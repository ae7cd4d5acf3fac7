"""Building blocks of the typed scenario: a frozen strict base model and field helpers.

Every field carries its meaning (``description``) and where its default comes from
(``source``: a reference file row, a paper, ``calibrated``, or ``assumption``), so the
JSON Schema and the commented default TOML (``influsim schema --toml``) say both.

Examples
--------
>>> class Box(Section):
...     size: Int = field(3, "how many", ge=1)
>>> Box(size=2.0).size
2
>>> Box.model_fields["size"].json_schema_extra["source"]
'assumption'
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

ASSUMPTION = "assumption"


def _kind(value: Any) -> str:
    return {dict: "a table", list: "a list", str: "a string", bool: "a boolean", int: "an integer",
            float: "a number"}.get(type(value), type(value).__name__)


def _whole(value: Any) -> Any:
    """Integers, and floats with no fractional part (TOML ``1.5e3``); never strings or booleans."""
    if isinstance(value, bool) or isinstance(value, str):
        raise PydanticCustomError("int_type", "expected an integer, got {kind}", {"kind": _kind(value)})
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _number(value: Any) -> Any:
    """Numbers only: TOML strings and booleans are not numbers."""
    if isinstance(value, bool) or isinstance(value, str):
        raise PydanticCustomError("float_type", "expected a number, got {kind}", {"kind": _kind(value)})
    return value


def _boolean(value: Any) -> Any:
    if not isinstance(value, bool):
        raise PydanticCustomError("bool_type", "expected true or false, got {kind}", {"kind": _kind(value)})
    return value


def _string(value: Any) -> Any:
    if not isinstance(value, str):
        raise PydanticCustomError("string_type", "expected a string, got {kind}", {"kind": _kind(value)})
    return value


Int = Annotated[int, BeforeValidator(_whole)]
Float = Annotated[float, BeforeValidator(_number)]
Bool = Annotated[bool, BeforeValidator(_boolean)]
Str = Annotated[str, BeforeValidator(_string)]


def field(default: Any, doc: str, source: str | None = None, **constraints: Any) -> Any:
    """A scenario field: its default, meaning, source (``None``: an assumption) and range.

    Mutable defaults (lists, dicts) are copied for every model made.
    """
    extra: dict[str, Any] = {"source": source or ASSUMPTION}
    if isinstance(default, (list, dict)):
        return Field(default_factory=lambda d=default: _deep_copy(d), description=doc, json_schema_extra=extra,
                     **constraints)
    return Field(default, description=doc, json_schema_extra=extra, **constraints)


def _deep_copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _deep_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_deep_copy(v) for v in value]
    return value


class Section(BaseModel):
    """A table of a scenario: frozen, unknown keys forbidden, values validated, no NaN or infinity."""

    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False, validate_default=False,
                              protected_namespaces=())
