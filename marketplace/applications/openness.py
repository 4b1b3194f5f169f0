"""What "an open shift" means, once: as SQL for queries and as Python for one shift.

An opportunity is *visible* when it is not a draft and its organisation is verified
(its page and shifts can be loaded; a closed one still shows). It is *open* when,
besides, it is published. A shift is open when its opportunity is open and it has
not started. The public listing, applying, invitations and the matching candidates
all use these, so the rule cannot drift between them.
"""

from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..errors import Conflict
from ..models import (
    Opportunity,
    OpportunityStatus,
    Organization,
    OrganizationStatus,
    Shift,
)


def opportunity_visible() -> tuple[sa.ColumnElement[bool], ...]:
    """SQL (Opportunity joined to Organization): not a draft, verified organisation."""
    return (
        Opportunity.status != OpportunityStatus.DRAFT,
        Organization.status == OrganizationStatus.VERIFIED,
    )


def opportunity_open() -> tuple[sa.ColumnElement[bool], ...]:
    """SQL (Opportunity joined to Organization): published by a verified one."""
    return (
        Opportunity.status == OpportunityStatus.PUBLISHED,
        Organization.status == OrganizationStatus.VERIFIED,
    )


def shift_open(now: datetime) -> tuple[sa.ColumnElement[bool], ...]:
    """SQL (Shift joined to its open Opportunity and Organization): not started."""
    return (*opportunity_open(), Shift.starts_at > now)


def opportunity_listed(now: datetime) -> tuple[sa.ColumnElement[bool], ...]:
    """SQL: an open opportunity with at least one open shift (what volunteers see)."""
    return (
        *opportunity_open(),
        sa.exists().where(
            Shift.opportunity_id == Opportunity.id, Shift.starts_at > now
        ),
    )


def is_open(shift: Shift, now: datetime, running_ok: bool = False) -> bool:
    """Python: the same rule as `shift_open`, for one loaded shift.

    `running_ok`: a shift that has started but not ended is open too (a walk-in
    at the expo booth joins a shift that is on now).
    """
    opportunity = shift.opportunity
    not_over = shift.ends_at > now if running_ok else shift.starts_at > now
    return (
        opportunity.status is OpportunityStatus.PUBLISHED
        and opportunity.organization.status is OrganizationStatus.VERIFIED
        and not_over
    )


def refuse_if_closed(shift: Shift, now: datetime, running_ok: bool = False) -> None:
    """Refuse (409 shift_closed) a shift that is not open."""
    if not is_open(shift, now, running_ok):
        raise Conflict("shift_closed", str(_l("This shift is no longer open.")))


def refuse_if_over(shift: Shift, now: datetime) -> None:
    """Refuse (409 shift_closed) a shift that is over or whose opportunity is not
    open; a running shift is still open to a place offered on the floor."""
    opportunity = shift.opportunity
    if not (
        opportunity.status is OpportunityStatus.PUBLISHED
        and opportunity.organization.status is OrganizationStatus.VERIFIED
        and shift.ends_at > now
    ):
        raise Conflict("shift_closed", str(_l("This shift is no longer open.")))
