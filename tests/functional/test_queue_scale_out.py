"""Scale-out: two app servers and two consumers on one PostgreSQL and one Redis.

Messages are triggered through the real API, delivered by the consumers to a
stand-in SMTP server that counts them by Message-ID on its side; one consumer is
killed (SIGKILL) in the middle of its work and nothing is restarted. Every
message must arrive exactly once, within a time limit.

The fixtures (redis_url, smtp, app_servers, consumers) are meant to be reused:
LINE's stand-in and "are you coming?" confirmations can be added as further
fixtures and counts in this file.
"""

import asyncio
import os
import shutil
import signal
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from datetime import timedelta
from email import message_from_bytes, policy

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from marketplace.auth.sessions import issue_token
from marketplace.extensions import db
from marketplace.models import Delivery, DeliveryStatus, Role, utcnow
from tests import factories
from tests.conftest import TEST_DB
from tests.servers import (
    free_port,
    gunicorn_server,
    huey_consumer,
    post_json,
    redis_server,
)

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


@pytest.fixture
def app_servers(database_url, redis_url) -> Iterator[list[str]]:
    """Two gunicorn app servers (2 workers each) on the same database and queue."""
    settings = {"HUEY_STORAGE_URI": redis_url, "RATELIMIT_ENABLED": "false"}
    with ExitStack() as stack:
        yield [
            stack.enter_context(gunicorn_server(database_url, workers=2, **settings))
            for _ in range(2)
        ]


@pytest.fixture
def consumers(database_url, redis_url, smtp, tmp_path) -> Iterator[dict]:
    """Two consumers on the same database and queue; each sends to its own port
    of the stand-in SMTP server. Maps that port to the consumer's process."""
    with ExitStack() as stack:
        yield {
            port: stack.enter_context(
                huey_consumer(
                    database_url,
                    redis_url,
                    tmp_path / f"consumer-{number}.log",
                    MAIL_SERVER="127.0.0.1",
                    MAIL_PORT=str(port),
                    MAIL_TIMEOUT="60",
                    DELIVERY_STALE_SECONDS=str(STALE_SECONDS),
                )
            )
            for number, port in enumerate(smtp.ports)
        }


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


def test_every_message_arrives_once_when_a_consumer_dies(
    app, smtp, app_servers, consumers
):
    pairs, members = seed_applications()
    # Halfway through, the next message to start is held at RCPT and its
    # consumer killed there.
    smtp.hold_after(MEMBERS * len(pairs) // 2)

    def apply(number: int) -> int:
        shift_id, token = pairs[number]
        base = app_servers[number % len(app_servers)]
        url = f"{base}/api/v1/shifts/{shift_id}/applications"
        return post_json(url, {}, {"Authorization": f"Bearer {token}"})[0]

    started = time.monotonic()
    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(apply, range(len(pairs))))
    assert statuses == [201] * len(pairs)
    requests_done = time.monotonic()
    db.session.rollback()
    expected = db.session.scalar(
        sa.select(sa.func.count(Delivery.id)).where(Delivery.channel == "email")
    )
    assert expected == MEMBERS * len(pairs) == 500

    assert smtp.holding.wait(DELIVERY_SECONDS), "no consumer reached the middle"
    victim = consumers[smtp.held_port]
    victim.send_signal(signal.SIGKILL)
    victim.wait(10)
    at_kill = smtp.count()
    smtp.release()
    assert 0 < at_kill < expected
    survivor = next(p for p in consumers.values() if p is not victim)

    wait_until(
        lambda: smtp.count() >= expected and outbox_waiting() == 0,
        DELIVERY_SECONDS,
        f"{expected} messages delivered (got {smtp.count()})",
    )
    delivered = time.monotonic()
    assert survivor.poll() is None  # nothing restarted: the survivor did the rest

    per_message = Counter(message_id for message_id, _to, _port in smtp.received)
    repeated = {key: n for key, n in per_message.items() if n > 1}
    assert not repeated, f"delivered more than once: {repeated}"
    assert len(per_message) == expected == smtp.count()
    per_member = Counter(to for _id, to, _port in smtp.received)
    assert per_member == {email: len(pairs) for email in members}
    after_kill = [port for *_rest, port in smtp.received[at_kill:]]
    assert after_kill and smtp.held_port not in after_kill
    print(
        f"\nscale-out: {expected} e-mails, {len(pairs)} API requests in "
        f"{requests_done - started:.1f} s; all delivered {delivered - started:.1f} s "
        f"after the first request; {at_kill} before the kill, "
        f"{utcnow():%H:%M:%S} UTC"
    )
