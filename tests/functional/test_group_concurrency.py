"""Fifty members taking a group's reserved places at the same instant (issue 15).

Each thread has its own session and commits, as a request would; outsiders apply
to the same shift at the same time. The reservation never gives more places than
it holds, and the shift never more than its capacity, on SQLite and PostgreSQL.
"""

from collections import Counter
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.errors import Conflict
from marketplace.extensions import db
from marketplace.groups import services
from marketplace.models import (
    HOLDS_SPOT,
    Application,
    GroupPlace,
    GroupReservation,
    Shift,
    User,
    utcnow,
)
from tests import factories
from tests.functional.test_concurrency import fire_together

pytestmark = pytest.mark.slow

MEMBERS = 50
PLACES = 10
CAPACITY = 12
OUTSIDERS = 6


def test_fifty_members_joining_a_reservation_at_once(app, make_app):
    with app.test_request_context():
        shift = factories.make_opportunity(
            factories.make_organization(),
            capacity=CAPACITY,
            starts=utcnow().replace(microsecond=0) + timedelta(days=3),
        ).shifts[0]
        leader = factories.make_user(email="leader@example.org")
        group = services.create_group(leader, "ทีมใหญ่", "company")
        members = []
        for n in range(MEMBERS):
            member = factories.make_user(email=f"member{n}@example.org")
            services.join_by_code(member, group.join_code)
            members.append(member.id)
        outsiders = [
            factories.make_user(email=f"outsider{n}@example.org").id
            for n in range(OUTSIDERS)
        ]
        reservation_id = services.reserve_places(leader, group, shift.id, PLACES).id
        shift_id = shift.id
    db.session.commit()
    # One connection per thread, as 56 requests on as many workers would have.
    racing = make_app(
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": MEMBERS + OUTSIDERS, "max_overflow": 0}
    )

    def join(user_id: int):
        def call():
            # A POST, as the real request: SQLite then takes the write lock first.
            with racing.test_request_context(method="POST"):
                try:
                    member = db.session.get(User, user_id)
                    services.join_reservation(member, reservation_id)
                    db.session.commit()
                    return "joined"
                except Conflict as error:
                    db.session.rollback()
                    return error.code
                except Exception as error:  # anything else is shown in the failure
                    db.session.rollback()
                    return repr(error)[:300]
                finally:
                    db.session.remove()

        return call

    def apply(user_id: int):
        def call():
            with racing.test_request_context(method="POST"):
                try:
                    outsider = db.session.get(User, user_id)
                    application = services.workflow.apply_to_shift(outsider, shift_id)
                    db.session.commit()
                    return f"applied:{application.status.value}"
                except Exception as error:
                    db.session.rollback()
                    return repr(error)[:300]
                finally:
                    db.session.remove()

        return call

    results = fire_together(
        [join(member) for member in members] + [apply(o) for o in outsiders]
    )
    db.session.rollback()  # end the test's snapshot: see what the threads wrote
    counts = Counter(results)
    assert counts["joined"] == PLACES, counts
    assert counts["reservation_full"] == MEMBERS - PLACES, counts
    assert counts["applied:accepted"] == CAPACITY - PLACES, counts
    assert counts["applied:waitlisted"] == OUTSIDERS - (CAPACITY - PLACES), counts

    shift = db.session.get(Shift, shift_id)
    reservation = db.session.get(GroupReservation, reservation_id)
    holding = db.session.scalar(
        sa.select(sa.func.count(Application.id)).where(
            Application.shift_id == shift.id, Application.status.in_(HOLDS_SPOT)
        )
    )
    places = db.session.scalar(
        sa.select(sa.func.count(GroupPlace.id)).where(
            GroupPlace.reservation_id == reservation_id
        )
    )
    assert (reservation.held, places) == (0, PLACES)
    assert shift.spots_taken == holding == CAPACITY
