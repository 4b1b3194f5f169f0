"""Posting opportunities and their shifts: drafts, publishing, edits, closing."""

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from .. import access
from ..applications.confirmations import check_release_hours
from ..audit import record_event
from ..errors import Forbidden, ValidationFailed
from ..expo import expo_location
from ..extensions import db
from ..locations import geocode_place, locate_point, unknown_place_message
from ..models import (
    ApprovalMode,
    Cause,
    Opportunity,
    OpportunityStatus,
    Organization,
    Shift,
    Skill,
    User,
    utcnow,
)
from ..models.taxonomy import opportunity_skill
from ..seed import language_codes

MAX_TITLE = 200
MAX_SHIFTS = 200


@dataclass
class ShiftInput:
    """One shift as given; `id` names an existing shift to change."""

    start: datetime | None
    end: datetime | None
    capacity: int
    id: int | None = None


@dataclass
class OpportunityInput:
    """An opportunity as a form or the API gives it; None leaves a field as it is."""

    title: str | None = None
    description: str | None = None
    causes: list[str] | None = None
    skills: list[str] | None = None  # the required skills
    nice_to_have_skills: list[str] | None = None
    languages: list[str] | None = None
    remote: bool | None = None
    place: str | None = None
    lat: float | None = None
    lon: float | None = None
    label: str | None = None
    approval_mode: str | None = None
    accessibility: str | None = None
    min_age: int | None = None
    release_unconfirmed_hours: int | None = None  # 0 turns the release off
    is_expo: bool | None = None
    shifts: list[ShiftInput] | None = field(default=None)


def _slugs(model, slugs: list[str], name: str, fields: dict) -> list:
    wanted = list(dict.fromkeys(slugs))
    rows = list(db.session.scalars(sa.select(model).where(model.slug.in_(wanted))))
    if unknown := sorted(set(wanted) - {row.slug for row in rows}):
        fields[name] = [str(_l("Unknown: %(slugs)s.", slugs=", ".join(unknown)))]
    return rows


_SKILLS = "skills"


def set_opportunity_skills(
    opportunity: Opportunity, required: list[Skill], nice_to_have: list[Skill]
) -> None:
    """List the opportunity's skills, each required or nice to have.

    A skill given as both is required. Flushes (the flags live on the link rows),
    never commits.
    """
    nice = [skill for skill in nice_to_have if skill not in required]
    opportunity.skills = [*dict.fromkeys([*required, *nice])]
    db.session.flush()
    nice_ids = [skill.id for skill in nice]
    db.session.execute(
        sa.update(opportunity_skill)
        .where(opportunity_skill.c.opportunity_id == opportunity.id)
        .values(
            required=sa.case(
                (opportunity_skill.c.skill_id.in_(nice_ids), sa.false()),
                else_=sa.true(),
            )
        )
    )
    db.session.expire(opportunity, ["skill_links"])


def _apply_fields(
    opportunity: Opportunity,
    data: OpportunityInput,
    now: datetime,
    fields: dict,
    pending: dict,
) -> None:
    """Copy the given fields onto the opportunity, collecting problems in `fields`.

    What can only be written once the opportunity is flushed (the skills' flags)
    is left in `pending` for `_finish`.
    """
    if data.title is not None:
        title = " ".join(data.title.split())
        if not title or len(title) > MAX_TITLE:
            fields["title"] = [str(_l("Give a title of up to 200 characters."))]
        opportunity.title = title
    if data.description is not None:
        opportunity.description = data.description.strip()
    if data.causes is not None:
        opportunity.causes = _slugs(Cause, data.causes, "causes", fields)
    if data.skills is not None or data.nice_to_have_skills is not None:
        required = (
            _slugs(Skill, data.skills, "skills", fields)
            if data.skills is not None
            else list(opportunity.required_skills)
        )
        nice = (
            _slugs(Skill, data.nice_to_have_skills, "nice_to_have_skills", fields)
            if data.nice_to_have_skills is not None
            else list(opportunity.nice_to_have_skills)
        )
        opportunity.skills = [*required, *(s for s in nice if s not in required)]
        pending[_SKILLS] = (required, nice)
    if data.languages is not None:
        if unknown := sorted(set(data.languages) - set(language_codes())):
            fields["languages"] = [
                str(_l("Unknown: %(slugs)s.", slugs=", ".join(unknown)))
            ]
        opportunity.languages = list(dict.fromkeys(data.languages))
    if data.approval_mode is not None:
        try:
            opportunity.approval_mode = ApprovalMode(data.approval_mode)
        except ValueError:
            fields["approval_mode"] = [str(_l("Choose first_come or review."))]
    if data.accessibility is not None:
        opportunity.accessibility = data.accessibility.strip()
    if data.min_age is not None:
        if not 0 <= data.min_age <= 99:
            fields["min_age"] = [str(_l("Give an age from 0 to 99."))]
        opportunity.min_age = data.min_age or None
    if data.release_unconfirmed_hours is not None:
        try:
            opportunity.release_unconfirmed_hours = check_release_hours(
                data.release_unconfirmed_hours
            )
        except ValidationFailed as error:
            fields.update(error.fields)
    if data.is_expo is not None:
        opportunity.is_expo = data.is_expo
    _apply_location(opportunity, data, fields)
    if data.shifts is not None:
        _apply_shifts(opportunity, data.shifts, now, fields)


def _apply_location(opportunity: Opportunity, data: OpportunityInput, fields) -> None:
    if data.remote is not None:
        opportunity.remote = data.remote
    if data.place:
        found = geocode_place(data.place)
        if found is None:
            fields["location"] = [unknown_place_message(data.place)]
            return
    elif data.lat is not None or data.lon is not None:
        found = (
            locate_point(data.lat, data.lon)
            if None not in (data.lat, data.lon)
            else None
        )
        if found is None:
            fields["location"] = [
                str(_l("Latitude must be -90..90, longitude -180..180."))
            ]
            return
    elif data.is_expo and opportunity.lat is None:
        # Ticked "held at the expo" with no place given: the expo's own place.
        found = expo_location()
    else:
        found = None
    if found is not None:
        opportunity.lat, opportunity.lon = found.lat, found.lon
        opportunity.location_label = data.label or found.label
        opportunity.province = found.province
    if not opportunity.remote and opportunity.lat is None:
        fields["location"] = [str(_l("Say where it happens, or mark it remote."))]


def _apply_shifts(
    opportunity: Opportunity, shifts: list[ShiftInput], now: datetime, fields
) -> None:
    existing = {shift.id: shift for shift in opportunity.shifts}
    problems: list[str] = []
    if len(shifts) > MAX_SHIFTS:
        problems.append(str(_l("At most %(n)d shifts at once.", n=MAX_SHIFTS)))
    for given in shifts:
        shift = existing.get(given.id) if given.id is not None else None
        if given.id is not None and shift is None:
            problems.append(
                str(_l("Shift %(id)s is not part of this opportunity.", id=given.id))
            )
            continue
        if given.start is None or given.end is None:
            problems.append(str(_l("Every shift needs a start and an end.")))
            continue
        if given.start.tzinfo is None or given.end.tzinfo is None:
            problems.append(str(_l("Give times with their time zone (+07:00).")))
            continue
        if given.end <= given.start:
            problems.append(str(_l("A shift must end after it starts.")))
        elif given.start <= now and (shift is None or shift.starts_at != given.start):
            problems.append(str(_l("A shift cannot start in the past.")))
        if not 1 <= given.capacity <= 10_000:
            problems.append(str(_l("Capacity must be 1 to 10,000.")))
        elif shift is not None and given.capacity < shift.spots_taken:
            problems.append(
                str(
                    _l(
                        "A shift already has %(n)d volunteers: its capacity cannot "
                        "be lower.",
                        n=shift.spots_taken,
                    )
                )
            )
        if problems:
            continue
        if shift is None:
            opportunity.shifts.append(
                Shift(starts_at=given.start, ends_at=given.end, capacity=given.capacity)
            )
        else:
            shift.starts_at, shift.ends_at = given.start, given.end
            shift.capacity = given.capacity
    if problems:
        fields["shifts"] = list(dict.fromkeys(problems))
    elif not opportunity.shifts:
        fields["shifts"] = [str(_l("Add at least one shift."))]


def create_opportunity(
    user: User, organization: Organization, data: OpportunityInput, publish: bool
) -> Opportunity:
    """Post an opportunity as a draft, or published if the organisation is verified."""
    access.require(user, access.ACT, organization)
    if publish:
        _require_verified(organization)
    opportunity = Opportunity(
        organization=organization, created_by_id=user.id, remote=False, languages=[]
    )
    db.session.add(opportunity)  # a refusal below is rolled back with the request
    fields: dict[str, list[str]] = {}
    if not data.title:
        fields["title"] = [str(_l("Give a title of up to 200 characters."))]
    if data.shifts is None:
        data.shifts = []
    pending: dict = {}
    with db.session.no_autoflush:
        _apply_fields(opportunity, data, utcnow(), fields, pending)
    if fields:
        raise ValidationFailed(fields=fields)
    opportunity.status = OpportunityStatus.DRAFT
    if publish:
        opportunity.status = OpportunityStatus.PUBLISHED
        opportunity.published_at = utcnow()
    db.session.add(opportunity)
    db.session.flush()
    _finish(opportunity, pending)
    record_event(
        user, "opportunity.created", opportunity, status=opportunity.status.value
    )
    return opportunity


def update_opportunity(
    user: User, opportunity: Opportunity, data: OpportunityInput
) -> Opportunity:
    """Edit an opportunity; shift capacities never drop below the spots held."""
    access.require(user, access.ACT, opportunity)
    fields: dict[str, list[str]] = {}
    pending: dict = {}
    with db.session.no_autoflush:
        _apply_fields(opportunity, data, utcnow(), fields, pending)
    if fields:
        raise ValidationFailed(fields=fields)
    db.session.flush()
    _finish(opportunity, pending)
    record_event(user, "opportunity.updated", opportunity)
    return opportunity


def _finish(opportunity: Opportunity, pending: dict) -> None:
    """Write what waited for the flush."""
    if _SKILLS in pending:
        set_opportunity_skills(opportunity, *pending[_SKILLS])


def _require_verified(organization: Organization) -> None:
    if not organization.is_verified:
        raise Forbidden(
            "organization_not_verified",
            str(_l("Your organisation can publish once staff have verified it.")),
        )


def publish_opportunity(user: User, opportunity: Opportunity) -> Opportunity:
    """Open a draft (or closed) opportunity to volunteers."""
    access.require(user, access.ACT, opportunity)
    _require_verified(opportunity.organization)
    opportunity.status = OpportunityStatus.PUBLISHED
    opportunity.published_at = opportunity.published_at or utcnow()
    opportunity.closed_at = None
    record_event(user, "opportunity.published", opportunity)
    return opportunity


def close_opportunity(user: User, opportunity: Opportunity) -> Opportunity:
    """Stop new applications; existing ones stay."""
    access.require(user, access.ACT, opportunity)
    opportunity.status = OpportunityStatus.CLOSED
    opportunity.closed_at = utcnow()
    record_event(user, "opportunity.closed", opportunity)
    return opportunity
