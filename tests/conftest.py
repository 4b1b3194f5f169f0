"""Fixtures: the app on SQLite or PostgreSQL, clients that send CSRF tokens, data."""

import contextvars
import os
import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, time
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine
from flask import Flask, has_app_context
from flask.globals import _cv_app
from flask.testing import FlaskClient

from marketplace import create_app
from marketplace.config import Config, TestingConfig
from marketplace.extensions import db
from marketplace.i18n import BANGKOK
from marketplace.models import Role
from tests import factories
from tests.servers import postgres_bin_dir, postgres_server

TEST_DB = os.environ.get("MARKETPLACE_TEST_DB", "sqlite")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
_CSRF_INPUT = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def pytest_report_header(config) -> str:
    """Say which database this run uses."""
    return f"marketplace test database: {TEST_DB}"


def pytest_collection_modifyitems(config, items) -> None:
    """Without PostgreSQL binaries, skip the PostgreSQL run, loudly."""
    if TEST_DB == "postgresql" and postgres_bin_dir() is None:
        message = (
            "PostgreSQL binaries (initdb, pg_ctl) not found: the PostgreSQL run is "
            "SKIPPED. Install Debian's postgresql package to run it."
        )
        warnings.warn(message, stacklevel=1)
        print(f"\n{'!' * 78}\n{message}\n{'!' * 78}")
        for item in items:
            item.add_marker(pytest.mark.skip(reason=message))


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    """One migrated database per test worker, on the chosen engine."""
    if TEST_DB == "postgresql":
        if postgres_bin_dir() is None:
            pytest.skip("no PostgreSQL binaries")
        with postgres_server() as url:
            _migrate(url)
            yield url
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
        _migrate(url)
        yield url


def _migrate(url: str) -> None:
    """Build the schema the way production does: through the migrations."""
    from flask_migrate import upgrade

    app = create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        db.engine.dispose()


@pytest.fixture
def app(database_url):
    """A fresh app on the worker's database, with the taxonomy loaded."""
    from marketplace.seed import load_taxonomy

    app = create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": database_url})
    app.test_client_class = CsrfClient
    with app.app_context():
        load_taxonomy()
        db.session.commit()
        yield app
        db.session.remove()
        _empty_all_tables()
        db.engine.dispose()


@pytest.fixture
def make_app(database_url):
    """Make further apps on the worker's database; their connections close after."""
    made: list[Flask] = []

    def make(config_class: type[Config] = TestingConfig, **settings) -> Flask:
        other = create_app(
            config_class, {"SQLALCHEMY_DATABASE_URI": database_url, **settings}
        )
        other.test_client_class = CsrfClient
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.session.remove()
            db.engine.dispose()


def _empty_all_tables() -> None:
    """Delete every row, so that no test sees another's data."""
    tables = [table.name for table in db.metadata.sorted_tables]
    with db.engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            names = ", ".join(f'"{name}"' for name in tables)
            connection.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for name in reversed(tables):
                connection.execute(sa.text(f'DELETE FROM "{name}"'))


class CsrfClient(FlaskClient):
    """A test client that sends a valid CSRF token with every unsafe request.

    CSRF stays on in the tests; pass csrf=False to send a request without it.
    Each request runs in its own application context, as in production, so the
    test's session and `g` are never shared with the request. The test's own
    transaction is committed first: the request sees what the test made, and the
    test's next query sees what the request did.
    """

    def open(self, *args, **kwargs):
        if has_app_context():
            db.session.commit()
        return contextvars.copy_context().run(self._open_isolated, *args, **kwargs)

    def _open_isolated(self, *args, csrf: bool = True, **kwargs):
        _cv_app.set(None)
        method = kwargs.get("method", "GET").upper()
        if csrf and method in UNSAFE and self._cookies is not None:
            headers = dict(kwargs.pop("headers", None) or {})
            headers.setdefault("X-CSRFToken", self.csrf_token())
            kwargs["headers"] = headers
        return super().open(*args, **kwargs)

    def csrf_token(self) -> str:
        """Read the token of this client's session from a page's form."""
        page = super().open("/login", method="GET").get_data(as_text=True)
        found = _CSRF_INPUT.search(page)
        assert found, "no CSRF token on /login"
        return found.group(1)


@pytest.fixture
def client(app) -> FlaskClient:
    """A browser-like client (cookies, CSRF tokens)."""
    return app.test_client()


@pytest.fixture
def api(app) -> FlaskClient:
    """A partner system's client: no cookies, no CSRF, bearer tokens only."""
    return app.test_client(use_cookies=False)


class AuthActions:
    """Log a browser client in and out (flaskr's `auth` fixture)."""

    def __init__(self, client: FlaskClient):
        self._client = client

    def login(self, email: str, password: str = factories.PASSWORD):
        return self._client.post("/login", data={"email": email, "password": password})

    def logout(self):
        return self._client.post("/logout")


@pytest.fixture
def auth(client) -> AuthActions:
    """Log the `client` in and out."""
    return AuthActions(client)


@pytest.fixture
def volunteer(auth):
    """A volunteer (v@example.org, "วีระ อาสาดี"), logged in on `client`."""
    user = factories.make_user(email="v@example.org", name="วีระ อาสาดี")
    db.session.commit()
    auth.login("v@example.org")
    return user


@pytest.fixture
def organizer(auth):
    """An organiser (o@example.org, "ผู้ประสานงาน"), logged in on `client`."""
    user = factories.make_user(Role.ORGANIZER, email="o@example.org", name="ผู้ประสานงาน")
    db.session.commit()
    auth.login("o@example.org")
    return user


@pytest.fixture
def api_volunteer(api):
    """A volunteer (v@example.org) and their bearer headers for `api`."""
    from tests.functional.test_api_accounts import bearer, login_token

    user = factories.make_user(email="v@example.org")
    db.session.commit()
    return user, bearer(login_token(api, "v@example.org"))


@pytest.fixture
def people():
    """Staff, a member of an organisation, a member of another, and a volunteer."""
    people = {
        "staff": factories.make_user(
            Role.ORGANIZER, email="staff@example.org", is_staff=True, name="เจ้าหน้าที่"
        ),
        "member": factories.make_user(
            Role.ORGANIZER, email="member@example.org", name="สมาชิก"
        ),
        "other": factories.make_user(Role.ORGANIZER, email="other@example.org"),
        "volunteer": factories.make_user(email="volunteer@example.org", name="อาสา"),
    }
    people["org"] = factories.make_organization(members=[people["member"]])
    people["other_org"] = factories.make_organization(members=[people["other"]])
    db.session.commit()
    return people


@pytest.fixture
def count_queries(app):
    """Count the SQL statements run inside a `with count_queries() as n:` block."""

    @contextmanager
    def counting():
        statements: list[str] = []

        def record(conn, cursor, statement, *args):
            statements.append(statement)

        sa.event.listen(db.engine, "before_cursor_execute", record)
        try:
            yield statements
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", record)

    return counting


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test item, for screenshots on failure."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture
def line_standin() -> Iterator:
    """A stand-in of LINE on loopback (tests/standins/line.py)."""
    from tests.standins.line import LineStandIn

    with LineStandIn() as standin:
        yield standin


@pytest.fixture
def line(app, line_standin):
    """LINE on: the app's LINE settings point at the stand-in."""
    app.config.update(line_standin.settings())
    return line_standin


@pytest.fixture
def held_jobs(app):
    """Hold enqueued tasks in an in-memory queue instead of running them at once.

    Yields the huey instance: `huey.pending()` lists what was enqueued, and
    `huey.execute(task)` runs one the way the consumer would.
    """
    from huey.storage import MemoryStorage

    from marketplace.jobs import huey

    storage, immediate = huey.storage, huey._immediate
    huey.storage, huey._immediate = MemoryStorage(huey.name), False
    try:
        yield huey
    finally:
        huey.storage, huey._immediate = storage, immediate


@pytest.fixture
def midday():
    """Noon in Bangkok today, the clock running on: the floor shows one day, and a
    shift that started half an hour ago and one later that day exist at noon, not
    at half past midnight or at a quarter to twelve at night."""
    noon = datetime.combine(datetime.now(BANGKOK).date(), time(12), BANGKOK)
    with time_machine.travel(noon, tick=True):
        yield
