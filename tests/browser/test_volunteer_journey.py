"""A volunteer's whole journey in Chromium, on a phone and on a desktop."""

import sqlalchemy as sa
from icalendar import Calendar
from playwright.sync_api import expect

from marketplace.extensions import db
from marketplace.models import Application, ApplicationStatus, Role, User
from tests import factories
from tests.browser.conftest import expect_done, save_screenshot


def log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/login")
    page.locator("#email").fill(email)
    page.locator("#password").fill(factories.PASSWORD)
    page.locator("form button[type=submit]").click()
    expect(page.get_by_test_id("account-menu")).to_be_attached()


def log_out(page) -> None:
    page.context.clear_cookies()


def test_volunteer_journey(live_server, page):
    viewport = "phone" if page.viewport_size["width"] < 600 else "desktop"
    organizer = factories.make_user(Role.ORGANIZER, email="o@example.org")
    organization = factories.make_organization(members=[organizer])
    opportunity = factories.make_opportunity(
        organization, title="สอนการบ้านเด็กที่ปทุมวัน", capacity=1
    )
    factories.make_opportunity(
        organization, title="อ่านหนังสือให้ผู้สูงอายุฟัง", description="ที่บ้านพักคนชรา"
    )
    shift = opportunity.shifts[0]
    factories.make_user(email="first@example.org", name="สมศรี มีสุข")
    factories.make_user(email="second@example.org", name="ประเสริฐ ใจดี")
    db.session.commit()

    # Profile: a place typed in Thai, picked from the suggestions; the week grid.
    log_in(page, live_server, "first@example.org")
    page.goto(f"{live_server}/me/profile")
    expect(page.locator("[data-map=picker][data-ready=true]")).to_be_attached()
    page.locator("#skills-list input[value=teaching]").check()
    page.locator("#causes-list input[value=education]").check()
    page.locator("#place").press_sequentially("ปทุมว")
    expect(page.locator("#place-suggestions option").first).to_be_attached()
    page.locator("#place").fill("ปทุมวัน, กรุงเทพมหานคร")
    page.locator("#slot-5-9").check()
    page.locator("#slot-5-10").check()
    save_screenshot(page, f"profile-{viewport}")
    page.get_by_test_id("save-profile").click()
    expect(page.locator("[data-progress]")).not_to_have_attribute("data-progress", "0")
    profile = db.session.scalar(
        sa.select(User).where(User.email == "first@example.org")
    ).profile
    assert profile.location_label.startswith("ปทุมวัน")
    assert [
        (w.weekday, w.start_minute, w.end_minute) for w in profile.availability
    ] == [(5, 540, 660)]

    # Search near where they live: results and a map with markers.
    page.goto(f"{live_server}/opportunities?q=การบ้าน&near_me=y&within_km=10")
    expect(page.get_by_test_id("result-count")).to_be_visible()
    expect(page.locator(".leaflet-marker-icon, .marker-cluster").first).to_be_attached()
    expect(page.get_by_text("อ่านหนังสือให้ผู้สูงอายุฟัง")).to_have_count(0)
    save_screenshot(page, f"search-{viewport}")

    # Apply: the only spot.
    page.get_by_role("link", name="สอนการบ้านเด็กที่ปทุมวัน").click()
    page.get_by_test_id(f"apply-{shift.id}").click()
    expect(page.get_by_test_id("my-status")).to_be_visible()
    save_screenshot(page, f"opportunity-{viewport}")
    log_out(page)

    # The second volunteer is waitlisted.
    log_in(page, live_server, "second@example.org")
    page.goto(f"{live_server}/opportunities/{opportunity.id}")
    page.get_by_test_id(f"apply-{shift.id}").click()
    expect(page.get_by_test_id("my-status")).to_be_visible()
    log_out(page)

    # The first withdraws; the second is promoted and told.
    log_in(page, live_server, "first@example.org")
    page.goto(f"{live_server}/me/shifts")
    page.locator("[data-testid^=withdraw-]").first.click()
    expect_done(page)
    # The browser asked first, naming the shift.
    assert page.dialogs and "สอนการบ้านเด็ก" in page.dialogs[-1]
    log_out(page)
    db.session.rollback()
    statuses = set(db.session.scalars(sa.select(Application.status)))
    assert statuses == {ApplicationStatus.WITHDRAWN, ApplicationStatus.ACCEPTED}

    log_in(page, live_server, "second@example.org")
    page.goto(f"{live_server}/me/shifts")
    expect(page.get_by_test_id("notifications")).to_contain_text("สอนการบ้านเด็ก")
    page.get_by_test_id("calendar-reset").click()
    url = page.get_by_test_id("calendar-url").input_value()
    save_screenshot(page, f"my-shifts-{viewport}")
    feed = page.context.request.get(url)
    assert feed.ok and feed.headers["content-type"].startswith("text/calendar")
    events = Calendar.from_ical(feed.body()).walk("VEVENT")
    assert [str(event["summary"]) for event in events] == ["สอนการบ้านเด็กที่ปทุมวัน"]
