"""A group's report for a period (a company's CSR report, a club's activity list).

What counts: hours attended (recorded by the organisation, and still certified:
service_hours.queries.attended_counts, the one rule) on shifts that start
within the period, by people while they were members of the group: a shift
counts for a member when it starts on or after they joined and before they left.
So a member who left keeps their hours in the reports of the time they were in
the group, and nothing after. An erased person is no longer in any group, so
their hours leave its reports.

Value: hours × HOUR_VALUE_THB (the figure the impact pages use). An opportunity
with several causes counts under each of them, so the lines by cause can add up
to more than the total. Hours volunteers reported themselves belong to no shift,
opportunity or cause: they are on the service-hour record, not in group reports.
"""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..i18n import BANGKOK
from ..models import (
    Application,
    Cause,
    Group,
    GroupMember,
    Opportunity,
    Organization,
    Shift,
    User,
    utcnow,
)
from ..models.taxonomy import opportunity_cause
from ..service_hours.queries import attended_counts


@dataclass(frozen=True)
class Line:
    """One line of a breakdown: who or what, the hours and their value."""

    key: int | str
    name: str
    hours: float
    value_thb: float
    # Members: no longer in the group (their hours while they were stay).
    left: bool = False


@dataclass(frozen=True)
class GroupReport:
    """The report of one group for one period (dates in Bangkok, both included)."""

    group: Group
    start: date
    end: date
    hour_value_thb: float
    total_hours: float
    total_value_thb: float
    by_member: list[Line]
    by_opportunity: list[Line]
    by_cause: list[Line]


def default_period(now: datetime | None = None) -> tuple[date, date]:
    """This calendar year in Bangkok (CSR reports are yearly)."""
    year = (now or utcnow()).astimezone(BANGKOK).year
    return date(year, 1, 1), date(year, 12, 31)


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return (
        datetime.combine(start, time(), BANGKOK),
        datetime.combine(end + timedelta(days=1), time(), BANGKOK),
    )


def counted(group_id: int, start: date, end: date) -> tuple[sa.ColumnElement, ...]:
    """SQL (Application joined to Shift and GroupMember): the hours that count."""
    since, until = _bounds(start, end)
    return (
        GroupMember.group_id == group_id,
        GroupMember.user_id == Application.volunteer_id,
        *attended_counts(),
        Shift.starts_at >= since,
        Shift.starts_at < until,
        Shift.starts_at >= GroupMember.joined_at,
        sa.or_(GroupMember.left_at.is_(None), Shift.starts_at < GroupMember.left_at),
    )


def _hours_by(group_id: int, start: date, end: date, *keys) -> list:
    query = (
        sa.select(*keys, sa.func.sum(Application.hours))
        .select_from(Application)
        .join(Shift, Shift.id == Application.shift_id)
        .join(GroupMember, GroupMember.user_id == Application.volunteer_id)
        .join(Opportunity, Opportunity.id == Shift.opportunity_id)
        .where(*counted(group_id, start, end))
    )
    return db.session.execute(query.group_by(*keys)).all()


def group_report(
    group: Group, start: date, end: date, locale: str = "th"
) -> GroupReport:
    """Hours and their value by member, by opportunity and by cause."""
    rate = float(current_app.config["HOUR_VALUE_THB"])

    def line(key, name, hours, left=False) -> Line:
        hours = round(float(hours or 0), 2)
        return Line(key, name, hours, round(hours * rate, 2), left)

    current = set(
        db.session.scalars(
            sa.select(GroupMember.user_id).where(
                GroupMember.group_id == group.id, GroupMember.left_at.is_(None)
            )
        )
    )
    member_rows = _hours_by(group.id, start, end, Application.volunteer_id)
    names = dict(
        db.session.execute(
            sa.select(User.id, User.display_name).where(
                User.id.in_({row[0] for row in member_rows})
            )
        ).all()
    )
    by_member = sorted(
        (
            line(user_id, names.get(user_id, ""), hours, user_id not in current)
            for user_id, hours in member_rows
        ),
        key=lambda item: (-item.hours, item.name),
    )
    opportunity_rows = _hours_by(
        group.id,
        start,
        end,
        Opportunity.id,
        Opportunity.title,
        Opportunity.organization_id,
    )
    organizations = {
        org.id: org.name(locale)
        for org in db.session.scalars(
            sa.select(Organization).where(
                Organization.id.in_({row[2] for row in opportunity_rows})
            )
        )
    }
    by_opportunity = sorted(
        (
            line(opp_id, f"{title} · {organizations.get(org_id, '')}", hours)
            for opp_id, title, org_id, hours in opportunity_rows
        ),
        key=lambda item: (-item.hours, item.name),
    )
    cause_hours = dict(
        db.session.execute(
            sa.select(opportunity_cause.c.cause_id, sa.func.sum(Application.hours))
            .select_from(Application)
            .join(Shift, Shift.id == Application.shift_id)
            .join(GroupMember, GroupMember.user_id == Application.volunteer_id)
            .join(
                opportunity_cause,
                opportunity_cause.c.opportunity_id == Shift.opportunity_id,
            )
            .where(*counted(group.id, start, end))
            .group_by(opportunity_cause.c.cause_id)
        ).all()
    )
    by_cause = [
        line(cause.slug, cause.name(locale), cause_hours[cause.id])
        for cause in db.session.scalars(
            sa.select(Cause).order_by(Cause.position, Cause.id)
        )
        if cause.id in cause_hours
    ]
    total = round(sum(item.hours for item in by_member), 2)
    return GroupReport(
        group=group,
        start=start,
        end=end,
        hour_value_thb=rate,
        total_hours=total,
        total_value_thb=round(total * rate, 2),
        by_member=by_member,
        by_opportunity=by_opportunity,
        by_cause=by_cause,
    )
