"""Read-only queries for the public pages."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..applications.openness import opportunity_listed
from ..extensions import db
from ..models import (
    Cause,
    Opportunity,
    Organization,
    OrganizationKind,
    OrganizationStatus,
    Role,
    Shift,
    User,
)
from ..models.taxonomy import opportunity_cause


def _is_listed(now: datetime) -> tuple[sa.ColumnElement[bool], ...]:
    """Published, by a verified organisation, with at least one future shift."""
    return opportunity_listed(now)


def listed_opportunity_ids(now: datetime) -> sa.Select:
    """The ids of the opportunities volunteers can see and apply to."""
    return (
        sa.select(Opportunity.id).join(Opportunity.organization).where(*_is_listed(now))
    )


def listed_opportunities(now: datetime) -> sa.Select:
    """The listed opportunities with everything a card shows, in constant queries."""
    return (
        sa.select(Opportunity)
        .join(Opportunity.organization)
        .where(*_is_listed(now))
        .options(
            so.contains_eager(Opportunity.organization),
            so.selectinload(Opportunity.causes),
            so.selectinload(Opportunity.skills),
            so.selectinload(Opportunity.skill_links),
            so.selectinload(Opportunity.shifts),
        )
    )


def next_shift_start(now: datetime) -> sa.ScalarSelect:
    """When an opportunity's next shift starts (a correlated subquery)."""
    return (
        sa.select(sa.func.min(Shift.starts_at))
        .where(Shift.opportunity_id == Opportunity.id, Shift.starts_at > now)
        .scalar_subquery()
    )


def featured_opportunities(now: datetime, limit: int = 6) -> list[Opportunity]:
    """Expo opportunities first, then the soonest ones."""
    query = listed_opportunities(now).order_by(
        Opportunity.is_expo.desc(), next_shift_start(now), Opportunity.id
    )
    return list(db.session.scalars(query.limit(limit)))


def causes_with_counts(now: datetime) -> list[tuple[Cause, int]]:
    """Every cause with how many listed opportunities it has."""
    counts = (
        sa.select(opportunity_cause.c.cause_id, sa.func.count().label("n"))
        .where(opportunity_cause.c.opportunity_id.in_(listed_opportunity_ids(now)))
        .group_by(opportunity_cause.c.cause_id)
        .subquery()
    )
    rows = db.session.execute(
        sa.select(Cause, sa.func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.cause_id == Cause.id)
        .order_by(Cause.position, Cause.id)
    )
    return [(cause, count) for cause, count in rows]


def expo_partners() -> dict[OrganizationKind, list[Organization]]:
    """Verified organisations grouped by the part they play at the expo."""
    groups: dict[OrganizationKind, list[Organization]] = {
        kind: [] for kind in OrganizationKind
    }
    query = (
        sa.select(Organization)
        .where(Organization.status == OrganizationStatus.VERIFIED)
        .order_by(Organization.name_th)
    )
    for organization in db.session.scalars(query):
        groups[organization.kind].append(organization)
    return groups


def count_expo_partners() -> int:
    """How many verified organisations take part in the expo."""
    query = sa.select(sa.func.count(Organization.id)).where(
        Organization.status == OrganizationStatus.VERIFIED
    )
    return db.session.scalar(query) or 0


def count_volunteers() -> int:
    """How many volunteers are registered (erased accounts do not count)."""
    query = sa.select(sa.func.count(User.id)).where(
        User.role == Role.VOLUNTEER, User.erased_at.is_(None)
    )
    return db.session.scalar(query) or 0


def count_listed_opportunities(now: datetime) -> int:
    """How many opportunities are open to volunteers."""
    listed = listed_opportunity_ids(now).subquery()
    return db.session.scalar(sa.select(sa.func.count()).select_from(listed)) or 0
