"""Account operations: registration, login, passwords, consents, tokens."""

import unicodedata
from dataclasses import dataclass, field

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import lazy_gettext as _l

from ..audit import record_event
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..models import ConsentPurpose, Role, User, VolunteerProfile, utcnow
from ..models.user import new_calendar_token
from ..privacy.consents import record_consents
from .passwords import (
    hash_password,
    needs_rehash,
    password_problems,
    spend_verification_time,
    verify_password,
)
from .sessions import revoke_all_tokens

MAX_NAME_LENGTH = 120
# Punctuation that real names carry (O'Brien, Jean-Luc, ดร. สมชาย (ต้น)).
_NAME_PUNCTUATION = set(" .'-()’")


def normalize_email(email: str) -> str:
    """Return the canonical form of an e-mail address, or raise ValidationFailed.

    NFKC folds compatibility forms (fullwidth letters, the ideographic full stop),
    IDNA canonicalises the domain and the whole address is lower-cased: every
    spelling of one address yields one account, and one key for each rate limit.
    """
    try:
        folded = unicodedata.normalize("NFKC", email).strip()
        result = validate_email(folded, check_deliverability=False)
    except EmailNotValidError:
        # email-validator explains in English only; say it in the user's language.
        message = _l("Enter an e-mail address such as name@example.org.")
        raise ValidationFailed(fields={"email": [str(message)]}) from None
    return result.normalized.lower()


def email_key(email: str) -> str:
    """The normalised address, or a folded form of text that is not an address.

    Logins and every per-e-mail rate limit key on this, so that other spellings
    of one address (x@ｅxample.org, x@example。org, X@EXAMPLE.ORG) share a counter.
    """
    try:
        return normalize_email(email)
    except ValidationFailed:
        return unicodedata.normalize("NFKC", email).strip().lower()


def name_problems(name: str) -> list[str]:
    """List what is wrong with a display name; any script's letters are fine."""
    if not name:
        return [str(_l("Enter your name."))]
    if len(name) > MAX_NAME_LENGTH:
        return [str(_l("Use at most %(n)d characters.", n=MAX_NAME_LENGTH))]
    categories = {unicodedata.category(char)[0] for char in name}
    allowed = all(
        unicodedata.category(char)[0] in "LM" or char in _NAME_PUNCTUATION
        for char in name
    )
    if "L" not in categories or not allowed:
        return [str(_l("Use letters (any language), spaces, dots and hyphens."))]
    return []


def clean_name(name: str) -> str:
    """Normalise a display name: NFC, single spaces, no surrounding space."""
    return " ".join(unicodedata.normalize("NFC", name).split())


@dataclass
class Registration:
    """What a person gives when they sign up."""

    email: str
    password: str
    display_name: str
    role: Role
    locale: str = "th"
    consents: dict[ConsentPurpose, bool] = field(default_factory=dict)


def register_user(registration: Registration, notice_version: str) -> User:
    """Create an account with its consents; raise on bad input or a taken e-mail."""
    fields: dict[str, list[str]] = {}
    try:
        email = normalize_email(registration.email)
    except ValidationFailed as error:
        fields.update(error.fields)
        email = registration.email
    display_name = clean_name(registration.display_name)
    if problems := name_problems(display_name):
        fields["display_name"] = problems
    if problems := password_problems(registration.password, email, display_name):
        fields["password"] = problems
    if not registration.consents.get(ConsentPurpose.TERMS):
        fields["consents"] = [str(_l("You must accept the terms to register."))]
    if fields:
        raise ValidationFailed(fields=fields)
    if _email_taken(email):
        raise Conflict("email_taken", str(_l("An account with this e-mail exists.")))

    user = User(
        email=email,
        password_hash=hash_password(registration.password),
        display_name=display_name,
        role=registration.role,
        locale=registration.locale,
    )
    if registration.role is Role.VOLUNTEER:
        user.profile = VolunteerProfile()
    db.session.add(user)
    record_consents(user, registration.consents, notice_version)
    db.session.flush()
    record_event(user, "user.registered", user, role=user.role.value)
    return user


def _email_taken(email: str) -> bool:
    return db.session.scalar(sa.select(User.id).where(User.email == email)) is not None


def authenticate(email: str, password: str) -> User | None:
    """Return the user whose e-mail and password match, else None."""
    email = email_key(email)
    user = db.session.scalar(
        sa.select(User).where(User.email == email, User.erased_at.is_(None))
    )
    if user is None:
        spend_verification_time(password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = utcnow()
    return user


def change_password(user: User, current: str, new: str) -> None:
    """Set a new password, end every session and revoke every API token."""
    if not verify_password(user.password_hash, current):
        raise ValidationFailed(
            fields={"current_password": [str(_l("The current password is wrong."))]}
        )
    set_new_password(user, new, "user.password_changed")


def set_new_password(user: User, new: str, action: str) -> None:
    """Check and set a new password, end every session and revoke every API token."""
    if problems := password_problems(new, user.email, user.display_name):
        raise ValidationFailed(fields={"new_password": problems})
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    user.end_all_sessions()
    renew_calendar_link(user)
    revoke_all_tokens(user)
    record_event(user, action, user)


def log_out_everywhere(user: User) -> None:
    """End every browser session of the user (a copied cookie stops working)."""
    user.end_all_sessions()
    renew_calendar_link(user)
    record_event(user, "user.logged_out", user)


def renew_calendar_link(user: User) -> None:
    """Give a new secret to the user's calendar feed, if they have one.

    The feed link is a bearer secret: whoever copied it with a session or a
    password loses it when the password changes or every session ends.
    """
    if user.calendar_token is not None:
        user.calendar_token = new_calendar_token()


def create_staff(email: str, password: str, display_name: str = "Staff") -> User:
    """Create a staff account, or promote and reset an existing one.

    Resetting includes the second factor: a staff member who lost both phone
    and recovery codes is let back in this way, and enrols again at login.
    """
    email = normalize_email(email)
    if problems := password_problems(password, email):
        raise ValidationFailed(fields={"password": problems})
    user = db.session.scalar(sa.select(User).where(User.email == email))
    if user is None:
        user = User(email=email, display_name=display_name, role=Role.ORGANIZER)
        db.session.add(user)
    user.password_hash = hash_password(password)
    user.is_staff = True
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    user.recovery_codes.clear()
    user.end_all_sessions()
    revoke_all_tokens(user)
    db.session.flush()
    record_event(None, "user.made_staff", user)
    return user
