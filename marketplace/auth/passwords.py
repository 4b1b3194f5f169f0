"""Password hashing (argon2id) and the password policy."""

import secrets
import unicodedata
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app
from flask_babel import lazy_gettext as _l
from zxcvbn.frequency_lists import FREQUENCY_LISTS

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256


def init_password_hasher(app: Flask) -> None:
    """Create the argon2id hasher with the app's cost settings."""
    app.extensions["password_hasher"] = PasswordHasher(
        time_cost=app.config["ARGON2_TIME_COST"],
        memory_cost=app.config["ARGON2_MEMORY_COST"],
        parallelism=app.config["ARGON2_PARALLELISM"],
    )


def _hasher() -> PasswordHasher:
    return current_app.extensions["password_hasher"]


def hash_password(password: str) -> str:
    """Hash a password with argon2id."""
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Tell whether the password matches the stored hash."""
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def spend_verification_time(password: str) -> None:
    """Verify against a throwaway hash, so unknown e-mails cost as much as known."""
    dummy = current_app.extensions.get("password_dummy_hash")
    if dummy is None:
        dummy = hash_password(secrets.token_urlsafe(16))
        current_app.extensions["password_dummy_hash"] = dummy
    verify_password(dummy, password)


def needs_rehash(password_hash: str) -> bool:
    """Tell whether the hash was made with weaker settings than today's."""
    return _hasher().check_needs_rehash(password_hash)


@lru_cache(maxsize=1)
def _common_passwords() -> frozenset[str]:
    """The 30,000 most common passwords of zxcvbn's leaked-password corpus."""
    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problems(password: str, *personal: str) -> list[str]:
    """List what is wrong with a new password; empty when it is acceptable."""
    problems: list[str] = []
    if len(password) < MIN_PASSWORD_LENGTH:
        problems.append(
            str(_l("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH))
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        problems.append(str(_l("Use at most %(n)d characters.", n=MAX_PASSWORD_LENGTH)))
    folded = unicodedata.normalize("NFKC", password).casefold()
    if folded in _common_passwords() or len(set(folded)) <= 2:
        problems.append(
            str(_l("This password is too common. Choose one that is harder to guess."))
        )
    elif any(part and folded == part.casefold() for part in personal):
        problems.append(str(_l("Do not use your e-mail address or name as password.")))
    return problems
