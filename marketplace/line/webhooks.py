"""LINE's webhook events: follow, unfollow, postback answers, text replies.

Each event is handled once (its webhookEventId is recorded in the same
transaction as what it did) and committed on its own; the reply goes out after
the commit. A failing event is rolled back and logged, never a 500: LINE would
deliver the whole batch again.
"""

import logging
from datetime import datetime

from flask import current_app
from flask_babel import force_locale

from ..extensions import db
from . import client, services

log = logging.getLogger(__name__)


class BadSignature(Exception):
    """X-Line-Signature is missing or does not match the body."""


def parse_events(body: str, signature: str) -> list:
    """The events of a webhook body whose signature is right (line-bot-sdk)."""
    from linebot.v3 import WebhookParser
    from linebot.v3.exceptions import InvalidSignatureError

    if not signature:
        raise BadSignature()
    parser = WebhookParser(current_app.config["LINE_CHANNEL_SECRET"])
    try:
        return parser.parse(body, signature)
    except InvalidSignatureError:
        raise BadSignature() from None
    except (ValueError, TypeError, KeyError) as error:
        # Signed by LINE but not understood: answer 200, or LINE sends it again.
        log.warning("LINE webhook body not understood: %s", error)
        return []


def handle_events(events: list, now: datetime) -> None:
    """Handle each event once, each in its own transaction, then reply."""
    for event in events:
        event_id = getattr(event, "webhook_event_id", None)
        if not event_id:
            continue
        try:
            if not services.first_time(event_id, now):
                db.session.rollback()
                continue
            answer = handle(event, now)
            db.session.commit()
        except Exception:  # one broken event must not fail (and resend) the batch
            db.session.rollback()
            log.exception("LINE webhook event %s failed", event_id)
            continue
        token = getattr(event, "reply_token", None)
        if answer and token:
            client.reply(token, answer)


def _line_user_id(event) -> str | None:
    source = getattr(event, "source", None)
    return getattr(source, "user_id", None)


def handle(event, now: datetime) -> str | None:
    """What one event does; returns the reply's text (None: no reply)."""
    from linebot.v3.webhooks import (
        FollowEvent,
        MessageEvent,
        PostbackEvent,
        TextMessageContent,
        UnfollowEvent,
    )

    line_user_id = _line_user_id(event)
    if not line_user_id:
        return None  # a group or a room: not a person's chat with the account
    if isinstance(event, UnfollowEvent):
        services.set_friend(line_user_id, False)
        return None
    user = services.user_for_line_id(line_user_id)
    if isinstance(event, FollowEvent):
        account = services.set_friend(line_user_id, True)
        if account is not None and (name := client.display_name(line_user_id)):
            account.display_name = name[:120]
        if user is None:
            return _in_thai(services.how_to_link)
        return None
    if isinstance(event, PostbackEvent):
        if user is None:
            return _in_thai(services.how_to_link)
        return services.answer_postback(user, event.postback.data or "", now)
    if isinstance(event, MessageEvent):
        if user is None:
            return _in_thai(services.how_to_link)
        if isinstance(event.message, TextMessageContent):
            return services.file_text(user, event.message.text, now)
        with force_locale(user.locale or "th"):
            return services.text_help()
    return None


def _in_thai(sentence) -> str:
    """A reply to someone the marketplace does not know: Thai, its first language."""
    with force_locale("th"):
        return sentence()
