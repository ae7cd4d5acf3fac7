"""Your own creators: a CSV shortlist of real accounts that joins (or replaces) the generated pool.

A shortlist is a CSV file with a header line and one account a line. Columns (names are
case-insensitive; spaces and hyphens read as ``_``; other columns are ignored and listed
in :attr:`Shortlist.ignored`):

``handle`` (required)
    The account's name as the report shows it, e.g. ``@example_fit_01``. An account is
    the pair (platform, handle): the same handle may appear once per platform (a leading
    ``@`` and letter case do not make another account).
``platform`` (required)
    One of :data:`sim.rules.platform.PLATFORMS` (``instagram``, ``tiktok``, ``youtube``).
``followers`` (required)
    A whole number: ``12000``, ``12,000``, or with a suffix ``k`` (thousand), ``M``
    (million) or ``B`` (billion): ``12k``, ``1.2M`` (rounded to a whole number). The
    account's tier follows from it (``[tiers]`` of the scenario), and strategies pick
    accounts by tier, so a shortlisted account takes part by its follower count.
``niche`` (required)
    One of the scenario's ``population.niches`` (``fitness``, ``food``, ...).
``engagement_rate`` (optional; also ``er``, ``engagement``)
    The account's organic engagement rate: a fraction (``0.034``) or a percentage
    (``3.4%``). A number above 1 without ``%`` is refused (is ``3.4`` 3.4% or 340%?).
    Empty or absent: estimated by the model from the calibrated curves.
``fee`` (optional; also ``fee_per_post``, ``fee_usd``, ``price``)
    Its fee per sponsored post in USD: ``1200``, ``1,200``, ``$1,200``, ``1200 USD`` or
    ``1.2k``. Empty or absent: estimated from the calibrated fee curve of its tier and
    platform, and flagged as estimated in the report.
``country``, ``language`` (optional; also ``audience_country``, ``audience_language``)
    Where its audience lives and what it speaks. Recorded (kept with the shortlist and in
    the run folder's copy of it), not modelled: the simulated market has no geography.

Lines whose first cell starts with ``#`` are comments; blank lines are skipped. The file
is UTF-8 (a byte-order mark, as Excel writes, is fine); the separator is a comma, or a
semicolon or a tab when the header uses one.

What a CSV cannot give is drawn as the generated pool draws it: each account's
authenticity (Beta around ``influencers.authenticity_mean``) and the brand offers it gets
a month (Poisson around ``influencers.monthly_offers_mean``), from a random stream of the
market's seed of its own, so runs are reproducible and the generated accounts' draws do
not change when a shortlist is added. Audiences are drawn like any account's, from its
follower count and niche.

Errors are one line naming the file, the line (1-based, the header is line 1) and the
column, raised as :class:`~sim.errors.ShortlistError` (the command line prints it and
exits with status 2)::

    shortlist.csv:14: followers: expected a whole number (like 12000, 12k or 1.2M), got "lots"

Examples
--------
>>> text = '''handle,platform,followers,niche,engagement_rate,fee
... @example_fit_01,instagram,12k,fitness,3.4%,"$1,200"
... @example_food_02,tiktok,1.2M,food,,
... '''
>>> short = parse_shortlist(text, "shortlist.csv")
>>> len(short), short.followers.tolist(), short.engagement_rate.round(3).tolist()
(2, [12000, 1200000], [0.034, nan])
>>> short.fee.tolist(), short.estimated_fees()
([1200.0, nan], 1)
>>> parse_shortlist("handle,platform,followers,niche\\n@a,instagram,12 thousand,fitness\\n", "shortlist.csv")
Traceback (most recent call last):
...
sim.errors.ShortlistError: shortlist.csv:2: followers: expected a whole number (like 12000, 12k or 1.2M), got "12 thousand"
"""

from __future__ import annotations

import csv
import hashlib
import importlib
import io
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from sim.errors import ScenarioError, ShortlistError
from sim.rules.platform import PLATFORMS
import sim.world.creators as infl

MAX_BYTES = 10_000_000  # bytes of a shortlist file
MAX_ROWS = 100_000  # accounts of a shortlist
MAX_HANDLE = 100  # characters of a handle
MAX_TEXT = 100  # characters of a country or language
MAX_FOLLOWERS = 10_000_000_000
MAX_FEE = 1e9  # USD per post

REQUIRED = ("handle", "platform", "followers", "niche")
OPTIONAL = ("engagement_rate", "fee", "country", "language")
#: Other names a column may have in a spreadsheet.
ALIASES = {"er": "engagement_rate", "engagement": "engagement_rate", "engagement_rate_pct": "engagement_rate",
           "fee_per_post": "fee", "fee_usd": "fee", "price": "fee", "rate": "fee",
           "audience_country": "country", "audience_language": "language"}
_SUFFIXES = {"": 1.0, "k": 1e3, "m": 1e6, "b": 1e9}
_NUMBER = re.compile(r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)\s*(?P<suffix>[kmb]?)", re.IGNORECASE)
_FOLLOWERS_HINT = "expected a whole number (like 12000, 12k or 1.2M)"


@dataclass
class Shortlist:
    """The accounts of a shortlist, as arrays (one entry per account, in the file's order).

    ``engagement_rate`` and ``fee`` are NaN where the file gives none (the model
    estimates them); ``country`` and ``language`` are "" where not given.
    """

    name: str  # the file's name, as errors show it
    handle: np.ndarray  # "<U" strings, as written (stripped)
    platform: np.ndarray  # int8, index into PLATFORMS
    followers: np.ndarray  # int64
    niche: np.ndarray  # int16, index into niches
    engagement_rate: np.ndarray  # float64, NaN = estimated
    fee: np.ndarray  # float64 USD per post, NaN = estimated
    country: np.ndarray  # "<U" strings, recorded only
    language: np.ndarray  # "<U" strings, recorded only
    niches: tuple = ()
    lines: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # line of each account in the file
    ignored: tuple = ()  # columns of the file that are not read

    def __len__(self) -> int:
        return len(self.handle)

    def estimated_fees(self) -> int:
        """Accounts whose fee the file does not give (estimated from the fee curve)."""
        return int(np.isnan(self.fee).sum())

    def estimated_engagement(self) -> int:
        """Accounts whose engagement rate the file does not give (estimated by the model)."""
        return int(np.isnan(self.engagement_rate).sum())

    def summary(self) -> str:
        """One line for the app and the terminal: ``36 accounts loaded (9 estimated fees)``.

        Examples
        --------
        >>> parse_shortlist("handle,platform,followers,niche\\n@a,youtube,5000,food\\n", "s.csv").summary()
        '1 account loaded (1 estimated fee)'
        """
        n, m = len(self), self.estimated_fees()
        text = f"{n:,} account{'s' if n != 1 else ''} loaded ({m:,} estimated fee{'s' if m != 1 else ''})"
        if self.ignored:
            text += f"; ignored column{'s' if len(self.ignored) > 1 else ''}: {', '.join(self.ignored)}"
        return text

    def check_market(self, market: int) -> None:
        """Refuse an account bigger than the simulated market allows (75% of it, as for generated accounts).

        Examples
        --------
        >>> s = parse_shortlist("handle,platform,followers,niche\\n@a,youtube,2M,food\\n", "s.csv")
        >>> s.check_market(2_000_000)
        Traceback (most recent call last):
        ...
        sim.errors.ShortlistError: s.csv:2: followers: 2,000,000 followers is more than the simulated market allows \
(75% of population.size x population.represents = 1,500,000); raise population.size or \
population.represents
        """
        cap = infl.MARKET_CAP * market
        big = np.flatnonzero(self.followers > cap)
        if len(big):
            k = int(big[0])
            raise ShortlistError(f"{self.name}:{int(self.lines[k])}", f"{int(self.followers[k]):,} followers is more "
                                 f"than the simulated market allows (75% of population.size x population.represents"
                                 f" = {cap:,.0f}); raise population.size or population.represents", "followers")

    def to_pool(self, tiers: dict, authenticity_mean: float, monthly_offers_mean: float,
                rng: np.random.Generator) -> infl.InfluencerPool:
        """The shortlist as a candidate pool; authenticity and monthly offers drawn as the generated pool's.

        Tiers without an account are listed in ``skipped`` (a strategy that needs one says so).

        Examples
        --------
        >>> s = parse_shortlist("handle,platform,followers,niche\\n@a,tiktok,12k,food\\n", "s.csv")
        >>> pool = s.to_pool({"nano": 1000, "micro": 10_000}, 0.7, 8.0, np.random.default_rng(0))
        >>> pool.tier_names[pool.tier[0]], pool.platform_names[pool.platform[0]], pool.shortlisted().tolist()
        ('micro', 'tiktok', [True])
        >>> pool.skipped
        {'nano': 'the shortlist s.csv has no nano accounts (1,000 to 10,000 followers)'}
        """
        m = len(self)
        tier = infl.tier_of(self.followers, tiers).astype(np.int16)
        names, lows = list(tiers), list(tiers.values())
        skipped = {}
        for t, name in enumerate(names):
            if not (tier == t).any():
                span = f"{lows[t]:,} to {lows[t + 1]:,}" if t + 1 < len(lows) else f"{lows[t]:,} or more"
                skipped[name] = f"the shortlist {self.name} has no {name} accounts ({span} followers)"
        a = authenticity_mean
        return infl.InfluencerPool(
            followers=self.followers.astype(np.int64), tier=tier, niche=self.niche.astype(np.int16),
            authenticity=rng.beta(a * 10, (1 - a) * 10, m), monthly_offers=rng.poisson(monthly_offers_mean, m),
            tier_names=names, skipped=skipped, platform=self.platform.astype(np.int8),
            platform_names=list(PLATFORMS), handle=self.handle.astype(str), fee=self.fee.astype(float),
            engagement_rate=self.engagement_rate.astype(float))


# -- reading ------------------------------------------------------------------------------------------------
def read_shortlist(path: str | Path, niches=None) -> Shortlist:
    """Read and check a shortlist CSV file (see the module's docstring for the columns).

    Parameters
    ----------
    path : str or Path
        The CSV file. Errors name it by its file name (``shortlist.csv:14: ...``).
    niches : list of str, optional
        The scenario's ``population.niches`` (default: the default scenario's).

    Raises
    ------
    ScenarioError
        ``influencers.shortlist: file not found: ...`` when the file is missing or unreadable.
    ShortlistError
        One line naming the file, line and column of the first problem.
    """
    p = Path(path)
    if p.is_dir():
        raise ScenarioError("influencers.shortlist", f"{p} is a folder, not a CSV file")
    try:
        with open(p, "rb") as f:
            data = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ScenarioError("influencers.shortlist", f"file not found: {p}") from None
    except PermissionError:
        raise ScenarioError("influencers.shortlist", f"{p} is not readable (permission denied)") from None
    except OSError as exc:
        raise ScenarioError("influencers.shortlist", f"cannot read {p} ({exc.strerror})") from None
    return parse_shortlist(data, p.name, niches)


def shortlist_digest(path: str | Path) -> str:
    """Hash of a shortlist file's content (the market cache's key includes it).

    A missing file is ``influencers.shortlist: file not found: ...``.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     f = Path(folder) / "s.csv"
    ...     _ = f.write_text("handle,platform,followers,niche\\n")
    ...     a = shortlist_digest(f)
    ...     _ = f.write_text("handle,platform,followers,niche\\n@a,tiktok,1k,food\\n")
    ...     a == shortlist_digest(f), len(a)
    (False, 16)
    """
    try:
        with open(path, "rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()[:16]
    except FileNotFoundError:
        raise ScenarioError("influencers.shortlist", f"file not found: {path}") from None
    except OSError as exc:
        raise ScenarioError("influencers.shortlist", f"cannot read {path} ({exc.strerror or exc})") from None


def parse_shortlist(data: str | bytes, name: str = "shortlist.csv", niches=None) -> Shortlist:
    """Check and read the text of a shortlist (``data`` as read from a file, or uploaded).

    ``name`` is the file name errors show. See :func:`read_shortlist`.
    """
    if niches is None:  # the default scenario's; looked up by name so that the market cache's code fingerprint
        # (sim/world and what it imports) does not take in the scenario models: markets always pass their niches
        niches = importlib.import_module("sim.scenario.models").NICHES
    niches = tuple(niches)
    text = _decode(data, name)
    if not text.strip():
        raise ShortlistError(name, f"empty file (expected a header line: {','.join(REQUIRED)})")
    header = next((line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")), "")
    delimiter = max(",;\t", key=header.count) if any(d in header for d in ";\t") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    columns: dict[str, int] = {}
    ignored: list[str] = []
    rows: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            line = reader.line_num
            if not any(c.strip() for c in cells) or cells[0].lstrip().startswith("#"):
                continue
            if not columns and not ignored:
                columns, ignored = _header(cells, name, line)
                width = len(cells)
                continue
            if len(cells) > width and any(c.strip() for c in cells[width:]):  # (empty trailing cells are fine)
                raise ShortlistError(f"{name}:{line}", f"{len(cells)} values but the header has {width} columns "
                                     f"(a value with a '{delimiter}' needs quotes)")
            rows.append((line, cells))
            if len(rows) > MAX_ROWS:
                raise ShortlistError(f"{name}:{line}", f"more than {MAX_ROWS:,} accounts")
    except csv.Error as exc:
        raise ShortlistError(f"{name}:{reader.line_num}", f"not valid CSV ({exc})") from None
    if not columns:
        raise ShortlistError(name, f"no header line (expected {','.join(REQUIRED)})")
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        raise ShortlistError(name, f'missing column "{missing[0]}" (the header needs {", ".join(REQUIRED)})')
    if not rows:
        raise ShortlistError(name, "no accounts (a header line and no rows)")
    return _rows(rows, columns, name, niches, tuple(ignored))


def _decode(data: str | bytes, name: str) -> str:
    if isinstance(data, str):
        text = data.removeprefix("\ufeff")
    else:
        if len(data) > MAX_BYTES:
            raise ShortlistError(name, f"larger than {MAX_BYTES:,} bytes")
        if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
            raise ShortlistError(name, "not a CSV file (a spreadsheet? save it as CSV UTF-8)")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise ShortlistError(f"{name}:{line}", "not UTF-8 text (save it as CSV UTF-8)") from None
    if len(text) > MAX_BYTES:
        raise ShortlistError(name, f"larger than {MAX_BYTES:,} characters")
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise ShortlistError(f"{name}:{line}", "not a CSV file (binary data)")
    return text


def _header(cells: list[str], name: str, line: int) -> tuple[dict[str, int], list[str]]:
    """Column -> position of the known columns, and the names of the others."""
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for k, cell in enumerate(cells):
        key = re.sub(r"[\s\-]+", "_", cell.strip().lower())
        key = ALIASES.get(key, key)
        if key in REQUIRED or key in OPTIONAL:
            if key in columns:
                raise ShortlistError(f"{name}:{line}", f'column "{key}" appears twice')
            columns[key] = k
        elif cell.strip():
            ignored.append(_shown(cell.strip(), 30)[1:-1])
    if not columns:
        raise ShortlistError(f"{name}:{line}", f"no known column in the header (expected {','.join(REQUIRED)}, "
                             f"optionally {','.join(OPTIONAL)})")
    return columns, ignored


def _rows(rows, columns: dict[str, int], name: str, niches: tuple, ignored: tuple) -> Shortlist:
    n = len(rows)
    out: dict[str, Any] = {"handle": [], "platform": np.zeros(n, np.int8), "followers": np.zeros(n, np.int64),
           "niche": np.zeros(n, np.int16), "engagement_rate": np.full(n, np.nan), "fee": np.full(n, np.nan),
           "country": [], "language": []}
    lower_niches = {x.lower(): k for k, x in enumerate(niches)}
    seen: dict[tuple[int, str], int] = {}
    for k, (line, cells) in enumerate(rows):
        where = f"{name}:{line}"

        def cell(col: str, cells=cells) -> str:
            i = columns.get(col)
            return cells[i].strip() if i is not None and i < len(cells) else ""

        def fail(col: str, reason: str, where=where) -> ShortlistError:
            return ShortlistError(where, reason, col)

        for col in REQUIRED:
            if not cell(col):
                raise fail(col, "missing (required)")
        handle = cell("handle")
        if len(handle) > MAX_HANDLE:
            raise fail("handle", f"longer than {MAX_HANDLE} characters")
        if not handle.isprintable():
            raise fail("handle", f"contains a control character: {_shown(handle)}")
        platform = cell("platform").lower()
        if platform not in PLATFORMS:
            raise fail("platform", f"{_shown(cell('platform'))} is not one of {', '.join(PLATFORMS)}")
        niche = lower_niches.get(cell("niche").lower())
        if niche is None:
            raise fail("niche", f"{_shown(cell('niche'))} is not one of {', '.join(niches)} (population.niches)")
        key = (PLATFORMS.index(platform), handle.lower().lstrip("@"))
        if key in seen:
            raise fail("handle", f"{_shown(handle)} on {platform} is listed twice (first on line {seen[key]})")
        seen[key] = line
        out["handle"].append(handle)
        out["platform"][k] = key[0]
        out["niche"][k] = niche
        out["followers"][k] = _followers(cell("followers"), fail)
        if cell("engagement_rate"):
            out["engagement_rate"][k] = _rate(cell("engagement_rate"), fail)
        if cell("fee"):
            out["fee"][k] = _fee(cell("fee"), fail)
        for col in ("country", "language"):
            value = cell(col)
            if len(value) > MAX_TEXT or not value.isprintable():
                raise fail(col, f"expected a short name, got {_shown(value)}")
            out[col].append(value)
    return Shortlist(name=name, handle=np.array(out["handle"], dtype=str), platform=out["platform"],
                     followers=out["followers"], niche=out["niche"], engagement_rate=out["engagement_rate"],
                     fee=out["fee"], country=np.array(out["country"], dtype=str),
                     language=np.array(out["language"], dtype=str), niches=niches,
                     lines=np.array([line for line, _ in rows], np.int64), ignored=ignored)


def _number(text: str, suffixes: bool = True) -> tuple[float, bool] | None:
    """(value, had a decimal point or suffix) of ``12,000``, ``1.5``, ``12k``, ``1.2M``; None if not a number."""
    m = _NUMBER.fullmatch(text.strip())
    if m is None or (m["suffix"] and not suffixes):
        return None
    value = float(m["num"].replace(",", "")) * _SUFFIXES[m["suffix"].lower()]
    return value, "." in m["num"] or bool(m["suffix"])


def _negative(text: str) -> bool:
    return text.startswith(("-", "\u2212")) and _number(text[1:].lstrip("$")) is not None


def _followers(text: str, fail) -> int:
    if _negative(text):
        raise fail("followers", f"must not be negative, got {_shown(text)}")
    got = _number(text)
    if got is None:
        raise fail("followers", f"{_FOLLOWERS_HINT}, got {_shown(text)}")
    value, inexact = got
    if inexact and not _NUMBER.fullmatch(text.strip())["suffix"] and not value.is_integer():  # type: ignore[index]  # _number matched it
        raise fail("followers", f"{_FOLLOWERS_HINT}, got {_shown(text)}")
    value = round(value)
    if value < 1:
        raise fail("followers", f"must be at least 1, got {_shown(text)}")
    if value > MAX_FOLLOWERS:
        raise fail("followers", f"must be at most {MAX_FOLLOWERS:,}, got {_shown(text)}")
    return int(value)


def _rate(text: str, fail) -> float:
    col = "engagement_rate"
    body = text.rstrip()
    percent = body.endswith("%")
    body = body.removesuffix("%")
    if _negative(body):
        raise fail(col, f"must not be negative, got {_shown(text)}")
    got = _number(body, suffixes=False)
    if got is None:
        raise fail(col, f"expected a fraction (0.034) or a percentage (3.4%), got {_shown(text)}")
    value = got[0] / 100 if percent else got[0]
    if value > 1:
        raise fail(col, f"must be at most 100%: a fraction (0.034) or a percentage (3.4%), got {_shown(text)}")
    return value


def _fee(text: str, fail) -> float:
    body = re.sub(r"(?i)^(us\$|\$|usd)\s*|\s*(usd|\$)$", "", text.strip())
    if _negative(body):
        raise fail("fee", f"must not be negative, got {_shown(text)}")
    got = _number(body)
    if got is None or not math.isfinite(got[0]):
        raise fail("fee", f"expected USD per post (like 1200, $1,200 or 1.2k), got {_shown(text)}")
    if got[0] > MAX_FEE:
        raise fail("fee", f"must be at most {MAX_FEE:,.0f} USD, got {_shown(text)}")
    return got[0]


def _shown(text: str, limit: int = 40) -> str:
    """``text`` in double quotes, control characters escaped, cut to ``limit`` characters."""
    s = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return f'"{s if len(s) <= limit else s[: limit - 3] + "..."}"'


# -- into the market ------------------------------------------------------------------------------------------
def load_for(sc) -> Shortlist | None:
    """The shortlist of a resolved scenario (``influencers.shortlist``), checked against its market; None if none."""
    path = sc.influencers.shortlist
    if not path:
        return None
    short = read_shortlist(path, sc.population.niches)
    short.check_market(sc.population.size * sc.population.represents)
    return short


def add_shortlist(pool: infl.InfluencerPool, sc, rng: np.random.Generator) -> infl.InfluencerPool:
    """``pool`` with the scenario's shortlist added (or, with ``influencers.shortlist_only``, the shortlist alone).

    ``rng`` draws the shortlisted accounts' authenticity and monthly offers (a stream of
    the market's seed of its own). Ids: the generated accounts first, as they were, then
    the shortlist's in the file's order.
    """
    short = load_for(sc)
    if short is None:
        return pool
    i = sc.influencers
    extra = short.to_pool(sc.tiers, i.authenticity_mean, i.monthly_offers_mean, rng)
    if i.shortlist_only:
        return extra
    return merge_pools(pool, extra)


def merge_pools(a: infl.InfluencerPool, b: infl.InfluencerPool) -> infl.InfluencerPool:
    """The accounts of ``a`` then ``b`` (same tiers) as one pool; platform codes re-mapped to the union of names.

    A tier is skipped only if both pools skip it.

    Examples
    --------
    >>> s = parse_shortlist("handle,platform,followers,niche\\n@a,tiktok,12k,food\\n", "s.csv")
    >>> tiers = {"nano": 1000, "micro": 10_000}
    >>> gen = infl.generate_pool({"nano": 2}, tiers, 10**5, 3, 0.7, 8.0, 10**6, np.random.default_rng(1))
    >>> both = merge_pools(gen, s.to_pool(tiers, 0.7, 8.0, np.random.default_rng(2)))
    >>> len(both), both.handle.tolist(), [both.platform_names[c] for c in both.platform]
    (3, ['', '', '@a'], ['instagram', 'instagram', 'tiktok'])
    """
    names = list(dict.fromkeys([*a.platform_names, *b.platform_names]))

    def codes(p: infl.InfluencerPool) -> np.ndarray:
        return np.array([names.index(x) for x in p.platform_names], np.int8)[np.asarray(p.platform, np.int64)] \
            if len(p) else np.zeros(0, np.int8)

    def cat(f: str, dtype=None) -> np.ndarray:
        x = np.concatenate([np.asarray(getattr(a, f)), np.asarray(getattr(b, f))])
        return x.astype(dtype) if dtype is not None else x

    return infl.InfluencerPool(
        followers=cat("followers", np.int64), tier=cat("tier", np.int16), niche=cat("niche", np.int16),
        authenticity=cat("authenticity", float), monthly_offers=cat("monthly_offers"),
        tier_names=list(a.tier_names), skipped={t: why for t, why in a.skipped.items() if t in b.skipped},
        platform=np.concatenate([codes(a), codes(b)]), platform_names=names,
        handle=cat("handle", str), fee=cat("fee", float), engagement_rate=cat("engagement_rate", float))


def ids_of_handles(pool: infl.InfluencerPool, handles) -> np.ndarray:
    """Pool ids of shortlisted accounts named by handle (a custom strategy's ``handles``).

    Letter case and a leading ``@`` do not matter; ``platform:handle`` picks one of two
    accounts with the same handle. Raises ``ValueError`` (one line) for a handle that is
    not in the pool or is on two platforms.

    Examples
    --------
    >>> s = parse_shortlist("handle,platform,followers,niche\\n@a,tiktok,5k,food\\n@a,youtube,9k,food\\n"
    ...                     "@b,tiktok,7k,food\\n", "s.csv")
    >>> pool = s.to_pool({"nano": 1000}, 0.7, 8.0, np.random.default_rng(0))
    >>> ids_of_handles(pool, ["B", "youtube:@a"]).tolist()
    [2, 1]
    >>> ids_of_handles(pool, ["@a"])
    Traceback (most recent call last):
    ...
    ValueError: "@a" is on tiktok and youtube: write platform:handle, e.g. "tiktok:@a"
    """
    where: dict[str, list[int]] = {}
    for j, h in enumerate(pool.handle.tolist()):
        if h:
            where.setdefault(h.lower().lstrip("@"), []).append(j)
    out = []
    for h in handles:
        platform, _, name = h.partition(":") if h.partition(":")[0].lower() in PLATFORMS else ("", "", h)
        hits = [j for j in where.get(name.strip().lower().lstrip("@"), [])
                if not platform or pool.platform_names[pool.platform[j]] == platform.lower()]
        if not hits:
            why = "" if where else " (the pool has no shortlisted accounts: see influencers.shortlist)"
            raise ValueError(f"no shortlisted account {_shown(h)}{why}")
        if len(hits) > 1:
            on = [pool.platform_names[pool.platform[j]] for j in hits]
            raise ValueError(f"{_shown(h)} is on {' and '.join(on)}: write platform:handle, e.g. \"{on[0]}:{name}\"")
        out.append(hits[0])
    return np.array(out, dtype=np.int64)
