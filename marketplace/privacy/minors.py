"""Minors' data: date of birth and a guardian's consent on the profile.

The rules that use them when taking a shift live in applications/eligibility.py.
"""

from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..applications.eligibility import age_on
from ..errors import ValidationFailed
from ..i18n import to_bangkok
from ..models import VolunteerProfile, utcnow

__all__ = ["GuardianInput", "age_on", "is_minor", "update_age_and_guardian"]

OLDEST_AGE = 120
MAX_GUARDIAN_NAME = 120
MAX_GUARDIAN_CONTACT = 254


def is_minor(profile: VolunteerProfile | None, day: date | None = None) -> bool:
    """Whether the volunteer is known to be under the adult age on a day."""
    if profile is None or profile.date_of_birth is None:
        return False
    day = day or to_bangkok(utcnow()).date()
    return age_on(profile.date_of_birth, day) < current_app.config["ADULT_AGE"]


@dataclass
class GuardianInput:
    """Date of birth and a guardian's details, as the profile form gives them."""

    date_of_birth: date | None = None
    guardian_name: str = ""
    guardian_contact: str = ""
    guardian_consent: bool = False


def update_age_and_guardian(
    profile: VolunteerProfile, data: GuardianInput, now: datetime | None = None
) -> None:
    """Save the date of birth and guardian; raise ValidationFailed on bad input.

    The consent time is kept while the guardian stays the same, set when the box
    is ticked for a new guardian, and cleared when the box is not ticked.
    """
    now = now or utcnow()
    today = to_bangkok(now).date()
    fields: dict[str, list[str]] = {}
    name = " ".join((data.guardian_name or "").split())
    contact = (data.guardian_contact or "").strip()
    birth = data.date_of_birth
    if birth is not None and not 0 <= age_on(birth, today) <= OLDEST_AGE:
        fields["date_of_birth"] = [str(_l("Give a real date of birth."))]
    if birth is not None and birth > today:
        fields["date_of_birth"] = [str(_l("Give a real date of birth."))]
    if len(name) > MAX_GUARDIAN_NAME:
        fields["guardian_name"] = [
            str(_l("Use at most %(n)d characters.", n=MAX_GUARDIAN_NAME))
        ]
    if len(contact) > MAX_GUARDIAN_CONTACT:
        fields["guardian_contact"] = [
            str(_l("Use at most %(n)d characters.", n=MAX_GUARDIAN_CONTACT))
        ]
    if data.guardian_consent and not (name and contact):
        fields["guardian_consent"] = [
            str(_l("Give the guardian's name and contact with their consent."))
        ]
    if fields:
        raise ValidationFailed(fields=fields)
    changed = (name, contact) != (
        profile.guardian_name or "",
        profile.guardian_contact or "",
    )
    profile.date_of_birth = birth
    profile.guardian_name = name or None
    profile.guardian_contact = contact or None
    if not data.guardian_consent:
        profile.guardian_consent_at = None
    elif changed or profile.guardian_consent_at is None:
        profile.guardian_consent_at = now
