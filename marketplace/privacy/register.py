"""The register of personal data: every column of every table, classified once.

Export and erasure (services.py) read this register instead of keeping their own
lists, and a test fails when a model gains a column the register does not
classify. Each column is one of:

- ``Own``: a person's own data, in a table whose rows `OWNERS` ties to one person.
  It is exported (unless it is a secret such as a password hash) and, on erasure,
  kept (what aggregates count: status, hours, ratings, consent decisions) or
  overwritten with the value given.
- ``QUOTES``: free text that someone may have written about a person (a note, a
  comment, an e-mail, JSON data). On erasure the person's name, e-mail, phone and
  guardian's details are replaced wherever they appear, in everyone's rows.
- ``CONTACT``: a contact field equal to a person's e-mail or phone is cleared.
- ``ACTOR``: the id of the user who did something (created, decided, recorded).
  Kept: it points at the anonymised account.
- ``NOT_PERSONAL``: nothing about a person (ids, taxonomy, organisations' data,
  shifts, counts).
"""

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa


@dataclass(frozen=True)
class Own:
    """A person's own data. `erase`: a constant, a callable(user, now), or KEEP."""

    erase: Any = None
    export: bool = True
    # Erasure searches everyone's free text for this value (a name, an address).
    identifies: bool = False


@dataclass(frozen=True)
class Marker:
    """A classification without options."""

    name: str


KEEP = object()
QUOTES = Marker("quotes")
CONTACT = Marker("contact")
ACTOR = Marker("actor")
NOT_PERSONAL = Marker("not_personal")

ERASED_NAME = "ผู้ใช้ที่ลบแล้ว"
ERASED_DOMAIN = "erased.invalid"
KEPT = Own(KEEP)
SECRET = Own(None, export=False)
# A person's row's link to another row of theirs: kept, and not worth exporting.
LINK = Own(KEEP, export=False)


def _new_nonce(user, now) -> str:
    from ..models.user import new_session_nonce

    return new_session_nonce()


def _erased_email(user, now) -> str:
    return f"erased-{user.id}-{secrets.token_hex(6)}@{ERASED_DOMAIN}"


@dataclass(frozen=True)
class Owner:
    """How a table's rows belong to one person, and what erasure does with them.

    `rows`: (table, user) -> the SQL condition selecting that person's rows.
    `delete`: erasure deletes the rows (else it keeps them and overwrites columns).
    `section`: the export's key for these rows (None: not exported as rows).
    """

    rows: Callable[[sa.Table, Any], sa.ColumnElement[bool]]
    delete: bool = False
    section: str | None = None


def _by(column: str) -> Callable:
    return lambda table, user: table.c[column] == user.id


def _outbox_rows(table: sa.Table, user) -> sa.ColumnElement[bool]:
    return sa.or_(table.c.user_id == user.id, table.c.to_email == user.email)


def _feedback_rows(table: sa.Table, user) -> sa.ColumnElement[bool]:
    from ..models import Application

    return table.c.application_id.in_(
        sa.select(Application.id).where(Application.volunteer_id == user.id)
    )


def _record_item_rows(table: sa.Table, user) -> sa.ColumnElement[bool]:
    from ..models import ServiceRecord

    return table.c.record_id.in_(
        sa.select(ServiceRecord.id).where(ServiceRecord.volunteer_id == user.id)
    )


def _phone_code_rows(table: sa.Table, user) -> sa.ColumnElement[bool]:
    """One-time codes sent to the person's phone number (kiosk look-ups)."""
    phone = user.profile.phone if getattr(user, "profile", None) else None
    return table.c.phone == phone if phone else sa.false()


def _group_place_rows(table: sa.Table, user) -> sa.ColumnElement[bool]:
    """Places the person took in their groups' reservations (through applications)."""
    from ..models import Application

    return table.c.application_id.in_(
        sa.select(Application.id).where(Application.volunteer_id == user.id)
    )


def _replies_rows(table: sa.Table, user) -> sa.ColumnElement[bool]:
    """What the person answered in shifts' conversations (not members' messages)."""
    return sa.and_(table.c.author_id == user.id, table.c.kind == "reply")


OWNERS: dict[str, Owner] = {
    "user": Owner(_by("id"), section="account"),
    # Before the profile, whose phone number erasure clears.
    "phone_code": Owner(_phone_code_rows, delete=True),
    "volunteer_profile": Owner(_by("user_id"), section="profile"),
    "availability_window": Owner(_by("profile_id"), delete=True),
    "volunteer_skill": Owner(_by("profile_id"), delete=True),
    "volunteer_cause": Owner(_by("profile_id"), delete=True),
    "consent": Owner(_by("user_id"), section="consents"),
    "application": Owner(_by("volunteer_id"), section="applications"),
    "feedback": Owner(_feedback_rows, section="feedback"),
    "notification": Owner(_by("user_id"), delete=True, section="notifications"),
    "email_outbox": Owner(_outbox_rows, delete=True, section="emails"),
    "delivery": Owner(_by("user_id"), delete=True, section="deliveries"),
    "channel_preference": Owner(_by("user_id"), delete=True, section="channels"),
    "certificate": Owner(_by("volunteer_id"), section="certificates"),
    "reported_hours": Owner(_by("volunteer_id"), section="reported_hours"),
    "service_record": Owner(_by("volunteer_id"), section="service_records"),
    "service_record_item": Owner(_record_item_rows, section="service_record_items"),
    "membership": Owner(_by("user_id"), delete=True, section="memberships"),
    "shift_lead": Owner(_by("volunteer_id"), delete=True, section="shift_leads"),
    "api_token": Owner(_by("user_id"), delete=True, section="api_tokens"),
    "recovery_code": Owner(_by("user_id"), delete=True),
    "outcome_comment": Owner(_by("user_id"), section="outcome_comments"),
    "outcome_endorsement": Owner(_by("user_id"), section="outcome_endorsements"),
    "audit_event": Owner(_by("actor_id"), section="activity"),
    "floater": Owner(_by("volunteer_id"), delete=True, section="floating"),
    "offer": Owner(_by("volunteer_id"), delete=True, section="offers"),
    "walk_in": Owner(_by("user_id"), section="walk_ins"),
    # Erasure unlinks LINE: the row goes, pushes stop, LINE Login opens nothing.
    "line_account": Owner(_by("user_id"), delete=True, section="line"),
    # Erasure takes a person out of every group (groups.services.leave_all_groups
    # hands over what they led first); the places they took through a group go.
    "group_member": Owner(_by("user_id"), delete=True, section="groups"),
    "group_place": Owner(_group_place_rows, delete=True, section="group_places"),
    # Messages to a shift: the messages that reached the person, their answers
    # (deleted on erasure, with their text), how far a member read a conversation.
    "shift_message_recipient": Owner(
        _by("volunteer_id"), delete=True, section="shift_messages_received"
    ),
    "shift_message": Owner(_replies_rows, delete=True, section="shift_replies"),
    "conversation_read": Owner(_by("user_id"), delete=True),
}

_TAXONOMY = {
    "id": NOT_PERSONAL,
    "slug": NOT_PERSONAL,
    "name_th": NOT_PERSONAL,
    "name_en": NOT_PERSONAL,
    "position": NOT_PERSONAL,
}


def _certificate_revoked_at(user, now):
    from ..models import Certificate

    return sa.func.coalesce(Certificate.revoked_at, now)


def _service_record_revoked_at(user, now):
    from ..models import ServiceRecord

    return sa.func.coalesce(ServiceRecord.revoked_at, now)


REGISTER: dict[str, dict[str, Any]] = {
    # --- A person's own rows ---------------------------------------------------
    "user": {
        "id": KEPT,
        "email": Own(_erased_email, identifies=True),
        "password_hash": Own("!erased", export=False),
        "display_name": Own(ERASED_NAME, identifies=True),
        "role": KEPT,
        "is_staff": KEPT,
        "locale": KEPT,
        "session_nonce": Own(_new_nonce, export=False),
        "calendar_token": Own(None, export=False),
        "created_at": KEPT,
        "password_changed_at": KEPT,
        "last_login_at": Own(None),
        "erased_at": Own(lambda user, now: now),
        "signup_source": Own(None),
        "totp_secret": Own(None, export=False),
        "totp_enabled_at": Own(None),
        "totp_last_step": Own(None, export=False),
    },
    "volunteer_profile": {
        "user_id": KEPT,
        "bio": Own(""),
        "phone": Own(None, identifies=True),
        "lat": Own(None),
        "lon": Own(None),
        "location_label": Own(None),
        "province": Own(None),
        "max_distance_km": Own(0),
        "remote_ok": Own(False),
        "languages": Own([]),
        "date_of_birth": Own(None),
        "guardian_name": Own(None, identifies=True),
        "guardian_contact": Own(None, identifies=True),
        "guardian_consent_at": Own(None),
        "student_id": Own(None, identifies=True),
        "updated_at": KEPT,
    },
    "availability_window": {
        "id": LINK,
        "profile_id": LINK,
        "weekday": KEPT,
        "start_minute": KEPT,
        "end_minute": KEPT,
    },
    "volunteer_skill": {"profile_id": KEPT, "skill_id": KEPT},
    "volunteer_cause": {"profile_id": KEPT, "cause_id": KEPT},
    "consent": {
        "id": KEPT,
        "user_id": KEPT,
        "purpose": KEPT,
        "notice_version": KEPT,
        "granted": KEPT,
        "recorded_at": KEPT,
    },
    "application": {
        "id": KEPT,
        "shift_id": KEPT,
        "volunteer_id": KEPT,
        "status": KEPT,
        "message": Own(""),
        "decision_message": Own(""),
        "attendance": KEPT,
        "hours": KEPT,
        "source": KEPT,  # the funnel counts applications by source
        "answers": Own({}),  # answers to the opportunity's questions
        "created_at": KEPT,
        "status_changed_at": KEPT,
        "checked_in_at": KEPT,
        "reminded_at": KEPT,
        # "Are you coming?": asked, answered; what reliability counts is kept.
        "confirm_asked_at": KEPT,
        "confirmed_at": KEPT,
        "cant_come_at": KEPT,
        "released_at": KEPT,
        "invited_by_id": ACTOR,
        "decided_by_id": ACTOR,
        "cover_sought_at": KEPT,  # asked for someone to take the place (issue 13)
        "cover_exhausted_at": KEPT,
        "attendance_recorded_by_id": ACTOR,
        "attendance_recorder_role": NOT_PERSONAL,
        "certification_withdrawn_at": KEPT,
        "certification_withdrawn_by_id": ACTOR,
        "certification_withdrawn_reason": QUOTES,
    },
    "feedback": {
        "id": KEPT,
        "application_id": KEPT,
        "rating": KEPT,
        "would_volunteer_again": KEPT,
        "active_citizen": KEPT,
        "learned_skill": KEPT,
        "comment": Own(""),
        "created_at": KEPT,
    },
    "notification": {
        "id": KEPT,
        "user_id": KEPT,
        "kind": KEPT,
        "data": QUOTES,
        "created_at": KEPT,
        "read_at": KEPT,
    },
    "email_outbox": {
        "id": KEPT,
        "user_id": KEPT,
        "to_email": KEPT,
        "subject": QUOTES,
        "body": QUOTES,
        "created_at": KEPT,
        "sent_at": KEPT,
        "attempts": NOT_PERSONAL,
        "last_error": QUOTES,
    },
    "delivery": {
        "id": KEPT,
        "notification_id": LINK,
        "user_id": KEPT,
        "channel": KEPT,
        "key": KEPT,
        "status": KEPT,
        "channel_used": KEPT,
        "attempts": NOT_PERSONAL,
        "last_error": QUOTES,
        "created_at": KEPT,
        "next_attempt_at": KEPT,
        "sent_at": KEPT,
    },
    "channel_preference": {
        "user_id": KEPT,
        "topic": KEPT,
        "channels": KEPT,
        "updated_at": KEPT,
    },
    "certificate": {
        "id": KEPT,
        "serial": KEPT,
        "volunteer_id": KEPT,
        "organization_id": KEPT,
        "holder_name": Own(ERASED_NAME),
        "hours": KEPT,
        "shifts": KEPT,
        "locale": KEPT,
        "issued_at": KEPT,
        "revoked_at": Own(_certificate_revoked_at),
        "revoked_reason": Own("erased"),
        "hours_reported": KEPT,
    },
    # Hours the person reported: kept for the totals, what they wrote is erased.
    "reported_hours": {
        "id": KEPT,
        "volunteer_id": KEPT,
        "organization_id": KEPT,
        "day": KEPT,
        "hours": KEPT,
        "hours_reported": KEPT,
        "activity": Own(""),
        "evidence_url": Own(None),
        "status": KEPT,
        "review_reason": QUOTES,
        "reviewed_by_id": ACTOR,
        "reviewer_role": NOT_PERSONAL,
        "reviewed_at": KEPT,
        "withdrawn_at": KEPT,
        "withdrawn_by_id": ACTOR,
        "withdrawn_reason": QUOTES,
        "created_at": KEPT,
    },
    # Erasure revokes the person's records (as certificates) and blanks them.
    "service_record": {
        "id": KEPT,
        "serial": KEPT,
        "volunteer_id": KEPT,
        "holder_name": Own(ERASED_NAME),
        "student_id": Own(None),
        "first_day": KEPT,
        "last_day": KEPT,
        "hours_attended": KEPT,
        "hours_reported": KEPT,
        "locale": KEPT,
        "issued_at": KEPT,
        "revoked_at": Own(_service_record_revoked_at),
        "revoked_reason": Own("erased"),
    },
    "service_record_item": {
        "id": KEPT,
        "record_id": LINK,
        "position": KEPT,
        "kind": KEPT,
        "application_id": KEPT,
        "reported_hours_id": KEPT,
        "organization_id": KEPT,
        "day": KEPT,
        "organization_name": KEPT,
        "activity": Own(""),
        "hours": KEPT,
        "certified_by": QUOTES,
    },
    "membership": {
        "id": KEPT,
        "organization_id": KEPT,
        "user_id": KEPT,
        "role": KEPT,
        "created_at": KEPT,
        "status": KEPT,
        "invited_by_id": ACTOR,
        "invited_at": KEPT,
        "responded_at": KEPT,
    },
    "shift_lead": {
        "id": KEPT,
        "shift_id": KEPT,
        "volunteer_id": KEPT,
        "appointed_by_id": ACTOR,
        "created_at": KEPT,
    },
    "recovery_code": {
        "id": KEPT,
        "user_id": KEPT,
        "code_hash": SECRET,
        "created_at": KEPT,
        "used_at": KEPT,
    },
    "api_token": {
        "id": KEPT,
        "user_id": KEPT,
        "token_hash": SECRET,
        "created_at": KEPT,
        "expires_at": KEPT,
        "revoked_at": KEPT,
        "last_used_at": KEPT,
    },
    "outcome_comment": {
        "id": KEPT,
        "outcome_id": KEPT,
        "user_id": Own(None),
        "body": Own(""),
        "created_at": KEPT,
    },
    "outcome_endorsement": {
        "id": KEPT,
        "outcome_id": KEPT,
        "user_id": KEPT,
        "created_at": KEPT,
    },
    "audit_event": {
        "id": KEPT,
        "actor_id": KEPT,
        "action": KEPT,
        "target_type": KEPT,
        "target_id": KEPT,
        "data": QUOTES,
        "created_at": KEPT,
    },
    "floater": {
        "id": KEPT,
        "volunteer_id": KEPT,
        "free_from": KEPT,
        "free_until": KEPT,
    },
    "offer": {
        "id": KEPT,
        "kind": KEPT,
        "status": KEPT,
        "shift_id": KEPT,
        "volunteer_id": KEPT,
        "offered_by_id": ACTOR,
        "giver_application_id": KEPT,
        "application_id": KEPT,
        "created_at": KEPT,
        "expires_at": KEPT,
        "answered_at": KEPT,
    },
    "walk_in": {
        "id": KEPT,
        "organization_id": KEPT,
        "user_id": KEPT,
        "application_id": KEPT,
        "kiosk_id": KEPT,
        "code": KEPT,  # random, says nothing about the person
        "source": KEPT,  # the funnel counts sign-ups by source
        "is_returning": KEPT,
        "created_at": KEPT,
    },
    "line_account": {
        "id": KEPT,
        "user_id": KEPT,
        "line_user_id": Own(None, identifies=True),
        "display_name": Own(None, identifies=True),
        "is_friend": KEPT,
        "linked_at": KEPT,
    },
    # Which webhook events were handled (LINE's random ids), and pushes per month.
    "line_webhook_event": {
        "id": NOT_PERSONAL,
        "webhook_event_id": NOT_PERSONAL,
        "received_at": NOT_PERSONAL,
    },
    "line_push_count": {"month": NOT_PERSONAL, "pushes": NOT_PERSONAL},
    "phone_code": {
        "id": KEPT,
        "kiosk_id": KEPT,
        "phone": Own(None, identifies=True),
        "code_hash": SECRET,
        "created_at": KEPT,
        "expires_at": KEPT,
        "attempts": NOT_PERSONAL,
        "used_at": KEPT,
    },
    "shift_message_recipient": {
        "id": KEPT,
        "message_id": KEPT,
        "volunteer_id": KEPT,
    },
    "shift_message": {
        "id": KEPT,
        "shift_id": KEPT,
        "kind": KEPT,
        "author_id": ACTOR,  # a member's or lead's message is kept, by an actor
        "body": QUOTES,
        "audience": NOT_PERSONAL,
        "recipients": NOT_PERSONAL,
        "created_at": KEPT,
    },
    "conversation_read": {
        "id": LINK,
        "shift_id": LINK,
        "user_id": LINK,
        "last_read_id": LINK,
        "read_at": LINK,
    },
    # --- Organisations' and the expo's data (may quote people) ------------------
    "organization": {
        "id": NOT_PERSONAL,
        "slug": NOT_PERSONAL,
        "name_th": NOT_PERSONAL,
        "name_en": NOT_PERSONAL,
        "description": QUOTES,
        "website": NOT_PERSONAL,
        "contact_email": CONTACT,
        "contact_phone": CONTACT,
        "kind": NOT_PERSONAL,
        "status": NOT_PERSONAL,
        "rejection_reason": QUOTES,
        "auto_approve": NOT_PERSONAL,
        "is_demo": NOT_PERSONAL,
        "lat": NOT_PERSONAL,
        "lon": NOT_PERSONAL,
        "location_label": NOT_PERSONAL,
        "province": NOT_PERSONAL,
        "created_at": NOT_PERSONAL,
        "verified_at": NOT_PERSONAL,
        "verified_by_id": ACTOR,
    },
    "organization_cause": {"organization_id": NOT_PERSONAL, "cause_id": NOT_PERSONAL},
    "kiosk": {
        "id": NOT_PERSONAL,
        "organization_id": NOT_PERSONAL,
        "started_by_id": ACTOR,
        "token_hash": NOT_PERSONAL,  # a digest of the tablet's random secret
        "started_at": NOT_PERSONAL,
        "expires_at": NOT_PERSONAL,
        "ended_at": NOT_PERSONAL,
    },
    "opportunity": {
        "id": NOT_PERSONAL,
        "organization_id": NOT_PERSONAL,
        "title": QUOTES,
        "description": QUOTES,
        "remote": NOT_PERSONAL,
        "lat": NOT_PERSONAL,
        "lon": NOT_PERSONAL,
        "location_label": NOT_PERSONAL,
        "province": NOT_PERSONAL,
        "approval_mode": NOT_PERSONAL,
        "status": NOT_PERSONAL,
        "languages": NOT_PERSONAL,
        "accessibility": QUOTES,
        "min_age": NOT_PERSONAL,
        "release_unconfirmed_hours": NOT_PERSONAL,
        "is_expo": NOT_PERSONAL,
        "created_at": NOT_PERSONAL,
        "published_at": NOT_PERSONAL,
        "closed_at": NOT_PERSONAL,
        "created_by_id": ACTOR,
    },
    "opportunity_cause": {"opportunity_id": NOT_PERSONAL, "cause_id": NOT_PERSONAL},
    "opportunity_skill": {
        "opportunity_id": NOT_PERSONAL,
        "skill_id": NOT_PERSONAL,
        "required": NOT_PERSONAL,
    },
    "shift": {
        "id": NOT_PERSONAL,
        "opportunity_id": NOT_PERSONAL,
        "starts_at": NOT_PERSONAL,
        "ends_at": NOT_PERSONAL,
        "capacity": NOT_PERSONAL,
        "spots_taken": NOT_PERSONAL,
    },
    "question": {
        "id": NOT_PERSONAL,
        "opportunity_id": NOT_PERSONAL,
        "position": NOT_PERSONAL,
        "kind": NOT_PERSONAL,
        "label_th": QUOTES,
        "label_en": QUOTES,
        "choices": QUOTES,
        "required": NOT_PERSONAL,
    },
    "proposal_run": {
        "id": NOT_PERSONAL,
        "created_by_id": ACTOR,
        "status": NOT_PERSONAL,
        "filters": NOT_PERSONAL,
        "progress": NOT_PERSONAL,
        "summary": QUOTES,
        "rows": QUOTES,
        "error": QUOTES,
        "created_at": NOT_PERSONAL,
        "finished_at": NOT_PERSONAL,
    },
    "cause": {**_TAXONOMY, "icon": NOT_PERSONAL},
    "skill": {**_TAXONOMY, "category": NOT_PERSONAL},
    # --- Impact ----------------------------------------------------------------
    "outcome_round": {
        "id": NOT_PERSONAL,
        "title_th": QUOTES,
        "title_en": QUOTES,
        "cause_id": NOT_PERSONAL,
        "status": NOT_PERSONAL,
        "opened_by_id": ACTOR,
        "opened_at": NOT_PERSONAL,
        "agreed_at": NOT_PERSONAL,
    },
    "outcome": {
        "id": NOT_PERSONAL,
        "round_id": NOT_PERSONAL,
        "name_th": QUOTES,
        "name_en": QUOTES,
        "indicator": QUOTES,
        "unit": NOT_PERSONAL,
        "baseline": NOT_PERSONAL,
        "target": NOT_PERSONAL,
        "cause_id": NOT_PERSONAL,
        "organization_id": NOT_PERSONAL,
        "source": NOT_PERSONAL,
        "status": NOT_PERSONAL,
        "proposed_by_id": ACTOR,
        "created_at": NOT_PERSONAL,
    },
    "reported_value": {
        "id": NOT_PERSONAL,
        "outcome_id": NOT_PERSONAL,
        "opportunity_id": NOT_PERSONAL,
        "value": NOT_PERSONAL,
        "note": QUOTES,
        "evidence_url": QUOTES,
        "reported_by_id": ACTOR,
        "reported_at": NOT_PERSONAL,
    },
    "pledge": {
        "id": NOT_PERSONAL,
        "kind": NOT_PERSONAL,
        "amount_thb": NOT_PERSONAL,
        "cause_id": NOT_PERSONAL,
        "organization_id": NOT_PERSONAL,
        "source_partner_id": NOT_PERSONAL,
        "pledged_on": NOT_PERSONAL,
        "note": QUOTES,
        "recorded_by_id": ACTOR,
        "created_at": NOT_PERSONAL,
        "fulfilled_at": NOT_PERSONAL,
        "fulfilled_by_id": ACTOR,
    },
    # An organisation's tax id and its bank's QR: a juristic person's data.
    "e_donation": {
        "organization_id": NOT_PERSONAL,
        "tax_id": NOT_PERSONAL,
        "qr_png": NOT_PERSONAL,
        "qr_sha256": NOT_PERSONAL,
        "status": NOT_PERSONAL,
        "submitted_by_id": ACTOR,
        "submitted_at": NOT_PERSONAL,
        "reviewed_by_id": ACTOR,
        "reviewed_at": NOT_PERSONAL,
        "rejection_reason": QUOTES,
    },
    # --- Groups (issue 15) ----------------------------------------------------
    "volunteer_group": {
        "id": NOT_PERSONAL,
        "name": QUOTES,  # a family's group may carry its name
        "kind": NOT_PERSONAL,
        "leader_id": ACTOR,  # handed over (or the group closed) before erasure
        "join_code": NOT_PERSONAL,
        "created_at": NOT_PERSONAL,
        "closed_at": NOT_PERSONAL,
    },
    "group_member": {
        "id": KEPT,
        "group_id": KEPT,
        "user_id": KEPT,
        "joined_at": KEPT,
        "left_at": KEPT,
    },
    "group_reservation": {
        "id": NOT_PERSONAL,
        "group_id": NOT_PERSONAL,
        "shift_id": NOT_PERSONAL,
        "places": NOT_PERSONAL,
        "held": NOT_PERSONAL,
        "status": NOT_PERSONAL,
        "release_at": NOT_PERSONAL,
        "created_by_id": ACTOR,
        "created_at": NOT_PERSONAL,
        "ended_at": NOT_PERSONAL,
    },
    "group_place": {
        "id": KEPT,
        "reservation_id": KEPT,
        "application_id": KEPT,
        "created_at": KEPT,
    },
}


def columns(table: str, kind: Any) -> list[str]:
    """The table's column names registered as `kind` (a Marker, or Own)."""
    if kind is Own:
        return [name for name, use in REGISTER[table].items() if isinstance(use, Own)]
    return [name for name, use in REGISTER[table].items() if use is kind]


def exported(table: str) -> list[str]:
    """The columns of a person's own rows that the export shows.

    Their own data (not secrets) and the free text of their rows.
    """
    return [
        name
        for name, use in REGISTER[table].items()
        if (isinstance(use, Own) and use.export) or use is QUOTES
    ]


def erased_values(table: str, user, now) -> dict[str, Any]:
    """Column -> the value erasure writes, for the person's rows that are kept."""
    values = {}
    for name, use in REGISTER[table].items():
        if isinstance(use, Own) and use.erase is not KEEP:
            values[name] = use.erase(user, now) if callable(use.erase) else use.erase
    return values


def identifying(table: str) -> list[str]:
    """The columns whose values erasure searches others' free text for."""
    return [
        name
        for name, use in REGISTER[table].items()
        if isinstance(use, Own) and use.identifies
    ]


def unclassified(metadata: sa.MetaData) -> list[str]:
    """`table.column` of every column the register does not classify (or extra)."""
    missing = []
    for table in metadata.sorted_tables:
        known = REGISTER.get(table.name, {})
        names = {column.name for column in table.columns}
        missing += [f"{table.name}.{name}" for name in sorted(names - set(known))]
        missing += [
            f"{table.name}.{name} (gone)" for name in sorted(set(known) - names)
        ]
    missing += [
        f"{name} (no such table)" for name in REGISTER if name not in metadata.tables
    ]
    missing += [
        f"{name} (owner without rows)" for name in OWNERS if name not in REGISTER
    ]
    return missing
