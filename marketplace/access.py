"""Who may do what: the one place that answers for pages, the API and services.

Decorators (`role_required`, `staff_required`) guard whole routes by role. The
rest answers "may this user do this to this object" (as Indico's `can_manage`):

- `can_view_applicants` — look at an organisation's people: its members, and
  staff (whose look is logged by `privacy.services.log_staff_view`);
- `can_manage` / `can_act_for` — act for an organisation (post, edit, accept,
  decline, record attendance): its members only, never staff as such;
- `can_review` — staff decisions on a match (approve, reject);
- `leads_now` — a shift's lead (a volunteer with an approved place whom a member
  made its lead) on the shift's day: they see that shift's roster and record its
  attendance (`ATTEND`, `ROSTER`) and writes to its volunteers (`MESSAGE`),
  nothing else of the organisation;
- `can_coordinate` — run the expo floor (offer a floater a place): the
  organisation's members for its shifts, and staff for every shift.

Views load objects with the `get_x_or_404(id, for_user=…, action=…)` loaders and
services call `require(user, action, obj)`, so both refuse through the same rules.
Membership itself is read by one function, `organizations.services.membership_of`.
"""

from collections.abc import Callable
from datetime import datetime, time, timedelta
from functools import wraps

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from .errors import Forbidden, NotFound
from .extensions import db
from .i18n import BANGKOK, to_bangkok
from .models import (
    Application,
    ApplicationStatus,
    MemberRole,
    Opportunity,
    Organization,
    Role,
    Shift,
    ShiftLead,
    User,
    utcnow,
)
from .organizations.services import membership_of

# Actions a loader or `require` is asked about.
VIEW = "view"  # look at the organisation's pages and applicants: members and staff
ACT = "act"  # act for the organisation: members only
ADMIN = "admin"  # change who belongs to it: its admins only
REVIEW = "review"  # approve or reject a match: staff only
ATTEND = "attend"  # record a shift's attendance: members, its leads on its day
ROSTER = "roster"  # see a shift's roster with phones: members, its leads on its day
# Write to a shift's volunteers and read its conversation: members, its leads on
# its day (as ROSTER: a lead sees the other volunteers only on the day).
MESSAGE = "message"

# A lead may prepare before an early shift: their day opens at midnight (Bangkok)
# of the shift's day, or this long before the start if that is earlier.
LEAD_OPENS_BEFORE = timedelta(hours=3)
COORDINATE = "coordinate"  # run the expo floor (offer places): members, and staff

Managed = Organization | Opportunity | Shift | Application


def role_required(role: Role) -> Callable:
    """Let only logged-in users of the given role through (others get 403)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role is not role:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def staff_required(view: Callable) -> Callable:
    """Let only staff through (others get 403)."""

    @wraps(view)
    @login_required
    def wrapped(*args, **kwargs):
        if not current_user.is_staff:
            abort(403)
        return view(*args, **kwargs)

    return wrapped


# --- Questions ------------------------------------------------------------------


def organization_id_of(obj: Managed | int) -> int:
    """The id of the organisation an object belongs to (an int is that id)."""
    if isinstance(obj, int):
        return obj
    if isinstance(obj, Organization):
        return obj.id
    if isinstance(obj, Opportunity):
        return obj.organization_id
    if isinstance(obj, Shift):
        return obj.opportunity.organization_id
    if isinstance(obj, Application):
        return obj.shift.opportunity.organization_id
    raise TypeError(f"no organisation for {type(obj).__name__}")


def _is_staff(user: User) -> bool:
    return bool(user.is_authenticated and user.is_staff)


def is_member(user: User, obj: Managed | int, admin: bool = False) -> bool:
    """Whether the user belongs to the object's organisation (as an admin)."""
    membership = membership_of(user, organization_id_of(obj))
    if membership is None:
        return False
    return not admin or membership.role is MemberRole.ADMIN


def can_act_for(user: User, organization: Organization) -> bool:
    """Whether the user may act for the organisation: its members only."""
    return is_member(user, organization)


def can_manage(user: User, obj: Managed) -> bool:
    """Whether the user may change the object or decide for its organisation."""
    return is_member(user, obj)


def can_view_applicants(user: User, obj: Managed) -> bool:
    """Whether the user may look at the object's applicants: members and staff."""
    return _is_staff(user) or is_member(user, obj)


def can_review(user: User, obj: Managed | None = None) -> bool:
    """Whether the user may approve or reject matches: staff."""
    return _is_staff(user)


def _shift_of(obj: Shift | Application) -> Shift:
    return obj if isinstance(obj, Shift) else obj.shift


def lead_window(shift: Shift) -> tuple[datetime, datetime]:
    """When the shift's leads may act: the shift's day(s) in Bangkok."""
    opens = datetime.combine(to_bangkok(shift.starts_at).date(), time(), BANGKOK)
    last_day = to_bangkok(shift.ends_at).date()
    closes = datetime.combine(last_day + timedelta(days=1), time(), BANGKOK)
    return min(opens, shift.starts_at - LEAD_OPENS_BEFORE), closes


def is_shift_lead(user: User, shift: Shift | int) -> bool:
    """Whether the user leads the shift and still holds an approved place on it."""
    if not user.is_authenticated:
        return False
    shift_id = shift if isinstance(shift, int) else shift.id
    return (
        db.session.scalar(
            sa.select(ShiftLead.id)
            .join(
                Application,
                sa.and_(
                    Application.shift_id == ShiftLead.shift_id,
                    Application.volunteer_id == ShiftLead.volunteer_id,
                ),
            )
            .where(
                ShiftLead.shift_id == shift_id,
                ShiftLead.volunteer_id == user.id,
                Application.status == ApplicationStatus.APPROVED,
            )
        )
        is not None
    )


def leads_now(
    user: User, obj: Shift | Application, now: datetime | None = None
) -> bool:
    """Whether the user leads the shift (of the application) and it is its day."""
    shift = _shift_of(obj)
    opens, closes = lead_window(shift)
    return opens <= (now or utcnow()) < closes and is_shift_lead(user, shift)


def can_attend(user: User, obj: Shift | Application) -> bool:
    """Whether the user may record attendance or see the roster with phones.

    The organisation's members may; so may the shift's leads, on its day only.
    """
    return is_member(user, obj) or leads_now(user, obj)


def can_coordinate(user: User, obj: Managed) -> bool:
    """Whether the user may run the expo floor for the object: members, staff."""
    return _is_staff(user) or is_member(user, obj)


def may(user: User, action: str, obj: Managed) -> bool:
    """Answer for VIEW, ACT, ADMIN, REVIEW, ATTEND, ROSTER, MESSAGE, COORDINATE."""
    if action in (ATTEND, ROSTER, MESSAGE):
        return isinstance(obj, Shift | Application) and can_attend(user, obj)
    if action == VIEW:
        return can_view_applicants(user, obj)
    if action == ACT:
        return can_manage(user, obj)
    if action == ADMIN:
        return is_member(user, obj, admin=True)
    if action == REVIEW:
        return can_review(user, obj)
    if action == COORDINATE:
        return can_coordinate(user, obj)
    raise ValueError(f"unknown action {action!r}")


def require(user: User, action: str, obj: Managed) -> None:
    """Refuse (403) unless the user may do the action to the object."""
    if may(user, action, obj):
        return
    if action == REVIEW:
        raise Forbidden(message=str(_l("Only expo staff can do this.")))
    leading = action in (ATTEND, ROSTER, MESSAGE) and isinstance(
        obj, Shift | Application
    )
    if leading and is_shift_lead(user, _shift_of(obj)):
        raise Forbidden(
            "not_shift_day",
            str(_l("As a shift lead you can open this only on the shift's day.")),
        )
    if _is_staff(user) and action in (ACT, ATTEND, ROSTER, MESSAGE):
        raise Forbidden(
            "not_a_member",
            str(
                _l(
                    "Expo staff can look at an organisation's applicants, "
                    "but only its members can act for it."
                )
            ),
        )
    raise Forbidden(
        "not_a_member", str(_l("You are not a member of this organisation."))
    )


# --- Loaders --------------------------------------------------------------------


def _check(obj: Managed, for_user: User | None, action: str | None) -> None:
    if for_user is not None and action is not None:
        require(for_user, action, obj)


def get_organization_or_404(
    organization_id: int, for_user: User | None = None, action: str | None = None
) -> Organization:
    """An organisation by id (404), that the user may do the action to (403)."""
    organization = db.session.get(Organization, organization_id)
    if organization is None:
        raise NotFound()
    _check(organization, for_user, action)
    return organization


def get_opportunity_or_404(
    opportunity_id: int, for_user: User | None = None, action: str | None = None
) -> Opportunity:
    """An opportunity with its shifts and organisation (404), checked (403)."""
    opportunity = db.session.scalar(
        sa.select(Opportunity)
        .where(Opportunity.id == opportunity_id)
        .options(
            so.selectinload(Opportunity.shifts), so.joinedload(Opportunity.organization)
        )
    )
    if opportunity is None:
        raise NotFound()
    _check(opportunity, for_user, action)
    return opportunity


def get_shift_or_404(
    shift_id: int, for_user: User | None = None, action: str | None = None
) -> Shift:
    """A shift with its opportunity (404), checked (403)."""
    shift = db.session.scalar(
        sa.select(Shift)
        .where(Shift.id == shift_id)
        .options(so.joinedload(Shift.opportunity).joinedload(Opportunity.organization))
    )
    if shift is None:
        raise NotFound()
    _check(shift, for_user, action)
    return shift


def get_application_or_404(
    application_id: int, for_user: User | None = None, action: str | None = None
) -> Application:
    """An application to the user's organisation (staff see all), checked (403).

    Someone who may not even look at its organisation's applicants gets 404, so
    applications elsewhere are never revealed; staff asked to act get 403. A
    shift's lead knows the applications of that shift (for ATTEND).
    """
    application = db.session.scalar(
        sa.select(Application)
        .where(Application.id == application_id)
        .options(
            so.joinedload(Application.shift)
            .joinedload(Shift.opportunity)
            .joinedload(Opportunity.organization),
            so.joinedload(Application.volunteer),
        )
    )
    if application is None:
        raise NotFound()
    if for_user is not None and not _may_know(for_user, application, action):
        raise NotFound()
    _check(application, for_user, action)
    return application


def _may_know(user: User, application: Application, action: str | None) -> bool:
    if can_view_applicants(user, application):
        return True
    return action == ATTEND and is_shift_lead(user, application.shift)
