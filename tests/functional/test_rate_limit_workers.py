"""The rate limits hold across gunicorn workers when their storage is shared (Redis)."""

import http.cookiejar
import os
import re
import shutil
import urllib.error
import urllib.parse
import urllib.request
from datetime import timedelta

import pytest

from marketplace.auth.sessions import issue_token
from marketplace.extensions import db
from marketplace.models import utcnow
from tests import factories
from tests.servers import gunicorn_server, post_json, redis_server

pytestmark = pytest.mark.slow


@pytest.fixture
def redis_url(tmp_path):
    """A Redis server from the machine's packages, on a free loopback port."""
    server = shutil.which("redis-server")
    if server is None:
        if os.environ.get("CI"):
            pytest.fail("redis-server is not installed")
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    with redis_server(tmp_path) as url:
        yield url


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


def test_registration_limit_is_shared_by_all_workers(app, redis_url, database_url):
    with gunicorn_server(
        database_url, RATELIMIT_STORAGE_URI=redis_url, REGISTRATION_LIMIT="6 per hour"
    ) as base:
        url = base + "/api/v1/users"
        codes = [post_json(url, {})[0] for _ in range(6)]
        assert codes == [422] * 6
        status, body = post_json(url, {})
        assert status == 429 and body["error"]["code"] == "rate_limited"


def test_application_limit_is_shared_by_all_workers(app, redis_url, database_url):
    organization = factories.make_organization()
    shifts = [
        factories.make_opportunity(
            organization, starts=utcnow() + timedelta(days=2 + n)
        ).shifts[0]
        for n in range(7)
    ]
    user = factories.make_user(email="v@example.org")
    raw, _ = issue_token(user, app.config["API_TOKEN_LIFETIME"])
    db.session.commit()
    headers = {"Authorization": f"Bearer {raw}"}
    with gunicorn_server(
        database_url, RATELIMIT_STORAGE_URI=redis_url, APPLICATION_LIMIT="6 per hour"
    ) as base:
        codes = [
            post_json(f"{base}/api/v1/shifts/{shift.id}/applications", {}, headers)[0]
            for shift in shifts
        ]
    assert codes == [201] * 6 + [429]


def test_password_reset_limit_is_shared_by_all_workers(app, redis_url, database_url):
    with gunicorn_server(
        database_url, RATELIMIT_STORAGE_URI=redis_url, PASSWORD_RESET_LIMIT="4 per hour"
    ) as base:
        url = base + "/forgot-password"
        browser = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        with browser.open(url, timeout=30) as response:
            page = response.read().decode()
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
        form = urllib.parse.urlencode(
            {"csrf_token": token.group(1), "email": "a@example.org"}
        ).encode()
        codes = []
        for _ in range(5):
            try:
                with browser.open(url, data=form, timeout=30) as response:
                    codes.append(response.status)
            except urllib.error.HTTPError as error:
                codes.append(error.code)
    assert codes == [200] * 4 + [429]  # 200: the login page after the redirect
