"""Telling people what happened: in-app notifications and e-mails in the outbox."""

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask_babel import force_locale
from flask_babel import gettext as _

from .extensions import db
from .links import public_url
from .models import Application, EmailOutbox, Notification, User

# Longest subject kept; longer ones end in "…". Mail clients show about 60-80.
SUBJECT_LENGTH = 150


def header_text(text: str, limit: int = SUBJECT_LENGTH) -> str:
    """Text made safe for an e-mail header: one line, no control characters, capped.

    Subjects quote what people typed (a staff member's rejection reason, an
    opportunity's title); a line break there would end the header, or make the
    message impossible to build.
    """
    words = "".join(
        " " if unicodedata.category(char) == "Cc" else char for char in text
    ).split()
    line = " ".join(words)
    if len(line) > limit:
        line = line[: limit - 1].rstrip() + "…"
    return line


def queue_email(user: User, subject: str, body: str) -> EmailOutbox | None:
    """Put an e-mail to the user in the outbox; the only way e-mails are queued.

    An address in the reserved `.invalid` domain (RFC 2606: a walk-in who gave no
    e-mail) can never receive mail: nothing is queued for it.
    """
    if user.email.lower().endswith(".invalid"):
        return None
    email = EmailOutbox(
        user_id=user.id, to_email=user.email, subject=header_text(subject), body=body
    )
    db.session.add(email)
    return email


@dataclass(frozen=True)
class Kind:
    """One kind of message: what it says, where it points, what one can answer.

    `text` is the one line (in the current language) every channel shows; `link`
    names the page it is about as (endpoint, values), made absolute from
    PUBLIC_URL; `next_step` says what to do now; `actions` are the one-tap
    answers (marketplace/actions.py) as (label, code) pairs; `topic` is the group
    a person chooses channels for.
    """

    text: Callable[[dict[str, Any]], str]
    link: Callable[[dict[str, Any]], tuple[str, dict[str, Any]]] | None = None
    next_step: Callable[[dict[str, Any]], str] | None = None
    actions: Callable[[dict[str, Any]], list[tuple[str, str]]] | None = None
    topic: str = "news"


# Every kind of message the marketplace sends; a feature adds its own here.
KINDS: dict[str, Kind] = {
    "application_received": Kind(
        lambda d: _(
            "New application from %(name)s for “%(title)s”.",
            name=d.get("volunteer", ""),
            title=d.get("title", ""),
        )
    ),
    "application_accepted": Kind(
        lambda d: _(
            "You have a spot on “%(title)s”. Staff will confirm it soon.",
            title=d.get("title", ""),
        )
    ),
    "application_declined": Kind(
        lambda d: _(
            "The organisation could not take you on “%(title)s”.",
            title=d.get("title", ""),
        )
    ),
    "application_approved": Kind(
        lambda d: _(
            "Confirmed: you volunteer on “%(title)s”.", title=d.get("title", "")
        )
    ),
    "application_rejected": Kind(
        lambda d: _(
            "Staff did not confirm your place on “%(title)s”.", title=d.get("title", "")
        )
    ),
    "match_approved": Kind(
        lambda d: _(
            "Staff confirmed %(name)s on “%(title)s”.",
            name=d.get("volunteer", ""),
            title=d.get("title", ""),
        )
    ),
    "match_rejected": Kind(
        lambda d: _(
            "Staff did not confirm %(name)s on “%(title)s”.",
            name=d.get("volunteer", ""),
            title=d.get("title", ""),
        )
    ),
    "promoted_from_waitlist": Kind(
        lambda d: _(
            "A spot freed up: you now have a place on “%(title)s”.",
            title=d.get("title", ""),
        )
    ),
    "organization_verified": Kind(
        lambda d: _(
            "%(name)s is verified: you can publish opportunities now.",
            name=d.get("organization", ""),
        )
    ),
    "organization_rejected": Kind(
        lambda d: _(
            "%(name)s was not verified: %(reason)s",
            name=d.get("organization", ""),
            reason=d.get("reason", ""),
        )
    ),
    "shift_reminder": Kind(
        lambda d: _(
            "Reminder: “%(title)s” is tomorrow at %(time)s.",
            title=d.get("title", ""),
            time=d.get("time", ""),
        )
    ),
    "membership_invited": Kind(
        lambda d: _(
            "%(inviter)s invites you to join %(name)s. Accept or decline the "
            "invitation under My organisations → Invitations.",
            inviter=d.get("inviter", ""),
            name=d.get("organization", ""),
        )
    ),
    "invited": Kind(
        lambda d: _(
            "%(name)s invites you to “%(title)s”.",
            name=d.get("organization", ""),
            title=d.get("title", ""),
        )
    ),
    "place_offered": Kind(
        lambda d: _(
            "A place on “%(title)s” is offered to you for %(minutes)s minutes: "
            "take it under I'm free now.",
            title=d.get("title", ""),
            minutes=d.get("minutes", ""),
        )
    ),
    # Hours that count (issue 15): reported hours and their review.
    "hours_reported": Kind(
        lambda d: _(
            "%(name)s reported %(hours)s hours with %(organization)s on %(day)s.",
            name=d.get("volunteer", ""),
            hours=d.get("hours", ""),
            organization=d.get("organization", ""),
            day=d.get("day", ""),
        ),
        link=lambda d: (
            "service_hours.review_queue",
            {"organization_id": d.get("organization_id")},
        ),
        next_step=lambda d: _("Approve, change or decline the reported hours."),
        topic="applications",
    ),
    "hours_approved": Kind(
        lambda d: _(
            "%(organization)s certified your %(hours)s reported hours of %(day)s.",
            organization=d.get("organization", ""),
            hours=d.get("hours", ""),
            day=d.get("day", ""),
        ),
        link=lambda d: ("service_hours.mine", {}),
        next_step=lambda d: _("They now count on your service-hour record."),
        topic="applications",
    ),
    "hours_changed": Kind(
        lambda d: _(
            "%(organization)s certified %(hours)s of the %(reported)s hours you "
            "reported for %(day)s.",
            organization=d.get("organization", ""),
            hours=d.get("hours", ""),
            reported=d.get("reported", ""),
            day=d.get("day", ""),
        ),
        link=lambda d: ("service_hours.mine", {}),
        next_step=lambda d: _(
            "See their reason; ask the organisation if something is missing."
        ),
        topic="applications",
    ),
    "hours_declined": Kind(
        lambda d: _(
            "%(organization)s did not certify the hours you reported for %(day)s.",
            organization=d.get("organization", ""),
            day=d.get("day", ""),
        ),
        link=lambda d: ("service_hours.mine", {}),
        next_step=lambda d: _(
            "See their reason; you can report the hours again with more detail."
        ),
        topic="applications",
    ),
    "certification_withdrawn": Kind(
        lambda d: _(
            "%(organization)s withdrew its certification of your hours of %(day)s.",
            organization=d.get("organization", ""),
            day=d.get("day", ""),
        ),
        link=lambda d: ("service_hours.mine", {}),
        next_step=lambda d: _(
            "Those hours no longer count; records that list them say so."
        ),
        topic="applications",
    ),
}


def message_text(kind: str, data: dict[str, Any]) -> str:
    """One line about a notification, in the current language."""
    entry = KINDS.get(kind)
    line = entry.text(data) if entry else data.get("title", "")
    said = data.get("message") or data.get("reason")
    if said:
        # What the organisation or staff wrote with their decision reaches the person.
        line = _("%(line)s Their message: “%(message)s”", line=line, message=said)
    return line


def notify(user: User, kind: str, **data: Any) -> None:
    """Leave an in-app notification and queue the same news as an e-mail."""
    db.session.add(Notification(user_id=user.id, kind=kind, data=data))
    if user.erased_at is not None:
        return
    with force_locale(user.locale or "th"):
        line = message_text(kind, data)
        subject = _("Good Society Expo: %(line)s", line=line)
        body = "\n\n".join(
            [
                _("Hello %(name)s,", name=user.display_name),
                line,
                _("See the details on the Good Society Marketplace."),
                public_url("main.notifications"),
            ]
        )
    queue_email(user, subject, body)


def about_application(application: Application, **extra: Any) -> dict[str, Any]:
    """The facts a notification about an application carries."""
    shift = application.shift
    return {
        "application_id": application.id,
        "shift_id": shift.id,
        "opportunity_id": shift.opportunity_id,
        "title": shift.opportunity.title,
        "starts_at": shift.starts_at.isoformat(),
        **extra,
    }
