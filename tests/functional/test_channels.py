"""Notifications reach people through channels: deliveries, fallback, answers."""

import asyncio
import re
import threading
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from huey.exceptions import RetryTask

from marketplace import actions
from marketplace.channels import CHANNELS, TOPICS, ChannelUnavailable
from marketplace.channels.delivery import (
    MAX_ATTEMPTS,
    backoff,
    deliver_now,
    requeue_stale_deliveries,
    stale_after,
)
from marketplace.channels.preferences import save_choices
from marketplace.channels.tasks import deliver, send_outbox
from marketplace.extensions import db
from marketplace.links import public_url
from marketplace.models import (
    ChannelPreference,
    Delivery,
    DeliveryStatus,
    EmailOutbox,
    Offer,
    OfferKind,
    OfferStatus,
    Role,
    utcnow,
)
from marketplace.notifications import KINDS, notify, queue_email
from marketplace.privacy.services import erase_user, export_user_data
from tests import factories
from tests.conftest import TEST_DB
from tests.functional.test_mail import Inbox, smtp_server
from tests.servers import free_port

SITE = "https://expo.test.example"


@pytest.fixture
def inbox(app) -> Iterator[Inbox]:
    """A loopback SMTP server the app sends to."""
    with smtp_server(Inbox()) as handler:
        app.config.update(handler.config())
        yield handler


def deliveries() -> list[Delivery]:
    """The deliveries as the queue left them (a fresh transaction sees its work)."""
    db.session.commit()
    return db.session.scalars(sa.select(Delivery).order_by(Delivery.id)).all()


def lose_the_enqueue() -> None:
    """As if the process died between the commit and the enqueue."""
    db.session.info.pop("jobs_after_commit", None)


# Planning: one delivery per chosen channel, in the caller's transaction.
def test_by_default_a_message_goes_by_email_once_committed(app, inbox):
    volunteer = factories.make_user(email="somying@example.org")
    notify(volunteer, "application_approved", title="สอนการบ้านเด็ก")
    (planned,) = [d for d in db.session.new if isinstance(d, Delivery)]
    assert planned.channel == "email" and planned.key
    assert inbox.messages == []  # nothing leaves before the commit
    db.session.commit()

    (delivery,) = deliveries()
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.channel_used == "email" and delivery.attempts == 1
    (message,) = inbox.messages
    assert message["Message-ID"] == f"<delivery.{delivery.key}@goodsociety.example>"


def test_a_rolled_back_notification_is_never_delivered(app, inbox):
    volunteer = factories.make_user()
    db.session.commit()
    notify(volunteer, "application_approved", title="สอนการบ้านเด็ก")
    db.session.rollback()
    db.session.commit()
    assert deliveries() == [] and inbox.messages == []


def test_each_topic_goes_where_the_person_chose(app, inbox):
    volunteer = factories.make_user()
    save_choices(volunteer, {"applications": [], "offers": ["email"]})
    db.session.commit()

    notify(volunteer, "application_approved", title="เงียบ")  # in-app only
    notify(volunteer, "place_offered", title="ที่ว่าง", offer_id=1, minutes=30)
    db.session.commit()

    (delivery,) = deliveries()
    assert delivery.notification.kind == "place_offered"
    (message,) = inbox.messages
    assert "ที่ว่าง" in message["Subject"]


def test_people_without_a_reachable_address_get_the_bell_only(app, inbox):
    walk_in = factories.make_user(email="walkin-12@walk-in.invalid")
    notify(walk_in, "application_approved", title="สอนการบ้านเด็ก")
    db.session.commit()
    assert deliveries() == [] and inbox.messages == []


# Sending once: the key makes a second run harmless, and a resend recognisable.
def test_running_the_task_twice_sends_one_email(app, inbox):
    volunteer = factories.make_user(email="somying@example.org")
    notify(volunteer, "application_approved", title="สอนการบ้านเด็ก")
    db.session.commit()
    (delivery,) = deliveries()
    key = delivery.key
    db.session.commit()

    deliver.call_local(key)
    deliver.call_local(key)

    assert len(inbox.messages) == 1
    assert db.session.scalar(sa.select(sa.func.count(EmailOutbox.id))) == 1


class HeldInbox(Inbox):
    """An SMTP server that holds the first message until told to go on."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived, self.release = threading.Event(), threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.arrived.set()
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self.release.wait, 30)
        return await super().handle_DATA(server, session, envelope)


def test_two_workers_on_one_delivery_send_one_email(app):
    volunteer = factories.make_user()
    notify(volunteer, "application_approved", title="สอนการบ้านเด็ก")
    lose_the_enqueue()
    db.session.commit()
    (delivery,) = deliveries()
    key = delivery.key
    db.session.commit()
    outcomes: dict[str, str] = {}

    def worker(name: str) -> None:
        with app.app_context():
            outcomes[name] = deliver_now(key, utcnow()).status
            db.session.commit()
            db.session.remove()

    with smtp_server(HeldInbox()) as inbox:
        app.config.update(inbox.config())
        first = threading.Thread(target=worker, args=("first",))
        first.start()
        assert inbox.arrived.wait(30)  # the first worker is sending, row locked
        second = threading.Thread(target=worker, args=("second",))
        second.start()
        if TEST_DB == "postgresql":
            second.join(30)  # SKIP LOCKED: it leaves the row to the first at once
            assert outcomes["second"] == "absent"
        inbox.release.set()
        first.join(30)
        second.join(30)

    assert outcomes["first"] == DeliveryStatus.SENT
    assert outcomes["second"] in ("absent", DeliveryStatus.SENT)  # skipped, not sent
    assert len(inbox.messages) == 1
    assert deliveries()[0].attempts == 1


def test_a_resend_after_a_crash_carries_the_same_message_id(app, inbox):
    volunteer = factories.make_user(email="somying@example.org")
    notify(volunteer, "application_approved", title="สอนการบ้านเด็ก")
    db.session.commit()
    (delivery,) = deliveries()
    key = delivery.key
    # Sent, but the worker died before its commit: the row is still pending.
    delivery.status, delivery.sent_at = DeliveryStatus.PENDING, None
    db.session.commit()

    deliver.call_local(key)

    first, again = inbox.messages
    assert first["Message-ID"] == again["Message-ID"]
    assert deliveries()[0].status == DeliveryStatus.SENT


def test_a_failing_mail_server_is_retried_with_backoff_then_given_up(app):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), MAIL_TIMEOUT=5)
    volunteer = factories.make_user()
    notify(volunteer, "application_approved", title="สอนการบ้านเด็ก")
    db.session.commit()  # the first try runs now, and fails
    (delivery,) = deliveries()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert "ConnectionRefusedError" in delivery.last_error

    key = delivery.key
    db.session.commit()
    # The task asks huey to retry after the backoff delay, which grows.
    with pytest.raises(RetryTask) as retry:
        deliver.call_local(key)
    assert retry.value.delay == backoff(2).total_seconds()
    now = utcnow()
    for attempt in range(3, MAX_ATTEMPTS + 1):
        outcome = deliver_now(key, now)
        db.session.commit()
        assert outcome.retry_in == (
            backoff(attempt) if attempt < MAX_ATTEMPTS else None
        )

    (delivery,) = deliveries()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == MAX_ATTEMPTS and delivery.sent_at is None
    assert [backoff(n).total_seconds() for n in (1, 2, 3)] == [30, 60, 120]
    assert backoff(50) == timedelta(hours=1)
    # Given up is given up: another run sends nothing.
    assert deliver_now(key, now).status == DeliveryStatus.FAILED


# Fallback: a channel that cannot reach the person hands over to the next one.
class Unreachable:
    """A channel that can never reach anyone (as LINE past its quota)."""

    name = "pigeon"
    label = "Pigeon"

    def enabled(self) -> bool:
        return True

    def reaches(self, user) -> bool:
        return True

    def send(self, delivery, message) -> None:
        raise ChannelUnavailable("the pigeon is tired")


@pytest.fixture
def pigeon_first() -> Iterator[None]:
    """Register the unreachable channel first in the fallback order."""
    saved = dict(CHANNELS)
    CHANNELS.clear()
    CHANNELS.update({"pigeon": Unreachable(), **saved})
    yield
    CHANNELS.clear()
    CHANNELS.update(saved)


def test_an_unavailable_channel_falls_back_to_email(app, inbox, pigeon_first):
    volunteer = factories.make_user(email="somying@example.org")
    save_choices(volunteer, {"applications": ["pigeon"]})
    notify(volunteer, "application_approved", title="สอนการบ้านเด็ก")
    db.session.commit()

    (delivery,) = deliveries()
    assert delivery.channel == "pigeon" and delivery.channel_used == "email"
    assert delivery.status == DeliveryStatus.SENT
    assert delivery.last_error == "pigeon: the pigeon is tired"
    assert len(inbox.messages) == 1


def test_fallback_never_doubles_a_channel_already_chosen(app, inbox, pigeon_first):
    volunteer = factories.make_user(email="somying@example.org")
    save_choices(volunteer, {"applications": ["pigeon", "email"]})
    notify(volunteer, "application_approved", title="สอนการบ้านเด็ก")
    db.session.commit()

    pigeon, email = deliveries()
    assert (pigeon.channel, pigeon.status, pigeon.channel_used) == (
        "pigeon",
        DeliveryStatus.INAPP_ONLY,
        "inapp",
    )
    assert (email.channel, email.status) == ("email", DeliveryStatus.SENT)
    assert len(inbox.messages) == 1


def test_line_is_off_without_its_access_token(app):
    volunteer = factories.make_user()
    assert not CHANNELS["line"].enabled() and not CHANNELS["line"].reaches(volunteer)


# Nothing is lost: the sweeper sends what lost its enqueue.
def test_the_sweeper_sends_deliveries_whose_enqueue_was_lost(app, inbox):
    volunteer = factories.make_user()
    notify(volunteer, "application_approved", title="สอนการบ้านเด็ก")
    lose_the_enqueue()
    db.session.commit()
    (delivery,) = deliveries()
    assert delivery.status == DeliveryStatus.PENDING and inbox.messages == []

    assert requeue_stale_deliveries(utcnow()) == 0  # too fresh to be lost
    assert requeue_stale_deliveries(utcnow() + stale_after()) == 1
    db.session.commit()

    assert deliveries()[0].status == DeliveryStatus.SENT
    assert len(inbox.messages) == 1
    assert requeue_stale_deliveries(utcnow() + 2 * stale_after()) == 0


def test_send_mail_flushes_pending_email_deliveries(app, inbox):
    volunteer = factories.make_user()
    notify(volunteer, "application_approved", title="สอนการบ้านเด็ก")
    lose_the_enqueue()
    db.session.commit()

    result = app.test_cli_runner().invoke(args=["send-mail"])

    assert result.output == "1 sent, 0 failed.\n"
    assert deliveries()[0].status == DeliveryStatus.SENT
    assert len(inbox.messages) == 1


# Every message links to what it is about and says what to do next.
SAMPLE = {
    "application_id": 1,
    "shift_id": 2,
    "opportunity_id": 3,
    "organization_id": 4,
    "membership_id": 5,
    "offer_id": 6,
    "title": "สอนการบ้านเด็ก",
    "volunteer": "สมหญิง",
    "organization": "มูลนิธิ",
    "inviter": "สมชาย",
    "reason": "เอกสารไม่ครบ",
    "time": "09:00",
    "minutes": 30,
    "starts_at": "2027-06-10T02:00:00+00:00",
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_has_a_link_a_next_step_and_a_topic(app, kind):
    entry = KINDS[kind]
    assert entry.link is not None and entry.next_step is not None
    assert entry.topic in TOPICS
    with app.test_request_context():
        endpoint, values = entry.link(SAMPLE)
        assert public_url(endpoint, **values).startswith(SITE + "/")
        endpoint, values = entry.link({})  # old data never breaks a link
        assert public_url(endpoint, **values).startswith(SITE + "/")
        assert entry.next_step(SAMPLE).strip()
        if entry.actions is not None:
            for _label, code in entry.actions(SAMPLE):
                actions.parse(code)


def test_the_email_says_what_to_do_and_links_to_the_page(app, inbox):
    organizer = factories.make_user(Role.ORGANIZER, locale="en")
    notify(
        organizer,
        "application_received",
        volunteer="Somying",
        title="Tea",
        opportunity_id=7,
    )
    db.session.commit()
    (message,) = inbox.messages
    body = message.get_content()
    assert body.startswith("Hello ")
    assert "Accept or decline the application on the applicants page." in body
    assert f"{SITE}/manage/opportunities/7/applicants" in body
    assert "See the details on the Good Society Marketplace." not in body


# One-tap answers: signed links in the e-mail, buttons in the app.
def offer_for(volunteer, minutes: int = 30) -> Offer:
    organizer = factories.make_user(Role.ORGANIZER)
    organization = factories.make_organization(members=[organizer])
    shift = factories.make_opportunity(
        organization, starts=utcnow() + timedelta(hours=1)
    ).shifts[0]
    now = utcnow()
    offer = Offer(
        kind=OfferKind.FLOATER,
        shift_id=shift.id,
        volunteer_id=volunteer.id,
        offered_by_id=organizer.id,
        created_at=now - timedelta(minutes=1),
        expires_at=now + timedelta(minutes=minutes),
    )
    db.session.add(offer)
    db.session.flush()
    notify(
        volunteer,
        "place_offered",
        offer_id=offer.id,
        shift_id=shift.id,
        opportunity_id=shift.opportunity_id,
        title="ช่วยจัดของ",
        minutes=minutes,
    )
    db.session.commit()
    return offer


def answer_links(inbox: Inbox) -> list[str]:
    body = inbox.messages[-1].get_content()
    return re.findall(rf"{SITE}(/answer/\S+)", body)


def test_an_email_answer_works_without_logging_in(app, inbox, client):
    volunteer = factories.make_user(email="somying@example.org")
    offer = offer_for(volunteer)
    take, skip = answer_links(inbox)

    page = client.get(skip)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "ครั้งนี้ไม่สะดวก" in html and "ช่วยจัดของ" in html  # the answer, the news

    done = client.post(skip)
    assert done.status_code == 200
    assert "ขอบคุณที่ตอบกลับ" in done.get_data(as_text=True)
    db.session.expire_all()
    assert offer.status == OfferStatus.DECLINED


def test_an_answer_needs_its_csrf_token(app, inbox, client):
    volunteer = factories.make_user(email="somying@example.org")
    offer = offer_for(volunteer)
    _take, skip = answer_links(inbox)
    client.get(skip)
    assert client.post(skip, csrf=False).status_code == 400
    db.session.expire_all()
    assert offer.status == OfferStatus.OPEN


def test_a_forged_answer_link_gets_a_clear_page(app, inbox, client):
    volunteer = factories.make_user(email="somying@example.org")
    offer_for(volunteer)
    _take, skip = answer_links(inbox)
    forged = skip[:-3] + ("aaa" if not skip.endswith("aaa") else "bbb")
    for url in (forged, "/answer/nonsense", "/answer/" + "x" * 3000):
        response = client.get(url)
        assert response.status_code == 400
        assert 'data-testid="answer-problem"' in response.get_data(as_text=True)
    assert client.post(forged).status_code == 400


def test_someone_elses_answer_link_is_refused(app, inbox, client, auth):
    volunteer = factories.make_user(email="somying@example.org")
    factories.make_user(email="other@example.org")
    offer = offer_for(volunteer)
    take, _skip = answer_links(inbox)
    auth.login("other@example.org")

    assert client.get(take).status_code == 403
    assert client.post(take).status_code == 403
    db.session.expire_all()
    assert offer.status == OfferStatus.OPEN


def test_an_expired_offer_is_explained(app, inbox, client):
    volunteer = factories.make_user(email="somying@example.org", locale="en")
    offer = offer_for(volunteer)
    take, _skip = answer_links(inbox)
    offer.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()

    response = client.post(take)

    assert response.status_code == 409
    assert 'data-testid="answer-problem"' in response.get_data(as_text=True)
    db.session.expire_all()
    assert offer.application_id is None


def test_the_notifications_page_links_and_answers(app, client, auth):
    volunteer = factories.make_user(email="somying@example.org", locale="en")
    offer = offer_for(volunteer)
    auth.login("somying@example.org")

    html = client.get("/notifications").get_data(as_text=True)
    assert 'href="/floor/free"' in html
    assert "before the offer runs out" in html
    assert f'data-testid="answer-skip-{offer.id}"' in html

    response = client.post("/notifications/answer", data={"code": f"skip:{offer.id}"})
    assert response.status_code == 302
    db.session.expire_all()
    assert offer.status == OfferStatus.DECLINED
    # Someone else's offer is not found, and a bad code is explained.
    other = offer_for(factories.make_user(email="x@example.org"))
    refused = client.post("/notifications/answer", data={"code": f"skip:{other.id}"})
    assert refused.status_code == 404
    bad = client.post("/notifications/answer", data={"code": "fly:1"})
    assert bad.status_code == 302


# The settings page: my own choice only, with CSRF.
def test_the_settings_page_saves_my_choice_only(app, client, auth):
    me = factories.make_user(email="me@example.org", locale="en")
    other = factories.make_user(email="other@example.org")
    db.session.commit()
    assert client.get("/account/channels").status_code == 302  # log in first
    auth.login("me@example.org")

    page = client.get("/account/channels").get_data(as_text=True)
    assert 'data-testid="shifts-email"' in page and "checked" in page
    assert client.post("/account/channels", data={}, csrf=False).status_code == 400

    response = client.post(
        "/account/channels", data={"topic-shifts": "email", "topic-news": "sms"}
    )
    assert response.status_code == 302

    rows = db.session.scalars(
        sa.select(ChannelPreference).order_by(ChannelPreference.topic)
    ).all()
    assert {row.user_id for row in rows} == {me.id}
    assert {row.topic: row.channels for row in rows} == {
        topic: ("email" if topic == "shifts" else "") for topic in TOPICS
    }
    assert other.id not in {row.user_id for row in rows}


# Privacy: deliveries and choices are exported and erased with the person.
def test_deliveries_and_choices_are_exported_and_erased(app):
    volunteer = factories.make_user()
    save_choices(volunteer, {"applications": ["email"]})
    notify(volunteer, "application_approved", title="สอนการบ้านเด็ก")
    db.session.commit()

    exported = export_user_data(volunteer)
    assert [row["channel"] for row in exported["deliveries"]] == ["email"]
    assert {row["topic"] for row in exported["channels"]} == set(TOPICS)

    erase_user(volunteer, None, "request")
    db.session.commit()
    assert deliveries() == []
    assert db.session.scalars(sa.select(ChannelPreference)).all() == []


def test_the_queue_sends_account_emails_without_cron(app, inbox):
    user = factories.make_user(email="reset@example.org")
    queue_email(user, "ตั้งรหัสผ่านใหม่", "ลิงก์")
    db.session.commit()
    assert inbox.messages == []  # the outbox waits for its periodic task

    send_outbox.call_local()

    (message,) = inbox.messages
    assert message["Subject"] == "ตั้งรหัสผ่านใหม่"
