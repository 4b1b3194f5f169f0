"""On a phone at the expo: "I'm free now", a coordinator offers a place, one tap."""

from datetime import timedelta

from playwright.sync_api import expect

from marketplace.extensions import db
from marketplace.floaters import services
from marketplace.models import (
    Application,
    ApplicationStatus,
    Offer,
    OfferStatus,
    Role,
    Shift,
    utcnow,
)
from tests import factories
from tests.browser.conftest import PHONE, expect_done, save_screenshot
from tests.browser.test_volunteer_journey import log_in


def test_a_floater_takes_an_offer_with_one_tap_on_a_phone(app, live_server, browser):
    member = factories.make_user(Role.ORGANIZER, email="org@example.org")
    organization = factories.make_organization(members=[member])
    shift = factories.make_opportunity(
        organization,
        title="จุดแจกน้ำดื่มหน้าเวที",
        starts=utcnow().replace(microsecond=0) + timedelta(minutes=20),
        hours=2,
        capacity=4,
        skills=(),
        is_expo=True,
    ).shifts[0]
    volunteer = factories.make_user(email="floater@example.org")
    factories.make_matchable(volunteer, organization)
    db.session.commit()

    context = browser.new_context(viewport=PHONE, locale="th-TH")
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    try:
        log_in(phone, live_server, "floater@example.org")
        phone.goto(f"{live_server}/me/shifts")
        phone.get_by_test_id("free-now").click()
        with phone.expect_navigation():
            phone.get_by_test_id("free-2").click()
        expect_done(phone)
        expect(phone.get_by_test_id("floating")).to_be_visible()

        db.session.rollback()  # see what the browser's requests wrote
        with app.test_request_context():
            offer = services.send_offer(
                member, db.session.get(Shift, shift.id), volunteer
            )
        db.session.commit()

        phone.reload()
        take = phone.get_by_test_id(f"take-{offer.id}")
        expect(take).to_be_visible()
        expect(phone.get_by_test_id(f"offer-{offer.id}")).to_contain_text(
            "จุดแจกน้ำดื่มหน้าเวที"
        )
        # The button is a thumb's width on a phone: easy to tap.
        box = take.bounding_box()
        assert box["width"] >= 0.8 * (PHONE["width"] - 64) and box["height"] >= 44
        save_screenshot(phone, "floater-offer-phone")
        with phone.expect_navigation():
            take.click()
        expect_done(phone)
        assert phone.url.endswith("/me/shifts")
        expect(phone.get_by_text("จุดแจกน้ำดื่มหน้าเวที").first).to_be_visible()
    finally:
        context.close()

    db.session.rollback()
    assert db.session.get(Offer, offer.id).status is OfferStatus.ACCEPTED
    application = db.session.get(
        Application, db.session.get(Offer, offer.id).application_id
    )
    assert application.status is ApplicationStatus.ACCEPTED
    assert db.session.get(Shift, shift.id).spots_taken == 1
