""" "Are you coming?" on a phone: "I can't come" hands the place to the waitlist."""

from datetime import timedelta

from playwright.sync_api import expect

from marketplace.applications.confirmations import ask_for_confirmations
from marketplace.extensions import db
from marketplace.models import Application, ApplicationStatus, Role, utcnow
from tests import factories
from tests.browser.conftest import PHONE, expect_done, save_screenshot
from tests.browser.test_volunteer_journey import log_in


def test_cant_come_from_my_shifts_gives_the_place_to_the_waitlist(
    app, live_server, phone
):
    member = factories.make_user(Role.ORGANIZER, email="org@example.org")
    organization = factories.make_organization(members=[member])
    shift = factories.make_opportunity(
        organization,
        title="ช่วยจัดโต๊ะลงทะเบียนงานวันเด็ก",
        starts=utcnow().replace(microsecond=0) + timedelta(hours=20),
        capacity=1,
    ).shifts[0]
    going = factories.make_user(email="going@example.org", name="ตั้งใจ มาแน่")
    waiting = factories.make_user(email="waiting@example.org", name="รอคิว อยู่")
    mine = Application(shift=shift, volunteer=going, status=ApplicationStatus.APPROVED)
    queued = Application(
        shift=shift, volunteer=waiting, status=ApplicationStatus.WAITLISTED
    )
    shift.spots_taken = 1
    db.session.add_all([mine, queued])
    db.session.commit()
    assert ask_for_confirmations(utcnow()) == 1
    db.session.commit()

    log_in(phone, live_server, "going@example.org")
    phone.goto(f"{live_server}/me/shifts")
    expect(phone.get_by_test_id("notifications")).to_contain_text("คุณจะมาร่วม")
    cant = phone.get_by_test_id(f"not-coming-{mine.id}")
    expect(cant).to_be_visible()
    expect(phone.get_by_test_id(f"coming-{mine.id}")).to_be_visible()
    box = cant.bounding_box()
    assert box["height"] >= 30 and box["x"] + box["width"] <= PHONE["width"]
    save_screenshot(phone, "confirmation-my-shifts-phone")
    with phone.expect_navigation():
        cant.click()
    expect_done(phone)
    expect(phone.get_by_role("status").first).to_contain_text("ขอบคุณที่แจ้ง")
    expect(phone.get_by_test_id(f"cant-come-{mine.id}")).to_be_visible()
    expect(phone.get_by_test_id(f"not-coming-{mine.id}")).to_have_count(0)

    db.session.rollback()  # see what the browser's request wrote
    assert db.session.get(Application, mine.id).status is ApplicationStatus.WITHDRAWN
    assert db.session.get(Application, queued.id).status.holds_spot

    # The waitlisted volunteer finds the place on their own My shifts.
    phone.context.clear_cookies()
    log_in(phone, live_server, "waiting@example.org")
    phone.goto(f"{live_server}/me/shifts")
    expect(phone.get_by_test_id("notifications")).to_contain_text(
        "ช่วยจัดโต๊ะลงทะเบียนงานวันเด็ก"
    )
    expect(phone.get_by_test_id("applications")).not_to_contain_text("อยู่ในรายชื่อสำรอง")
