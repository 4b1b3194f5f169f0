"""Deliveries: notify() plans one per chosen channel; the queue sends each once.

A Delivery is created in the caller's transaction with a unique key and sent by
the `deliver` task once that transaction commits. Sending locks the row (FOR
UPDATE SKIP LOCKED on PostgreSQL), skips it when it is no longer pending, sends,
and marks it sent in the same transaction. A crash after sending but before the
commit leaves it pending: the sweeper sends it again with the same key, which
the channel passes on (e-mail Message-ID, LINE retry key), so the receiving side
recognises the repeat. ChannelUnavailable falls back along CHANNELS (LINE →
e-mail → in-app only); ChannelFailed is retried with exponential backoff.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from .. import actions
from ..extensions import db
from ..jobs import after_commit
from ..links import public_url
from ..models import Delivery, DeliveryStatus, Notification, User
from ..notifications import KINDS, message_text
from . import CHANNELS, INAPP, ChannelFailed, ChannelUnavailable, Message
from .preferences import chosen_channels

# A delivery that failed this many times (temporarily) is given up.
MAX_ATTEMPTS = 6
# The first retry waits this long; each next one twice as long, up to MAX_DELAY.
FIRST_DELAY = timedelta(seconds=30)
MAX_DELAY = timedelta(hours=1)
# A pending delivery untouched this long is sent again by the sweeper (its
# enqueue was lost: a crash between commit and enqueue, or a killed consumer).
SWEEP_BATCH = 500
_ERROR_LENGTH = 500


@dataclass(frozen=True)
class Outcome:
    """What one try did: the delivery's status, and when to try again if at all."""

    status: str
    retry_in: timedelta | None = None


def plan_deliveries(user: User, notification: Notification, topic: str) -> None:
    """One Delivery per channel the person chose for `topic`, sent after commit."""
    for name in chosen_channels(user, topic):
        delivery = Delivery(
            notification=notification,
            user_id=user.id,
            channel=name,
            key=uuid.uuid4().hex,
        )
        db.session.add(delivery)
        after_commit(_deliver_task(), delivery.key)


def _deliver_task():
    from .tasks import deliver

    return deliver


def backoff(attempts: int) -> timedelta:
    """The wait before the next try after `attempts` failed ones: 30 s, 1 min, 2 …"""
    doublings = min(max(attempts - 1, 0), 20)  # 2**20 × 30 s is far past MAX_DELAY
    return min(FIRST_DELAY * 2**doublings, MAX_DELAY)


def compose(delivery: Delivery) -> Message:
    """The delivery's notification in its reader's language, for any channel."""
    notification, user = delivery.notification, delivery.user
    data = notification.data or {}
    kind = KINDS.get(notification.kind)
    with force_locale(user.locale or "th"):
        text = message_text(notification.kind, data)
        link = public_url("main.notifications")
        if kind is not None and kind.link is not None:
            endpoint, values = kind.link(data)
            link = public_url(endpoint, **values)
        next_step = kind.next_step(data) if kind and kind.next_step else ""
        answers = [
            (str(label), code)
            for label, code in (kind.actions(data) if kind and kind.actions else [])
        ]
        return Message(
            key=delivery.key,
            name=user.display_name,
            text=text,
            subject=_("Good Society Expo: %(line)s", line=text),
            link=link,
            next_step=str(next_step),
            actions=answers,
            answer_links=[
                (
                    label,
                    public_url(
                        "channels.answer", answer_token=actions.sign(user, code)
                    ),
                )
                for label, code in answers
            ],
            settings=public_url("channels.settings"),
        )


def fallback_chain(delivery: Delivery, taken: set[str]) -> list[str]:
    """The channels to try: its own, then the later ones no sibling delivery has."""
    names = list(CHANNELS)
    start = names.index(delivery.channel) if delivery.channel in names else 0
    return [delivery.channel] + [
        name for name in names[start + 1 :] if name not in taken
    ]


def deliver_now(key: str, now: datetime) -> Outcome:
    """Send the pending delivery with this key once; the caller commits.

    A delivery that is locked by another worker, gone, or no longer pending is
    left alone (that is what makes a second run harmless).
    """
    if db.session.get_bind().dialect.name == "sqlite":
        # SQLite locks no rows: take its write lock first, so that a second
        # worker on the same key waits for this commit, then finds the row sent.
        db.session.execute(
            sa.update(Delivery)
            .where(Delivery.key == key)
            .values(attempts=Delivery.attempts)
        )
    delivery = db.session.scalar(
        sa.select(Delivery).where(Delivery.key == key).with_for_update(skip_locked=True)
    )
    if delivery is None:
        return Outcome("absent")
    if delivery.status != DeliveryStatus.PENDING:
        return Outcome(delivery.status)
    user = delivery.user
    if user.erased_at is not None:
        return _finish(delivery, DeliveryStatus.INAPP_ONLY, INAPP, now, [])
    taken = set(
        db.session.scalars(
            sa.select(Delivery.channel).where(
                Delivery.notification_id == delivery.notification_id,
                Delivery.id != delivery.id,
            )
        )
    )
    message = compose(delivery)
    unavailable: list[str] = []
    for name in fallback_chain(delivery, taken):
        if name == INAPP:
            break
        channel = CHANNELS.get(name)
        if channel is None or not channel.enabled():
            continue  # gone, or not configured here (LINE without a token)
        try:
            if not channel.reaches(user):
                raise ChannelUnavailable("does not reach this person")
            with force_locale(user.locale or "th"):
                channel.send(delivery, message)
        except ChannelUnavailable as error:
            unavailable.append(f"{name}: {error}")
            continue
        except ChannelFailed as error:
            delivery.attempts += 1
            delivery.last_error = _errors([*unavailable, f"{name}: {error}"])
            if delivery.attempts >= MAX_ATTEMPTS:
                delivery.status = DeliveryStatus.FAILED
                return Outcome(DeliveryStatus.FAILED)
            wait = backoff(delivery.attempts)
            delivery.next_attempt_at = now + wait
            return Outcome(DeliveryStatus.PENDING, retry_in=wait)
        return _finish(delivery, DeliveryStatus.SENT, name, now, unavailable)
    return _finish(delivery, DeliveryStatus.INAPP_ONLY, INAPP, now, unavailable)


def _finish(
    delivery: Delivery, status: str, used: str, now: datetime, errors: list[str]
) -> Outcome:
    delivery.status = status
    delivery.channel_used = used
    delivery.attempts += 1
    delivery.sent_at = now
    delivery.next_attempt_at = None
    delivery.last_error = _errors(errors)
    return Outcome(status)


def _errors(errors: list[str]) -> str | None:
    return "; ".join(errors)[:_ERROR_LENGTH] or None


def stale_after() -> timedelta:
    """How long a pending delivery waits before the sweeper enqueues it again."""
    return timedelta(seconds=current_app.config["DELIVERY_STALE_SECONDS"])


def requeue_stale_deliveries(now: datetime) -> int:
    """Enqueue again the pending deliveries nobody touched for a while.

    How long is DELIVERY_STALE_SECONDS (a retry's backoff is never that long).

    Their first enqueue was lost (a crash between the commit and the enqueue, a
    consumer killed mid-task). Sending stays once-only: the task skips anything
    no longer pending. The caller commits; the tasks are enqueued after that.
    """
    last_touched = sa.func.coalesce(Delivery.next_attempt_at, Delivery.created_at)
    stale = db.session.scalars(
        sa.select(Delivery)
        .where(
            Delivery.status == DeliveryStatus.PENDING,
            last_touched <= now - stale_after(),
        )
        .order_by(Delivery.id)
        .limit(SWEEP_BATCH)
        .with_for_update(skip_locked=True)
    ).all()
    for delivery in stale:
        delivery.next_attempt_at = now
        after_commit(_deliver_task(), delivery.key)
    return len(stale)


def pending_keys(channel: str) -> list[str]:
    """The keys of pending deliveries on a channel, oldest first (`flask send-mail`)."""
    return list(
        db.session.scalars(
            sa.select(Delivery.key)
            .where(
                Delivery.status == DeliveryStatus.PENDING, Delivery.channel == channel
            )
            .order_by(Delivery.id)
        )
    )
