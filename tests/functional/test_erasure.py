"""Erasure: after deleting an account, no byte of the person is left anywhere.

The proof is a full dump of the database (SQLite's iterdump, PostgreSQL's
pg_dump) searched for a marker seeded into every personal field.
"""

import json
import secrets
import subprocess
from datetime import datetime, timedelta

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
    AvailabilityWindow,
    Cause,
    Certificate,
    Consent,
    ConsentPurpose,
    EmailOutbox,
    Feedback,
    Membership,
    Notification,
    Opportunity,
    Outcome,
    OutcomeComment,
    OutcomeEndorsement,
    OutcomeRound,
    OutcomeSource,
    ProposalRun,
    Role,
    RunStatus,
    Skill,
    User,
    utcnow,
)
from marketplace.privacy.consents import record_consents
from marketplace.privacy.register import unclassified
from marketplace.privacy.services import ERASED_NAME, _scrub, export_user_data
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
    """A volunteer with the marker in every personal field, and their traces.

    Profile (skills, causes, availability), applications with messages, feedback,
    a certificate, notifications, e-mails, a membership, an outcome comment and
    endorsement, consents, an API token, and quotes of them in others' rows.
    """
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
    profile.skills = list(db.session.scalars(sa.select(Skill).limit(2)))
    profile.causes = list(db.session.scalars(sa.select(Cause).limit(2)))
    profile.availability = [
        AvailabilityWindow(weekday=5, start_minute=540, end_minute=1020)
    ]
    record_consents(volunteer, {ConsentPurpose.MATCHING: True}, "test")
    member_email = f"member-{secrets.token_hex(4)}@example.org"
    member = factories.make_user(Role.ORGANIZER, email=member_email)
    organization = factories.make_organization(members=[member])
    # The volunteer also helps run a (second) organisation.
    factories.make_organization(members=[member, volunteer])
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
    db.session.add(OutcomeEndorsement(outcome_id=outcome.id, user_id=volunteer.id))
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
    db.session.add(
        AuditEvent(
            actor_id=volunteer.id,
            action="consent.granted",
            target_type="user",
            target_id=volunteer.id,
            data={"purpose": "matching"},
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


# --- The register drives erasure; the other person is untouched ---------------------


def test_every_column_of_every_table_is_in_the_register():
    """A new column must be classified (a person's, free text, or not personal)."""
    assert unclassified(db.metadata) == []


def rows_of(user_id: int) -> dict[str, list[tuple]]:
    """Every row that is this person's, written out in full (not via the register)."""
    applications = sa.select(Application.id).where(Application.volunteer_id == user_id)
    queries = {
        "user": sa.select(User.__table__).where(User.id == user_id),
        "profile": sa.text("SELECT * FROM volunteer_profile WHERE user_id = :u"),
        "availability": sa.text(
            "SELECT * FROM availability_window WHERE profile_id = :u"
        ),
        "skills": sa.text("SELECT * FROM volunteer_skill WHERE profile_id = :u"),
        "causes": sa.text("SELECT * FROM volunteer_cause WHERE profile_id = :u"),
        "applications": sa.select(Application.__table__).where(
            Application.volunteer_id == user_id
        ),
        "feedback": sa.select(Feedback.__table__).where(
            Feedback.application_id.in_(applications)
        ),
        "certificates": sa.select(Certificate.__table__).where(
            Certificate.volunteer_id == user_id
        ),
        "notifications": sa.select(Notification.__table__).where(
            Notification.user_id == user_id
        ),
        "emails": sa.select(EmailOutbox.__table__).where(
            EmailOutbox.user_id == user_id
        ),
        "memberships": sa.select(Membership.__table__).where(
            Membership.user_id == user_id
        ),
        "comments": sa.select(OutcomeComment.__table__).where(
            OutcomeComment.user_id == user_id
        ),
        "endorsements": sa.select(OutcomeEndorsement.__table__).where(
            OutcomeEndorsement.user_id == user_id
        ),
        "consents": sa.select(Consent.__table__).where(Consent.user_id == user_id),
        "tokens": sa.text("SELECT * FROM api_token WHERE user_id = :u"),
        "activity": sa.select(AuditEvent.__table__).where(
            AuditEvent.actor_id == user_id
        ),
    }
    rows = {}
    for name, query in queries.items():
        result = db.session.execute(query, {"u": user_id})
        rows[name] = sorted(tuple(map(repr, row)) for row in result)
    return rows


def test_erasing_one_person_leaves_a_fully_seeded_other_unchanged(api):
    seed_person("KEEP-OTHER-1b2c")
    other = db.session.scalar(sa.select(User).where(User.email.like("keep-other%")))
    issue_token(other, timedelta(days=1))
    seeded = seed_person()
    db.session.commit()
    before = rows_of(other.id)
    assert all(before.values()), {k: len(v) for k, v in before.items()}

    token = login_token(api, f"{MARKER.lower()}@example.org")
    assert api.delete("/api/v1/me", headers=bearer(token)).status_code == 204

    db.session.expire_all()
    assert rows_of(other.id) == before
    erased = rows_of(seeded["volunteer"].id)
    for gone in ("notifications", "emails", "memberships", "tokens", "comments"):
        assert erased[gone] == [], gone
    assert "KEEP-OTHER-1b2c" in dump_database()


def test_erasure_scrubs_notes_and_texts_that_others_wrote(api):
    from marketplace.models import Pledge, PledgeKind, ReportedValue

    seeded = seed_person()
    volunteer, member = seeded["volunteer"], seeded["member"]
    name, email = volunteer.display_name, volunteer.email
    partner = factories.make_giving_partner(members=[member])
    opportunity = db.session.get(Opportunity, seeded["attended"].shift.opportunity_id)
    opportunity.accessibility = f"Ramp; ask {name} ({email}) at the gate"
    pledge = Pledge(
        kind=PledgeKind.PLEDGE,
        amount_thb=1000,
        source_partner_id=partner.id,
        pledged_on=utcnow().date(),
        note=f"from {name}, receipt to {email}",
        recorded_by_id=member.id,
    )
    outcome = db.session.scalar(sa.select(Outcome))
    reported = ReportedValue(
        outcome_id=outcome.id,
        opportunity_id=opportunity.id,
        value=3,
        note=f"counted by {name}",
        reported_by_id=member.id,
    )
    kept = ReportedValue(
        outcome_id=outcome.id, opportunity_id=opportunity.id, value=1, note="as planned"
    )
    db.session.add_all([pledge, reported, kept])
    db.session.commit()

    token = login_token(api, email)
    assert api.delete("/api/v1/me", headers=bearer(token)).status_code == 204
    db.session.expire_all()
    assert db.session.get(Pledge, pledge.id).note == (
        f"from {ERASED_NAME}, receipt to {ERASED_NAME}"
    )
    assert db.session.get(ReportedValue, reported.id).note == (
        f"counted by {ERASED_NAME}"
    )
    assert db.session.get(ReportedValue, kept.id).note == "as planned"
    assert db.session.get(Opportunity, opportunity.id).accessibility == (
        f"Ramp; ask {ERASED_NAME} ({ERASED_NAME}) at the gate"
    )
    assert MARKER.lower() not in dump_database().lower()


def test_export_holds_only_ones_own_rows_with_real_times(app):
    other = seed_person("OTHER-PERSON-5d6e")
    other_serial = db.session.scalar(
        sa.select(Certificate.serial).where(
            Certificate.volunteer_id == other["volunteer"].id
        )
    )
    seeded = seed_person()
    with app.test_request_context():
        data = export_user_data(seeded["volunteer"])
    text = json.dumps(data, ensure_ascii=False)
    for section in ("emails", "certificates", "notifications", "applications"):
        assert data[section], section
    assert MARKER in text
    assert "OTHER-PERSON-5d6e".lower() not in text.lower()
    assert other_serial not in text
    assert data["account"]["id"] == seeded["volunteer"].id
    assert {row["user_id"] for row in data["consents"]} == {seeded["volunteer"].id}
    started = utcnow() - timedelta(hours=1)
    times = [
        (section, key, value)
        for section, rows in data.items()
        if isinstance(rows, list)
        for row in rows
        for key, value in row.items()
        if key.endswith("_at") and value is not None
    ]
    assert {"created_at", "issued_at", "recorded_at"} <= {key for _, key, _ in times}
    for section, key, value in times:
        moment = datetime.fromisoformat(value)
        assert moment.utcoffset() is not None, (section, key)
        if section not in ("applications",) or key == "created_at":
            assert moment >= started, (section, key, value)
