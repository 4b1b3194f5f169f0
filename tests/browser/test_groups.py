"""A group's leader reserves places on a shift and two members take them (issue 15),
on a phone and on a desktop."""

from datetime import timedelta

import sqlalchemy as sa
from playwright.sync_api import expect

from marketplace.extensions import db
from marketplace.models import (
    Application,
    ApplicationStatus,
    Group,
    GroupReservation,
    Shift,
    utcnow,
)
from tests import factories
from tests.browser.conftest import expect_done, save_screenshot
from tests.browser.test_volunteer_journey import log_in, log_out


def test_a_leader_reserves_and_two_members_join(app, live_server, page):
    shift = factories.make_opportunity(
        factories.make_organization(),
        title="ทาสีโรงเรียนชายแดน",
        starts=utcnow().replace(microsecond=0) + timedelta(days=6),
        capacity=6,
    ).shifts[0]
    for email in ("leader@example.org", "anna@example.org", "boon@example.org"):
        factories.make_user(email=email)
    db.session.commit()

    log_in(page, live_server, "leader@example.org")
    page.goto(f"{live_server}/groups")
    page.get_by_test_id("new-group").click()
    page.locator("#name").fill("ทีมอาสาบริษัทใจดี")
    page.locator("#kind-0").check()
    with page.expect_navigation():
        page.get_by_test_id("create-group").click()
    expect_done(page)
    code = page.get_by_test_id("join-code").inner_text().strip()
    assert len(code) == 9 and code[4] == "-"

    page.goto(f"{live_server}/opportunities/{shift.opportunity_id}")
    page.get_by_test_id(f"reserve-{shift.id}").click()
    page.locator("#places").fill("3")
    with page.expect_navigation():
        page.get_by_test_id("reserve").click()
    expect_done(page)
    db.session.rollback()  # see what the browser's requests wrote
    reservation = db.session.scalar(sa.select(GroupReservation))
    expect(page.get_by_test_id(f"reservation-count-{reservation.id}")).to_contain_text(
        "0"
    )
    log_out(page)

    for email in ("anna@example.org", "boon@example.org"):
        log_in(page, live_server, email)
        page.goto(f"{live_server}/groups")
        page.get_by_test_id("join-group").click()
        page.locator("#code").fill(code.lower())
        with page.expect_navigation():
            page.get_by_test_id("join").click()
        take = page.get_by_test_id(f"take-place-{reservation.id}")
        expect(take).to_be_visible()
        box = take.bounding_box()
        assert box["height"] >= 38  # a thumb-sized button
        with page.expect_navigation():
            take.click()
        expect_done(page)
        expect(page.get_by_test_id(f"have-place-{reservation.id}")).to_be_visible()
        save_screenshot(page, f"group-place-taken-{email.split('@')[0]}")
        log_out(page)

    db.session.rollback()
    group = db.session.scalar(sa.select(Group))
    assert group.name == "ทีมอาสาบริษัทใจดี"
    statuses = db.session.scalars(
        sa.select(Application.status).where(Application.shift_id == shift.id)
    ).all()
    assert statuses == [ApplicationStatus.ACCEPTED] * 2
    db.session.refresh(reservation)
    assert reservation.held == 1
    assert db.session.get(Shift, shift.id).spots_taken == 3
