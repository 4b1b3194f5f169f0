"""Erasure: after deleting an account, no byte of the person is left anywhere.

The proof is a full dump of the database (SQLite's iterdump, PostgreSQL's
pg_dump) searched for a marker seeded into every personal field.
"""

import secrets
import subprocess
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import current_app

from marketplace.applications import services as workflow
from marketplace.auth.sessions import issue_token
from marketplace.extensions import db
from marketplace.impact.indicators import indicator_values
from marketplace.models import (
    Application,
    ApplicationStatus,
    ApprovalMode,
    Attendance,
    AuditEvent,
    Certificate,
    Consent,
    ConsentPurpose,
    EmailOutbox,
    Feedback,
    Notification,
    Outcome,
    OutcomeComment,
    OutcomeRound,
    OutcomeSource,
    ProposalRun,
    Role,
    RunStatus,
    User,
    utcnow,
)
from marketplace.privacy.services import ERASED_NAME, _scrub
from tests import factories
from tests.functional.test_api_accounts import bearer, login_token
from tests.servers import postgres_bin_dir

MARKER = "ERASE-ME-7f3a9c"
INDICATORS = ["approved_matches", "attended_hours", "applications"]


def dump_database() -> str:
    """Every row of every table, as the database itself writes it out."""
    db.session.commit()
    engine = db.engine
    if engine.dialect.name == "sqlite":
        raw = engine.raw_connection()
        try:
            return "\n".join(raw.driver_connection.iterdump())
        finally:
            raw.close()
    url = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
    pg_dump = postgres_bin_dir() / "pg_dump"
    result = subprocess.run(
        [str(pg_dump), "--data-only", "--no-owner", f"--dbname={url}"],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout


def seed_person(marker: str = MARKER) -> dict:
    """A volunteer with the marker in every personal field, and their traces."""
    lower = marker.lower()
    volunteer = factories.make_user(
        email=f"{lower}@example.org", name=f"สมชาย {marker}"
    )
    volunteer.calendar_token = f"{lower}-calendar"
    volunteer.signup_source = f"booth:{marker}"
    volunteer.last_login_at = utcnow()
    profile = volunteer.profile
    profile.bio = f"bio {marker}"
    profile.phone = f"08{marker}"
    profile.location_label = f"ซอย {marker}"
    profile.province = f"จังหวัด {marker}"
    profile.lat, profile.lon = 13.75, 100.5
    profile.languages = ["th"]
    profile.guardian_name = f"ผู้ปกครอง {marker}"
    profile.guardian_contact = f"guardian-{lower}@example.org"
    profile.guardian_consent_at = utcnow()
    member = factories.make_user(Role.ORGANIZER, email="member@example.org")
    organization = factories.make_organization(members=[member])
    past = factories.make_opportunity(
        organization, starts=utcnow() - timedelta(days=10), hours=3
    )
    attended = Application(
        shift=past.shifts[0],
        volunteer=volunteer,
        status=ApplicationStatus.APPROVED,
        message=f"message {marker}",
        decision_message=f"welcome {marker}",
        attendance=Attendance.ATTENDED,
        hours=3,
    )
    db.session.add(attended)
    db.session.flush()
    db.session.add(
        Feedback(
            application_id=attended.id,
            rating=5,
            would_volunteer_again=True,
            active_citizen=True,
            comment=f"comment {marker}",
        )
    )
    db.session.add(
        Certificate(
            serial=secrets.token_hex(8),
            volunteer_id=volunteer.id,
            holder_name=volunteer.display_name,
            hours=3,
            shifts=1,
            locale="th",
        )
    )
    round_ = OutcomeRound(title_th="รอบ", title_en="Round")
    outcome = Outcome(
        round=round_,
        name_th="ผล",
        name_en="Outcome",
        indicator="attended_hours",
        unit="h",
        target=10,
        source=OutcomeSource.COMPUTED,
    )
    db.session.add_all([round_, outcome])
    db.session.flush()
    db.session.add(
        OutcomeComment(
            outcome_id=outcome.id, user_id=volunteer.id, body=f"idea {marker}"
        )
    )
    db.session.add(
        ProposalRun(
            status=RunStatus.DONE,
            rows=[{"volunteer_id": volunteer.id, "volunteer": volunteer.display_name}],
        )
    )
    issue_token(volunteer, timedelta(days=1))
    # A future shift applied for through the workflow: the organisation's members
    # get a notification and an e-mail quoting the volunteer's name.
    future = factories.make_opportunity(
        organization,
        starts=utcnow() + timedelta(days=5),
        approval_mode=ApprovalMode.FIRST_COME,
    )
    with current_app.test_request_context():
        pending = workflow.apply_to_shift(
            volunteer, future.shifts[0].id, f"hi {marker}"
        )
    db.session.add(
        Notification(
            user_id=volunteer.id, kind="invited", data={"title": f"note {marker}"}
        )
    )
    db.session.add(
        EmailOutbox(
            user_id=volunteer.id,
            to_email=volunteer.email,
            subject=f"Hello {marker}",
            body=f"Dear {volunteer.display_name}",
        )
    )
    # Staff quote the person in a decision reason kept in the audit log.
    db.session.add(
        AuditEvent(
            actor_id=member.id,
            action="application.rejected",
            target_type="application",
            target_id=attended.id,
            data={"reason": f"ขอบคุณ {volunteer.display_name}"},
        )
    )
    db.session.commit()
    return {
        "volunteer": volunteer,
        "member": member,
        "future_shift": future.shifts[0],
        "pending": pending,
        "attended": attended,
    }


def test_erasure_leaves_no_trace_in_a_full_database_dump(api, app):
    seeded = seed_person()
    volunteer_id = seeded["volunteer"].id
    before = indicator_values(INDICATORS)
    dump = dump_database()
    assert MARKER.lower() in dump.lower(), "the dump must see the seeded data"
    # Another person's data stays intact.
    other = factories.make_user(email="keep@example.org", name="คงอยู่ KEEP-ME")
    db.session.commit()

    token = login_token(api, f"{MARKER.lower()}@example.org")
    response = api.delete("/api/v1/me", headers=bearer(token))
    assert response.status_code == 204

    dump = dump_database()
    assert MARKER.lower() not in dump.lower()
    assert "KEEP-ME" in dump
    db.session.expire_all()
    user = db.session.get(User, volunteer_id)
    assert user.erased_at is not None
    assert user.display_name == ERASED_NAME
    assert user.email.endswith("@erased.invalid")
    # The counts that measure impact are unchanged: the rows stay, anonymised.
    after = indicator_values(INDICATORS)
    assert after["approved_matches"] == before["approved_matches"] == 1
    assert after["attended_hours"] == before["attended_hours"] == 3
    assert after["applications"] == before["applications"]
    attended = db.session.get(Application, seeded["attended"].id)
    assert attended.volunteer_id == volunteer_id and attended.hours == 3
    assert db.session.scalar(sa.select(Feedback.rating)) == 5
    # The future application is withdrawn and its spot given back.
    pending = db.session.get(Application, seeded["pending"].id)
    assert pending.status is ApplicationStatus.WITHDRAWN
    assert seeded["future_shift"].spots_taken == 0
    # Consent decisions stay as facts, every purpose now withdrawn.
    latest = {}
    for consent in db.session.scalars(
        sa.select(Consent).where(Consent.user_id == volunteer_id).order_by(Consent.id)
    ):
        latest[consent.purpose] = consent.granted
    assert latest[ConsentPurpose.TERMS] is False
    assert db.session.get(User, other.id).display_name == "คงอยู่ KEEP-ME"
    assert db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "user.erased")
    ).data == {"by": "self"}
    # The token no longer works.
    assert api.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_erase_page_needs_the_password_and_ends_every_session(client, auth, app):
    volunteer = factories.make_user(email="v@example.org")
    db.session.commit()
    other_device = app.test_client()
    other_device.post(
        "/login", data={"email": "v@example.org", "password": factories.PASSWORD}
    )
    assert other_device.get("/account/privacy").status_code == 200
    auth.login("v@example.org")
    wrong = client.post(
        "/account/delete", data={"password": "not my password", "confirm": "y"}
    )
    assert wrong.status_code == 200
    assert "is-invalid" in wrong.get_data(as_text=True)
    unconfirmed = client.post("/account/delete", data={"password": factories.PASSWORD})
    assert unconfirmed.status_code == 200
    db.session.expire_all()
    assert db.session.get(User, volunteer.id).erased_at is None

    done = client.post(
        "/account/delete", data={"password": factories.PASSWORD, "confirm": "y"}
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert db.session.get(User, volunteer.id).erased_at is not None
    assert client.get("/account/privacy").status_code == 302  # logged out
    assert other_device.get("/account/privacy").status_code == 302
    assert auth.login("v@example.org").status_code == 200  # login refused
    # The address is free again for a new account.
    response = client.post(
        "/api/v1/users",
        json={
            "email": "v@example.org",
            "password": "a brand new long passphrase",
            "display_name": "ใหม่",
            "role": "volunteer",
            "consents": {"terms": True},
        },
    )
    assert response.status_code == 201


def test_erase_needs_the_csrf_token_from_a_browser(client, auth):
    volunteer = factories.make_user(email="v@example.org")
    db.session.commit()
    auth.login("v@example.org")
    assert client.delete("/api/v1/me", csrf=False).status_code == 400
    response = client.post(
        "/account/delete",
        data={"password": factories.PASSWORD, "confirm": "y"},
        csrf=False,
    )
    assert response.status_code == 400
    db.session.expire_all()
    assert db.session.get(User, volunteer.id).erased_at is None


def test_only_the_caller_is_erased_and_staff_are_not(api):
    volunteer = factories.make_user(email="v@example.org")
    factories.make_user(Role.ORGANIZER, email="s@example.org", is_staff=True)
    db.session.commit()
    assert api.delete("/api/v1/me").status_code == 401
    staff_token = login_token(api, "s@example.org")
    response = api.delete(
        f"/api/v1/me?user_id={volunteer.id}", headers=bearer(staff_token)
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "staff_account"
    db.session.expire_all()
    assert db.session.get(User, volunteer.id).erased_at is None
    staff = db.session.scalar(sa.select(User).where(User.email == "s@example.org"))
    assert staff.erased_at is None


@pytest.mark.parametrize("marker", ["ลบฉันทิ้ง-Zz9"])
def test_thai_only_names_are_scrubbed_from_json_too(api, marker):
    seeded = seed_person(marker)
    token, _ = issue_token(seeded["volunteer"], timedelta(days=1))
    db.session.commit()
    assert api.delete("/api/v1/me", headers=bearer(token)).status_code == 204
    dump = dump_database()
    escaped = marker.encode("ascii", "backslashreplace").decode()
    for form in (marker, escaped, escaped.replace("\\u", "\\\\u")):
        assert form not in dump


def test_scrubbing_spares_latin_words_that_contain_a_short_name():
    text = {"title": "Annual report by Ann", "th": ["สมชายสมัครแล้ว"]}
    scrubbed = _scrub(text, ["Ann", "สมชาย"])
    assert scrubbed == {
        "title": f"Annual report by {ERASED_NAME}",
        "th": [f"{ERASED_NAME}สมัครแล้ว"],
    }
