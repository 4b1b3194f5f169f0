"""Invitations: only whom the suggestions could show, one answer for everyone else.

Also the edges of taking a shift: overlap on accepting, touching shifts, a
closed or started shift, someone who already holds it, waitlist promotion.
"""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_babel import force_locale

from marketplace.applications import services as workflow
from marketplace.applications.eligibility import NotInvitable, eligible_for_invitation
from marketplace.errors import Conflict
from marketplace.extensions import db
from marketplace.matching.weights import DISTANCE_HALF_KM
from marketplace.models import (
    Application,
    ApplicationStatus,
    ConsentPurpose,
    OpportunityStatus,
    Role,
    Shift,
    User,
    utcnow,
)
from marketplace.privacy.consents import record_consents
from tests import factories
from tests.functional.test_api_accounts import bearer, login_token

CHIANG_MAI = (18.7883, 98.9853)


@pytest.fixture(autouse=True)
def in_request(app):
    """Services build translated messages, as they do inside a request."""
    with app.test_request_context():
        yield


@pytest.fixture
def place(app):
    """An organisation's member, an upcoming daytime shift and a matchable volunteer."""
    member = factories.make_user(Role.ORGANIZER, email="m@example.org", locale="en")
    organization = factories.make_organization(members=[member])
    opportunity = factories.make_opportunity(organization, starts=factories.daytime(7))
    volunteer = factories.make_matchable(
        factories.make_user(email="v@example.org", name="Vee"), organization
    )
    db.session.commit()
    return {
        "member": member,
        "organization": organization,
        "opportunity": opportunity,
        "shift": opportunity.shifts[0],
        "volunteer": volunteer,
    }


def web_invite(client, shift: Shift, volunteer_id) -> tuple[int, list]:
    """POST the invite form; the status and the messages flashed."""
    response = client.post(
        f"/manage/shifts/{shift.id}/invite", data={"volunteer_id": volunteer_id}
    )
    with client.session_transaction() as session:
        flashes = session.pop("_flashes", [])
    return response.status_code, flashes


def spots_taken(shift_id: int) -> int:
    """As stored in the database (the capacity rule updates it in SQL)."""
    return db.session.scalar(sa.select(Shift.spots_taken).where(Shift.id == shift_id))


def applications_of(user_id: int) -> list[Application]:
    return list(
        db.session.scalars(
            sa.select(Application).where(Application.volunteer_id == user_id)
        )
    )


def test_only_suggested_volunteers_are_invited_others_get_one_answer(
    client, auth, api, place
):
    shift = place["shift"]
    withdrew = factories.make_matchable(
        factories.make_user(email="w@example.org"), place["organization"]
    )
    record_consents(withdrew, {ConsentPurpose.MATCHING: False}, "test")
    never = factories.make_user(email="n@example.org")  # never consented
    far = factories.make_matchable(factories.make_user(email="f@example.org"))
    far.profile.lat, far.profile.lon = CHIANG_MAI
    organizer = factories.make_user(Role.ORGANIZER, email="o@example.org")
    db.session.commit()

    # The suggestions show exactly the one volunteer who may be invited.
    suggested = api.get(
        f"/api/v1/shifts/{shift.id}/suggested-volunteers",
        headers=bearer(login_token(api, "m@example.org")),
    ).get_json()["items"]
    assert [item["volunteer"]["id"] for item in suggested] == [place["volunteer"].id]

    auth.login("m@example.org")
    with force_locale("en"):  # the member reads English
        refused = NotInvitable().message
    answers = set()
    for person_id in (999999, organizer.id, withdrew.id, never.id, far.id, "x"):
        status, flashes = web_invite(client, shift, person_id)
        answers.add((status, tuple(map(tuple, flashes))))
    assert answers == {(302, (("danger", refused),))}
    for person in (organizer, withdrew, never, far):
        assert applications_of(person.id) == []

    status, flashes = web_invite(client, shift, place["volunteer"].id)
    assert status == 302
    assert flashes == [("success", "Invitation sent to Vee.")]
    [invitation] = applications_of(place["volunteer"].id)
    assert invitation.status is ApplicationStatus.INVITED
    assert spots_taken(shift.id) == 0


def test_every_refusal_is_the_same_error_from_the_service(place):
    shift, member = place["shift"], place["member"]
    withdrew = factories.make_matchable(factories.make_user(), place["organization"])
    record_consents(withdrew, {ConsentPurpose.MATCHING: False}, "test")
    erased = factories.make_matchable(factories.make_user(), place["organization"])
    erased.erased_at = utcnow()
    db.session.flush()
    for person in (None, member, withdrew, erased):
        with pytest.raises(NotInvitable) as refused:
            workflow.invite_volunteer(member, shift.id, person)
        assert (refused.value.status, refused.value.code) == (404, "not_invitable")
        assert refused.value.message == NotInvitable().message


def test_each_hard_filter_refuses_an_invitation(place):
    """The suggestions' filters, one at a time, decide invitations too."""
    shift, volunteer = place["shift"], place["volunteer"]
    now = utcnow()
    assert eligible_for_invitation(volunteer, shift, now)
    profile = volunteer.profile
    changes = {
        "skills": lambda: setattr(profile, "skills", []),
        "distance": lambda: setattr(profile, "lat", CHIANG_MAI[0]),
        "availability": lambda: setattr(profile, "availability", []),
    }
    for name, change in changes.items():
        db.session.rollback()
        change()
        db.session.flush()
        assert not eligible_for_invitation(volunteer, shift, now), name
    db.session.rollback()
    # Holding another shift at that time (overlap).
    other = factories.make_opportunity(
        place["organization"], starts=shift.starts_at + timedelta(hours=1)
    )
    workflow.apply_to_shift(volunteer, other.shifts[0].id)
    assert not eligible_for_invitation(volunteer, shift, now)


def test_staff_proposal_invitations_skip_who_withdrew_consent(client, auth, place):
    factories.make_user(Role.ORGANIZER, email="s@example.org", is_staff=True)
    db.session.commit()
    auth.login("s@example.org")
    client.post("/staff/proposals", data={})
    from marketplace.models import ProposalRun

    run = db.session.scalar(sa.select(ProposalRun))
    rows = [f"{row['volunteer_id']}:{row['shift_id']}" for row in run.rows]
    assert rows == [f"{place['volunteer'].id}:{place['shift'].id}"]
    record_consents(
        db.session.get(User, place["volunteer"].id),
        {ConsentPurpose.MATCHING: False},
        "test",
    )
    db.session.commit()
    client.post(f"/staff/proposals/{run.id}/invite", data={"row": rows})
    assert applications_of(place["volunteer"].id) == []


def test_distances_shown_to_organisations_are_whole_kilometres(
    client, auth, api, place
):
    volunteer, opportunity = place["volunteer"], place["opportunity"]
    # About 2.2 km north of the opportunity.
    volunteer.profile.lat = opportunity.lat + 0.02
    db.session.commit()
    suggested = api.get(
        f"/api/v1/shifts/{place['shift'].id}/suggested-volunteers",
        headers=bearer(login_token(api, "m@example.org")),
    ).get_json()["items"]
    closeness = suggested[0]["components"]["distance"]
    assert closeness == pytest.approx(1 / (1 + 2.0 / DISTANCE_HALF_KM))
    assert any("2.0 " in reason for reason in suggested[0]["reasons"])

    workflow.apply_to_shift(db.session.get(User, volunteer.id), place["shift"].id)
    db.session.commit()
    auth.login("m@example.org")
    page = client.get(f"/manage/opportunities/{opportunity.id}/applicants")
    text = page.get_data(as_text=True)
    assert "2 km away" in text
    assert "2.2 km" not in text and "2.21" not in text


# --- Edges of taking a shift ----------------------------------------------------------


def test_accepting_an_invitation_that_clashes_with_a_held_shift_is_409(place):
    volunteer, member = place["volunteer"], place["member"]
    invitation = workflow.invite_volunteer(member, place["shift"].id, volunteer)
    clash = factories.make_opportunity(
        place["organization"], starts=place["shift"].starts_at + timedelta(hours=2)
    )
    workflow.apply_to_shift(volunteer, clash.shifts[0].id)
    with pytest.raises(Conflict) as refused:
        workflow.accept_invitation(volunteer, invitation.id)
    assert (refused.value.status, refused.value.code) == (409, "shift_overlap")
    db.session.refresh(invitation)
    assert invitation.status is ApplicationStatus.INVITED
    assert spots_taken(place["shift"].id) == 0


def test_accepting_over_the_web_says_shift_overlap(client, auth, place):
    volunteer = place["volunteer"]
    invitation = workflow.invite_volunteer(
        place["member"], place["shift"].id, volunteer
    )
    clash = factories.make_opportunity(
        place["organization"], title="ชนกัน", starts=place["shift"].starts_at
    )
    workflow.apply_to_shift(volunteer, clash.shifts[0].id)
    db.session.commit()
    auth.login("v@example.org")
    client.post(f"/me/applications/{invitation.id}/accept-invitation")
    with client.session_transaction() as session:
        [(kind, message)] = session.pop("_flashes")
    assert kind == "danger" and "ชนกัน" in message
    assert db.session.get(Application, invitation.id).status is (
        ApplicationStatus.INVITED
    )


def test_inviting_someone_who_holds_the_shift_changes_nothing(place):
    shift, volunteer = place["shift"], place["volunteer"]
    held = workflow.apply_to_shift(volunteer, shift.id)
    db.session.commit()
    assert held.status is ApplicationStatus.ACCEPTED
    with pytest.raises(Conflict) as refused:
        workflow.invite_volunteer(place["member"], shift.id, volunteer)
    assert refused.value.code == "already_applied"
    db.session.rollback()
    assert spots_taken(shift.id) == 1
    assert db.session.get(Application, held.id).status is ApplicationStatus.ACCEPTED


def test_a_closed_opportunity_has_no_suggestions_to_invite(api, place):
    place["opportunity"].status = OpportunityStatus.CLOSED
    db.session.commit()
    suggested = api.get(
        f"/api/v1/shifts/{place['shift'].id}/suggested-volunteers",
        headers=bearer(login_token(api, "m@example.org")),
    )
    assert suggested.status_code == 200
    assert suggested.get_json()["items"] == []


@pytest.mark.parametrize("why", ["closed", "started"])
def test_inviting_to_a_closed_or_started_shift_is_refused(place, why):
    shift = place["shift"]
    now = utcnow()
    if why == "closed":
        place["opportunity"].status = OpportunityStatus.CLOSED
    else:
        now = shift.starts_at + timedelta(minutes=1)
    db.session.flush()
    with pytest.raises(Conflict) as refused:
        workflow.invite_volunteer(place["member"], shift.id, place["volunteer"], now)
    assert refused.value.code == "shift_closed"
    assert applications_of(place["volunteer"].id) == []


def test_shifts_that_only_touch_do_not_overlap(place):
    volunteer = place["volunteer"]
    morning = place["shift"]  # 10:00-13:00 Bangkok
    afternoon = factories.make_opportunity(
        place["organization"], starts=morning.ends_at
    ).shifts[0]
    overlapping = factories.make_opportunity(
        place["organization"], starts=morning.ends_at - timedelta(minutes=1)
    ).shifts[0]
    workflow.apply_to_shift(volunteer, morning.id)
    assert workflow.apply_to_shift(volunteer, afternoon.id).status is (
        ApplicationStatus.ACCEPTED
    )
    with pytest.raises(Conflict) as refused:
        workflow.apply_to_shift(volunteer, overlapping.id)
    assert refused.value.code == "shift_overlap"
    # The other way round: holding the afternoon, the morning still fits.
    other = factories.make_matchable(factories.make_user(), place["organization"])
    workflow.apply_to_shift(other, afternoon.id)
    assert workflow.apply_to_shift(other, morning.id).status is (
        ApplicationStatus.ACCEPTED
    )


def test_waitlist_promotion_skips_who_now_holds_a_clashing_shift(place):
    organization, shift = place["organization"], place["shift"]
    shift.capacity = 1
    holder, busy, free = (
        factories.make_matchable(factories.make_user(), organization) for _ in range(3)
    )
    held = workflow.apply_to_shift(holder, shift.id)
    busy_wait = workflow.apply_to_shift(busy, shift.id)
    free_wait = workflow.apply_to_shift(free, shift.id)
    assert busy_wait.status is free_wait.status is ApplicationStatus.WAITLISTED
    clash = factories.make_opportunity(organization, starts=shift.starts_at)
    workflow.apply_to_shift(busy, clash.shifts[0].id)  # busy now holds a clash

    workflow.withdraw_application(holder, held.id)
    db.session.refresh(busy_wait)
    db.session.refresh(free_wait)
    assert busy_wait.status is ApplicationStatus.WAITLISTED
    assert free_wait.status is ApplicationStatus.ACCEPTED
    assert spots_taken(shift.id) == 1


def test_an_invitation_ends_when_its_opportunity_closes(client, auth, place):
    volunteer = place["volunteer"]
    invitation = workflow.invite_volunteer(
        place["member"], place["shift"].id, volunteer
    )
    db.session.commit()
    auth.login("v@example.org")
    page = client.get("/me/shifts").get_data(as_text=True)
    assert f'data-testid="accept-invitation-{invitation.id}"' in page
    auth.logout()
    auth.login("m@example.org")
    client.post(f"/manage/opportunities/{place['opportunity'].id}/close")
    auth.logout()
    auth.login("v@example.org")
    page = client.get("/me/shifts").get_data(as_text=True)
    assert f'data-testid="accept-invitation-{invitation.id}"' not in page
    assert f'data-testid="invitation-ended-{invitation.id}"' in page
    assert "คำเชิญสิ้นสุดแล้ว" in page
    client.post(f"/me/applications/{invitation.id}/accept-invitation")
    with client.session_transaction() as session:
        [(kind, message)] = session.pop("_flashes")
    assert kind == "danger" and "คำเชิญนี้สิ้นสุดแล้ว" in message
    assert db.session.get(Application, invitation.id).status is (
        ApplicationStatus.INVITED
    )
    assert spots_taken(place["shift"].id) == 0
