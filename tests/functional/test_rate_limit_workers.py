"""The login limit holds across gunicorn workers when its storage is shared (Redis)."""

import contextlib
import os
import shutil
import socket
import subprocess
import time

import pytest

from marketplace.extensions import db
from tests import factories
from tests.servers import free_port, gunicorn_server, post_json

pytestmark = pytest.mark.slow


@pytest.fixture
def redis_url(tmp_path):
    """A Redis server from the machine's packages, on a free loopback port."""
    server = shutil.which("redis-server")
    if server is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    process = subprocess.Popen(
        [
            server,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            assert time.monotonic() < deadline, "redis did not start"
            time.sleep(0.05)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


def test_failed_login_limit_is_shared_by_all_workers(app, redis_url, database_url):
    factories.make_user(email="a@example.org")
    db.session.commit()
    with gunicorn_server(database_url, RATELIMIT_STORAGE_URI=redis_url) as base:
        url = base + "/api/v1/tokens"
        wrong = {"email": "a@example.org", "password": "wrong password!"}
        codes = [post_json(url, wrong)[0] for _ in range(10)]
        assert codes == [401] * 10
        # Whichever of the four workers answers, the eleventh attempt is refused.
        right = {"email": "a@example.org", "password": factories.PASSWORD}
        assert post_json(url, right)[0] == 429
        assert post_json(url, {**wrong, "email": "b@example.org"})[0] == 401
