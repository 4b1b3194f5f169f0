"""Sending the e-mail outbox over SMTP (the account e-mails of `queue_email`).

Notifications go through marketplace/channels (the e-mail channel reuses the
connection helpers here); shift reminders are in marketplace/reminders.py.
`deliver_outbox` changes rows and leaves the commit to the caller (a CLI command).
Delivery is at least once: a message sent before a crash, but not committed as
sent, is sent again by the next run; commit after each batch to keep that small.
"""

import logging
import smtplib
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr
from typing import Any

import sqlalchemy as sa

from .extensions import db
from .models import EmailOutbox, utcnow
from .notifications import header_text

logger = logging.getLogger(__name__)

DEFAULT_SENDER = "Good Society Expo <no-reply@goodsociety.example>"
# After this many failed attempts a message is given up: failed, never retried.
MAX_ATTEMPTS = 5
DEFAULT_TIMEOUT = 10.0
_ERROR_LENGTH = 300


@dataclass(frozen=True)
class DeliveryReport:
    """How many e-mails one delivery run sent, and how many failed."""

    sent: int = 0
    failed: int = 0


def deliver_outbox(
    config: Mapping[str, Any], limit: int | None = None
) -> DeliveryReport:
    """Send unsent e-mails, oldest first; without MAIL_SERVER, log them instead.

    A failure is counted on its message (`attempts`, `last_error`) and does not
    stop the others; messages that failed MAX_ATTEMPTS times are not tried again.
    """
    emails = db.session.scalars(
        sa.select(EmailOutbox)
        .where(EmailOutbox.sent_at.is_(None), EmailOutbox.attempts < MAX_ATTEMPTS)
        .order_by(EmailOutbox.created_at, EmailOutbox.id)
        .limit(limit)
        # Two runs at once (PostgreSQL) share the queue instead of both sending.
        .with_for_update(skip_locked=True)
    ).all()
    if not config.get("MAIL_SERVER"):
        for email in emails:
            logger.info(
                "E-mail to %s\nSubject: %s\n\n%s",
                email.to_email,
                header_text(email.subject),
                email.body,
            )
            email.sent_at = utcnow()
        return DeliveryReport(sent=len(emails))

    sender = config.get("MAIL_SENDER") or DEFAULT_SENDER
    sent = failed = 0
    connection: smtplib.SMTP | None = None
    try:
        # Each message in its own try: one that cannot be built or sent counts an
        # attempt and never stops the ones after it.
        for email in emails:
            try:
                message = _message(email, sender)
            except Exception as error:  # a bad row: nothing to do with the server
                _count_failure(email, error)
                failed += 1
                continue
            try:
                if connection is None:
                    connection = _connect(config)
                connection.send_message(message)
            except Exception as error:
                _count_failure(email, error)
                failed += 1
                # Start the next message on a fresh connection.
                _close(connection)
                connection = None
            else:
                email.sent_at = utcnow()
                sent += 1
    finally:
        _close(connection)
    return DeliveryReport(sent=sent, failed=failed)


def _count_failure(email: EmailOutbox, error: Exception) -> None:
    """Count a failed attempt; after MAX_ATTEMPTS the message is given up (failed)."""
    email.attempts += 1
    email.last_error = f"{type(error).__name__}: {error}"[:_ERROR_LENGTH]
    if email.attempts >= MAX_ATTEMPTS:
        logger.error(
            "E-mail %s failed %d times, given up: %s",
            email.id,
            email.attempts,
            email.last_error,
        )
    else:
        logger.warning("E-mail %s not sent: %s", email.id, email.last_error)


def _connect(config: Mapping[str, Any]) -> smtplib.SMTP:
    """Open an SMTP connection: STARTTLS and login when configured."""
    connection = smtplib.SMTP(
        config["MAIL_SERVER"],
        int(config.get("MAIL_PORT") or 25),
        timeout=float(config.get("MAIL_TIMEOUT") or DEFAULT_TIMEOUT),
    )
    try:
        if config.get("MAIL_USE_TLS"):
            connection.starttls(context=ssl.create_default_context())
        username, password = config.get("MAIL_USERNAME"), config.get("MAIL_PASSWORD")
        if username and password:
            connection.login(username, password)
    except Exception:
        _close(connection)
        raise
    return connection


def _close(connection: smtplib.SMTP | None) -> None:
    """Say goodbye to the server if it still listens; close the socket anyway."""
    if connection is None:
        return
    try:
        connection.quit()
    except (smtplib.SMTPException, OSError):
        connection.close()


def _message(email: EmailOutbox, sender: str) -> EmailMessage:
    """The outbox row as a UTF-8 e-mail."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email.to_email
    # Rows queued before subjects were cleaned may still hold a line break.
    message["Subject"] = header_text(email.subject)
    message["Date"] = format_datetime(utcnow())
    # The same Message-ID on every attempt: a message sent again after a crash
    # (sent, but not yet marked sent) is one a receiver can tell is a repeat.
    domain = parseaddr(sender)[1].rpartition("@")[2] or socket.getfqdn()
    stamp = int(email.created_at.timestamp()) if email.created_at else 0
    message["Message-ID"] = f"<outbox.{email.id}.{stamp}@{domain}>"
    message.set_content(email.body, charset="utf-8")
    return message
