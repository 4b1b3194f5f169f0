"""Who is calling: session cookies (bound to a nonce) and API bearer tokens."""

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask, Request, flash, redirect, request, url_for
from flask_babel import lazy_gettext as _l

from ..errors import error_response, wants_json
from ..extensions import db, login_manager
from ..models import ApiToken, User, utcnow


def init_login_manager(app: Flask) -> None:
    """Configure Flask-Login for cookies and bearer tokens."""
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to continue.")
    login_manager.login_message_category = "info"
    login_manager.user_loader(load_session_user)
    login_manager.request_loader(load_token_user)
    login_manager.unauthorized_handler(_unauthorized)


def load_session_user(session_id: str) -> User | None:
    """Load the user of a session cookie, if its nonce is still current.

    A request that carries a bearer token is authenticated by the token alone.
    """
    if bearer_token(request) is not None:
        return None
    user_id, _, nonce = session_id.partition(":")
    if not user_id.isdigit() or not nonce:
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.erased_at is not None:
        return None
    return user if secrets.compare_digest(user.session_nonce, nonce) else None


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
    return db.session.scalar(
        sa.select(ApiToken)
        .join(ApiToken.user)
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
