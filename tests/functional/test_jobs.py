"""The job queue's settings, and the periodic work it runs (marketplace/jobs.py)."""

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from marketplace import create_app
from marketplace.config import ProductionConfig, TestingConfig
from marketplace.extensions import db
from marketplace.jobs import after_commit, huey, make_huey, sqlite_path, task
from marketplace.models import User, utcnow
from tests import factories
from tests.functional.test_mail import inbox, queue  # noqa: F401
from tests.servers import ROOT


@pytest.mark.parametrize(
    "uri",
    [
        "postgresql://db/queue",
        "huey.sqlite3",
        "sqlite://",
        "sqlite:///",
        "sqlite://host/file",
        "redis://",
        "redis://127.0.0.1:port/0",
        "redis://127.0.0.1:6379/zero",
    ],
)
def test_a_malformed_storage_is_refused_by_name(uri):
    with pytest.raises(ValueError, match="HUEY_STORAGE_URI"):
        make_huey(uri)


def test_a_password_in_the_storage_is_never_shown():
    with pytest.raises(ValueError) as refused:
        make_huey("redis://:s3cret@127.0.0.1:port/0")
    assert "s3cret" not in str(refused.value)


def test_sqlite_paths_read_as_sqlalchemy_reads_them():
    assert sqlite_path("sqlite:///instance/huey.sqlite3") == "instance/huey.sqlite3"
    assert sqlite_path("sqlite:////var/lib/huey.sqlite3") == "/var/lib/huey.sqlite3"


def test_a_malformed_storage_in_the_environment_stops_the_app():
    environment = {**os.environ, "HUEY_STORAGE_URI": "rabbitmq://queue.internal"}
    done = subprocess.run(
        [sys.executable, "-c", "import wsgi"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode != 0
    assert "HUEY_STORAGE_URI='rabbitmq://queue.internal' is not a queue storage" in (
        done.stderr
    )


def test_a_storage_given_only_to_the_app_is_refused():
    # The queue is made from the environment at import: a setting passed to
    # create_app alone would be ignored, so the app refuses to start.
    with pytest.raises(RuntimeError, match="HUEY_STORAGE_URI .* in the settings"):
        create_app(TestingConfig, {"HUEY_STORAGE_URI": "redis://127.0.0.1:6379/1"})


def production(**settings):
    return {**factories.PRODUCTION_SETTINGS, "HUEY_IMMEDIATE": False, **settings}


def test_production_on_postgresql_refuses_a_sqlite_queue():
    settings = production(
        SQLALCHEMY_DATABASE_URI="postgresql+psycopg://marketplace@db.internal/m"
    )
    try:
        with pytest.raises(RuntimeError, match="HUEY_STORAGE_URI is a SQLite file"):
            create_app(ProductionConfig, settings)
    finally:
        huey.immediate = True  # as the tests' apps have it


def test_production_on_sqlite_keeps_the_embedded_queue(tmp_path):
    try:
        app = create_app(
            ProductionConfig,
            production(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'm.db'}"),
        )
        assert not huey.immediate
        assert app.config["ENV_NAME"] == "production"
    finally:
        huey.immediate = True


def test_the_tests_run_tasks_at_once(app):
    assert huey.immediate and app.config["HUEY_IMMEDIATE"]


@task()
def read_something() -> int:
    """A task that reads (its transaction's BEGIN is what the test looks at)."""
    return db.session.scalar(sa.select(sa.func.count(User.id)))


def test_a_task_begins_like_a_write_request_on_sqlite(app, count_queries):
    # Read-then-write in a task must not interleave with a request's write nor
    # fail half-way with "database is locked": it takes the write lock first.
    with count_queries() as statements:
        read_something()
    begins = [s for s in statements if s.startswith("BEGIN")]
    if db.engine.dialect.name == "sqlite":
        assert begins == ["BEGIN IMMEDIATE"]
    with count_queries() as statements:
        db.session.scalar(sa.select(sa.func.count(User.id)))
        db.session.rollback()
    assert "BEGIN IMMEDIATE" not in statements  # the test itself: a plain read


def test_a_job_asked_inside_a_savepoint_waits_for_the_real_commit(app):
    # SQLAlchemy calls after_commit when a savepoint is released too: enqueuing
    # then, a consumer (or the tests' immediate queue) would look for rows not
    # committed yet (a shift message's deliveries, a LINE answer's notices).
    calls: list[str] = []
    factories.make_user()
    with db.session.begin_nested():
        after_commit(calls.append, "inside")
    assert calls == []
    db.session.commit()
    assert calls == ["inside"]


def test_a_savepoint_rolled_back_forgets_only_its_own_jobs(app):
    calls: list[str] = []
    factories.make_user()
    after_commit(calls.append, "before")
    with pytest.raises(ValueError), db.session.begin_nested():
        after_commit(calls.append, "inside")
        raise ValueError
    after_commit(calls.append, "after")
    db.session.commit()
    assert calls == ["before", "after"]
    factories.make_user()
    after_commit(calls.append, "rolled back")
    db.session.rollback()
    db.session.commit()
    assert calls == ["before", "after"]


# --- Periodic work ---------------------------------------------------------------


def periodic(name: str):
    [task] = [t for t in huey._registry._periodic_tasks if t.__name__ == name]
    return task()


def test_the_purge_runs_daily_at_half_past_three_in_bangkok(app):
    task = periodic("purge_inactive_task")
    runs = [
        moment
        for moment in (
            datetime(2026, 12, 6, 0, 0, tzinfo=UTC) + timedelta(minutes=m)
            for m in range(24 * 60)
        )
        if task.validate_datetime(moment.replace(tzinfo=None))
    ]
    assert [moment.strftime("%H:%M") for moment in runs] == ["20:30"]  # 03:30 +07


def test_the_daily_purge_erases_what_the_command_erases(app):
    from marketplace.privacy.tasks import purge_inactive_now

    now = utcnow()
    old = factories.make_user(email="old@example.org")
    old.created_at = old.last_login_at = now - timedelta(days=1200)
    staff = factories.make_user(email="staff@example.org", is_staff=True)
    staff.created_at = now - timedelta(days=1200)
    recent = factories.make_user(email="recent@example.org")
    db.session.commit()
    report = purge_inactive_now(now)
    assert (report.inactive, report.erased, report.skipped_staff) == (2, 1, 1)
    db.session.rollback()  # the service committed: nothing is left to roll back
    assert db.session.get(User, old.id).erased_at is not None
    assert db.session.get(User, staff.id).erased_at is None
    assert db.session.get(User, recent.id).erased_at is None
    # The retention period is the setting's: a year later, the recent one goes.
    report = purge_inactive_now(now + timedelta(days=app.config["RETENTION_DAYS"] + 1))
    assert report.erased == 1


def _children(pid: int) -> dict[int, str]:
    """The child processes of `pid` and their command lines (Linux /proc)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return {
        int(child): Path(f"/proc/{child}/cmdline")
        .read_bytes()
        .replace(b"\0", b" ")
        .decode()
        for child in children
    }


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.mark.slow
@pytest.mark.parametrize("stop", ["kill gunicorn", "ctrl-c"])
def test_make_run_runs_tasks_on_one_consumer_and_leaves_nothing_behind(
    app, database_url, tmp_path, stop
):
    from marketplace.models import ProposalRun, RunStatus
    from marketplace.staff.proposals import run_proposal_task
    from tests.functional.test_proposals import make_marketplace
    from tests.servers import free_port, wait_for_http

    make_marketplace(2)
    run = ProposalRun(filters={})
    db.session.add(run)
    db.session.commit()
    storage = f"sqlite:///{tmp_path / 'huey.sqlite3'}"
    port = free_port()
    environment = {
        **os.environ,
        "MARKETPLACE_ENV": "development",
        "SECRET_KEY": "tests-only-secret",
        "DATABASE_URL": database_url,
        "HUEY_STORAGE_URI": storage,
    }
    with (tmp_path / "serve.log").open("w") as log:
        script = subprocess.Popen(
            [
                str(ROOT / "scripts" / "serve.sh"),
                str(Path(sys.executable).parent),
                "127.0.0.1",
                str(port),
                "1",
            ],
            cwd=ROOT,
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, as a terminal gives
        )
    try:
        wait_for_http(f"http://127.0.0.1:{port}/healthz")
        children = _children(script.pid)
        [web] = [pid for pid, command in children.items() if "gunicorn" in command]
        [consumer] = [pid for pid, command in children.items() if "huey" in command]
        # A task queued in the SQLite storage is run by the consumer process.
        make_huey(storage).storage.enqueue(
            huey.serialize_task(run_proposal_task.s(run.id)), None
        )
        deadline = time.monotonic() + 60
        while db.session.get(ProposalRun, run.id).status is not RunStatus.DONE:
            assert time.monotonic() < deadline, (tmp_path / "serve.log").read_text()
            db.session.rollback()
            time.sleep(0.2)
        if stop == "kill gunicorn":
            os.kill(web, signal.SIGTERM)
        else:
            os.killpg(script.pid, signal.SIGINT)
        script.wait(30)
        assert _gone(web) and _gone(consumer)
    finally:
        if script.poll() is None:
            os.killpg(script.pid, signal.SIGKILL)
            script.wait(10)
