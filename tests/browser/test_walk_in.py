"""Walk-in at a booth on a phone, and the booth's kiosk leaving nothing behind."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from marketplace.extensions import db
from marketplace.models import Application, ApplicationStatus, Role, WalkIn, utcnow
from tests import factories
from tests.browser.conftest import save_screenshot
from tests.browser.test_volunteer_journey import log_in
from tests.functional.test_walk_in import expo_start

TABLET = {"width": 820, "height": 1180}


def screens(page) -> list[str]:
    """Every page the phone shows from now on (each main-frame navigation)."""
    seen: list[str] = []
    page.on(
        "framenavigated",
        lambda frame: seen.append(frame.url) if frame == page.main_frame else None,
    )
    return seen


@pytest.mark.parametrize("language", ["th", "en"])
def test_booth_scan_to_a_place_in_six_screens_or_fewer(live_server, phone, language):
    organization = factories.make_organization()
    shift = factories.make_opportunity(
        organization, title="ต้อนรับผู้เข้าชม", starts=expo_start()
    ).shifts[0]
    db.session.commit()
    if language == "en":
        phone.goto(live_server)
        with phone.expect_navigation():
            phone.get_by_test_id("switch-language").evaluate("b => b.click()")
    seen = screens(phone)

    phone.goto(f"{live_server}/expo/booth/{organization.id}")  # the camera's link
    expect(phone.locator("html")).to_have_attribute("lang", language)
    phone.get_by_test_id(f"walk-in-shift-{shift.id}").click()
    phone.locator("#display_name").fill("มานี มีใจ")
    phone.locator("#phone").fill("081 234 5678")
    phone.locator("#date_of_birth").fill("1995-04-01")
    expect(phone.locator("#accept_terms")).not_to_be_checked()
    expect(phone.locator("#consent_matching")).not_to_be_checked()
    phone.locator("#accept_terms").check()
    save_screenshot(phone, f"walk-in-form-{language}")
    phone.get_by_test_id("walk-in-submit").click()
    code = phone.get_by_test_id("walk-in-code")
    expect(code).to_be_visible()
    expected = "Show this code at the booth:" if language == "en" else "แสดงรหัสนี้ที่บูธ:"
    expect(phone.get_by_text(expected)).to_be_visible()
    save_screenshot(phone, f"walk-in-done-{language}")

    assert len(seen) <= 6, seen
    db.session.rollback()
    walk_in = db.session.scalar(sa.select(WalkIn))
    assert code.inner_text().strip() == walk_in.code
    application = db.session.get(Application, walk_in.application_id)
    assert application.status is ApplicationStatus.ACCEPTED


def test_the_kiosk_leaves_nothing_of_the_last_person(live_server, browser):
    member = factories.make_user(Role.ORGANIZER, email="org@example.org")
    organization = factories.make_organization(members=[member])
    start = utcnow().replace(microsecond=0) - timedelta(minutes=15)
    shift = factories.make_opportunity(organization, starts=start).shifts[0]
    db.session.commit()
    context = browser.new_context(viewport=TABLET, locale="th-TH")
    tablet = context.new_page()
    tablet.set_default_timeout(10_000)
    tablet.on("dialog", lambda dialog: dialog.accept())

    log_in(tablet, live_server, "org@example.org")
    tablet.goto(f"{live_server}/organizations/{organization.id}/dashboard")
    tablet.get_by_test_id("start-kiosk").click()
    expect(tablet.get_by_test_id("kiosk-bar")).to_be_visible()
    expect(tablet.get_by_test_id("account-menu")).to_have_count(0)  # logged out

    tablet.get_by_test_id(f"walk-in-shift-{shift.id}").click()
    tablet.locator("#display_name").fill("ปิติ ยินดี")
    tablet.locator("#phone").fill("089 765 4321")
    tablet.locator("#email").fill("piti@example.org")
    tablet.locator("#date_of_birth").fill("1990-01-31")
    tablet.locator("#accept_terms").check()
    tablet.get_by_test_id("walk-in-submit").click()
    expect(tablet.get_by_test_id("walk-in-checked-in")).to_be_visible()
    code = tablet.get_by_test_id("walk-in-code").inner_text().strip()
    tablet.get_by_test_id("kiosk-next").click()
    expect(tablet.get_by_test_id("walk-in-shifts")).to_be_visible()

    def nothing_left() -> None:
        text = tablet.locator("body").inner_text()
        for trace in ("ปิติ", "089", "piti@", code):
            assert trace not in text, trace
        for field in tablet.locator("input:not([type=hidden])").all():
            name = field.get_attribute("name")
            if field.get_attribute("type") == "checkbox":
                assert not field.is_checked(), name
            else:
                assert field.input_value() == "", name

    nothing_left()
    # The back button brings back the form and the code page: empty, and gone.
    tablet.go_back()
    nothing_left()
    tablet.go_back()
    nothing_left()
    if tablet.locator("#display_name").count():
        assert tablet.locator("#display_name").get_attribute("autocomplete") in (
            None,
            "off",
        )
    save_screenshot(tablet, "kiosk-after-reset")
    context.close()
