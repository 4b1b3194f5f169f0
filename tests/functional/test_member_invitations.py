"""Adding a member is an invitation the person accepts (finding 5).

Only admins of verified organisations invite; staff and volunteer accounts
cannot be invited; an invited person has no access until they accept; only
they may accept or decline; invitations are rate-limited per organisation.
"""

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import (
    EmailOutbox,
    Membership,
    MembershipStatus,
    Notification,
    OrganizationStatus,
    Role,
)
from tests import factories
from tests.functional.test_api_accounts import bearer, error_of, login_token


@pytest.fixture
def people(api):
    """Bearer headers for an admin, the person invited, a stranger and staff."""
    admin = factories.make_user(Role.ORGANIZER, email="admin@example.org")
    factories.make_user(Role.ORGANIZER, email="new@example.org", locale="en")
    factories.make_user(Role.ORGANIZER, email="stranger@example.org")
    factories.make_user(Role.ORGANIZER, email="staff@example.org", is_staff=True)
    factories.make_user(Role.VOLUNTEER, email="v@example.org")
    organization = factories.make_organization(members=[admin])
    opportunity = factories.make_opportunity(organization)
    db.session.commit()
    headers = {
        name: bearer(login_token(api, f"{name}@example.org"))
        for name in ("admin", "new", "stranger", "staff", "v")
    }
    return headers, organization, opportunity


def invite(api, organization, headers, email="new@example.org"):
    return api.post(
        f"/api/v1/organizations/{organization.id}/members",
        json={"email": email},
        headers=headers,
    )


def test_an_invitation_gives_no_access_until_accepted(api, people):
    headers, organization, opportunity = people
    answer = invite(api, organization, headers["admin"])
    assert answer.status_code == 201
    body = answer.get_json()
    assert body["status"] == "invited" and body["organization_id"] == organization.id
    assert "email" not in body and "display_name" not in body
    membership = db.session.get(Membership, body["id"])
    assert membership.status is MembershipStatus.INVITED
    assert membership.invited_by_id is not None and membership.invited_at
    assert body["user_id"] == membership.user_id

    # The invited person hears about it, in the app and by e-mail (in English).
    note = db.session.scalar(
        sa.select(Notification).where(Notification.user_id == membership.user_id)
    )
    assert note.kind == "membership_invited"
    mail = db.session.scalar(
        sa.select(EmailOutbox).where(EmailOutbox.to_email == "new@example.org")
    )
    assert "invites you to join" in mail.subject

    # No access yet: the applicants list, editing, posting.
    applicants = f"/api/v1/opportunities/{opportunity.id}/applications"
    assert api.get(applicants, headers=headers["new"]).status_code in (403, 404)
    patch = api.patch(
        f"/api/v1/organizations/{organization.id}",
        json={"description": "ของเรา"},
        headers=headers["new"],
    )
    assert patch.status_code == 403
    assert (
        invite(api, organization, headers["new"], "stranger@example.org").status_code
        == 403
    )

    accepted = api.post(
        f"/api/v1/memberships/{membership.id}/accept", headers=headers["new"]
    )
    assert accepted.status_code == 200
    assert accepted.get_json() == {
        "id": membership.id,
        "organization_id": organization.id,
        "status": "active",
    }
    assert api.get(applicants, headers=headers["new"]).status_code == 200
    again = api.post(
        f"/api/v1/memberships/{membership.id}/accept", headers=headers["new"]
    )
    assert again.status_code == 409


def test_only_the_invited_person_answers(api, people):
    headers, organization, _ = people
    membership_id = invite(api, organization, headers["admin"]).get_json()["id"]
    for who in ("admin", "stranger", "staff", "v"):
        for answer in ("accept", "decline"):
            response = api.post(
                f"/api/v1/memberships/{membership_id}/{answer}", headers=headers[who]
            )
            assert response.status_code == 404, (who, answer)
    assert (
        api.post(
            "/api/v1/memberships/999999/accept", headers=headers["new"]
        ).status_code
        == 404
    )
    db.session.expire_all()
    assert db.session.get(Membership, membership_id).status is MembershipStatus.INVITED
    declined = api.post(
        f"/api/v1/memberships/{membership_id}/decline", headers=headers["new"]
    )
    assert declined.status_code == 200
    assert declined.get_json()["status"] == "declined"
    assert (
        api.post(
            f"/api/v1/memberships/{membership_id}/accept", headers=headers["new"]
        ).status_code
        == 409
    )
    # A declined person may be invited again later, and is again only invited.
    again = invite(api, organization, headers["admin"])
    assert again.status_code == 201 and again.get_json()["id"] == membership_id
    assert again.get_json()["status"] == "invited"


def test_a_pending_organization_cannot_invite(api, people):
    headers, organization, _ = people
    organization.status = OrganizationStatus.PENDING
    db.session.commit()
    refused = invite(api, organization, headers["admin"])
    assert refused.status_code == 403
    assert error_of(refused)["code"] == "organization_not_verified"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Membership)) == 1


def test_staff_and_volunteers_cannot_be_invited(api, people):
    headers, organization, _ = people
    for email in ("staff@example.org", "v@example.org"):
        refused = invite(api, organization, headers["admin"], email)
        assert refused.status_code == 422, email
        assert error_of(refused)["code"] == "not_an_organizer"


def test_open_invitation_is_already_member(api, people):
    headers, organization, _ = people
    assert invite(api, organization, headers["admin"]).status_code == 201
    again = invite(api, organization, headers["admin"], "NEW@example.org")
    assert again.status_code == 409 and error_of(again)["code"] == "already_member"


def test_invitations_are_rate_limited_per_organization(app, api, people):
    headers, organization, _ = people
    app.config["MEMBER_INVITE_LIMIT"] = "3 per hour"
    # Outsiders' refused attempts do not use up the organisation's allowance.
    for _ in range(5):
        assert invite(api, organization, headers["stranger"]).status_code == 403
    for number in range(3):  # misses count too: no probing for accounts
        answer = invite(api, organization, headers["admin"], f"x{number}@example.org")
        assert answer.status_code == 404
    limited = invite(api, organization, headers["admin"])
    assert limited.status_code == 429
    assert error_of(limited)["code"] == "rate_limited"
    # Another organisation has its own allowance.
    other_admin = factories.make_user(Role.ORGANIZER, email="other@example.org")
    other = factories.make_organization(members=[other_admin])
    db.session.commit()
    answer = invite(api, other, bearer(login_token(api, "other@example.org")))
    assert answer.status_code == 201


def test_the_web_invitation_flow(app, client, auth, people):
    _, organization, opportunity = people
    auth.login("admin@example.org")
    sent = client.post(
        f"/organizations/{organization.id}/members", data={"email": "new@example.org"}
    )
    assert sent.status_code == 302
    dashboard = client.get(f"/organizations/{organization.id}/dashboard")
    assert 'data-testid="member-' in dashboard.get_data(as_text=True)
    auth.logout()

    auth.login("new@example.org")
    applicants = f"/manage/opportunities/{opportunity.id}/applicants"
    assert client.get(applicants).status_code == 403
    assert client.get(f"/organizations/{organization.id}/dashboard").status_code == 403
    mine = client.get("/organizations/mine").get_data(as_text=True)
    assert 'data-testid="invitations-waiting"' in mine
    assert f"/organizations/{organization.id}/dashboard" not in mine
    page = client.get("/memberships").get_data(as_text=True)
    membership = db.session.scalar(
        sa.select(Membership).where(Membership.status == MembershipStatus.INVITED)
    )
    assert f'data-testid="invitation-{membership.id}"' in page
    notes = client.get("/notifications").get_data(as_text=True)
    assert 'href="/memberships"' in notes

    accepted = client.post(f"/memberships/{membership.id}/accept")
    assert accepted.status_code == 302
    assert accepted.headers["Location"].endswith(
        f"/organizations/{organization.id}/dashboard"
    )
    assert client.get(applicants).status_code == 200
    assert client.post(f"/memberships/{membership.id}/decline").status_code == 302
    db.session.expire_all()
    assert db.session.get(Membership, membership.id).status is MembershipStatus.ACTIVE


def test_someone_else_cannot_answer_on_the_web(api, client, auth, people):
    headers, organization, _ = people
    membership_id = invite(api, organization, headers["admin"]).get_json()["id"]
    for who in ("stranger@example.org", "admin@example.org"):
        auth.login(who)
        for answer in ("accept", "decline"):
            response = client.post(f"/memberships/{membership_id}/{answer}")
            assert response.status_code == 404, (who, answer)
        auth.logout()
    db.session.expire_all()
    assert db.session.get(Membership, membership_id).status is MembershipStatus.INVITED


def test_a_pending_organization_cannot_invite_on_the_web(client, auth, people):
    _, organization, _ = people
    organization.status = OrganizationStatus.PENDING
    db.session.commit()
    auth.login("admin@example.org")
    dashboard = client.get(f"/organizations/{organization.id}/dashboard")
    assert "/members" not in dashboard.get_data(as_text=True)
    refused = client.post(
        f"/organizations/{organization.id}/members",
        data={"email": "new@example.org"},
        follow_redirects=True,
    )
    # Explained where the admin acted (web.committing), and nobody is invited.
    assert 'role="alert"' in refused.get_data(as_text=True)
    assert db.session.scalar(
        sa.select(sa.func.count(Membership.id)).where(
            Membership.organization_id == organization.id
        )
    ) == len(organization.memberships)


def test_every_membership_check_ignores_invitations(api, client, auth, people):
    from marketplace.auth.services import email_key
    from marketplace.models import User
    from marketplace.outcomes import services as outcomes
    from marketplace.privacy.services import log_staff_view

    headers, organization, opportunity = people
    invite(api, organization, headers["admin"])
    invite(api, organization, headers["admin"], "stranger@example.org")
    invited = db.session.scalar(
        sa.select(User).where(User.email == email_key("new@example.org"))
    )
    # A volunteer applies: the admin hears of it, the invited person does not.
    shift_id = opportunity.shifts[0].id
    applied = api.post(
        f"/api/v1/shifts/{shift_id}/applications", json={}, headers=headers["v"]
    )
    assert applied.status_code == 201
    kinds = db.session.scalars(
        sa.select(Notification.kind).where(Notification.user_id == invited.id)
    ).all()
    assert kinds == ["membership_invited"]
    assert outcomes.member_ids(invited) == set()
    assert outcomes.verified_member_ids(invited) == set()
    auth.login("new@example.org")
    assert client.get(f"/organizations/{organization.id}/impact").status_code == 403
    assert client.get(f"/organizations/{organization.id}/edit").status_code == 403
    auth.logout()
    # A staff member with an invitation (from before staff could not be invited)
    # is not a member: their look at applicants is still logged.
    staff = db.session.scalar(sa.select(User).where(User.is_staff))
    db.session.add(
        Membership(
            organization_id=organization.id,
            user_id=staff.id,
            status=MembershipStatus.INVITED,
        )
    )
    db.session.flush()
    assert log_staff_view(staff, "applicants", [1], organization_id=organization.id)
    # After accepting, the same checks let the person in.
    membership_id = db.session.scalar(
        sa.select(Membership.id).where(Membership.user_id == invited.id)
    )
    api.post(f"/api/v1/memberships/{membership_id}/accept", headers=headers["new"])
    db.session.expire_all()
    assert outcomes.member_ids(invited) == {organization.id}
    auth.login("new@example.org")
    assert client.get(f"/organizations/{organization.id}/impact").status_code == 200
