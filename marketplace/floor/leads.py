"""Shift leads: a member makes a volunteer with an approved place a shift's lead."""

from collections import defaultdict

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from .. import access
from ..audit import record_event
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..models import Application, ApplicationStatus, Shift, ShiftLead, User


def appoint_lead(member: User, shift: Shift, volunteer_id: int) -> ShiftLead:
    """Make the volunteer the shift's lead (members of its organisation).

    The volunteer must hold an approved place on the shift (422 on volunteer_id);
    one already leading it is a conflict (409 `already_lead`).
    """
    access.require(member, access.ACT, shift)
    application = db.session.scalar(
        sa.select(Application).where(
            Application.shift_id == shift.id,
            Application.volunteer_id == volunteer_id,
        )
    )
    if application is None or application.status is not ApplicationStatus.APPROVED:
        message = str(_l("Only a volunteer with an approved place can lead the shift."))
        raise ValidationFailed(message, fields={"volunteer_id": [message]})
    if _lead_row(shift.id, volunteer_id) is not None:
        raise Conflict(
            "already_lead", str(_l("This volunteer already leads the shift."))
        )
    lead = ShiftLead(shift=shift, volunteer_id=volunteer_id, appointed_by_id=member.id)
    db.session.add(lead)
    db.session.flush()
    record_event(member, "shift.lead_appointed", shift, volunteer_id=volunteer_id)
    return lead


def remove_lead(member: User, shift: Shift, volunteer_id: int) -> None:
    """The volunteer no longer leads the shift (members; 404 if they did not)."""
    access.require(member, access.ACT, shift)
    lead = _lead_row(shift.id, volunteer_id)
    if lead is None:
        raise NotFound()
    db.session.delete(lead)
    record_event(member, "shift.lead_removed", shift, volunteer_id=volunteer_id)


def _lead_row(shift_id: int, volunteer_id: int) -> ShiftLead | None:
    return db.session.scalar(
        sa.select(ShiftLead).where(
            ShiftLead.shift_id == shift_id, ShiftLead.volunteer_id == volunteer_id
        )
    )


def leads_of(shift_ids: list[int]) -> dict[int, list[ShiftLead]]:
    """The leads of each shift, with the volunteers, in one query."""
    found: dict[int, list[ShiftLead]] = defaultdict(list)
    if not shift_ids:
        return found
    rows = db.session.scalars(
        sa.select(ShiftLead)
        .where(ShiftLead.shift_id.in_(set(shift_ids)))
        .options(so.joinedload(ShiftLead.volunteer))
        .order_by(ShiftLead.id)
    )
    for lead in rows:
        found[lead.shift_id].append(lead)
    return found


def shifts_led_by(volunteer: User, shift_ids: list[int]) -> set[int]:
    """Which of these shifts the volunteer leads (for their my shifts page)."""
    if not shift_ids or not volunteer.is_authenticated:
        return set()
    return set(
        db.session.scalars(
            sa.select(ShiftLead.shift_id).where(
                ShiftLead.volunteer_id == volunteer.id,
                ShiftLead.shift_id.in_(set(shift_ids)),
            )
        )
    )
