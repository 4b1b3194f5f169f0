"""Who may answer an invitation to an organisation: only the person invited."""

from marketplace.extensions import db
from marketplace.models import Membership, MembershipStatus

from .roles import ORGANIZERS

INVITED = frozenset({"other_member"})

MATRIX = {
    ("organizations.invitations", "GET"): ORGANIZERS,
    ("organizations.answer_invitation", "POST"): INVITED,
    ("api_organizations.accept_membership", "POST"): INVITED,
    ("api_organizations.decline_membership", "POST"): INVITED,
}


def extend_world(world: dict) -> None:
    """Invite the other organisation's member to the organisation."""
    membership = Membership(
        organization_id=world["organization_id"],
        user_id=world["people"]["other_member"].id,
        status=MembershipStatus.INVITED,
    )
    db.session.add(membership)
    db.session.flush()
    world["membership_id"] = membership.id
    world["answer"] = "accept"


def json_body(endpoint: str, world: dict, role: str) -> dict | None:
    """A valid JSON body for an API endpoint of the area, or None."""
    return None


def form_body(endpoint: str, world: dict) -> dict | None:
    """Form fields a page of the area needs to reach its access decision."""
    return None
