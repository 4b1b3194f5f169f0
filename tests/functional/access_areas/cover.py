"""Who may use cover's routes: the volunteer who holds the place, and its members."""

from .roles import MEMBER, OWNER

MATRIX = {
    ("cover.ask", "POST"): OWNER,
    ("cover.keep", "POST"): OWNER,
    ("cover.release", "POST"): MEMBER,  # staff look, not act: 403
    ("api_offers.ask_for_cover", "POST"): OWNER,
}


def extend_world(world: dict) -> None:
    """Nothing more: the world's accepted application is the place handed on."""


def json_body(endpoint: str, world: dict, role: str) -> dict | None:
    """A valid JSON body for an API endpoint of the area, or None."""
    return None


def form_body(endpoint: str, world: dict) -> dict | None:
    """Form fields a page of the area needs to reach its access decision."""
    return None
