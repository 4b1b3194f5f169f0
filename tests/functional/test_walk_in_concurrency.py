"""100 walk-ins at one booth at the same instant, for a shift with 10 spots."""

import http.cookiejar
import re
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter

import pytest
import sqlalchemy as sa

from marketplace.extensions import db
from marketplace.models import Application, ApplicationStatus, Shift, WalkIn
from tests import factories
from tests.functional.test_concurrency import fire_together
from tests.functional.test_walk_in import expo_start
from tests.servers import gunicorn_server

pytestmark = pytest.mark.slow

_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None  # a 302 is the answer: signed up


def phone(url: str):
    """One visitor's phone: its own cookies, the form's CSRF token, a POST ready."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(jar), _NoRedirect()
    )
    with opener.open(url, timeout=60) as page:
        token = _CSRF.search(page.read().decode()).group(1)

    def submit(number: int) -> int:
        body = urllib.parse.urlencode(
            {
                "csrf_token": token,
                "display_name": "อาสา หน้างาน",
                "phone": f"08{number:08d}",
                "date_of_birth": "1995-01-01",
                "accept_terms": "y",
            }
        ).encode()
        try:
            with opener.open(url, data=body, timeout=120) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    return submit


def test_a_hundred_walk_ins_for_ten_spots(app, database_url, tmp_path):
    organization = factories.make_organization()
    shift = factories.make_opportunity(
        organization, starts=expo_start(), capacity=10
    ).shifts[0]
    db.session.commit()
    with (
        open(tmp_path / "gunicorn.log", "w") as log,
        gunicorn_server(database_url, workers=2, stderr=log) as base,
    ):
        url = f"{base}/expo/walk-in/{organization.id}/shifts/{shift.id}"
        phones = [phone(url) for _ in range(100)]
        results = fire_together(
            [lambda p=p, n=n: p(n) for n, p in enumerate(phones, start=1)]
        )
    db.session.rollback()  # end the test's snapshot: see what the workers wrote
    assert Counter(results) == {302: 100}  # every one signed up: 0 errors
    stored = Counter(db.session.scalars(sa.select(Application.status)))
    assert stored == {ApplicationStatus.ACCEPTED: 10, ApplicationStatus.WAITLISTED: 90}
    assert db.session.get(Shift, shift.id).spots_taken == 10
    assert db.session.scalar(sa.select(sa.func.count(WalkIn.id))) == 100
