"""Settings checked when the app starts: production refuses unsafe ones by name."""

import os
import secrets
from pathlib import Path

from flask import Flask

from .config import OSM_TILE_URL
from .line import check_line_settings
from .links import check_public_url, public_host
from .security import tile_source

KEY_FILE_NAME = "secret_key"


def development_secret_key(instance_dir: Path) -> str:
    """The development key: random, made once, kept in instance/secret_key (0600).

    A key published in the source would let anyone forge sessions, check-in
    tokens and certificate codes of a development instance left reachable.
    """
    path = Path(instance_dir) / KEY_FILE_NAME
    if path.exists():
        return _read_key(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # O_EXCL: two workers starting at once never overwrite each other's key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker made it meanwhile
        return _read_key(path)
    with os.fdopen(fd, "w") as file:
        file.write(key + "\n")
    return key


def _read_key(path: Path) -> str:
    key = path.read_text().strip()
    if not key:
        raise RuntimeError(
            f"{path} is empty: delete it to make a new development SECRET_KEY."
        )
    return key


def thai_catalogue_missing(app: Flask) -> bool:
    """True when no translation directory holds the compiled Thai catalogue."""
    directories = app.config["BABEL_TRANSLATION_DIRECTORIES"].split(";")
    return not any(
        (Path(app.root_path) / d / "th" / "LC_MESSAGES" / "messages.mo").is_file()
        for d in directories
    )


def check_settings(app: Flask) -> None:
    """Fill in derived settings and refuse to start on unsafe ones, naming them."""
    config = app.config
    if not config.get("SECRET_KEY") and config.get("ENV_NAME") == "development":
        config["SECRET_KEY"] = development_secret_key(Path(app.instance_path))
    if not config.get("SECRET_KEY"):
        raise RuntimeError(
            "SECRET_KEY is not set: the marketplace refuses to start without it "
            "in production (see README, Configuration)."
        )
    config["PUBLIC_URL"] = check_public_url(config.get("PUBLIC_URL"))
    _check_map_tiles(config)
    _check_job_queue(config)
    if config.get("ENV_NAME") == "production":
        _check_production(app)


def _check_map_tiles(config) -> None:
    """MAP_TILE_URL must be a web address with {z}, {x} and {y}."""
    url = config.get("MAP_TILE_URL") or ""
    try:
        tile_source(url)
    except ValueError:
        url = ""
    if not all(part in url for part in ("{z}", "{x}", "{y}")):
        raise RuntimeError(
            "MAP_TILE_URL must be a tile address template such as "
            "https://tiles.example.org/{z}/{x}/{y}.png (see README, Configuration)."
        )


def _check_job_queue(config) -> None:
    """HUEY_STORAGE_URI: well formed, and the one the queue was made with.

    The queue is made when marketplace.jobs is imported, from the environment
    (tasks are declared at import; a malformed URI stops the import, naming
    HUEY_STORAGE_URI), so a value given only to create_app would be silently
    ignored: refuse it instead. Production with PostgreSQL needs a queue
    every app server shares: Redis, not a SQLite file on one machine.
    """
    from .jobs import storage_uri

    wanted = config.get("HUEY_STORAGE_URI") or storage_uri()
    if wanted != storage_uri():
        raise RuntimeError(
            f"HUEY_STORAGE_URI is {wanted!r} in the settings but the queue was made "
            f"from the environment's {storage_uri()!r}: set it in the environment "
            "(see docs/queue.md)."
        )
    on_sqlite = wanted.startswith("sqlite:")
    database = str(config.get("SQLALCHEMY_DATABASE_URI", ""))
    if (
        config.get("ENV_NAME") == "production"
        and not config.get("HUEY_IMMEDIATE")  # tests: tasks run at once, no storage
        and on_sqlite
        and not database.startswith("sqlite")
    ):
        raise RuntimeError(
            "HUEY_STORAGE_URI is a SQLite file while the database is a server: a "
            "task queued on one machine would wait for a consumer on that machine "
            "only. Production shares one queue through Redis: set "
            "HUEY_STORAGE_URI=redis://host:6379/1 (see docs/queue.md)."
        )


# OWASP's argon2id minimums, of equal strength: (memory KiB, passes).
OWASP_ARGON2_MINIMUMS = ((47104, 1), (19456, 2), (12288, 3), (9216, 4), (7168, 5))


def strong_enough_hashing(config) -> bool:
    """Whether the argon2id cost reaches one of OWASP's minimum configurations."""
    memory, passes = config["ARGON2_MEMORY_COST"], config["ARGON2_TIME_COST"]
    return config["ARGON2_PARALLELISM"] >= 1 and any(
        memory >= least_memory and passes >= least_passes
        for least_memory, least_passes in OWASP_ARGON2_MINIMUMS
    )


def _check_production(app: Flask) -> None:
    config = app.config
    if not config["PUBLIC_URL"]:
        raise RuntimeError(
            "PUBLIC_URL is not set: production refuses to start without the "
            "address people use (e.g. https://expo.example.org); links in "
            "e-mails and QR codes are built from it (see README, Configuration)."
        )
    if config.get("RATELIMIT_ENABLED") and str(
        config.get("RATELIMIT_STORAGE_URI", "")
    ).startswith("memory://"):
        raise RuntimeError(
            "RATELIMIT_STORAGE_URI is memory://: each gunicorn worker would count "
            "on its own and grant every limit once per worker. Set it to Redis "
            "(redis://host:6379/0), or RATELIMIT_ENABLED=false when a proxy "
            "enforces the limits (see docs/deploy.md, Rate limits)."
        )
    check_line_settings(config)
    if not strong_enough_hashing(config):
        raise RuntimeError(
            f"ARGON2_MEMORY_KIB={config['ARGON2_MEMORY_COST']} with "
            f"ARGON2_TIME_COST={config['ARGON2_TIME_COST']} is below OWASP's "
            "minimum for argon2id (e.g. 19456 KiB with 2 passes, or 47104 KiB with "
            "1): stolen password hashes would be cheap to crack. See "
            "docs/security.md, Passwords."
        )
    if thai_catalogue_missing(app):
        raise RuntimeError(
            "The Thai catalogue (marketplace/translations/th/LC_MESSAGES/"
            "messages.mo) is missing, so every page would be English under "
            'lang="th". Install the package with pip (it compiles the '
            "catalogues) or run: pybabel compile -d marketplace/translations"
        )
    if config.get("MAP_TILE_URL") == OSM_TILE_URL:
        app.logger.warning(
            "MAP_TILE_URL is openstreetmap.org's tile server: its tile usage policy "
            "forbids heavy use by an app without permission. Name your own tile "
            "server or a provider (see docs/deploy.md, Map tiles)."
        )
    # Answer only requests for our own host (400 otherwise): nothing the app
    # builds from the request can then point elsewhere.
    config["TRUSTED_HOSTS"] = [public_host(app), *config["EXTRA_TRUSTED_HOSTS"]]
