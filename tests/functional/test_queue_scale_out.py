"""Scale-out: two app servers and two consumers on one PostgreSQL and one Redis.

500 e-mail notifications are triggered through the real API (gunicorn), and 200
"are you coming?" questions by the real service (`ask_for_confirmations`) to
volunteers who chose LINE, queued on the same Redis while the requests run. The
consumers deliver them to a stand-in SMTP server (counting by Message-ID) and to
the stand-in of LINE (tests/standins/line.py, counting pushes by retry key and
recipient), both counting on their side. One consumer is killed (SIGKILL) in
the middle of a message and nothing is restarted: every message must arrive
exactly once, within a time limit.
"""

import asyncio
import logging
import os
import secrets
import shutil
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from marketplace.applications.confirmations import ask_for_confirmations
from marketplace.auth.sessions import issue_token
from marketplace.channels.line import retry_key as line_retry_key
from marketplace.channels.preferences import save_choices
from marketplace.extensions import db
from marketplace.line import client as line_client
from marketplace.models import (
    Application,
    ApplicationStatus,
    Delivery,
    DeliveryStatus,
    LineAccount,
    Role,
    utcnow,
)
from tests import factories
from tests.conftest import TEST_DB
from tests.servers import (
    free_port,
    gunicorn_server,
    huey_consumer,
    post_json,
    redis_server,
)
from tests.standins.line import LineStandIn

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        TEST_DB != "postgresql", reason="scale-out runs on PostgreSQL only"
    ),
]

# Every message delivered within this many seconds of the last request. The one
# the killed consumer was sending waits DELIVERY_STALE_SECONDS, then the sweeper
# (every minute) enqueues it again: two ticks fit.
DELIVERY_SECONDS = 200
STALE_SECONDS = 20
MEMBERS = 5  # each application tells every member of the organisation
VOLUNTEERS = 20
SHIFTS = 5  # 20 volunteers x 5 shifts x 5 members = 500 notifications
CONFIRMATIONS = 200  # volunteers on LINE asked "are you coming?"


class CountingSmtp:
    """A stand-in SMTP server that counts what arrives, by Message-ID.

    It listens on one port per consumer (so it knows which consumer sends), all
    counting into one list. `hold_after(n)` makes the first message that starts
    once n messages have arrived wait at RCPT, before its content is sent, until
    `release()`: the test then knows which consumer is in the middle of a message
    and can kill it there.
    """

    def __init__(self, listeners: int) -> None:
        self.ports = [free_port() for _ in range(listeners)]
        self.received: list[tuple[str, str, int]] = []  # (Message-ID, to, port)
        self._lock = threading.Lock()
        self._hold_after: int | None = None
        self.held_port: int | None = None
        self.holding = threading.Event()
        self._released = threading.Event()
        self._controllers = [
            Controller(_Listener(self, port), hostname="127.0.0.1", port=port)
            for port in self.ports
        ]

    def start(self) -> None:
        for controller in self._controllers:
            controller.start()

    def stop(self) -> None:
        self.release()
        for controller in self._controllers:
            controller.stop()

    def count(self) -> int:
        with self._lock:
            return len(self.received)

    def hold_after(self, count: int) -> None:
        self._hold_after = count

    def release(self) -> None:
        self._released.set()

    def _should_hold(self, port: int) -> bool:
        with self._lock:
            if (
                self._hold_after is None
                or self.holding.is_set()
                or len(self.received) < self._hold_after
            ):
                return False
            self.held_port = port
            self.holding.set()
            return True

    def _record(self, message_id: str, to: str, port: int) -> None:
        with self._lock:
            self.received.append((message_id, to, port))


class _Listener:
    """aiosmtpd handler of one port of CountingSmtp."""

    def __init__(self, sink: CountingSmtp, port: int) -> None:
        self.sink, self.port = sink, port

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.sink._should_hold(self.port):
            # Wait in a thread of the loop's executor: other sessions go on.
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, self.sink._released.wait, 120)
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        self.sink._record(str(message["Message-ID"]), str(message["To"]), self.port)
        return "250 Message accepted for delivery"


class HoldingLine(LineStandIn):
    """The stand-in of LINE, telling which consumer pushes, able to hold one.

    Each consumer pushes with its own channel access token (`tokens`), so the
    stand-in knows who sent a push. `hold_after(n)` makes the first push that
    arrives once n pushes were taken wait, AFTER LINE took it (recorded), before
    it is answered, until `release()`: the test kills its consumer there, the
    case of a crash after sending but before the delivery is marked sent.
    `repeats` counts pushes refused (409) because their retry key was taken.
    """

    def __init__(self, consumers: int) -> None:
        super().__init__()
        self.tokens = [secrets.token_urlsafe(32) for _ in range(consumers)]
        self.repeats = 0
        self._hold_after: int | None = None
        self.held_token: str | None = None
        self.holding = threading.Event()
        self._released = threading.Event()

    def hold_after(self, count: int) -> None:
        self._hold_after = count

    def release(self) -> None:
        self._released.set()

    def _token(self, request) -> str:
        return request.headers.get("Authorization", "").removeprefix("Bearer ")

    def _bot_authorized(self, request) -> bool:
        return self._token(request) in {self.access_token, *self.tokens}

    def _push(self, request):
        response = super()._push(request)
        with self._lock:
            if response.status_code == 409:
                self.repeats += 1
            hold = (
                response.status_code == 200
                and self._hold_after is not None
                and not self.holding.is_set()
                and len(self.pushes) > self._hold_after
            )
            if hold:
                self.held_token = self._token(request)
                self.holding.set()
        if hold:
            self._released.wait(120)
        return response


@pytest.fixture
def line_server() -> Iterator[HoldingLine]:
    """The stand-in of LINE on loopback, one access token per consumer."""
    standin = HoldingLine(consumers=2)
    requests_log = logging.getLogger("werkzeug")  # not a line per push in -s
    level = requests_log.level
    requests_log.setLevel(logging.WARNING)
    with standin:
        try:
            yield standin
        finally:
            standin.release()
            requests_log.setLevel(level)


@pytest.fixture
def redis_url(tmp_path) -> Iterator[str]:
    """One Redis on loopback: the queue's storage for every server and consumer."""
    if shutil.which("redis-server") is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    with redis_server(tmp_path) as url:
        yield url[: -len("/0")] + "/1"


@pytest.fixture
def smtp() -> Iterator[CountingSmtp]:
    """The stand-in SMTP server, one listening port per consumer."""
    sink = CountingSmtp(listeners=2)
    sink.start()
    try:
        yield sink
    finally:
        sink.stop()


def line_environment(standin: HoldingLine, token: str | None = None) -> dict:
    """The LINE_* environment variables that point a process at the stand-in."""
    settings = standin.settings()
    if token is not None:
        settings["LINE_CHANNEL_ACCESS_TOKEN"] = token
    return {
        **{name: str(value) for name, value in settings.items()},
        "LINE_PUSH_QUOTA": str(10 * CONFIRMATIONS),
    }


@pytest.fixture
def app_servers(database_url, redis_url, line_server) -> Iterator[list[str]]:
    """Two gunicorn app servers (2 workers each) on the same database and queue."""
    settings = {
        "HUEY_STORAGE_URI": redis_url,
        "RATELIMIT_ENABLED": "false",
        **line_environment(line_server),
    }
    with ExitStack() as stack:
        yield [
            stack.enter_context(gunicorn_server(database_url, workers=2, **settings))
            for _ in range(2)
        ]


@pytest.fixture
def consumers(
    database_url, redis_url, smtp, line_server, tmp_path
) -> Iterator[list[tuple[subprocess.Popen, int, str]]]:
    """Two consumers on the same database and queue; each sends to its own port
    of the stand-in SMTP server and with its own token to the stand-in of LINE.
    Each is (its process, its SMTP port, its LINE token)."""
    with ExitStack() as stack:
        yield [
            (
                stack.enter_context(
                    huey_consumer(
                        database_url,
                        redis_url,
                        tmp_path / f"consumer-{number}.log",
                        MAIL_SERVER="127.0.0.1",
                        MAIL_PORT=str(port),
                        MAIL_TIMEOUT="60",
                        DELIVERY_STALE_SECONDS=str(STALE_SECONDS),
                        **line_environment(line_server, token),
                    )
                ),
                port,
                token,
            )
            for number, (port, token) in enumerate(
                zip(smtp.ports, line_server.tokens, strict=True)
            )
        ]


def seed_applications() -> tuple[list[tuple[int, str]], list[str]]:
    """An organisation of MEMBERS, SHIFTS weekly shifts, VOLUNTEERS with tokens.

    Returns the (shift id, token) pair of every application to make, and the
    members' addresses.
    """
    members = [
        factories.make_user(Role.ORGANIZER, email=f"member{n}@example.org")
        for n in range(MEMBERS)
    ]
    organization = factories.make_organization(members=members)
    opportunity = factories.make_opportunity(
        organization, shifts=SHIFTS, capacity=VOLUNTEERS
    )
    tokens = []
    for number in range(VOLUNTEERS):
        volunteer = factories.make_user(email=f"volunteer{number}@example.org")
        tokens.append(issue_token(volunteer, timedelta(days=1))[0])
    db.session.commit()
    pairs = [(shift.id, token) for shift in opportunity.shifts for token in tokens]
    return pairs, [member.email for member in members]


def seed_confirmations(standin) -> dict[int, str]:
    """CONFIRMATIONS volunteers on LINE with approved places starting tomorrow.

    Each is a friend of the official account (on the stand-in and in
    line_account) and chose LINE for the topic "shifts". Returns each
    application's id → its volunteer's LINE user id.
    """
    organization = factories.make_organization()
    per_shift = CONFIRMATIONS // 4
    opportunity = factories.make_opportunity(
        organization,
        title="จัดบูธงานอาสา",
        starts=utcnow().replace(microsecond=0) + timedelta(hours=12),
        capacity=per_shift,
        shifts=1,
    )
    shifts = list(opportunity.shifts)
    for hours in (1, 2, 3):  # four shifts within CONFIRMATION_HOURS
        shifts.append(
            factories.make_opportunity(
                organization,
                starts=utcnow().replace(microsecond=0) + timedelta(hours=12 + hours),
                capacity=per_shift,
            ).shifts[0]
        )
    line_ids: dict[int, str] = {}
    for number in range(CONFIRMATIONS):
        person = standin.add_user(f"อาสา {number}", is_friend=True)
        volunteer = factories.make_user(email=f"line{number}@example.org")
        db.session.add(
            LineAccount(
                user_id=volunteer.id,
                line_user_id=person.user_id,
                display_name=person.display_name,
                is_friend=True,
            )
        )
        save_choices(volunteer, {"shifts": ["line"]})
        shift = shifts[number % len(shifts)]
        application = Application(
            shift=shift,
            volunteer=volunteer,
            status=ApplicationStatus.APPROVED,
            status_changed_at=utcnow(),
        )
        shift.spots_taken += 1
        db.session.add(application)
        db.session.flush()
        line_ids[application.id] = person.user_id
    db.session.commit()
    return line_ids


@contextmanager
def queueing_on(redis_url: str) -> Iterator[None]:
    """The test process queues its tasks on the consumers' Redis (not at once)."""
    from huey.storage import RedisStorage

    from marketplace.jobs import huey

    storage, immediate = huey.storage, huey._immediate
    huey.storage = RedisStorage(huey.name, url=redis_url)
    huey._immediate = False
    try:
        yield
    finally:
        huey.storage, huey._immediate = storage, immediate


def wait_until(condition, seconds: float, what: str) -> None:
    """Poll `condition` until it holds; fail naming `what` after `seconds`."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not within {seconds} s: {what}"
        time.sleep(0.2)


def outbox_waiting() -> int:
    """Deliveries not yet sent (read afresh)."""
    db.session.rollback()
    return db.session.scalar(
        sa.select(sa.func.count(Delivery.id)).where(
            Delivery.status == DeliveryStatus.PENDING
        )
    )


@pytest.mark.parametrize("killed_in", ["email", "line"])
def test_every_message_arrives_once_when_a_consumer_dies(
    app, smtp, line_server, redis_url, app_servers, consumers, killed_in
):
    """One consumer is killed in the middle of a message: before the SMTP server
    took it ("email": it must not be lost) or after LINE took it ("line": the
    retry must not deliver it twice)."""
    line = line_server
    app.config.update(line.settings(), LINE_PUSH_QUOTA=10 * CONFIRMATIONS)
    pairs, members = seed_applications()
    line_ids = seed_confirmations(line)
    if killed_in == "email":
        # Halfway through the e-mails, the next one to start is held at RCPT
        # (before its content is sent) and its consumer killed there.
        smtp.hold_after(MEMBERS * len(pairs) // 2)
        holding = smtp.holding
    else:
        # Halfway through the questions, the next push LINE takes is held before
        # LINE answers, and its consumer killed there.
        line.hold_after(CONFIRMATIONS // 2)
        holding = line.holding

    def apply(number: int) -> int:
        shift_id, token = pairs[number]
        base = app_servers[number % len(app_servers)]
        url = f"{base}/api/v1/shifts/{shift_id}/applications"
        return post_json(url, {}, {"Authorization": f"Bearer {token}"})[0]

    started = time.monotonic()
    with ThreadPoolExecutor(4) as pool:
        answers = pool.map(apply, range(len(pairs)))
        # While the app servers take the applications, the 200 questions are
        # asked by the real service and queued on the same Redis.
        with queueing_on(redis_url):
            asked = ask_for_confirmations(utcnow())
            db.session.commit()
        statuses = list(answers)
    assert statuses == [201] * len(pairs)
    requests_done = time.monotonic()
    db.session.rollback()
    expected = db.session.scalar(
        sa.select(sa.func.count(Delivery.id)).where(Delivery.channel == "email")
    )
    assert expected == MEMBERS * len(pairs) == 500
    # A consumer's periodic run may have asked some first; never anyone twice.
    assert asked <= CONFIRMATIONS
    line_keys = set(
        db.session.scalars(sa.select(Delivery.key).where(Delivery.channel == "line"))
    )
    assert len(line_keys) == CONFIRMATIONS

    assert holding.wait(DELIVERY_SECONDS), "no consumer reached the middle"
    victim, victim_port, _token = next(
        consumer
        for consumer in consumers
        if consumer[1] == smtp.held_port or consumer[2] == line.held_token
    )
    victim.send_signal(signal.SIGKILL)
    victim.wait(10)
    at_kill, pushed_at_kill = smtp.count(), len(line.pushes)
    smtp.release()
    line.release()
    assert 0 < at_kill + pushed_at_kill < expected + CONFIRMATIONS
    survivor = next(p for p, *_rest in consumers if p is not victim)

    wait_until(
        lambda: (
            smtp.count() >= expected
            and len(line.pushes) >= CONFIRMATIONS
            and outbox_waiting() == 0
        ),
        DELIVERY_SECONDS,
        f"{expected} e-mails and {CONFIRMATIONS} LINE pushes delivered "
        f"(got {smtp.count()} and {len(line.pushes)})",
    )
    delivered = time.monotonic()
    assert survivor.poll() is None  # nothing restarted: the survivor did the rest

    # E-mail, counted by the SMTP server: every Message-ID once.
    per_message = Counter(message_id for message_id, _to, _port in smtp.received)
    repeated = {key: n for key, n in per_message.items() if n > 1}
    assert not repeated, f"delivered more than once: {repeated}"
    assert len(per_message) == expected == smtp.count()
    per_member = Counter(to for _id, to, _port in smtp.received)
    assert per_member == {email: len(pairs) for email in members}
    after_kill = [port for *_rest, port in smtp.received[at_kill:]]
    assert victim_port not in after_kill

    # LINE, counted by the stand-in: every delivery's retry key once, every
    # volunteer asked once, with the answers of their own place.
    per_key = Counter(push["retry_key"] for push in line.pushes)
    assert set(per_key) == {line_retry_key(key) for key in line_keys}
    assert set(per_key.values()) == {1}
    # The push the killed consumer had sent was sent again with its retry key,
    # and refused by LINE as already taken (409); counted once in the quota.
    assert line.repeats == (1 if killed_in == "line" else 0)
    assert line_client.pushes_in_month() == CONFIRMATIONS
    per_person = Counter(push["to"] for push in line.pushes)
    assert per_person == dict.fromkeys(line_ids.values(), 1)
    for push in line.pushes:
        (message,) = push["messages"]
        codes = [item["action"]["data"] for item in message["quickReply"]["items"]]
        application_id = int(codes[0].split(":")[1])
        assert codes == [f"coming:{application_id}", f"not_coming:{application_id}"]
        assert line_ids[application_id] == push["to"]
    db.session.rollback()
    channels_used = Counter(
        db.session.execute(
            sa.select(Delivery.channel, Delivery.channel_used, Delivery.status)
        ).all()
    )
    assert channels_used == {
        ("email", "email", DeliveryStatus.SENT): expected,
        ("line", "line", DeliveryStatus.SENT): CONFIRMATIONS,
    }
    print(
        f"\nscale-out, killed in {killed_in}: {expected} e-mails ({len(pairs)} "
        f"API requests in {requests_done - started:.1f} s) and {CONFIRMATIONS} "
        f"LINE questions ({asked} asked by the test's call); "
        f"all delivered {delivered - started:.1f} s after the first request; "
        f"before the kill {at_kill} e-mails and {pushed_at_kill} LINE pushes; "
        f"{utcnow():%H:%M:%S} UTC"
    )
