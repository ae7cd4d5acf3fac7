"""The one formatter: thousands separators, dollars, percentages, never ``461.474k`` or ``1e+03``.

Every number a user reads is written here: the terminal, the report, the app, the
verdicts and warnings the studies write, the claims. Text (tables, verdicts, labels drawn
on charts) is formatted in Python; chart axes get the matching Plotly/d3 settings from
:func:`axis`, so a number reads the same in a sentence, a table, on a bar and on an axis.
What kind of number a metric is comes from the registry (:mod:`sim.metrics`).

- counts and plain numbers: :func:`number` (``461,474``, ``1,000``, ``33.3``, ``0.00012``);
- money: :func:`money` (``$13,047``, ``$0.75``, ``-$1,234``);
- shares: :func:`percent` (``58%``, ``0.35%``; never ``0%`` for a share that is not zero);
- differences of shares (ROI, rates): :func:`points` (``+5 pp``, percentage points);
- a metric by its kind: :func:`value`, :func:`interval`, :func:`unit`, :func:`title`.

Examples
--------
>>> number(461474.2), number(1000), money(13047.4), percent(0.0035)
('461,474', '1,000', '$13,047', '0.35%')
>>> value("roi", -0.342), value("roi", 0.05, diff=True), value("roas", 1.434), value("conversion_rate", 0.00141)
('-34%', '+5 pp', '1.43x', '0.141%')
"""

from __future__ import annotations

import math

from sim.metrics import METRICS, MONEY, PERCENT, RATIOS, SIGNED, label

__all__ = ["number", "money", "percent", "points", "ratio", "value", "interval", "interval_of", "unit", "label", "title", "axis",
           "scale", "field_value", "spread"]

def _finite(v) -> bool:
    try:
        return v is not None and not isinstance(v, bool) and math.isfinite(float(v))
    except (TypeError, ValueError):
        return False


def _digits(v: float, sig: int) -> int:
    """Decimals that show ``sig`` significant digits of ``v`` (none at or above ``10**sig``)."""
    if v == 0:
        return 0
    return max(0, sig - 1 - math.floor(math.log10(abs(v))))


def _trim(s: str) -> str:
    return s.rstrip("0").rstrip(".") if "." in s else s


def number(v, sig: int = 3, signed: bool = False) -> str:
    """A plain number: thousands separators from 100 up, else ``sig`` significant digits; never an exponent.

    Examples
    --------
    >>> number(461474.2), number(1000.0), number(1234567), number(33.333), number(0.5), number(33.0)
    ('461,474', '1,000', '1,234,567', '33.3', '0.5', '33')
    >>> number(0.000123456), number(-2500.4), number(12.0, signed=True), number(float("nan")), number(None)
    ('0.000123', '-2,500', '+12', 'n/a', 'n/a')
    >>> number(99.96), number(0.0)
    ('100', '0')
    """
    if not _finite(v):
        return "n/a"
    v = float(v)
    sign = "+" if signed and v > 0 else ""
    if abs(v) >= 100:
        return f"{sign}{v:,.0f}"
    d = _digits(v, sig)
    s = _trim(f"{v:,.{d}f}")
    if s in ("-0", "+0"):
        s = "0"
    return sign + s if s != "0" else s


def money(v, signed: bool = False) -> str:
    """US dollars: whole dollars from $100 up, cents below; the sign before the dollar sign.

    Examples
    --------
    >>> money(13047.4), money(49775.5), money(0.753), money(39.25), money(0.0)
    ('$13,047', '$49,776', '$0.75', '$39.25', '$0')
    >>> money(-1234.0), money(500.0, signed=True), money(-10.82, signed=True), money(float("nan"))
    ('-$1,234', '+$500', '-$10.82', 'n/a')
    """
    if not _finite(v):
        return "n/a"
    v = float(v)
    a = abs(v)
    s = f"{a:,.0f}" if a >= 100 or a == 0 else f"{a:,.2f}"
    if s.strip("0.,") == "":
        return "$0"
    sign = "-" if v < 0 else ("+" if signed else "")
    return f"{sign}${s}"


def percent(share, sig: int = 2, signed: bool = False) -> str:
    """A share as a percentage with ``sig`` significant digits (whole percents from 10% up with ``sig=2``).

    A share that is not zero never reads ``0%``.

    Examples
    --------
    >>> percent(0.0035), percent(0.579), percent(0.072), percent(1.0), percent(0.0)
    ('0.35%', '58%', '7.2%', '100%', '0%')
    >>> percent(0.00001234), percent(0.00141, sig=3), percent(-0.342), percent(0.05, signed=True)
    ('0.0012%', '0.141%', '-34%', '+5%')
    """
    if not _finite(share):
        return "n/a"
    return number(100 * float(share), sig, signed) + "%"


def points(diff, sig: int = 2, signed: bool = True) -> str:
    """A difference of two shares in percentage points.

    Examples
    --------
    >>> points(0.05), points(-0.6412), points(0.00123), points(0.0)
    ('+5 pp', '-64 pp', '+0.12 pp', '0 pp')
    """
    if not _finite(diff):
        return "n/a"
    return number(100 * float(diff), sig, signed) + " pp"


def ratio(v, signed: bool = False) -> str:
    """A ratio such as ROAS (revenue per dollar spent): ``1.43x``.

    Examples
    --------
    >>> ratio(1.434), ratio(0.1, signed=True), ratio(12.5)
    ('1.43x', '+0.1x', '12.5x')
    """
    if not _finite(v):
        return "n/a"
    v = float(v)
    sign = "+" if signed and v > 0 else ""
    return sign + _trim(f"{v:,.2f}") + "x"


def value(metric: str, v, signed: bool = False, diff: bool = False) -> str:
    """A metric's value with its unit: $ for money, % for rates and ROI, x for ROAS, separators for counts.

    ``diff``: a difference between two strategies (signed; rates and ROI in percentage points).

    Examples
    --------
    >>> value("spend", 13047.2), value("reach", 309500.0), value("hired", 34.25), value("engagement_rate", 0.0305)
    ('$13,047', '309,500', '34.2', '3.05%')
    >>> value("spend", 37172.0, diff=True), value("reach", 193920.0, diff=True), value("roas", 0.1, diff=True)
    ('+$37,172', '+193,920', '+0.1x')
    """
    signed = signed or diff
    if not _finite(v):
        return "n/a"
    if metric in MONEY:
        return money(v, signed)
    if metric in PERCENT:
        if diff:
            return points(v, 2 if metric in SIGNED else 3)
        return percent(v, 2 if metric in SIGNED else 3, signed or metric in SIGNED)
    if metric in RATIOS:
        return ratio(v, signed)
    return number(v, 3, signed)


def interval(metric: str, mean, low, high, diff: bool = False, signed: bool = False) -> str:
    """``mean [low, high]`` with units; ``mean [no interval]`` without bounds.

    Examples
    --------
    >>> interval("spend", 1500.0, 1200.0, 1800.0)
    '$1,500 [$1,200, $1,800]'
    >>> interval("roi", 0.05, -0.64, 0.74, diff=True)
    '+5 pp [-64 pp, +74 pp]'
    >>> interval("roi", 0.4, float("nan"), float("nan"))
    '+40% [no interval]'
    """
    m = value(metric, mean, signed, diff)
    if not (_finite(low) and _finite(high)):
        return f"{m} [no interval]"
    return f"{m} [{value(metric, low, signed, diff)}, {value(metric, high, signed, diff)}]"


def interval_of(metric: str, iv, diff: bool = False, signed: bool = False) -> str:
    """:func:`interval` of an interval object (``mean``, ``low``, ``high``, as :class:`sim.studies.compare.Interval`).

    Examples
    --------
    >>> from types import SimpleNamespace as Iv
    >>> interval_of("roi", Iv(mean=-0.07, low=-0.52, high=0.28), diff=True)
    '-7 pp [-52 pp, +28 pp]'
    """
    return interval(metric, iv.mean, iv.low, iv.high, diff=diff, signed=signed)


def unit(metric: str, diff: bool = False) -> str:
    """The unit of a metric's values, for axis and column titles.

    Examples
    --------
    >>> unit("spend"), unit("roi"), unit("roi", diff=True), unit("roas"), unit("reach"), unit("conversions")
    ('$', '%', 'percentage points', 'revenue per $1 spent', 'people', 'people')
    """
    if metric in MONEY:
        return "$"
    if metric in PERCENT:
        return "percentage points" if diff else "%"
    m = METRICS.get(metric)
    return m.unit if m else ""


def title(metric: str, diff: bool = False) -> str:
    """A metric's name with its unit, for an axis or a column.

    Examples
    --------
    >>> title("spend"), title("roi", diff=True), title("impressions")
    ('spend, staff time included ($)', 'ROI on gross profit: difference (percentage points)', 'impressions (views)')
    """
    u = unit(metric, diff)
    name = label(metric) + (": difference" if diff else "")
    return f"{name} ({u})" if u else name


def axis(metric: str, diff: bool = False, values=None) -> dict:
    """Plotly axis settings that write ``metric`` as :func:`value` does (d3 formats, no SI suffixes).

    ``values``: the numbers drawn, to pick cents for small dollar amounts.

    Examples
    --------
    >>> axis("spend")["tickformat"], axis("cost_per_engagement", values=[0.4, 0.8])["tickformat"]
    ('$,.0f', '$,.2f')
    >>> axis("roi")["tickformat"], axis("roi", diff=True)["ticksuffix"], axis("reach")["tickformat"]
    ('.1~%', ' pp', ',~r')
    >>> axis("roas")["ticksuffix"]
    'x'
    """
    sign = "+" if diff else ""  # hover labels of differences carry a sign; ticks do not ("+$0" reads oddly)
    out: dict = {"separatethousands": True}
    if metric in MONEY:
        finite = [abs(float(x)) for x in (values if values is not None else []) if _finite(x)]
        cents = bool(finite) and max(finite) < 100
        out["tickformat"] = f"$,.{2 if cents else 0}f"
        out["hoverformat"] = f"{sign}$,.2f" if cents else f"{sign}$,.0f"
    elif metric in PERCENT and diff:  # values drawn x100 (see :func:`scale`)
        out["tickformat"] = ",.2~f"
        out["hoverformat"] = "+,.3~f"
        out["ticksuffix"] = " pp"
    elif metric in PERCENT:
        out["tickformat"] = f".{1 if metric in SIGNED else 2}~%"
        out["hoverformat"] = ".3~%"
    elif metric in RATIOS:
        out["tickformat"] = ".2~f"
        out["hoverformat"] = f"{sign}.2f"
        out["ticksuffix"] = "x"
    else:
        out["tickformat"] = ",~r"
        out["hoverformat"] = f"{sign},.6~r"
    out["title_text"] = title(metric, diff)
    return out


def scale(metric: str, diff: bool = False) -> float:
    """What to multiply values by before drawing them on an :func:`axis`: 100 for differences of shares
    (drawn in percentage points), else 1.

    Examples
    --------
    >>> scale("roi", diff=True), scale("roi"), scale("spend", diff=True)
    (100.0, 1.0, 1.0)
    """
    return 100.0 if diff and metric in PERCENT else 1.0


def field_value(v, money_field: bool = False) -> str:
    """A scenario field's value (a sweep's varied value): dollars for money fields, plain numbers else.

    Examples
    --------
    >>> field_value(15000.0, True), field_value(80), field_value(0.25), field_value("brand_fit"), field_value(True)
    ('$15,000', '80', '0.25', 'brand_fit', 'True')
    """
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return str(v)
    return money(v) if money_field else number(v, 4)


def spread(metric: str, sd: float) -> str:
    """A standard deviation over replicates in the metric's unit (a spread is a difference: ROI in pp).

    Examples
    --------
    >>> spread("conversions", 5531.2), spread("roi", 0.412), spread("spend", 812.0)
    ('5,531', '41 pp', '$812')
    """
    return value(metric, sd, diff=True).lstrip("+")
