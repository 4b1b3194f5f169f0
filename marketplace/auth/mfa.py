"""The second factor: TOTP (RFC 6238) with one-time recovery codes (ASVS 2.8, 2.6).

A user with TOTP logs in in two steps: the password, then a six-digit code (or
a recovery code). Each time step's code works once. In production, staff must
enrol before they can use anything else (STAFF_MFA_REQUIRED).
"""

import hashlib
import hmac
import secrets
import time

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app, redirect, request, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from ..audit import record_event
from ..errors import ValidationFailed, error_response, wants_json
from ..extensions import db
from ..models import RecoveryCode, User, utcnow

STEP_SECONDS = 30
# Codes of the step before and after are accepted too (clock drift).
VALID_WINDOW = 1
RECOVERY_CODE_COUNT = 10
# Crockford-like alphabet without 0/O, 1/I/L: codes are read off paper.
_RECOVERY_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
_RECOVERY_LENGTH = 10


def _now() -> float:
    """The clock the codes are checked against (the tests set it)."""
    return time.time()


def new_secret() -> str:
    """A fresh TOTP secret: 160 random bits in base32."""
    return pyotp.random_base32(32)


def provisioning_uri(user: User, secret: str) -> str:
    """The otpauth:// URI an authenticator app reads from the QR code."""
    issuer = current_app.config["TOTP_ISSUER"]
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=issuer)


def qr_svg(uri: str) -> str:
    """The URI as an inline SVG QR code (no script, no external image)."""
    return segno.make(uri, error="m").svg_inline(scale=4, border=2)


def _clean(code: str) -> str:
    return "".join((code or "").split()).replace("-", "").upper()


def _matching_step(secret: str, code: str, after: int | None) -> int | None:
    """The time step whose code is `code`, within the window and after `after`."""
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret, interval=STEP_SECONDS)
    current = int(_now() // STEP_SECONDS)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if after is not None and step <= after:
            continue
        if hmac.compare_digest(totp.at(step * STEP_SECONDS), code):
            return step
    return None


def _hash_recovery(code: str, salt: str | None = None) -> str:
    salt = salt or secrets.token_hex(16)
    digest = hashlib.sha256(f"{salt}:{code}".encode()).hexdigest()
    return f"{salt}${digest}"


def _recovery_matches(stored: str, code: str) -> bool:
    salt, _, _digest = stored.partition("$")
    return hmac.compare_digest(_hash_recovery(code, salt), stored)


def new_recovery_codes(user: User) -> list[str]:
    """Replace the user's recovery codes with ten new ones; return them once."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _ in range(RECOVERY_CODE_COUNT):
        raw = "".join(
            secrets.choice(_RECOVERY_ALPHABET) for _ in range(_RECOVERY_LENGTH)
        )
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_hash_recovery(raw)))
        codes.append(f"{raw[:5]}-{raw[5:]}")
    return codes


def confirm_enrolment(user: User, secret: str, code: str) -> list[str]:
    """Turn TOTP on once the app shows a right code; return the recovery codes."""
    step = _matching_step(secret, _clean(code), None)
    if step is None:
        message = str(_l("This code is not right. Check the app and try again."))
        raise ValidationFailed(message, fields={"code": [message]})
    user.totp_secret = secret
    user.totp_enabled_at = utcnow()
    user.totp_last_step = step
    codes = new_recovery_codes(user)
    # Anyone holding an older session of this account logs in again, with a code.
    user.end_all_sessions()
    record_event(user, "user.totp_enabled", user)
    return codes


def verify_second_factor(user: User, code: str) -> bool:
    """Check a TOTP code (each step once) or an unused recovery code (then spent)."""
    if not user.has_totp or not user.totp_secret:
        return False
    cleaned = _clean(code)
    step = _matching_step(user.totp_secret, cleaned, user.totp_last_step)
    if step is not None:
        return _spend_step(user, step)
    if len(cleaned) != _RECOVERY_LENGTH:
        return False
    unused = db.session.scalars(
        sa.select(RecoveryCode).where(
            RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)
        )
    )
    for recovery in unused:
        if _recovery_matches(recovery.code_hash, cleaned):
            return _spend_recovery_code(user, recovery)
    return False


def _spend_step(user: User, step: int) -> bool:
    """Record the step as used, unless a concurrent login used it (or a later one).

    A conditional UPDATE, so that two requests racing with one code cannot
    both log in.
    """
    spent = db.session.execute(
        sa.update(User)
        .where(
            User.id == user.id,
            sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(user, ["totp_last_step"])
    return spent.rowcount == 1


def _spend_recovery_code(user: User, recovery: RecoveryCode) -> bool:
    """Mark the recovery code used, unless a concurrent login used it first."""
    spent = db.session.execute(
        sa.update(RecoveryCode)
        .where(RecoveryCode.id == recovery.id, RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(recovery, ["used_at"])
    if spent.rowcount != 1:
        return False
    record_event(user, "user.recovery_code_used", user)
    return True


def recovery_codes_left(user: User) -> int:
    """How many recovery codes the user has not used."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None))
    )


def enrolment_required(user: User) -> bool:
    """Whether the user must set up TOTP before doing anything else."""
    return (
        bool(current_app.config["STAFF_MFA_REQUIRED"])
        and user.is_authenticated
        and user.is_staff
        and not user.has_totp
    )


# What a staff member who must enrol may still reach.
_OPEN_DURING_ENROLMENT = frozenset(
    {
        "auth.two_factor",
        "auth.login",
        "auth.logout",
        "main.set_language",
        "main.healthz",
        "static",
    }
)


def send_staff_to_enrolment():
    """Before each request: staff without TOTP reach only the enrolment page."""
    if not current_app.config["STAFF_MFA_REQUIRED"]:
        return None
    if request.endpoint in _OPEN_DURING_ENROLMENT or request.endpoint is None:
        return None
    if not enrolment_required(current_user):
        return None
    message = str(
        _l("Staff accounts need a second factor. Set up an authenticator app first.")
    )
    if wants_json():
        return error_response(403, "mfa_enrolment_required", message)
    return redirect(url_for("auth.two_factor"))
