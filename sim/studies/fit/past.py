"""A brand's past campaign: one hired creator a line, with whichever outcomes the brand recorded.

``PAST.csv`` has a header line and one creator a line. The columns of a shortlist
(:mod:`sim.world.shortlist`: ``handle``, ``platform``, ``followers``, ``niche``, optional
``fee``, ``engagement_rate``, ``country``, ``language``) are read and checked by the
shortlist's own reader, with the same one-line errors. Added here:

``posts`` (required)
    Sponsored posts the creator published in the campaign (a whole number, 1 to 100).
``impressions``, ``reach``, ``likes``, ``comments``, ``shares``, ``link_clicks``, ``purchases``, ``revenue`` (optional)
    What the brand measured for that creator: whole counts (``12000``, ``12k``, ``1.2M``),
    revenue in USD (``$1,200``). ``purchases`` may be called ``promo_code_uses``,
    ``promo_codes``, ``conversions``, ``orders`` or ``sales``. An empty cell (or a column
    left out) is simply not known: it is left out of the fit's distance.

Lines whose first cell starts with ``#`` are comments (a synthetic file says so in them). A
comment before the header ``# scenario: FILE`` names the scenario the campaign ran in
(relative to the CSV); ``influsim fit`` uses it unless ``--scenario`` is given.
Errors are one line naming the file, the line (the header is line 1) and the column,
raised as :class:`~sim.errors.ShortlistError`::

    past.csv:4: likes: expected a whole count (like 1200, 1.2k), got "many"

Examples
--------
>>> text = '''# scenario: past.toml
... handle,platform,followers,niche,posts,fee,likes,purchases,revenue
... @a,instagram,12k,fitness,2,"$300",840,12,$480
... @b,tiktok,30k,fitness,3,,2.1k,,
... '''
>>> past = parse_past(text, "past.csv")
>>> len(past), past.posts.tolist(), past.outcomes["likes"].tolist()
(2, [2, 3], [840.0, 2100.0])
>>> past.outcomes["purchases"].tolist(), past.observed(), past.scenario
([12.0, nan], ('likes', 'purchases', 'revenue'), 'past.toml')
>>> parse_past(text.replace("840", "many"), "past.csv")
Traceback (most recent call last):
...
sim.errors.ShortlistError: past.csv:3: likes: expected a whole count (like 1200, 1.2k or 1.2M), got "many"
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.errors import ShortlistError
from sim.world import shortlist as shortlists

#: Outcomes a past campaign may record, in the order the fit and the reports use.
OUTCOMES = ("impressions", "reach", "likes", "comments", "shares", "link_clicks", "purchases", "revenue")
#: Other names an outcome column may have in a spreadsheet.
ALIASES = {"promo_code_uses": "purchases", "promo_codes": "purchases", "promo_code": "purchases",
           "conversions": "purchases", "orders": "purchases", "sales": "purchases", "buyers": "purchases",
           "clicks": "link_clicks", "link_click": "link_clicks", "views": "impressions", "post": "posts",
           "sponsored_posts": "posts"}
MAX_POSTS = 100
MAX_COUNT = 1e13  # no count of real people above this
MAX_REVENUE = 1e13  # USD


@dataclass(frozen=True)
class PastCampaign:
    """The creators of a past campaign (arrays in the file's order) and what they delivered.

    ``outcomes`` maps each outcome column the file has to a float array (NaN = not known).
    ``creators`` is the shortlist of the same accounts (handle, platform, followers,
    niche, fee, engagement rate), as the replicate path reads creator CSVs.
    """

    name: str
    creators: shortlists.Shortlist
    posts: np.ndarray  # int64, sponsored posts per creator
    outcomes: dict = field(default_factory=dict)
    text: str = ""  # the file's text
    scenario: str = ""  # the scenario file a leading ``# scenario: FILE`` comment names (relative to the CSV)

    def __len__(self) -> int:
        return len(self.creators)

    @property
    def handle(self) -> np.ndarray:
        return self.creators.handle

    def observed(self) -> tuple[str, ...]:
        """Outcomes with at least one known value, in :data:`OUTCOMES` order."""
        return tuple(o for o in OUTCOMES if o in self.outcomes and np.isfinite(self.outcomes[o]).any())

    def without(self, k: int) -> PastCampaign:
        """The campaign without creator ``k`` (leave-one-creator-out)."""
        keep = np.arange(len(self)) != k
        c = self.creators
        creators = shortlists.Shortlist(
            name=c.name, handle=c.handle[keep], platform=c.platform[keep], followers=c.followers[keep],
            niche=c.niche[keep], engagement_rate=c.engagement_rate[keep], fee=c.fee[keep],
            country=c.country[keep], language=c.language[keep], niches=c.niches, lines=c.lines[keep],
            ignored=c.ignored)
        return PastCampaign(self.name, creators, self.posts[keep], {o: v[keep] for o, v in self.outcomes.items()},
                            "")

    def shortlist_csv(self) -> str:
        """The creators as a shortlist CSV (what ``influencers.shortlist`` reads)."""
        c = self.creators
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["handle", "platform", "followers", "niche", "engagement_rate", "fee"])
        for k in range(len(c)):
            writer.writerow([c.handle[k], shortlists.PLATFORMS[int(c.platform[k])], int(c.followers[k]),
                             c.niches[int(c.niche[k])],
                             "" if np.isnan(c.engagement_rate[k]) else repr(float(c.engagement_rate[k])),
                             "" if np.isnan(c.fee[k]) else repr(float(c.fee[k]))])
        return out.getvalue()


def read_past(path: str | Path, niches=None) -> PastCampaign:
    """Read and check a past campaign's CSV file (see the module's docstring for the columns).

    Raises
    ------
    ShortlistError
        One line naming the file (and the line and column) of the first problem, also
        for a file that is missing or unreadable.
    """
    p = Path(path)
    if p.is_dir():
        raise ShortlistError(str(p), "is a folder, not a CSV file")
    try:
        with open(p, "rb") as f:
            data = f.read(shortlists.MAX_BYTES + 1)
    except FileNotFoundError:
        raise ShortlistError(str(p), "file not found") from None
    except OSError as exc:
        raise ShortlistError(str(p), f"cannot read ({exc.strerror or exc.__class__.__name__})") from None
    return parse_past(data, p.name, niches)


def parse_past(data: str | bytes, name: str = "past.csv", niches=None) -> PastCampaign:
    """Check and read the text of a past campaign (``name`` is the file name errors show)."""
    creators = shortlists.parse_shortlist(data, name, niches)  # the shortlist's columns, its checks and errors
    text = data.removeprefix("\ufeff") if isinstance(data, str) else data.decode("utf-8-sig")
    header = next(line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#"))
    delimiter = max(",;\t", key=header.count) if any(d in header for d in ";\t") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    columns: dict[str, int] = {}
    rows: dict[int, list[str]] = {}
    for cells in reader:
        if not any(c.strip() for c in cells) or cells[0].lstrip().startswith("#"):
            continue
        if not columns:
            for k, title in enumerate(cells):
                key = re.sub(r"[\s\-]+", "_", title.strip().lower())
                key = ALIASES.get(key, key)
                if key in OUTCOMES or key == "posts":
                    if key in columns:
                        raise ShortlistError(f"{name}:{reader.line_num}", f'column "{key}" appears twice')
                    columns[key] = k
            header_line = reader.line_num
            continue
        rows[reader.line_num] = cells
    if "posts" not in columns:
        raise ShortlistError(f"{name}:{header_line}", 'missing column "posts" (sponsored posts per creator)')
    n = len(creators)
    posts = np.zeros(n, np.int64)
    outcomes = {o: np.full(n, np.nan) for o in OUTCOMES if o in columns}
    for k, line in enumerate(creators.lines.tolist()):
        cells = rows[line]

        def cell(col: str, cells=cells) -> str:
            i = columns[col]
            return cells[i].strip() if i < len(cells) else ""

        posts[k] = _posts(cell("posts"), f"{name}:{line}")
        for o in outcomes:
            if cell(o):
                outcomes[o][k] = _outcome(cell(o), o, f"{name}:{line}")
    named = re.search(r"(?im)^\s*#\s*scenario\s*[:=]\s*(\S+)", text[: text.find(header)])
    return PastCampaign(name, creators, posts, outcomes, text, named[1] if named else "")


def _posts(text: str, where: str) -> int:
    if not text:
        raise ShortlistError(where, "missing (required: sponsored posts the creator published)", "posts")
    got = shortlists._number(text, suffixes=False)
    if got is None or not got[0].is_integer():
        raise ShortlistError(where, f"expected a whole number of posts, got {shortlists._shown(text)}", "posts")
    if not 1 <= got[0] <= MAX_POSTS:
        raise ShortlistError(where, f"must be between 1 and {MAX_POSTS}, got {shortlists._shown(text)}", "posts")
    return int(got[0])


def _outcome(text: str, column: str, where: str) -> float:
    money = column == "revenue"
    body = re.sub(r"(?i)^(us\$|\$|usd)\s*|\s*(usd|\$)$", "", text) if money else text
    if shortlists._negative(body):
        raise ShortlistError(where, f"must not be negative, got {shortlists._shown(text)}", column)
    got = shortlists._number(body)
    hint = "USD (like 1200, $1,200 or 1.2k)" if money else "a whole count (like 1200, 1.2k or 1.2M)"
    if got is None:
        raise ShortlistError(where, f"expected {hint}, got {shortlists._shown(text)}", column)
    value = got[0] if money else float(round(got[0]))
    if not money and not (got[0].is_integer() or shortlists._NUMBER.fullmatch(body.strip())["suffix"]):  # type: ignore[index]  # _number matched it
        raise ShortlistError(where, f"expected {hint}, got {shortlists._shown(text)}", column)
    if value > (MAX_REVENUE if money else MAX_COUNT):
        raise ShortlistError(where, f"is too large, got {shortlists._shown(text)}", column)
    return value
