"""Password reset by e-mail: a signed, time-limited, single-use link."""

import hashlib
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..audit import record_event
from ..errors import DomainError, ValidationFailed
from ..extensions import db
from ..links import public_url
from ..models import User
from ..notifications import queue_email
from .services import normalize_email, set_new_password

SALT = "password-reset"


class InvalidResetLink(DomainError):
    """The reset link is forged, expired, used, or its password has changed."""

    status = 400
    code = "invalid_reset_link"

    def default_message(self) -> str:
        """Return the message used when none is given."""
        return str(_l("This link is not valid any more. Ask for a new one below."))


def reset_lifetime() -> timedelta:
    """How long a reset link works."""
    return timedelta(minutes=current_app.config["PASSWORD_RESET_MINUTES"])


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _fingerprint(user: User) -> str:
    """What the link is bound to: the password and sessions as they are now."""
    state = f"{user.id}:{user.password_hash}:{user.session_nonce}"
    return hashlib.sha256(state.encode()).hexdigest()[:32]


def make_reset_token(user: User) -> str:
    """A link token that dies after use, a password change or its lifetime."""
    return _serializer().dumps({"u": user.id, "f": _fingerprint(user)})


def user_for_token(token: str) -> User:
    """The account a live reset token belongs to; raise InvalidResetLink."""
    max_age = int(reset_lifetime().total_seconds())
    try:
        data = _serializer().loads(token, max_age=max_age)
    except (SignatureExpired, BadSignature):
        raise InvalidResetLink() from None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        raise InvalidResetLink()
    user = db.session.get(User, data["u"])
    if user is None or user.erased_at is not None:
        raise InvalidResetLink()
    if data.get("f") != _fingerprint(user):
        raise InvalidResetLink()
    return user


def request_reset(email: str) -> None:
    """Queue a reset e-mail when the address has an account; say nothing either way."""
    try:
        email = normalize_email(email)
    except ValidationFailed:
        return
    user = db.session.scalar(
        sa.select(User).where(User.email == email, User.erased_at.is_(None))
    )
    if user is None:
        return
    link = public_url("auth.reset_password", reset_token=make_reset_token(user))
    minutes = int(reset_lifetime().total_seconds() // 60)
    with force_locale(user.locale or "th"):
        subject = _("Good Society Expo: reset your password")
        body = "\n\n".join(
            [
                _("Hello %(name)s,", name=user.display_name),
                _(
                    "Someone asked to reset the password of your Good Society "
                    "Marketplace account. To choose a new password, open this link "
                    "within %(minutes)d minutes:",
                    minutes=minutes,
                ),
                link,
                _(
                    "The link works once. If you did not ask for it, ignore this "
                    "e-mail: your password stays as it is."
                ),
            ]
        )
    queue_email(user, subject, body)
    record_event(user, "user.password_reset_requested", user)


def reset_password(token: str, new_password: str) -> User:
    """Set a new password from a reset link; end every session and API token."""
    user = user_for_token(token)
    set_new_password(user, new_password, "user.password_reset")
    return user
