"""Who may use the LINE pages (LINE configured, pointing nowhere: no network).

Logging in or signing up with LINE is for everyone (a logged-in person links
LINE instead; the sign-up form sends them to their LINE page); the account's
LINE page and unlinking are for the logged in. The webhook is public and
answers 400 without LINE's signature (tests/functional/test_line.py).
"""

from flask import current_app

from tests.standins.line import OFFLINE_SETTINGS

from .roles import EVERYONE, LOGGED_IN

MATRIX = {
    ("line.start", "POST"): EVERYONE,
    ("line.callback", "GET"): EVERYONE,  # 400 without LINE's answer
    ("line.sign_up", "GET"): EVERYONE,
    ("line.sign_up", "POST"): EVERYONE,
    ("line.account", "GET"): LOGGED_IN,
    ("line.unlink", "POST"): LOGGED_IN,
    ("line.webhook", "POST"): EVERYONE,  # 400 without a valid signature
}


def extend_world(world: dict) -> None:
    """Turn LINE on for the app under test (its routes are 404 otherwise)."""
    current_app.config.update(OFFLINE_SETTINGS)


def json_body(endpoint: str, world: dict, role: str) -> dict | None:
    """A valid JSON body for an API endpoint of the area, or None."""
    return None


def form_body(endpoint: str, world: dict) -> dict | None:
    """Form fields a page of the area needs to reach its access decision."""
    return None
