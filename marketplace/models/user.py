"""Accounts: users, API tokens and consents."""

import enum
import secrets
from datetime import datetime
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_login import UserMixin

from ..extensions import db
from .types import UTCDateTime, str_enum, utcnow

if TYPE_CHECKING:
    from .organization import Membership
    from .profile import VolunteerProfile


class Role(enum.StrEnum):
    """What kind of account a user has; staff is a separate flag."""

    VOLUNTEER = "volunteer"
    ORGANIZER = "organizer"


def new_session_nonce() -> str:
    """Return a fresh random value that identifies the user's current sessions."""
    return secrets.token_urlsafe(16)


def new_calendar_token() -> str:
    """A fresh secret for a volunteer's calendar feed URL."""
    return secrets.token_urlsafe(24)


class User(UserMixin, db.Model):
    """A person with an account: a volunteer or an organisation member."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str] = so.mapped_column(sa.String(254), unique=True)
    password_hash: so.Mapped[str] = so.mapped_column(sa.String(255))
    display_name: so.Mapped[str] = so.mapped_column(sa.String(120))
    role: so.Mapped[Role] = so.mapped_column(str_enum(Role, "role"))
    is_staff: so.Mapped[bool] = so.mapped_column(default=False)
    locale: so.Mapped[str] = so.mapped_column(sa.String(5), default="th")
    # Rotated on logout and password change: every older session cookie dies.
    session_nonce: so.Mapped[str] = so.mapped_column(
        sa.String(32), default=new_session_nonce
    )
    calendar_token: so.Mapped[str | None] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    password_changed_at: so.Mapped[datetime] = so.mapped_column(
        UTCDateTime, default=utcnow
    )
    last_login_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    erased_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    # Where the person first came from, e.g. "booth:12" (a partner's expo booth QR).
    signup_source: so.Mapped[str | None] = so.mapped_column(sa.String(80))
    # The second factor (TOTP, RFC 6238): the shared secret (base32; personal
    # data), when it was confirmed (None: not enrolled, or enrolment unfinished),
    # and the last time step used, so that a code works only once.
    totp_secret: so.Mapped[str | None] = so.mapped_column(sa.String(64))
    totp_enabled_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    totp_last_step: so.Mapped[int | None] = so.mapped_column(sa.BigInteger)
    # How many of the person's notifications are unread, read with the session's
    # user (auth.sessions.load_session_user); None when not read, or after a commit.
    unread_count: so.Mapped[int | None] = so.query_expression()

    profile: so.Mapped[Optional["VolunteerProfile"]] = so.relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    memberships: so.Mapped[list["Membership"]] = so.relationship(
        back_populates="user",
        cascade="all, delete-orphan",
        foreign_keys="Membership.user_id",
    )
    tokens: so.Mapped[list["ApiToken"]] = so.relationship(
        back_populates="user", cascade="all, delete-orphan"
    )
    consents: so.Mapped[list["Consent"]] = so.relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="Consent.id"
    )
    recovery_codes: so.Mapped[list["RecoveryCode"]] = so.relationship(
        back_populates="user", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.value}{' staff' if self.is_staff else ''}>"

    def get_id(self) -> str:
        """Identify the user in the session cookie, bound to the current nonce."""
        return f"{self.id}:{self.session_nonce}"

    @property
    def is_volunteer(self) -> bool:
        """Whether the account is a volunteer's."""
        return self.role is Role.VOLUNTEER

    @property
    def is_organizer(self) -> bool:
        """Whether the account belongs to an organisation member."""
        return self.role is Role.ORGANIZER

    @property
    def has_totp(self) -> bool:
        """Whether the account logs in with a second factor (TOTP)."""
        return self.totp_enabled_at is not None

    def end_all_sessions(self) -> None:
        """Invalidate every session cookie issued to this user so far."""
        self.session_nonce = new_session_nonce()


class ApiToken(db.Model):
    """A bearer token for the API; only its SHA-256 digest is stored."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    token_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    expires_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime)
    revoked_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    last_used_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    user: so.Mapped[User] = so.relationship(back_populates="tokens")

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} user={self.user_id}>"


class ConsentPurpose(enum.StrEnum):
    """What a person agrees their data may be used for."""

    TERMS = "terms"
    MATCHING = "matching"
    PROFILE_SHARING = "profile_sharing"
    EMAIL_NEWS = "email_news"


class Consent(db.Model):
    """One grant or withdrawal of consent; rows are only ever appended."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    purpose: so.Mapped[ConsentPurpose] = so.mapped_column(
        str_enum(ConsentPurpose, "consent_purpose")
    )
    notice_version: so.Mapped[str] = so.mapped_column(sa.String(20))
    granted: so.Mapped[bool]
    recorded_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)

    user: so.Mapped[User] = so.relationship(back_populates="consents")

    def __repr__(self) -> str:
        state = "granted" if self.granted else "withdrawn"
        return f"<Consent {self.purpose.value} {state} v{self.notice_version}>"


class RecoveryCode(db.Model):
    """A one-time code that stands in for the second factor; stored salted+hashed."""

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), index=True
    )
    # "<salt hex>$<sha256 hex of salt + code>"
    code_hash: so.Mapped[str] = so.mapped_column(sa.String(100))
    created_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    used_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)

    user: so.Mapped[User] = so.relationship(back_populates="recovery_codes")

    def __repr__(self) -> str:
        return f"<RecoveryCode {self.id} user={self.user_id}>"
