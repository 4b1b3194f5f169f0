"""The expo floor on phones: a lead takes attendance, the board updates by itself."""

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from marketplace.extensions import db
from marketplace.i18n import to_bangkok
from marketplace.models import (
    Application,
    ApplicationStatus,
    Attendance,
    Role,
    ShiftLead,
    utcnow,
)
from tests import factories
from tests.browser.conftest import PHONE, expect_done, save_screenshot
from tests.browser.test_volunteer_journey import log_in


def _phone(browser):
    context = browser.new_context(viewport=PHONE, locale="th-TH")
    page = context.new_page()
    page.set_default_timeout(10_000)
    return context, page


@pytest.fixture
def phones(browser):
    """Two phones: the coordinator's (the board) and the shift lead's."""
    made = [_phone(browser), _phone(browser)]
    yield [page for _, page in made]
    for context, _ in made:
        context.close()


def test_lead_takes_attendance_and_the_board_updates_without_reload(
    app, live_server, phones
):
    app.config["FLOOR_BOARD_REFRESH_SECONDS"] = 1
    organizer = factories.make_user(Role.ORGANIZER, email="org@example.org")
    organization = factories.make_organization(members=[organizer])
    start = utcnow().replace(microsecond=0) - timedelta(minutes=20)
    shift = factories.make_opportunity(
        organization, title="จุดต้อนรับ", starts=start, capacity=3
    ).shifts[0]
    lead = factories.make_user(email="lead@example.org", name="หัวหน้า กะเช้า")
    came = factories.make_user(email="came@example.org", name="มานี มาแล้ว")
    came.profile.phone = "+66812345678"
    applications = [
        Application(shift=shift, volunteer=person, status=ApplicationStatus.APPROVED)
        for person in (lead, came)
    ]
    shift.spots_taken = 2
    db.session.add_all(applications)
    db.session.add(ShiftLead(shift=shift, volunteer=lead))
    db.session.commit()
    came_application = applications[1]
    day = to_bangkok(shift.starts_at).date().isoformat()

    board, lead_phone = phones
    log_in(board, live_server, "org@example.org")
    board.goto(f"{live_server}/floor/board?day={day}")
    checked_in = board.get_by_test_id(f"checked-in-{shift.id}")
    expect(checked_in).to_have_text("0")
    # A mark on the page: a reload would wipe it.
    board.evaluate("() => { window.notReloaded = true; }")

    log_in(lead_phone, live_server, "lead@example.org")
    lead_phone.goto(f"{live_server}/me/shifts")
    with lead_phone.expect_navigation():
        lead_phone.get_by_test_id(f"lead-shift-{shift.id}").click()
    # On the shift's day the lead can call the people on it.
    expect(lead_phone.get_by_test_id(f"phone-{came_application.id}")).to_have_text(
        "+66812345678"
    )
    with lead_phone.expect_navigation():
        lead_phone.get_by_test_id(f"attended-{came_application.id}").click()
    expect_done(lead_phone)
    expect(
        lead_phone.get_by_test_id(f"attended-badge-{came_application.id}")
    ).to_be_visible()
    save_screenshot(lead_phone, "floor-lead-attendance-phone")

    expect(checked_in).to_have_text("1")
    assert board.evaluate("() => window.notReloaded === true")
    save_screenshot(board, "floor-board-phone")
    db.session.rollback()  # end the read snapshot taken before the clicks
    saved = db.session.get(Application, came_application.id)
    assert saved.attendance is Attendance.ATTENDED
