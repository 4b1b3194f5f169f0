"""`flask backup PATH` and `flask restore PATH`: consistent copies of the database.

SQLite is copied with sqlite3's online backup API, which takes a consistent
snapshot while the app keeps writing. PostgreSQL is dumped with pg_dump's custom
format (one consistent transaction) and restored with pg_restore.
"""

import os
import shutil
import sqlite3
import subprocess
from contextlib import closing
from glob import glob
from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app

from .extensions import db

SQLITE_MAGIC = b"SQLite format 3\x00"
PG_DUMP_MAGIC = b"PGDMP"


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace an existing file at PATH.")
def backup(path: Path, force: bool) -> None:
    """Write a consistent copy of the database to PATH."""
    if path.exists() and not force:
        raise click.ClickException(
            f"{path} exists. Choose another file name or add --force to replace it."
        )
    url = db.engine.url
    if url.get_backend_name() == "sqlite":
        _backup_sqlite(_sqlite_file(url), path)
    elif url.get_backend_name() == "postgresql":
        _run_pg("pg_dump", url, "--format=custom", "--no-owner", "--file", str(path))
    else:
        raise click.ClickException(
            f"Cannot back up a {url.get_backend_name()} database."
        )
    click.echo(f"Backup written to {path} ({path.stat().st_size:,} bytes).")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Replace everything in the app's database.")
def restore(path: Path, yes: bool) -> None:
    """Replace the app's database with the backup at PATH."""
    url = db.engine.url
    backend = url.get_backend_name()
    kind = _backup_kind(path)
    if kind != backend:
        raise click.ClickException(
            f"{path} is {'a ' + kind if kind else 'not a'} marketplace backup for "
            f"this database ({backend}); nothing was changed."
        )
    tables = sa.inspect(db.engine).get_table_names()
    if tables and not yes:
        raise click.ClickException(
            f"The database {url.render_as_string(hide_password=True)} has "
            f"{len(tables)} tables: restoring replaces all of its data. Nothing was "
            "changed. Stop the app, then run the command again with --yes."
        )
    db.session.remove()
    db.engine.dispose()
    if backend == "sqlite":
        _restore_sqlite(path, _sqlite_file(url))
    else:
        _run_pg(
            "pg_restore",
            url,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            str(path),
        )
    db.engine.dispose()
    click.echo(f"Database restored from {path}.")


def _backup_kind(path: Path) -> str | None:
    """ "sqlite", "postgresql" or None, from the file's first bytes."""
    with path.open("rb") as file:
        head = file.read(len(SQLITE_MAGIC))
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PG_DUMP_MAGIC):
        return "postgresql"
    return None


def _sqlite_file(url: sa.URL) -> Path:
    if not url.database or url.database == ":memory:":
        raise click.ClickException("An in-memory SQLite database cannot be backed up.")
    return Path(url.database)


def _backup_sqlite(source: Path, target: Path) -> None:
    """Copy the live database in one step of the online backup API (a snapshot)."""
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    with _sqlite_connect(source) as live, _sqlite_connect(partial) as copy:
        live.backup(copy)
        copy.execute("PRAGMA journal_mode = DELETE")
        result = copy.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        partial.unlink(missing_ok=True)
        raise click.ClickException(f"The copy failed its integrity check: {result}")
    partial.replace(target)


def _restore_sqlite(source: Path, target: Path) -> None:
    """Check the backup, then copy it over the live file through the backup API."""
    with _sqlite_connect(source) as copy:
        result = copy.execute("PRAGMA integrity_check").fetchone()[0]
        if result != "ok":
            raise click.ClickException(f"{source} is damaged ({result}); not restored.")
        has_schema = copy.execute(
            "SELECT 1 FROM sqlite_master WHERE name = 'alembic_version'"
        ).fetchone()
        if not has_schema:
            raise click.ClickException(f"{source} is not a marketplace database.")
        with _sqlite_connect(target) as live:
            copy.backup(live)


def _sqlite_connect(path: Path) -> closing[sqlite3.Connection]:
    """A sqlite3 connection that is closed (not only committed) on exit."""
    return closing(sqlite3.connect(path, timeout=30))


def pg_tool(name: str, server_major: int | None = None) -> str:
    """The path of pg_dump or pg_restore, preferring the server's major version."""
    candidates = []
    if server_major is not None:
        candidates.append(f"/usr/lib/postgresql/{server_major}/bin/{name}")
    candidates += sorted(glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    on_path = shutil.which(name)
    if on_path:
        candidates.append(on_path)
    for candidate in candidates:
        if os.access(candidate, os.X_OK):
            return candidate
    raise click.ClickException(
        f"{name} not found: install the PostgreSQL client (apt-get install "
        "postgresql-client)."
    )


def _server_major() -> int | None:
    try:
        number = db.session.scalar(sa.text("SHOW server_version_num"))
    except sa.exc.SQLAlchemyError:
        return None
    finally:
        db.session.rollback()
    return int(number) // 10000 if number else None


def _run_pg(tool: str, url: sa.URL, *args: str) -> None:
    """Run pg_dump / pg_restore against the app's database (password via env)."""
    program = pg_tool(tool, _server_major())
    target = url.set(drivername="postgresql", password=None)
    environment = {**os.environ}
    if url.password:
        environment["PGPASSWORD"] = str(url.password)
    result = subprocess.run(  # noqa: S603  (fixed program, no shell)
        [program, *args, "--dbname", target.render_as_string(hide_password=False)],
        env=environment,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise click.ClickException(
            f"{tool} failed ({result.returncode}): {result.stderr.strip()}"
        )
    current_app.logger.info("%s finished", tool)
