"""A live server and a real Chromium driven by Playwright."""

import os
import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from tests.conftest import ARTIFACTS

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
# Two test workers share two cores with the browsers: be patient.
expect.set_options(timeout=10_000)
DESKTOP = {"width": 1280, "height": 900}


def pytest_collection_modifyitems(config, items):
    """Mark browser tests; without Chromium, skip them loudly (fail on CI)."""
    for item in items:
        item.add_marker(pytest.mark.browser)
    if Path(CHROMIUM).exists() or os.environ.get("CI"):
        return
    reason = f"{CHROMIUM} not found: browser tests SKIPPED (apt-get install chromium)"
    print(f"\n{'!' * 78}\n{reason}\n{'!' * 78}")
    for item in items:
        item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture
def live_server(app):
    """Serve the test app on a free loopback port in a thread."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    # Links the app prints to copy (the calendar feed) point at this server.
    app.config["PUBLIC_URL"] = url
    yield url
    server.shutdown()
    thread.join()
    server.server_close()


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium per test worker (Debian's, never a download)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True
        )
        yield browser
        browser.close()


def _open_page(browser, viewport, request):
    """A fresh page in its own context; a screenshot is kept when the test fails."""
    context = browser.new_context(viewport=viewport, locale="th-TH")
    page = context.new_page()
    page.set_default_timeout(10_000)
    # Confirmations ("Withdraw from …?") are answered yes and kept for asserting.
    page.dialogs = []

    def answer(dialog):
        page.dialogs.append(dialog.message)
        dialog.accept()

    page.on("dialog", answer)
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(exist_ok=True)
        name = request.node.nodeid.replace("/", "_").replace("::", "-")
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    context.close()


@pytest.fixture(params=[PHONE, DESKTOP], ids=["phone", "desktop"])
def page(request, browser):
    """A fresh browser page, on a phone and on a desktop."""
    yield from _open_page(browser, request.param, request)


@pytest.fixture
def phone(request, browser):
    """A phone only: for what is used on the day (check-in, the booth's QR code)."""
    yield from _open_page(browser, PHONE, request)


def save_screenshot(page, name: str) -> Path:
    """Keep a screenshot of a page as a test artefact (not committed)."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def expect_done(page) -> None:
    """Wait for a success message (role=status) and make sure no error came too.

    Errors are role=alert, so waiting for a status can no longer pass on an error.
    """
    expect(page.get_by_role("status").first).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)
