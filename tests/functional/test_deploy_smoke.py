"""Production the way docs/deploy.md says: health check, JSON logs, a smoke journey."""

import io
import json
import logging
import os
import shutil
import subprocess
import sys
import urllib.error
import urllib.request
from datetime import timedelta
from urllib.parse import quote

import pytest

from marketplace import create_app
from marketplace.config import ProductionConfig, TestingConfig
from marketplace.extensions import db
from marketplace.models import utcnow
from tests import factories
from tests.functional.test_rate_limit_workers import redis_url  # noqa: F401
from tests.servers import (
    ROOT,
    free_port,
    gunicorn_server,
    post_json,
    postgres_bin_dir,
    postgres_server,
)


def test_healthz_answers_503_when_the_database_is_down():
    down = f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/marketplace"
    app = create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": down})
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json == {"status": "error", "database": "unreachable"}


@pytest.fixture
def restore_logging():
    """Put the app logger back as it was after a production app changed it."""
    logger = logging.getLogger("marketplace")
    saved = (list(logger.handlers), logger.propagate, logger.level)
    yield
    logger.handlers[:] = saved[0]
    logger.propagate, logger.level = saved[1], saved[2]
    logger.setLevel(saved[2])


def json_lines(app) -> io.StringIO:
    """Capture what the app's JSON log handler writes."""
    stream = io.StringIO()
    logger = logging.getLogger("marketplace")
    (handler,) = [h for h in logger.handlers if getattr(h, "marketplace_json", False)]
    handler.setStream(stream)
    return stream


def test_production_logs_one_json_line_per_request(make_app, restore_logging):
    app = make_app(ProductionConfig, **factories.PRODUCTION_SETTINGS)
    stream = json_lines(app)
    client = app.test_client()
    host = {"Host": "expo.example.org"}
    response = client.get(
        "/reset-password/secret-token?email=someone@example.org",
        headers={"X-Request-ID": "proxy-given-id-1234", **host},
    )
    assert response.headers["X-Request-ID"] == "proxy-given-id-1234"
    client.get("/healthz", headers={"X-Request-ID": "bad id <script>", **host})
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    requests = [line for line in lines if line["logger"] == "marketplace.request"]
    assert len(requests) == 2
    first, second = requests
    assert first["method"] == "GET" and first["status"] == 400
    assert first["path"] == "/reset-password/<reset_token>"
    assert first["request_id"] == "proxy-given-id-1234"
    assert isinstance(first["duration_ms"], float)
    assert second["request_id"] != "bad id <script>" and len(second["request_id"]) == 32
    text = stream.getvalue()
    assert "secret-token" not in text and "someone@example.org" not in text


def test_development_keeps_plain_logs(app):
    assert (
        not [
            h
            for h in logging.getLogger("marketplace").handlers
            if getattr(h, "marketplace_json", False)
        ]
        or app.config["ENV_NAME"] != "production"
    )
    response = app.test_client().get("/healthz")
    assert len(response.headers["X-Request-ID"]) == 32


def _get(url: str, headers: dict | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


@pytest.mark.slow
def test_production_smoke_journey(tmp_path, redis_url):  # noqa: F811
    if postgres_bin_dir() is None:
        pytest.skip("no PostgreSQL binaries")
    if shutil.which("redis-server") is None:
        pytest.skip("no redis-server")
    production = {
        "MARKETPLACE_ENV": "production",
        "SECRET_KEY": "smoke-test-secret-" + "x" * 40,
        "RATELIMIT_STORAGE_URI": redis_url,
        "TRUSTED_PROXIES": "1",
    }
    with postgres_server() as database_url:
        environment = {**os.environ, **production, "DATABASE_URL": database_url}
        flask = [sys.executable, "-m", "flask", "--app", "wsgi"]
        for command in (["db", "upgrade"], ["seed-demo", "--taxonomy-only"]):
            subprocess.run(
                [*flask, *command], cwd=ROOT, env=environment, check=True, timeout=120
            )
        seeded = create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": database_url})
        with seeded.app_context():
            opportunity = factories.make_opportunity(
                factories.make_organization(name="มูลนิธิทดสอบระบบ"),
                title="ปลูกป่าชายเลน",
                starts=utcnow() + timedelta(days=3),
            )
            shift_id = opportunity.shifts[0].id
            db.session.commit()
            db.engine.dispose()
        log = tmp_path / "gunicorn.log"
        with (
            log.open("w") as stderr,
            gunicorn_server(database_url, 2, stderr, **production) as base,
        ):
            _journey(base, shift_id)
    lines = [
        json.loads(line)
        for line in log.read_text().splitlines()
        if line.startswith("{")
    ]
    requests = [line for line in lines if line.get("logger") == "marketplace.request"]
    assert len(requests) >= 7
    assert {"method", "path", "status", "duration_ms", "request_id"} <= set(requests[0])
    assert "smoke@example.org" not in log.read_text()


def _journey(base: str, shift_id: int) -> None:
    status, body = _get(base + "/healthz")
    assert status == 200 and json.loads(body)["database"] == "ok"
    status, page = _get(base + "/")
    assert status == 200 and "<html" in page
    status, user = post_json(
        base + "/api/v1/users",
        {
            "email": "smoke@example.org",
            "password": "ทดสอบระบบก่อนเปิดงาน 2570",
            "display_name": "สมชาย ทดสอบ",
            "role": "volunteer",
            "consents": {"terms": True},
        },
    )
    assert status == 201, user
    status, token = post_json(
        base + "/api/v1/tokens",
        {"email": "smoke@example.org", "password": "ทดสอบระบบก่อนเปิดงาน 2570"},
    )
    assert status == 201, token
    headers = {"Authorization": f"Bearer {token['token']}"}
    status, body = _get(f"{base}/api/v1/opportunities?q={quote('ป่าชายเลน')}", headers)
    assert status == 200, body
    found = json.loads(body)
    assert [item["title"] for item in found["items"]] == ["ปลูกป่าชายเลน"]
    status, page = _get(f"{base}/opportunities?q={quote('ป่า')}")
    assert status == 200 and "ปลูกป่าชายเลน" in page
    status, applied = post_json(
        f"{base}/api/v1/shifts/{shift_id}/applications", {}, headers
    )
    assert status == 201, applied
    status, body = _get(base + "/api/v1/me/applications", headers)
    assert status == 200 and json.loads(body)["items"][0]["shift_id"] == shift_id
    # Production cookies are Secure and HSTS is on.
    request = urllib.request.Request(base + "/login")
    with urllib.request.urlopen(request, timeout=30) as response:
        assert "Secure" in response.headers["Set-Cookie"]
        assert "Strict-Transport-Security" in response.headers
