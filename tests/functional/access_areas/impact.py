"""Who may use the impact routes."""

from .roles import EVERYONE, MEMBER_OR_STAFF, STAFF

MATRIX = {
    ("impact.public", "GET"): EVERYONE,
    ("impact.public_csv", "GET"): EVERYONE,
    ("impact.staff_dashboard", "GET"): STAFF,
    ("impact.staff_csv", "GET"): STAFF,
    ("impact.partner_report", "GET"): MEMBER_OR_STAFF,
    ("impact.partner_csv", "GET"): MEMBER_OR_STAFF,
    ("impact.booths", "GET"): STAFF,
    ("impact.booth", "GET"): EVERYONE,
    ("api_impact.impact_summary", "GET"): EVERYONE,
}


def extend_world(world: dict) -> None:
    """Add the objects (and URL values) the impact routes need."""
    world["impact_table"] = "causes"


def json_body(endpoint: str, world: dict, role: str) -> dict | None:
    """A valid JSON body for an API endpoint of the area, or None."""
    return None


def form_body(endpoint: str, world: dict) -> dict | None:
    """Form fields a page of the area needs to reach its access decision."""
    return None
