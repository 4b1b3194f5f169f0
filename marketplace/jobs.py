"""The job queue: background work runs on huey, never in a thread or a subprocess
started by a web request.

One huey instance serves the whole code base. Its storage is HUEY_STORAGE_URI:
`sqlite:///path` (the embedded default, instance/huey.sqlite3) or
`redis://host:6379/0` (production, shared by every app server and consumer).
Tests run each task at once, in the process that enqueued it (`immediate`).

Feature code uses three things from here:
- `@task(...)` / `@periodic_task(crontab(...))`: a function that runs on the
  consumer inside its own app context (its own database session), committing its
  own work;
- `after_commit(some_task, *args)`: enqueue once the current transaction is
  committed, so the consumer sees what the request wrote (and nothing is
  enqueued for work that was rolled back).
"""

import functools
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask
from huey import RedisHuey, SqliteHuey, crontab
from huey.api import Huey

from .database import in_background_task
from .extensions import db

__all__ = ["after_commit", "crontab", "huey", "init_jobs", "periodic_task", "task"]

INSTANCE_DIR = Path(__file__).resolve().parent.parent / "instance"
DEFAULT_STORAGE = f"sqlite:///{INSTANCE_DIR / 'huey.sqlite3'}"


def make_huey(uri: str) -> Huey:
    """The huey for a storage URI: sqlite:///file or redis://host:port/db.

    A malformed URI raises ValueError naming HUEY_STORAGE_URI.
    """
    parts = urlsplit(uri)
    if parts.scheme == "sqlite":
        path = Path(sqlite_path(uri))
        path.parent.mkdir(parents=True, exist_ok=True)
        return SqliteHuey("marketplace", filename=str(path), utc=True)
    if parts.scheme in {"redis", "rediss"}:
        _check_redis(uri)
        return RedisHuey("marketplace", url=uri, utc=True)
    raise ValueError(_malformed(uri, "it must start with sqlite:/// or redis://"))


def sqlite_path(uri: str) -> str:
    """The file of a sqlite:/// URI, as SQLAlchemy reads it.

    sqlite:///relative/file (from the working directory) or
    sqlite:////absolute/file.
    """
    parts = urlsplit(uri)
    if parts.netloc or not parts.path.startswith("/") or len(parts.path) < 2:
        raise ValueError(_malformed(uri, "write sqlite:///path/to/file"))
    return parts.path[1:]


def _check_redis(uri: str) -> None:
    parts = urlsplit(uri)
    try:
        port = parts.port
    except ValueError:
        port = -1
    database = parts.path.strip("/")
    if not parts.hostname or port == -1 or (database and not database.isdigit()):
        raise ValueError(_malformed(uri, "write redis://host:6379/0"))


def _malformed(uri: str, advice: str) -> str:
    parts = urlsplit(uri)
    shown = uri.replace(f":{parts.password}@", ":***@") if parts.password else uri
    return f"HUEY_STORAGE_URI={shown!r} is not a queue storage: {advice}."


def storage_uri() -> str:
    """The queue's storage as the environment names it (or the embedded default)."""
    return os.environ.get("HUEY_STORAGE_URI") or DEFAULT_STORAGE


# Decided at import, from the environment, because tasks are declared at import
# time; create_app checks that the app's setting agrees (startup.check_settings).
huey = make_huey(storage_uri())

_app: Flask | None = None


def init_jobs(app: Flask) -> None:
    """Bind the queue to the app: tasks run in its context; tests run them at once."""
    global _app
    _app = app
    huey.immediate = bool(app.config.get("HUEY_IMMEDIATE"))


def _in_app_context(function: Callable[..., Any]) -> Callable[..., Any]:
    """Run the task in a fresh app context: its own session, like a consumer's.

    On SQLite its transactions begin with BEGIN IMMEDIATE, as write requests do
    (marketplace/database.py).
    """

    @functools.wraps(function)
    def run(*args: Any, **kwargs: Any) -> Any:
        if _app is None:
            raise RuntimeError("the job queue is not bound to an app (init_jobs)")
        marked = in_background_task.set(True)
        try:
            with _app.app_context():
                try:
                    return function(*args, **kwargs)
                finally:
                    db.session.remove()
        finally:
            in_background_task.reset(marked)

    return run


def task(**options: Any) -> Callable[[Callable[..., Any]], Any]:
    """Declare a background task (huey options: retries, retry_delay, …)."""

    def declare(function: Callable[..., Any]) -> Any:
        return huey.task(**options)(_in_app_context(function))

    return declare


def periodic_task(schedule: Callable[..., bool], **options: Any) -> Any:
    """Declare a task the consumer runs on a schedule (`crontab(minute="*/5")`)."""

    def declare(function: Callable[..., Any]) -> Any:
        return huey.periodic_task(schedule, **options)(_in_app_context(function))

    return declare


def after_commit(job: Any, *args: Any, **kwargs: Any) -> None:
    """Enqueue `job(*args)` when the current transaction commits (never on rollback).

    Releasing a savepoint (`begin_nested`) is not the commit: the job waits for
    the outermost transaction. Rolling back a savepoint forgets only the jobs
    asked for inside it.
    """
    pending = db.session.info.setdefault(_PENDING, [])
    pending.append((job, args, kwargs))


_PENDING = "jobs_after_commit"
# How many jobs were pending when each open savepoint began (innermost last).
_SAVEPOINTS = "jobs_savepoints"


@sa.event.listens_for(so.Session, "after_transaction_create")
def _mark_savepoint(session: so.Session, transaction: so.SessionTransaction) -> None:
    if transaction.nested:
        marks = session.info.setdefault(_SAVEPOINTS, [])
        marks.append(len(session.info.get(_PENDING, [])))


@sa.event.listens_for(so.Session, "after_transaction_end")
def _unmark_savepoint(session: so.Session, transaction: so.SessionTransaction) -> None:
    marks = session.info.get(_SAVEPOINTS)
    if transaction.nested and marks:
        marks.pop()


@sa.event.listens_for(so.Session, "after_commit")
def _enqueue_pending(session: so.Session) -> None:
    """Enqueue what the committed transaction asked for."""
    if session.in_nested_transaction():
        return  # a savepoint released: nothing is committed yet (SQLAlchemy calls
        # after_commit for savepoints too; a consumer would not find the rows)
    for job, args, kwargs in session.info.pop(_PENDING, []):
        job(*args, **kwargs)


@sa.event.listens_for(so.Session, "after_rollback")
def _forget_pending(session: so.Session) -> None:
    """Work of a rolled-back transaction (or savepoint) is never enqueued."""
    if session.in_nested_transaction():
        marks, pending = session.info.get(_SAVEPOINTS), session.info.get(_PENDING)
        if marks and pending:
            del pending[marks[-1] :]
        return
    session.info.pop(_PENDING, None)
