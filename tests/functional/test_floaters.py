"""Floaters: "I'm free now", ranked beside short shifts, offers taken with one tap."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.errors import Conflict, ValidationFailed
from marketplace.extensions import db
from marketplace.floaters import services
from marketplace.floaters.services import NotOfferable
from marketplace.models import (
    Application,
    ApplicationStatus,
    Cause,
    ConsentPurpose,
    Offer,
    OfferStatus,
    Shift,
    utcnow,
)
from marketplace.privacy.consents import record_consents
from marketplace.recommendations import floater_pool, rank_floaters
from tests import factories
from tests.functional.test_api_accounts import bearer, login_token


@pytest.fixture(autouse=True)
def in_request(app):
    """Services build translated messages, as they do inside a request."""
    with app.test_request_context():
        yield


def floater(email: str, org, *, hours: int = 3, teaching: bool = True, name=None):
    """A volunteer who consented to matching and says they are free now."""
    volunteer = factories.make_user(email=email, name=name or email.split("@")[0])
    factories.make_matchable(volunteer, org)
    if not teaching:
        volunteer.profile.skills = []
    services.say_free(volunteer, hours)
    db.session.flush()
    return volunteer


@pytest.fixture
def floor(people):
    """An expo shift starting in 30 minutes with 2 of 3 spots open."""
    org = people["org"]
    opportunity = factories.make_opportunity(
        org,
        starts=utcnow().replace(microsecond=0) + timedelta(minutes=30),
        hours=2,
        capacity=3,
        skills=(),
        nice_to_have=("teaching",),
        is_expo=True,
    )
    shift = opportunity.shifts[0]
    shift.spots_taken = 1
    db.session.commit()
    return people | {"shift": shift}


def test_free_now_takes_one_to_four_hours(floor):
    volunteer = floor["volunteer"]
    now = utcnow()
    free = services.say_free(volunteer, 2, now)
    assert free.free_until == now + timedelta(hours=2)
    again = services.say_free(volunteer, 4, now)
    assert again.id == free.id and again.free_until == now + timedelta(hours=4)
    for hours in (0, 5, -1):
        with pytest.raises(ValidationFailed):
            services.say_free(volunteer, hours, now)
    with pytest.raises(Conflict):
        services.say_free(floor["member"], 1, now)
    services.stop_floating(volunteer)
    assert services.floating(volunteer) is None


def test_floaters_ranked_by_the_matching_score(floor):
    org, shift = floor["org"], floor["shift"]
    skilled = floater("skilled@example.org", org)
    plain = floater("plain@example.org", org, teaching=False)
    education = db.session.scalar(sa.select(Cause).where(Cause.slug == "education"))
    skilled.profile.causes = [education]
    unconsented = floater("no-consent@example.org", org)
    record_consents(unconsented, {ConsentPurpose.MATCHING: False}, "test")
    gone = floater("gone@example.org", org)
    services.say_free(gone, 1, utcnow() - timedelta(hours=2))  # ran out
    not_free = factories.make_matchable(factories.make_user(email="x@example.org"))
    db.session.commit()

    ranked = rank_floaters(floater_pool(utcnow()), shift, utcnow())

    assert [item.volunteer.id for item in ranked] == [skilled.id, plain.id]
    assert ranked[0].match.score > ranked[1].match.score
    assert not_free.id not in {item.volunteer.id for item in ranked}


def test_a_floater_must_be_free_before_the_shift_starts_and_hold_no_overlap(floor):
    org, shift = floor["org"], floor["shift"]
    later = factories.make_opportunity(
        org, starts=shift.starts_at + timedelta(hours=2), hours=2, skills=()
    ).shifts[0]
    busy = floater("busy@example.org", org, hours=4)
    clash = factories.make_opportunity(
        org, starts=shift.starts_at, hours=1, skills=()
    ).shifts[0]
    clash.spots_taken = 1
    db.session.add(
        Application(shift=clash, volunteer=busy, status=ApplicationStatus.APPROVED)
    )
    short = floater("short@example.org", org, hours=1)
    db.session.commit()
    pool = floater_pool(utcnow())

    assert [i.volunteer.id for i in rank_floaters(pool, shift, utcnow())] == [short.id]
    # `later` starts after the short floater's hour is over; busy holds nothing then.
    assert [i.volunteer.id for i in rank_floaters(pool, later, utcnow())] == [busy.id]


def test_offer_sent_by_member_or_staff_only_to_a_floater(floor):
    org, shift = floor["org"], floor["shift"]
    volunteer = floater("f@example.org", org)
    idle = factories.make_user(email="idle@example.org")
    db.session.commit()

    offer = services.send_offer(floor["member"], shift, volunteer)
    assert offer.status is OfferStatus.OPEN
    assert offer.expires_at - offer.created_at == timedelta(minutes=15)
    with pytest.raises(Conflict) as again:
        services.send_offer(floor["staff"], shift, volunteer)
    assert again.value.code == "already_offered"
    for nobody in (idle, None):
        with pytest.raises(NotOfferable):
            services.send_offer(floor["staff"], shift, nobody)
    other = floater("g@example.org", org)
    with pytest.raises(Exception) as refused:
        services.send_offer(floor["other"], shift, other)
    assert refused.value.status == 403
    assert services.send_offer(floor["staff"], shift, other).offered_by_id == (
        floor["staff"].id
    )


def _offer(floor, email="f@example.org", minutes=None):
    volunteer = floater(email, floor["org"])
    offer = services.send_offer(
        floor["member"], floor["shift"], volunteer, None, minutes
    )
    db.session.commit()
    return volunteer, offer


def test_api_lists_and_takes_an_offer(api, floor):
    volunteer, offer = _offer(floor)
    headers = bearer(login_token(api, volunteer.email))

    listed = api.get("/api/v1/me/offers", headers=headers).get_json()
    assert listed["total"] == 1
    item = listed["items"][0]
    assert {k: item[k] for k in ("id", "shift_id", "opportunity_id")} == {
        "id": offer.id,
        "shift_id": floor["shift"].id,
        "opportunity_id": floor["shift"].opportunity_id,
    }
    assert item["expires_at"].endswith("+07:00")

    taken = api.post(f"/api/v1/offers/{offer.id}/accept", headers=headers)
    assert taken.status_code == 200, taken.get_json()
    assert taken.get_json()["status"] == "accepted"
    db.session.rollback()
    application = db.session.get(Application, taken.get_json()["application_id"])
    assert application.volunteer_id == volunteer.id
    assert application.status is ApplicationStatus.ACCEPTED
    assert db.session.get(Shift, floor["shift"].id).spots_taken == 2
    again = api.post(f"/api/v1/offers/{offer.id}/accept", headers=headers)
    assert again.status_code == 409
    assert api.get("/api/v1/me/offers", headers=headers).get_json()["total"] == 0


def test_an_expired_offer_cannot_be_taken(api, floor):
    volunteer, offer = _offer(floor)
    offer.expires_at = utcnow() - timedelta(seconds=1)
    offer.created_at = offer.expires_at - timedelta(minutes=15)
    db.session.commit()
    headers = bearer(login_token(api, volunteer.email))
    answer = api.post(f"/api/v1/offers/{offer.id}/accept", headers=headers)
    assert answer.status_code == 409
    assert answer.get_json()["error"]["code"] == "offer_expired"
    assert api.get("/api/v1/me/offers", headers=headers).get_json()["total"] == 0
    assert db.session.get(Shift, floor["shift"].id).spots_taken == 1


def test_a_full_shift_refuses_the_offer(api, floor):
    volunteer, offer = _offer(floor)
    db.session.execute(
        sa.update(Shift).where(Shift.id == floor["shift"].id).values(spots_taken=3)
    )
    db.session.commit()
    headers = bearer(login_token(api, volunteer.email))
    answer = api.post(f"/api/v1/offers/{offer.id}/accept", headers=headers)
    assert answer.status_code == 409
    assert answer.get_json()["error"]["code"] == "shift_full"
    db.session.rollback()
    assert db.session.get(Offer, offer.id).status is OfferStatus.OPEN


def test_the_overlap_rule_refuses_the_offer(api, floor):
    volunteer, offer = _offer(floor)
    clash = factories.make_opportunity(
        floor["org"], starts=floor["shift"].starts_at, hours=1, skills=()
    ).shifts[0]
    clash.spots_taken = 1
    db.session.add(
        Application(shift=clash, volunteer=volunteer, status=ApplicationStatus.ACCEPTED)
    )
    db.session.commit()
    headers = bearer(login_token(api, volunteer.email))
    answer = api.post(f"/api/v1/offers/{offer.id}/accept", headers=headers)
    assert answer.status_code == 409
    assert answer.get_json()["error"]["code"] == "shift_overlap"


def test_decline_and_someone_elses_offer(api, floor):
    volunteer, offer = _offer(floor)
    other = floor["volunteer"]
    other_headers = bearer(login_token(api, other.email))
    for action in ("accept", "decline"):
        answer = api.post(f"/api/v1/offers/{offer.id}/{action}", headers=other_headers)
        assert answer.status_code == 404
    headers = bearer(login_token(api, volunteer.email))
    declined = api.post(f"/api/v1/offers/{offer.id}/decline", headers=headers)
    assert declined.status_code == 200
    assert declined.get_json()["status"] == "declined"
    assert (
        api.post(f"/api/v1/offers/{offer.id}/accept", headers=headers).status_code
        == 409
    )


def test_a_running_shift_can_be_taken_but_not_one_that_is_over(floor):
    org = floor["org"]
    running = factories.make_opportunity(
        org,
        starts=utcnow() - timedelta(minutes=30),
        hours=2,
        capacity=2,
        skills=(),
        is_expo=True,
    ).shifts[0]
    volunteer = floater("f@example.org", org)
    offer = services.send_offer(floor["member"], running, volunteer)
    services.accept_offer(volunteer, offer.id)
    db.session.refresh(running)
    assert running.spots_taken == 1
    later = floater("late@example.org", org)
    offer = services.send_offer(floor["member"], running, later, minutes=240)
    with pytest.raises(Conflict) as over:
        services.accept_offer(later, offer.id, now=running.ends_at)
    assert over.value.code == "shift_closed"


def test_pages_one_tap_take(client, auth, floor):
    volunteer, offer = _offer(floor)
    auth.login(floor["member"].email)
    page = client.get("/floor/floaters")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert f'data-testid="offered-{floor["shift"].id}-{volunteer.id}"' in html
    auth.logout()
    auth.login(volunteer.email)
    assert f'data-testid="take-{offer.id}"' in client.get("/floor/free").get_data(
        as_text=True
    )
    taken = client.post(f"/floor/offers/{offer.id}/accept")
    assert taken.status_code == 302 and "/me/shifts" in taken.headers["Location"]
    db.session.rollback()
    assert db.session.get(Offer, offer.id).status is OfferStatus.ACCEPTED


def test_member_sends_an_offer_from_the_page(client, auth, floor):
    volunteer = floater("f@example.org", floor["org"])
    db.session.commit()
    auth.login(floor["member"].email)
    html = client.get("/floor/floaters").get_data(as_text=True)
    shift_id = floor["shift"].id
    assert f'data-testid="offer-{shift_id}-{volunteer.id}"' in html
    sent = client.post(
        f"/floor/shifts/{shift_id}/offers",
        data={"volunteer_id": volunteer.id, "back": "https://evil.example/"},
    )
    assert sent.status_code == 302
    assert sent.headers["Location"].endswith("/floor/floaters")
    db.session.rollback()
    assert db.session.scalar(sa.select(Offer.volunteer_id)) == volunteer.id
    # The other organisation's member sees none of it.
    auth.logout()
    auth.login(floor["other"].email)
    html = client.get("/floor/floaters").get_data(as_text=True)
    assert f"floaters-{shift_id}" not in html


def test_the_pool_reads_in_fixed_queries(floor, count_queries):
    org = floor["org"]
    for n in range(3):
        floater(f"a{n}@example.org", org)
    db.session.commit()
    with count_queries() as few:
        rank_floaters(floater_pool(utcnow()), floor["shift"], utcnow())
    for n in range(12):
        floater(f"b{n}@example.org", org)
    db.session.commit()
    db.session.expire_all()
    shift = db.session.get(Shift, floor["shift"].id)
    with count_queries() as many:
        ranked = rank_floaters(floater_pool(utcnow()), shift, utcnow(), limit=None)
    assert len(ranked) == 15
    assert len(many) <= len(few) + 8  # the shift reloaded after expire_all
