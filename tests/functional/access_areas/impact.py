"""Who may use the impact routes."""

from .roles import EVERYONE

MATRIX = {
    ("impact.public", "GET"): EVERYONE,
}


def extend_world(world: dict) -> None:
    """Add the objects (and URL values) the impact routes need."""


def json_body(endpoint: str, world: dict, role: str) -> dict | None:
    """A valid JSON body for an API endpoint of the area, or None."""
    return None


def form_body(endpoint: str, world: dict) -> dict | None:
    """Form fields a page of the area needs to reach its access decision."""
    return None
