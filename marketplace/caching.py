"""Caches of the public catalogue, keyed by a catalogue version that changes bump.

What is cached (issue 14):

- anonymous pages (home, browse, an opportunity) and the public API list: the same
  for everyone with the same path, query, language and era, so their rendered
  answer is kept in ``cache`` (Flask-Caching: per process in development and
  tests, Redis in production) under the current **catalogue version**, for at
  most ``PAGE_CACHE_SECONDS`` (counts and "has a future shift" move with time);
- per process: the taxonomy choices and the recommendations' ``MatchingIndex``,
  rebuilt when the version moves (the layout's menus, per roles and language, are
  kept per process too: ``web.role_menu``; they hold nothing that changes).

The catalogue version changes after every commit that touched an opportunity, a
shift (``spots_taken`` included, whether by the ORM or an UPDATE statement), an
organisation, a cause or a skill. The **listing version** changes with all of
them but a change of spots taken alone: during a rush every application takes a
spot, and pages keyed by the catalogue version were built afresh for almost every
visitor. Pages, fragments and values are keyed by the listing version and keep the
spots taken of every shift they loaded; each serve checks those against the
database in one query and builds the answer again if any moved. So a full shift
is never shown open, and a spot taken elsewhere costs nothing. The per-process
memo (recommendations) follows the catalogue version. Both versions live where
every worker sees them: Redis counters when the cache is Redis, else small files
in the instance folder (the workers of one machine), or in memory for the tests.

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
from flask import (
    Flask,
    Response,
    current_app,
    g,
    has_app_context,
    has_request_context,
    request,
    session,
)
from flask_babel import get_locale
from flask_login import current_user
from flask_wtf.csrf import generate_csrf
from markupsafe import Markup

from .extensions import cache, db

CSRF_PLACEHOLDER = "__csrf-token-placeholder-7f3a__"
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
    return _version("catalogue_version")


def listing_version() -> str:
    """The listing version (the catalogue's but for spots taken alone), per request."""
    return _version("listing_version")


def _version(name: str) -> str:
    """A version of the app's `name` store, read once per request."""
    if name not in g:
        try:
            setattr(g, name, current_app.extensions[name].get())
        except Exception:
            current_app.logger.exception("%s unavailable", name)
            setattr(g, name, f"unavailable-{os.urandom(8).hex()}")
    return g.get(name)


def bump_catalogue_version(spots_only: bool = False) -> None:
    """Invalidate the caches of the catalogue (all workers, all servers).

    `spots_only`: only spots taken changed; pages check those themselves.
    """
    current_app.extensions["catalogue_version"].bump()
    g.pop("catalogue_version", None)
    if not spots_only:
        current_app.extensions["listing_version"].bump()
        g.pop("listing_version", None)


def _catalogue_tables() -> set[str]:
    from .models import Cause, Opportunity, Organization, Question, Shift, Skill
    from .models.taxonomy import opportunity_cause, opportunity_skill

    models = (Cause, Opportunity, Organization, Question, Shift, Skill)
    tables = {model.__table__.name for model in models}
    return tables | {opportunity_cause.name, opportunity_skill.name}


_SPOTS = "catalogue_spots_dirty"


def _change_kind(instances, tables: set[str]) -> str | None:
    """_DIRTY for a change of the listing, _SPOTS for spots taken alone, or None."""
    from .models import Shift

    kind = None
    for item in instances:
        if getattr(getattr(type(item), "__table__", None), "name", None) not in tables:
            continue
        found = _shift_change(item) if isinstance(item, Shift) else _DIRTY
        if found == _DIRTY:
            return _DIRTY
        kind = kind or found
    return kind


def _shift_change(shift) -> str | None:
    """What a flushed shift changed: _SPOTS (spots taken alone), _DIRTY, or None
    (only its one-to-many collections, such as a new application, moved)."""
    state = sa.inspect(shift)
    if not state.persistent:
        return _DIRTY  # new or deleted
    mapper = state.mapper
    changed = {
        attribute.key
        for attribute in mapper.column_attrs
        if state.attrs[attribute.key].history.has_changes()
    }
    if any(
        relation.secondary is not None
        and state.attrs[relation.key].history.has_changes()
        for relation in mapper.relationships
    ):
        return _DIRTY
    if not changed:
        return None
    return _SPOTS if changed == {"spots_taken"} else _DIRTY


def _statement_kind(statement) -> str:
    """_SPOTS for an UPDATE that sets spots_taken alone, else _DIRTY."""
    values = getattr(statement, "_values", None)
    if statement.is_update and values:
        names = {getattr(column, "key", column) for column in values}
        if names == {"spots_taken"}:
            return _SPOTS
    return _DIRTY


def register_listeners() -> None:
    """Mark sessions that change the catalogue; bump the versions after commit."""
    global _listeners_registered
    if _listeners_registered:
        return
    _listeners_registered = True
    tables = _catalogue_tables()

    def mark(session, kind: str | None) -> None:
        if kind is not None:
            session.info[kind] = True

    @sa.event.listens_for(so.Session, "after_flush")
    def _after_flush(session, flush_context) -> None:
        changed = itertools.chain(session.new, session.dirty, session.deleted)
        mark(session, _change_kind(changed, tables))

    @sa.event.listens_for(so.Session, "do_orm_execute")
    def _on_execute(state) -> None:
        if state.is_select:
            return
        table = getattr(state.statement, "table", None)
        if getattr(table, "name", None) in tables:
            mark(state.session, _statement_kind(state.statement))

    @sa.event.listens_for(so.Session, "after_commit")
    def _after_commit(session) -> None:
        listing = session.info.pop(_DIRTY, False)
        spots = session.info.pop(_SPOTS, False)
        if (listing or spots) and has_app_context():
            extension = current_app.extensions.get("catalogue_version")
            if extension is not None:
                try:
                    bump_catalogue_version(spots_only=not listing)
                except Exception:  # a cache outage must not fail a committed change
                    current_app.logger.exception("Could not bump the catalogue version")

    @sa.event.listens_for(so.Session, "after_rollback")
    def _after_rollback(session) -> None:
        session.info.pop(_DIRTY, None)
        session.info.pop(_SPOTS, None)

    from .models import Shift

    sa.event.listen(Shift, "load", _note_shift)
    sa.event.listen(Shift, "refresh", _note_shift)


# -- per-process memo of derived data ----------------------------------------------


_memo_lock = threading.Lock()


def memoized(
    key: tuple, build: Callable[[], Any], version_of: Callable[[], str] | None = None
) -> Any:
    """`build()` once per catalogue version in this process (and app), under `key`.

    `version_of`: another version to follow (listing_version).
    """
    version = (version_of or catalogue_version)()
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


def _shifts_loaded() -> list[tuple[int, int]]:
    """(id, spots taken) of every shift this request loaded: all an answer built now
    may show of spots (a superset: shifts loaded for other reasons count too)."""
    return sorted(g.get("shifts_loaded", {}).items())


def _note_shift(shift, *args) -> None:
    """Remember a shift the request loaded, with its spots taken then."""
    if has_request_context():
        state = sa.inspect(shift)
        spots = state.dict.get("spots_taken")
        if spots is not None and state.identity:
            g.setdefault("shifts_loaded", {})[state.identity[0]] = spots


def _spots_current(key: str, entry: dict) -> bool:
    """Whether a kept answer still shows the spots taken it showed.

    Checked in one query, at most once per catalogue version and worker: spots
    taken cannot have moved while the catalogue version has not.
    """
    shown = entry["spots"]
    if not shown:
        return True
    version = catalogue_version()
    checked = current_app.extensions["spots_checked"]
    if checked.get(key) == (entry["made"], version):
        return True
    now = shift_spots([shift_id for shift_id, _ in shown])
    if any(now.get(shift_id, (0, None))[1] != spots for shift_id, spots in shown):
        return False
    _checked(key, entry, version)
    return True


def shift_spots(ids: list[int]) -> dict[int, tuple[int, int]]:
    """(capacity, spots taken) of the shifts with these ids, in one query."""
    from .models import Shift

    rows = db.session.execute(
        sa.select(Shift.id, Shift.capacity, Shift.spots_taken).where(Shift.id.in_(ids))
    )
    return {shift_id: (capacity, taken) for shift_id, capacity, taken in rows}


def _checked(key: str, entry: dict, version: str) -> None:
    """Remember that `entry` showed the spots of catalogue version `version`."""
    checked = current_app.extensions["spots_checked"]
    if len(checked) >= 10_000:
        checked.clear()
    checked[key] = (entry["made"], version)


def _new_entry(**fields: Any) -> dict:
    """A cache entry: its fields, the spots taken it showed, a mark of this making."""
    return {**fields, "spots": _shifts_loaded(), "made": os.urandom(8).hex()}


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
            version = listing_version()
            spots_version = catalogue_version()  # read before anything is built
            key = _page_key(version)
            entry = cache.get(key)
        except Exception:  # the cache is an optimisation: serve without it
            current_app.logger.exception("Page cache unavailable")
            return view(*args, **kwargs)
        if entry is not None and not _spots_current(key, entry):
            entry = None
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
            entry = _new_entry(
                body=body,
                mimetype=response.mimetype,
                built=int(time.time()),
            )
            mark = f"{version}:{entry['spots']}".encode()
            entry["etag"] = hashlib.sha256(body + mark).hexdigest()[:32]
            with contextlib.suppress(Exception):
                cache.set(key, entry, timeout=current_app.config["PAGE_CACHE_SECONDS"])
            _checked(key, entry, spots_version)
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
    version = listing_version()
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
        spots_version = catalogue_version()
        entry = cache.get(key)
    except Exception:
        current_app.logger.exception("Fragment cache unavailable")
        return rendered(build())
    if entry is not None and not _spots_current(key, entry):
        entry = None
    if entry is None:
        had, g.csrf_token = g.pop("csrf_token", None), CSRF_PLACEHOLDER
        try:
            html = build()
        finally:
            g.pop("csrf_token", None)
            if had is not None:
                g.csrf_token = had
        if CSRF_PLACEHOLDER in html and not with_csrf:  # personal: never share
            return rendered(html.replace(CSRF_PLACEHOLDER, generate_csrf()))
        entry = _new_entry(html=html)
        with contextlib.suppress(Exception):
            cache.set(key, entry)
        _checked(key, entry, spots_version)
    else:
        html = entry["html"]
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, generate_csrf())
    return rendered(html)


def shared_value(name: str, build: Callable[[], Any]) -> Any:
    """A value of the catalogue (counts, lists) built once per version and TTL."""
    if not current_app.config["PAGE_CACHE"]:
        return build()
    try:
        key = _shared_key("value", name, False)
        spots_version = catalogue_version()
        entry = cache.get(key)
    except Exception:
        current_app.logger.exception("Value cache unavailable")
        return build()
    if entry is not None and _spots_current(key, entry):
        return entry["value"]
    entry = _new_entry(value=build())
    with contextlib.suppress(Exception):
        cache.set(key, entry)
    _checked(key, entry, spots_version)
    return entry["value"]


def init_caching(app: Flask) -> None:
    """Bind the cache and choose where the catalogue version lives."""
    config = app.config
    redis_url = config.get("CACHE_REDIS_URL")
    if config.get("CACHE_TYPE") is None:
        config["CACHE_TYPE"] = "RedisCache" if redis_url else "SimpleCache"
    config.setdefault("CACHE_KEY_PREFIX", "marketplace:")
    config.setdefault("CACHE_DEFAULT_TIMEOUT", config["PAGE_CACHE_SECONDS"])
    cache.init_app(app)
    for name in ("catalogue_version", "listing_version"):
        if config["CACHE_TYPE"] == "RedisCache":
            client = app.extensions["cache"][cache]._write_client
            key = config["CACHE_KEY_PREFIX"] + name.replace("_", "-")
            store: Any = RedisVersion(client, key)
        elif config.get("CATALOGUE_VERSION_FILE"):
            path = Path(config["CATALOGUE_VERSION_FILE"])
            if name == "listing_version":
                path = path.with_name(path.name + "-listing")
            store = FileVersion(path)
        else:
            store = MemoryVersion()
        app.extensions[name] = store
    app.extensions["catalogue_memo"] = {}
    app.extensions["spots_checked"] = {}  # key -> (entry made, catalogue version)
    register_listeners()
