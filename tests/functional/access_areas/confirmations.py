""" "Are you coming?" answered from My shifts: the volunteer's own place only."""

from .roles import OWNER

MATRIX = {
    ("volunteers.answer_confirmation", "POST"): OWNER,
}


def extend_world(world: dict) -> None:
    """Nothing to add: the route answers for the world's `application_id`."""


def json_body(endpoint: str, world: dict, role: str) -> dict | None:
    """No API endpoint in this area."""
    return None


def form_body(endpoint: str, world: dict) -> dict | None:
    """ "I'm coming" (a refused caller must not learn more than a 403/404)."""
    if endpoint == "volunteers.answer_confirmation":
        return {"answer": "coming"}
    return None
