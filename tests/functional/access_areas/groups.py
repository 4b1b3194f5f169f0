"""Who may use the groups' pages (issue 15).

The world's volunteer leads a group whose other member is the lead (any
volunteer); the group holds places on a shift next week. Only volunteers use
groups; a group's page is for its members (others: 404), the leader's tools and
the report for its leader (another member: 403).
"""

from datetime import timedelta

from marketplace.extensions import db
from marketplace.models import (
    Group,
    GroupKind,
    GroupMember,
    GroupReservation,
    Opportunity,
    utcnow,
)

from .roles import OWNER, VOLUNTEERS

IN_GROUP = frozenset({"volunteer", "lead"})

MATRIX = {
    ("groups.mine", "GET"): VOLUNTEERS,
    ("groups.new", "GET"): VOLUNTEERS,
    ("groups.new", "POST"): VOLUNTEERS,
    ("groups.join", "GET"): VOLUNTEERS,
    ("groups.join", "POST"): VOLUNTEERS,
    ("groups.group", "GET"): IN_GROUP,
    ("groups.rotate_code", "POST"): OWNER,
    ("groups.leave", "POST"): IN_GROUP,
    ("groups.remove_member", "POST"): OWNER,
    ("groups.hand_over", "POST"): OWNER,
    ("groups.reserve", "GET"): VOLUNTEERS,
    ("groups.reserve", "POST"): OWNER,
    ("groups.join_reservation", "POST"): IN_GROUP,
    ("groups.cancel_reservation", "POST"): OWNER,
    ("groups.report", "GET"): OWNER,
    ("groups.report_csv", "GET"): OWNER,
}


def extend_world(world: dict) -> None:
    """The volunteer's group (the lead a member) holding 2 places next week."""
    people = world["people"]
    opportunity = db.session.get(Opportunity, world["opportunity_id"])
    start = utcnow().replace(microsecond=0) + timedelta(days=7)
    shift = type(opportunity.shifts[0])(
        starts_at=start, ends_at=start + timedelta(hours=3), capacity=5, spots_taken=2
    )
    opportunity.shifts.append(shift)
    group = Group(
        name="ทีมอาสา",
        kind=GroupKind.COMPANY,
        leader_id=people["volunteer"].id,
        join_code="ABCDEFGH",
    )
    db.session.add(group)
    db.session.flush()
    db.session.add_all(
        [
            GroupMember(group_id=group.id, user_id=people["volunteer"].id),
            GroupMember(group_id=group.id, user_id=people["lead"].id),
        ]
    )
    reservation = GroupReservation(
        group_id=group.id,
        shift_id=shift.id,
        places=2,
        held=2,
        release_at=start - timedelta(hours=24),
        created_by_id=people["volunteer"].id,
    )
    db.session.add(reservation)
    db.session.flush()
    world["group_id"] = group.id
    world["user_id"] = people["lead"].id
    world["reservation_id"] = reservation.id


def json_body(endpoint: str, world: dict, role: str) -> dict | None:
    """No API: groups are web pages only."""
    return None


def form_body(endpoint: str, world: dict) -> dict | None:
    """Form fields a page of the area needs to reach its access decision."""
    return {
        "groups.new": {"name": "กลุ่มใหม่", "kind": "family"},
        "groups.join": {"code": "ABCD-EFGH"},
        "groups.hand_over": {"user_id": world["user_id"]},
        "groups.reserve": {"group_id": world["group_id"], "places": "1"},
    }.get(endpoint)
