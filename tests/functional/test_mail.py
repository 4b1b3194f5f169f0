"""The outbox goes out over real SMTP on loopback; reminders are queued once."""

import logging
import shutil
import ssl
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from marketplace.extensions import db
from marketplace.i18n import BANGKOK
from marketplace.mail import (
    DEFAULT_SENDER,
    MAX_ATTEMPTS,
    DeliveryReport,
    deliver_outbox,
)
from marketplace.models import (
    Application,
    ApplicationStatus,
    EmailOutbox,
    Notification,
    Role,
    Shift,
    utcnow,
)
from marketplace.notifications import SUBJECT_LENGTH, header_text, notify
from marketplace.reminders import queue_shift_reminders
from tests import factories
from tests.servers import free_port

THAI_SUBJECT = "งานอาสา Good Society Expo: ยืนยันแล้ว “สอนการบ้านเด็ก”"
THAI_BODY = "สวัสดีค่ะ คุณสมหญิง\n\nพบกันวันเสาร์นี้ เวลา 09:00 น. ที่ลานหน้าห้องสมุด"


class Inbox:
    """An SMTP handler that keeps what it receives and can refuse recipients."""

    def __init__(self, refuse: tuple[str, ...] = ()) -> None:
        self.refuse = set(refuse)
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self.port = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            message_from_bytes(envelope.original_content, policy=policy.default)
        )
        self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted for delivery"

    def config(self, **extra: Any) -> dict[str, Any]:
        """Mail settings that point at this inbox."""
        return {
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": self.port,
            "MAIL_TIMEOUT": 5,
            **extra,
        }


@contextmanager
def smtp_server(handler: Inbox, **smtp_options: Any) -> Iterator[Inbox]:
    """Run an aiosmtpd server for the handler on a free loopback port."""
    handler.port = free_port()
    controller = Controller(
        handler, hostname="127.0.0.1", port=handler.port, **smtp_options
    )
    controller.start()
    try:
        yield handler
    finally:
        controller.stop()


@pytest.fixture
def inbox() -> Iterator[Inbox]:
    """A local SMTP server that accepts everything."""
    with smtp_server(Inbox()) as handler:
        yield handler


def queue(
    to: str = "somying@example.org",
    subject: str = THAI_SUBJECT,
    body: str = THAI_BODY,
    **columns: Any,
) -> EmailOutbox:
    """Add an e-mail to the outbox."""
    email = EmailOutbox(to_email=to, subject=subject, body=body, **columns)
    db.session.add(email)
    db.session.flush()
    return email


def test_thai_email_arrives_intact_and_is_marked_sent(app, inbox):
    email = queue()
    db.session.commit()

    report = deliver_outbox(inbox.config())
    db.session.commit()

    assert report == DeliveryReport(sent=1, failed=0)
    assert inbox.recipients == [["somying@example.org"]]
    (direct,) = inbox.messages
    assert direct["Subject"] == THAI_SUBJECT
    assert direct.get_content().rstrip("\n") == THAI_BODY
    assert direct.get_content_charset() == "utf-8"
    assert direct["From"] == DEFAULT_SENDER
    assert direct["To"] == "somying@example.org"
    assert direct["Message-ID"] and direct["Date"]
    assert email.sent_at is not None and email.attempts == 0
    assert email.last_error is None
    # Sent is sent: the next run finds nothing to do.
    assert deliver_outbox(inbox.config()) == DeliveryReport(sent=0, failed=0)
    assert len(inbox.messages) == 1


def test_a_notification_goes_out_over_smtp_when_its_transaction_commits(app, inbox):
    app.config.update(inbox.config())
    volunteer = factories.make_user(email="somying@example.org")
    notify(volunteer, "application_approved", title="สอนการบ้านเด็ก")
    assert inbox.messages == []  # nothing leaves before the commit
    db.session.commit()

    (message,) = inbox.messages
    assert inbox.recipients == [["somying@example.org"]]
    assert "สอนการบ้านเด็ก" in message["Subject"]
    assert message.get_content_charset() == "utf-8"
    (record,) = db.session.scalars(sa.select(EmailOutbox)).all()
    assert record.sent_at is not None and record.subject == message["Subject"]
    # Nothing is left for `flask send-mail` to send.
    assert deliver_outbox(inbox.config()) == DeliveryReport(sent=0, failed=0)


def test_a_server_that_is_down_leaves_every_message_queued(app):
    first, second = queue(), queue(to="somchai@example.org")
    db.session.commit()
    config = {"MAIL_SERVER": "127.0.0.1", "MAIL_PORT": free_port(), "MAIL_TIMEOUT": 5}

    assert deliver_outbox(config) == DeliveryReport(sent=0, failed=2)
    db.session.commit()

    for email in (first, second):  # the second was tried too
        assert email.sent_at is None
        assert email.attempts == 1
        assert "ConnectionRefusedError" in email.last_error
    assert deliver_outbox(config) == DeliveryReport(sent=0, failed=2)
    db.session.commit()
    assert first.attempts == second.attempts == 2


def test_a_refused_message_does_not_stop_the_next(app):
    refused = queue(to="nobody@example.org")
    delivered = queue(to="somchai@example.org", subject="ข้อความถัดไป")
    db.session.commit()

    with smtp_server(Inbox(refuse=("nobody@example.org",))) as inbox:
        report = deliver_outbox(inbox.config())
    db.session.commit()

    assert report == DeliveryReport(sent=1, failed=1)
    assert refused.sent_at is None and refused.attempts == 1
    assert "SMTPRecipientsRefused" in refused.last_error
    assert "550" in refused.last_error
    assert delivered.sent_at is not None
    assert [message["Subject"] for message in inbox.messages] == ["ข้อความถัดไป"]


def test_messages_that_failed_five_times_are_given_up(app, inbox):
    given_up = queue(attempts=5, last_error="SMTPDataError: (554, b'no')")
    last_chance = queue(attempts=4, subject="ครั้งสุดท้าย")
    db.session.commit()

    assert deliver_outbox(inbox.config()) == DeliveryReport(sent=1, failed=0)
    db.session.commit()

    assert given_up.sent_at is None and given_up.attempts == 5
    assert last_chance.sent_at is not None
    assert [message["Subject"] for message in inbox.messages] == ["ครั้งสุดท้าย"]


def test_text_from_people_never_breaks_a_subject(app, inbox):
    """A staff member's rejection reason with line breaks goes into the Subject."""
    app.config.update(inbox.config())
    organizer = factories.make_user(Role.ORGANIZER, email="o@example.org")
    reason = "เอกสารไม่ครบ\r\nBcc: everyone@example.org\n\n" + "ขาดหนังสือรับรอง " * 30
    notify(
        organizer, "organization_rejected", organization="มูลนิธิ\tทดสอบ", reason=reason
    )
    db.session.commit()
    (queued,) = db.session.scalars(sa.select(EmailOutbox)).all()
    assert "\n" not in queued.subject and "\r" not in queued.subject
    assert "\t" not in queued.subject and "  " not in queued.subject
    assert len(queued.subject) == SUBJECT_LENGTH and queued.subject.endswith("…")
    assert "มูลนิธิ ทดสอบ" in queued.subject
    assert "เอกสารไม่ครบ Bcc: everyone@example.org ขาด" in queued.subject

    (message,) = inbox.messages
    assert inbox.recipients == [["o@example.org"]]
    assert message["Bcc"] is None
    assert message["Subject"] == queued.subject
    assert reason.splitlines()[0] in message.get_content()  # the body keeps it all


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("  สวัสดี \r\n  ครับ\t", "สวัสดี ครับ"),
        ("a\u2028b\x85c\x0bd\x0ce", "a b c d e"),  # every Unicode line break
        ("null\x00byte\x1bescape", "null byte escape"),
        ("x" * 200, "x" * (SUBJECT_LENGTH - 1) + "…"),
        ("", ""),
    ],
)
def test_header_text_is_one_clean_capped_line(text, expected):
    assert header_text(text) == expected


def test_a_message_that_cannot_be_built_never_blocks_the_others(app):
    """`flask send-mail` on a real SMTP server: the bad message fails, alone."""
    first = queue(to="first@example.org", subject="ข้อความแรก")
    poisoned = queue(to="bad@example.org\r\nBcc: everyone@example.org")
    # A row queued before subjects were cleaned still goes out, on one line.
    legacy = queue(to="legacy@example.org", subject="ปฏิเสธ:\nเหตุผล\r\nBcc: x@y.z")
    last = queue(to="last@example.org", subject="ข้อความสุดท้าย")
    db.session.commit()
    runner = app.test_cli_runner()

    with smtp_server(Inbox()) as inbox:
        app.config.update(inbox.config())
        outputs = [
            runner.invoke(args=["send-mail"]).output for _ in range(MAX_ATTEMPTS)
        ]
        # Given up: the next run does not try it again.
        outputs.append(runner.invoke(args=["send-mail"]).output)

    assert outputs[0] == "3 sent, 1 failed.\n"
    assert outputs[1:MAX_ATTEMPTS] == ["0 sent, 1 failed.\n"] * (MAX_ATTEMPTS - 1)
    assert outputs[MAX_ATTEMPTS] == "0 sent, 0 failed.\n"
    assert inbox.recipients == [
        ["first@example.org"],
        ["legacy@example.org"],
        ["last@example.org"],
    ]
    assert inbox.messages[1]["Subject"] == "ปฏิเสธ: เหตุผล Bcc: x@y.z"
    assert all(message["Bcc"] is None for message in inbox.messages)
    db.session.expire_all()
    assert all(email.sent_at is not None for email in (first, legacy, last))
    assert poisoned.sent_at is None and poisoned.attempts == MAX_ATTEMPTS
    assert poisoned.last_error.startswith("ValueError: ")


def test_oldest_first_up_to_the_limit_from_the_configured_sender(app, inbox):
    start = utcnow() - timedelta(hours=1)
    newest = queue(subject="ใหม่สุด", created_at=start + timedelta(minutes=2))
    oldest = queue(subject="เก่าสุด", created_at=start)
    middle = queue(subject="กลาง", created_at=start + timedelta(minutes=1))
    db.session.commit()
    sender = "มูลนิธิทดสอบ <hello@foundation.example>"

    report = deliver_outbox(inbox.config(MAIL_SENDER=sender), limit=2)
    db.session.commit()

    assert report == DeliveryReport(sent=2, failed=0)
    assert [message["Subject"] for message in inbox.messages] == ["เก่าสุด", "กลาง"]
    assert inbox.messages[0]["From"] == sender
    assert oldest.sent_at and middle.sent_at and newest.sent_at is None


@pytest.mark.parametrize("server", [None, ""])
def test_without_a_mail_server_emails_are_logged_and_marked_sent(app, caplog, server):
    email = queue()
    db.session.commit()

    with caplog.at_level(logging.INFO, logger="marketplace.mail"):
        report = deliver_outbox({"MAIL_SERVER": server})
    db.session.commit()

    assert report == DeliveryReport(sent=1, failed=0)
    assert email.sent_at is not None and email.attempts == 0
    [record] = [r for r in caplog.records if r.name == "marketplace.mail"]
    assert record.levelno == logging.INFO
    logged = record.getMessage()
    assert "somying@example.org" in logged
    assert THAI_SUBJECT in logged and THAI_BODY in logged


@pytest.fixture
def certificate(tmp_path, monkeypatch) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1 that the client trusts."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [
            "openssl",
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=127.0.0.1",
            "-addext",
            "subjectAltName=IP:127.0.0.1",
            "-keyout",
            str(key),
            "-out",
            str(cert),
        ],
        check=True,
        capture_output=True,
    )
    # ssl.create_default_context() reads the trusted CAs from here.
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    return str(cert), str(key)


@pytest.mark.parametrize(
    ("password", "report"),
    [("mail-secret", DeliveryReport(sent=1)), ("wrong", DeliveryReport(failed=1))],
)
def test_starttls_then_login(app, certificate, password, report):
    email = queue()
    db.session.commit()
    tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls.load_cert_chain(*certificate)
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((session.ssl is not None, auth_data.login))
        ok = (auth_data.login, auth_data.password) == (b"expo", b"mail-secret")
        return AuthResult(success=ok, handled=False)

    handler = Inbox()
    options = {"tls_context": tls, "require_starttls": True, "auth_required": True}
    with smtp_server(handler, authenticator=authenticator, **options):
        config = handler.config(
            MAIL_USE_TLS=True, MAIL_USERNAME="expo", MAIL_PASSWORD=password
        )
        assert deliver_outbox(config) == report
    db.session.commit()

    assert logins  # smtplib may try a second mechanism after a refusal
    assert set(logins) == {(True, b"expo")}  # the password went over TLS only
    assert len(handler.messages) == report.sent
    assert (email.sent_at is not None) == bool(report.sent)
    if report.failed:
        assert "SMTPAuthenticationError" in email.last_error


def test_required_tls_never_falls_back_to_plain_text(app, inbox):
    email = queue()
    db.session.commit()

    report = deliver_outbox(inbox.config(MAIL_USE_TLS=True))
    db.session.commit()

    assert report == DeliveryReport(sent=0, failed=1)
    assert inbox.messages == []
    assert "SMTPNotSupportedError" in email.last_error


# Reminders. Bangkok is UTC+7: 00:30 Bangkok on 10 June is 17:30 UTC on 9 June.
def bangkok(day: int, hour: int, minute: int) -> datetime:
    """A moment in June 2027, Bangkok time."""
    return datetime(2027, 6, day, hour, minute, tzinfo=BANGKOK)


def shift_at(starts: datetime, title: str = "สอนการบ้านเด็ก") -> Shift:
    """Add a published one-shift opportunity starting at `starts`."""
    organization = factories.make_organization()
    opportunity = factories.make_opportunity(organization, title=title, starts=starts)
    return opportunity.shifts[0]


def application_on(
    shift: Shift, status: ApplicationStatus = ApplicationStatus.APPROVED, **user: Any
) -> Application:
    """Add a new volunteer's application in the given state."""
    application = Application(
        shift=shift,
        volunteer=factories.make_user(Role.VOLUNTEER, **user),
        status=status,
    )
    db.session.add(application)
    db.session.flush()
    return application


@pytest.mark.parametrize(
    "now", [bangkok(9, 0, 10), bangkok(9, 23, 50)], ids=["after-midnight", "late"]
)
def test_reminders_go_to_tomorrows_approved_shifts_once(app, now):
    today_late = application_on(shift_at(bangkok(9, 23, 55)))
    tomorrow_early = application_on(shift_at(bangkok(10, 0, 30)), locale="en")
    tomorrow_late = application_on(shift_at(bangkok(10, 23, 30)))
    day_after = application_on(shift_at(bangkok(11, 0, 30)))
    db.session.commit()

    assert queue_shift_reminders(now) == 2
    db.session.commit()

    assert tomorrow_early.reminded_at == now
    assert tomorrow_late.reminded_at == now
    assert today_late.reminded_at is None and day_after.reminded_at is None
    notifications = db.session.scalars(
        sa.select(Notification).order_by(Notification.id)
    ).all()
    assert [(n.user_id, n.kind, n.data["time"]) for n in notifications] == [
        (tomorrow_early.volunteer_id, "shift_reminder", "00:30"),
        (tomorrow_late.volunteer_id, "shift_reminder", "23:30"),
    ]
    assert notifications[0].data["application_id"] == tomorrow_early.id
    emails = db.session.scalars(sa.select(EmailOutbox).order_by(EmailOutbox.id)).all()
    assert [email.to_email for email in emails] == [
        tomorrow_early.volunteer.email,
        tomorrow_late.volunteer.email,
    ]
    assert "tomorrow at 00:30" in emails[0].subject
    assert "23:30" in emails[1].body

    # A second run, even later the same day, finds nothing new.
    assert queue_shift_reminders(now + timedelta(minutes=5)) == 0
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count(EmailOutbox.id))) == 2


def test_reminders_only_for_approved_applications(app):
    shift = shift_at(bangkok(10, 9, 0))
    others = [
        application_on(shift, status)
        for status in ApplicationStatus
        if status is not ApplicationStatus.APPROVED
    ]
    approved = application_on(shift)
    db.session.commit()

    assert queue_shift_reminders(bangkok(9, 12, 0)) == 1
    db.session.commit()

    assert approved.reminded_at is not None
    assert all(application.reminded_at is None for application in others)
    assert [email.to_email for email in db.session.scalars(sa.select(EmailOutbox))] == [
        approved.volunteer.email
    ]


def test_reminders_load_everything_in_one_query(app, count_queries):
    for hour in (8, 9, 10):
        shift = shift_at(bangkok(10, hour, 0), title=f"งานอาสา {hour}")
        application_on(shift)
        application_on(shift)
    db.session.commit()

    with count_queries() as statements:
        assert queue_shift_reminders(bangkok(9, 12, 0)) == 6
    queries = [sql for sql in statements if not sql.startswith("BEGIN")]
    # The applications, then everyone's channel choices: never one per reminder.
    assert len(queries) == 2, queries


def test_reminders_refuse_a_naive_now(app):
    with pytest.raises(ValueError, match="timezone-aware"):
        queue_shift_reminders(datetime(2027, 6, 9, 12, 0))
