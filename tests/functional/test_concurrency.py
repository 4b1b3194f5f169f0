"""Spots held never exceed capacity when many apply at the same instant."""

import threading
from collections import Counter

import pytest
import sqlalchemy as sa
from flask import current_app

from marketplace.auth.sessions import issue_token
from marketplace.extensions import db
from marketplace.models import Application, ApplicationStatus, Shift
from tests import factories
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
