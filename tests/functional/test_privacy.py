"""Privacy under the PDPA: the notice, consents, export, staff access, retention."""

import csv
import io
import json
from datetime import datetime, time, timedelta

import pytest
import sqlalchemy as sa

from marketplace.auth.services import record_consents
from marketplace.extensions import db
from marketplace.i18n import BANGKOK
from marketplace.models import (
    ApiToken,
    Application,
    ApplicationStatus,
    AuditEvent,
    AvailabilityWindow,
    Consent,
    ConsentPurpose,
    MemberRole,
    Membership,
    Notification,
    Role,
    Skill,
    User,
    utcnow,
)
from tests import factories
from tests.functional.test_api_accounts import bearer, login_token


def next_saturday(hour: int = 10) -> datetime:
    """A Saturday at least three days ahead, at `hour` Bangkok time."""
    day = (utcnow().astimezone(BANGKOK) + timedelta(days=3)).date()
    while day.weekday() != 5:
        day += timedelta(days=1)
    return datetime.combine(day, time(hour), BANGKOK)


@pytest.fixture
def people():
    """A volunteer with a full profile who applied, a member, and staff."""
    volunteer = factories.make_user(email="v@example.org", name="มานี ใจดี")
    profile = volunteer.profile
    profile.bio = "BIO-MARK ชอบสอนเด็ก"
    profile.phone = "0812345678"
    profile.languages = ["th", "en"]
    profile.skills = list(
        db.session.scalars(sa.select(Skill).where(Skill.slug == "teaching"))
    )
    profile.lat, profile.lon, profile.max_distance_km = 13.7466, 100.5393, 15
    profile.location_label = "ปทุมวัน, กรุงเทพมหานคร"
    profile.availability = [
        AvailabilityWindow(weekday=5, start_minute=540, end_minute=1020)
    ]
    record_consents(volunteer, {ConsentPurpose.MATCHING: True}, "2026-01")
    member = factories.make_user(Role.ORGANIZER, email="m@example.org", locale="en")
    staff = factories.make_user(Role.ORGANIZER, email="s@example.org", is_staff=True)
    organization = factories.make_organization(members=[member])
    opportunity = factories.make_opportunity(organization, starts=next_saturday())
    application = Application(
        shift=opportunity.shifts[0],
        volunteer=volunteer,
        status=ApplicationStatus.ACCEPTED,
        message="ขอสมัครครับ",
    )
    opportunity.shifts[0].spots_taken = 1
    db.session.add(application)
    db.session.commit()
    return {
        "volunteer": volunteer,
        "member": member,
        "staff": staff,
        "organization": organization,
        "opportunity": opportunity,
        "shift": opportunity.shifts[0],
        "application": application,
    }


def consents_of(user_id: int) -> list[tuple[str, bool, str]]:
    return [
        (row.purpose.value, row.granted, row.notice_version)
        for row in db.session.scalars(
            sa.select(Consent).where(Consent.user_id == user_id).order_by(Consent.id)
        )
    ]


# --- The notice ----------------------------------------------------------------------


def test_notice_has_version_date_purposes_rights_and_controller(client, app):
    page = client.get("/privacy").get_data(as_text=True)
    assert app.config["NOTICE_VERSION"] in page
    for section in ("collected", "purposes", "who-sees", "retention", "rights"):
        assert f'id="{section}"' in page
    assert 'data-testid="controller-email"' in page
    client.post("/language", data={"locale": "en", "next": "/privacy"})
    english = client.get("/privacy").get_data(as_text=True)
    assert '<html lang="en"' in english
    assert "Personal Data Protection Act" in english
    assert "in effect from 1 December 2026" in english
    assert "www.pdpc.or.th" in english


def test_register_page_links_to_the_notice(client):
    page = client.get("/register").get_data(as_text=True)
    assert 'data-testid="notice-link"' in page and 'href="/privacy"' in page


# --- Consents ------------------------------------------------------------------------


def test_settings_show_each_purpose_with_its_state(client, auth, people):
    auth.login("v@example.org")
    page = client.get("/account/privacy").get_data(as_text=True)
    for purpose in ConsentPurpose:
        assert f'data-testid="purpose-{purpose.value}"' in page
    # Terms cannot be withdrawn here (only by deleting the account).
    assert 'data-testid="withdraw-terms"' not in page
    assert 'data-testid="withdraw-matching"' in page
    assert 'data-testid="withdraw-profile_sharing"' in page  # on until withdrawn
    assert 'data-testid="grant-email_news"' in page
    assert "2026-01" in page  # the history names the notice version


def test_withdraw_and_grant_are_appended_with_the_notice_version(
    client, auth, app, people
):
    volunteer_id = people["volunteer"].id
    before = consents_of(volunteer_id)
    auth.login("v@example.org")
    version = app.config["NOTICE_VERSION"]
    response = client.post(
        "/account/privacy/consents", data={"purpose": "matching", "granted": "no"}
    )
    assert response.status_code == 302
    client.post(
        "/account/privacy/consents", data={"purpose": "matching", "granted": "yes"}
    )
    # The same decision twice adds nothing.
    client.post(
        "/account/privacy/consents", data={"purpose": "matching", "granted": "yes"}
    )
    assert consents_of(volunteer_id) == [
        *before,
        ("matching", False, version),
        ("matching", True, version),
    ]
    actions = db.session.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.action.like("consent.%"))
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["consent.withdrawn", "consent.granted"]
    page = client.get("/account/privacy").get_data(as_text=True)
    assert 'data-testid="withdraw-matching"' in page


def test_terms_and_unknown_purposes_are_refused_with_a_message(client, auth, people):
    volunteer_id = people["volunteer"].id
    before = consents_of(volunteer_id)
    auth.login("v@example.org")
    response = client.post(
        "/account/privacy/consents",
        data={"purpose": "terms", "granted": "no"},
        follow_redirects=True,
    )
    assert "กรุณาลบบัญชีแทน" in response.get_data(as_text=True)
    response = client.post(
        "/account/privacy/consents",
        data={"purpose": "selling", "granted": "yes"},
        follow_redirects=True,
    )
    assert response.status_code == 200
    assert consents_of(volunteer_id) == before


def test_consent_changes_need_the_csrf_token(client, auth, people):
    auth.login("v@example.org")
    response = client.post(
        "/account/privacy/consents",
        data={"purpose": "matching", "granted": "no"},
        csrf=False,
    )
    assert response.status_code == 400
    assert ("matching", False) not in [
        (p, g) for p, g, _ in consents_of(people["volunteer"].id)
    ]


def test_withdrawing_matching_hides_the_volunteer_from_suggestions(
    client, auth, api, people
):
    other = factories.make_opportunity(
        people["organization"], starts=next_saturday() + timedelta(weeks=1)
    )
    db.session.commit()
    url = f"/api/v1/shifts/{other.shifts[0].id}/suggested-volunteers"
    headers = bearer(login_token(api, "m@example.org"))
    ids = [
        item["volunteer"]["id"] for item in api.get(url, headers=headers).json["items"]
    ]
    assert ids == [people["volunteer"].id]
    auth.login("v@example.org")
    client.post(
        "/account/privacy/consents", data={"purpose": "matching", "granted": "no"}
    )
    assert api.get(url, headers=headers).json["items"] == []


def applicants_csv(client, opportunity_id: int) -> list[list[str]]:
    """The applicants CSV of an opportunity (its stable machine columns), parsed."""
    response = client.get(
        f"/manage/opportunities/{opportunity_id}/applicants.csv?format=machine"
    )
    return list(
        csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")))
    )


def test_withdrawing_profile_sharing_hides_the_profile_from_organisations(
    client, auth, people
):
    opportunity_id = people["opportunity"].id
    application_id = people["application"].id
    auth.login("m@example.org")
    page = client.get(f"/manage/opportunities/{opportunity_id}/applicants")
    html = page.get_data(as_text=True)
    assert "BIO-MARK" in html and "km away" in html and "th, en" in html
    rows = applicants_csv(client, opportunity_id)
    assert rows[1][4] == "v@example.org"
    auth.logout()

    auth.login("v@example.org")
    client.post(
        "/account/privacy/consents",
        data={"purpose": "profile_sharing", "granted": "no"},
    )
    auth.logout()
    auth.login("m@example.org")
    html = client.get(f"/manage/opportunities/{opportunity_id}/applicants").get_data(
        as_text=True
    )
    assert "มานี ใจดี" in html  # the name stays
    assert f'data-testid="not-shared-{application_id}"' in html
    assert "BIO-MARK" not in html and "th, en" not in html
    assert "Skills:" not in html and "km away" not in html
    rows = applicants_csv(client, opportunity_id)
    assert rows[1][3] == "มานี ใจดี"
    assert "v@example.org" not in rows[1]


def test_settings_page_queries_do_not_grow_with_history(
    client, auth, people, count_queries
):
    volunteer = people["volunteer"]
    auth.login("v@example.org")
    client.get("/account/privacy")
    with count_queries() as few:
        client.get("/account/privacy")
    for number in range(20):
        record_consents(
            db.session.get(User, volunteer.id),
            {ConsentPurpose.EMAIL_NEWS: number % 2 == 0},
            "2026-11",
        )
    db.session.commit()
    with count_queries() as many:
        page = client.get("/account/privacy").get_data(as_text=True)
    assert page.count("<tr>") >= 22
    assert len(many) == len(few)


# --- Export --------------------------------------------------------------------------


def _seed_export_data(people) -> None:
    volunteer = people["volunteer"]
    db.session.add(
        Notification(user_id=volunteer.id, kind="invited", data={"title": "NOTE-MARK"})
    )
    db.session.commit()


def test_export_holds_all_personal_data_and_no_hashes(client, auth, api, people):
    _seed_export_data(people)
    token = login_token(api, "v@example.org")
    auth.login("v@example.org")
    response = client.get("/account/privacy/export.json")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    text = response.get_data(as_text=True)
    data = json.loads(text)
    assert data["account"]["email"] == "v@example.org"
    assert data["account"]["display_name"] == "มานี ใจดี"
    profile = data["profile"]
    assert profile["bio"].startswith("BIO-MARK") and profile["phone"] == "0812345678"
    assert profile["skills"] == ["teaching"] and profile["languages"] == ["th", "en"]
    assert profile["availability"] == [
        {"weekday": 5, "start_minute": 540, "end_minute": 1020}
    ]
    assert profile["location_label"] == "ปทุมวัน, กรุงเทพมหานคร"
    assert {c["purpose"] for c in data["consents"]} == {"terms", "matching"}
    assert data["applications"][0]["message"] == "ขอสมัครครับ"
    assert data["applications"][0]["opportunity"] == "สอนการบ้านเด็ก"
    assert data["notifications"][0]["data"]["title"] == "NOTE-MARK"
    assert len(data["api_tokens"]) == 1 and "created_at" in data["api_tokens"][0]
    stored = db.session.scalar(sa.select(ApiToken.token_hash))
    password_hash = db.session.get(User, people["volunteer"].id).password_hash
    for secret in (stored, password_hash, token, "hash"):
        assert secret not in text
    # The API gives the same document to the bearer of a token.
    api_data = api.get("/api/v1/me/export", headers=bearer(token)).get_json()
    assert api_data["account"] == data["account"]
    assert api_data["applications"] == data["applications"]


def test_export_is_only_ever_ones_own(client, auth, api, people):
    auth.login("m@example.org")
    text = client.get("/account/privacy/export.json").get_data(as_text=True)
    assert "m@example.org" in text
    assert "v@example.org" not in text and "BIO-MARK" not in text
    assert api.get("/api/v1/me/export").status_code == 401
    anonymous = client.application.test_client().get("/account/privacy/export.json")
    assert anonymous.status_code == 302


# --- Staff access to personal data ---------------------------------------------------


def viewed_events() -> list[dict]:
    return [
        event.data | {"actor": event.actor_id}
        for event in db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.action == "personal_data.viewed")
            .order_by(AuditEvent.id)
        )
    ]


def test_staff_views_of_personal_data_are_logged(client, auth, people):
    volunteer_id = people["volunteer"].id
    staff_id = people["staff"].id
    opportunity_id = people["opportunity"].id
    shift_id = people["shift"].id
    # A member looking at their own organisation's applicants is not logged.
    auth.login("m@example.org")
    client.get(f"/manage/opportunities/{opportunity_id}/applicants")
    client.get(f"/manage/opportunities/{opportunity_id}/applicants.csv")
    auth.logout()
    assert viewed_events() == []

    auth.login("s@example.org")
    assert (
        client.get(f"/manage/opportunities/{opportunity_id}/applicants").status_code
        == 200
    )
    client.get(f"/manage/opportunities/{opportunity_id}/applicants.csv")
    client.get("/staff/approvals")
    application = db.session.get(Application, people["application"].id)
    application.status = ApplicationStatus.APPROVED
    db.session.commit()
    client.get(f"/manage/shifts/{shift_id}/check-in")
    events = viewed_events()
    assert [event["page"] for event in events] == [
        "applicants",
        "applicants_csv",
        "approval_queue",
        "check_in",
    ]
    assert all(event["actor"] == staff_id for event in events)
    assert all(volunteer_id in event["volunteers"] for event in events)
    audit = client.get("/staff/audit?action=personal_data.viewed").get_data(
        as_text=True
    )
    # Grouped by who looked and on which page.
    assert audit.count('data-action="personal_data.viewed"') == 4
    assert "applicants_csv" in audit
    everything = client.get("/staff/audit").get_data(as_text=True)
    assert 'data-action="personal_data.viewed"' not in everything


def test_staff_who_are_members_are_not_logged_for_their_organisation(
    client, auth, people
):
    staff = db.session.get(User, people["staff"].id)
    factories.make_organization(members=[staff])
    people["organization"].memberships.append(
        Membership(user=staff, role=MemberRole.MEMBER)
    )
    db.session.commit()
    auth.login("s@example.org")
    client.get(f"/manage/opportunities/{people['opportunity'].id}/applicants")
    assert viewed_events() == []


# --- Retention -----------------------------------------------------------------------


def test_purge_inactive_erases_only_long_unused_non_staff_accounts(app):
    long_ago = utcnow() - timedelta(days=1200)
    old = factories.make_user(email="old@example.org")
    old.created_at = old.last_login_at = long_ago
    recent = factories.make_user(email="recent@example.org")
    recent.created_at = long_ago
    recent.last_login_at = utcnow() - timedelta(days=10)
    old_staff = factories.make_user(
        Role.ORGANIZER, email="oldstaff@example.org", is_staff=True
    )
    old_staff.created_at = long_ago
    api_user = factories.make_user(email="api@example.org")
    api_user.created_at = long_ago
    db.session.add(
        ApiToken(
            user=api_user,
            token_hash="x" * 64,
            created_at=long_ago,
            last_used_at=utcnow() - timedelta(days=3),
            expires_at=utcnow() + timedelta(days=3),
        )
    )
    new = factories.make_user(email="new@example.org")
    db.session.commit()
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["purge-inactive", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "inactive for 1095 days: 2; would erase: 1; staff kept: 1" in dry.output
    db.session.expire_all()
    assert db.session.get(User, old.id).erased_at is None

    result = runner.invoke(args=["purge-inactive"])
    assert "erased: 1" in result.output
    db.session.expire_all()
    erased = db.session.get(User, old.id)
    assert erased.erased_at is not None and erased.email != "old@example.org"
    for kept in (recent, old_staff, api_user, new):
        assert db.session.get(User, kept.id).erased_at is None

    # A shorter period reaches the account that logged in ten days ago.
    result = runner.invoke(args=["purge-inactive", "--days", "5"])
    assert "erased: 1" in result.output, result.output
    db.session.expire_all()
    assert db.session.get(User, recent.id).erased_at is not None
    assert db.session.get(User, new.id).erased_at is None
    assert runner.invoke(args=["purge-inactive", "--days", "0"]).exit_code != 0
