"""Scenario files and changes: TOML in, a validated :class:`~sim.scenario.models.Scenario` out.

Errors are one line that names the field and the reason (``brand.budget: must be >= 0,
got -5000``), raised as :class:`~sim.errors.ScenarioError`.

Examples
--------
>>> scenario = load_scenario_text("[population]\\nsize = 2000\\n")
>>> scenario.population.size, scenario.run.replicates
(2000, 10)
>>> with_fields(scenario, {"brand.budget": 20000}).brand.budget
20000.0
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from sim.errors import ScenarioError
from sim.scenario.models import DEFAULT_STRATEGIES, Scenario

MAX_DEPTH = 12  # tables nested deeper than this are refused before validation (no RecursionError)
MAX_TEXT = 10_000_000  # characters of a scenario file
MAX_FIELD = 200  # characters of a field path shown in an error (longer ones are cut, control characters escaped)
MAX_REASON = 500  # characters of the reason shown in an error


def resolve(raw: dict | Scenario, base_dir: Path | None = None) -> Scenario:
    """Validate a raw scenario mapping and fill in every default.

    A graph file's, a shortlist's and a posterior file's path are taken relative to ``base_dir`` (the
    scenario file's folder).
    Raises :class:`~sim.errors.ScenarioError` naming the first bad field.

    Examples
    --------
    >>> resolve({}).campaign.days
    30
    >>> resolve({"brand": {"budget": -5000}})
    Traceback (most recent call last):
    ...
    sim.errors.ScenarioError: brand.budget: must be >= 0, got -5000
    """
    if isinstance(raw, Scenario):
        return raw
    _check_depth(raw)
    raw = _onto_default_strategies(raw)
    if base_dir is not None:  # files the scenario names: a graph file, a shortlist CSV, a posterior
        for path in (("population", "graph", "path"), ("influencers", "shortlist"), ("parameters", "posterior")):
            raw = _relative_to(raw, path, Path(base_dir))
    try:
        return Scenario.model_validate(raw)
    except ValidationError as exc:
        raise one_line(exc) from None


def _onto_default_strategies(raw: dict) -> dict:
    """``raw`` with each strategy that has a default's name and no ``kind`` laid onto that default strategy.

    ``[strategies.micro_equal_budget] match = ""`` changes the default micro strategy's
    ``match``; without this it was a new strategy of the default kind (``macro``) that kept
    only the name. A strategy given with its ``kind`` is taken as written.

    Examples
    --------
    >>> out = _onto_default_strategies({"strategies": {"micro_equal_budget": {"match": ""}, "x": {"kind": "mixed"}}})
    >>> out["strategies"]["micro_equal_budget"]["kind"], out["strategies"]["micro_equal_budget"]["match"]
    ('micro_equal_budget', '')
    >>> out["strategies"]["x"]
    {'kind': 'mixed'}
    """
    strategies = raw.get("strategies")
    if not isinstance(strategies, dict):
        return raw
    laid = {name: ({**DEFAULT_STRATEGIES[name].model_dump(), **entry}
                   if isinstance(entry, dict) and "kind" not in entry and name in DEFAULT_STRATEGIES else entry)
            for name, entry in strategies.items()}
    return {**raw, "strategies": laid}


def _relative_to(raw: dict, keys: tuple, base_dir: Path) -> dict:
    """``raw`` with the relative file path at ``raw[keys[0]]...[keys[-1]]`` made absolute under ``base_dir``.

    Anything else (no such table, not a string, empty, absolute) is left as it is for the
    validation to judge.

    Examples
    --------
    >>> _relative_to({"influencers": {"shortlist": "a.csv"}}, ("influencers", "shortlist"), Path("/x"))
    {'influencers': {'shortlist': '/x/a.csv'}}
    >>> _relative_to({"influencers": 3}, ("influencers", "shortlist"), Path("/x"))
    {'influencers': 3}
    """
    head, *rest = keys
    value = raw.get(head)
    if rest:
        if not isinstance(value, dict):
            return raw
        new = _relative_to(value, tuple(rest), base_dir)
        return raw if new is value else {**raw, head: new}
    if not isinstance(value, str) or not value or Path(value).is_absolute():
        return raw
    return {**raw, head: str((base_dir / value).resolve())}


def one_line(exc: ValidationError, prefix: str = "") -> ScenarioError:
    """The first error of a pydantic ``ValidationError`` as a one-line :class:`ScenarioError`.

    Examples
    --------
    >>> try:
    ...     Scenario.model_validate({"campaign": {"format": "reel"}})
    ... except ValidationError as exc:
    ...     print(one_line(exc))
    campaign.format: 'reel' is not one of post, video, carousel, story_with_link
    """
    err = exc.errors(include_url=False)[0]
    loc = [str(x) for x in err["loc"]]
    key = None
    if "[key]" in loc:  # a bad name of a table entry (a strategy, a tier): name the table, show the name short
        i = loc.index("[key]")
        key, loc = loc[i - 1], loc[: i - 1]
    path = _dotted(loc)
    kind, ctx, value = err["type"], err.get("ctx") or {}, err.get("input")
    if kind == "scenario_field":
        return safe_error(_join(prefix, ctx["field"]), ctx["reason"])
    if kind == "extra_forbidden":
        known = ", ".join(sorted(_known_keys(exc.title, loc[:-1])))
        return safe_error(_join(prefix, path), f"unknown key (known keys: {known})")
    reasons = {
        "greater_than_equal": lambda: f"must be >= {_g(ctx.get('ge'))}, got {_g(value)}",
        "greater_than": lambda: f"must be > {_g(ctx.get('gt'))}, got {_g(value)}",
        "less_than_equal": lambda: f"must be <= {_g(ctx.get('le'))}, got {_g(value)}",
        "less_than": lambda: f"must be < {_g(ctx.get('lt'))}, got {_g(value)}",
        "literal_error": lambda: f"{_short(value)} is not one of {_choices(ctx.get('expected', ''))}",
        "finite_number": lambda: "must be a finite number",
        "model_type": lambda: f"expected a table, got {_kind(value)}",
        "dict_type": lambda: f"expected a table, got {_kind(value)}",
        "model_attributes_type": lambda: f"expected a table, got {_kind(value)}",
        "list_type": lambda: f"expected a list, got {_kind(value)}",
        "too_short": lambda: f"needs at least {ctx.get('min_length')} "
                             f"{'entry' if isinstance(value, dict) else 'item'}{'' if ctx.get('min_length') == 1 else 's'}",
        "too_long": lambda: f"is too long (at most {ctx.get('max_length'):,} items)",
        "string_too_long": lambda: f"is too long (at most {ctx.get('max_length'):,} characters)",
        "int_type": lambda: f"expected an integer, got {_kind(value)}",
        "int_from_float": lambda: f"expected an integer, got {_kind(value)}",
        "int_parsing": lambda: f"expected an integer, got {_kind(value)}",
        "float_type": lambda: f"expected a number, got {_kind(value)}",
        "float_parsing": lambda: f"expected a number, got {_kind(value)}",
        "bool_type": lambda: f"expected true or false, got {_kind(value)}",
        "string_type": lambda: f"expected a string, got {_kind(value)}",
    }
    reason = reasons[kind]() if kind in reasons else err["msg"].removeprefix("Value error, ")
    if kind in ("int_type", "float_type", "bool_type", "string_type") and "{" not in err["msg"] and "got" in err["msg"]:
        reason = err["msg"]
    if key is not None:
        reason = f"the name {_short(key, 40)} {reason}"
    return safe_error(_join(prefix, path) or "scenario", reason)


def safe_error(field: str, reason: str, error: type = ScenarioError) -> ScenarioError:
    """``error(field, reason)`` with control characters escaped and long text cut, so it stays one short line.

    Examples
    --------
    >>> print(safe_error("strategies.a\\x1b[2J", "x" * 1000))  # doctest: +ELLIPSIS
    strategies.a\\x1b[2J: xxx...
    >>> len(str(safe_error("f" * 10**6, "r"))) < 300
    True
    """
    return error(clean_text(field, MAX_FIELD) or "scenario", clean_text(reason, MAX_REASON))


def clean_text(text: str, limit: int) -> str:
    """``text`` with control characters escaped, cut to ``limit`` characters (for error messages)."""
    return _clip(_printable(str(text)), limit)


def default_scenario() -> Scenario:
    """The embedded default scenario (an empty file, resolved).

    Examples
    --------
    >>> sorted(default_scenario().strategies)
    ['macro', 'micro_equal_budget']
    """
    return Scenario()


def load_scenario(path: str | Path | None) -> Scenario:
    """Load and validate a scenario file; ``None`` gives the embedded default."""
    if path is None:
        return default_scenario()
    p = Path(path)
    return resolve(read_toml(p)[0], base_dir=p.parent)


def read_toml(path: str | Path, field: str = "scenario", error: type = ScenarioError) -> tuple[dict, str]:
    """(parsed table, text) of a TOML file; a missing, unreadable or malformed file is ``error(field, reason)``."""
    p = Path(path)
    if p.is_dir():
        raise error(field, f"{p} is a folder, not a file")
    if not p.exists():
        raise error(field, f"file not found: {p}")
    try:
        if p.stat().st_size > MAX_TEXT:
            raise error(field, f"{p} is larger than {MAX_TEXT:,} bytes")
        text = p.read_text(encoding="utf-8")
    except PermissionError:
        raise error(field, f"{p} is not readable (permission denied)") from None
    except UnicodeDecodeError:
        raise error(field, f"{p} is not UTF-8 text") from None
    except OSError as exc:
        raise error(field, f"cannot read {p} ({exc.strerror})") from None
    return parse_toml(text, field, error, where=str(p)), text


def parse_toml(text: str, field: str = "scenario", error: type = ScenarioError, where: str = "") -> dict:
    """Parse TOML text; malformed or too deeply nested text is ``error(field, reason)``."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise error(field, f"{where + ' is ' if where else ''}not valid TOML ({exc})") from None
    except RecursionError:
        raise error(field, f"tables or lists nested deeper than {MAX_DEPTH} levels") from None
    _check_depth(raw, field, error)
    return raw


def load_scenario_text(text: str) -> Scenario:
    """Validate a scenario given as TOML text (at most :data:`MAX_TEXT` characters)."""
    if len(text) > MAX_TEXT:
        raise ScenarioError("scenario", f"is longer than {MAX_TEXT:,} characters")
    return resolve(parse_toml(text))


def json_schema() -> dict:
    """The JSON Schema of scenario files (what ``influsim schema`` prints)."""
    out = Scenario.model_json_schema()
    out["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    out["title"] = "influsim scenario"
    return out


def get_field(scenario: Scenario, dotted: str) -> Any:
    """Read a field by dotted path, e.g. ``"product.price"``.

    Examples
    --------
    >>> get_field(default_scenario(), "campaign.days")
    30
    """
    node: Any = scenario
    for part in dotted.split("."):
        if isinstance(node, BaseModel) and part in type(node).model_fields:
            node = getattr(node, part)
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise safe_error(dotted, "no such scenario field")
    return node


def with_fields(scenario: Scenario, changes: dict[str, Any]) -> Scenario:
    """A re-validated copy of ``scenario`` with fields changed by dotted path.

    A value replaces the field; a table value (a ``dict``) replaces a whole table, such
    as a strategy (``"strategies.mixed": {"kind": "mixed"}`` adds one); ``None`` removes
    an entry of a named table (``"strategies.micro_equal_budget": None``).

    Examples
    --------
    >>> with_fields(default_scenario(), {"product.price": 90}).product.price
    90.0
    >>> s = with_fields(default_scenario(), {"strategies.swarm": {"kind": "nano_swarm"},
    ...                                      "strategies.micro_equal_budget": None})
    >>> list(s.strategies)
    ['macro', 'swarm']
    """
    out = scenario.model_dump(mode="python")
    for dotted, value in changes.items():
        parts = dotted.split(".")
        node = out
        for i, part in enumerate(parts[:-1]):
            if not isinstance(node.get(part), dict):
                raise safe_error(dotted, "no such scenario field")
            node = node[part]
        leaf = parts[-1]
        named_table = len(parts) >= 2 and parts[-2] in ("strategies", "tiers", "counts") or \
            (len(parts) >= 3 and parts[-3] == "strategies" and parts[-2] == "tiers")
        if leaf not in node and not (named_table and value is not None):
            raise safe_error(dotted, "no such scenario field")
        if value is None:
            if not named_table:
                raise safe_error(dotted, "only entries of a named table (a strategy, a tier) can be removed")
            del node[leaf]
        else:
            node[leaf] = value.model_dump() if isinstance(value, BaseModel) else value
    return resolve(out)


def parse_assignment(text: str) -> tuple[str, Any]:
    """``"brand.budget=20000"`` -> ``("brand.budget", 20000)``: the value is read as TOML, else as text.

    Examples
    --------
    >>> parse_assignment("brand.budget=2e4"), parse_assignment("product.niche=food")
    (('brand.budget', 20000.0), ('product.niche', 'food'))
    """
    if "=" not in text:
        raise ScenarioError("--set", f"expected FIELD=VALUE, got {_short(text)}")
    key, _, value = text.partition("=")
    key, value = key.strip(), value.strip()
    if not key:
        raise ScenarioError("--set", f"expected FIELD=VALUE, got {_short(text)}")
    try:
        return key, tomllib.loads(f"v = {value}")["v"]
    except tomllib.TOMLDecodeError:
        return key, value


def scenario_dict(scenario: Scenario) -> dict:
    """The scenario as plain JSON-able data (what ``scenario.json`` holds)."""
    return scenario.model_dump(mode="json")


def scenario_json(scenario: Scenario) -> str:
    """The resolved scenario as stable JSON text."""
    return json.dumps(scenario_dict(scenario), indent=2, sort_keys=True)


def fingerprint(scenario: Scenario, *sections: str) -> str:
    """A short stable hash of the scenario (or of some of its sections)."""
    import hashlib

    data = scenario_dict(scenario)
    if sections:
        data = {k: data[k] for k in sections}
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:24]


# -- helpers ----------------------------------------------------------------------------------------

def _check_depth(raw: Any, field: str = "scenario", error: type = ScenarioError) -> None:
    stack = [(raw, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_DEPTH:
            raise error(field, f"tables or lists nested deeper than {MAX_DEPTH} levels")
        if isinstance(node, dict):
            stack.extend((v, depth + 1) for v in node.values())
        elif isinstance(node, list):
            stack.extend((v, depth + 1) for v in node)


def _dotted(loc: list[str]) -> str:
    out = ""
    for part in loc:
        if part.isdigit() and out and not out.endswith("strategies"):
            out += f"[{part}]"
        else:
            out = f"{out}.{part}" if out else part
    return out


def _join(prefix: str, path: str) -> str:
    return f"{prefix}.{path}" if prefix and path else (prefix or path)


def _known_keys(title: str, loc: list[str]) -> list[str]:
    """Field names of the table at ``loc`` (for "unknown key" messages)."""
    model: Any = Scenario
    entry = False  # the next part names an entry of a table of models (a strategy)
    for part in loc:
        if entry:
            entry = False
            continue
        info = model.model_fields.get(part) if model is not None else None
        if info is None:
            return []
        ann = info.annotation
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            model = ann
        elif getattr(ann, "__origin__", None) is dict and isinstance(ann.__args__[1], type) \
                and issubclass(ann.__args__[1], BaseModel):
            model, entry = ann.__args__[1], True
        else:
            return []
    return list(model.model_fields) if model is not None else []


def _g(x: Any) -> str:
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return _short(x)
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return f"{x:g}"


def _choices(expected: str) -> str:
    return expected.replace("'", "").replace(" or ", ", ")


def _kind(value: Any) -> str:
    return {dict: "a table", list: "a list", str: "a string", bool: "a boolean", int: "an integer",
            float: "a number"}.get(type(value), type(value).__name__)


def _short(value: Any, limit: int = 60) -> str:
    return _clip(_printable(repr(value)), limit)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _printable(text: str) -> str:
    """Control characters shown escaped, so an error stays one line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def default_toml() -> str:
    """The default scenario as commented TOML (what ``influsim schema --toml`` prints).

    Every field has its meaning, its allowed values where it is a choice, and its source
    (a reference file or paper, ``calibrated``) or ``[assumption]``.

    Examples
    --------
    >>> resolve(tomllib.loads(default_toml())) == default_scenario()
    True
    >>> "[assumption]" in default_toml() and "one of: post, video" in default_toml()
    True
    """
    lines = ["# influsim default scenario: every field with its default, meaning and source.",
             "# Generated by `influsim schema --toml`; an empty file means the same.",
             "# [assumption] marks a default with no published figure behind it.", ""]
    _toml_table(lines, default_scenario(), [])
    return "\n".join(lines).rstrip() + "\n"


def _field_comment(info, dotted: str = "") -> str:
    """A field's comment: meaning, choices, source; and its prior (``dotted`` names an uncertain parameter)."""
    from typing import get_args, get_origin, Literal

    from sim.scenario.priors import PRIORS, calibrated_draws

    doc = info.description or ""
    source = (info.json_schema_extra or {}).get("source", "assumption")
    ann = info.annotation
    choices = get_args(ann) if get_origin(ann) is Literal else ()
    parts = [doc]
    if choices:
        parts.append("one of: " + ", ".join(map(str, choices)))
    parts.append("[assumption]" if source == "assumption" else f"[source: {source}]")
    parts.extend(p.describe() for p in PRIORS if p.field == dotted)
    fields, draws = calibrated_draws()
    if dotted and dotted in fields:
        parts.append(f"uncertain: drawn jointly from the calibration's bootstrap ({len(draws)} refits)")
    return "; ".join(p for p in parts if p)


def _toml_table(lines: list, model: BaseModel, path: list) -> None:
    fields = type(model).model_fields
    scalars, nested = [], []
    for name, info in fields.items():
        value = getattr(model, name)
        if isinstance(value, BaseModel) or (isinstance(value, dict) and name != "ids"):
            nested.append((name, info, value))
        else:
            scalars.append((name, info, value))
    if path:
        lines.append(f"[{'.'.join(path)}]  # {type(model).__doc__.strip().splitlines()[0]}")  # type: ignore[union-attr]  # every table has a docstring
    for name, info, value in scalars:
        lines.append(f"{name} = {_toml_value(value)}  # {_field_comment(info, '.'.join(path + [name]))}")
    if path or scalars:
        lines.append("")
    for name, info, value in nested:
        if isinstance(value, BaseModel):
            _toml_table(lines, value, path + [name])
        elif value and all(isinstance(v, BaseModel) for v in value.values()):
            for key, sub in value.items():
                _toml_table(lines, sub, path + [name, key])
        else:
            lines.append(f"[{'.'.join(path + [name])}]  # {_field_comment(info)}")
            lines.extend(f"{key} = {_toml_value(v)}" for key, v in value.items())
            lines.append("")


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, list):
        return "[" + ", ".join(_toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {_toml_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, float):
        return repr(v)
    return str(v)


def scenario_toml(scenario: Scenario) -> str:
    """A resolved scenario as commented TOML that loads back to the same scenario.

    What the app saves: every field with its value and meaning; table names that are not
    bare TOML keys (a strategy called ``"big one"``) are quoted.

    Examples
    --------
    >>> s = with_fields(default_scenario(), {"brand.budget": 20000, "strategies.big one": {"kind": "mixed"}})
    >>> load_scenario_text(scenario_toml(s)) == s
    True
    """
    lines = [f"# influsim scenario {scenario.name!r}, saved with every field; load it with `influsim run FILE`.", ""]
    _saved_table(lines, scenario, [])
    return "\n".join(lines).rstrip() + "\n"


def _toml_key(key: str) -> str:
    """A bare TOML key when it can be one, else a quoted one."""
    bare = key and all(c.isascii() and (c.isalnum() or c in "_-") for c in key)
    return key if bare else json.dumps(key)


def _saved_table(lines: list, model: BaseModel, path: list) -> None:
    """Like :func:`_toml_table`, with quoted keys, for any scenario."""
    scalars: list[tuple[str, Any, Any]]  # (name, field info, value)
    nested: list[tuple[str, Any, Any]]
    scalars, nested = [], []
    for name, info in type(model).model_fields.items():
        value = getattr(model, name)
        is_table = isinstance(value, BaseModel) or (isinstance(value, dict) and name != "ids")
        (nested if is_table else scalars).append((name, info, value))
    if path:
        lines.append(f"[{'.'.join(path)}]")
    lines.extend(f"{_toml_key(name)} = {_toml_value(value)}  # {_field_comment(info, '.'.join(path + [name]))}"
                 for name, info, value in scalars)
    lines.append("")
    for name, info, value in nested:
        if isinstance(value, BaseModel):
            _saved_table(lines, value, path + [name])
        elif value and all(isinstance(v, BaseModel) for v in value.values()):
            for key, sub in value.items():
                _saved_table(lines, sub, path + [name, _toml_key(key)])
        else:
            lines.append(f"[{'.'.join(path + [name])}]")
            lines.extend(f"{_toml_key(key)} = {_toml_value(v)}" for key, v in value.items())
            lines.append("")
