"""Messages to a shift and the volunteers' replies (issue 13, "Messages to a shift").

One conversation per shift: what the organisation's members and the shift's
leads wrote to its volunteers, and what the volunteers answered. Every member
sees all of it (the organisation's shared inbox), each with their own read
state; a volunteer sees only their own thread (the messages that reached them
and their own replies), never another volunteer's name or contact.

Replies do not notify the members one by one: the inbox and the conversation
show what is unread per member. A 200-volunteer shift could otherwise send each
member 200 notifications in an hour; the shared inbox is where they work.

Services take the actor, check access, raise DomainError subclasses and never
commit.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from .. import access
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..inputs import LONG_TEXT
from ..models import (
    HOLDS_SPOT,
    Application,
    ApplicationStatus,
    Audience,
    ConversationRead,
    Membership,
    MessageKind,
    MessageRecipient,
    Opportunity,
    Shift,
    ShiftMessage,
    User,
    utcnow,
)
from ..notifications import notify

# Longest message or reply (characters; inputs.LONG_TEXT): a LINE text holds
# 5,000; a message to a shift is a few sentences.
MAX_BODY = LONG_TEXT["shift_message.body"]
# A volunteer may still answer until a day after the shift ended.
REPLY_WINDOW = timedelta(days=1)

_STATUSES = {
    Audience.HELD: frozenset(HOLDS_SPOT),
    Audience.WAITLISTED: frozenset({ApplicationStatus.WAITLISTED}),
    Audience.ALL: frozenset(HOLDS_SPOT | {ApplicationStatus.WAITLISTED}),
}


class NoRecipients(Conflict):
    """Nobody is in the chosen group of the shift(s): nothing is sent (409)."""

    def __init__(self):
        super().__init__(
            "no_recipients",
            str(
                _l(
                    "Nobody is in that group yet, so the message was not sent. "
                    "Choose another group, or write when volunteers have signed up."
                )
            ),
        )


class ConversationClosed(Conflict):
    """The shift ended more than a day ago: replies are closed (409)."""

    def __init__(self):
        super().__init__(
            "conversation_closed",
            str(_l("This shift is over, so replies are closed.")),
        )


# --- Input ---------------------------------------------------------------------


def clean_body(body: object) -> str:
    """The text of a message or reply, trimmed; 422 on `body` if empty or too long."""
    text = body.strip() if isinstance(body, str) else ""
    if not text:
        raise ValidationFailed(fields={"body": [str(_l("Write a message."))]})
    if len(text) > MAX_BODY:
        message = _l("Use at most %(max)d characters.", max=MAX_BODY)
        raise ValidationFailed(fields={"body": [str(message)]})
    return text


def parse_audience(to: object) -> Audience:
    """The group a message goes to: "held", "waitlisted" or "all"; 422 on `to`."""
    try:
        return Audience(to)
    except ValueError:
        message = _l("Choose who gets the message: held, waitlisted or all.")
        raise ValidationFailed(fields={"to": [str(message)]}) from None


# --- Who gets a message -----------------------------------------------------------


def _audience_query(shift_ids: list[int], audience: Audience, author_id: int | None):
    return (
        sa.select(Application.shift_id, Application.volunteer_id)
        .join(User, User.id == Application.volunteer_id)
        .where(
            Application.shift_id.in_(shift_ids),
            Application.status.in_(_STATUSES[audience]),
            Application.volunteer_id != (author_id or 0),
            User.erased_at.is_(None),
        )
        .order_by(Application.id)
    )


def recipient_counts(
    shift_ids: list[int], author: User | None = None
) -> dict[int, dict[str, int]]:
    """Per shift, how many volunteers each group ("held", …) reaches (one query)."""
    rows = db.session.execute(
        sa.select(Application.shift_id, Application.status, sa.func.count())
        .join(User, User.id == Application.volunteer_id)
        .where(
            Application.shift_id.in_(shift_ids),
            Application.status.in_(_STATUSES[Audience.ALL]),
            Application.volunteer_id != (author.id if author else 0),
            User.erased_at.is_(None),
        )
        .group_by(Application.shift_id, Application.status)
    ).all()
    counts = {shift_id: dict.fromkeys(Audience, 0) for shift_id in shift_ids}
    for shift_id, status, number in rows:
        for audience, statuses in _STATUSES.items():
            if status in statuses:
                counts[shift_id][audience] += number
    return {
        shift_id: {audience.value: n for audience, n in by_audience.items()}
        for shift_id, by_audience in counts.items()
    }


def counts_of(
    applications: list[Application], author: User | None = None
) -> dict[str, int]:
    """How many of these applications each group reaches (no query: for pages that
    have loaded a shift's applications with their volunteers already)."""
    counts = dict.fromkeys((audience.value for audience in Audience), 0)
    for application in applications:
        if author is not None and application.volunteer_id == author.id:
            continue
        if application.volunteer.erased_at is not None:
            continue
        for audience, statuses in _STATUSES.items():
            if application.status in statuses:
                counts[audience.value] += 1
    return counts


def upcoming_shifts(opportunity: Opportunity, now: datetime) -> list[Shift]:
    """The opportunity's shifts that have not ended: what a message to it reaches."""
    return [shift for shift in opportunity.shifts if shift.ends_at > now]


# --- Writing to volunteers ----------------------------------------------------------


def _sender_name(author: User, shift: Shift) -> str:
    """How volunteers see the author: a member by name, a lead as "the shift lead"."""
    return author.display_name if access.is_member(author, shift) else ""


def _post(
    author: User,
    shift: Shift,
    body: str,
    audience: Audience,
    volunteer_ids: list[int],
    now: datetime,
) -> ShiftMessage:
    message = ShiftMessage(
        shift_id=shift.id,
        kind=MessageKind.MESSAGE,
        author_id=author.id,
        body=body,
        audience=audience,
        recipients=len(volunteer_ids),
        created_at=now,
    )
    db.session.add(message)
    db.session.flush()
    db.session.execute(
        sa.insert(MessageRecipient),
        [{"message_id": message.id, "volunteer_id": v} for v in volunteer_ids],
    )
    facts = {
        "shift_id": shift.id,
        "message_id": message.id,
        "opportunity_id": shift.opportunity_id,
        "title": shift.opportunity.title,
        "organization": shift.opportunity.organization.name_th,
        "sender": _sender_name(author, shift),
        "starts_at": shift.starts_at.isoformat(),
        "body": body,
    }
    for volunteer in db.session.scalars(
        sa.select(User).where(User.id.in_(volunteer_ids)).order_by(User.id)
    ):
        notify(volunteer, "shift_message", **facts)
    _read_up_to(author, shift.id, message.id, now)
    return message


def send_to_shift(
    author: User,
    shift: Shift,
    body: object,
    to: object,
    now: datetime | None = None,
) -> ShiftMessage:
    """Write to the shift's volunteers in the group `to`; each is notified.

    Members of the shift's organisation may, and its leads on its day. The
    author never receives their own message (a lead holds a place too). 409
    `no_recipients` when the group is empty: nothing is stored or sent.
    """
    access.require(author, access.MESSAGE, shift)
    text, audience = clean_body(body), parse_audience(to)
    volunteer_ids = [
        volunteer_id
        for _shift_id, volunteer_id in db.session.execute(
            _audience_query([shift.id], audience, author.id)
        )
    ]
    if not volunteer_ids:
        raise NoRecipients()
    return _post(author, shift, text, audience, volunteer_ids, now or utcnow())


def send_to_opportunity(
    author: User,
    opportunity: Opportunity,
    body: object,
    to: object,
    now: datetime | None = None,
) -> list[ShiftMessage]:
    """Write to the volunteers of each shift of the opportunity that has not ended.

    Members only. Each shift gets the message in its own conversation (shifts with
    nobody in the group are skipped); 409 `no_recipients` if no shift has anyone.
    """
    access.require(author, access.ACT, opportunity)
    now = now or utcnow()
    text, audience = clean_body(body), parse_audience(to)
    shifts = upcoming_shifts(opportunity, now)
    by_shift: dict[int, list[int]] = {shift.id: [] for shift in shifts}
    if shifts:
        for shift_id, volunteer_id in db.session.execute(
            _audience_query(list(by_shift), audience, author.id)
        ):
            by_shift[shift_id].append(volunteer_id)
    messages = [
        _post(author, shift, text, audience, by_shift[shift.id], now)
        for shift in shifts
        if by_shift[shift.id]
    ]
    if not messages:
        raise NoRecipients()
    return messages


# --- Volunteers' replies ------------------------------------------------------------


def _messaged(volunteer_id: int):
    """The ids of the messages that reached the volunteer (a subquery)."""
    return sa.select(MessageRecipient.message_id).where(
        MessageRecipient.volunteer_id == volunteer_id
    )


def was_messaged(volunteer: User, shift_id: int) -> bool:
    """Whether any message of the shift reached the volunteer (they have a thread)."""
    return (
        db.session.scalar(
            sa.select(ShiftMessage.id)
            .where(
                ShiftMessage.shift_id == shift_id,
                ShiftMessage.id.in_(_messaged(volunteer.id)),
            )
            .limit(1)
        )
        is not None
    )


def thread_shift(volunteer: User, shift_id: int) -> Shift:
    """The shift of the volunteer's own thread; 404 if no message reached them."""
    if not volunteer.is_authenticated or not was_messaged(volunteer, shift_id):
        raise NotFound()
    return access.get_shift_or_404(shift_id)


def _reply(volunteer: User, shift: Shift, text: str, now: datetime) -> ShiftMessage:
    message = ShiftMessage(
        shift_id=shift.id,
        kind=MessageKind.REPLY,
        author_id=volunteer.id,
        body=text,
        recipients=0,
        created_at=now,
    )
    db.session.add(message)
    db.session.flush()
    return message


def reply(
    volunteer: User, shift: Shift, body: object, now: datetime | None = None
) -> ShiftMessage:
    """The volunteer answers in their thread with the shift (their page).

    404 unless a message of the shift reached them; 409 `conversation_closed` a day
    after the shift ended.
    """
    now = now or utcnow()
    if not was_messaged(volunteer, shift.id):
        raise NotFound()
    if shift.ends_at + REPLY_WINDOW <= now:
        raise ConversationClosed()
    return _reply(volunteer, shift, clean_body(body), now)


def file_reply(volunteer: User, body: str, now: datetime) -> ShiftMessage | None:
    """File a volunteer's free text (a LINE message) into a conversation.

    It goes to the shift whose message reached the volunteer last, among shifts
    not over for more than a day (REPLY_WINDOW). None when there is no such shift
    or the text is empty (the caller then answers with a short help text); a text
    longer than MAX_BODY is cut. The caller commits.
    """
    text = body.strip() if isinstance(body, str) else ""
    if not text:
        return None
    shift_id = db.session.scalar(
        sa.select(ShiftMessage.shift_id)
        .join(Shift, Shift.id == ShiftMessage.shift_id)
        .where(
            ShiftMessage.id.in_(_messaged(volunteer.id)),
            Shift.ends_at > now - REPLY_WINDOW,
        )
        .order_by(ShiftMessage.created_at.desc(), ShiftMessage.id.desc())
        .limit(1)
    )
    if shift_id is None:
        return None
    shift = db.session.get(Shift, shift_id)
    return _reply(volunteer, shift, text[:MAX_BODY], now)


# --- Reading ------------------------------------------------------------------------


def conversation(shift: Shift) -> list[ShiftMessage]:
    """The shift's whole conversation, oldest first, with the authors (one query)."""
    return list(
        db.session.scalars(
            sa.select(ShiftMessage)
            .where(ShiftMessage.shift_id == shift.id)
            .options(so.joinedload(ShiftMessage.author))
            .order_by(ShiftMessage.id)
        )
    )


def thread(volunteer: User, shift: Shift) -> list[ShiftMessage]:
    """The volunteer's own thread: messages that reached them and their replies."""
    return list(
        db.session.scalars(
            sa.select(ShiftMessage)
            .where(
                ShiftMessage.shift_id == shift.id,
                sa.or_(
                    sa.and_(
                        ShiftMessage.kind == MessageKind.MESSAGE,
                        ShiftMessage.id.in_(_messaged(volunteer.id)),
                    ),
                    sa.and_(
                        ShiftMessage.kind == MessageKind.REPLY,
                        ShiftMessage.author_id == volunteer.id,
                    ),
                ),
            )
            .options(so.joinedload(ShiftMessage.author))
            .order_by(ShiftMessage.id)
        )
    )


def member_ids(organization_id: int) -> set[int]:
    """The active members of an organisation (to name authors to volunteers)."""
    return set(
        db.session.scalars(
            sa.select(Membership.user_id).where(
                Membership.organization_id == organization_id, Membership.is_active
            )
        )
    )


def threads_of(volunteer: User, shift_ids: list[int]) -> set[int]:
    """Which of the shifts have a thread for the volunteer (for My shifts)."""
    if not shift_ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(ShiftMessage.shift_id)
            .where(
                ShiftMessage.shift_id.in_(shift_ids),
                ShiftMessage.id.in_(_messaged(volunteer.id)),
            )
            .distinct()
        )
    )


# --- Read state -------------------------------------------------------------------


def _read_row(user: User, shift_id: int) -> ConversationRead | None:
    return db.session.scalar(
        sa.select(ConversationRead).where(
            ConversationRead.shift_id == shift_id, ConversationRead.user_id == user.id
        )
    )


def _read_up_to(user: User, shift_id: int, last_id: int, now: datetime) -> None:
    row = _read_row(user, shift_id)
    if row is None:
        try:
            with db.session.begin_nested():
                db.session.add(
                    ConversationRead(
                        shift_id=shift_id,
                        user_id=user.id,
                        last_read_id=last_id,
                        read_at=now,
                    )
                )
            return
        except sa.exc.IntegrityError:  # the same member in two tabs at once
            row = _read_row(user, shift_id)
    if row is not None:
        row.last_read_id, row.read_at = last_id, now


def mark_read(user: User, shift: Shift, messages: list[ShiftMessage]) -> None:
    """The member has seen the conversation up to its newest entry."""
    newest = max((m.id for m in messages), default=0)
    row = _read_row(user, shift.id)
    if row is None or row.last_read_id < newest:
        _read_up_to(user, shift.id, newest, utcnow())


def mark_unread(user: User, shift: Shift) -> None:
    """Show the conversation as unread again: its newest entry by someone else."""
    access.require(user, access.MESSAGE, shift)
    newest = db.session.scalar(
        sa.select(sa.func.max(ShiftMessage.id)).where(
            ShiftMessage.shift_id == shift.id, _by_someone_else(user)
        )
    )
    if newest is not None:
        _read_up_to(user, shift.id, newest - 1, utcnow())


def _by_someone_else(user: User) -> sa.ColumnElement[bool]:
    return sa.or_(ShiftMessage.author_id.is_(None), ShiftMessage.author_id != user.id)


def last_read_id(user: User, shift: Shift) -> int:
    """The id up to which the member has read the shift's conversation (0: none)."""
    row = _read_row(user, shift.id)
    return row.last_read_id if row else 0


@dataclass(frozen=True)
class InboxRow:
    """One shift with a conversation, in an organisation's shared inbox."""

    shift: Shift
    entries: int
    replies: int
    unread: int
    last_at: datetime


def _inbox_counts(user: User, organization_id: int):
    read = so.aliased(ConversationRead)
    unread = sa.case(
        (
            sa.and_(
                ShiftMessage.id > sa.func.coalesce(read.last_read_id, 0),
                _by_someone_else(user),
            ),
            1,
        ),
        else_=0,
    )
    is_reply = sa.case((ShiftMessage.kind == MessageKind.REPLY, 1), else_=0)
    return (
        sa.select(
            ShiftMessage.shift_id.label("shift_id"),
            sa.func.count(ShiftMessage.id).label("entries"),
            sa.func.sum(is_reply).label("replies"),
            sa.func.sum(unread).label("unread"),
            sa.func.max(ShiftMessage.created_at).label("last_at"),
        )
        .join(Shift, Shift.id == ShiftMessage.shift_id)
        .join(Opportunity, Opportunity.id == Shift.opportunity_id)
        .outerjoin(
            read,
            sa.and_(read.shift_id == ShiftMessage.shift_id, read.user_id == user.id),
        )
        .where(Opportunity.organization_id == organization_id)
        .group_by(ShiftMessage.shift_id)
        .subquery()
    )


def inbox(user: User, organization_id: int) -> list[InboxRow]:
    """The organisation's shifts with a conversation, newest first (one query).

    With each: how many entries and replies, and how many are unread for `user`.
    """
    counts = _inbox_counts(user, organization_id)
    rows = db.session.execute(
        sa.select(
            Shift, counts.c.entries, counts.c.replies, counts.c.unread, counts.c.last_at
        )
        .join(counts, counts.c.shift_id == Shift.id)
        .options(so.joinedload(Shift.opportunity))
        .order_by(counts.c.last_at.desc(), Shift.id.desc())
    ).all()
    return [
        InboxRow(shift, entries, int(replies or 0), int(unread or 0), last_at)
        for shift, entries, replies, unread, last_at in rows
    ]


def unread_total(user: User, organization_id: int) -> int:
    """How many entries of the organisation's conversations `user` has not read."""
    counts = _inbox_counts(user, organization_id)
    return int(db.session.scalar(sa.select(sa.func.sum(counts.c.unread))) or 0)


def shift_for_conversation(shift_id: int, user: User) -> Shift:
    """A shift whose conversation the user may read and write to, else 404.

    Members of its organisation, and its leads on its day (a lead on another day
    hears why: 403 `not_shift_day`). Anyone else gets 404, as if there were none.
    """
    shift = access.get_shift_or_404(shift_id)
    if access.may(user, access.MESSAGE, shift):
        return shift
    if access.is_shift_lead(user, shift):
        access.require(user, access.MESSAGE, shift)
    raise NotFound()
