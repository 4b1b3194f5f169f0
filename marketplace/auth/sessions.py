"""Who is calling: session cookies (bound to a nonce) and API bearer tokens."""

import functools
import hashlib
import secrets
import time
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import (
    Flask,
    Request,
    current_app,
    flash,
    redirect,
    request,
    session,
    url_for,
)
from flask_babel import lazy_gettext as _l
from flask_login import login_user, logout_user, user_loaded_from_cookie
from sqlalchemy.orm import contains_eager, with_expression

from ..errors import error_response, wants_json
from ..extensions import db, login_manager
from ..models import ApiToken, User, utcnow
from ..web import unread_of


def init_login_manager(app: Flask) -> None:
    """Configure Flask-Login for cookies and bearer tokens."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_session_user)
    login_manager.request_loader(load_token_user)
    login_manager.unauthorized_handler(_unauthorized)
    # A "keep me logged in" cookie lasts no longer than a session may.
    app.config.setdefault(
        "REMEMBER_COOKIE_DURATION",
        timedelta(hours=app.config["SESSION_ABSOLUTE_HOURS"]),
    )
    app.before_request(end_stale_session)
    from .mfa import send_staff_to_enrolment

    app.before_request(send_staff_to_enrolment)
    user_loaded_from_cookie.connect(_stamp_cookie_login, app)


# Session keys kept across login and expiry: preferences and the expo booth a
# visitor came from (the impact funnel), never identity.
_KEPT_ACROSS_LOGIN = ("locale", "era", "impact_source")
LOGIN_AT = "login_at"
SEEN_AT = "seen_at"
SESSION_ID = "sid"
# The "last seen" stamp is rewritten at most this often (fewer new cookies).
_SEEN_RESOLUTION_SECONDS = 30


def start_session(user: User, remember: bool = False) -> None:
    """Log the user in on a brand-new session: nothing from before login survives."""
    kept = {key: session[key] for key in _KEPT_ACROSS_LOGIN if key in session}
    session.clear()
    session.update(kept)
    login_user(user, remember=remember)
    now = int(time.time())
    session[SESSION_ID] = secrets.token_urlsafe(16)
    session[LOGIN_AT] = now
    session[SEEN_AT] = now


def _stamp_cookie_login(sender, user: User) -> None:
    """A login restored from the remember cookie starts a new session."""
    now = int(time.time())
    session[SESSION_ID] = secrets.token_urlsafe(16)
    session[LOGIN_AT] = now
    session[SEEN_AT] = now


def session_expired(now: float) -> bool:
    """Whether the cookie session is past its idle or its absolute limit."""
    config = current_app.config
    login_at = session.get(LOGIN_AT)
    seen_at = session.get(SEEN_AT)
    if not isinstance(login_at, int) or not isinstance(seen_at, int):
        return True
    idle = config["SESSION_IDLE_MINUTES"] * 60
    absolute = config["SESSION_ABSOLUTE_HOURS"] * 3600
    return now - seen_at > idle or now - login_at > absolute


def end_stale_session() -> None:
    """End a logged-in cookie session that was idle or open too long."""
    if "_user_id" not in session or bearer_token(request) is not None:
        return
    if request.endpoint == "static":
        return
    now = int(time.time())
    if session_expired(now):
        kept = {key: session[key] for key in _KEPT_ACROSS_LOGIN if key in session}
        logout_user()  # also clears a remember cookie
        remember = session.get("_remember")
        session.clear()
        session.update(kept)
        if remember:
            session["_remember"] = remember
        flash(_l("Your session has ended. Please log in again."), "info")
    elif now - session[SEEN_AT] >= _SEEN_RESOLUTION_SECONDS:
        session[SEEN_AT] = now


def load_session_user(session_id: str) -> User | None:
    """Load the user of a session cookie, if its nonce is still current.

    A request that carries a bearer token is authenticated by the token alone.
    """
    if bearer_token(request) is not None:
        return None
    user_id, _, nonce = session_id.partition(":")
    if not user_id.isdigit() or not nonce:
        return None
    user = db.session.scalar(_session_user_statement(), {"user_id": int(user_id)})
    if user is None or user.erased_at is not None:
        return None
    return user if secrets.compare_digest(user.session_nonce, nonce) else None


@functools.cache
def _session_user_statement() -> sa.Select:
    """The user with their unread count (the bell), built once per process."""
    return (
        sa.select(User)
        .where(User.id == sa.bindparam("user_id"))
        .options(with_expression(User.unread_count, unread_of(User.id)))
    )


def bearer_token(req: Request) -> str | None:
    """Return the bearer token of the request's Authorization header, if any."""
    scheme, _, token = req.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer":
        return None
    return token.strip() or None


def load_token_user(req: Request) -> User | None:
    """Load the user of a valid, unexpired, unrevoked bearer token."""
    raw = bearer_token(req)
    if raw is None:
        return None
    token = find_token(raw)
    # Reading a token never writes: a GET changes nothing, and concurrent API
    # calls on SQLite would otherwise queue for the write lock.
    return token.user if token is not None else None


def token_digest(raw: str) -> str:
    """Hash a token for storage; tokens are random, so SHA-256 is enough."""
    return hashlib.sha256(raw.encode()).hexdigest()


def find_token(raw: str) -> ApiToken | None:
    """Return the live token record for a raw token, or None."""
    now = utcnow()
    # The user comes in the same query (a bearer request costs one query to
    # authenticate, not two).
    return db.session.scalar(
        sa.select(ApiToken)
        .join(ApiToken.user)
        .options(contains_eager(ApiToken.user))
        .where(
            ApiToken.token_hash == token_digest(raw),
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > now,
            User.erased_at.is_(None),
        )
    )


def issue_token(user: User, lifetime: timedelta) -> tuple[str, ApiToken]:
    """Create a bearer token for the user; the raw value is shown only once."""
    raw = secrets.token_urlsafe(32)
    token = ApiToken(
        user=user, token_hash=token_digest(raw), expires_at=utcnow() + lifetime
    )
    db.session.add(token)
    return raw, token


def revoke_all_tokens(user: User, when: datetime | None = None) -> None:
    """Revoke every live API token of the user."""
    db.session.execute(
        sa.update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=when or utcnow())
    )


def _unauthorized():
    """Answer 401 JSON to API clients; send browsers to the login page."""
    if wants_json():
        response = error_response(
            401, "unauthorized", str(_l("Log in or send a valid bearer token."))
        )
        response.headers["WWW-Authenticate"] = 'Bearer realm="api"'
        return response
    flash(login_manager.login_message, login_manager.login_message_category)
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
