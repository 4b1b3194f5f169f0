"""Demo data for groups (issue 15): the demo volunteer leads a company's group.

Its members joined a year ago (so the report shows their attended hours), one of
them has left since; the group holds places on an upcoming shift, partly taken.
The services run in a request context of their own (their messages speak).
"""

import random
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app

from ..applications.openness import opportunity_open
from ..errors import DomainError
from ..extensions import db
from ..groups import services
from ..models import (
    ApprovalMode,
    Group,
    GroupKind,
    GroupMember,
    Opportunity,
    Organization,
    Shift,
    User,
)

GROUP_NAME = "ทีมจิตอาสา บริษัท ไทยใจดี จำกัด"
RESERVED = 5
TAKEN = 2


def build_groups_demo(
    rng: random.Random, leader: User, volunteers: list[User], now: datetime
) -> dict[str, int]:
    """Add the demo group, its members and a reservation (no commit); counts."""
    with current_app.test_request_context():
        return _build(rng, leader, volunteers, now)


def _build(
    rng: random.Random, leader: User, volunteers: list[User], now: datetime
) -> dict[str, int]:
    code = "".join(rng.choice(services.CODE_ALPHABET) for _ in range(8))
    group = Group(
        name=GROUP_NAME, kind=GroupKind.COMPANY, leader_id=leader.id, join_code=code
    )
    db.session.add(group)
    db.session.flush()
    members = [leader, *rng.sample(volunteers, 6)]
    for index, member in enumerate(members):
        db.session.add(
            GroupMember(
                group_id=group.id,
                user_id=member.id,
                joined_at=now - timedelta(days=365 - index),
                # The last one left a month ago: their hours until then still count.
                left_at=now - timedelta(days=30) if index == len(members) - 1 else None,
            )
        )
    db.session.flush()
    shift = _upcoming_shift(now)
    if shift is None:
        return {"groups": 1, "group_places_taken": 0}
    reservation = services.reserve_places(leader, group, shift.id, RESERVED, now)
    taken = 0
    for member in members[1:-1]:
        if taken == TAKEN:
            break
        try:
            with db.session.begin_nested():
                services.join_reservation(member, reservation.id, now)
            taken += 1
        except DomainError:
            continue  # too young, or busy then: another member takes it
    return {"groups": 1, "group_places_taken": taken}


def _upcoming_shift(now: datetime) -> Shift | None:
    """A first-come shift a week or more ahead with room for the group."""
    return db.session.scalar(
        sa.select(Shift)
        .join(Opportunity, Opportunity.id == Shift.opportunity_id)
        .join(Organization, Organization.id == Opportunity.organization_id)
        .where(
            *opportunity_open(),
            Opportunity.approval_mode == ApprovalMode.FIRST_COME,
            Opportunity.min_age.is_(None),
            Shift.starts_at > now + timedelta(days=7),
            Shift.capacity - Shift.spots_taken >= RESERVED + 2,
        )
        .order_by(Shift.starts_at, Shift.id)
        .limit(1)
    )
