"""The web interface in a real browser (Playwright driving Debian's Chromium) against the
service as compose runs it (``crawler serve`` and ``crawler worker`` processes) and the
demo site: an archivist signs in, writes a job with a mistake and sees it at its line,
fixes it, starts a run and watches its counters reach "succeeded"; a researcher searches
the archive, opens an article and its archived page, copies a citation and exports a CSV,
and is refused every write. axe-core checks every page: no serious or critical violation."""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from crawler.demo.server import DemoSite, demo_job
from crawler.service.auth import create_token
from crawler.service.db import open_database
from tests.browser import Service, axe_script, chromium_or_skip

pytestmark = pytest.mark.e2e

playwright_api = pytest.importorskip("playwright.sync_api")

WIDE = {"width": 1366, "height": 900}
NARROW = {"width": 390, "height": 844}


class Setup:
    def __init__(self, service: Service, site: DemoSite, tokens: dict[str, str], tmp: Path):
        self.service = service
        self.site = site
        self.tokens = tokens
        self.tmp = tmp
        self.visited: set[str] = set()
        self.shots = Path(os.environ.get("UI_SCREENSHOTS_DIR", tmp / "screenshots"))


@pytest.fixture(scope="module")
def setup(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Setup]:
    chromium_or_skip()
    tmp = tmp_path_factory.mktemp("ui")
    database_url = f"sqlite:///{tmp / 'crawler.db'}"
    database = open_database(database_url)
    tokens = {}
    with database.transaction() as session:
        for role in ("archivist", "researcher"):
            _, tokens[role] = create_token(session, f"{role}-1", role, "test")
    database.engine.dispose()
    env = {
        "DATABASE_URL": database_url,
        "CRAWLER_DATA_DIR": str(tmp / "data"),
        "CRAWLER_JOB_STORAGE_ROOTS": f"file://{tmp / 'archive'}",
        "CRAWLER_WORKER_POLL": "0.5",
        "CRAWLER_HEARTBEAT": "0.5",
    }
    with DemoSite() as site:
        service = Service(tmp, env)
        service.start()
        try:
            yield Setup(service, site, tokens, tmp)
        finally:
            service.stop()


@pytest.fixture(scope="module")
def browser(setup: Setup) -> Iterator[Any]:
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(chromium_or_skip()))
        yield launched
        launched.close()


def _signed_in(browser: Any, setup: Setup, role: str, **options: Any) -> Any:
    context = browser.new_context(base_url=setup.service.url, viewport=WIDE, **options)
    page = context.new_page()
    page.goto("/ui/sign-in")
    page.get_by_label("Token").fill(setup.tokens[role])
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/ui/$"))
    return page


def _job(site: str, storage: str, typo: bool) -> str:
    field = "concurency_per_domain" if typo else "concurrency_per_domain"
    topic = demo_job(site, storage).model_dump(mode="json", exclude_none=True)["topic"]
    return f"""name: demo-ui
description: The demo site, from the web interface
seeds:
  start_pages:
    - {site}/
  feeds:
    - {site}/feed.xml
politeness:
  delay: 0
  {field}: 4
safety:
  allowed_networks: [127.0.0.1/32]
storage: {storage}
""" + yaml.safe_dump({"topic": topic}, allow_unicode=True)


def test_an_archivist_writes_a_job_fixes_it_and_watches_a_run_succeed(
    browser: Any, setup: Setup
) -> None:
    page = _signed_in(browser, setup, "archivist")
    page.get_by_role("link", name="Jobs").click()
    page.get_by_role("link", name="New job").click()
    storage = f"file://{setup.tmp / 'archive'}"
    page.get_by_label("Job file").fill(_job(setup.site.base_url, storage, typo=True))
    page.get_by_role("button", name="Save").click()
    problems = page.locator("#problems")
    problems.wait_for()
    assert "line 10" in problems.inner_text() and "concurency_per_domain" in problems.inner_text()
    assert "bad" in (page.locator("#line-10").get_attribute("class") or "")  # shown at its line
    page.get_by_label("Job file").fill(_job(setup.site.base_url, storage, typo=False))
    page.get_by_role("button", name="Validate only").click()
    page.get_by_text("Nothing was stored").wait_for()
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/ui/jobs/demo-ui"))
    page.get_by_role("button", name="Start a run").click()
    page.wait_for_url(re.compile(r"/ui/runs/\d+$"))
    status = page.locator("#run-status")
    first = status.inner_text()  # as the server rendered it
    seen = {first}
    for _ in range(240):  # the page's own script follows the run: no reload
        seen.add(status.inner_text())
        if status.inner_text() in ("succeeded", "failed", "interrupted"):
            break
        page.wait_for_timeout(500)
    assert status.inner_text() == "succeeded", seen
    if first in ("queued", "running"):  # it moved while watched, with no reload
        assert len(seen) >= 2, seen
    assert int(page.locator("#counter-pages").inner_text()) > 5
    assert int(page.locator("#counter-articles").inner_text()) >= 5
    assert int(page.locator("#counter-on_topic").inner_text()) >= 4
    for _ in range(120):  # the files' SHA-256 come from the crawl's index, written after the run
        page.reload()
        if page.locator("code.hash").count():
            break
        page.wait_for_timeout(500)
    assert page.get_by_role("table", name="Candidates by discovery source").is_visible()
    assert re.fullmatch(r"[0-9a-f]{64}", page.locator("code.hash").first.inner_text())
    setup.visited.update({"/ui/", "/ui/jobs", "/ui/jobs/new", "/ui/jobs/demo-ui", page.url})


def test_a_researcher_searches_reads_cites_and_exports(browser: Any, setup: Setup) -> None:
    page = _signed_in(
        browser, setup, "researcher", permissions=["clipboard-read", "clipboard-write"]
    )
    page.get_by_role("link", name="Search").click()
    page.get_by_label("Words (all of them)").fill("Pyongyang")
    page.get_by_role("button", name="Search").click()
    count = int(page.locator("#result-count").inner_text())
    assert count >= 3
    page.get_by_label("On topic only").check()
    page.get_by_role("button", name="Search").click()
    on_topic = int(page.locator("#result-count").inner_text())
    assert 0 < on_topic <= count
    count = on_topic
    assert page.get_by_role("figure").is_visible()  # the histogram by month
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    with Path(download.value.path()).open(encoding="utf-8", newline="") as exported:
        rows = list(csv.DictReader(exported))
    assert len(rows) == count and all("Pyongyang" in r["text"] + r["title"] for r in rows)
    setup.visited.add(page.url)
    page.locator("ol.results a").first.click()
    page.wait_for_url(re.compile(r"/ui/articles/\d+"))
    title = page.get_by_role("heading", level=1).inner_text()
    frame = page.frame_locator("#archived-frame")
    frame.locator("body").wait_for()
    assert title.split()[0] in frame.locator("body").inner_text()
    assert page.locator("#archived-frame").get_attribute("sandbox") == ""
    assert "Terms matched" in page.locator(".meta").inner_text()
    page.get_by_role("button", name="Copy citation").click()
    page.get_by_text("Copied.").wait_for()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert title in copied and "archived" in copied
    page.get_by_label("Format").select_option("bibtex")
    assert page.locator("#citation").inner_text().startswith("@online{")
    setup.visited.update({page.url, "/ui/status", "/ui/schedules", "/ui/runs"})


def test_a_researcher_may_read_but_not_write(browser: Any, setup: Setup) -> None:
    page = _signed_in(browser, setup, "researcher")
    page.goto("/ui/jobs/demo-ui")
    assert page.get_by_role("button", name="Start a run").count() == 0
    page.goto("/ui/jobs/new")
    page.get_by_role("button", name="Save").click()
    assert "may only read" in page.locator(".error").inner_text()
    page.goto("/ui/jobs")
    assert page.get_by_role("link", name="New job").count() == 0
    cookies = page.context.cookies()
    session = next(c for c in cookies if c["name"] == "nac_session")
    assert session["httpOnly"] and session["secure"] and session["sameSite"] == "Strict"
    assert setup.tokens["researcher"] not in page.content()  # never in a page
    page.context.clear_cookies()
    page.goto("/ui/jobs")
    assert "/ui/sign-in" in page.url


def test_an_archivist_schedules_a_job_and_pages_read_without_javascript(
    browser: Any, setup: Setup
) -> None:
    page = _signed_in(browser, setup, "archivist", java_script_enabled=False)
    page.goto("/ui/schedules")
    page.get_by_label("Job").select_option("demo-ui")
    page.get_by_label("Cron expression").fill("30 6 * * 1-5")
    page.get_by_label("Time zone").fill("Europe/Paris")
    page.get_by_role("button", name="Create").click()
    page.wait_for_url(re.compile(r"/ui/schedules/\d+$"))
    assert "06:30 AM, Monday through Friday" in page.locator("main").inner_text()
    assert page.locator("main ul li").count() >= 5  # the next five fire times
    page.goto("/ui/schedules")
    page.get_by_role("button", name="Disable").click()
    assert "disabled" in page.locator("table").inner_text()
    bad = page.goto("/ui/schedules")
    assert bad is not None
    page.get_by_label("Job").select_option("demo-ui")
    page.get_by_label("Cron expression").fill("0 0 30 2 *")  # never fires
    page.get_by_role("button", name="Create").click()
    assert "cron" in page.locator(".error").inner_text().lower()
    for target in ("/ui/runs/1", "/ui/articles/1", "/ui/search?q=Pyongyang"):
        page.goto(target)  # without scripts: everything is there to read
        assert page.locator("main h1").inner_text()
    page.goto("/ui/runs/1")
    assert page.locator("#run-status").inner_text() == "succeeded"
    assert "finished" in page.locator("#run-log").inner_text().lower()
    setup.visited.add("/ui/schedules/1")


def test_an_archivist_cancels_a_running_crawl_and_resumes_it(browser: Any, setup: Setup) -> None:
    """A slow site: the run is seen running, cancelled from its page, then resumed."""
    from tests.pagedsite import PagedSite

    slow = PagedSite(sections=2, per_section=20, delay=1.0)
    try:
        page = _signed_in(browser, setup, "archivist")
        page.goto("/ui/jobs/new")
        storage = f"file://{setup.tmp / 'archive'}"
        page.get_by_label("Job file").fill(
            f"""name: slow-ui
seeds:
  start_pages: [{slow.url}/]
scope:
  max_depth: 2
politeness:
  delay: 0
  concurrency_per_domain: 1
safety:
  allowed_networks: [127.0.0.1/32]
storage: {storage}
"""
        )
        page.get_by_role("button", name="Save").click()
        page.get_by_role("button", name="Start a run").click()
        page.wait_for_url(re.compile(r"/ui/runs/\d+$"))
        status = page.locator("#run-status")
        for _ in range(120):
            if status.inner_text() == "running":
                break
            page.wait_for_timeout(250)
        assert status.inner_text() == "running"
        page.get_by_role("button", name="Cancel").click()
        for _ in range(240):
            if status.inner_text() in ("cancelled", "interrupted", "failed", "succeeded"):
                break
            page.wait_for_timeout(250)
        assert status.inner_text() == "cancelled"
        # the page draws itself again when the run ends: the Resume button appears without a reload
        page.get_by_role("button", name="Resume").click(timeout=10_000)
        assert status.inner_text() in ("queued", "running")
        page.get_by_role("button", name="Cancel").click()  # and not left running
    finally:
        slow.shutdown()


def test_every_page_passes_axe_and_looks_right_narrow_and_wide(browser: Any, setup: Setup) -> None:
    """axe-core in the page (a context that lets the test inject it past the pages' CSP):
    no serious or critical violation; a screenshot of each page at both widths."""
    page = _signed_in(browser, setup, "archivist", bypass_csp=True)
    script = axe_script()
    pages = sorted(setup.visited | {"/ui/sign-in", "/ui/status", "/ui/schedules", "/ui/runs"})
    setup.shots.mkdir(parents=True, exist_ok=True)
    failures = []
    for target in pages:
        page.goto(target)
        page.add_script_tag(path=str(script))
        result = page.evaluate("axe.run(document, {resultTypes: ['violations']})")
        serious = [
            f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes'][0]['target']}"
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        if serious:
            failures.append((target, serious))
        name = re.sub(r"[^a-z0-9]+", "-", urlsplit(target).path).strip("-")
        for label, size in (("wide", WIDE), ("narrow", NARROW)):
            page.set_viewport_size(size)
            page.screenshot(path=str(setup.shots / f"{name or 'home'}-{label}.png"), full_page=True)
        page.set_viewport_size(WIDE)
    assert not failures, failures
    assert len(pages) >= 9
