"""Who may use the password-reset routes (anyone: the link is the credential)."""

from marketplace.auth.reset import make_reset_token

from .roles import EVERYONE

MATRIX = {
    ("auth.forgot_password", "GET"): EVERYONE,
    ("auth.forgot_password", "POST"): EVERYONE,
    ("auth.reset_password", "GET"): EVERYONE,
    ("auth.reset_password", "POST"): EVERYONE,
}


def extend_world(world: dict) -> None:
    """Add a live reset link of the volunteer."""
    world["reset_token"] = make_reset_token(world["people"]["volunteer"])


def json_body(endpoint: str, world: dict, role: str) -> dict | None:
    """A valid JSON body for an API endpoint of the area, or None."""
    return None


def form_body(endpoint: str, world: dict) -> dict | None:
    """Form fields a page of the area needs to reach its access decision."""
    if endpoint == "auth.forgot_password":
        return {"email": "nobody@example.org"}
    return None
