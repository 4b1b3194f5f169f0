"""Walk-ins: an account without a password, an application, a code for the booth.

Everything goes through the one application service (`apply_to_shift`: overlap,
capacity, waitlist). Kiosks are scoped to one organisation by a random secret held
in the tablet's session; returning volunteers are found by the signed code that
My shifts shows, or by phone number plus a one-time code. Nothing here commits.
"""

import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import phonenumbers
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from ..applications import services as workflow
from ..applications.eligibility import age_on
from ..applications.openness import opportunity_open
from ..audit import record_event
from ..auth.services import clean_name, name_problems, normalize_email
from ..errors import Conflict, NotFound, ValidationFailed
from ..expo import next_expo_days
from ..extensions import db
from ..i18n import BANGKOK, to_bangkok
from ..models import (
    ConsentPurpose,
    Kiosk,
    Opportunity,
    Organization,
    PhoneCode,
    Role,
    Shift,
    User,
    VolunteerProfile,
    WalkIn,
    utcnow,
)
from ..notifications import queue_email
from ..privacy.consents import record_consents
from ..privacy.minors import GuardianInput, update_age_and_guardian

DEFAULT_REGION = "TH"
# Addresses in the reserved .invalid domain (RFC 2606) never receive mail: a
# walk-in who gives no e-mail gets one, since every account has an address.
NO_EMAIL_DOMAIN = "walk-in.invalid"
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
KIOSK_HOURS = 14
PHONE_CODE_MINUTES = 10
PHONE_CODE_ATTEMPTS = 5
RETURNING_SALT = "walk-in-returning"
RETURNING_MAX_AGE = timedelta(days=1)


# --- Phone numbers --------------------------------------------------------------------


def normalize_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """A phone number in E.164 (+66 by default), or raise ValidationFailed."""
    text = (raw or "").strip()
    number = None
    if text and len(text) <= 32:
        try:
            number = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            number = None
    if number is None or not phonenumbers.is_valid_number(number):
        message = str(_l("Enter a phone number such as 081 234 5678."))
        raise ValidationFailed(fields={"phone": [message]})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def has_real_email(user: User) -> bool:
    """Whether the account's address can receive mail (walk-ins may have none)."""
    return not user.email.endswith("@" + NO_EMAIL_DOMAIN)


# --- Shifts at the booth --------------------------------------------------------------


def _bangkok_day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, datetime.min.time(), tzinfo=BANGKOK)
    return start, start + timedelta(days=1)


def booth_shifts(
    organization: Organization, now: datetime | None = None, with_room: bool = True
) -> list:
    """The organisation's shifts today and on the expo days with room, not over.

    `with_room=False` keeps full shifts too: a person who chose a shift as it
    filled up joins its waitlist instead of hitting an error.

    A running shift counts (whatever day it started): a walk-in can join it and,
    at a kiosk, be checked in at once.
    """
    now = now or utcnow()
    today = to_bangkok(now).date()
    days = sorted({today, *next_expo_days(today)})
    windows = [_bangkok_day_bounds(day) for day in days]
    in_a_day = sa.or_(
        *(sa.and_(Shift.starts_at >= a, Shift.starts_at < b) for a, b in windows)
    )
    return list(
        db.session.scalars(
            sa.select(Shift)
            .join(Shift.opportunity)
            .join(Opportunity.organization)
            .where(
                Opportunity.organization_id == organization.id,
                *opportunity_open(),
                Shift.ends_at > now,
                Shift.spots_taken < Shift.capacity if with_room else sa.true(),
                sa.or_(Shift.starts_at <= now, in_a_day),
            )
            .options(so.contains_eager(Shift.opportunity))
            .order_by(Shift.starts_at, Shift.id)
        )
    )


def booth_shift(organization: Organization, shift_id: int, now: datetime) -> Shift:
    """One shift of the organisation a walk-in may take, full or not (else 404)."""
    for shift in booth_shifts(organization, now, with_room=False):
        if shift.id == shift_id:
            return shift
    raise NotFound()


# --- Signing up -----------------------------------------------------------------------


@dataclass
class WalkInInput:
    """What a newcomer gives at the booth."""

    display_name: str
    phone: str
    date_of_birth: date | None
    email: str = ""
    guardian_name: str = ""
    guardian_contact: str = ""
    guardian_consent: bool = False
    locale: str = "th"
    consents: dict[ConsentPurpose, bool] = field(default_factory=dict)


def _new_code() -> str:
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
    return f"{raw[:4]}-{raw[4:]}"


def _check_input(data: WalkInInput, today: date) -> tuple[str, str, str]:
    """The clean name, E.164 phone and e-mail ("" for none); raise on bad input."""
    fields: dict[str, list[str]] = {}
    name = clean_name(data.display_name or "")
    if problems := name_problems(name):
        fields["display_name"] = problems
    phone = ""
    try:
        phone = normalize_phone(data.phone)
    except ValidationFailed as error:
        fields.update(error.fields)
    email = ""
    if (data.email or "").strip():
        try:
            email = normalize_email(data.email)
        except ValidationFailed as error:
            fields.update(error.fields)
    has_guardian = bool(
        data.guardian_name.strip()
        and data.guardian_contact.strip()
        and data.guardian_consent
    )
    if data.date_of_birth is None:
        fields["date_of_birth"] = [str(_l("Give your date of birth."))]
    elif (
        age_on(data.date_of_birth, today) < current_app.config["ADULT_AGE"]
        and not has_guardian
    ):
        fields["guardian_consent"] = [
            str(
                _l(
                    "Under %(age)d: give your parent's or guardian's name and "
                    "contact, and tick their consent.",
                    age=current_app.config["ADULT_AGE"],
                )
            )
        ]
    if not data.consents.get(ConsentPurpose.TERMS):
        fields["accept_terms"] = [str(_l("You must accept the terms to register."))]
    if fields:
        raise ValidationFailed(fields=fields)
    return name, phone, email


def create_walk_in_account(data: WalkInInput, source: str, now: datetime) -> User:
    """A volunteer account without a password, with phone, age and consents."""
    name, phone, email = _check_input(data, to_bangkok(now).date())
    if email and db.session.scalar(sa.select(User.id).where(User.email == email)):
        raise Conflict(
            "email_taken",
            str(
                _l(
                    "An account with this e-mail exists. Log in, or ask at the "
                    "booth to find you by your phone."
                )
            ),
        )
    user = User(
        email=email or f"walk-in-{secrets.token_hex(10)}@{NO_EMAIL_DOMAIN}",
        # No password: no hash matches "", so nobody logs in with one until the
        # person sets it through the password-reset link.
        password_hash="",
        display_name=name,
        role=Role.VOLUNTEER,
        locale=data.locale,
        signup_source=source,
    )
    user.profile = VolunteerProfile(phone=phone)
    update_age_and_guardian(
        user.profile,
        GuardianInput(
            date_of_birth=data.date_of_birth,
            guardian_name=data.guardian_name,
            guardian_contact=data.guardian_contact,
            guardian_consent=data.guardian_consent,
        ),
        now,
    )
    db.session.add(user)
    record_consents(user, data.consents, current_app.config["NOTICE_VERSION"])
    db.session.flush()
    record_event(user, "user.registered", user, role=user.role.value, source=source)
    return user


def apply_walk_in(
    volunteer: User,
    organization: Organization,
    shift_id: int,
    source: str,
    kiosk: Kiosk | None = None,
    returning: bool = False,
    now: datetime | None = None,
) -> WalkIn:
    """Apply through the one application service; check in at a kiosk if running."""
    now = now or utcnow()
    shift = booth_shift(organization, shift_id, now)
    application = workflow.apply_to_shift(volunteer, shift.id, now=now, running_ok=True)
    application.source = application.source or source
    walk_in = WalkIn(
        organization_id=organization.id,
        user_id=volunteer.id,
        application_id=application.id,
        kiosk_id=kiosk.id if kiosk else None,
        code=_new_code(),
        source=source,
        is_returning=returning,
    )
    db.session.add(walk_in)
    running = shift.starts_at <= now < shift.ends_at
    if kiosk is not None and running and application.status.holds_spot:
        # At the booth, in front of a member's tablet: checked in at once.
        application.checked_in_at = application.checked_in_at or now
        starter = db.session.get(User, kiosk.started_by_id or 0)
        record_event(starter, "application.booth_check_in", application, kiosk=kiosk.id)
    db.session.flush()
    return walk_in


def password_link(user: User) -> str:
    """A set-your-password link (the password-reset link, for a new account)."""
    from ..auth.reset import make_reset_token
    from ..links import public_url

    return public_url("auth.reset_password", reset_token=make_reset_token(user))


def send_password_link(user: User) -> None:
    """E-mail a set-your-password link, when the person gave an e-mail."""
    link = password_link(user)
    if has_real_email(user):
        with force_locale(user.locale or "th"):
            subject = _("Good Society Expo: set a password for your account")
            body = "\n\n".join(
                [
                    _("Hello %(name)s,", name=user.display_name),
                    _(
                        "You signed up at a booth of the Good Society Expo. To log "
                        "in later, choose a password with this link:"
                    ),
                    link,
                ]
            )
        queue_email(user, subject, body)


# --- Kiosks ---------------------------------------------------------------------------


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def start_kiosk(member: User, organization: Organization) -> tuple[Kiosk, str]:
    """A member starts kiosk mode for their organisation; returns it and its secret."""
    from .. import access

    access.require(member, access.ACT, organization)
    secret = secrets.token_urlsafe(32)
    now = utcnow()
    kiosk = Kiosk(
        organization_id=organization.id,
        started_by_id=member.id,
        token_hash=_digest(secret),
        started_at=now,
        expires_at=now + timedelta(hours=KIOSK_HOURS),
    )
    db.session.add(kiosk)
    db.session.flush()
    record_event(member, "kiosk.started", organization, kiosk=kiosk.id)
    return kiosk, secret


def kiosk_for_secret(secret: object, now: datetime | None = None) -> Kiosk | None:
    """The live kiosk a tablet's secret opens, else None."""
    if not isinstance(secret, str) or not secret:
        return None
    kiosk = db.session.scalar(
        sa.select(Kiosk).where(Kiosk.token_hash == _digest(secret))
    )
    now = now or utcnow()
    if kiosk is None or kiosk.ended_at is not None or kiosk.expires_at <= now:
        return None
    return kiosk


def end_kiosk(kiosk: Kiosk) -> None:
    """End kiosk mode: the tablet's secret opens nothing any more."""
    kiosk.ended_at = utcnow()


# --- Returning volunteers -------------------------------------------------------------


def _returning_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=RETURNING_SALT)


def returning_token(user: User) -> str:
    """The signed code My shifts shows as a QR code; it dies with the sessions."""
    return _returning_serializer().dumps({"u": user.id, "n": user.session_nonce[:8]})


def user_for_returning_token(token: str) -> User | None:
    """The volunteer a scanned code names, if it is genuine and current."""
    token = (token or "").strip().rsplit("/", 1)[-1]
    try:
        data = _returning_serializer().loads(
            token, max_age=int(RETURNING_MAX_AGE.total_seconds())
        )
    except (BadSignature, SignatureExpired):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int):
        return None
    user = db.session.get(User, data["u"])
    if user is None or user.erased_at is not None or not user.is_volunteer:
        return None
    if not hmac.compare_digest(str(data.get("n")), user.session_nonce[:8]):
        return None
    return user


def _hash_code(code: str, salt: str | None = None) -> str:
    salt = salt or secrets.token_hex(8)
    return f"{salt}${hashlib.sha256((salt + code).encode()).hexdigest()}"


def _volunteers_with_phone(phone: str) -> list[User]:
    return list(
        db.session.scalars(
            sa.select(User)
            .join(User.profile)
            .where(
                VolunteerProfile.phone == phone,
                User.erased_at.is_(None),
                User.role == Role.VOLUNTEER,
            )
            .order_by(User.created_at.desc(), User.id.desc())
        )
    )


def send_phone_code(kiosk: Kiosk, raw_phone: str) -> PhoneCode:
    """Make a one-time code for a phone number; send it if the number is ours.

    A number that is not ours gets a code too (never sent): the kiosk cannot
    tell the two apart, so typing someone's number reveals nothing.
    """
    phone = normalize_phone(raw_phone)
    code = "".join(secrets.choice("0123456789") for _ in range(6))
    now = utcnow()
    row = PhoneCode(
        kiosk_id=kiosk.id,
        phone=phone,
        code_hash=_hash_code(code),
        created_at=now,
        expires_at=now + timedelta(minutes=PHONE_CODE_MINUTES),
    )
    db.session.add(row)
    for user in _volunteers_with_phone(phone)[:1]:
        if not has_real_email(user):
            continue  # no SMS gateway yet: the outbox sends e-mail only
        with force_locale(user.locale or "th"):
            subject = _("Good Society Expo: your code is %(code)s", code=code)
            body = _(
                "Your code for the booth is %(code)s. It works for %(minutes)d "
                "minutes. If you are not at the expo, ignore this e-mail.",
                code=code,
                minutes=PHONE_CODE_MINUTES,
            )
        queue_email(user, subject, body)
    db.session.flush()
    return row


def check_phone_code(kiosk: Kiosk, code_id: object, code: str) -> User | None:
    """The volunteer a right, live, unused code was sent to; else None."""
    if not isinstance(code_id, int):
        return None
    row = db.session.get(PhoneCode, code_id)
    now = utcnow()
    if row is None or row.kiosk_id != kiosk.id or row.used_at is not None:
        return None
    if row.expires_at <= now or row.attempts >= PHONE_CODE_ATTEMPTS:
        return None
    row.attempts += 1
    salt, _digest_hex = row.code_hash.split("$", 1)
    typed = "".join((code or "").split())[:12]
    if not hmac.compare_digest(_hash_code(typed, salt), row.code_hash):
        return None
    row.used_at = now
    people = _volunteers_with_phone(row.phone)
    return people[0] if people else None


def walk_in_for_code(walk_in_id: object) -> WalkIn | None:
    """A walk-in by the id kept in the session (never taken from a URL)."""
    if not isinstance(walk_in_id, int):
        return None
    return db.session.get(WalkIn, walk_in_id)
