"""LINE's Messaging API through line-bot-sdk: push, reply, profile, push quota.

The channels' LINE adapter (marketplace/channels/line.py) uses only
`line_user_id_for`, `push` and the two exceptions below. Every request goes to
LINE_API_BASE_URL, so the tests talk to a stand-in on loopback.
"""

import logging
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import LineAccount, LinePushCount, User, utcnow
from . import messaging_enabled

log = logging.getLogger(__name__)

BANGKOK = ZoneInfo("Asia/Bangkok")
# LINE's limits: a text message, a quick-reply button's label, its items.
TEXT_LIMIT = 5000
LABEL_LIMIT = 20
QUICK_REPLY_LIMIT = 13
# Retry keys are UUIDs; other keys are turned into one, always the same.
RETRY_NAMESPACE = uuid.UUID("5b0c3f4e-8a1d-4c43-9d4e-6c1e0b7a2f10")


class LineError(Exception):
    """A message could not be sent through LINE."""


class LineUnavailable(LineError):
    """LINE cannot take this message now: use another channel at once.

    LINE is off, the month's push quota is used up, or the person blocked the
    official account (or is not a friend).
    """


class LineTemporaryError(LineError):
    """LINE failed for now (network, 5xx, rate limit): retry later, with backoff."""


def line_user_id_for(user: User) -> str | None:
    """The LINE user id pushes to `user` go to: linked and a friend, else None."""
    if not messaging_enabled() or user.erased_at is not None:
        return None
    return db.session.scalar(
        sa.select(LineAccount.line_user_id).where(
            LineAccount.user_id == user.id, LineAccount.is_friend.is_(True)
        )
    )


def month_of(now: datetime) -> str:
    """The quota's month of a moment, "2026-12" (Asia/Bangkok)."""
    return now.astimezone(BANGKOK).strftime("%Y-%m")


def pushes_in_month(now: datetime | None = None) -> int:
    """How many pushes were counted in the month of `now`."""
    row = db.session.get(LinePushCount, month_of(now or utcnow()))
    return row.pushes if row is not None else 0


def reserve_push(now: datetime) -> bool:
    """Count one push against the month's quota; False when it is used up.

    One statement (an upsert whose update applies only below the quota), so two
    workers never both take the last push; on PostgreSQL the row stays locked
    until the caller's transaction ends. Part of the caller's transaction: a
    push that is rolled back is not counted.
    """
    quota = current_app.config["LINE_PUSH_QUOTA"]
    if quota <= 0:
        return False
    table = LinePushCount.__table__
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(table)
        .values(month=month_of(now), pushes=1)
        .on_conflict_do_update(
            index_elements=[table.c.month],
            set_={"pushes": table.c.pushes + 1},
            where=table.c.pushes < quota,
        )
        .returning(table.c.pushes)
    )
    return db.session.execute(statement).scalar_one_or_none() is not None


def _release_push(now: datetime) -> None:
    """Give back a push counted for a message LINE did not take."""
    db.session.execute(
        sa.update(LinePushCount)
        .where(LinePushCount.month == month_of(now), LinePushCount.pushes > 0)
        .values(pushes=LinePushCount.pushes - 1)
    )


def retry_key_uuid(key: str) -> str:
    """The X-Line-Retry-Key for a delivery's key: the key if a UUID, else derived."""
    try:
        return str(uuid.UUID(key))
    except ValueError:
        return str(uuid.uuid5(RETRY_NAMESPACE, key))


def _api_client():
    from linebot.v3.messaging import ApiClient, Configuration

    config = current_app.config
    return ApiClient(
        Configuration(
            host=config["LINE_API_BASE_URL"].rstrip("/"),
            access_token=config["LINE_CHANNEL_ACCESS_TOKEN"],
        )
    )


def text_message(text: str, actions: list[tuple[str, str]] = ()):
    """A LINE text message with the answers as quick-reply postback buttons."""
    from linebot.v3.messaging import (
        PostbackAction,
        QuickReply,
        QuickReplyItem,
        TextMessage,
    )

    items = [
        QuickReplyItem(
            action=PostbackAction(
                label=label[:LABEL_LIMIT], data=code, displayText=label[:300]
            )
        )
        for label, code in list(actions)[:QUICK_REPLY_LIMIT]
    ]
    if len(text) > TEXT_LIMIT:
        text = text[: TEXT_LIMIT - 1] + "…"
    return TextMessage(text=text, quickReply=QuickReply(items=items) if items else None)


def push(
    line_user_id: str,
    text: str,
    actions: list[tuple[str, str]],
    link: str | None,
    retry_key: str,
) -> None:
    """Push one message to one person; raise LineUnavailable or LineTemporaryError.

    The link (to the page the message is about) ends the text, where LINE makes
    it tappable; the answers are quick-reply postback buttons. The retry key is
    sent as X-Line-Retry-Key, so LINE never delivers a retried push twice (it
    answers 409 to a key it took already: the message went out, and is counted
    now, since the attempt that sent it never committed its count).
    """
    if not messaging_enabled():
        raise LineUnavailable("LINE is not configured")
    now = utcnow()
    if not reserve_push(now):
        raise LineUnavailable("the month's LINE push quota is used up")
    body = f"{text}\n{link}" if link else text
    try:
        _send_push(line_user_id, text_message(body, actions), retry_key)
    except LineError:
        _release_push(now)
        raise
    # A 409 (LINE took this retry key before) is counted too: the attempt LINE
    # took died before its transaction, and its count, were committed.


def _send_push(line_user_id: str, message, retry_key: str) -> bool:
    """Send; True when LINE took a new message, False when it had it already."""
    from linebot.v3.messaging import ApiException, MessagingApi, PushMessageRequest
    from urllib3.exceptions import HTTPError

    try:
        with _api_client() as client:
            MessagingApi(client).push_message(
                PushMessageRequest(to=line_user_id, messages=[message]),
                x_line_retry_key=retry_key_uuid(retry_key),
                _request_timeout=current_app.config["LINE_TIMEOUT"],
            )
    except ApiException as error:
        if error.status == 409:
            return False  # the retry key was accepted before: the message is out
        _push_refused(line_user_id, error)
    except (HTTPError, OSError) as error:
        raise LineTemporaryError(f"LINE could not be reached: {error}") from error
    return True


def _push_refused(line_user_id: str, error) -> None:
    """Turn LINE's refusal into what the channel does next (always raises)."""
    status = error.status or 0
    body = str(error.body or "")
    if status in (400, 403):
        # Blocked, or not a friend: stop pushing until they follow again.
        db.session.execute(
            sa.update(LineAccount)
            .where(LineAccount.line_user_id == line_user_id)
            .values(is_friend=False)
        )
        raise LineUnavailable(f"LINE refused the push ({status}): {body[:200]}")
    if status == 429 and "monthly limit" not in body.lower():
        raise LineTemporaryError("LINE's rate limit: try again later")
    if status >= 500:
        raise LineTemporaryError(f"LINE answered {status}")
    if status == 401:
        log.error("LINE refused the channel access token (401): check it")
    raise LineUnavailable(f"LINE refused the push ({status}): {body[:200]}")


def reply(reply_token: str, text: str) -> bool:
    """Answer a webhook event (free, not counted); False when LINE refused it."""
    from linebot.v3.messaging import ApiException, MessagingApi, ReplyMessageRequest
    from urllib3.exceptions import HTTPError

    if not messaging_enabled() or not reply_token:
        return False
    try:
        with _api_client() as client:
            MessagingApi(client).reply_message(
                ReplyMessageRequest(
                    replyToken=reply_token, messages=[text_message(text)]
                ),
                _request_timeout=current_app.config["LINE_TIMEOUT"],
            )
    except (ApiException, HTTPError, OSError) as error:
        log.warning("LINE reply failed: %s", str(error).splitlines()[0])
        return False
    return True


def display_name(line_user_id: str) -> str | None:
    """The name a friend shows on LINE (their profile), or None."""
    from linebot.v3.messaging import ApiException, MessagingApi
    from urllib3.exceptions import HTTPError

    if not messaging_enabled():
        return None
    try:
        with _api_client() as client:
            profile = MessagingApi(client).get_profile(
                line_user_id, _request_timeout=current_app.config["LINE_TIMEOUT"]
            )
    except (ApiException, HTTPError, OSError) as error:
        log.warning("LINE profile failed: %s", str(error).splitlines()[0])
        return None
    return profile.display_name
