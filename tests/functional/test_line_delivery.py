"""LINE end to end: notify() → the channels → the REAL marketplace.line.client →
the stand-in of LINE (tests/standins/line.py), and back through signed webhooks.

No fake client module: what the stand-in records is what LINE would have received.
"""

import re
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import url_for

from marketplace.applications.confirmations import ask_for_confirmations
from marketplace.channels.line import retry_key as line_retry_key
from marketplace.channels.tasks import deliver
from marketplace.conversations.services import send_to_shift
from marketplace.extensions import db
from marketplace.line import client as line_client
from marketplace.models import (
    Application,
    ApplicationStatus,
    Delivery,
    DeliveryStatus,
    LineAccount,
    MessageKind,
    Notification,
    Role,
    ShiftMessage,
    User,
    utcnow,
)
from marketplace.notifications import notify
from tests import factories
from tests.functional.test_mail import Inbox, smtp_server
from tests.standins import line as events

SITE = "https://expo.test.example"


@pytest.fixture
def inbox(app) -> Iterator[Inbox]:
    """A loopback SMTP server the app sends to (LINE's fallback)."""
    with smtp_server(Inbox()) as handler:
        app.config.update(handler.config())
        yield handler


def on_line(standin, user: User, name: str = "Mali") -> str:
    """Make `user` a LINE friend of the official account, linked; their LINE id."""
    person = standin.add_user(name, is_friend=True)
    db.session.add(
        LineAccount(
            user_id=user.id,
            line_user_id=person.user_id,
            display_name=name,
            is_friend=True,
        )
    )
    db.session.commit()
    return person.user_id


def approved_place(volunteer: User, *, capacity: int = 5, hours: int = 10):
    """An approved place for `volunteer` on a shift starting in `hours`."""
    member = factories.make_user(Role.ORGANIZER)
    organization = factories.make_organization(members=[member])
    shift = factories.make_opportunity(
        organization,
        starts=utcnow().replace(microsecond=0) + timedelta(hours=hours),
        capacity=capacity,
    ).shifts[0]
    application = Application(
        shift=shift,
        volunteer=volunteer,
        status=ApplicationStatus.APPROVED,
        status_changed_at=utcnow() - timedelta(hours=1),
    )
    shift.spots_taken += 1
    db.session.add(application)
    db.session.commit()
    return application


def deliveries(user: User) -> list[Delivery]:
    """The person's deliveries as the queue left them (read afresh)."""
    db.session.rollback()
    return list(
        db.session.scalars(
            sa.select(Delivery).where(Delivery.user_id == user.id).order_by(Delivery.id)
        )
    )


def my_shifts_link(app) -> str:
    with app.test_request_context():
        return SITE + url_for("volunteers.my_shifts")


# --- Pushes through the real client ---------------------------------------------


def test_the_question_reaches_line_with_answers_and_link(app, line, inbox):
    volunteer = factories.make_user(locale="en")
    line_id = on_line(line, volunteer)
    application = approved_place(volunteer)

    assert ask_for_confirmations(utcnow()) == 1
    db.session.commit()  # the delivery task runs now (HUEY_IMMEDIATE)

    (delivery,) = deliveries(volunteer)
    assert (delivery.channel, delivery.channel_used) == ("line", "line")
    assert delivery.status == DeliveryStatus.SENT
    (push,) = line.pushes
    assert push["to"] == line_id
    assert push["retry_key"] == line_retry_key(delivery.key)  # the same on retries
    assert uuid.UUID(push["retry_key"]).version == 5
    (message,) = push["messages"]
    assert message["type"] == "text"
    assert message["text"].startswith("Are you coming to “สอนการบ้านเด็ก”")
    assert "your place goes to someone on the waitlist" in message["text"]
    assert message["text"].endswith("\n" + my_shifts_link(app))
    buttons = [item["action"] for item in message["quickReply"]["items"]]
    assert [(b["type"], b["label"], b["data"]) for b in buttons] == [
        ("postback", "I'm coming", f"coming:{application.id}"),
        ("postback", "I can't come", f"not_coming:{application.id}"),
    ]
    assert inbox.messages == []  # LINE instead of e-mail, not as well
    assert line_client.pushes_in_month() == 1


def test_past_the_push_quota_the_message_goes_by_email(app, line, inbox):
    app.config["LINE_PUSH_QUOTA"] = 1
    volunteer = factories.make_user(email="mali@example.org", locale="en")
    on_line(line, volunteer)
    for title in ("first", "second"):
        notify(volunteer, "application_approved", title=title)
        db.session.commit()

    first, second = deliveries(volunteer)
    assert (first.channel, first.channel_used) == ("line", "line")
    assert (second.channel, second.channel_used) == ("line", "email")
    assert "quota" in second.last_error
    assert len(line.pushes) == 1 and "first" in line.pushes[0]["messages"][0]["text"]
    (mail,) = inbox.messages
    assert mail["To"] == "mali@example.org" and "second" in mail["Subject"]
    assert second.key in mail["Message-ID"]
    assert line_client.pushes_in_month() == 1


def test_a_temporary_line_failure_is_retried_with_the_same_retry_key(app, line, inbox):
    volunteer = factories.make_user()
    on_line(line, volunteer)
    line.fail_pushes.append(503)
    notify(volunteer, "application_approved", title="สอนการบ้านเด็ก")
    db.session.commit()

    (delivery,) = deliveries(volunteer)
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert line.pushes == [] and inbox.messages == []
    assert line_client.pushes_in_month() == 0  # a failed push is not counted
    key = delivery.key
    db.session.commit()

    deliver.call_local(key)  # the retry, as the consumer runs it
    deliver.call_local(key)  # and a repeated one: nothing more
    (delivery,) = deliveries(volunteer)
    assert delivery.status == DeliveryStatus.SENT
    (push,) = line.pushes
    assert push["retry_key"] == line_retry_key(key)
    assert inbox.messages == []


def test_line_can_be_chosen_once_linked(app, client, auth, line):
    me = factories.make_user(email="me@example.org", locale="en")
    db.session.commit()
    auth.login("me@example.org")
    page = client.get("/account/channels").get_data(as_text=True)
    assert re.search(r'data-testid="offers-line"\s+disabled', page)
    assert "Link your LINE account first." in page

    on_line(line, me)
    page = client.get("/account/channels").get_data(as_text=True)
    assert not re.search(r'data-testid="offers-line"\s+disabled', page)
    assert re.search(r'data-testid="offers-line"\s+checked', page)  # the default


# --- Answers and replies through the webhook ------------------------------------


def test_coming_postback_confirms_the_place(app, client, line):
    volunteer = factories.make_user(locale="en")
    line_id = on_line(line, volunteer)
    application = approved_place(volunteer)

    tap = events.postback(line_id, f"coming:{application.id}")
    assert line.webhook(client, [tap]).status_code == 200

    db.session.rollback()
    application = db.session.get(Application, application.id)
    assert application.confirmed_at is not None
    assert application.status is ApplicationStatus.APPROVED
    assert len(line.replies) == 1 and line.replies[0]["messages"][0]["text"]


def test_not_coming_postback_withdraws_and_promotes_the_waitlist(app, client, line):
    volunteer = factories.make_user(locale="en")
    line_id = on_line(line, volunteer)
    going = approved_place(volunteer, capacity=1)
    shift = going.shift
    waiting = Application(
        shift=shift,
        volunteer=factories.make_user(),
        status=ApplicationStatus.WAITLISTED,
        status_changed_at=utcnow() - timedelta(minutes=30),
    )
    db.session.add(waiting)
    db.session.commit()

    tap = events.postback(line_id, f"not_coming:{going.id}")
    assert line.webhook(client, [tap]).status_code == 200

    db.session.rollback()
    going = db.session.get(Application, going.id)
    waiting = db.session.get(Application, waiting.id)
    assert going.status is ApplicationStatus.WITHDRAWN
    assert going.cant_come_at is not None
    assert waiting.status.holds_spot
    assert going.shift.spots_taken == 1
    promoted = db.session.scalar(
        sa.select(Notification.kind).where(Notification.user_id == waiting.volunteer_id)
    )
    assert promoted == "promoted_from_waitlist"
    assert len(line.replies) == 1


def test_a_text_after_a_shift_message_is_filed_into_its_conversation(app, client, line):
    volunteer = factories.make_user(locale="en")
    line_id = on_line(line, volunteer)
    application = approved_place(volunteer)
    shift = application.shift
    (member,) = [m.user for m in shift.opportunity.organization.memberships]
    send_to_shift(member, shift, "เจอกันพรุ่งนี้ 9 โมงที่บูธ A", "held")
    db.session.commit()
    # The message reached the volunteer on LINE, linking to their thread.
    (push,) = line.pushes
    assert push["to"] == line_id
    assert "เจอกันพรุ่งนี้" in push["messages"][0]["text"]
    assert f"{SITE}/" in push["messages"][0]["text"]

    said = events.text(line_id, "ไปสายสิบนาทีค่ะ")
    assert line.webhook(client, [said]).status_code == 200

    db.session.rollback()
    reply = db.session.scalar(
        sa.select(ShiftMessage).where(ShiftMessage.kind == MessageKind.REPLY)
    )
    assert reply is not None
    assert (reply.shift_id, reply.author_id) == (shift.id, volunteer.id)
    assert reply.body == "ไปสายสิบนาทีค่ะ"
    assert line.replies[-1]["messages"][0]["text"] == (
        "Thank you: the organisers of your shift will read your message."
    )
