"""The reports read at a glance: plain number formats with units, a funnel whose labels cannot
overlap, rosters collapsed to the hired creators, significance on every difference chart,
colour that says better (green) or worse (red) and never a strategy, and pages that fit 1280 px
in a real headless Chromium (Selenium) with no console warning or error and no figure text cut
or overlapping (:mod:`layout_checks`).

The browser test is skipped when Chromium, chromedriver or Selenium is missing. With
``INFLUSIM_SCREENSHOTS=<folder>`` it also saves full-page screenshots of both reports there.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
from pathlib import Path
from types import SimpleNamespace as R

import numpy as np
import pytest

from layout_checks import CONSOLE_HOOK, CONSOLE_READ, FIGURE_FAULTS
from sim import format as fm
from sim.reports import report
from sim.reports.report import UNRESOLVED
from sim.reports.sweep_report import heatmap_figure, lines_figure, sweep_table

SMALL = {"population.size": 2000, "population.represents": 500, "campaign.days": 8, "run.replicates": 3,
         "strategies.long_strategy_name_that_must_wrap_in_tables": {"kind": "mixed"}}
SI_OR_EXPONENT = re.compile(r"(?<![#\w])\d+(\.\d+)?[kMG]\b|\de[+-]\d")  # 461.474k, 1.00e+3, 1e-05


# -- formats ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("v,text", [(461474.2, "461,474"), (1000.0, "1,000"), (1e6, "1,000,000"), (33.333, "33.3"),
                                    (0.5, "0.5"), (1.2e-5, "0.000012"), (-2500.4, "-2,500"), (float("nan"), "n/a")])
def test_number_is_plain(v, text):
    assert fm.number(v) == text


@pytest.mark.parametrize("v,text", [(13047.4, "$13,047"), (0.753, "$0.75"), (-1234.0, "-$1,234"), (1e6, "$1,000,000"),
                                    (0.0, "$0")])
def test_money_has_a_dollar_sign_and_separators(v, text):
    assert fm.money(v) == text


@pytest.mark.parametrize("share,text", [(0.0035, "0.35%"), (0.579, "58%"), (1.0, "100%"), (0.0, "0%"),
                                        (2e-7, "0.00002%")])
def test_percent_never_rounds_a_share_to_zero(share, text):
    assert fm.percent(share) == text


def test_values_carry_units_by_metric():
    assert fm.value("spend", 13047.0) == "$13,047"
    assert fm.value("roi", -0.342) == "-34%" and fm.value("roi", 0.05, diff=True) == "+5 pp"
    assert fm.value("conversion_rate", 0.00141) == "0.141%" and fm.value("roas", 1.434) == "1.43x"
    assert fm.value("reach", 461474.0) == "461,474" and fm.value("reach", 1000.0, diff=True) == "+1,000"
    assert fm.interval("cost_per_acquisition", -10.82, -53.25, 31.6, diff=True) == "-$10.82 [-$53.25, +$31.60]"
    for m in ("spend", "roi", "roas", "reach", "conversion_rate"):  # every axis format is a plain d3 format
        ax = fm.axis(m)
        assert "s" not in ax["tickformat"] and "e" not in ax["tickformat"] and ax["title_text"]


def _results(spread: dict[str, tuple[float, float]], n: int = 6) -> list:
    """Two strategies over ``n`` replicates: metric -> (mean difference b - a, noise of b)."""
    from sim.studies import compare

    out = []
    for i in range(n):
        for s in ("a", "b"):
            m = {k: 100.0 for k in compare.KEY_METRICS}
            if s == "b":
                for k, (d, noise) in spread.items():
                    m[k] = 100.0 + d + noise * (-1) ** i
            out.append(R(strategy=s, replicate=i, metrics=m, outreach={"filled": True}))
    return out


def test_paired_difference_chart_greys_and_hatches_unresolved_bars():
    res = _results({"roi": (0.0, 5.0), "reach": (50.0, 1.0)})
    fig = report.paired_difference_figure(R(run=R(market="fixed")), res)
    bars = {t.name: t for t in fig.data}
    roi, reach = bars["roi"], bars["reach"]
    assert roi.marker.color[0] == UNRESOLVED and roi.marker.pattern.shape[0] == "/" and roi.text[0] == "not resolved"
    assert reach.marker.color[0] != UNRESOLVED and reach.marker.pattern.shape[0] == "" and reach.text[0] == "better"
    for k in range(1, len(report.compare.KEY_METRICS) + 1):  # every panel has axis titles
        suffix = "" if k == 1 else str(k)
        assert fig.layout[f"yaxis{suffix}"].title.text and fig.layout[f"xaxis{suffix}"].title.text


def _hue_degrees(colour: str) -> tuple[float, float]:
    import colorsys

    h = colour.lstrip("#")
    r, g, b = (int(h[k:k + 2], 16) / 255 for k in (0, 2, 4))
    hue, _, saturation = colorsys.rgb_to_hls(r, g, b)
    return hue * 360, saturation


def test_difference_colours_say_better_or_worse_and_strategy_colours_are_neither_red_nor_green():
    from sim.reports.figures import BETTER, COLORS, WORSE

    # b: ROI resolved higher (better), spend resolved higher (worse: lower is better), reach not resolved
    res = _results({"roi": (5.0, 0.1), "spend": (500.0, 10.0), "reach": (0.0, 5.0)})
    fig = report.paired_difference_figure(R(run=R(market="fixed")), res)
    bars = {t.name: t for t in fig.data}
    assert bars["roi"].text[0] == "better" and bars["roi"].marker.color[0] == BETTER
    assert bars["spend"].text[0] == "worse" and bars["spend"].marker.color[0] == WORSE
    assert bars["reach"].marker.color[0] == UNRESOLVED
    assert "green: better, red: worse" in fig.layout.title.text
    ticks = fig.layout.yaxis.ticktext[0] + fig.layout["yaxis" + str(list(bars).index("spend") + 1)].ticktext[0]
    assert BETTER in ticks and WORSE in ticks  # the verdict under the name in the same colours
    assert BETTER in report.CSS and WORSE in report.CSS  # and the tables' "better" / "worse" marks
    for colour in COLORS:  # a strategy's colour never reads as better or worse
        hue, saturation = _hue_degrees(colour)
        assert not (hue < 20 or hue > 340) and not 75 < hue < 165, (colour, hue, saturation)
    sw = _sweep({"brand.budget": [15000, 30000], "product.price": [10, 20]})
    summary = _summary(sw, lambda p: True)
    roi = heatmap_figure(sw, summary, "roi", diff=True).layout.coloraxis.colorscale
    cost = heatmap_figure(sw, summary, "cost", diff=True).layout.coloraxis.colorscale
    assert (roi[0][1], roi[-1][1]) == (WORSE, BETTER)  # higher ROI is better
    assert (cost[0][1], cost[-1][1]) == (BETTER, WORSE)  # lower cost is better


def test_bars_coloured_one_by_one_give_their_hatching_a_colour_of_its_own(small_run):
    """plotly.js takes a pattern's background from ``marker.color`` unless it is given; from a list it logs
    "Invalid color specifier: Array(n)" for each trace (42 warnings on report.html)."""
    sc, results = small_run
    for fig in report.report_figures(sc, results):
        for t in fig.data:
            if t.type == "bar" and t.marker.pattern.shape is not None and not isinstance(t.marker.color, str):
                assert isinstance(t.marker.pattern.bgcolor, str), fig.layout.title.text


def test_titles_are_broken_into_lines_that_fit_the_narrowest_figure(small_run):
    from sim.reports.figures import NARROWEST, TITLE_CHAR_PX, fit_titles

    sc, results = small_run
    for fig in report.report_figures(sc, results):
        text = fit_titles(fig).layout.title.text
        assert all(len(line) * TITLE_CHAR_PX <= NARROWEST - 40 for line in text.split("<br>")), text
        assert fit_titles(fig).layout.title.text == text  # a second pass changes nothing


def test_decision_and_difference_table_use_units_and_mark_states():
    res = _results({"roi": (0.0, 0.3), "spend": (500.0, 10.0)})
    sc = R(run=R(market="fixed"))
    page = report.decision_section(sc, res) + report.paired_difference_table(sc, res)
    assert "b vs a: ROI on gross profit 0 pp" in page or "b vs a: ROI on gross profit +0 pp" in page
    assert "not resolved" in page and 'class="state unresolved"' in page and 'class="state worse"' in page
    assert "+$500" in page


def _funnel_results(n_strategies: int = 3) -> list:
    base = {"impressions": 857885.0, "reach": 496750.0, "engaged_people": 58350.0, "conversions": 205.0}
    return [R(strategy=f"s{k}", replicate=i, metrics={key: v * (1 + 0.1 * k) for key, v in base.items()})
            for k in range(n_strategies) for i in range(2)]


def test_funnel_labels_sit_outside_their_own_bars_and_buyers_never_read_zero():
    res = _funnel_results(3)
    rows = report.funnel_rows(res)
    buyers = [text for s in rows for stage, _, text in rows[s] if stage == "buyers"]
    assert buyers[0] == "205 (0.35% of people engaged)" and all("(0%" not in t for t in buyers)
    assert rows["s0"][0][2] == "857,885"  # separators, not 857.885k
    fig = report.funnel_figure(res)
    assert fig.layout.barmode == "group" and fig.layout.xaxis.type == "log"  # one row per stage and strategy
    assert all(t.type == "bar" and t.orientation == "h" and t.textposition == "outside" for t in fig.data)
    assert fig.layout.xaxis.title.text and fig.layout.yaxis.title.text
    assert report.funnel_figure(_funnel_results(6)).layout.height > fig.layout.height  # room for every bar
    for t in fig.data:
        assert not any(SI_OR_EXPONENT.search(x) for x in t.text)


def _candidates(n: int, hired: set[int]) -> list[dict]:
    return [{"influencer": i, "phase": "", "round": 1 + i // 10, "tier": "micro", "followers": 10000 + i,
             "niche": "food", "fit": 0.5, "fee": 1234.0, "cpm": 0.0, "offers_per_month": 5, "p_accept": 0.0035,
             "accepted": i in hired} for i in range(n)]


def test_roster_shows_hired_creators_and_every_offer_behind_details():
    run = R(strategy="macro", influencers=[{"influencer": 7, "cost": 15471.0, "conversions": 340.0}],
            outreach={"candidates": _candidates(110, {7})})
    page = report.roster_table([run])
    assert "macro: 1 account hired of 110 offered, 10,007 followers" in page and "1 accounts" not in page
    hired, rest = page.split("<details>")
    assert hired.count("<tr") == 2  # the header and the one hired creator
    assert "show all 110 offers" in rest and rest.count("<tr") == 111
    assert "$15,471" in hired and "$1,234" in hired and "0.35%" in hired
    two = R(strategy="micro", influencers=[], outreach={"candidates": _candidates(3, {0, 1})})
    assert "micro: 2 accounts hired of 3 offered" in report.roster_table([two])


# -- sweep report ---------------------------------------------------------------------------------------

def _sweep(vary: dict, baseline: str = "macro"):
    from sim.studies.sweep import parse_sweep

    return parse_sweep({"vary": vary, "sweep": {"strategies": ["macro", "micro_equal_budget"],
                                                "baseline": baseline, "metrics": ["roi", "cost"]}})


def _summary(sw, resolved) -> list[dict]:
    rows = []
    for p, pt in enumerate(sw.points):
        for s in sw.strategies:
            row = {"point": p, **pt, "strategy": s, "n_ok": 3, "n_failed": 0, "roi_mean": 0.1, "roi_ci_low": 0.0,
                   "roi_ci_high": 0.2, "cost_mean": 15000.0, "cost_ci_low": 14000.0, "cost_ci_high": 16000.0}
            if s != sw.baseline:
                lo = 0.01 if resolved(p) else -0.05
                row.update(roi_diff_mean=0.03, roi_diff_ci_low=lo, roi_diff_ci_high=0.08, cost_diff_mean=1000.0,
                           cost_diff_ci_low=500.0, cost_diff_ci_high=1500.0)
            rows.append(row)
    return rows


def test_difference_heatmap_greys_cells_whose_interval_spans_zero():
    sw = _sweep({"brand.budget": [15000, 30000], "product.price": [10, 20]})
    summary = _summary(sw, lambda p: p % 2 == 0)
    fig = heatmap_figure(sw, summary, "roi", diff=True)
    main, grey = fig.data
    z, g = np.array(main.z, dtype=float), np.array(grey.z, dtype=float)
    assert np.isnan(z).sum() == 2 and (np.isnan(z) == ~np.isnan(g)).all()  # each cell coloured once
    assert grey.colorscale[0][1] == UNRESOLVED and grey.colorscale[-1][1] == UNRESOLVED
    assert sum("n.r." in t for row in grey.text for t in row) == 2
    assert all("n.r." not in t for row in main.text for t in row)
    assert {t for row in main.text for t in row} - {""} == {"+3 pp"}  # ROI differences in percentage points
    assert list(main.x) == ["$15,000", "$30,000"] and fig.layout.xaxis.title.text == "brand.budget ($)"
    assert "not resolved" in fig.layout.title.text
    cost = heatmap_figure(sw, summary, "cost", diff=True)
    assert len(cost.data) == 1 and cost.layout.coloraxis.colorscale[0][1] != cost.layout.coloraxis.colorscale[-1][1]
    assert {t for row in cost.data[0].text for t in row} == {"+$1,000"}
    assert cost.layout.coloraxis.colorbar.tickformat.startswith("$")


def test_difference_lines_mark_unresolved_points():
    sw = _sweep({"brand.budget": [15000, 30000, 60000]})
    fig = lines_figure(sw, _summary(sw, lambda p: p != 1), "roi", diff=True)
    line = fig.data[-1]
    assert list(line.marker.color) == [report._color(0), "white", report._color(0)]
    assert "not resolved" in line.text[1] and "not resolved" not in line.text[0]
    assert fig.layout.yaxis.ticksuffix == " pp" and fig.layout.xaxis.title.text == "brand.budget ($)"


def test_sweep_table_folds_differences_into_metric_columns():
    sw = _sweep({"brand.budget": [15000, 30000], "product.price": [10, 20]})
    page = sweep_table(sw, _summary(sw, lambda p: p == 0))
    head = page.split("</tr>")[0]
    assert head.count("<th>") == 3 + 2 + 2  # point, strategy, runs, 2 fields, 2 metrics: no extra diff columns
    assert "vs macro: +3 pp</small><br><small>[+1 pp, +8 pp]" in page and "not resolved" in page
    assert "$15,000" in page
    five = _sweep({"brand.budget": [15000, 30000]})
    five.metrics = ["roi", "cost", "reach", "conversions", "spend"]
    rows = [{**r, **{f"{m}_{k}": 1.0 for m in five.metrics for k in ("mean", "ci_low", "ci_high")}}
            for r in _summary(five, lambda p: True)]
    assert sweep_table(five, rows).count("<table") == 2  # at most four metrics a table: none wider than the page


# -- real run and sweep in Chromium -------------------------------------------------------------------

@pytest.fixture(scope="module")
def module_cache(tmp_path_factory):
    """The market cache of the tests (conftest's), for the module's fixtures that run before it is set."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("INFLUSIM_CACHE", str(tmp_path_factory.getbasetemp() / "cache"))
        yield


@pytest.fixture(scope="module")
def small_run(module_cache):
    from sim.scenario import load_scenario, with_fields
    from sim.studies.runs import run_scenario

    sc = with_fields(load_scenario(None), SMALL)
    return sc, run_scenario(sc, workers=1)


@pytest.fixture(scope="module")
def run_page(small_run, tmp_path_factory):
    from sim.reports.run_folder import write_run_folder

    sc, results = small_run
    out = tmp_path_factory.mktemp("run") / "out"
    write_run_folder(sc, results, out)
    return out / "report.html"


def test_report_figures_have_axis_titles_and_plain_formats(small_run):
    sc, results = small_run
    figs = report.report_figures(sc, results)
    assert len(figs) == 7 and "Paired difference" in figs[0].layout.title.text
    for fig in figs:
        for t in fig.data:
            x, y = t.xaxis or "x", t.yaxis or "y"
            xa, ya = fig.layout["xaxis" + x[1:]], fig.layout["yaxis" + y[1:]]
            assert xa.title.text and ya.title.text, fig.layout.title.text
            numeric = xa if getattr(t, "orientation", None) == "h" else ya
            assert numeric.tickformat and not re.search(r"[se]", numeric.tickformat), fig.layout.title.text
    names = [t.name for t in figs[1].data if t.showlegend is not False]
    assert names == list(sc.strategies)  # strategy names exactly as in the scenario


def test_report_page_numbers_have_units_and_no_si_suffixes(run_page, small_run):
    sc, _ = small_run
    page = run_page.read_text()
    text = re.sub(r"<(script|style).*?</\1>", "", page, flags=re.DOTALL)
    text = re.sub(r"<[^>]+>", " ", text)
    assert not SI_OR_EXPONENT.search(text), SI_OR_EXPONENT.search(text)
    assert "accounts hired of" in text or "account hired of" in text
    assert "show all" in page and "budget ($)" in page and "<details>" in page
    for name in sc.strategies:
        assert name in text.replace("_ ", "_")
    assert page.count("plotly.js v") == 1 and "<script src=" not in page


@pytest.fixture(scope="module")
def sweep_page(tmp_path_factory, module_cache):
    from sim.reports.sweep_export import export
    from sim.studies.sweep import parse_sweep, run_sweep

    out = tmp_path_factory.mktemp("sweep") / "o"
    raw = {"sweep": {"name": "tiny", "seed": 3, "replicates": 2, "strategies": ["macro", "micro_equal_budget"],
                     "baseline": "macro", "metrics": ["roi", "conversions", "cost"]},
           "overrides": {"population": {"size": 2000, "represents": 1000}, "campaign": {"days": 2},
                         "parameters": {"offer_response_days": 0}},
           "vary": {"brand.budget": [30000, 60000, 90000], "product.price": [20, 40, 60, 80, 100, 120, 140]}}
    sw = parse_sweep(raw)
    run_sweep(sw, out, progress=False)
    export(sw, out)
    return out / "report.html"


def test_sweep_page_has_units_and_no_exponents(sweep_page):
    page = sweep_page.read_text()
    text = re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style).*?</\1>", "", page, flags=re.DOTALL))
    cells = " ".join(re.findall(r'"text":\[\[.*?\]\]', page))  # the heatmaps' cell labels
    assert cells and not SI_OR_EXPONENT.search(text + cells), SI_OR_EXPONENT.search(text + cells)
    assert "$30,000" in text and "show the table" in text and "difference to macro" in page


CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

WIDE = """
const W = document.documentElement.clientWidth;
const bad = [];
for (const e of document.body.querySelectorAll('*')) {
  if (e.closest('#js-plotly-tester') || e.classList.contains('js-reference-point')) continue;  // plotly's
                                                                                   // off-screen helpers
  const r = e.getBoundingClientRect();
  if (r.width > 0 && (r.right > W + 1 || r.left < -1))
    bad.push(e.tagName.toLowerCase() + (e.className && e.className.baseVal === undefined ? '.' + e.className : '')
             + ' ' + Math.round(r.left) + '..' + Math.round(r.right) + 'px');
}
return {W: W, inner: window.innerWidth, scroll: document.documentElement.scrollWidth, bad: bad.slice(0, 10)};
"""


@pytest.fixture(scope="module")
def chrome():
    if CHROMIUM is None or CHROMEDRIVER is None:
        pytest.skip("Chromium or chromedriver is not installed (apt-get install chromium chromium-driver)")
    if importlib.util.find_spec("selenium") is None:
        pytest.skip("Selenium is not installed (pip install selenium)")
    from selenium import webdriver

    mp = pytest.MonkeyPatch()
    mp.setenv("SE_OFFLINE", "true")  # Selenium Manager must not look for drivers online
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--hide-scrollbars", "--window-size=1280,1000",
                 "--host-resolver-rules=MAP * ~NOTFOUND"):  # no network: any request would fail and log an error
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=opts, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    # every console.warn / error / trace of the pages (plotly.js warns with console.trace, which the browser log
    # leaves out), recorded before the pages' own scripts run
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": CONSOLE_HOOK})
    yield driver
    driver.quit()
    mp.undo()


def _check_page(driver, page: Path, shot: str) -> None:
    from selenium.webdriver.support.ui import WebDriverWait

    driver.set_window_size(1280, 1000)
    driver.get(page.as_uri())
    WebDriverWait(driver, 60).until(lambda d: d.execute_script(
        "const n = document.querySelectorAll('.plotly-graph-div').length;"
        "return n > 0 && document.querySelectorAll('.plotly-graph-div .main-svg').length >= n;"))
    driver.execute_script("document.querySelectorAll('details').forEach(d => d.open = true);")
    got = driver.execute_script(WIDE)
    assert got["inner"] == 1280, got
    assert got["scroll"] <= got["W"] and got["bad"] == [], got
    logged = [f"{e['level']}: {e['message']}" for e in driver.get_log("browser") if e["level"] in ("WARNING", "SEVERE")]
    console = driver.execute_script(CONSOLE_READ)
    assert logged + console == [], "\n".join(logged + console)  # no warning or error at all
    faults = driver.execute_script(FIGURE_FAULTS)
    assert faults == [], "\n".join(faults)  # no text cut by a figure's edge, none over another
    folder = os.environ.get("INFLUSIM_SCREENSHOTS")
    if folder:
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1280, min(int(height) + 200, 30000))
        Path(folder).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(folder) / shot))


def test_run_report_fits_1280px_offline_with_no_console_warnings_or_errors(chrome, run_page):
    _check_page(chrome, run_page, "report.png")


def test_sweep_report_fits_1280px_offline_with_no_console_warnings_or_errors(chrome, sweep_page):
    _check_page(chrome, sweep_page, "sweep_report.png")
