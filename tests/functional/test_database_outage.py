"""A PostgreSQL outage answers a clear 503 at once, and the app recovers by itself.

Runs its own PostgreSQL server (the session's one stays up for the other tests),
stops it while requests arrive, then starts it again: the same app object answers
normally afterwards, without a restart.
"""

import time

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from marketplace import create_app
from marketplace.config import TestingConfig
from marketplace.extensions import db
from marketplace.seed import load_taxonomy
from tests import factories
from tests.conftest import TEST_DB
from tests.functional.test_api_accounts import bearer, login_token
from tests.servers import postgres_server, start_postgres, stop_postgres

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(TEST_DB != "postgresql", reason="PostgreSQL only"),
]

# Well under a hang: the connect timeout is 2 s in this test.
QUICK_SECONDS = 5.0


def answer(client, method: str, path: str, **kwargs):
    start = time.monotonic()
    response = client.open(path, method=method, **kwargs)
    assert time.monotonic() - start < QUICK_SECONDS, path
    return response


def test_an_outage_answers_503_and_the_app_recovers():
    with postgres_server() as url:
        app = create_app(
            TestingConfig,
            {
                "SQLALCHEMY_DATABASE_URI": url,
                "PAGE_CACHE": False,
                "DATABASE_CONNECT_TIMEOUT": 2,
            },
        )
        with app.app_context():
            upgrade()
            load_taxonomy()
            factories.make_user(email="v@example.org")
            organization = factories.make_organization()
            factories.make_opportunity(organization)
            db.session.commit()
            db.session.remove()
        api, browser = app.test_client(use_cookies=False), app.test_client()
        headers = bearer(login_token(api, "v@example.org"))
        requests = [
            ("GET", "/api/v1/opportunities", {}),
            ("GET", "/api/v1/me/recommendations", {"headers": headers}),
            (
                "POST",
                "/api/v1/tokens",
                {"json": {"email": "v@example.org", "password": "wrong"}},
            ),
        ]
        pages = ["/", "/opportunities", "/healthz"]
        for method, path, kwargs in requests:
            assert answer(api, method, path, **kwargs).status_code in (200, 401)
        for path in pages:
            assert answer(browser, "GET", path).status_code == 200

        stop_postgres(url)
        try:
            for method, path, kwargs in requests:
                response = answer(api, method, path, **kwargs)
                assert response.status_code == 503, (path, response.get_data())
                assert response.json["error"]["code"] == "service_unavailable"
                assert int(response.headers["Retry-After"]) > 0
            for path in pages[:2]:
                response = answer(browser, "GET", path)
                page = response.get_data(as_text=True)
                assert response.status_code == 503, path
                assert "ระบบไม่ว่างหรือกำลังปรับปรุงชั่วคราว" in page
                assert "The service is busy or under maintenance" in page
                assert "Traceback" not in page
            assert answer(browser, "GET", "/healthz").status_code == 503
        finally:
            start_postgres(url)

        # A request whose connection the stopping server cuts still ends cleanly
        # (its closing rollback cannot reach the server).
        with app.test_request_context("/"):
            db.session.execute(sa.text("SELECT 1"))
            stop_postgres(url)
        start_postgres(url)

        # The same app, no restart: broken pooled connections are replaced.
        for method, path, kwargs in requests:
            assert answer(api, method, path, **kwargs).status_code in (200, 401)
        for path in pages:
            assert answer(browser, "GET", path).status_code == 200
        with app.app_context():
            db.engine.dispose()
