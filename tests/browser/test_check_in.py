"""The phone check-in page: both buttons submit with the pre-filled hours."""

from datetime import timedelta

from playwright.sync_api import expect

from marketplace.extensions import db
from marketplace.models import Application, ApplicationStatus, Attendance, Role, utcnow
from tests import factories
from tests.browser.conftest import expect_done, save_screenshot
from tests.browser.test_volunteer_journey import log_in


def test_both_check_in_buttons_submit_on_a_phone(live_server, phone):
    organizer = factories.make_user(Role.ORGANIZER, email="org@example.org")
    organization = factories.make_organization(members=[organizer])
    start = utcnow().replace(microsecond=0) - timedelta(minutes=20)
    opportunity = factories.make_opportunity(organization, starts=start)
    shift = opportunity.shifts[0]
    # 2 h 50 min: its length (2.83 h) is not a step of 0.25, so it must be rounded.
    shift.ends_at = start + timedelta(hours=2, minutes=50)
    shift.spots_taken = 2
    volunteers = [factories.make_user(email=f"v{n}@example.org") for n in (1, 2)]
    came, missed = (
        Application(shift=shift, volunteer=v, status=ApplicationStatus.APPROVED)
        for v in volunteers
    )
    db.session.add_all([came, missed])
    db.session.commit()

    log_in(phone, live_server, "org@example.org")
    phone.goto(f"{live_server}/manage/shifts/{shift.id}/check-in")
    hours = phone.get_by_test_id(f"hours-{came.id}")
    expect(hours).to_have_value("2.75")
    assert hours.evaluate("field => field.checkValidity()")
    save_screenshot(phone, "check-in-prefilled-phone")

    for button in (f"attended-{came.id}", f"no-show-{missed.id}"):
        with phone.expect_navigation():
            phone.get_by_test_id(button).click()
        expect_done(phone)

    db.session.rollback()  # end the read snapshot taken before the clicks
    assert db.session.get(Application, came.id).attendance is Attendance.ATTENDED
    assert db.session.get(Application, came.id).hours == 2.75
    assert db.session.get(Application, missed.id).attendance is Attendance.NO_SHOW

    # Too many hours typed by hand: Chromium stops it (the server refuses it too,
    # see tests/functional/test_access_rules.py).
    hours = phone.get_by_test_id(f"hours-{came.id}")
    hours.fill("9")
    assert not hours.evaluate("field => field.checkValidity()")
