"""Who may use messages to a shift: the conversation, the inbox, the threads.

Members of the shift's organisation and its lead (on the shift's day; the world's
shift starts in ten minutes) read and write the conversation; only members write
to a whole opportunity and open the inbox; a volunteer whom a message reached
opens their own thread and answers. Everyone else is refused (404 or 403).
"""

from marketplace.extensions import db
from marketplace.models import (
    Audience,
    MessageKind,
    MessageRecipient,
    ShiftMessage,
)

from .roles import LEAD, MEMBER, OWNER

MEMBER_OR_LEAD = MEMBER | LEAD

MATRIX = {
    ("conversations.conversation", "GET"): MEMBER_OR_LEAD,
    ("conversations.send", "POST"): MEMBER_OR_LEAD,
    ("conversations.mark_unread", "POST"): MEMBER_OR_LEAD,
    ("conversations.send_to_opportunity", "POST"): MEMBER,
    ("conversations.inbox", "GET"): MEMBER,
    ("conversations.thread", "GET"): OWNER,
    ("conversations.reply", "POST"): OWNER,
    ("api_conversations.send", "POST"): MEMBER_OR_LEAD,
    ("api_conversations.conversation", "GET"): MEMBER_OR_LEAD,
}


def extend_world(world: dict) -> None:
    """A message from the member that reached the volunteer (their thread)."""
    people = world["people"]
    message = ShiftMessage(
        shift_id=world["shift_id"],
        kind=MessageKind.MESSAGE,
        author_id=people["member"].id,
        body="พบกันที่ประตู 3 นะคะ",
        audience=Audience.HELD,
        recipients=1,
    )
    db.session.add(message)
    db.session.flush()
    db.session.add(
        MessageRecipient(message_id=message.id, volunteer_id=people["volunteer"].id)
    )
    db.session.flush()


def json_body(endpoint: str, world: dict, role: str) -> dict | None:
    """A valid JSON body for an API endpoint of the area, or None."""
    if endpoint == "api_conversations.send":
        return {"body": "ทดสอบ", "to": "all"}
    return None


def form_body(endpoint: str, world: dict) -> dict | None:
    """Form fields a page of the area needs to reach its access decision."""
    return {
        "conversations.send": {"to": "all", "body": "ทดสอบ"},
        "conversations.send_to_opportunity": {"to": "all", "body": "ทดสอบ"},
        "conversations.reply": {"body": "รับทราบค่ะ"},
    }.get(endpoint)
