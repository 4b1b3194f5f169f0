"""Consent: the only module that reads (and appends) consent decisions.

A decision is a row in `consent`; rows are only appended, so a person's state for
a purpose is their latest row for it, else the purpose's default. Everything that
asks "may we use this person's data for X" asks here, in Python for one person or
as SQL for many.
"""

import sqlalchemy as sa

from ..extensions import db
from ..models import Consent, ConsentPurpose, User

PURPOSES = (
    ConsentPurpose.TERMS,
    ConsentPurpose.MATCHING,
    ConsentPurpose.PROFILE_SHARING,
    ConsentPurpose.EMAIL_NEWS,
)
# The state of a purpose nobody decided on yet. Sharing the profile with the
# organisations one applies to is what applying means, so it is on until withdrawn.
DEFAULTS = {
    ConsentPurpose.TERMS: False,
    ConsentPurpose.MATCHING: False,
    ConsentPurpose.PROFILE_SHARING: True,
    ConsentPurpose.EMAIL_NEWS: False,
}


def record_consents(
    user: User, consents: dict[ConsentPurpose, bool], notice_version: str
) -> None:
    """Append one consent row per purpose given; history is never rewritten."""
    for purpose, granted in consents.items():
        user.consents.append(
            Consent(
                purpose=purpose, granted=bool(granted), notice_version=notice_version
            )
        )


def history(user: User) -> list[Consent]:
    """Every decision the user made, newest first."""
    return list(reversed(user.consents))


def latest_decisions(user: User) -> dict[ConsentPurpose, bool]:
    """Each purpose the user decided on, with their latest decision."""
    latest: dict[ConsentPurpose, bool] = {}
    for consent in user.consents:  # ordered by id: the last one wins
        latest[consent.purpose] = consent.granted
    return latest


def consent_state(user: User) -> dict[ConsentPurpose, bool]:
    """Each purpose's current state: the latest decision, else the default."""
    latest = latest_decisions(user)
    return {purpose: latest.get(purpose, DEFAULTS[purpose]) for purpose in PURPOSES}


def has_consented(user: User, purpose: ConsentPurpose) -> bool:
    """Whether the user's current state for the purpose is a grant."""
    return consent_state(user)[purpose]


def _latest_rows(purpose: ConsentPurpose) -> sa.Subquery:
    """(user_id, granted) of every user's latest decision about a purpose."""
    last = (
        sa.select(sa.func.max(Consent.id).label("last"))
        .where(Consent.purpose == purpose)
        .group_by(Consent.user_id)
        .subquery()
    )
    return (
        sa.select(Consent.user_id, Consent.granted)
        .join(last, last.c.last == Consent.id)
        .subquery()
    )


def users_granting(purpose: ConsentPurpose) -> sa.Select:
    """SQL: the ids of users whose current state for the purpose is a grant."""
    rows = _latest_rows(purpose)
    if DEFAULTS[purpose]:
        withdrawn = sa.select(rows.c.user_id).where(rows.c.granted.is_(False))
        return sa.select(User.id).where(User.id.not_in(withdrawn))
    return sa.select(rows.c.user_id).where(rows.c.granted.is_(True))


def consented_to_matching() -> sa.Select:
    """SQL: users whose latest decision about matching is a grant."""
    return users_granting(ConsentPurpose.MATCHING)


def profile_not_shared(user_ids: list[int]) -> set[int]:
    """Which of these users withdrew sharing their profile with organisations."""
    if not user_ids:
        return set()
    rows = _latest_rows(ConsentPurpose.PROFILE_SHARING)
    return set(
        db.session.scalars(
            sa.select(rows.c.user_id).where(
                rows.c.user_id.in_(set(user_ids)), rows.c.granted.is_(False)
            )
        )
    )
