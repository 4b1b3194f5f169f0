"""Twenty floaters taking their offers for one place at the same instant get one."""

from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import current_app

from marketplace.auth.sessions import issue_token
from marketplace.errors import Conflict
from marketplace.extensions import db
from marketplace.floaters import services
from marketplace.models import Application, Offer, OfferStatus, Shift, utcnow
from tests import factories
from tests.functional.test_concurrency import fire_together
from tests.servers import gunicorn_server, post_json

pytestmark = pytest.mark.slow


def _one_place_at_the_expo():
    """An organiser and an expo shift with one place, starting in 20 minutes."""
    member = factories.make_user(email="m@example.org", role=factories.Role.ORGANIZER)
    org = factories.make_organization(members=[member])
    shift = factories.make_opportunity(
        org,
        starts=utcnow().replace(microsecond=0) + timedelta(minutes=20),
        capacity=1,
        skills=(),
        is_expo=True,
    ).shifts[0]
    return member, shift


def test_twenty_floaters_taking_one_place(app, database_url):
    member, shift = _one_place_at_the_expo()
    lifetime = current_app.config["API_TOKEN_LIFETIME"]
    calls = []
    with app.test_request_context():
        for n in range(20):
            volunteer = factories.make_user(email=f"f{n}@example.org")
            factories.make_matchable(volunteer, shift.opportunity.organization)
            services.say_free(volunteer, 2)
            offer = services.send_offer(member, shift, volunteer)
            token = issue_token(volunteer, lifetime)[0]
            calls.append((offer.id, token))
    db.session.commit()

    with gunicorn_server(database_url, workers=4) as base:
        results = fire_together(
            [
                lambda o=offer_id, t=token: post_json(
                    f"{base}/api/v1/offers/{o}/accept",
                    {},
                    {"Authorization": f"Bearer {t}"},
                )
                for offer_id, token in calls
            ]
        )
    db.session.rollback()  # end the test's snapshot: see what the workers wrote
    statuses = Counter(status for status, _ in results)
    assert statuses == {200: 1, 409: 19}, statuses
    codes = Counter(body["error"]["code"] for status, body in results if status == 409)
    assert codes == {"shift_full": 19}
    assert db.session.get(Shift, shift.id).spots_taken == 1
    assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 1
    taken = Counter(db.session.scalars(sa.select(Offer.status)))
    assert taken == {OfferStatus.ACCEPTED: 1, OfferStatus.OPEN: 19}


def test_twenty_threads_taking_one_place_in_process(app):
    """The same race without a server: each thread its own session and commit."""
    member, shift = _one_place_at_the_expo()
    offers = []
    with app.test_request_context():
        for n in range(20):
            volunteer = factories.make_user(email=f"t{n}@example.org")
            factories.make_matchable(volunteer, shift.opportunity.organization)
            services.say_free(volunteer, 2)
            offers.append(
                (volunteer.id, services.send_offer(member, shift, volunteer).id)
            )
    db.session.commit()

    def take(volunteer_id: int, offer_id: int):
        def call():
            # A POST, as the real request: SQLite then takes the write lock first.
            with app.test_request_context(method="POST"):
                try:
                    volunteer = db.session.get(factories.User, volunteer_id)
                    services.accept_offer(volunteer, offer_id)
                    db.session.commit()
                    return "taken"
                except Conflict as error:
                    db.session.rollback()
                    return error.code
                except Exception as error:  # anything else is shown in the failure
                    db.session.rollback()
                    return repr(error)[:300]
                finally:
                    db.session.remove()

        return call

    results = fire_together([take(v, o) for v, o in offers])
    db.session.rollback()
    assert Counter(results) == {"taken": 1, "shift_full": 19}, Counter(results)
    assert db.session.get(Shift, shift.id).spots_taken == 1
    assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 1
