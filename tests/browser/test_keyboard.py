"""Keyboard only: Tab, Enter, Space and the arrow keys, never the mouse.

Issue 11 ("Accessible"): search → apply, register → profile, and check-in on a
phone, asserting where the focus lands at each step.
"""

import re
from datetime import timedelta

import sqlalchemy as sa
from playwright.sync_api import expect

from marketplace.extensions import db
from marketplace.models import (
    Application,
    ApplicationStatus,
    Attendance,
    Role,
    User,
    utcnow,
)
from tests import factories
from tests.browser.conftest import expect_done, save_screenshot
from tests.browser.test_volunteer_journey import log_in

FOCUSED = """() => {
  const e = document.activeElement;
  return {
    id: e.id, tag: e.tagName.toLowerCase(), testid: e.dataset.testid || "",
    inMap: !!e.closest(".leaflet-container"), text: e.textContent.trim(),
    summary: e.hasAttribute("data-error-summary"),
  };
}"""


def focused(page) -> dict:
    """What has the keyboard focus."""
    return page.evaluate(FOCUSED)


def tab_until(page, wanted, limit: int = 60) -> list[dict]:
    """Press Tab until `wanted(focused)` holds; the stops passed on the way."""
    stops = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        stops.append(focused(page))
        if wanted(stops[-1]):
            return stops
    raise AssertionError(f"not reached in {limit} Tab presses: {stops[-5:]}")


def skip_to_content(page) -> None:
    """The first Tab stop is "skip to content"; Enter moves past the menu."""
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "ข้ามไปยังเนื้อหา"
    page.keyboard.press("Enter")


def test_search_then_apply_by_keyboard(live_server, page):
    organizer = factories.make_user(Role.ORGANIZER, email="o@example.org")
    organization = factories.make_organization(members=[organizer])
    opportunity = factories.make_opportunity(organization, title="สอนการบ้านเด็ก")
    factories.make_opportunity(organization, title="ปลูกป่าชายเลน", causes=())
    factories.make_user(email="v@example.org", name="มานี มีนา")
    db.session.commit()
    log_in(page, live_server, "v@example.org")
    page.goto(f"{live_server}/opportunities")
    # The map's controls and clusters are named in Thai, not "+" and "2".
    expect(page.locator(".leaflet-control-zoom-in")).to_have_attribute(
        "title", "ขยายแผนที่"
    )
    expect(page.locator(".marker-cluster").first).to_have_attribute(
        "aria-label", "งานอาสา 2 งานในบริเวณนี้"
    )

    skip_to_content(page)
    tab_until(page, lambda f: f["id"] == "q", limit=3)
    page.keyboard.type("สอนการบ้าน")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect(page.get_by_test_id("result-count")).to_contain_text("1")
    viewport = "phone" if page.viewport_size["width"] < 600 else "desktop"
    save_screenshot(page, f"search-results-folded-{viewport}")

    # "Skip to the results" comes right after the menu: no filter is passed on
    # the way, and the count (a heading) takes the focus.
    skip_to_content(page)
    page.keyboard.press("Tab")
    assert focused(page)["testid"] == "skip-to-results"
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "results"
    page.keyboard.press("Tab")
    assert focused(page)["text"] == "สอนการบ้านเด็ก"
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # On the opportunity page the apply button comes before any map control.
    shift = opportunity.shifts[0]
    skip_to_content(page)
    stops = tab_until(page, lambda f: f["testid"] == f"apply-{shift.id}", limit=15)
    assert not any(stop["inMap"] for stop in stops)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect_done(page)
    db.session.rollback()
    volunteer = db.session.scalar(sa.select(User).where(User.email == "v@example.org"))
    assert (
        db.session.scalar(
            sa.select(Application.status).where(
                Application.volunteer_id == volunteer.id
            )
        )
        is ApplicationStatus.ACCEPTED
    )  # first come: held, waiting for staff

    # Past the shifts, the map can be skipped in one step.
    expect(page.locator("[data-map=single][data-ready=true]")).to_be_attached()
    skip_to_content(page)
    tab_until(page, lambda f: f["testid"] == "skip-map", limit=15)
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "after-map"


def test_register_then_profile_by_keyboard(live_server, page):
    viewport = "phone" if page.viewport_size["width"] < 600 else "desktop"
    page.goto(f"{live_server}/register")
    skip_to_content(page)
    tab_until(page, lambda f: f["id"] == "role-0", limit=5)  # a volunteer
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "display_name"
    page.keyboard.type("มานี มีนา")
    page.keyboard.press("Tab")
    page.keyboard.type("manee.example.org")  # no @: refused, next to the field
    for text in ("a-long-passphrase", "a-long-passphrase"):
        page.keyboard.press("Tab")
        page.keyboard.type(text)
    page.keyboard.press("Tab")
    assert focused(page)["id"] == "accept_terms"
    page.keyboard.press("Space")
    tab_until(page, lambda f: f["tag"] == "button" and f["text"] == "สร้างบัญชี", 4)
    with page.expect_navigation():
        page.keyboard.press("Enter")

    # The error summary takes the focus; its link leads to the field.
    expect(page.get_by_test_id("error-summary")).to_be_focused()
    expect(page.locator("#email")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_test_id("error-email")).to_be_visible()
    save_screenshot(page, f"register-errors-{viewport}")
    page.keyboard.press("Tab")
    assert focused(page)["tag"] == "a"
    page.keyboard.press("Enter")
    assert focused(page)["id"] == "email"
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("manee@example.org")
    for text in ("a-long-passphrase", "a-long-passphrase"):
        page.keyboard.press("Tab")
        page.keyboard.type(text)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect_done(page)

    # The profile: the week grid is one Tab stop with arrow keys inside.
    page.goto(f"{live_server}/me/profile")
    expect(page.locator("[data-map=picker][data-ready=true]")).to_be_attached()
    skip_to_content(page)
    tab_until(page, lambda f: f["id"].startswith("slot-"), limit=200)
    assert focused(page)["id"] == "slot-0-6"  # Monday 06:00, the grid's start
    for key in ("ArrowRight", "ArrowDown", "ArrowDown"):
        page.keyboard.press(key)
    assert focused(page)["id"] == "slot-1-8"
    page.keyboard.press("Space")
    expect(page.locator("#slot-1-8")).to_be_checked()
    save_screenshot(page, f"week-grid-keyboard-{viewport}")
    page.keyboard.press("Tab")  # out of the grid in one step
    assert focused(page)["testid"] == "save-profile"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    expect_done(page)
    db.session.rollback()
    user = db.session.scalar(sa.select(User).where(User.email == "manee@example.org"))
    assert [
        (w.weekday, w.start_minute, w.end_minute) for w in user.profile.availability
    ] == [(1, 480, 540)]


def test_profile_place_by_keyboard_without_sending_the_form(live_server, page):
    factories.make_user(email="v@example.org")
    db.session.commit()
    log_in(page, live_server, "v@example.org")
    page.goto(f"{live_server}/me/profile")
    expect(page.locator("[data-map=picker][data-ready=true]")).to_be_attached()
    page.locator("#place").focus()
    page.keyboard.type("ปทุมว")
    expect(page.get_by_test_id("place-count")).to_contain_text("แห่ง")
    page.keyboard.press("Enter")  # takes the first suggestion, sends nothing
    expect(page.locator("#place")).to_have_value(re.compile("ปทุมวัน"))
    assert page.url.endswith("/me/profile")
    assert page.locator("#lat").input_value()
    # The map: focused (a Tab stop of its own), Enter sets its centre.
    page.locator("[data-map=picker]").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("picker-status")).to_contain_text("กำหนดตำแหน่ง")
    assert page.url.endswith("/me/profile")


def test_check_in_on_a_phone_by_keyboard(live_server, phone):
    organizer = factories.make_user(Role.ORGANIZER, email="org@example.org")
    organization = factories.make_organization(members=[organizer])
    start = utcnow().replace(microsecond=0) - timedelta(minutes=20)
    shift = factories.make_opportunity(organization, starts=start).shifts[0]
    shift.spots_taken = 1
    volunteer = factories.make_user(email="s@example.org", name="สมชาย รักดี")
    held = Application(
        shift=shift, volunteer=volunteer, status=ApplicationStatus.APPROVED
    )
    db.session.add(held)
    db.session.commit()

    log_in(phone, live_server, "org@example.org")
    phone.goto(f"{live_server}/manage/shifts/{shift.id}/check-in")
    # The controls say whose they are.
    expect(
        phone.get_by_role("spinbutton", name="จำนวนชั่วโมงของ สมชาย รักดี")
    ).to_be_visible()
    skip_to_content(phone)
    tab_until(phone, lambda f: f["id"] == f"hours-{held.id}", limit=10)
    phone.keyboard.press("ControlOrMeta+a")
    phone.keyboard.type("2.5")
    phone.keyboard.press("Tab")
    name = re.compile(r"^มาร่วมงาน\s*, สมชาย รักดี$")  # Chromium spaces the hidden part
    attended = phone.get_by_role("button", name=name)
    expect(attended).to_be_focused()
    save_screenshot(phone, "check-in-keyboard-phone")
    with phone.expect_navigation():
        phone.keyboard.press("Enter")
    expect_done(phone)
    db.session.rollback()
    stored = db.session.get(Application, held.id)
    assert stored.attendance is Attendance.ATTENDED and stored.hours == 2.5


def test_english_pages_suggest_places_in_english(live_server, page):
    factories.make_user(email="v@example.org").locale = "en"  # their saved language
    db.session.commit()
    log_in(page, live_server, "v@example.org")
    page.goto(f"{live_server}/me/profile")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("[data-map=picker][data-ready=true]")).to_be_attached()
    page.locator("#place").focus()
    page.keyboard.type("ปทุมว")
    expect(page.get_by_test_id("place-count")).to_contain_text("places suggested")
    page.keyboard.press("Enter")
    expect(page.locator("#place")).to_have_value(re.compile("^Pathum Wan, Bangkok$"))
    assert page.locator("#lat").input_value()
