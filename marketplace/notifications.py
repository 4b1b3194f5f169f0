"""Telling people what happened: the catalogue of messages, and notify().

notify() leaves the in-app notification and plans its deliveries through the
person's channels (marketplace/channels); queue_email is only for the account
e-mails (password reset, walk-in sign-up) that are not notifications.
"""

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup

from .actions import code_for
from .extensions import db
from .i18n import format_day
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


def _start_day(data: dict[str, Any]) -> str:
    """The day a message's shift starts, as people write it in the current language."""
    raw = data.get("starts_at", "")
    # A page's copy of the data has its strings marked up (web.notification_html).
    text = raw.striptags() if isinstance(raw, Markup) else str(raw)
    try:
        starts = datetime.fromisoformat(text)
    except ValueError:
        return ""
    return format_day(starts, "long", str(get_locale() or "th"))


def _page(endpoint: str, **needs: str) -> Callable[[dict[str, Any]], tuple[str, dict]]:
    """A link to `endpoint` with values taken from the data (`value=data_key`).

    When the data lacks one (a message written before it was recorded), the link
    goes to the notifications page instead, never to a broken address.
    """

    def link(data: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        values = {name: data.get(key) for name, key in needs.items()}
        if any(not isinstance(value, int) for value in values.values()):
            return ("main.notifications", {})
        return (endpoint, values)

    return link


def _offer_answers(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Take the offered place, or let it go (marketplace/actions.py)."""
    offer_id = data.get("offer_id")
    if not isinstance(offer_id, int):
        return []
    return [
        (_("Take the place"), f"take:{offer_id}"),
        (_("Not this time"), f"skip:{offer_id}"),
    ]


_MY_SHIFTS = _page("volunteers.my_shifts")
_APPLICANTS = _page("organizations.applicants", opportunity_id="opportunity_id")
_BROWSE = _page("volunteers.browse")
_DASHBOARD = _page("organizations.dashboard", organization_id="organization_id")


# Every kind of message the marketplace sends; a feature adds its own here.
KINDS: dict[str, Kind] = {
    "application_received": Kind(
        lambda d: _(
            "New application from %(name)s for “%(title)s”.",
            name=d.get("volunteer", ""),
            title=d.get("title", ""),
        ),
        link=_APPLICANTS,
        next_step=lambda d: _(
            "Accept or decline the application on the applicants page."
        ),
        topic="applications",
    ),
    "application_accepted": Kind(
        lambda d: _(
            "You have a spot on “%(title)s”. Staff will confirm it soon.",
            title=d.get("title", ""),
        ),
        link=_MY_SHIFTS,
        next_step=lambda d: _(
            "Nothing to do now: we tell you as soon as staff confirm your place."
        ),
        topic="applications",
    ),
    "application_declined": Kind(
        lambda d: _(
            "The organisation could not take you on “%(title)s”.",
            title=d.get("title", ""),
        ),
        link=_BROWSE,
        next_step=lambda d: _("Look for another opportunity that suits you."),
        topic="applications",
    ),
    "application_approved": Kind(
        lambda d: _(
            "Confirmed: you volunteer on “%(title)s”.", title=d.get("title", "")
        ),
        link=_MY_SHIFTS,
        next_step=lambda d: _(
            "Check the time and the place on My shifts, and add the shift to your "
            "calendar."
        ),
        topic="applications",
    ),
    "application_rejected": Kind(
        lambda d: _(
            "Staff did not confirm your place on “%(title)s”.", title=d.get("title", "")
        ),
        link=_BROWSE,
        next_step=lambda d: _("Look for another opportunity that suits you."),
        topic="applications",
    ),
    "match_approved": Kind(
        lambda d: _(
            "Staff confirmed %(name)s on “%(title)s”.",
            name=d.get("volunteer", ""),
            title=d.get("title", ""),
        ),
        link=_APPLICANTS,
        next_step=lambda d: _("The volunteer is on your roster: nothing more to do."),
        topic="applications",
    ),
    "match_rejected": Kind(
        lambda d: _(
            "Staff did not confirm %(name)s on “%(title)s”.",
            name=d.get("volunteer", ""),
            title=d.get("title", ""),
        ),
        link=_APPLICANTS,
        next_step=lambda d: _(
            "See on the applicants page who has the place now: it went to the waitlist."
        ),
        topic="applications",
    ),
    "promoted_from_waitlist": Kind(
        lambda d: _(
            "A spot freed up: you now have a place on “%(title)s”.",
            title=d.get("title", ""),
        ),
        link=_MY_SHIFTS,
        next_step=lambda d: _(
            "Check the time and the place on My shifts; if you cannot come, withdraw "
            "there so someone else can go."
        ),
        topic="applications",
    ),
    "organization_verified": Kind(
        lambda d: _(
            "%(name)s is verified: you can publish opportunities now.",
            name=d.get("organization", ""),
        ),
        link=_DASHBOARD,
        next_step=lambda d: _(
            "Publish your first opportunity from your organisation's dashboard."
        ),
        topic="organisations",
    ),
    "organization_rejected": Kind(
        lambda d: _(
            "%(name)s was not verified: %(reason)s",
            name=d.get("organization", ""),
            reason=d.get("reason", ""),
        ),
        link=_DASHBOARD,
        next_step=lambda d: _(
            "Correct what the reason names on your organisation's profile, or write "
            "to the expo staff."
        ),
        topic="organisations",
    ),
    "shift_reminder": Kind(
        lambda d: _(
            "Reminder: “%(title)s” is tomorrow at %(time)s.",
            title=d.get("title", ""),
            time=d.get("time", ""),
        ),
        link=_MY_SHIFTS,
        next_step=lambda d: _(
            "Check where to go on My shifts; if you cannot come, withdraw there so "
            "someone else can take the place."
        ),
        topic="shifts",
    ),
    "membership_invited": Kind(
        lambda d: _(
            "%(inviter)s invites you to join %(name)s. Accept or decline the "
            "invitation under My organisations → Invitations.",
            inviter=d.get("inviter", ""),
            name=d.get("organization", ""),
        ),
        link=_page("organizations.invitations"),
        next_step=lambda d: _(
            "Accept or decline the invitation on the Invitations page."
        ),
        topic="organisations",
    ),
    "invited": Kind(
        lambda d: _(
            "%(name)s invites you to “%(title)s”.",
            name=d.get("organization", ""),
            title=d.get("title", ""),
        ),
        link=_MY_SHIFTS,
        next_step=lambda d: _("Accept or decline the invitation on My shifts."),
        topic="applications",
    ),
    "place_offered": Kind(
        lambda d: _(
            "A place on “%(title)s” is offered to you for %(minutes)s minutes: "
            "take it under I'm free now.",
            title=d.get("title", ""),
            minutes=d.get("minutes", ""),
        ),
        link=_page("floaters.free_now"),
        next_step=lambda d: _(
            "Take the place or let it go with one tap, before the offer runs out."
        ),
        topic="offers",
        actions=_offer_answers,
    ),
    "group_leader": Kind(
        lambda d: _("You now lead the group %(group)s.", group=d.get("group", "")),
        link=_page("groups.group", group_id="group_id"),
        next_step=lambda d: _(
            "Share the group's join code and reserve places on shifts for it."
        ),
        topic="news",
    ),
    "group_places_released": Kind(
        lambda d: _(
            "Unfilled places of %(group)s on “%(title)s” went back to the "
            "shift: %(count)s.",
            count=d.get("count", ""),
            group=d.get("group", ""),
            title=d.get("title", ""),
        ),
        link=_page("groups.group", group_id="group_id"),
        next_step=lambda d: _("Members can still apply to the shift one by one."),
        topic="shifts",
    ),
    "edonation_verified": Kind(
        lambda d: _(
            "%(name)s: your e-Donation details are verified. Donors now see "
            "“Donate with tax deduction” on your page.",
            name=d.get("organization", ""),
        ),
        link=_page("edonation.details", organization_id="organization_id"),
        next_step=lambda d: _(
            "When pledged money arrives through e-Donation, mark the pledge received."
        ),
        topic="organisations",
    ),
    "edonation_rejected": Kind(
        # The staff's reason follows as "Their message" (message_text).
        lambda d: _(
            "%(name)s: your e-Donation details were not verified.",
            name=d.get("organization", ""),
        ),
        link=_page("edonation.details", organization_id="organization_id"),
        next_step=lambda d: _("Fix the details and send them again."),
        topic="organisations",
    ),
    # A member (or the shift's lead) wrote to the shift's volunteers
    # (conversations.services.send_to_shift); a lead is not named to volunteers.
    "shift_message": Kind(
        lambda d: _(
            "%(sender)s (%(organization)s) about “%(title)s”: %(body)s",
            sender=d.get("sender") or _("The shift lead"),
            organization=d.get("organization", ""),
            title=d.get("title", ""),
            body=d.get("body", ""),
        ),
        link=_page("conversations.thread", shift_id="shift_id"),
        next_step=lambda d: _("Answer here or reply in LINE."),
        topic="messages",
    ),
    "confirm_attendance": Kind(
        lambda d: _(
            "Are you coming to “%(title)s” on %(day)s at %(time)s?",
            title=d.get("title", ""),
            day=_start_day(d),
            time=d.get("time", ""),
        ),
        link=lambda d: ("volunteers.my_shifts", {}),
        next_step=lambda d: _(
            "Answer “I'm coming” or “I can't come”: if you can't, your place goes "
            "to someone on the waitlist."
        ),
        actions=lambda d: [
            (_("I'm coming"), f"coming:{d.get('application_id')}"),
            (_("I can't come"), f"not_coming:{d.get('application_id')}"),
        ],
        topic="shifts",
    ),
    "volunteer_cant_come": Kind(
        lambda d: _(
            "%(name)s can't come to “%(title)s”: the place went to the waitlist, "
            "or is open again.",
            name=d.get("volunteer", ""),
            title=d.get("title", ""),
        ),
        link=_APPLICANTS,
        next_step=lambda d: _("Check the shift's people on the applicants page."),
        topic="applications",
    ),
    "place_released": Kind(
        lambda d: _(
            "Your place on “%(title)s” was released: you did not confirm it "
            "%(hours)s hours before the start.",
            title=d.get("title", ""),
            hours=d.get("hours", ""),
        ),
        link=_page("volunteers.opportunity", opportunity_id="opportunity_id"),
        next_step=lambda d: _(
            "If you can still come, apply again: you may get a place if one is free."
        ),
        topic="shifts",
    ),
    # Cover (issue 13): a place handed on, offered to one candidate at a time.
    "cover_offered": Kind(
        lambda d: _(
            "A volunteer can't come to “%(title)s”: their place is offered to you "
            "for %(minutes)s minutes.",
            title=d.get("title", ""),
            minutes=d.get("minutes", ""),
        ),
        link=lambda d: ("volunteers.my_shifts", {}),
        next_step=lambda d: _(
            "Take the place if you can come; otherwise say no, and it goes to the "
            "next person."
        ),
        actions=lambda d: [
            (_("Take this place"), code_for("take", d.get("offer_id", 0))),
            (_("No, thank you"), code_for("skip", d.get("offer_id", 0))),
        ],
        topic="offers",
    ),
    "cover_found": Kind(
        lambda d: _(
            "Someone takes your place on “%(title)s”: you no longer hold it. "
            "Thank you for finding cover.",
            title=d.get("title", ""),
        ),
        link=lambda d: ("volunteers.my_shifts", {}),
        next_step=lambda d: _("Nothing more to do. Find another shift when you can."),
        topic="shifts",
    ),
    "cover_not_found": Kind(
        lambda d: _(
            "No one could take your place on “%(title)s”: it is still yours.",
            title=d.get("title", ""),
        ),
        link=lambda d: ("volunteers.my_shifts", {}),
        next_step=lambda d: _(
            "Come if you can. If you cannot, ask again later or withdraw, so the "
            "organisation knows."
        ),
        topic="shifts",
    ),
    "cover_taken": Kind(
        lambda d: _(
            "%(name)s takes the place of %(giver)s on “%(title)s”.",
            name=d.get("volunteer", ""),
            giver=d.get("giver", ""),
            title=d.get("title", ""),
        ),
        link=lambda d: (
            "organizations.applicants",
            {"opportunity_id": d.get("opportunity_id", 0)},
        ),
        next_step=lambda d: _("See the new name on the applicants page."),
        topic="applications",
    ),
    "cover_released": Kind(
        lambda d: _(
            "%(name)s let you go from “%(title)s”: you no longer hold the place.",
            name=d.get("organization", ""),
            title=d.get("title", ""),
        ),
        link=lambda d: ("volunteers.my_shifts", {}),
        next_step=lambda d: _("Nothing more to do. Find another shift when you can."),
        topic="shifts",
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
        link=_page("service_hours.review_queue", organization_id="organization_id"),
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


def notify(user: User, kind: str, **data: Any) -> Notification:
    """Tell a person something: the in-app notification, then their channels.

    One Delivery per channel the person chose for the kind's topic is added to
    the caller's transaction and sent by the queue once it commits
    (marketplace/channels). `data` must be JSON: ids, titles, ISO times.
    """
    notification = Notification(user_id=user.id, kind=kind, data=data)
    db.session.add(notification)
    if user.erased_at is None:
        from .channels.delivery import plan_deliveries

        entry = KINDS.get(kind)
        plan_deliveries(user, notification, entry.topic if entry else "news")
    return notification


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
