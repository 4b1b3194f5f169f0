"""The audit log as staff read it: sentences in their language, names, not ids."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..models import (
    Application,
    AuditEvent,
    Certificate,
    Opportunity,
    Organization,
    Outcome,
    OutcomeRound,
    Shift,
    User,
)

PERSONAL_DATA_VIEWED = "personal_data.viewed"

# What each action says, after the name of whoever did it.
ACTIONS = {
    "application.accepted": _l("accepted an application"),
    "application.declined": _l("declined an application"),
    "application.approved": _l("approved a match"),
    "application.rejected": _l("did not approve a match"),
    "application.attendance": _l("recorded attendance"),
    "application.invited": _l("invited a volunteer"),
    "application.invitation_accepted": _l("accepted an invitation"),
    "application.invitation_declined": _l("declined an invitation"),
    "application.booth_check_in": _l("checked in a walk-in at the booth"),
    "certificate.issue": _l("issued a certificate"),
    "certificate.revoke": _l("revoked a certificate"),
    "consent.granted": _l("gave consent"),
    "consent.withdrawn": _l("withdrew consent"),
    "feedback.create": _l("gave feedback"),
    "feedback.update": _l("changed their feedback"),
    "offer.sent": _l("offered a floater a place"),
    "offer.accepted": _l("took an offered place"),
    "offer.declined": _l("declined an offered place"),
    "cover.asked": _l("asked for someone to take their place"),
    "cover.cancelled": _l("kept their place after all"),
    "cover.offered": _l("offered a place handed on to the next volunteer"),
    "cover.exhausted": _l("found no one to take a place handed on"),
    "cover.taken": _l("took a place handed on"),
    "application.released": _l("let a volunteer looking for cover go"),
    "question.added": _l("added a question to an opportunity"),
    "question.removed": _l("removed a question from an opportunity"),
    "opportunity.created": _l("created an opportunity"),
    "opportunity.updated": _l("edited an opportunity"),
    "opportunity.published": _l("published an opportunity"),
    "opportunity.closed": _l("closed an opportunity"),
    "organization.registered": _l("registered an organisation"),
    "organization.updated": _l("edited an organisation"),
    "organization.member_added": _l("added a member"),
    "organization.member_invited": _l("invited a member"),
    "organization.member_joined": _l("joined an organisation"),
    "organization.member_declined": _l("declined to join an organisation"),
    "organization.verified": _l("verified an organisation"),
    "organization.rejected": _l("did not verify an organisation"),
    "organization.resubmitted": _l("sent an organisation for verification again"),
    "organization.auto_approve": _l("changed automatic approval"),
    "organization.kind": _l("changed an organisation's part at the expo"),
    "outcome_round.opened": _l("opened an outcome round"),
    "outcome_round.agreed": _l("closed an outcome round"),
    "outcome.proposed": _l("proposed an outcome"),
    "outcome.endorsed": _l("endorsed an outcome"),
    "outcome.commented": _l("commented on an outcome"),
    "kiosk.started": _l("started a booth kiosk"),
    "outcome.agreed": _l("agreed an outcome"),
    "outcome.set_aside": _l("set an outcome aside"),
    "outcome.value_reported": _l("reported a value"),
    "personal_data.viewed": _l("saw volunteers' personal data"),
    "pledge.recorded": _l("recorded a pledge"),
    "application.confirmed": _l("said they are coming"),
    "application.cant_come": _l("said they can't come"),
    "application.released_unconfirmed": _l("released an unconfirmed place"),
    "group.created": _l("created a group"),
    "group.code_rotated": _l("made a new join code for a group"),
    "group.handed_over": _l("handed a group to another member"),
    "group.joined": _l("joined a group"),
    "group.left": _l("left a group"),
    "group.member_removed": _l("removed a member from a group"),
    "group.reserved": _l("reserved places for a group"),
    "group.place_taken": _l("took a place reserved for their group"),
    "group.reservation_cancelled": _l("cancelled a group's reservation"),
    "line.linked": _l("linked a LINE account"),
    "line.unlinked": _l("unlinked a LINE account"),
    "reported_hours.create": _l("reported hours done outside a listed shift"),
    "reported_hours.approve": _l("certified reported hours"),
    "reported_hours.change": _l("changed and certified reported hours"),
    "reported_hours.decline": _l("declined reported hours"),
    "reported_hours.withdraw": _l("withdrew the certification of reported hours"),
    "attendance.withdraw": _l("withdrew the certification of attended hours"),
    "service_record.issue": _l("signed a service-hour record"),
    "service_record.revoke": _l("revoked a service-hour record"),
    "pledge.fulfilled": _l("marked a pledge received through e-Donation"),
    "edonation.submitted": _l("sent e-Donation details"),
    "edonation.verified": _l("verified e-Donation details"),
    "edonation.rejected": _l("did not verify e-Donation details"),
    "proposal.started": _l("started a matching proposal"),
    "shift.lead_appointed": _l("made a volunteer a shift lead"),
    "shift.lead_removed": _l("removed a shift lead"),
    "user.registered": _l("created an account"),
    "user.logged_out": _l("logged out everywhere"),
    "user.made_staff": _l("was made staff"),
    "user.password_changed": _l("changed their password"),
    "user.password_reset": _l("set a new password with a reset link"),
    "user.password_reset_requested": _l("asked for a password reset"),
    "user.erased": _l("erased an account"),
    "user.totp_enabled": _l("turned on a second factor"),
    "user.recovery_code_used": _l("logged in with a recovery code"),
}

# Names of the details worth showing; ids are shown through the object instead.
DETAILS = {
    "reason": _l("Reason"),
    "hours": _l("Hours"),
    "attended": _l("Attended"),
    "role": _l("Role"),
    "purpose": _l("Purpose"),
    "version": _l("Notice version"),
    "page": _l("Page"),
    "volunteers": _l("Volunteers"),
    "as_lead": _l("As shift lead"),
    "value": _l("Value"),
    "kind": _l("Kind"),
    "amount_thb": _l("Amount (THB)"),
    "title": _l("Title"),
    "serial": _l("Serial"),
    "rating": _l("Rating"),
    "by": _l("By"),
    "previous": _l("Before"),
    "status": _l("Status"),
    "indicator": _l("Indicator"),
    "baseline": _l("Baseline"),
    "target": _l("Target"),
    "shifts": _l("Shifts"),
    "tax_id": _l("Tax id"),
    "via": _l("Through"),
}


def action_label(action: str) -> str:
    """What an action says, in the user's language (its code if unknown)."""
    label = ACTIONS.get(action)
    return str(label) if label is not None else action


def action_choices() -> list[tuple[str, str]]:
    """(code, sentence) of every action, for the filter."""
    return sorted(
        ((code, str(label)) for code, label in ACTIONS.items()), key=lambda c: c[1]
    )


def _value_text(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if key == "volunteers" and isinstance(value, list):
        return _("%(num)d people", num=len(value))
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def details_text(data: dict[str, Any] | None) -> str:
    """The details of an event as plain text: "Reason: … · Hours: 3"."""
    parts = [
        f"{DETAILS[key]}: {_value_text(key, value)}"
        for key, value in (data or {}).items()
        if key in DETAILS and value not in (None, "", [])
    ]
    return " · ".join(parts)


def _application_label(application: Application) -> str:
    return (
        f"{application.shift.opportunity.title} · {application.volunteer.display_name}"
    )


# target_type -> (model, how to load it, how to name it)
_TARGETS: dict[str, tuple[type, list, Callable[[Any, str], str]]] = {
    "application": (
        Application,
        [
            so.joinedload(Application.shift).joinedload(Shift.opportunity),
            so.joinedload(Application.volunteer),
        ],
        lambda row, locale: _application_label(row),
    ),
    "opportunity": (Opportunity, [], lambda row, locale: row.title),
    "organization": (Organization, [], lambda row, locale: row.name(locale)),
    "user": (User, [], lambda row, locale: row.display_name),
    "outcome": (
        Outcome,
        [],
        lambda row, locale: row.name_en if locale == "en" else row.name_th,
    ),
    "outcomeround": (
        OutcomeRound,
        [],
        lambda row, locale: row.title_en if locale == "en" else row.title_th,
    ),
    "certificate": (Certificate, [], lambda row, locale: row.serial),
}


def target_names(events: list[AuditEvent], locale: str) -> dict[tuple, str]:
    """Names of the events' objects: one query per kind of object, not per row."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for event in events:
        if event.target_type in _TARGETS and event.target_id is not None:
            wanted[event.target_type].add(event.target_id)
    names: dict[tuple, str] = {}
    for kind, ids in wanted.items():
        model, options, name = _TARGETS[kind]
        rows = db.session.scalars(
            sa.select(model).where(model.id.in_(ids)).options(*options)
        ).unique()
        names.update({(kind, row.id): name(row, locale) for row in rows})
    return names


@dataclass
class ViewGroup:
    """Personal-data views of one person on one page."""

    actor: str
    email: str
    page: str
    views: int
    first: datetime
    last: datetime


def personal_data_views(actor: str = "", limit: int = 200) -> list[ViewGroup]:
    """Personal-data views grouped by who looked and on which page, latest first."""
    page = AuditEvent.data["page"].as_string()
    query = (
        sa.select(
            User.display_name,
            User.email,
            page,
            sa.func.count(AuditEvent.id),
            sa.func.min(AuditEvent.created_at),
            sa.func.max(AuditEvent.created_at),
        )
        .join(User, User.id == AuditEvent.actor_id)
        .where(AuditEvent.action == PERSONAL_DATA_VIEWED)
        .group_by(User.display_name, User.email, page)
        .order_by(sa.func.max(AuditEvent.created_at).desc())
        .limit(limit)
    )
    if actor:
        query = query.where(User.email.contains(actor.strip().lower()))
    return [ViewGroup(*row) for row in db.session.execute(query)]
