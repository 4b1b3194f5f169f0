"""Messages to a shift over the JSON API (API.md "Reach")."""

import marshmallow as ma
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from ..api.schemas import (
    BangkokDateTime,
    ErrorSchema,
    OutputSchema,
    PageArgsSchema,
    Schema,
    page_of,
    page_schema,
    text,
)
from ..auth.limits import mark_message_sent, shift_message_limit
from ..extensions import db
from ..models import Audience, MessageKind, ShiftMessage
from . import services

blp = Blueprint("api_conversations", __name__, description="Messages to a shift")
BEARER = [{"bearerAuth": []}]


class MessageInSchema(Schema):
    body = text(ShiftMessage.body, required=True)
    to = ma.fields.String(
        required=True,
        validate=ma.validate.OneOf([audience.value for audience in Audience]),
        metadata={"description": "held (accepted + approved), waitlisted, or all"},
    )


class SentSchema(OutputSchema):
    id = ma.fields.Integer()
    recipients = ma.fields.Integer(metadata={"description": "volunteers it reached"})


class PersonRefSchema(OutputSchema):
    id = ma.fields.Integer()
    display_name = ma.fields.String()


class ConversationItemSchema(OutputSchema):
    id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"description": "message or reply"})
    body = ma.fields.String()
    created_at = BangkokDateTime()
    author = ma.fields.Nested(
        PersonRefSchema,
        allow_none=True,
        metadata={"description": "who wrote a message (null for replies)"},
    )
    volunteer = ma.fields.Nested(
        PersonRefSchema,
        allow_none=True,
        metadata={"description": "who replied (null for messages)"},
    )
    to = ma.fields.String(
        allow_none=True, metadata={"description": "held, waitlisted, all; null"}
    )
    recipients = ma.fields.Integer(
        allow_none=True, metadata={"description": "null for replies"}
    )


def _person(message: ShiftMessage) -> dict | None:
    author = message.author
    if author is None:
        return None
    return {"id": author.id, "display_name": author.display_name}


def item_body(message: ShiftMessage) -> dict:
    """An entry of a conversation as API.md "Reach" writes it."""
    is_message = message.kind is MessageKind.MESSAGE
    return {
        "id": message.id,
        "kind": message.kind.value,
        "body": message.body,
        "created_at": message.created_at,
        "author": _person(message) if is_message else None,
        "volunteer": None if is_message else _person(message),
        "to": message.audience.value if message.audience else None,
        "recipients": message.recipients if is_message else None,
    }


@blp.route("/shifts/<int:shift_id>/messages", methods=["POST"])
@login_required
@shift_message_limit
@blp.arguments(MessageInSchema)
@blp.response(201, SentSchema)
@blp.alt_response(403, schema=ErrorSchema, description="not_shift_day (a lead)")
@blp.alt_response(
    404, schema=ErrorSchema, description="not_found (also: not a member or lead)"
)
@blp.alt_response(
    409, schema=ErrorSchema, description="no_recipients (nobody in the group)"
)
@blp.alt_response(429, schema=ErrorSchema, description="rate_limited")
@blp.doc(security=BEARER)
def send(data, shift_id: int):
    """Write to the shift's volunteers (org members, the shift's leads on its day).

    Each volunteer in the group gets it through their channel and can answer; the
    author never gets their own message.
    """
    shift = services.shift_for_conversation(shift_id, current_user)
    message = services.send_to_shift(current_user, shift, data["body"], data["to"])
    db.session.commit()
    mark_message_sent()
    return {"id": message.id, "recipients": message.recipients}


@blp.route("/shifts/<int:shift_id>/messages", methods=["GET"])
@login_required
@blp.arguments(PageArgsSchema, location="query", error_status_code=400)
@blp.response(200, page_schema(ConversationItemSchema, "ConversationPage"))
@blp.alt_response(403, schema=ErrorSchema, description="not_shift_day (a lead)")
@blp.alt_response(
    404, schema=ErrorSchema, description="not_found (also: not a member or lead)"
)
@blp.doc(security=BEARER)
def conversation(args, shift_id: int):
    """The shift's conversation, oldest first: messages and volunteers' replies."""
    shift = services.shift_for_conversation(shift_id, current_user)
    entries = services.conversation(shift)
    return page_of([item_body(m) for m in entries], args["page"], args["per_page"])
