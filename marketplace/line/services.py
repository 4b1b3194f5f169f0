"""LINE accounts: link, unlink, sign up with LINE; what a webhook event does.

Services take the actor, raise DomainError subclasses and never commit.
"""

import secrets
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ..audit import record_event
from ..auth.services import clean_name, name_problems, normalize_email
from ..errors import Conflict, DomainError, ValidationFailed
from ..extensions import db
from ..links import public_url
from ..models import (
    ConsentPurpose,
    LineAccount,
    LineWebhookEvent,
    Role,
    User,
    VolunteerProfile,
)
from ..privacy.consents import record_consents

# Accounts made with LINE and no e-mail get an address in the reserved .invalid
# domain (RFC 2606), as walk-ins do: every account has one, none receives mail.
NO_EMAIL_DOMAIN = "line.invalid"


@dataclass(frozen=True)
class LineIdentity:
    """Who LINE Login says the person is: the ID token's `sub`, name, friendship."""

    line_user_id: str
    display_name: str = ""
    is_friend: bool = False


def account_of(user: User) -> LineAccount | None:
    """The user's linked LINE account, if any."""
    return db.session.scalar(
        sa.select(LineAccount).where(LineAccount.user_id == user.id)
    )


def current_user_linked() -> bool:
    """Whether the logged-in user has linked LINE (for the pages)."""
    from flask_login import current_user

    return current_user.is_authenticated and account_of(current_user) is not None


def account_for_line_id(line_user_id: str) -> LineAccount | None:
    """The link of a LINE user id, if someone linked it."""
    return db.session.scalar(
        sa.select(LineAccount).where(LineAccount.line_user_id == line_user_id)
    )


def user_for_line_id(line_user_id: str) -> User | None:
    """The (not erased) account a LINE user id is linked to."""
    account = account_for_line_id(line_user_id)
    if account is None:
        return None
    user = db.session.get(User, account.user_id)
    return user if user is not None and user.erased_at is None else None


def linked_elsewhere() -> Conflict:
    """The refusal when a LINE account is someone else's already."""
    return Conflict(
        "line_linked_elsewhere",
        str(
            _l(
                "This LINE account is already linked to another account of the "
                "marketplace. Log in to that account, or unlink LINE there first."
            )
        ),
    )


def link(user: User, identity: LineIdentity, now: datetime) -> LineAccount:
    """Link a LINE account to `user`; never one linked to someone else."""
    existing = account_for_line_id(identity.line_user_id)
    if existing is not None and existing.user_id != user.id:
        raise linked_elsewhere()
    own = account_of(user)
    if own is not None and own.line_user_id != identity.line_user_id:
        raise Conflict(
            "line_other_account",
            str(
                _l(
                    "Your account is linked to another LINE account. Unlink it "
                    "first, then link this one."
                )
            ),
        )
    if own is None:
        own = LineAccount(user_id=user.id, line_user_id=identity.line_user_id)
        db.session.add(own)
        record_event(user, "line.linked", user)
    own.linked_at = own.linked_at or now
    own.display_name = (identity.display_name or "")[:120] or own.display_name
    own.is_friend = identity.is_friend or bool(own.is_friend)
    db.session.flush()
    return own


def is_line_only(user: User) -> bool:
    """Whether LINE is the only way into the account (no password, no e-mail)."""
    return not user.password_hash and user.email.endswith(f"@{NO_EMAIL_DOMAIN}")


def unlink(user: User) -> None:
    """Remove the link to LINE (pushes stop; LINE Login no longer opens it)."""
    account = account_of(user)
    if account is None:
        return
    if is_line_only(user):
        raise Conflict(
            "line_only_way_in",
            str(
                _l(
                    "LINE is the only way into this account, so it stays linked. "
                    "To close the account, delete it on the privacy page."
                )
            ),
        )
    db.session.delete(account)
    record_event(user, "line.unlinked", user)
    db.session.flush()


@dataclass
class LineSignUp:
    """What a person gives when they sign up with LINE (no password)."""

    display_name: str
    email: str = ""
    locale: str = "th"
    consents: dict[ConsentPurpose, bool] = field(default_factory=dict)


def sign_up(data: LineSignUp, identity: LineIdentity, now: datetime) -> User:
    """A new volunteer account logged in by LINE, with the terms and its consents."""
    if account_for_line_id(identity.line_user_id) is not None:
        raise linked_elsewhere()
    fields: dict[str, list[str]] = {}
    email = ""
    if (data.email or "").strip():
        try:
            email = normalize_email(data.email)
        except ValidationFailed as error:
            fields.update(error.fields)
    name = clean_name(data.display_name or "")
    if problems := name_problems(name):
        fields["display_name"] = problems
    if not data.consents.get(ConsentPurpose.TERMS):
        fields["accept_terms"] = [str(_l("You must accept the terms to register."))]
    if fields:
        raise ValidationFailed(fields=fields)
    if email and db.session.scalar(sa.select(User.id).where(User.email == email)):
        raise Conflict(
            "email_taken",
            str(
                _l(
                    "An account with this e-mail exists. Log in with your password, "
                    "then link LINE on your account's LINE page."
                )
            ),
        )
    user = User(
        email=email or f"line-{secrets.token_hex(10)}@{NO_EMAIL_DOMAIN}",
        # No password: no hash matches "", so the account opens with LINE only.
        password_hash="",
        display_name=name,
        role=Role.VOLUNTEER,
        locale=data.locale,
        signup_source="line",
        last_login_at=now,
    )
    user.profile = VolunteerProfile()
    db.session.add(user)
    record_consents(user, data.consents, current_app.config["NOTICE_VERSION"])
    db.session.flush()
    record_event(user, "user.registered", user, role=user.role.value, source="line")
    link(user, identity, now)
    return user


# --- Webhook events -----------------------------------------------------------------


def first_time(webhook_event_id: str, now: datetime) -> bool:
    """Record an event as handled; False when it was handled before (redelivery)."""
    from sqlalchemy.exc import IntegrityError

    seen = sa.select(LineWebhookEvent.id).where(
        LineWebhookEvent.webhook_event_id == webhook_event_id
    )
    if db.session.scalar(seen) is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(
                LineWebhookEvent(webhook_event_id=webhook_event_id, received_at=now)
            )
    except IntegrityError:  # the same event, handled by another worker meanwhile
        return False
    return True


def set_friend(line_user_id: str, is_friend: bool) -> LineAccount | None:
    """Follow/unfollow: whether pushes may go to this LINE user."""
    account = account_for_line_id(line_user_id)
    if account is not None:
        account.is_friend = is_friend
    return account


def how_to_link() -> str:
    """The reply to someone LINE knows but the marketplace does not."""
    return _(
        "Hello! To get your shifts and answer here, log in to the Good Society "
        "Marketplace with LINE (or link LINE on your account's LINE page): %(url)s",
        url=public_url("auth.login"),
    )


def text_help() -> str:
    """The reply to a message that could not be filed anywhere."""
    return _(
        "Thank you! Messages here reach the organisers of a shift after they wrote "
        "to you. For anything else, see the marketplace: %(url)s",
        url=public_url("main.notifications"),
    )


def answer_postback(user: User, data: str, now: datetime) -> str:
    """A one-tap answer (actions.perform); the sentence to reply with."""
    from ..actions import perform

    with force_locale(user.locale or "th"):
        try:
            with db.session.begin_nested():
                return perform(user, data, now)
        except DomainError as error:
            return error.message


def file_text(user: User, body: str, now: datetime) -> str:
    """A volunteer's text: filed into the conversation of their shift, if any."""
    with force_locale(user.locale or "th"):
        try:
            from ..conversations.services import file_reply
        except ImportError:  # the conversations feature is not there
            return text_help()
        try:
            with db.session.begin_nested():
                message = file_reply(user, body, now)
        except DomainError as error:
            return error.message
        if message is None:
            return text_help()
        return _("Thank you: the organisers of your shift will read your message.")
