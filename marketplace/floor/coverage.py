"""The live coverage board: how well each shift of a day is staffed.

One aggregate query per board, whatever the number of shifts or people: the
counts come from a GROUP BY over the day's shifts and their applications.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from ..errors import Forbidden
from ..extensions import db
from ..i18n import BANGKOK
from ..models import (
    HOLDS_SPOT,
    Application,
    Attendance,
    Membership,
    Opportunity,
    OpportunityStatus,
    Organization,
    Shift,
    User,
    utcnow,
)

# A held place with no attendance this long after the start counts as missing.
MISSING_AFTER = timedelta(minutes=15)


@dataclass(frozen=True)
class ShiftCoverage:
    """One shift's line on the board (API.md "Expo floor" names the fields)."""

    shift_id: int
    opportunity_id: int
    organization_id: int
    title: str
    organization_name_th: str
    organization_name_en: str
    zone: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    held: int
    checked_in: int
    missing: int
    open: int
    started: bool
    # "Are you coming?": held places confirmed, and asked but not answered.
    confirmed: int = 0
    awaiting_answer: int = 0

    @property
    def risk(self) -> float:
        """How short the shift is: missing people and open places per place."""
        return (self.missing + self.open) / self.capacity

    @property
    def level(self) -> str:
        """`short` (someone missing, or open once started), `open`, or `covered`."""
        if self.missing or (self.open and self.started):
            return "short"
        return "open" if self.open else "covered"

    def organization_name(self, locale: str) -> str:
        """The organisation's name in the given language."""
        if locale == "en" and self.organization_name_en:
            return self.organization_name_en
        return self.organization_name_th

    def as_json(self) -> dict:
        """The API item: the contract's fields, and the title and zone besides."""
        return {
            "shift_id": self.shift_id,
            "opportunity_id": self.opportunity_id,
            "organization_id": self.organization_id,
            "starts_at": self.starts_at,
            "ends_at": self.ends_at,
            "capacity": self.capacity,
            "held": self.held,
            "checked_in": self.checked_in,
            "missing": self.missing,
            "open": self.open,
            "title": self.title,
            "zone": self.zone,
            "confirmed": self.confirmed,
            "awaiting_answer": self.awaiting_answer,
        }


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The start and end of a day in Bangkok, as aware datetimes."""
    start = datetime.combine(day, time(), BANGKOK)
    return start, start + timedelta(days=1)


def today_in_bangkok(now: datetime | None = None) -> date:
    """Today's date in Bangkok."""
    return (now or utcnow()).astimezone(BANGKOK).date()


def board_organizations(viewer: User, organization_id: int | None) -> list[int] | None:
    """Which organisations' shifts the viewer sees (None: all, for staff).

    Staff see every organisation; a member sees their own (one of them when asked).
    Anyone else, or a member asking for another organisation, is refused.
    """
    if viewer.is_authenticated and viewer.is_staff:
        return None if organization_id is None else [organization_id]
    own = set(
        db.session.scalars(
            sa.select(Membership.organization_id).where(
                Membership.user_id == viewer.id, Membership.is_active
            )
        )
        if viewer.is_authenticated
        else []
    )
    if organization_id is not None:
        own &= {organization_id}
    if not own:
        raise Forbidden("not_a_member")
    return sorted(own)


def _count(condition) -> sa.ColumnElement[int]:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _reserved_for_groups() -> sa.ScalarSelect:
    """SQL (correlated to Shift): the groups' unfilled reserved places on it."""
    from ..models import GroupReservation, ReservationStatus

    return (
        sa.select(sa.func.coalesce(sa.func.sum(GroupReservation.held), 0))
        .where(
            GroupReservation.shift_id == Shift.id,
            GroupReservation.status == ReservationStatus.ACTIVE,
        )
        .correlate(Shift)
        .scalar_subquery()
    )


def coverage(
    day: date,
    organization_ids: list[int] | None = None,
    zone: str | None = None,
    now: datetime | None = None,
) -> list[ShiftCoverage]:
    """Every published (or closed) shift starting on the day, riskiest first.

    `held` counts accepted and approved applications, `checked_in` attended ones,
    `missing` held ones without attendance once the shift started 15 minutes ago,
    `open` the places not held (a group's unfilled reserved places are held too).
    """
    now = now or utcnow()
    start, end = day_bounds(day)
    held = Application.status.in_([status.value for status in HOLDS_SPOT])
    unrecorded = sa.and_(held, Application.attendance.is_(None))
    shown = (
        Shift.id,
        Shift.opportunity_id,
        Opportunity.organization_id,
        Opportunity.title,
        Organization.name_th,
        Organization.name_en,
        Opportunity.location_label,
        Opportunity.remote,
        Shift.starts_at,
        Shift.ends_at,
        Shift.capacity,
    )
    query = (
        sa.select(
            *shown,
            _count(held).label("held"),
            _count(Application.attendance == Attendance.ATTENDED.value).label(
                "checked_in"
            ),
            _count(unrecorded).label("unrecorded"),
            _reserved_for_groups().label("reserved"),
            _count(sa.and_(held, Application.confirmed_at.is_not(None))).label(
                "confirmed"
            ),
            _count(
                sa.and_(
                    held,
                    Application.confirm_asked_at.is_not(None),
                    Application.confirmed_at.is_(None),
                )
            ).label("awaiting_answer"),
        )
        .join(Opportunity, Shift.opportunity_id == Opportunity.id)
        .join(Organization, Opportunity.organization_id == Organization.id)
        .outerjoin(Application, Application.shift_id == Shift.id)
        .where(
            Shift.starts_at >= start,
            Shift.starts_at < end,
            Opportunity.status != OpportunityStatus.DRAFT,
        )
        .group_by(*shown)
    )
    if organization_ids is not None:
        query = query.where(Opportunity.organization_id.in_(organization_ids))
    if zone:
        query = query.where(Opportunity.location_label == zone)
    rows = [
        ShiftCoverage(
            shift_id=row.id,
            opportunity_id=row.opportunity_id,
            organization_id=row.organization_id,
            title=row.title,
            organization_name_th=row.name_th,
            organization_name_en=row.name_en or "",
            zone=row.location_label or "",
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            capacity=row.capacity,
            held=int(row.held),
            checked_in=int(row.checked_in),
            missing=int(row.unrecorded) if row.starts_at + MISSING_AFTER <= now else 0,
            open=max(row.capacity - int(row.held) - int(row.reserved), 0),
            started=row.starts_at <= now,
            confirmed=int(row.confirmed),
            awaiting_answer=int(row.awaiting_answer),
        )
        for row in db.session.execute(query)
    ]
    return sorted(rows, key=lambda r: (-r.risk, r.starts_at, r.shift_id))


def zones_of(rows: list[ShiftCoverage]) -> list[str]:
    """The places (zones) the board's shifts are at, for the filter."""
    return sorted({row.zone for row in rows if row.zone})
