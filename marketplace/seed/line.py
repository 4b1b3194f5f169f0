"""The demo volunteer has linked LINE (shown when LINE is configured, docs/line.md).

Their account's LINE page then shows a linked account that is a friend of the
official account; the id is made up (LINE ids are "U" and 32 hex digits).
"""

from ..extensions import db
from ..models import LineAccount, User

DEMO_LINE_USER_ID = "U" + "d3e0" * 8


def build_line_demo(volunteer: User) -> dict[str, int]:
    """Link the demo volunteer to a made-up LINE account (no commit)."""
    db.session.add(
        LineAccount(
            user_id=volunteer.id,
            line_user_id=DEMO_LINE_USER_ID,
            display_name=volunteer.display_name,
            is_friend=True,
        )
    )
    return {"line_accounts": 1}
