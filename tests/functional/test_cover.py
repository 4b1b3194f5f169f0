"""Cover: a volunteer hands a held place on, to the waitlist, then ranked candidates."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.applications import services as workflow
from marketplace.cover import services as cover
from marketplace.errors import Conflict, NotFound
from marketplace.extensions import db
from marketplace.floaters import services as offers
from marketplace.models import (
    Application,
    ApplicationStatus,
    ConsentPurpose,
    Notification,
    Offer,
    OfferKind,
    OfferStatus,
    Shift,
    utcnow,
)
from marketplace.privacy.consents import record_consents
from tests import factories
from tests.functional.test_api_accounts import bearer, login_token


@pytest.fixture(autouse=True)
def in_request(app):
    """Services build translated messages, as they do inside a request."""
    with app.test_request_context():
        yield


def held_by(volunteer, shift) -> Application:
    """The volunteer applies to a first-come shift with a spot left: held."""
    application = workflow.apply_to_shift(volunteer, shift.id)
    assert application.status.holds_spot
    return application


def waitlisted(email: str, shift, name: str | None = None):
    """A volunteer (no matching consent) on the shift's waitlist."""
    volunteer = factories.make_user(email=email, name=name or email.split("@")[0])
    application = workflow.apply_to_shift(volunteer, shift.id)
    assert application.status is ApplicationStatus.WAITLISTED
    return volunteer


def matchable(email: str, org):
    """A volunteer the suggestions rank for the shift (consent, skills, place)."""
    volunteer = factories.make_user(email=email, name=email.split("@")[0])
    return factories.make_matchable(volunteer, org)


@pytest.fixture
def full(people):
    """A full first-come shift in two days (capacity 2): the giver holds a place."""
    org = people["org"]
    opportunity = factories.make_opportunity(
        org, starts=factories.daytime(2), hours=3, capacity=2
    )
    shift = opportunity.shifts[0]
    giver = factories.make_user(email="giver@example.org", name="ผู้ให้")
    place = held_by(giver, shift)
    held_by(factories.make_user(email="other-holder@example.org"), shift)
    db.session.commit()
    return people | {"shift": shift, "giver": giver, "place": place}


def open_offers() -> list[Offer]:
    return list(
        db.session.scalars(
            sa.select(Offer).where(Offer.status == OfferStatus.OPEN).order_by(Offer.id)
        )
    )


def kinds_for(user) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(Notification.kind)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id)
        )
    )


# --- Asking: the API's answers -----------------------------------------------------


def test_asking_for_cover_answers_202_once(api, full):
    shift, place = full["shift"], full["place"]
    first = waitlisted("w1@example.org", shift)
    db.session.commit()
    headers = bearer(login_token(api, "giver@example.org"))

    response = api.post(f"/api/v1/applications/{place.id}/cover", headers=headers)
    assert response.status_code == 202, response.get_json()
    assert response.get_json()["status"] == "seeking_cover"
    again = api.post(f"/api/v1/applications/{place.id}/cover", headers=headers)
    assert again.status_code == 202
    assert again.get_json()["status"] == "seeking_cover"

    db.session.rollback()
    live = open_offers()
    assert [(o.kind, o.volunteer_id) for o in live] == [(OfferKind.COVER, first.id)]
    assert live[0].giver_application_id == place.id
    place = db.session.get(Application, place.id)
    # The place stays the giver's until someone takes it.
    assert place.status is ApplicationStatus.ACCEPTED and place.seeking_cover
    assert db.session.get(Shift, shift.id).spots_taken == 2
    assert kinds_for(first)[-1] == "cover_offered"


def test_asking_for_cover_refuses_what_it_must(api, full, people):
    shift, place = full["shift"], full["place"]
    waiting = factories.make_user(email="waiting@example.org")
    waiting_application = workflow.apply_to_shift(waiting, shift.id)
    started = factories.make_opportunity(
        people["org"], starts=utcnow() - timedelta(hours=1), hours=3
    ).shifts[0]
    running = Application(
        shift=started, volunteer=waiting, status=ApplicationStatus.APPROVED
    )
    db.session.add(running)
    started.spots_taken = 1
    db.session.commit()
    giver = bearer(login_token(api, "giver@example.org"))
    headers = bearer(login_token(api, "waiting@example.org"))

    # Someone else's place: 404, as if it did not exist.
    assert (
        api.post(f"/api/v1/applications/{place.id}/cover", headers=headers).status_code
        == 404
    )
    wrong = api.post(
        f"/api/v1/applications/{waiting_application.id}/cover", headers=headers
    )
    assert wrong.status_code == 409
    assert wrong.get_json()["error"]["code"] == "invalid_status"
    closed = api.post(f"/api/v1/applications/{running.id}/cover", headers=headers)
    assert closed.status_code == 409
    assert closed.get_json()["error"]["code"] == "shift_closed"
    assert api.post(f"/api/v1/applications/{place.id}/cover").status_code == 401
    member = bearer(login_token(api, "member@example.org"))
    assert (
        api.post(f"/api/v1/applications/{place.id}/cover", headers=member).status_code
        == 403
    )
    assert (
        api.post("/api/v1/applications/999999/cover", headers=giver).status_code == 404
    )
    db.session.rollback()
    assert open_offers() == []


# --- The chain: waitlist first, then ranked candidates ------------------------------


def test_waitlist_first_then_ranked_candidates(full, people):
    org, shift, giver, place = (
        people["org"],
        full["shift"],
        full["giver"],
        full["place"],
    )
    first_waiting = waitlisted("w1@example.org", shift)
    busy_waiting = waitlisted("w2@example.org", shift)
    later_waiting = waitlisted("w3@example.org", shift)
    best = matchable("r1@example.org", org)
    second = matchable("r2@example.org", org)
    withdrew = matchable("r3@example.org", org)
    record_consents(withdrew, {ConsentPurpose.MATCHING: False}, "test")
    overlapping = matchable("r4@example.org", org)
    clash = factories.make_opportunity(
        org, title="งานอื่น", starts=shift.starts_at + timedelta(hours=1), hours=2
    ).shifts[0]
    held_by(overlapping, clash)
    # A waitlisted volunteer who now holds an overlapping shift is skipped too.
    held_by(busy_waiting, clash)
    db.session.commit()

    names = [v.email for v in cover.candidates(place, utcnow())]  # all, in order
    assert names[:3] == ["w1@example.org", "w3@example.org", "r1@example.org"]
    assert set(names) == {
        "w1@example.org",
        "w3@example.org",
        "r1@example.org",
        "r2@example.org",
    }

    # Walk the chain: each "no" offers the place to the next, one at a time.
    cover.ask_for_cover(giver, place.id)
    offered = []
    while live := open_offers():
        assert len(live) == 1
        offered.append(live[0].volunteer_id)
        offers.decline_offer(
            db.session.get(factories.User, live[0].volunteer_id), live[0].id
        )
    assert offered == [first_waiting.id, later_waiting.id, best.id, second.id]
    assert withdrew.id not in offered and overlapping.id not in offered
    db.session.commit()

    # No one left: the giver is told the place is still theirs, and keeps it.
    place = db.session.get(Application, place.id)
    assert place.status is ApplicationStatus.ACCEPTED
    assert place.cover_exhausted_at is not None and place.seeking_cover
    assert kinds_for(giver).count("cover_not_found") == 1
    assert cover.advance_cover_offers(utcnow() + timedelta(minutes=1)) == 0
    assert kinds_for(giver).count("cover_not_found") == 1  # told once


def test_second_candidate_takes_the_place_after_the_first_expired(api, full, people):
    org, shift, giver, place = (
        people["org"],
        full["shift"],
        full["giver"],
        full["place"],
    )
    first = matchable("r1@example.org", org)
    second = matchable("r2@example.org", org)
    now = utcnow()
    cover.ask_for_cover(giver, place.id, now)
    db.session.commit()
    [offer] = open_offers()
    assert offer.volunteer_id == first.id
    assert offer.expires_at == now + timedelta(minutes=30)

    # Before it expires nothing moves; the periodic step is idempotent.
    assert cover.advance_cover_offers(now + timedelta(minutes=29)) == 0
    assert [o.id for o in open_offers()] == [offer.id]
    later = offer.expires_at + timedelta(seconds=1)
    assert cover.advance_cover_offers(later) == 1
    assert cover.advance_cover_offers(later) == 0
    db.session.commit()
    assert db.session.get(Offer, offer.id).status is OfferStatus.EXPIRED
    [next_offer] = open_offers()
    assert next_offer.volunteer_id == second.id
    assert db.session.get(Application, place.id).status is ApplicationStatus.ACCEPTED

    # The first candidate is too late.
    late = api.post(
        f"/api/v1/offers/{offer.id}/accept",
        headers=bearer(login_token(api, "r1@example.org")),
    )
    assert late.status_code == 409
    assert late.get_json()["error"]["code"] == "offer_expired"

    headers = bearer(login_token(api, "r2@example.org"))
    listed = api.get("/api/v1/me/offers", headers=headers).get_json()
    assert listed["total"] == 1
    item = listed["items"][0]
    assert {"id", "shift_id", "opportunity_id", "expires_at"} <= set(item)
    assert item["id"] == next_offer.id and item["shift_id"] == shift.id
    assert item["opportunity_id"] == shift.opportunity_id and item["kind"] == "cover"
    assert item["expires_at"].endswith("+07:00")

    taken = api.post(f"/api/v1/offers/{next_offer.id}/accept", headers=headers)
    assert taken.status_code == 200, taken.get_json()
    assert taken.get_json()["status"] == "accepted"
    db.session.rollback()
    place = db.session.get(Application, place.id)
    assert place.status is ApplicationStatus.WITHDRAWN and not place.seeking_cover
    mine = db.session.get(Application, taken.get_json()["application_id"])
    assert mine.volunteer_id == second.id and mine.status.holds_spot
    assert db.session.get(Shift, shift.id).spots_taken == 2
    assert "cover_found" in kinds_for(giver)
    assert "cover_taken" in kinds_for(people["member"])
    # Taken once: the offer cannot be taken again, and the chain has ended.
    again = api.post(f"/api/v1/offers/{next_offer.id}/accept", headers=headers)
    assert again.status_code == 409
    assert cover.advance_cover_offers(utcnow() + timedelta(hours=1)) == 0
    assert open_offers() == []


def test_a_waitlisted_taker_moves_to_the_held_place(api, full):
    shift, giver, place = full["shift"], full["giver"], full["place"]
    waiting = waitlisted("w1@example.org", shift)
    behind = waitlisted("w2@example.org", shift)
    cover.ask_for_cover(giver, place.id)
    db.session.commit()
    [offer] = open_offers()
    response = api.post(
        f"/api/v1/offers/{offer.id}/accept",
        headers=bearer(login_token(api, "w1@example.org")),
    )
    assert response.status_code == 200, response.get_json()
    db.session.rollback()
    statuses = dict(
        db.session.execute(
            sa.select(Application.volunteer_id, Application.status).where(
                Application.shift_id == shift.id
            )
        ).all()
    )
    assert statuses[waiting.id] is ApplicationStatus.ACCEPTED
    assert statuses[giver.id] is ApplicationStatus.WITHDRAWN
    assert statuses[behind.id] is ApplicationStatus.WAITLISTED  # no one else moved
    assert db.session.get(Shift, shift.id).spots_taken == 2


def test_taking_refuses_an_overlapping_shift(api, full, people):
    org, shift, giver, place = (
        people["org"],
        full["shift"],
        full["giver"],
        full["place"],
    )
    candidate = matchable("r1@example.org", org)
    cover.ask_for_cover(giver, place.id)
    [offer] = open_offers()
    clash = factories.make_opportunity(
        org, title="งานอื่น", starts=shift.starts_at, hours=1
    ).shifts[0]
    held_by(candidate, clash)
    db.session.commit()
    headers = bearer(login_token(api, "r1@example.org"))

    overlap = api.post(f"/api/v1/offers/{offer.id}/accept", headers=headers)
    assert overlap.status_code == 409
    assert overlap.get_json()["error"]["code"] == "shift_overlap"
    db.session.rollback()
    # Refused and rolled back: the giver still holds the place, the offer is open.
    assert db.session.get(Application, place.id).status is ApplicationStatus.ACCEPTED
    assert db.session.get(Offer, offer.id).status is OfferStatus.OPEN
    assert db.session.get(Shift, shift.id).spots_taken == 2


def test_offers_end_before_the_shift_starts(full, people):
    shift = full["shift"]
    now = shift.starts_at - timedelta(minutes=40)
    assert cover.offer_expiry(shift, now) == shift.starts_at - timedelta(minutes=15)
    assert cover.offer_expiry(shift, shift.starts_at - timedelta(minutes=20)) == (
        shift.starts_at - timedelta(minutes=15)
    )
    assert cover.offer_expiry(shift, shift.starts_at - timedelta(minutes=19)) is None
    matchable("r1@example.org", people["org"])
    # Too near the start: no offer, the giver hears at once that it is still theirs.
    cover.ask_for_cover(
        full["giver"], full["place"].id, shift.starts_at - timedelta(minutes=18)
    )
    assert open_offers() == []
    assert kinds_for(full["giver"])[-1] == "cover_not_found"


# --- Keeping the place, leaving, being released -------------------------------------


def test_i_can_come_after_all(api, full, people):
    giver, place = full["giver"], full["place"]
    matchable("r1@example.org", people["org"])
    cover.ask_for_cover(giver, place.id)
    [offer] = open_offers()
    cover.keep_place(giver, place.id)
    db.session.commit()
    assert db.session.get(Offer, offer.id).status is OfferStatus.CANCELLED
    assert not db.session.get(Application, place.id).seeking_cover
    taken = api.post(
        f"/api/v1/offers/{offer.id}/accept",
        headers=bearer(login_token(api, "r1@example.org")),
    )
    assert taken.status_code == 409
    assert taken.get_json()["error"]["code"] == "invalid_status"
    with pytest.raises(Conflict):
        cover.keep_place(giver, place.id)
    with pytest.raises(NotFound):
        cover.keep_place(people["volunteer"], place.id)


def test_withdrawing_ends_the_chain(full, people):
    giver, place = full["giver"], full["place"]
    waiting = waitlisted("w1@example.org", full["shift"])
    cover.ask_for_cover(giver, place.id)
    [offer] = open_offers()
    workflow.withdraw_application(giver, place.id)
    db.session.commit()
    assert db.session.get(Offer, offer.id).status is OfferStatus.CANCELLED
    # The waitlist moved up as on any withdrawal.
    promoted = db.session.scalar(
        sa.select(Application).where(Application.volunteer_id == waiting.id)
    )
    assert promoted.status is ApplicationStatus.ACCEPTED
    place = db.session.get(Application, place.id)
    assert place.cover_sought_at is None
    assert cover.advance_cover_offers(utcnow() + timedelta(hours=1)) == 0
    assert open_offers() == []


def test_the_organisation_releases_a_volunteer_seeking_cover(
    client, auth, full, people
):
    shift, giver, place = full["shift"], full["giver"], full["place"]
    waiting = waitlisted("w1@example.org", shift, name="รอคิว")
    cover.ask_for_cover(giver, place.id)
    [offer] = open_offers()
    db.session.commit()

    auth.login("other@example.org")  # a member of another organisation
    assert client.post(f"/manage/applications/{place.id}/release").status_code == 404
    auth.logout()
    auth.login("member@example.org")
    page = client.get(f"/manage/opportunities/{shift.opportunity_id}/applicants")
    assert f'data-testid="seeking-cover-{place.id}"' in page.text
    assert f'data-testid="release-{place.id}"' in page.text
    released = client.post(f"/manage/applications/{place.id}/release")
    assert released.status_code == 302
    db.session.rollback()
    assert db.session.get(Application, place.id).status is ApplicationStatus.WITHDRAWN
    assert db.session.get(Offer, offer.id).status is OfferStatus.CANCELLED
    promoted = db.session.scalar(
        sa.select(Application).where(Application.volunteer_id == waiting.id)
    )
    assert promoted.status is ApplicationStatus.ACCEPTED
    assert db.session.get(Shift, shift.id).spots_taken == 2
    assert "cover_released" in kinds_for(giver)
    # Only someone looking for cover can be released this way.
    again = client.post(f"/manage/applications/{promoted.id}/release")
    assert again.status_code == 302
    db.session.rollback()
    assert db.session.get(Application, promoted.id).status is ApplicationStatus.ACCEPTED


# --- The volunteer's pages ----------------------------------------------------------


def test_my_shifts_finds_cover_and_shows_the_offer(client, auth, full, people):
    shift, place = full["shift"], full["place"]
    candidate = matchable("r1@example.org", people["org"])
    db.session.commit()
    auth.login("giver@example.org")
    page = client.get("/me/shifts")
    assert f'data-testid="find-cover-{place.id}"' in page.text
    asked = client.post(f"/me/applications/{place.id}/cover", follow_redirects=True)
    assert asked.status_code == 200
    assert f'data-testid="cover-{place.id}"' in asked.text
    assert f'data-testid="keep-place-{place.id}"' in asked.text
    assert f'data-testid="find-cover-{place.id}"' not in asked.text
    auth.logout()

    db.session.rollback()
    [offer] = open_offers()
    assert offer.volunteer_id == candidate.id
    auth.login("r1@example.org")
    page = client.get("/me/shifts")
    assert f'data-testid="take-{offer.id}"' in page.text
    taken = client.post(
        f"/floor/offers/{offer.id}/accept",
        data={"back": "/me/shifts"},
        follow_redirects=True,
    )
    assert taken.status_code == 200
    db.session.rollback()
    assert db.session.get(Application, place.id).status is ApplicationStatus.WITHDRAWN
    mine = db.session.scalar(
        sa.select(Application).where(
            Application.volunteer_id == candidate.id, Application.shift_id == shift.id
        )
    )
    assert mine.status.holds_spot


def test_the_queue_moves_the_chain_on_every_minute(app, full, people):
    from datetime import UTC, datetime

    from marketplace.cover import tasks
    from marketplace.jobs import huey

    # The consumer runs it every minute (huey's periodic schedule).
    due = huey.read_periodic(datetime(2027, 6, 9, 9, 1, tzinfo=UTC))
    assert tasks.advance_offers.task_class.__name__ in {type(t).__name__ for t in due}

    giver, place = full["giver"], full["place"]
    first = matchable("r1@example.org", people["org"])
    second = matchable("r2@example.org", people["org"])
    long_ago = utcnow() - timedelta(hours=1)
    cover.ask_for_cover(giver, place.id, long_ago)
    db.session.commit()
    [offer] = open_offers()
    assert offer.volunteer_id == first.id and offer.expires_at < utcnow()

    tasks.advance_offers()  # at once in tests: its own app context and session
    db.session.rollback()
    assert db.session.get(Offer, offer.id).status is OfferStatus.EXPIRED
    assert [o.volunteer_id for o in open_offers()] == [second.id]


def test_the_roster_shows_who_is_looking_for_cover(api, full):
    shift, giver, place = full["shift"], full["giver"], full["place"]
    cover.ask_for_cover(giver, place.id)
    db.session.commit()
    headers = bearer(login_token(api, "member@example.org"))
    response = api.get(f"/api/v1/shifts/{shift.id}/roster", headers=headers)
    assert response.status_code == 200, response.get_json()
    seeking = {
        item["application_id"]: item["seeking_cover"]
        for item in response.get_json()["items"]
    }
    assert seeking[place.id] is True
    assert list(seeking.values()).count(True) == 1


def test_the_offer_message_links_and_answers_with_one_tap(full, people):
    from marketplace import actions
    from marketplace.links import public_url
    from marketplace.notifications import KINDS, message_text

    giver, place = full["giver"], full["place"]
    first = matchable("r1@example.org", people["org"])
    second = matchable("r2@example.org", people["org"])
    cover.ask_for_cover(giver, place.id)
    note = db.session.scalar(
        sa.select(Notification).where(
            Notification.user_id == first.id, Notification.kind == "cover_offered"
        )
    )
    kind = KINDS["cover_offered"]
    assert kind.topic == "offers"
    assert "สอนการบ้านเด็ก" in message_text("cover_offered", note.data)
    endpoint, values = kind.link(note.data)
    assert public_url(endpoint, **values).endswith("/me/shifts")
    [take, skip] = [code for _label, code in kind.actions(note.data)]
    [offer] = open_offers()
    assert (take, skip) == (f"take:{offer.id}", f"skip:{offer.id}")

    # "No" with one tap: the place goes to the next candidate at once.
    actions.perform(first, skip)
    [next_offer] = open_offers()
    assert next_offer.volunteer_id == second.id
    actions.perform(second, f"take:{next_offer.id}")
    db.session.commit()
    assert db.session.get(Application, place.id).status is ApplicationStatus.WITHDRAWN
