"""The app and the report in a real headless Chromium (Debian's ``chromium``, driven by Playwright).

The app is started with ``influsim app`` on 127.0.0.1 and a free port; the tests use the
form as a strategist would (change the budget, add a strategy, run, read a verdict, run a
what-if, download the run folder, save the scenario), check that the CLI gives the same
``summary.csv`` for the saved scenario, that a bad value shows the CLI's one-line message
next to its field and runs nothing, that a run's results at 1280 px log no console warning or
error and have no text cut or overlapping (:mod:`layout_checks`), that SIGTERM or Ctrl-C stops
the app with exit 0 and nothing on stderr, and that ``report.html`` opened from disk with no
network has no console warning or error and nothing wider than a 1280 px page. Screenshots go to
``$INFLUSIM_SCREENSHOTS`` when it is set (to look at them), else to a temporary folder (tests
write only there). Skipped when Chromium, Playwright or Solara is missing.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

from layout_checks import CUT_TEXT, FIGURE_FAULTS
from sim.cli import main

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (apt-get install chromium)"),
    pytest.mark.skipif(importlib.util.find_spec("playwright") is None, reason="Playwright is not installed"),
    pytest.mark.skipif(importlib.util.find_spec("solara") is None, reason="Solara is not installed (the app extra)"),
]

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = Path(os.environ.get("INFLUSIM_SCREENSHOTS") or tempfile.mkdtemp(prefix="influsim-screenshots-"))
WIDTH = 1280
# a small market that still has macro accounts (2,000 x 500 = 1M people), a short campaign, 3 replicates
SMALL = {"population.size": "2000", "population.represents": "500", "campaign.days": "8", "run.replicates": "3"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    """``influsim app`` on 127.0.0.1 and a free port, stopped after the module's tests."""
    port = _free_port()
    tmp = tmp_path_factory.mktemp("app")
    env = {**os.environ, "INFLUSIM_CACHE": str(tmp / "cache")}
    log = open(tmp / "app.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "sim", "app", "--host", "127.0.0.1", "--port", str(port)],
                            cwd=tmp, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.time() + 90
        while True:
            try:
                urllib.request.urlopen(url, timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"the app did not start: {(tmp / 'app.log').read_text()[-2000:]}") from None
                time.sleep(0.5)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture
def browser_page(tmp_path):
    """A page of a fresh headless Chromium (its own profile), 1280 px wide; console warnings and errors collected."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        ctx = pw.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM, headless=True, args=FLAGS, accept_downloads=True,
            viewport={"width": WIDTH, "height": 900})
        page = ctx.new_page()
        page.console_errors, page.step = [], "open"  # each warning or error with the step it came in
        # plotly.js logs its warnings with console.trace: those count too
        page.on("console", lambda m: m.type in ("error", "warning", "trace")
                and page.console_errors.append(f"{page.step}: {m.type}: {m.text}"))
        page.on("pageerror", lambda e: page.console_errors.append(f"{page.step}: {e}"))
        page.set_default_timeout(60_000)
        try:
            yield page
        finally:
            ctx.close()


def _shot(page, name: str) -> None:
    """A screenshot of the whole app (the layout scrolls inside the page, so grow the window first)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.evaluate("() => { for (const e of document.querySelectorAll('*')) if (e.scrollTop) e.scrollTop = 0;"
                  " window.scrollTo(0, 0); }")
    height = page.evaluate("() => 40 + Math.max(...['.form-column', '.results-column'].map(s => "
                           "document.querySelector(s).getBoundingClientRect().bottom))")
    page.set_viewport_size({"width": WIDTH, "height": int(min(max(900, height), 8000))})
    page.wait_for_timeout(500)
    page.screenshot(path=str(SHOTS / name), full_page=True)
    page.set_viewport_size({"width": WIDTH, "height": 900})


def _fill(page, css: str, text: str) -> None:
    """Type into a text field and press Enter (the app reads a field on Enter or leaving it)."""
    box = page.locator(f".{css} input").first
    box.fill(text)
    box.press("Enter")


def _choose(page, css: str, option: str) -> None:
    page.locator(f".{css}").first.click()
    page.get_by_role("option", name=option, exact=True).click()


def _message(page, css: str) -> str:
    return page.locator(f".{css} .v-messages").first.inner_text().strip()


def _open(page, url: str) -> None:
    page.goto(url)
    page.wait_for_selector(".run-button")


def _download(page, text: str, to: Path) -> Path:
    with page.expect_download(timeout=120_000) as dl:
        page.get_by_text(text).first.click()
    dl.value.save_as(str(to))
    return to


def test_form_run_whatif_and_download_match_the_cli(app_url, browser_page, tmp_path, monkeypatch):
    page = browser_page
    monkeypatch.setenv("INFLUSIM_CACHE", str(tmp_path / "cache"))
    _open(page, app_url)
    for path, text in SMALL.items():
        _fill(page, "field-" + path.replace(".", "-").replace("_", "-"), text)
    page.step = "form"
    # the mixed strategy spends half on one macro account: about $10,000 at the point fee curve, more in
    # replicates whose drawn fee curve (run.parameters = "uncertain") is steeper
    _fill(page, "field-brand-budget", "40000")
    page.locator(".add-strategy").click()
    page.wait_for_selector(".strategy-kind-2")
    _choose(page, "strategy-selection-2", "engagement_rate")
    page.wait_for_selector("text=3 strategies x 3 replicates")
    _shot(page, "app-form.png")

    page.step = "run"
    page.locator(".run-button").click()
    verdict = page.locator("ul.verdicts li").first
    verdict.wait_for()
    assert " vs macro: ROI " in verdict.inner_text()
    assert page.locator("ul.verdicts li").count() == 2
    assert "strategy_3" in page.locator(".results").inner_text()
    page.wait_for_selector(".results .js-plotly-plot")
    _shot(page, "app-results.png")

    page.step = "downloads"
    toml = _download(page, "Save this scenario (TOML)", tmp_path / "saved.toml")
    folder = _download(page, "Download the run folder", tmp_path / "run.zip")
    with zipfile.ZipFile(folder) as zf:
        names = zf.namelist()
        app_summary = zf.read(next(n for n in names if n.endswith("/summary.csv")))
    assert sorted(n.split("/")[-1] for n in names) == ["creators.csv", "report.html", "runs.csv", "scenario.json", "summary.csv"]
    assert main(["run", str(toml), "--out", str(tmp_path / "cli"), "--no-progress"]) == 0
    cli_summary = (tmp_path / "cli" / "summary.csv").read_bytes()
    assert cli_summary.decode().splitlines() == app_summary.decode().splitlines()
    assert cli_summary == app_summary

    page.step = "what-if"
    page.get_by_role("tab", name="What if").click()
    _fill(page, "whatif-from", "40000")  # the mixed strategy needs a macro account (see above)
    _fill(page, "whatif-to", "60000")
    _fill(page, "whatif-count", "3")
    page.wait_for_selector("text=Values: $40,000, $50,000, $60,000")
    page.locator(".whatif-run").click()
    table = page.locator(".whatif-result table")
    table.wait_for(timeout=180_000)
    assert table.locator("tr").count() == 1 + 3
    assert page.locator(".whatif .js-plotly-plot").count() == 1
    _shot(page, "app-whatif.png")

    page.step = "cancel"
    page.get_by_role("tab", name="Run").click()
    _fill(page, "field-run-replicates", "200")
    page.locator(".run-button").click()
    page.wait_for_selector("text=/running: [1-9][0-9]* of 600 replicates/")
    page.locator(".cancel-run").click()
    page.wait_for_selector(".run-cancelled")
    assert page.console_errors == [], "\n".join(page.console_errors)


def test_results_have_no_console_warning_and_no_text_cut_or_overlapping(app_url, browser_page, tmp_path,
                                                                        monkeypatch):
    """A small run (5,000 people, 3 replicates) read at 1280 px: not one console warning or error from the
    page's load to its charts, no label or chosen value cut short, no figure text cut or over another."""
    page = browser_page
    _open(page, app_url)
    for path, text in {"population.size": "5000", "population.represents": "200", "run.replicates": "3"}.items():
        _fill(page, "field-" + path.replace(".", "-").replace("_", "-"), text)
    page.locator(".add-strategy").click()  # a third strategy: a longer kind name in its select
    _choose(page, "strategy-kind-2", "micro_equal_following")
    _choose(page, "strategy-selection-2", "cost_per_engagement")
    page.wait_for_selector("text=3 strategies x 3 replicates")
    page.step = "run"
    page.locator(".run-button").click()
    page.wait_for_selector("ul.verdicts li")
    page.wait_for_selector(".results .js-plotly-plot")
    page.wait_for_function("() => document.querySelectorAll('.results .js-plotly-plot .main-svg').length >= 7",
                           timeout=60_000)
    page.wait_for_timeout(1000)
    _shot(page, "app-results-small.png")
    cut = page.evaluate("() => {" + CUT_TEXT + "}")
    faults = page.evaluate("() => {" + FIGURE_FAULTS + "}")
    found = {"text cut short": cut, "figure text cut or overlapping": faults, "console": page.console_errors}
    assert all(v == [] for v in found.values()), "\n".join(f"{k} ({len(v)}): {m}" for k, v in found.items() for m in v)


def test_the_frontier_tab_draws_profit_against_budget_with_no_console_warning(app_url, browser_page):
    """'How much to spend': a small frontier (two budgets, 3 replicates) runs from the tab and draws its chart and
    table (which creators are in the run tab's results: app-results-small.png)."""
    page = browser_page
    _open(page, app_url)
    for path, text in SMALL.items():
        _fill(page, "field-" + path.replace(".", "-").replace("_", "-"), text)
    page.get_by_role("tab", name="How much to spend").click()
    _fill(page, "frontier-budgets", "20k,80k")
    page.wait_for_selector("text=2 budgets")
    page.step = "frontier"
    page.locator(".frontier-run").click()
    page.wait_for_selector(".frontier-result table", timeout=240_000)
    page.wait_for_selector(".frontier .js-plotly-plot .main-svg")
    page.wait_for_timeout(1000)
    _shot(page, "app-frontier.png")
    text = page.locator(".influsim-results.frontier-result").inner_text()
    assert "$20,000" in text and "$80,000" in text, text[:500]
    faults = page.evaluate("() => {" + FIGURE_FAULTS + "}")
    assert faults == [] and page.console_errors == [], (faults, page.console_errors)


@pytest.mark.parametrize("signal_name", ["SIGTERM", "SIGINT"])
def test_app_stops_quietly_on_a_signal(signal_name, browser_page, tmp_path):
    """``influsim app`` stopped by SIGTERM or Ctrl-C (SIGINT) while a browser has the page open: exit 0,
    ``influsim app: stopped``, and nothing on stderr (no traceback, no warning for the page's connection)."""
    import signal

    port = _free_port()
    env = {**os.environ, "INFLUSIM_CACHE": str(tmp_path / "cache")}
    proc = subprocess.Popen([sys.executable, "-m", "sim", "app", "--port", str(port)], cwd=tmp_path, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        deadline = time.time() + 90
        while True:
            try:
                urllib.request.urlopen(url, timeout=2).read()
                break
            except OSError:
                assert proc.poll() is None and time.time() < deadline, "the app did not start"
                time.sleep(0.5)
        _open(browser_page, url)  # the page's connection (websocket) stays open while the signal comes
        browser_page.wait_for_timeout(500)
        proc.send_signal(getattr(signal, signal_name))
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    print(f"stdout:\n{out}\nstderr:\n{err}")
    assert "Traceback" not in err and "Warning" not in err and err == ""
    assert proc.returncode == 0
    assert out.splitlines()[0] == f"influsim app: http://127.0.0.1:{port}/ (Ctrl-C stops it)"
    assert out.splitlines()[-1] == "influsim app: stopped"


def test_bad_value_shows_the_cli_message_next_to_the_field_and_runs_nothing(app_url, browser_page, capsys):
    page = browser_page
    _open(page, app_url)
    _fill(page, "field-brand-budget", "-5000")
    page.wait_for_selector(".field-brand-budget .v-messages >> text=brand.budget")
    main(["run", "--set", "brand.budget=-5000", "--no-progress"])
    cli_line = capsys.readouterr().err.strip()
    assert cli_line == "influsim: error: " + _message(page, "field-brand-budget")
    assert _message(page, "field-brand-budget") == "brand.budget: must be >= 0, got -5000"
    _fill(page, "field-product-price", "cheap")
    page.wait_for_selector(".field-product-price .v-messages >> text=product.price: expected a number, got a string")
    assert page.locator(".run-button").is_disabled()
    page.locator(".run-button").click(force=True)
    page.wait_for_timeout(1500)
    assert page.locator(".cancel-run-progress").count() == 0 and page.locator(".results").count() == 0
    _shot(page, "app-bad-value.png")
    _fill(page, "field-brand-budget", "20000")
    _fill(page, "field-product-price", "40")
    page.wait_for_selector(".run-button:not([disabled])")


def test_load_a_scenario_file(app_url, browser_page, tmp_path):
    page = browser_page
    _open(page, app_url)
    bad = tmp_path / "bad.toml"
    bad.write_text("[brand]\nbudget = -1\n")
    page.locator(".scenario-upload input[type=file]").set_input_files(str(bad))
    page.wait_for_selector(".scenario-upload >> text=bad.toml not loaded: brand.budget: must be >= 0, got -1")
    good = tmp_path / "good.toml"
    good.write_text('name = "launch"\n[brand]\nbudget = 12345\n[population]\nsize = 2000\nrepresents = 500\n'
                    '[strategies.big]\nkind = "macro"\n[strategies."many small"]\nkind = "nano_swarm"\n')
    page.locator(".scenario-upload input[type=file]").set_input_files(str(good))
    page.wait_for_selector(".scenario-upload >> text=loaded good.toml")
    assert page.locator(".field-brand-budget input").input_value() == "12345"
    assert page.locator(".strategy-name-1 input").input_value() == "many small"
    assert page.locator(".strategy-row").count() == 2
    page.wait_for_selector("text=2 strategies x 10 replicates")
    assert page.console_errors == [], "\n".join(page.console_errors)


@pytest.mark.skipif(importlib.util.find_spec("sim.world.shortlist") is None,
                    reason="sim.world.shortlist is not there yet (the shortlist upload comes with it)")
def test_shortlist_upload(app_url, browser_page, tmp_path):
    examples = sorted(Path(__file__).parents[1].glob("scenarios/*shortlist*.csv"))
    if not examples:
        pytest.skip("no example shortlist in scenarios/")
    page = browser_page
    _open(page, app_url)
    bad = tmp_path / "shortlist.csv"  # a bad row: the CLI's one-line message under the upload
    bad.write_text("handle,platform,followers,niche\n@example_a,instagram,12k,fitness\n@example_b,tiktok,lots,food\n")
    page.locator(".shortlist-upload input[type=file]").set_input_files(str(bad))
    page.wait_for_selector(".shortlist-upload .influsim-upload-error")
    assert page.locator(".shortlist-upload .influsim-upload-error").inner_text().strip() == (
        'shortlist.csv:3: followers: expected a whole number (like 12000, 12k or 1.2M), got "lots"')
    page.locator(".shortlist-upload input[type=file]").set_input_files(str(examples[0]))
    page.wait_for_selector(f".shortlist-upload >> text={examples[0].name}")
    assert page.locator(".shortlist-upload .influsim-upload-error").count() == 0
    assert " accounts loaded (" in page.locator(".shortlist-upload").inner_text()
    page.wait_for_selector(".shortlist-only")
    # run with the shortlist: a market of 2,000,000 real people holds its 1.2M-follower account
    for path, text in {**SMALL, "population.represents": "1000"}.items():
        _fill(page, "field-" + path.replace(".", "-").replace("_", "-"), text)
    page.locator(".run-button").click()
    verdict = page.locator("ul.verdicts li").first
    verdict.wait_for(timeout=180_000)
    assert " vs macro: ROI " in verdict.inner_text()
    page.wait_for_selector(".results .js-plotly-plot")
    _shot(page, "app-shortlist.png")
    assert page.console_errors == [], "\n".join(page.console_errors)


WIDE = """() => {
  const limit = document.documentElement.clientWidth + 1;
  const clipped = (e) => { for (let p = e.parentElement; p; p = p.parentElement) {
      const o = getComputedStyle(p).overflowX; if (o !== 'visible') return p !== document.documentElement
          && p !== document.body; } return false; };
  return [...document.body.querySelectorAll('*')].filter(e => {
      const r = e.getBoundingClientRect(); return r.width > 0 && r.right > limit && !clipped(e); })
    .map(e => e.tagName.toLowerCase() + (e.className && e.className.baseVal === undefined ? '.' + e.className : '')
         + ' ' + Math.round(e.getBoundingClientRect().right) + 'px').slice(0, 10);
}"""


def test_report_html_offline_has_no_console_warnings_or_errors_and_fits_1280px(browser_page, tmp_path, monkeypatch):
    monkeypatch.setenv("INFLUSIM_CACHE", str(tmp_path / "cache"))
    args = ["run", "--out", str(tmp_path / "run"), "--no-progress", "--set", "strategies.mixed={kind = \"mixed\"}"]
    for path, text in SMALL.items():
        args += ["--set", f"{path}={text}"]
    assert main(args) == 0
    page = browser_page
    requests = []

    def offline(route) -> None:  # no network: only the file itself may load
        requests.append(route.request.url)
        route.continue_() if route.request.url.startswith("file://") else route.abort()

    page.route("**/*", offline)
    page.goto((tmp_path / "run" / "report.html").as_uri())
    page.wait_for_selector(".js-plotly-plot")
    page.wait_for_timeout(1000)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "report.png"), full_page=True)
    assert [u for u in requests if not u.startswith("file://")] == []
    assert page.console_errors == [], "\n".join(page.console_errors)  # no warning or error at all
    faults = page.evaluate("() => {" + FIGURE_FAULTS + "}")
    assert faults == [], "\n".join(faults)
    assert page.evaluate("() => document.documentElement.scrollWidth") <= WIDTH
    assert page.evaluate(WIDE) == []
