"""The login limit holds across gunicorn workers when its storage is shared (Redis)."""

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from marketplace.extensions import db
from tests import factories
from tests.servers import free_port

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def wait_for(url: str, seconds: float = 20.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            urllib.request.urlopen(url, timeout=1)
            return
        time.sleep(0.1)
    raise TimeoutError(url)


@pytest.fixture
def redis_url(tmp_path):
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


def post_token(base: str, email: str, password: str) -> int:
    request = urllib.request.Request(
        base + "/api/v1/tokens",
        data=f'{{"email": "{email}", "password": "{password}"}}'.encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_failed_login_limit_is_shared_by_all_workers(app, redis_url, database_url):
    factories.make_user(email="a@example.org")
    db.session.commit()
    port = free_port()
    env = {
        **os.environ,
        "MARKETPLACE_ENV": "development",
        "SECRET_KEY": "rate-limit-test",
        "DATABASE_URL": database_url,
        "RATELIMIT_STORAGE_URI": redis_url,
    }
    gunicorn = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            "4",
            "--bind",
            f"127.0.0.1:{port}",
            "wsgi:app",
        ],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/healthz")
        codes = [
            post_token(base, "a@example.org", "wrong password!") for _ in range(10)
        ]
        assert codes == [401] * 10
        # Whichever worker answers, the eleventh attempt is refused.
        assert post_token(base, "a@example.org", factories.PASSWORD) == 429
        assert post_token(base, "b@example.org", "wrong password!") == 401
    finally:
        gunicorn.terminate()
        gunicorn.wait(20)
