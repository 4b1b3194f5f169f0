"""Who may use the channel routes: my channel choice, one-tap answers."""

from marketplace import actions

from .roles import LOGGED_IN, OWNER

# A signed answer link works for the person it was sent to, logged in or not;
# logged in as anyone else it is refused.
TOKEN_HOLDER = frozenset({"anonymous", "volunteer"})

MATRIX = {
    ("channels.settings", "GET"): LOGGED_IN,
    ("channels.settings", "POST"): LOGGED_IN,
    ("channels.answer", "GET"): TOKEN_HOLDER,
    ("channels.answer", "POST"): TOKEN_HOLDER,
    ("channels.answer_in_app", "POST"): OWNER,
}


def extend_world(world: dict) -> None:
    """A signed answer to the volunteer's offer (made by the floaters area)."""
    code = f"skip:{world['offer_id']}"
    world["answer_code"] = code
    world["answer_token"] = actions.sign(world["people"]["volunteer"], code)


def json_body(endpoint: str, world: dict, role: str) -> dict | None:
    """No API routes here."""
    return None


def form_body(endpoint: str, world: dict) -> dict | None:
    """The in-app answer names the volunteer's offer."""
    if endpoint == "channels.answer_in_app":
        return {"code": world["answer_code"]}
    if endpoint == "channels.settings":
        return {"topic-news": "email"}
    return None
