"""Who may use the two-step login pages.

The code step belongs to a login whose password was right: without one, an
anonymous caller is sent back to /login (as the matrix expects of refusals)
and a logged-in one to the home page.
"""

from .roles import LOGGED_IN

MATRIX = {
    ("auth.second_factor", "GET"): LOGGED_IN,
    ("auth.second_factor", "POST"): LOGGED_IN,
    ("auth.two_factor", "GET"): LOGGED_IN,
    ("auth.two_factor", "POST"): LOGGED_IN,
}


def extend_world(world: dict) -> None:
    """Nothing to add."""


def json_body(endpoint: str, world: dict, role: str) -> dict | None:
    """A valid JSON body for an API endpoint of the area, or None."""
    return None


def form_body(endpoint: str, world: dict) -> dict | None:
    """Form fields a page of the area needs to reach its access decision."""
    return None
