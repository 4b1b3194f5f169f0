"""Who may use the privacy routes."""

from .roles import EVERYONE, LOGGED_IN

# Every route acts on the caller's own account only: there is no user id to
# point at someone else, so "only the user themselves" is all logged-in callers.
MATRIX = {
    ("privacy.notice", "GET"): EVERYONE,
    ("privacy.settings", "GET"): LOGGED_IN,
    ("privacy.set_consent", "POST"): LOGGED_IN,
    ("privacy.export", "GET"): LOGGED_IN,
    ("privacy.erase", "GET"): LOGGED_IN,
    ("privacy.erase", "POST"): LOGGED_IN,
    ("api_privacy.export_me", "GET"): LOGGED_IN,
    ("api_privacy.erase_me", "DELETE"): LOGGED_IN,
}


def extend_world(world: dict) -> None:
    """Add the objects (and URL values) the privacy routes need."""


def json_body(endpoint: str, world: dict, role: str) -> dict | None:
    """A valid JSON body for an API endpoint of the area, or None."""
    return None


def form_body(endpoint: str, world: dict) -> dict | None:
    """Form fields a page of the area needs to reach its access decision."""
    if endpoint == "privacy.set_consent":
        return {"purpose": "email_news", "granted": "yes"}
    return None
