"""E-mail: each delivery is sent over SMTP at once, and kept in the outbox as sent.

The Message-ID is derived from the delivery's key, so a message sent again after
a crash (sent, but not yet recorded as sent) is recognisably the same message.
Without MAIL_SERVER the e-mail is written to the log instead (development).
"""

import logging
import smtplib
from email.message import EmailMessage
from email.utils import format_datetime, parseaddr

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..extensions import db
from ..mail import DEFAULT_SENDER, _close, _connect
from ..models import Delivery, EmailOutbox, User, utcnow
from ..notifications import header_text
from .base import ChannelFailed, ChannelUnavailable, Message

logger = logging.getLogger("marketplace.mail")

_ERROR_LENGTH = 300


def message_id(key: str, sender: str) -> str:
    """The Message-ID of a delivery: the same key gives the same id."""
    domain = parseaddr(sender)[1].rpartition("@")[2] or "goodsociety.example"
    return f"<delivery.{key}@{domain}>"


def body_of(message: Message) -> str:
    """The plain-text e-mail: greeting, the line, next step, link, answers."""
    parts = [
        _("Hello %(name)s,", name=message.name),
        message.text,
        message.next_step,
        _("Open it here: %(link)s", link=message.link),
    ]
    if message.answer_links:
        answers = [_("Answer with one tap:")]
        answers += [f"- {label}: {url}" for label, url in message.answer_links]
        parts.append("\n".join(answers))
    parts.append(
        _("Choose how we reach you (e-mail, LINE): %(link)s", link=message.settings)
    )
    return "\n\n".join(part for part in parts if part)


class EmailChannel:
    """E-mail to the account's address."""

    name = "email"
    label = _l("E-mail")

    def enabled(self) -> bool:
        """Always on (without MAIL_SERVER e-mails go to the log)."""
        return True

    def reaches(self, user: User) -> bool:
        """Anyone with a real address (a walk-in without one has `.invalid`)."""
        return bool(user.email) and not user.email.lower().endswith(".invalid")

    def send(self, delivery: Delivery, message: Message) -> None:
        """Send now; record the e-mail in the outbox as sent."""
        config = current_app.config
        user = delivery.user
        sender = config.get("MAIL_SENDER") or DEFAULT_SENDER
        subject = header_text(message.subject)
        body = body_of(message)
        try:
            email = EmailMessage()
            email["From"] = sender
            email["To"] = user.email
            email["Subject"] = subject
            email["Date"] = format_datetime(utcnow())
            email["Message-ID"] = message_id(delivery.key, sender)
            email.set_content(body, charset="utf-8")
        except (ValueError, TypeError) as error:  # an address that cannot be used
            raise ChannelUnavailable(_short(error)) from error
        if config.get("MAIL_SERVER"):
            _send_smtp(config, email)
        else:
            logger.info("E-mail to %s\nSubject: %s\n\n%s", user.email, subject, body)
        db.session.add(
            EmailOutbox(
                user_id=user.id,
                to_email=user.email,
                subject=subject,
                body=body,
                sent_at=utcnow(),
            )
        )


def _send_smtp(config, email: EmailMessage) -> None:
    """One message over one connection; a refused address is unavailable for good."""
    connection = None
    try:
        connection = _connect(config)
        connection.send_message(email)
    except smtplib.SMTPRecipientsRefused as error:
        raise ChannelUnavailable(_short(error)) from error
    except (smtplib.SMTPException, OSError) as error:
        raise ChannelFailed(_short(error)) from error
    finally:
        _close(connection)


def _short(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:_ERROR_LENGTH]
