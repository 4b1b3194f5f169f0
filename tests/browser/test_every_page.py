"""Every page × every role × both languages in Chromium, checked by axe-core.

The page list is the demo walk's (tests/crawl.py): for the visitor and each demo
account, every page shape reachable by links. Each page fails on an axe-core
violation of serious or critical impact, English catalogue text on a Thai page,
a console error or uncaught exception, an HTTP 5xx answer (page or request), an
`<html lang>` that is not the page's language, or Thai text without `lang` on an
English page.

One browser, one context per role × language; other-site requests (map tiles)
are answered locally, so the test needs no network.
"""

import base64
import json
from pathlib import Path

import pytest
from playwright.sync_api import expect

from marketplace.extensions import db
from marketplace.models import Notification
from marketplace.seed.demo import demo_logins
from tests import factories
from tests.browser.conftest import DESKTOP
from tests.crawl import crawl, english_messages, untranslated
from tests.standins.line import OFFLINE_SETTINGS as LINE_OFFLINE

AXE = (Path(__file__).parent / "vendor/axe-core/axe.min.js").read_text()
# Experimental in axe-core, but part of WCAG 2.5.3 and found by the issue.
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "rules": {"label-content-name-mismatch": {"enabled": True}},
}
SERIOUS = {"serious", "critical"}
# Pages printed in Thai whatever the reader's language (the expo's paper sheets).
THAI_ONLY = {"sign-in-sheet": "th"}
LANGUAGES = ("th", "en")
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)


@pytest.fixture
def demo(app):
    app.config.update(LINE_OFFLINE)  # the LINE pages are walked too
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    return app


def _pages(app, login) -> list[str]:
    """The pages a role reaches by links (the demo walk's list)."""
    client = app.test_client()
    if login is not None:
        response = client.post(
            "/login", data={"email": login.email, "password": login.password}
        )
        assert response.status_code == 302
    return list(crawl(client).pages)


def _axe(page) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE)
    violations = page.evaluate(
        "async (options) => (await axe.run(document, options)).violations"
        ".map(v => ({id: v.id, impact: v.impact,"
        " nodes: v.nodes.map(n => n.target.join(' '))}))",
        AXE_OPTIONS,
    )
    return [
        f"axe {v['id']} ({v['impact']}): {', '.join(v['nodes'][:4])}"
        + (f" and {len(v['nodes']) - 4} more" if len(v["nodes"]) > 4 else "")
        for v in violations
        if v["impact"] in SERIOUS
    ]


# Thai text on an English page that a screen reader would read with the English voice:
# text nodes with Thai letters whose nearest `lang` is not Thai.
UNMARKED_THAI = """() => {
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const found = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const parent = node.parentElement;
    const thai = /[\u0e01-\u0e4e]/.test(node.data);
    if (!thai || parent.closest("script, style, template")) { continue; }
    const marked = parent.closest("[lang]");
    if (!marked || !marked.lang.startsWith("th")) {
      found.push(parent.tagName.toLowerCase() + ": " + node.data.trim().slice(0, 40));
    }
  }
  return found;
}"""


def _open_context(browser, live_server, login, language):
    context = browser.new_context(viewport=DESKTOP, locale="th-TH")
    context.route(
        lambda url: not url.startswith(live_server),
        lambda route: route.fulfill(status=200, content_type="image/png", body=PIXEL),
    )
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.on("dialog", lambda dialog: dialog.dismiss())
    if login is not None:
        page.goto(f"{live_server}/login")
        page.locator("#email").fill(login.email)
        page.locator("#password").fill(login.password)
        page.locator("form:has(#password) button[type=submit]").click()
        page.get_by_test_id("account-menu").wait_for(state="attached")
    page.goto(f"{live_server}/")
    if page.locator("html").get_attribute("lang") != language:
        page.get_by_test_id("switch-language").click()
        expect(page.locator("html")).to_have_attribute("lang", language)
    return context, page


def _check(browser, live_server, login, language, urls, english, unmarked) -> dict:
    """Open each page in one context; return the problems found per page.

    Thai text left without `lang` on English pages is added to `unmarked`.
    """
    context, page = _open_context(browser, live_server, login, language)
    found: list[str] = []
    page.on(
        "console",
        lambda message: (
            message.type == "error" and found.append(f"console: {message.text}")
        ),
    )
    page.on("pageerror", lambda error: found.append(f"exception: {error}"))
    page.on(
        "response",
        lambda response: (
            response.status >= 500
            and found.append(f"HTTP {response.status}: {response.url}")
        ),
    )
    problems = {}
    for url in urls:
        response = page.goto(f"{live_server}{url}")
        page.wait_for_load_state("load")
        if response is None or response.status >= 500:
            found.append(f"HTTP {response and response.status}")
        lang = page.locator("html").get_attribute("lang")
        if lang != (THAI_ONLY.get(url.rsplit("/", 1)[-1]) or language):
            found.append(f"<html lang={lang!r}>")
        if language == "th":
            text = page.locator("body").inner_text()
            found += [f"untranslated: {t}" for t in untranslated(text, english)]
        found += _axe(page)
        if language == "en":
            unmarked.extend(page.evaluate(UNMARKED_THAI))
        if found:
            problems[url] = list(dict.fromkeys(found))
            found.clear()
    context.close()
    return problems


def test_every_page_for_every_role_in_both_languages(demo, live_server, browser):
    english = english_messages()
    roles = [("visitor", None)] + [(login.role, login) for login in demo_logins()]
    problems: dict[str, list[str]] = {}
    unmarked: list[str] = []
    checked = 0
    for role, login in roles:
        urls = _pages(demo, login)
        for language in LANGUAGES:
            found = _check(
                browser, live_server, login, language, urls, english, unmarked
            )
            problems.update({f"{role} {language} {u}": p for u, p in found.items()})
            checked += len(urls)
    print(
        f"\nevery page: {checked} pages checked (roles × languages); "
        f"{len(unmarked)} Thai texts without lang on English pages "
        f"({len(set(unmarked))} different)"
    )
    assert problems == {}, json.dumps(problems, indent=1, ensure_ascii=False)
    # WCAG 3.1.2: Thai that people wrote (names, titles, places) is marked with
    # `lang` on English pages (`|in_lang`, `|lang_of`), so it is read in Thai.
    assert unmarked == [], "Thai text without lang on English pages:\n" + "\n".join(
        sorted(set(unmarked))
    )


def test_axe_runs_the_label_content_name_mismatch_rule(browser):
    """The rule is experimental in axe-core: make sure it is switched on."""
    page = browser.new_page()
    page.set_content(
        '<html lang="en"><body><main><button aria-label="Send the form">'
        "Apply now</button></main></body></html>"
    )
    assert any("label-content-name-mismatch" in v for v in _axe(page))
    page.close()


def _focus_ring(page, selector: str) -> dict:
    # A key press first: script focus after a key shows the keyboard focus style.
    page.keyboard.press("Shift")
    page.locator(selector).first.focus()
    return page.locator(selector).first.evaluate(
        "el => { const s = getComputedStyle(el);"
        " return {style: s.outlineStyle, width: s.outlineWidth, color: s.outlineColor,"
        " visible: el.matches(':focus-visible')}; }"
    )


def test_keyboard_focus_is_visible_on_brand_buttons_and_the_menu_bar(
    live_server, browser
):
    """WCAG 2.4.7: a solid 3 px ring, not Bootstrap's faint glow."""
    page = browser.new_page(viewport=DESKTOP)
    page.goto(f"{live_server}/opportunities")
    ring = _focus_ring(page, "main .btn-brand")
    assert ring == {
        "style": "solid",
        "width": "3px",
        "color": "rgb(27, 27, 27)",
        "visible": True,
    }
    ring = _focus_ring(page, "header .nav-link")
    assert ring["style"] == "solid" and ring["width"] == "3px"
    assert ring["color"] == "rgb(255, 212, 59)"  # yellow on the dark green bar
    page.close()


def test_a_message_after_a_redirect_is_announced(demo, live_server, browser):
    """WCAG 4.1.3: the flashed message reaches a live region after the load."""
    login = demo_logins()[0]
    page = browser.new_page(viewport=DESKTOP)
    page.goto(f"{live_server}/login")
    page.locator("#email").fill(login.email)
    page.locator("#password").fill(login.password)
    page.locator("form:has(#password) button[type=submit]").click()
    flash = page.locator(".flashes [role=status]").first
    flash.wait_for()
    # (wait_for_function would evaluate a string, which the CSP forbids)
    expect(page.locator("[data-announce=polite]")).to_have_text(
        flash.text_content().strip()
    )
    assert page.locator("[data-announce=assertive]").text_content() == ""
    page.close()


def test_the_bell_with_unread_notifications_is_named_by_what_it_shows(
    live_server, browser
):
    """WCAG 2.5.3: the bell's name holds its visible count (the demo has no unread)."""
    user = factories.make_user(email="bell@example.org")
    db.session.add(
        Notification(
            user_id=user.id, kind="application_approved", data={"title": "ปลูกป่า"}
        )
    )
    db.session.commit()
    page = browser.new_page(viewport=DESKTOP)
    page.goto(f"{live_server}/login")
    page.locator("#email").fill("bell@example.org")
    page.locator("#password").fill(factories.PASSWORD)
    page.locator("form:has(#password) button[type=submit]").click()
    bell = page.get_by_role("link", name="การแจ้งเตือน 1 ยังไม่ได้อ่าน")
    bell.wait_for()
    assert [v for v in _axe(page) if "label-content-name-mismatch" in v] == []
    page.close()
