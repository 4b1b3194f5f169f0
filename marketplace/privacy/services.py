"""Personal data under the PDPA: consents, export, erasure, retention, staff views.

Erasure keeps the rows that aggregates count (applications with their status,
attendance and hours; feedback ratings; consent decisions) attached to an
anonymised account, and removes or overwrites every field that identifies or
describes the person, including copies of their name in other people's
notifications, e-mails, the audit log and stored proposals.
"""

import enum
import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from .. import access
from ..applications.services import ACTIVE, withdraw_application
from ..audit import record_event
from ..errors import Conflict
from ..extensions import db
from ..models import (
    ApiToken,
    Application,
    ConsentPurpose,
    Opportunity,
    Organization,
    Shift,
    ShiftMessage,
    User,
    utcnow,
)
from . import register
from .consents import consent_state, record_consents
from .register import ERASED_NAME

# Strings shorter than this are too common to search other people's data for.
MIN_SCRUB_LENGTH = 3

# --- Consents ----------------------------------------------------------------------


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


# --- Staff access to personal data -------------------------------------------------


def log_staff_view(
    viewer: User,
    page: str,
    volunteer_ids: list[int],
    target: Any = None,
    organization_id: int | None = None,
) -> bool:
    """Record that a staff member (not a member of the organisation) saw people."""
    if not viewer.is_authenticated or not viewer.is_staff:
        return False
    return _log_view(viewer, page, volunteer_ids, target, organization_id)


def log_lead_view(
    viewer: User,
    page: str,
    volunteer_ids: list[int],
    target: Any = None,
    organization_id: int | None = None,
) -> bool:
    """Record that a shift's lead (not a member of the organisation) saw people.

    A lead sees the shift's roster with phone numbers on the shift's day; each
    look is a personal-data view in the audit log, as a staff member's is.
    """
    if not viewer.is_authenticated:
        return False
    return _log_view(viewer, page, volunteer_ids, target, organization_id, as_lead=True)


def _log_view(
    viewer: User,
    page: str,
    volunteer_ids: list[int],
    target: Any,
    organization_id: int | None,
    **details: Any,
) -> bool:
    """Audit a look at people's data, unless none or the organisation's own member."""
    if not volunteer_ids:
        return False
    if organization_id is not None and access.is_member(viewer, organization_id):
        return False
    record_event(
        viewer,
        "personal_data.viewed",
        target,
        page=page,
        volunteers=sorted(set(volunteer_ids)),
        **details,
    )
    return True


# --- Export ------------------------------------------------------------------------


def _when(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _plain(value: Any) -> Any:
    """A stored value as JSON-ready data."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, date | datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _own_rows(name: str, user: User) -> list[dict[str, Any]]:
    """The person's rows of a registered table, with the columns the export shows."""
    table = db.metadata.tables[name]
    query = (
        sa.select(*(table.c[column] for column in register.exported(name)))
        .where(register.OWNERS[name].rows(table, user))
        .order_by(*table.primary_key.columns)
    )
    return [
        {key: _plain(value) for key, value in row.items()}
        for row in db.session.execute(query).mappings()
    ]


def export_user_data(user: User) -> dict[str, Any]:
    """Everything the marketplace holds about the user, as JSON-ready data.

    One section per table of the register that holds a person's rows, with the
    columns the register exports; a little context (the opportunity's title, the
    organisation's name) is added so that the rows can be read.
    """
    data: dict[str, Any] = {"exported_at": _when(utcnow())}
    for name, owner in register.OWNERS.items():
        if owner.section is not None:
            data[owner.section] = _own_rows(name, user)
    data["account"] = data["account"][0]
    data["account"]["calendar_feed_enabled"] = user.calendar_token is not None
    profile = user.profile
    data["profile"] = data["profile"][0] if data["profile"] else None
    if data["profile"] is not None and profile is not None:
        data["profile"]["skills"] = [skill.slug for skill in profile.skills]
        data["profile"]["causes"] = [cause.slug for cause in profile.causes]
        data["profile"]["availability"] = _own_rows("availability_window", user)
    shifts = {
        shift.id: shift
        for shift in db.session.scalars(
            sa.select(Shift)
            .where(Shift.id.in_([row["shift_id"] for row in data["applications"]]))
            .options(
                so.joinedload(Shift.opportunity).joinedload(Opportunity.organization)
            )
        )
    }
    for row in data["applications"]:
        shift = shifts[row["shift_id"]]
        row["opportunity_id"] = shift.opportunity_id
        row["opportunity"] = shift.opportunity.title
        row["organization"] = shift.opportunity.organization.name_th
        row["starts_at"] = _when(shift.starts_at)
        row["ends_at"] = _when(shift.ends_at)
    names = dict(
        db.session.execute(
            sa.select(Organization.id, Organization.name_th).where(
                Organization.id.in_(
                    [row["organization_id"] for row in data["memberships"]]
                )
            )
        ).all()
    )
    for row in data["memberships"]:
        row["organization"] = names.get(row["organization_id"])
    _name_groups(data["groups"])
    _add_message_context(data)
    return data


def _name_groups(rows: list[dict[str, Any]]) -> None:
    """Add each group's name and kind to the person's membership rows."""
    from ..models import Group

    groups = {
        group.id: group
        for group in db.session.scalars(
            sa.select(Group).where(Group.id.in_([row["group_id"] for row in rows]))
        )
    }
    for row in rows:
        group = groups.get(row["group_id"])
        row["group"] = group.name if group else None
        row["kind"] = group.kind.value if group else None


def _add_message_context(data: dict[str, Any]) -> None:
    """The text, shift and time of each message that reached the person, and the
    opportunity each of their answers was about (one query)."""
    received = {row["message_id"]: row for row in data["shift_messages_received"]}
    replies = {row["id"]: row for row in data["shift_replies"]}
    if not received and not replies:
        return
    found = db.session.execute(
        sa.select(
            ShiftMessage.id,
            ShiftMessage.shift_id,
            ShiftMessage.body,
            ShiftMessage.created_at,
            Opportunity.title,
            Organization.name_th,
        )
        .join(Shift, Shift.id == ShiftMessage.shift_id)
        .join(Opportunity, Opportunity.id == Shift.opportunity_id)
        .join(Organization, Organization.id == Opportunity.organization_id)
        .where(ShiftMessage.id.in_([*received, *replies]))
    ).all()
    for message_id, shift_id, body, sent_at, title, organization in found:
        if message_id in received:
            received[message_id].update(
                shift_id=shift_id,
                opportunity=title,
                organization=organization,
                body=body,
                sent_at=_when(sent_at),
            )
        if message_id in replies:
            replies[message_id]["opportunity"] = title


# --- Erasure -----------------------------------------------------------------------


class StaffAccount(Conflict):
    """Staff accounts are not erased through the self-service routes."""

    def __init__(self):
        super().__init__(
            "staff_account",
            str(_l("Staff accounts are closed by the expo team, not erased here.")),
        )


def _personal_strings(user: User) -> list[str]:
    """The user's identifying strings (register.identifying), to search text for."""
    values = []
    for name in ("user", "volunteer_profile", "line_account"):
        table = db.metadata.tables[name]
        row = db.session.execute(
            sa.select(*(table.c[c] for c in register.identifying(name))).where(
                register.OWNERS[name].rows(table, user)
            )
        ).first()
        values += list(row or ())
    unique = {
        v.strip()
        for v in values
        if isinstance(v, str) and len(v.strip()) >= MIN_SCRUB_LENGTH
    }
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


def _fit(column: sa.Column, value: Any) -> Any:
    """Cut text to the column's length (the replacement may be longer)."""
    length = getattr(column.type, "length", None)
    if isinstance(value, str) and length:
        return value[:length]
    return value


def _scrub_everyone(strings: list[str]) -> None:
    """Overwrite the person's strings in every free-text column of the register."""
    if not strings:
        return
    needles = _needles(strings)
    for table in db.metadata.sorted_tables:
        quoting = register.columns(table.name, register.QUOTES)
        if quoting:
            key = list(table.primary_key.columns)
            found = db.session.execute(
                sa.select(*key, *(table.c[c] for c in quoting)).where(
                    sa.or_(*(_mentions(table.c[c], needles) for c in quoting))
                )
            ).all()
            for row in found:
                values = {
                    c: _fit(table.c[c], _scrub(row[len(key) + i], strings))
                    for i, c in enumerate(quoting)
                }
                db.session.execute(
                    sa.update(table)
                    .where(*(k == row[i] for i, k in enumerate(key)))
                    .values(**values)
                )
        for column in register.columns(table.name, register.CONTACT):
            db.session.execute(
                sa.update(table)
                .where(table.c[column].in_(strings))
                .values({column: None})
            )


def _erase_own_rows(user: User, now: datetime) -> None:
    """Delete or overwrite the person's rows as the register says (user row last)."""
    names = [name for name in register.OWNERS if name != "user"] + ["user"]
    for name in names:
        owner = register.OWNERS[name]
        table = db.metadata.tables[name]
        where = owner.rows(table, user)
        if owner.delete:
            db.session.execute(sa.delete(table).where(where))
        elif values := register.erased_values(name, user, now):
            db.session.execute(sa.update(table).where(where).values(**values))


def erase_user(
    user: User, actor: User | None, reason: str, notice_version: str = "erasure"
) -> None:
    """Erase or anonymise everything personal about the user, at once.

    Kept: the user row (anonymised) so that applications, hours, feedback ratings
    and consent decisions still count; future commitments are withdrawn. What is
    deleted, overwritten or scrubbed is what privacy/register.py says.
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
    db.session.flush()

    # Consent decisions stay (without personal data); everything is withdrawn.
    state = consent_state(user)
    record_consents(
        user,
        {purpose: False for purpose, granted in state.items() if granted},
        notice_version,
    )
    db.session.flush()

    # Out of every group: a group they lead goes to another member, or closes.
    from ..groups.services import leave_all_groups

    leave_all_groups(user, now)

    _erase_own_rows(user, now)
    _scrub_everyone(strings)
    db.session.expire_all()
    by = "self" if actor is not None and actor.id == user.id else reason
    record_event(actor, "user.erased", user, by=by)
    db.session.flush()


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
