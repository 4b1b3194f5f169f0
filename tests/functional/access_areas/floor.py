"""The expo floor: the coverage board, a shift's leads, rosters and sign-in sheets.

The world gains "lead": a volunteer with an approved place on the world's shift
(which starts in ten minutes, so it is the shift's day) who leads it. A lead sees
that shift's roster and records its attendance, nothing else.
"""

from marketplace.extensions import db
from marketplace.models import Application, ApplicationStatus, Shift, ShiftLead
from tests import factories

from .roles import LEAD, MEMBER, ORGANIZERS

MEMBER_OR_LEAD = MEMBER | LEAD

# The board: staff see all; any organisation's member sees their own (test_floor
# checks that another organisation's shifts stay out of it).
MATRIX = {
    ("floor.board_page", "GET"): ORGANIZERS,
    ("floor.board_rows", "GET"): ORGANIZERS,
    ("floor.shift_page", "GET"): MEMBER_OR_LEAD,
    ("floor.attendance", "POST"): MEMBER_OR_LEAD,
    ("floor.appoint_lead", "POST"): MEMBER,
    ("floor.remove_lead", "POST"): MEMBER,
    ("floor.sign_in_sheet", "GET"): MEMBER_OR_LEAD,
    ("floor.day_roster", "GET"): MEMBER,
    ("floor.day_roster_csv", "GET"): MEMBER,
    ("api_floor.get_coverage", "GET"): ORGANIZERS,
    ("api_floor.shift_roster", "GET"): MEMBER_OR_LEAD,
    ("api_floor.appoint_lead", "POST"): MEMBER,
    ("api_floor.remove_lead", "DELETE"): MEMBER,
    # The attendance API (core matrix: members) also lets the shift's lead in.
    ("api_applications.attendance", "POST"): MEMBER_OR_LEAD,
}


def extend_world(world: dict) -> None:
    """Add the lead of the world's shift (lead@example.org, an approved place)."""
    lead = factories.make_user(email="lead@example.org")
    shift = db.session.get(Shift, world["shift_id"])
    db.session.add(
        Application(shift=shift, volunteer=lead, status=ApplicationStatus.APPROVED)
    )
    shift.spots_taken += 1
    db.session.add(ShiftLead(shift=shift, volunteer_id=lead.id))
    db.session.flush()
    world["people"]["lead"] = lead
    world["volunteer_id"] = lead.id


def json_body(endpoint: str, world: dict, role: str) -> dict | None:
    """A valid JSON body for an API endpoint of the area, or None."""
    if endpoint == "api_floor.appoint_lead":
        return {"volunteer_id": world["volunteer_id"]}
    return None


def form_body(endpoint: str, world: dict) -> dict | None:
    """Form fields a page of the area needs to reach its access decision."""
    if endpoint == "floor.appoint_lead":
        return {"volunteer_id": str(world["volunteer_id"])}
    return None
