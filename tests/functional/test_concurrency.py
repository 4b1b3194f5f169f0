"""Spots held never exceed capacity when many apply at the same instant."""

import threading
from collections import Counter

import pytest
import sqlalchemy as sa
from flask import current_app

from marketplace.applications.eligibility import lock_volunteer
from marketplace.auth.sessions import issue_token
from marketplace.extensions import db
from marketplace.models import Application, ApplicationStatus, Notification, Shift, User
from tests import factories
from tests.conftest import TEST_DB
from tests.servers import gunicorn_server, post_json

pytestmark = pytest.mark.slow


def fire_together(calls) -> list[tuple[int, dict]]:
    """Run every call in its own thread, released at the same instant."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=pair) for pair in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    return results


def tokens_for(count: int) -> list[str]:
    lifetime = current_app.config["API_TOKEN_LIFETIME"]
    users = [factories.make_user(email=f"c{n}@example.org") for n in range(count)]
    tokens = [issue_token(user, lifetime)[0] for user in users]
    db.session.commit()
    return tokens


def test_two_hundred_volunteers_at_a_ten_spot_shift(app, database_url):
    shift = factories.make_opportunity(
        factories.make_organization(), capacity=10
    ).shifts[0]
    tokens = tokens_for(200)
    with gunicorn_server(database_url, workers=4) as base:
        url = f"{base}/api/v1/shifts/{shift.id}/applications"
        results = fire_together(
            [
                lambda t=token: post_json(url, {}, {"Authorization": f"Bearer {t}"})
                for token in tokens
            ]
        )
    db.session.rollback()  # end the test's snapshot: see what the workers wrote
    assert all(status == 201 for status, _ in results), Counter(s for s, _ in results)
    answered = Counter(body["status"] for _, body in results)
    assert answered == {"accepted": 10, "waitlisted": 190}
    stored = Counter(db.session.scalars(sa.select(Application.status)))
    assert stored == {ApplicationStatus.ACCEPTED: 10, ApplicationStatus.WAITLISTED: 190}
    assert db.session.get(Shift, shift.id).spots_taken == 10


def test_one_volunteer_firing_fifty_times_gets_one(app, database_url):
    shift = factories.make_opportunity(
        factories.make_organization(), capacity=10
    ).shifts[0]
    (token,) = tokens_for(1)
    with gunicorn_server(database_url, workers=4) as base:
        url = f"{base}/api/v1/shifts/{shift.id}/applications"
        headers = {"Authorization": f"Bearer {token}"}
        results = fire_together([lambda: post_json(url, {}, headers)] * 50)
    db.session.rollback()  # end the test's snapshot: see what the workers wrote
    statuses = Counter(status for status, _ in results)
    assert statuses == {201: 1, 409: 49}
    codes = Counter(body["error"]["code"] for status, body in results if status == 409)
    assert codes == {"already_applied": 49}
    assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 1
    assert db.session.get(Shift, shift.id).spots_taken == 1


def test_accepting_many_at_once_never_overfills_a_shift(app, database_url):
    from marketplace.models import ApprovalMode, Role

    member = factories.make_user(Role.ORGANIZER, email="member@example.org")
    organization = factories.make_organization(members=[member])
    shift = factories.make_opportunity(
        organization, capacity=3, approval_mode=ApprovalMode.REVIEW
    ).shifts[0]
    volunteers = [factories.make_user(email=f"p{n}@example.org") for n in range(30)]
    applications = [
        Application(shift=shift, volunteer=v, status=ApplicationStatus.PENDING)
        for v in volunteers
    ]
    db.session.add_all(applications)
    token, _ = issue_token(member, current_app.config["API_TOKEN_LIFETIME"])
    db.session.commit()
    headers = {"Authorization": f"Bearer {token}"}
    with gunicorn_server(database_url, workers=4) as base:
        results = fire_together(
            [
                lambda a=a.id: post_json(
                    f"{base}/api/v1/applications/{a}/accept", {}, headers
                )
                for a in applications
            ]
        )
    db.session.rollback()  # end the test's snapshot: see what the workers wrote
    statuses = Counter(status for status, _ in results)
    assert statuses == {200: 3, 409: 27}
    codes = Counter(body["error"]["code"] for status, body in results if status == 409)
    assert codes == {"shift_full": 27}
    assert db.session.get(Shift, shift.id).spots_taken == 3


@pytest.mark.skipif(TEST_DB != "postgresql", reason="PostgreSQL row locks")
def test_a_volunteer_held_for_an_application_can_still_be_told_things(
    app, database_url
):
    """The volunteer's lock serialises their applications only.

    A withdrawal that promotes them from a waitlist holds the shift and inserts
    their notification; if the lock also blocked rows that merely refer to them,
    their taking a place on that shift (volunteer, then shift: a floater's offer)
    could deadlock with it (shift, then volunteer).
    """
    volunteer = factories.make_user(email="held@example.org")
    db.session.commit()
    lock_volunteer(volunteer)  # this session's transaction now holds them
    other = sa.create_engine(database_url)
    try:
        with other.begin() as connection:
            connection.exec_driver_sql("SET LOCAL lock_timeout = '2s'")
            connection.execute(
                sa.insert(Notification).values(
                    user_id=volunteer.id, kind="promoted_from_waitlist", data={}
                )
            )
        # A second application of theirs still waits for the first.
        with (
            pytest.raises(sa.exc.OperationalError, match="lock"),
            other.begin() as connection,
        ):
            connection.exec_driver_sql("SET LOCAL lock_timeout = '200ms'")
            connection.execute(
                sa.select(User.id)
                .where(User.id == volunteer.id)
                .with_for_update(key_share=True)  # lock_volunteer's lock
            )
    finally:
        db.session.rollback()
        other.dispose()
