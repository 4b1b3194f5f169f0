"""Database engine policy: how SQLite is made safe for concurrent workers."""

from contextvars import ContextVar

import sqlalchemy as sa
from flask import has_request_context, request
from werkzeug.routing import IntegerConverter

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# The largest value an INTEGER column holds on PostgreSQL (and a safe one on SQLite).
DB_INT_MAX = 2**31 - 1
SQLITE_BUSY_TIMEOUT_MS = 30_000

_registered = False
# True while a job-queue task runs (marketplace/jobs.py): a task writes like a
# write request does, so it begins the same way.
in_background_task: ContextVar[bool] = ContextVar("in_background_task", default=False)


def register_sqlite_policy() -> None:
    """Configure every SQLite connection; applies once per process.

    - foreign keys enforced, WAL so that readers never block the writer, and a busy
      timeout so that writers queue instead of failing;
    - write requests and job-queue tasks begin their transaction with BEGIN
      IMMEDIATE, taking the write lock before they read, so a read-then-write
      (check capacity, then take a spot; claim an e-mail, then mark it sent) never
      fails half-way with "database is locked" nor interleaves with another
      (DESIGN.md, capacity invariant).
    """
    global _registered
    if _registered:
        return
    _registered = True
    sa.event.listen(sa.engine.Engine, "connect", _on_connect)
    sa.event.listen(sa.engine.Engine, "begin", _on_begin)


def _is_sqlite(dbapi_connection) -> bool:
    return type(dbapi_connection).__module__.startswith("sqlite3")


def _on_connect(dbapi_connection, connection_record) -> None:
    if not _is_sqlite(dbapi_connection):
        return
    # Let SQLAlchemy's "begin" event emit BEGIN, instead of the sqlite3 module.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _on_begin(connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    writing = in_background_task.get() or (
        has_request_context() and request.method in UNSAFE_METHODS
    )
    connection.exec_driver_sql("BEGIN IMMEDIATE" if writing else "BEGIN")


def engine_options(config) -> dict:
    """Engine options with a connect timeout for PostgreSQL (no hang in an outage).

    pool_pre_ping (in Config) replaces connections a restart has broken, so the
    app recovers by itself when the database is back.
    """
    options = dict(config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    if str(config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("postgresql"):
        connect_args = dict(options.get("connect_args") or {})
        connect_args.setdefault("connect_timeout", config["DATABASE_CONNECT_TIMEOUT"])
        options["connect_args"] = connect_args
    return options


class RecordIdConverter(IntegerConverter):
    """`<int:…>` URL segments that fit the database; larger numbers are a 404."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", DB_INT_MAX)
        super().__init__(url_map, *args, **kwargs)
