"""Caches of the public catalogue, keyed by a catalogue version that changes bump.

What is cached (issue 14):

- anonymous pages (home, browse, an opportunity) and the public API list: the same
  for everyone with the same path, query, language and era, so their rendered
  answer is kept in ``cache`` (Flask-Caching: per process in development and
  tests, Redis in production) under the current **catalogue version**, for at
  most ``PAGE_CACHE_SECONDS`` (counts and "has a future shift" move with time);
- per process: the taxonomy choices and the recommendations' ``MatchingIndex``,
  rebuilt when the version moves.

The catalogue version changes after every commit that touched an opportunity, a
shift (``spots_taken`` included, whether by the ORM or an UPDATE statement), an
organisation, a cause or a skill. It lives where every worker sees it: a Redis
counter when the cache is Redis, else a small file in the instance folder (the
workers of one machine), or in memory for the tests.

Never cached: anything for a logged-in user or an API caller with a token, a
request whose session carries flashed messages, any answer but 200. A cached page
carries a placeholder instead of the CSRF token, replaced per request, so no
visitor ever gets another's token.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import tempfile
import threading
import time
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Flask, Response, current_app, g, has_app_context, request, session
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from .extensions import cache

CSRF_PLACEHOLDER = "__csrf-token-placeholder-7f3a__"
_VERSION_KEY = "catalogue-version"
_DIRTY = "catalogue_dirty"
_listeners_registered = False


# -- the catalogue version ---------------------------------------------------------


class MemoryVersion:
    """A counter of this process (tests: one app, one process)."""

    def __init__(self) -> None:
        """Start at 0."""
        self._counter = itertools.count(1)
        self._base = os.urandom(4).hex()  # never equal to another app's version
        self._value = f"{self._base}-0"

    def get(self) -> str:
        """The current version."""
        return self._value

    def bump(self) -> None:
        """Move to a new version."""
        self._value = f"{self._base}-{next(self._counter)}"


class FileVersion:
    """A token in a file that every worker of the machine reads (development)."""

    def __init__(self, path: Path) -> None:
        """Use (and create when missing) the file at `path`."""
        self.path = path

    def get(self) -> str:
        """The current version: the file's content (cheap: one small read)."""
        try:
            return self.path.read_text(encoding="ascii")
        except OSError:
            self.bump()
            return self.path.read_text(encoding="ascii")

    def bump(self) -> None:
        """Write a new, never repeated token atomically (rename over the old)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        token = f"{time.time_ns()}-{os.getpid()}-{os.urandom(4).hex()}"
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".catalogue-")
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(token)
        os.replace(tmp, self.path)


class RedisVersion:
    """A Redis counter shared by every server (production)."""

    def __init__(self, client: Any, key: str) -> None:
        """Count in `key` of the Redis `client`."""
        self.client, self.key = client, key

    def get(self) -> str:
        """The current version (0 until the first change)."""
        value = self.client.get(self.key)
        return value.decode() if value else "0"

    def bump(self) -> None:
        """INCR: atomic across servers."""
        self.client.incr(self.key)


def catalogue_version() -> str:
    """The catalogue version, read once per request (before any query of it).

    If it cannot be read (Redis down, a read-only instance folder), a version no
    one has seen: every cache misses and answers are built afresh, never stale.
    """
    if "catalogue_version" not in g:
        try:
            g.catalogue_version = current_app.extensions["catalogue_version"].get()
        except Exception:
            current_app.logger.exception("Catalogue version unavailable")
            g.catalogue_version = f"unavailable-{os.urandom(8).hex()}"
    return g.catalogue_version


def bump_catalogue_version() -> None:
    """Invalidate every cache of the catalogue (all workers, all servers)."""
    current_app.extensions["catalogue_version"].bump()
    g.pop("catalogue_version", None)


def _catalogue_tables() -> set[str]:
    from .models import Cause, Opportunity, Organization, Question, Shift, Skill
    from .models.taxonomy import opportunity_cause, opportunity_skill

    models = (Cause, Opportunity, Organization, Question, Shift, Skill)
    tables = {model.__table__.name for model in models}
    return tables | {opportunity_cause.name, opportunity_skill.name}


def _touches_catalogue(instances, tables: set[str]) -> bool:
    return any(
        getattr(getattr(type(item), "__table__", None), "name", None) in tables
        for item in instances
    )


def register_listeners() -> None:
    """Mark sessions that change the catalogue; bump the version after commit."""
    global _listeners_registered
    if _listeners_registered:
        return
    _listeners_registered = True
    tables = _catalogue_tables()

    @sa.event.listens_for(so.Session, "after_flush")
    def _after_flush(session, flush_context) -> None:
        if _touches_catalogue(
            itertools.chain(session.new, session.dirty, session.deleted), tables
        ):
            session.info[_DIRTY] = True

    @sa.event.listens_for(so.Session, "do_orm_execute")
    def _on_execute(state) -> None:
        if state.is_select:
            return
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in tables:
            state.session.info[_DIRTY] = True

    @sa.event.listens_for(so.Session, "after_commit")
    def _after_commit(session) -> None:
        if session.info.pop(_DIRTY, False) and has_app_context():
            extension = current_app.extensions.get("catalogue_version")
            if extension is not None:
                try:
                    bump_catalogue_version()
                except Exception:  # a cache outage must not fail a committed change
                    current_app.logger.exception("Could not bump the catalogue version")

    @sa.event.listens_for(so.Session, "after_rollback")
    def _after_rollback(session) -> None:
        session.info.pop(_DIRTY, None)


# -- per-process memo of derived data ----------------------------------------------


_memo_lock = threading.Lock()


def memoized(key: tuple, build: Callable[[], Any]) -> Any:
    """`build()` once per catalogue version in this process (and app), under `key`."""
    version = catalogue_version()
    memo = current_app.extensions["catalogue_memo"]
    held = memo.get(key)
    if held is not None and held[0] == version:
        return held[1]
    value = build()
    with _memo_lock:
        memo[key] = (version, value)
    return value


# -- anonymous page cache ----------------------------------------------------------


def _cacheable() -> bool:
    """Only anonymous GETs without flashed messages share an answer."""
    if request.method not in ("GET", "HEAD") or not current_app.config["PAGE_CACHE"]:
        return False
    if "Authorization" in request.headers or "_flashes" in session:
        return False
    return not current_user.is_authenticated


def _page_key(version: str) -> str:
    query = hashlib.sha256(request.query_string).hexdigest()[:32]
    era = session.get("era") or ""
    return f"page:{version}:{get_locale()}:{era}:{request.path}:{query}"


def public_page(view: Callable) -> Callable:
    """Serve a public page or list from the shared cache when nobody is logged in.

    Answers carry a weak ETag and Last-Modified, so a browser (or, for JSON, a
    proxy) revalidates and gets a 304; HTML says "private" since it holds the
    visitor's own CSRF token.
    """

    @wraps(view)
    def wrapper(*args, **kwargs):
        if not _cacheable():
            return view(*args, **kwargs)
        try:
            version = catalogue_version()
            key = _page_key(version)
            entry = cache.get(key)
        except Exception:  # the cache is an optimisation: serve without it
            current_app.logger.exception("Page cache unavailable")
            return view(*args, **kwargs)
        if entry is None:
            had, g.csrf_token = g.pop("csrf_token", None), CSRF_PLACEHOLDER
            try:
                response = current_app.make_response(view(*args, **kwargs))
            finally:
                g.pop("csrf_token", None)
                if had is not None:
                    g.csrf_token = had
            if response.status_code != 200 or response.direct_passthrough:
                return _with_real_csrf(response)
            body = response.get_data()
            entry = {
                "body": body,
                "mimetype": response.mimetype,
                "etag": hashlib.sha256(body + version.encode()).hexdigest()[:32],
                "built": int(time.time()),
            }
            with contextlib.suppress(Exception):
                cache.set(key, entry, timeout=current_app.config["PAGE_CACHE_SECONDS"])
        return _serve(entry)

    return wrapper


def _with_real_csrf(response: Response) -> Response:
    """Put the visitor's CSRF token where the placeholder was rendered."""
    body, placeholder = response.get_data(), CSRF_PLACEHOLDER.encode()
    if placeholder in body:
        response.set_data(body.replace(placeholder, generate_csrf().encode()))
    return response


def _serve(entry: dict) -> Response:
    """A fresh response from a cache entry, conditional on the client's copy."""
    body: bytes = entry["body"]
    html = CSRF_PLACEHOLDER.encode() in body
    if html:
        body = body.replace(CSRF_PLACEHOLDER.encode(), generate_csrf().encode())
    response = current_app.response_class(body, mimetype=entry["mimetype"])
    response.set_etag(entry["etag"], weak=True)
    response.last_modified = entry["built"]
    response.headers["Cache-Control"] = (
        "private, no-cache" if html else "public, no-cache"
    )
    response.vary.add("Cookie")
    return response.make_conditional(request)


# -- shared fragments of personal pages ----------------------------------------------


def _shared_key(kind: str, name: str, with_query: bool) -> str:
    version = catalogue_version()
    era = session.get("era") or ""
    query = hashlib.sha256(request.query_string).hexdigest()[:32] if with_query else ""
    return f"{kind}:{version}:{get_locale()}:{era}:{name}:{query}"


def rendered(html: str) -> Markup:
    """Mark the output of render_template (autoescaped already) as safe HTML."""
    return Markup(html)  # noqa: S704  # nosec B704  (a rendered template)


def shared_fragment(
    name: str,
    build: Callable[[], str],
    with_query: bool = True,
    with_csrf: bool = False,
):
    """HTML that is the same for everyone (language, era, query): built once.

    For the parts of a logged-in page that show the catalogue only; `build` must
    not show anything of the person. A CSRF token in it is refused from the cache,
    unless `with_csrf`: then it is kept as a placeholder and each person gets
    their own token, as in the page cache.
    """
    if not current_app.config["PAGE_CACHE"]:
        return rendered(build())
    try:
        key = _shared_key("fragment", name, with_query)
        html = cache.get(key)
    except Exception:
        current_app.logger.exception("Fragment cache unavailable")
        return rendered(build())
    if html is None:
        had, g.csrf_token = g.pop("csrf_token", None), CSRF_PLACEHOLDER
        try:
            html = build()
        finally:
            g.pop("csrf_token", None)
            if had is not None:
                g.csrf_token = had
        if CSRF_PLACEHOLDER in html and not with_csrf:  # personal: never share
            return rendered(html.replace(CSRF_PLACEHOLDER, generate_csrf()))
        with contextlib.suppress(Exception):
            cache.set(key, html)
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, generate_csrf())
    return rendered(html)


def shared_value(name: str, build: Callable[[], Any]) -> Any:
    """A value of the catalogue (counts, lists) built once per version and TTL."""
    if not current_app.config["PAGE_CACHE"]:
        return build()
    try:
        key = _shared_key("value", name, False)
        value = cache.get(key)
    except Exception:
        current_app.logger.exception("Value cache unavailable")
        return build()
    if value is None:
        value = build()
        with contextlib.suppress(Exception):
            cache.set(key, value)
    return value


def init_caching(app: Flask) -> None:
    """Bind the cache and choose where the catalogue version lives."""
    config = app.config
    redis_url = config.get("CACHE_REDIS_URL")
    if config.get("CACHE_TYPE") is None:
        config["CACHE_TYPE"] = "RedisCache" if redis_url else "SimpleCache"
    config.setdefault("CACHE_KEY_PREFIX", "marketplace:")
    config.setdefault("CACHE_DEFAULT_TIMEOUT", config["PAGE_CACHE_SECONDS"])
    cache.init_app(app)
    if config["CACHE_TYPE"] == "RedisCache":
        client = app.extensions["cache"][cache]._write_client
        store: Any = RedisVersion(client, config["CACHE_KEY_PREFIX"] + _VERSION_KEY)
    elif config.get("CATALOGUE_VERSION_FILE"):
        store = FileVersion(Path(config["CATALOGUE_VERSION_FILE"]))
    else:
        store = MemoryVersion()
    app.extensions["catalogue_version"] = store
    app.extensions["catalogue_memo"] = {}
    register_listeners()
