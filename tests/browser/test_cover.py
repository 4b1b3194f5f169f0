"""Cover: a volunteer hands their place on; the first candidate lets the offer
expire, the second takes it on a phone."""

from datetime import timedelta

import sqlalchemy as sa
from playwright.sync_api import expect

from marketplace.applications import services as workflow
from marketplace.cover import services as cover
from marketplace.extensions import db
from marketplace.models import (
    Application,
    ApplicationStatus,
    Offer,
    OfferStatus,
    Role,
    Shift,
)
from tests import factories
from tests.browser.conftest import DESKTOP, PHONE, expect_done, save_screenshot
from tests.browser.test_volunteer_journey import log_in


def _open_offer() -> Offer:
    return db.session.scalar(sa.select(Offer).where(Offer.status == OfferStatus.OPEN))


def test_the_second_candidate_takes_the_place_after_the_first_expired(
    app, live_server, browser
):
    member = factories.make_user(Role.ORGANIZER, email="org@example.org")
    organization = factories.make_organization(members=[member])
    shift = factories.make_opportunity(
        organization,
        title="สอนการบ้านเด็กวันเสาร์",
        starts=factories.daytime(2),
        hours=3,
        capacity=1,
    ).shifts[0]
    giver = factories.make_user(email="giver@example.org", name="ผู้ให้")
    first = factories.make_matchable(
        factories.make_user(email="first@example.org", name="คนแรก"), organization
    )
    second = factories.make_matchable(
        factories.make_user(email="second@example.org", name="คนที่สอง"), organization
    )
    with app.test_request_context():
        place = workflow.apply_to_shift(giver, shift.id)
    db.session.commit()

    desktop = browser.new_context(viewport=DESKTOP, locale="th-TH")
    page = desktop.new_page()
    page.set_default_timeout(10_000)
    try:
        log_in(page, live_server, "giver@example.org")
        page.goto(f"{live_server}/me/shifts")
        with page.expect_navigation():
            page.get_by_test_id(f"find-cover-{place.id}").click()
        expect_done(page)
        expect(page.get_by_test_id(f"cover-{place.id}")).to_be_visible()
        expect(page.get_by_test_id(f"keep-place-{place.id}")).to_be_visible()
    finally:
        desktop.close()

    db.session.rollback()  # see what the browser's requests wrote
    offer = _open_offer()
    assert offer.volunteer_id == first.id
    # The first candidate does not answer: past its time the queue moves on.
    with app.test_request_context():
        assert cover.advance_cover_offers(offer.expires_at + timedelta(seconds=1)) == 1
    db.session.commit()
    assert db.session.get(Offer, offer.id).status is OfferStatus.EXPIRED
    next_offer = _open_offer()
    assert next_offer.volunteer_id == second.id

    context = browser.new_context(viewport=PHONE, locale="th-TH")
    phone = context.new_page()
    phone.set_default_timeout(10_000)
    try:
        log_in(phone, live_server, "second@example.org")
        phone.goto(f"{live_server}/me/shifts")
        expect(phone.get_by_test_id(f"offer-{next_offer.id}")).to_contain_text(
            "สอนการบ้านเด็กวันเสาร์"
        )
        save_screenshot(phone, "cover-offer-phone")
        with phone.expect_navigation():
            phone.get_by_test_id(f"take-{next_offer.id}").click()
        expect_done(phone)
        assert phone.url.endswith("/me/shifts")
        expect(phone.get_by_test_id("offers")).to_have_count(0)
        expect(phone.get_by_test_id("applications")).to_contain_text(
            "สอนการบ้านเด็กวันเสาร์"
        )
    finally:
        context.close()

    db.session.rollback()
    assert db.session.get(Offer, next_offer.id).status is OfferStatus.ACCEPTED
    assert db.session.get(Application, place.id).status is ApplicationStatus.WITHDRAWN
    taken = db.session.get(
        Application, db.session.get(Offer, next_offer.id).application_id
    )
    assert taken.volunteer_id == second.id and taken.status.holds_spot
    assert db.session.get(Shift, shift.id).spots_taken == 1
