"""Personal data under the PDPA: consents, export, erasure, retention, staff views.

Erasure keeps the rows that aggregates count (applications with their status,
attendance and hours; feedback ratings; consent decisions) attached to an
anonymised account, and removes or overwrites every field that identifies or
describes the person, including copies of their name in other people's
notifications, e-mails, the audit log and stored proposals.
"""

import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from .. import access
from ..applications.services import ACTIVE, withdraw_application
from ..audit import record_event
from ..auth.services import current_consents, record_consents
from ..errors import Conflict
from ..extensions import db
from ..models import (
    ApiToken,
    Application,
    AuditEvent,
    Certificate,
    Consent,
    ConsentPurpose,
    EmailOutbox,
    Feedback,
    Membership,
    Notification,
    Opportunity,
    Organization,
    OutcomeComment,
    ProposalRun,
    Shift,
    User,
    VolunteerProfile,
    utcnow,
)

ERASED_NAME = "ผู้ใช้ที่ลบแล้ว"
ERASED_DOMAIN = "erased.invalid"
# Strings shorter than this are too common to search other people's data for.
MIN_SCRUB_LENGTH = 3

PURPOSES = (
    ConsentPurpose.TERMS,
    ConsentPurpose.MATCHING,
    ConsentPurpose.PROFILE_SHARING,
    ConsentPurpose.EMAIL_NEWS,
)
# The state of a purpose nobody decided on yet. Sharing the profile with the
# organisations one applies to is what applying means, so it is on until withdrawn.
DEFAULTS = {
    ConsentPurpose.TERMS: False,
    ConsentPurpose.MATCHING: False,
    ConsentPurpose.PROFILE_SHARING: True,
    ConsentPurpose.EMAIL_NEWS: False,
}


# --- Consents ----------------------------------------------------------------------


def consent_state(user: User) -> dict[ConsentPurpose, bool]:
    """Each purpose's current state: the latest decision, else the default."""
    latest = current_consents(user)
    return {purpose: latest.get(purpose, DEFAULTS[purpose]) for purpose in PURPOSES}


def set_consent(
    user: User, purpose: ConsentPurpose, granted: bool, notice_version: str
) -> bool:
    """Grant or withdraw one purpose; append a row only when the state changes."""
    if purpose is ConsentPurpose.TERMS and not granted:
        raise Conflict(
            "terms_required",
            str(
                _l(
                    "The terms are needed to have an account. "
                    "To stop, delete your account instead."
                )
            ),
        )
    if consent_state(user)[purpose] == granted:
        return False
    record_consents(user, {purpose: granted}, notice_version)
    db.session.flush()
    action = "consent.granted" if granted else "consent.withdrawn"
    record_event(user, action, user, purpose=purpose.value, version=notice_version)
    return True


def _latest_decisions(purpose: ConsentPurpose) -> sa.Select:
    """(user_id, granted) of every user's latest decision about a purpose."""
    latest = (
        sa.select(sa.func.max(Consent.id).label("last"))
        .where(Consent.purpose == purpose)
        .group_by(Consent.user_id)
        .subquery()
    )
    return sa.select(Consent.user_id, Consent.granted).join(
        latest, latest.c.last == Consent.id
    )


def profile_not_shared(user_ids: list[int]) -> set[int]:
    """Which of these users withdrew sharing their profile with organisations."""
    if not user_ids:
        return set()
    decisions = _latest_decisions(ConsentPurpose.PROFILE_SHARING).subquery()
    return set(
        db.session.scalars(
            sa.select(decisions.c.user_id).where(
                decisions.c.user_id.in_(set(user_ids)),
                decisions.c.granted.is_(False),
            )
        )
    )


# --- Staff access to personal data -------------------------------------------------


def log_staff_view(
    viewer: User,
    page: str,
    volunteer_ids: list[int],
    target: Any = None,
    organization_id: int | None = None,
) -> bool:
    """Record that a staff member (not a member of the organisation) saw people."""
    if not volunteer_ids or not viewer.is_authenticated or not viewer.is_staff:
        return False
    if organization_id is not None and access.is_member(viewer, organization_id):
        return False
    record_event(
        viewer,
        "personal_data.viewed",
        target,
        page=page,
        volunteers=sorted(set(volunteer_ids)),
    )
    return True


# --- Export ------------------------------------------------------------------------


def _when(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def export_user_data(user: User) -> dict[str, Any]:
    """Everything the marketplace holds about the user, as JSON-ready data."""
    profile = user.profile
    applications = db.session.scalars(
        sa.select(Application)
        .where(Application.volunteer_id == user.id)
        .options(
            so.joinedload(Application.shift)
            .joinedload(Shift.opportunity)
            .joinedload(Opportunity.organization)
        )
        .order_by(Application.id)
    ).all()
    feedback = {
        row.application_id: row
        for row in db.session.scalars(
            sa.select(Feedback).where(
                Feedback.application_id.in_([a.id for a in applications])
            )
        )
    }
    return {
        "exported_at": _when(utcnow()),
        "account": {
            "id": user.id,
            "email": user.email,
            "display_name": user.display_name,
            "role": user.role.value,
            "is_staff": user.is_staff,
            "locale": user.locale,
            "created_at": _when(user.created_at),
            "last_login_at": _when(user.last_login_at),
            "password_changed_at": _when(user.password_changed_at),
            "signup_source": user.signup_source,
            "calendar_feed_enabled": user.calendar_token is not None,
        },
        "profile": _profile_data(profile) if profile is not None else None,
        "consents": [
            {
                "purpose": consent.purpose.value,
                "granted": consent.granted,
                "notice_version": consent.notice_version,
                "recorded_at": _when(consent.recorded_at),
            }
            for consent in user.consents
        ],
        "applications": [
            _application_data(application, feedback.get(application.id))
            for application in applications
        ],
        "notifications": [
            {
                "kind": row.kind,
                "data": row.data,
                "created_at": _when(row.created_at),
                "read_at": _when(row.read_at),
            }
            for row in db.session.scalars(
                sa.select(Notification)
                .where(Notification.user_id == user.id)
                .order_by(Notification.id)
            )
        ],
        "emails": [
            {
                "to": row.to_email,
                "subject": row.subject,
                "body": row.body,
                "created_at": _when(row.created_at),
                "sent_at": _when(row.sent_at),
            }
            for row in db.session.scalars(
                sa.select(EmailOutbox)
                .where(EmailOutbox.user_id == user.id)
                .order_by(EmailOutbox.id)
            )
        ],
        "certificates": [
            {
                "serial": row.serial,
                "holder_name": row.holder_name,
                "organization_id": row.organization_id,
                "hours": row.hours,
                "shifts": row.shifts,
                "issued_at": _when(row.issued_at),
                "revoked_at": _when(row.revoked_at),
            }
            for row in db.session.scalars(
                sa.select(Certificate)
                .where(Certificate.volunteer_id == user.id)
                .order_by(Certificate.id)
            )
        ],
        "memberships": [
            {
                "organization_id": row.organization_id,
                "organization": row.organization.name_th,
                "role": row.role.value,
                "created_at": _when(row.created_at),
            }
            for row in user.memberships
        ],
        "api_tokens": [
            {
                "id": token.id,
                "created_at": _when(token.created_at),
                "expires_at": _when(token.expires_at),
                "revoked_at": _when(token.revoked_at),
                "last_used_at": _when(token.last_used_at),
            }
            for token in user.tokens
        ],
        "outcome_comments": [
            {
                "outcome_id": row.outcome_id,
                "body": row.body,
                "created_at": _when(row.created_at),
            }
            for row in db.session.scalars(
                sa.select(OutcomeComment)
                .where(OutcomeComment.user_id == user.id)
                .order_by(OutcomeComment.id)
            )
        ],
        "activity": [
            {
                "action": row.action,
                "target_type": row.target_type,
                "target_id": row.target_id,
                "data": row.data,
                "created_at": _when(row.created_at),
            }
            for row in db.session.scalars(
                sa.select(AuditEvent)
                .where(AuditEvent.actor_id == user.id)
                .order_by(AuditEvent.id)
            )
        ],
    }


def _profile_data(profile: VolunteerProfile) -> dict[str, Any]:
    return {
        "bio": profile.bio,
        "phone": profile.phone,
        "location": {
            "label": profile.location_label,
            "province": profile.province,
            "lat": profile.lat,
            "lon": profile.lon,
        },
        "max_distance_km": profile.max_distance_km,
        "remote_ok": profile.remote_ok,
        "languages": profile.languages,
        "skills": [skill.slug for skill in profile.skills],
        "causes": [cause.slug for cause in profile.causes],
        "availability": [
            {
                "weekday": window.weekday,
                "start_minute": window.start_minute,
                "end_minute": window.end_minute,
            }
            for window in profile.availability
        ],
        "date_of_birth": _when(profile.date_of_birth),
        "guardian_name": profile.guardian_name,
        "guardian_contact": profile.guardian_contact,
        "guardian_consent_at": _when(profile.guardian_consent_at),
        "updated_at": _when(profile.updated_at),
    }


def _application_data(
    application: Application, feedback: Feedback | None
) -> dict[str, Any]:
    shift = application.shift
    return {
        "id": application.id,
        "shift_id": shift.id,
        "opportunity_id": shift.opportunity_id,
        "opportunity": shift.opportunity.title,
        "organization": shift.opportunity.organization.name_th,
        "starts_at": _when(shift.starts_at),
        "ends_at": _when(shift.ends_at),
        "status": application.status.value,
        "message": application.message,
        "decision_message": application.decision_message,
        "attendance": application.attendance.value if application.attendance else None,
        "hours": application.hours,
        "created_at": _when(application.created_at),
        "checked_in_at": _when(application.checked_in_at),
        "feedback": None
        if feedback is None
        else {
            "rating": feedback.rating,
            "would_volunteer_again": feedback.would_volunteer_again,
            "active_citizen": feedback.active_citizen,
            "learned_skill": feedback.learned_skill,
            "comment": feedback.comment,
            "created_at": _when(feedback.created_at),
        },
    }


# --- Erasure -----------------------------------------------------------------------


class StaffAccount(Conflict):
    """Staff accounts are not erased through the self-service routes."""

    def __init__(self):
        super().__init__(
            "staff_account",
            str(_l("Staff accounts are closed by the expo team, not erased here.")),
        )


def _personal_strings(user: User) -> list[str]:
    """The user's identifying strings worth searching others' data for."""
    profile = user.profile
    values = [user.display_name, user.email]
    if profile is not None:
        values += [profile.phone, profile.guardian_name, profile.guardian_contact]
    unique = {v.strip() for v in values if v and len(v.strip()) >= MIN_SCRUB_LENGTH}
    # Longest first, so that a name inside an e-mail address goes with the address.
    return sorted(unique, key=len, reverse=True)


def _needles(strings: list[str]) -> list[str]:
    """The strings as stored in text and in JSON (which escapes non-ASCII)."""
    forms = set(strings)
    forms.update(json.dumps(s)[1:-1] for s in strings)
    return sorted(forms)


def _mentions(column, needles: list[str]) -> sa.ColumnElement[bool]:
    text = sa.cast(column, sa.Text)
    return sa.or_(*(text.contains(needle, autoescape=True) for needle in needles))


def _scrub(value: Any, strings: list[str]) -> Any:
    """Replace the strings inside text, lists and dicts, never inside a Latin word.

    "Ann" goes, "Annual" stays; Thai has no spaces between words, so a Thai
    name is replaced wherever it stands.
    """
    if isinstance(value, str):
        for string in strings:
            pattern = rf"(?<![A-Za-z0-9]){re.escape(string)}(?![A-Za-z0-9])"
            value = re.sub(pattern, ERASED_NAME, value)
        return value
    if isinstance(value, list):
        return [_scrub(item, strings) for item in value]
    if isinstance(value, dict):
        return {key: _scrub(item, strings) for key, item in value.items()}
    return value


def _scrub_others(user: User, strings: list[str]) -> None:
    """Overwrite copies of the user's name and contacts kept in other rows."""
    if not strings:
        return
    needles = _needles(strings)
    for row in db.session.scalars(
        sa.select(Notification).where(_mentions(Notification.data, needles))
    ):
        row.data = _scrub(row.data, strings)
    for row in db.session.scalars(
        sa.select(EmailOutbox).where(
            sa.or_(
                _mentions(EmailOutbox.subject, needles),
                _mentions(EmailOutbox.body, needles),
            )
        )
    ):
        row.subject = _scrub(row.subject, strings)[:300]
        row.body = _scrub(row.body, strings)
    for row in db.session.scalars(
        sa.select(AuditEvent).where(_mentions(AuditEvent.data, needles))
    ):
        row.data = _scrub(row.data, strings)
    for row in db.session.scalars(
        sa.select(ProposalRun).where(
            sa.or_(
                _mentions(ProposalRun.rows, needles),
                _mentions(ProposalRun.summary, needles),
            )
        )
    ):
        row.rows = _scrub(row.rows, strings)
        row.summary = _scrub(row.summary, strings)
    for row in db.session.scalars(
        sa.select(OutcomeComment).where(_mentions(OutcomeComment.body, needles))
    ):
        row.body = _scrub(row.body, strings)
    for organization in db.session.scalars(
        sa.select(Organization).where(
            sa.or_(
                Organization.contact_email.in_(strings),
                Organization.contact_phone.in_(strings),
            )
        )
    ):
        if organization.contact_email in strings:
            organization.contact_email = None
        if organization.contact_phone in strings:
            organization.contact_phone = None


def erase_user(
    user: User, actor: User | None, reason: str, notice_version: str = "erasure"
) -> None:
    """Erase or anonymise everything personal about the user, at once.

    Kept: the user row (anonymised) so that applications, hours, feedback ratings
    and consent decisions still count; future commitments are withdrawn.
    """
    if user.erased_at is not None:
        return
    if user.is_staff:
        raise StaffAccount()
    now = utcnow()
    strings = _personal_strings(user)

    # Future commitments end: the spot goes to the waitlist.
    future = db.session.scalars(
        sa.select(Application)
        .join(Application.shift)
        .where(
            Application.volunteer_id == user.id,
            Application.status.in_(ACTIVE),
            Application.attendance.is_(None),
            Shift.starts_at > now,
        )
    ).all()
    for application in future:
        withdraw_application(user, application.id)

    db.session.execute(
        sa.update(Application)
        .where(Application.volunteer_id == user.id)
        .values(message="", decision_message="")
        .execution_options(synchronize_session="fetch")
    )
    application_ids = sa.select(Application.id).where(
        Application.volunteer_id == user.id
    )
    db.session.execute(
        sa.update(Feedback)
        .where(Feedback.application_id.in_(application_ids))
        .values(comment="")
        .execution_options(synchronize_session="fetch")
    )
    db.session.execute(
        sa.update(Certificate)
        .where(Certificate.volunteer_id == user.id)
        .values(
            holder_name=ERASED_NAME,
            revoked_at=sa.func.coalesce(Certificate.revoked_at, now),
            revoked_reason="erased",
        )
        .execution_options(synchronize_session="fetch")
    )
    db.session.execute(sa.delete(Notification).where(Notification.user_id == user.id))
    db.session.execute(
        sa.delete(EmailOutbox).where(
            sa.or_(EmailOutbox.user_id == user.id, EmailOutbox.to_email == user.email)
        )
    )
    db.session.execute(
        sa.update(OutcomeComment)
        .where(OutcomeComment.user_id == user.id)
        .values(body="", user_id=None)
        .execution_options(synchronize_session="fetch")
    )
    db.session.execute(sa.delete(ApiToken).where(ApiToken.user_id == user.id))
    db.session.execute(sa.delete(Membership).where(Membership.user_id == user.id))
    _scrub_others(user, strings)

    # Consent decisions stay (without personal data); everything is withdrawn.
    state = consent_state(user)
    record_consents(
        user,
        {purpose: False for purpose, granted in state.items() if granted},
        notice_version,
    )

    profile = user.profile
    if profile is not None:
        profile.bio = ""
        profile.phone = None
        profile.lat = profile.lon = None
        profile.location_label = profile.province = None
        profile.max_distance_km = 0
        profile.remote_ok = False
        profile.languages = []
        profile.skills = []
        profile.causes = []
        profile.availability = []
        profile.date_of_birth = None
        profile.guardian_name = profile.guardian_contact = None
        profile.guardian_consent_at = None

    user.email = f"erased-{user.id}-{secrets.token_hex(6)}@{ERASED_DOMAIN}"
    user.display_name = ERASED_NAME
    # Not an argon2 hash: no password ever verifies against it.
    user.password_hash = "!erased"  # noqa: S105
    user.calendar_token = None
    user.signup_source = None
    user.last_login_at = None
    user.erased_at = now
    user.end_all_sessions()
    db.session.flush()
    by = "self" if actor is not None and actor.id == user.id else reason
    record_event(actor, "user.erased", user, by=by)
    db.session.expire(user)


# --- Retention ---------------------------------------------------------------------


@dataclass(frozen=True)
class PurgeReport:
    """What a retention run found and erased."""

    inactive: int
    erased: int
    skipped_staff: int


def inactive_accounts(days: int, now: datetime | None = None) -> sa.Select:
    """Accounts (not erased) unused for `days`: no login, no token use, no sign-up."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    token_use = (
        sa.select(ApiToken.user_id)
        .where(sa.func.coalesce(ApiToken.last_used_at, ApiToken.created_at) >= cutoff)
        .scalar_subquery()
    )
    return (
        sa.select(User)
        .where(
            User.erased_at.is_(None),
            sa.func.coalesce(User.last_login_at, User.created_at) < cutoff,
            User.created_at < cutoff,
            User.id.not_in(token_use),
        )
        .order_by(User.id)
    )


def purge_inactive(
    days: int, dry_run: bool = False, now: datetime | None = None
) -> PurgeReport:
    """Erase accounts inactive for `days` (never staff); the caller commits."""
    users = db.session.scalars(inactive_accounts(days, now)).all()
    staff = [user for user in users if user.is_staff]
    erased = 0
    for user in users:
        if user.is_staff:
            continue
        if not dry_run:
            erase_user(user, None, "retention")
        erased += 1
    return PurgeReport(inactive=len(users), erased=erased, skipped_staff=len(staff))
