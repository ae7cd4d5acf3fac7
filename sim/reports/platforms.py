"""Results by platform: what each strategy's creators on Instagram, TikTok and YouTube cost and delivered.

Shown (report and app) when the hired creators span more than one platform. Figures are
means per replicate of the sums over a strategy's hired accounts on a platform (a
replicate that hired nobody there counts as zero); the engagement rate and the cost per
engagement are ratios of those sums. Spend here is what the hired accounts cost (fees or
product, per-view payments, their staff time), so it leaves out the staff time of
refused offers that the strategy's total spend includes.

Examples
--------
>>> from types import SimpleNamespace as R
>>> row = lambda p, f, c, e: {"platform": p, "followers": f, "cost": c, "impressions": 2 * f, "engagements": e,
...                           "conversions": 1}
>>> rs = [R(strategy="micro", replicate=0,
...         influencers=[row("instagram", 1000, 100.0, 50), row("tiktok", 1000, 30.0, 90)]),
...       R(strategy="micro", replicate=1, influencers=[row("instagram", 3000, 300.0, 100)])]
>>> spans_platforms(rs)
True
>>> rows = {r["platform"]: r for r in platform_rows(rs)}
>>> rows["instagram"]["accounts"], rows["instagram"]["spend"], rows["instagram"]["engagement_rate"]
(1.0, 200.0, 0.0375)
>>> rows["tiktok"]["accounts"], rows["tiktok"]["spend"], rows["tiktok"]["cost_per_engagement"]
(0.5, 15.0, 0.3333333333333333)
>>> ">tiktok<" in platform_table(rs) and "$200" in platform_table(rs)
True
"""

from __future__ import annotations

import html

from sim import format as fm

#: Order of the platforms in tables and charts (then any other, as met).
ORDER = ("instagram", "tiktok", "youtube")

#: Columns of the table: (key, heading).
COLUMNS = (("accounts", "accounts hired"), ("followers", "followers"), ("spend", "spend ($)"),
           ("impressions", "views"), ("engagements", "engagements"), ("conversions", "buyers"),
           ("engagement_rate", "engagements per follower"), ("cost_per_engagement", "cost per engagement ($)"))

_SUMS = ("followers", "cost", "impressions", "engagements", "conversions")


def platforms_of(results) -> list[str]:
    """Platforms of the hired accounts of every run, Instagram, TikTok, YouTube first."""
    seen = {row.get("platform", "instagram") for r in results for row in getattr(r, "influencers", None) or []}
    return [p for p in ORDER if p in seen] + sorted(seen - set(ORDER))


def spans_platforms(results) -> bool:
    """Whether the hired creators of a run are on more than one platform."""
    return len(platforms_of(results)) > 1


def platform_rows(results) -> list[dict]:
    """One row per strategy and platform (where the strategy hired someone there in some replicate).

    Keys: ``strategy``, ``platform``, ``replicates``, means per replicate of ``accounts``,
    ``followers``, ``spend``, ``impressions``, ``engagements``, ``conversions``, and the
    pooled ``engagement_rate`` (engagements per follower) and ``cost_per_engagement``.
    """
    out = []
    for s in dict.fromkeys(r.strategy for r in results):
        runs = [r for r in results if r.strategy == s]
        n = len(runs)
        for p in platforms_of(runs):
            rows = [x for r in runs for x in (getattr(r, "influencers", None) or [])
                    if x.get("platform", "instagram") == p]
            if not rows:
                continue
            total = {k: float(sum(x[k] for x in rows)) for k in _SUMS}
            out.append({
                "strategy": s, "platform": p, "replicates": n, "accounts": len(rows) / n,
                "followers": total["followers"] / n, "spend": total["cost"] / n,
                "impressions": total["impressions"] / n, "engagements": total["engagements"] / n,
                "conversions": total["conversions"] / n,
                "engagement_rate": total["engagements"] / total["followers"] if total["followers"] else float("nan"),
                "cost_per_engagement": total["cost"] / total["engagements"] if total["engagements"] else float("nan"),
            })
    return out


def cell(key: str, v: float) -> str:
    """A value of the table: money in $, the engagement rate in %, counts as plain numbers."""
    if key in ("spend", "cost_per_engagement"):
        return fm.money(v)
    if key == "engagement_rate":
        return fm.percent(v)
    return fm.number(v)


def platform_table(results) -> str:
    """The "By platform" section (HTML): one row per strategy and platform; empty when one platform only."""
    if not spans_platforms(results):
        return ""
    rows = platform_rows(results)
    head = "".join(f"<th>{html.escape(h)}</th>" for _, h in COLUMNS)
    body = []
    last = None
    for r in rows:
        name = html.escape(r["strategy"]).replace("_", "_<wbr>") if r["strategy"] != last else ""  # long names wrap
        last = r["strategy"]
        cells = "".join(f"<td>{cell(k, r[k])}</td>" for k, _ in COLUMNS)
        plat = f"<td class=\"text\"><span class=\"nw\">{html.escape(r['platform'])}</span></td>"
        body.append(f"<tr><th>{name}</th>{plat}{cells}</tr>")
    return ("<h2>By platform</h2><p>What each strategy's hired creators on each platform cost and delivered: means "
            "per replicate (a replicate that hired nobody on a platform counts as zero), engagement rate and cost "
            "per engagement from the sums over replicates. Spend is what the hired accounts cost (fees or product, "
            "per-view payments, their staff time), without the staff time of refused offers. Platform figures "
            "relative to Instagram: <code>parameters.platforms</code>.</p>"
            "<table><tr><th>strategy</th><th style=\"text-align:left\">platform</th>"
            f"{head}</tr>{''.join(body)}</table>")
