"""`flask backup` / `flask restore`: a consistent copy taken under write load."""

import sqlite3
import threading
import time

import pytest
import sqlalchemy as sa

from marketplace import create_app
from marketplace.config import TestingConfig
from marketplace.extensions import db
from marketplace.models import EmailOutbox, User
from tests import factories
from tests.conftest import TEST_DB, CsrfClient
from tests.servers import create_database

pytestmark = pytest.mark.slow


def outbox_count(url: str) -> int:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.scalar(sa.text("SELECT count(*) FROM email_outbox"))
    finally:
        engine.dispose()


class Writer(threading.Thread):
    """Insert outbox rows one transaction at a time until stopped."""

    def __init__(self, url: str):
        super().__init__(daemon=True)
        self.url, self.stop, self.written = url, threading.Event(), 0

    def run(self) -> None:
        engine = sa.create_engine(self.url)
        insert = sa.text(
            "INSERT INTO email_outbox (to_email, subject, body, created_at, attempts)"
            " VALUES ('load@example.org', 'load', 'load', CURRENT_TIMESTAMP, 0)"
        )
        with engine.connect() as connection:
            while not self.stop.is_set():
                connection.execute(insert)
                connection.commit()
                self.written += 1
        engine.dispose()


def restored_url(database_url: str, tmp_path) -> str:
    if TEST_DB == "postgresql":
        return create_database(database_url.rsplit("/", 1)[0] + "/postgres", "restored")
    return f"sqlite:///{tmp_path / 'restored.sqlite3'}"


def test_backup_during_writes_then_restore_serves_the_app(app, database_url, tmp_path):
    factories.make_user(email="kept@example.org")
    db.session.commit()
    runner = app.test_cli_runner()
    writer = Writer(database_url)
    writer.start()
    try:
        while writer.written < 50:
            time.sleep(0.01)
        before = outbox_count(database_url)
        result = runner.invoke(args=["backup", str(tmp_path / "copy.dump")])
        after = outbox_count(database_url)
    finally:
        writer.stop.set()
        writer.join(30)
    assert result.exit_code == 0, result.output
    assert "Backup written" in result.output
    assert after > before  # the writes really went on during the backup

    target = restored_url(database_url, tmp_path)
    restored = create_app(TestingConfig, {"SQLALCHEMY_DATABASE_URI": target})
    restored.test_client_class = CsrfClient
    with restored.app_context():
        outcome = restored.test_cli_runner().invoke(
            args=["restore", str(tmp_path / "copy.dump")]
        )
        assert outcome.exit_code == 0, outcome.output
        copied = db.session.scalar(sa.select(sa.func.count(EmailOutbox.id)))
        emails = db.session.scalars(sa.select(User.email)).all()
        db.session.remove()
        db.engine.dispose()
    assert before <= copied <= after
    assert emails == ["kept@example.org"]
    if TEST_DB == "sqlite":
        with sqlite3.connect(tmp_path / "copy.dump") as check:
            assert check.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    client = restored.test_client()
    assert client.get("/healthz").json == {"status": "ok", "database": "ok"}
    assert client.get("/").status_code == 200
    login = client.post(
        "/login", data={"email": "kept@example.org", "password": factories.PASSWORD}
    )
    assert login.status_code == 302
    with restored.app_context():
        db.engine.dispose()


def test_restore_refuses_to_overwrite_without_yes(app, tmp_path):
    factories.make_user(email="kept@example.org")
    db.session.commit()
    runner = app.test_cli_runner()
    assert runner.invoke(args=["backup", str(tmp_path / "copy.dump")]).exit_code == 0
    factories.make_user(email="later@example.org")
    db.session.commit()
    refused = runner.invoke(args=["restore", str(tmp_path / "copy.dump")])
    assert refused.exit_code != 0
    assert "--yes" in refused.output and "Nothing was changed" in refused.output
    assert db.session.scalar(sa.select(sa.func.count(User.id))) == 2

    done = runner.invoke(args=["restore", "--yes", str(tmp_path / "copy.dump")])
    assert done.exit_code == 0, done.output
    db.session.remove()
    assert db.session.scalars(sa.select(User.email)).all() == ["kept@example.org"]


def test_backup_does_not_overwrite_a_file_and_restore_checks_the_file(app, tmp_path):
    runner = app.test_cli_runner()
    existing = tmp_path / "existing.dump"
    existing.write_text("precious")
    refused = runner.invoke(args=["backup", str(existing)])
    assert refused.exit_code != 0 and "--force" in refused.output
    assert existing.read_text() == "precious"
    wrong = runner.invoke(args=["restore", "--yes", str(existing)])
    assert wrong.exit_code != 0 and "nothing was changed" in wrong.output
