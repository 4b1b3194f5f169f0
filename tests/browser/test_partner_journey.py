"""An organisation and the expo staff, end to end in Chromium."""

from datetime import timedelta

import sqlalchemy as sa
from playwright.sync_api import expect

from marketplace.extensions import db
from marketplace.models import (
    Application,
    ApplicationStatus,
    Attendance,
    Opportunity,
    Organization,
    Role,
    utcnow,
)
from tests import factories
from tests.browser.conftest import expect_done, save_screenshot
from tests.browser.test_volunteer_journey import log_in


def open_menu(page) -> None:
    toggler = page.locator(".navbar-toggler")
    if toggler.is_visible():
        toggler.click()


def test_organisation_and_staff_journey(live_server, page):
    viewport = "phone" if page.viewport_size["width"] < 600 else "desktop"
    factories.make_user(Role.ORGANIZER, email="org@example.org", name="นงลักษณ์ ประสาน")
    factories.make_user(Role.ORGANIZER, email="staff@example.org", is_staff=True)
    volunteer = factories.make_user(email="v@example.org", name="วีระ อาสา")
    db.session.commit()

    # The organisation registers and waits for verification.
    log_in(page, live_server, "org@example.org")
    page.goto(f"{live_server}/organizations/mine")
    page.get_by_test_id("register-organization").click()
    page.locator("#name_th").fill("มูลนิธิเด็กริมน้ำ")
    page.locator("#name_en").fill("Riverside Children Foundation")
    page.locator("#description").fill("ดูแลเด็กในชุมชนริมคลอง")
    page.locator("input[name=causes][value=education]").check()
    page.get_by_test_id("save-organization").click()
    expect(page.locator(".alert-warning")).to_be_visible()
    organization_id = db.session.scalar(sa.select(Organization.id))
    page.context.clear_cookies()

    # Staff verify it.
    log_in(page, live_server, "staff@example.org")
    page.goto(f"{live_server}/staff/organizations")
    page.get_by_test_id(f"verify-{organization_id}").click()
    expect_done(page)
    page.context.clear_cookies()

    # The organisation posts an opportunity on all expo days, morning and afternoon.
    log_in(page, live_server, "org@example.org")
    page.goto(f"{live_server}/organizations/{organization_id}/dashboard")
    page.get_by_test_id("new-opportunity").click()
    page.locator("#title").fill("เล่านิทานให้น้อง ๆ ฟังที่บูธ")
    page.locator("input[name=causes][value=education]").check()
    # "At the expo" fills the expo's place when none is given yet.
    page.locator("#is_expo").check()
    expect(page.locator("#place")).to_have_value("เซ็นทรัลเวิลด์")
    page.locator("#place").fill("เซ็นทรัลเวิลด์")
    page.locator("input[name=approval_mode][value=review]").check()
    page.locator("#expo_morning").check()
    page.locator("#expo_afternoon").check()
    page.locator("#expo_capacity").fill("1")
    save_screenshot(page, f"opportunity-form-{viewport}")
    page.get_by_test_id("publish").click()
    expect_done(page)
    db.session.rollback()
    opportunity = db.session.scalar(sa.select(Opportunity))
    assert len(opportunity.shifts) == 6
    shift = opportunity.shifts[0]

    # A volunteer applied; the organisation accepts on the applicants page.
    application = Application(
        shift=shift,
        volunteer=volunteer,
        status=ApplicationStatus.PENDING,
        message="สวัสดีครับ",
    )
    db.session.add(application)
    db.session.commit()
    page.get_by_test_id(f"applicants-{opportunity.id}").click()
    expect(page.get_by_text("วีระ อาสา", exact=True)).to_be_visible()
    save_screenshot(page, f"applicants-{viewport}")
    page.get_by_test_id(f"accept-{application.id}").click()
    expect_done(page)
    page.context.clear_cookies()

    # Staff approve in bulk and read the audit log.
    log_in(page, live_server, "staff@example.org")
    page.goto(f"{live_server}/staff/approvals")
    page.locator(f"input[name=application][value='{application.id}']").check()
    save_screenshot(page, f"approvals-{viewport}")
    page.get_by_test_id("approve-chosen").click()
    expect_done(page)
    page.goto(f"{live_server}/staff/audit")
    expect(page.locator("[data-action='application.approved']").first).to_be_visible()
    save_screenshot(page, f"audit-{viewport}")
    page.context.clear_cookies()

    # On the day: the organisation checks the volunteer in on a phone-sized page.
    db.session.rollback()
    started = db.session.get(type(shift), shift.id)
    started.starts_at = utcnow() - timedelta(minutes=30)
    started.ends_at = utcnow() + timedelta(hours=3)
    db.session.commit()
    log_in(page, live_server, "org@example.org")
    page.goto(f"{live_server}/manage/shifts/{shift.id}/check-in")
    expect(page.get_by_test_id(f"attendee-{application.id}")).to_be_visible()
    page.get_by_test_id(f"attended-{application.id}").click()
    expect_done(page)
    save_screenshot(page, f"check-in-{viewport}")
    db.session.rollback()
    done = db.session.get(Application, application.id)
    assert done.status is ApplicationStatus.APPROVED
    assert done.attendance is Attendance.ATTENDED and done.hours == 3.5
