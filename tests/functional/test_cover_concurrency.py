"""Places handed on while everyone acts at once: capacity is never exceeded.

Three volunteers hold a full shift and look for cover; the three candidates
offered their places take them at the same instant as the givers withdraw
(which promotes the waitlist) and newcomers apply. Each giver's place goes one
way only, spots held never exceed capacity, and no call fails with anything but
a 409 (no deadlock between an offer and the place it hands on).
"""

from collections import Counter

import sqlalchemy as sa

from marketplace.applications import services as workflow
from marketplace.cover import services as cover
from marketplace.errors import Conflict
from marketplace.extensions import db
from marketplace.floaters import services as offers
from marketplace.models import (
    HOLDS_SPOT,
    Application,
    ApplicationStatus,
    Offer,
    OfferStatus,
    Shift,
)
from tests import factories
from tests.functional.test_concurrency import fire_together


def test_cover_accepts_withdrawals_and_applications_at_once(app):
    with app.test_request_context():
        org = factories.make_organization()
        shift = factories.make_opportunity(
            org, starts=factories.daytime(2), hours=3, capacity=3, skills=()
        ).shifts[0]
        givers = [
            factories.make_user(email=f"g{n}@example.org", name=f"g{n}")
            for n in range(3)
        ]
        places = [workflow.apply_to_shift(giver, shift.id) for giver in givers]
        waiting = [
            factories.make_user(email=f"w{n}@example.org", name=f"w{n}")
            for n in range(3)
        ]
        for volunteer in waiting:
            workflow.apply_to_shift(volunteer, shift.id)
        for giver, place in zip(givers, places, strict=True):
            cover.ask_for_cover(giver, place.id)
        newcomers = [
            factories.make_user(email=f"n{n}@example.org", name=f"n{n}")
            for n in range(3)
        ]
        db.session.commit()
        live = db.session.scalars(
            sa.select(Offer).where(Offer.status == OfferStatus.OPEN).order_by(Offer.id)
        ).all()
        # One live offer per place, each to a different waitlisted volunteer.
        assert sorted(o.volunteer_id for o in live) == sorted(w.id for w in waiting)
        taking = [(o.volunteer_id, o.id, o.giver_application_id) for o in live]
        shift_id = shift.id
        giver_ids = [(g.id, p.id) for g, p in zip(givers, places, strict=True)]
        newcomer_ids = [n.id for n in newcomers]

    def run(label: str, action):
        def call():
            # A POST, as the real request: SQLite then takes the write lock first.
            with app.test_request_context(method="POST"):
                try:
                    action()
                    db.session.commit()
                    return label, "ok"
                except Conflict as error:
                    db.session.rollback()
                    return label, error.code
                except Exception as error:  # a deadlock or a 500 fails the test
                    db.session.rollback()
                    return label, repr(error)[:300]
                finally:
                    db.session.remove()

        return call

    def user(user_id: int):
        return db.session.get(factories.User, user_id)

    calls = []
    for volunteer_id, offer_id, place_id in taking:
        calls.append(
            run(
                f"take:{place_id}",
                lambda v=volunteer_id, o=offer_id: offers.accept_offer(user(v), o),
            )
        )
    for giver_id, place_id in giver_ids:
        calls.append(
            run(
                f"withdraw:{place_id}",
                lambda g=giver_id, p=place_id: workflow.withdraw_application(
                    user(g), p
                ),
            )
        )
    for newcomer_id in newcomer_ids:
        calls.append(
            run(
                "apply",
                lambda n=newcomer_id: workflow.apply_to_shift(user(n), shift_id),
            )
        )
    results = fire_together(calls)

    db.session.rollback()
    outcomes = dict(Counter(results))
    # A waitlisted volunteer promoted by a withdrawal already holds a place when
    # they take their offer: `already_applied`; a place withdrawn first: its
    # offer was cancelled, `invalid_status`.
    allowed = {"ok", "invalid_status", "already_applied"}
    unexpected = [r for r in results if r[1] not in allowed]
    assert unexpected == [], outcomes
    # Each giver's place went one way: handed on, or given back by withdrawing.
    for _giver_id, place_id in giver_ids:
        done = [
            action
            for action, result in results
            if result == "ok" and action.endswith(f":{place_id}")
        ]
        assert len(done) == 1, (place_id, outcomes)
        place = db.session.get(Application, place_id)
        assert place.status is ApplicationStatus.WITHDRAWN
    held = db.session.scalar(
        sa.select(sa.func.count(Application.id)).where(
            Application.shift_id == shift_id, Application.status.in_(HOLDS_SPOT)
        )
    )
    assert held == db.session.get(Shift, shift_id).spots_taken <= 3
    taken = db.session.scalar(
        sa.select(sa.func.count(Offer.id)).where(Offer.status == OfferStatus.ACCEPTED)
    )
    assert taken == sum(
        1 for action, result in results if action.startswith("take") and result == "ok"
    )
