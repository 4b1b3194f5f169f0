"""Partner organisations: registration, members, verification by staff."""

import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l

from ..audit import record_event
from ..auth.services import normalize_email
from ..errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..inputs import check_length
from ..models import (
    Cause,
    MemberRole,
    Membership,
    MembershipStatus,
    Organization,
    OrganizationKind,
    OrganizationStatus,
    User,
    utcnow,
)
from ..notifications import notify

MAX_NAME = 200


class UserNotFound(DomainError):
    """No account has that e-mail address."""

    status = 404
    code = "user_not_found"

    def default_message(self) -> str:
        """Return the message used when none is given."""
        return str(_l("No account has this e-mail address. Ask them to sign up first."))


@dataclass
class OrganizationInput:
    """What an organisation says about itself."""

    name_th: str
    name_en: str = ""
    description: str = ""
    causes: list[str] = field(default_factory=list)
    website: str | None = None
    contact_email: str | None = None
    contact_phone: str | None = None


def membership_of(user: User, organization_id: int) -> Membership | None:
    """The user's active membership of an organisation, if any.

    An invitation (not yet accepted, or declined) is no membership: it gives no
    access to anything. Every membership check goes through here or filters on
    `Membership.is_active`.
    """
    if not user.is_authenticated:
        return None
    return db.session.scalar(
        sa.select(Membership).where(
            Membership.organization_id == organization_id,
            Membership.user_id == user.id,
            Membership.is_active,
        )
    )


def get_organization(organization_id: int) -> Organization:
    """An organisation by id, or 404."""
    organization = db.session.get(Organization, organization_id)
    if organization is None:
        raise NotFound()
    return organization


def visible_organization(user: User, organization_id: int) -> Organization:
    """Verified organisations are public; others only to members and staff (404)."""
    organization = get_organization(organization_id)
    if organization.is_verified or (user.is_authenticated and user.is_staff):
        return organization
    if membership_of(user, organization_id) is None:
        raise NotFound()
    return organization


def require_member(user: User, organization: Organization, admin: bool = False) -> None:
    """Refuse (403 not_a_member) anyone who is not a member (or not an admin).

    The rule lives in `access.py` (`access.require` with ACT or ADMIN).
    """
    from .. import access  # access.py reads memberships through membership_of

    access.require(user, access.ADMIN if admin else access.ACT, organization)


def _clean(data: OrganizationInput) -> tuple[dict, list[Cause]]:
    fields: dict[str, list[str]] = {}
    values = {
        "name_th": " ".join(unicodedata.normalize("NFC", data.name_th or "").split()),
        "name_en": " ".join((data.name_en or "").split()),
        "description": (data.description or "").strip(),
        "website": (data.website or "").strip() or None,
        "contact_email": None,
        "contact_phone": (data.contact_phone or "").strip() or None,
    }
    if not values["name_th"] or len(values["name_th"]) > MAX_NAME:
        fields["name"] = [
            str(_l("Enter the organisation's name (up to 200 characters)."))
        ]
    if len(values["name_en"]) > MAX_NAME:
        fields["name_en"] = [str(_l("Use at most %(n)d characters.", n=MAX_NAME))]
    if values["website"]:
        parts = urlsplit(values["website"])
        if parts.scheme not in ("http", "https") or not parts.netloc:
            fields["website"] = [str(_l("Give a web address starting with https://"))]
    if data.contact_email:
        try:
            values["contact_email"] = normalize_email(data.contact_email)
        except ValidationFailed as error:
            fields["contact_email"] = error.fields["email"]
    slugs = list(dict.fromkeys(data.causes))
    causes = list(db.session.scalars(sa.select(Cause).where(Cause.slug.in_(slugs))))
    if unknown := sorted(set(slugs) - {cause.slug for cause in causes}):
        fields["causes"] = [str(_l("Unknown: %(slugs)s.", slugs=", ".join(unknown)))]
    if fields:
        raise ValidationFailed(fields=fields)
    return values, causes


def _unique_slug(name: str) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:60] or "organization"
    taken = set(
        db.session.scalars(
            sa.select(Organization.slug).where(Organization.slug.like(f"{base}%"))
        )
    )
    slug, number = base, 1
    while slug in taken:
        number += 1
        slug = f"{base}-{number}"
    return slug


def register_organization(user: User, data: OrganizationInput) -> Organization:
    """Register an organisation, pending verification; the user becomes its admin."""
    if not user.is_organizer:
        raise Forbidden(message=str(_l("Only organisation members can do this.")))
    values, causes = _clean(data)
    organization = Organization(
        **values,
        causes=causes,
        slug=_unique_slug(values["name_en"] or f"org-{utcnow():%Y%m%d%H%M%S}"),
        status=OrganizationStatus.PENDING,
    )
    organization.memberships.append(Membership(user=user, role=MemberRole.ADMIN))
    db.session.add(organization)
    db.session.flush()
    record_event(user, "organization.registered", organization)
    return organization


def update_organization(
    user: User, organization: Organization, data: OrganizationInput
) -> Organization:
    """Change what the organisation says about itself (its members only)."""
    require_member(user, organization)
    values, causes = _clean(data)
    for name, value in values.items():
        setattr(organization, name, value)
    organization.causes = causes
    record_event(user, "organization.updated", organization)
    return organization


def resubmit_organization(user: User, organization: Organization) -> Organization:
    """Send a rejected organisation back to the staff's queue (its members only).

    The members fix what the reason named first (`update_organization`); staff
    then see it as pending again, with the earlier reason beside it.
    """
    require_member(user, organization)
    if organization.status is not OrganizationStatus.REJECTED:
        raise Conflict(
            "invalid_status",
            str(_l("Only an organisation that was not verified can be sent again.")),
        )
    organization.status = OrganizationStatus.PENDING
    record_event(
        user,
        "organization.resubmitted",
        organization,
        reason=organization.rejection_reason,
    )
    return organization


def invite_member(user: User, organization: Organization, email: str) -> Membership:
    """Invite an organizer account to join (admins of verified organisations).

    The person becomes a member only once they accept; until then they have no
    access. Staff and volunteer accounts cannot be invited (not_an_organizer).
    """
    require_member(user, organization, admin=True)
    if not organization.is_verified:
        raise Forbidden(
            "organization_not_verified",
            str(
                _l("Your organisation can invite members once staff have verified it.")
            ),
        )
    try:
        email = normalize_email(email)
    except ValidationFailed:
        raise UserNotFound() from None
    invitee = db.session.scalar(
        sa.select(User).where(User.email == email, User.erased_at.is_(None))
    )
    if invitee is None:
        raise UserNotFound()
    if not invitee.is_organizer or invitee.is_staff:
        raise ValidationFailed(
            str(_l("Only organisation-member accounts can join an organisation.")),
            fields={"email": [str(_l("This account cannot join an organisation."))]},
        ).with_code("not_an_organizer")
    membership = db.session.scalar(
        sa.select(Membership).where(
            Membership.organization_id == organization.id,
            Membership.user_id == invitee.id,
        )
    )
    if membership is not None and membership.status is not MembershipStatus.DECLINED:
        raise Conflict(
            "already_member",
            str(_l("This person is already a member or has an open invitation.")),
        )
    if membership is None:
        membership = Membership(organization=organization, user=invitee)
        db.session.add(membership)
    membership.role = MemberRole.MEMBER
    membership.status = MembershipStatus.INVITED
    membership.invited_by_id = user.id
    membership.invited_at = utcnow()
    membership.responded_at = None
    db.session.flush()
    record_event(user, "organization.member_invited", organization, member=invitee.id)
    notify(
        invitee,
        "membership_invited",
        membership_id=membership.id,
        organization=organization.name_th,
        inviter=user.display_name,
    )
    return membership


def pending_invitations(user: User) -> list[Membership]:
    """The invitations waiting for the user's answer, newest first."""
    return list(
        db.session.scalars(
            sa.select(Membership)
            .where(
                Membership.user_id == user.id,
                Membership.status == MembershipStatus.INVITED,
            )
            .options(so.joinedload(Membership.organization))
            .order_by(Membership.invited_at.desc(), Membership.id.desc())
        )
    )


def _own_invitation(user: User, membership_id: int) -> Membership:
    """The user's own invitation; anyone else's is 404, an answered one 409."""
    membership = db.session.get(Membership, membership_id)
    if membership is None or membership.user_id != user.id:
        raise NotFound()
    if membership.status is not MembershipStatus.INVITED:
        raise Conflict(
            "invalid_status", str(_l("This invitation has already been answered."))
        )
    return membership


def accept_invitation(user: User, membership_id: int) -> Membership:
    """Accept an invitation: from now on the user is a member."""
    joined = "organization.member_joined"
    return _answer(user, membership_id, MembershipStatus.ACTIVE, joined)


def decline_invitation(user: User, membership_id: int) -> Membership:
    """Decline an invitation: the user gets no access."""
    declined = "organization.member_declined"
    return _answer(user, membership_id, MembershipStatus.DECLINED, declined)


def _answer(
    user: User, membership_id: int, status: MembershipStatus, action: str
) -> Membership:
    membership = _own_invitation(user, membership_id)
    membership.status = status
    membership.responded_at = utcnow()
    record_event(user, action, membership.organization)
    return membership


def members_of(organization: Organization) -> list[User]:
    """The people who act for an organisation (active members only)."""
    return [
        membership.user
        for membership in organization.memberships
        if membership.is_active
    ]


def verify_organization(staff: User, organization: Organization) -> Organization:
    """Staff verify an organisation; its members are told."""
    organization.status = OrganizationStatus.VERIFIED
    organization.verified_at = utcnow()
    organization.verified_by_id = staff.id
    organization.rejection_reason = None
    record_event(staff, "organization.verified", organization)
    for member in members_of(organization):
        notify(
            member,
            "organization_verified",
            organization=organization.name_th,
            organization_id=organization.id,
        )
    return organization


def reject_organization(
    staff: User, organization: Organization, reason: str
) -> Organization:
    """Staff refuse verification, with a reason the members see."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [str(_l("Give a reason."))]})
    check_length("reason", reason, Organization.rejection_reason)
    organization.status = OrganizationStatus.REJECTED
    organization.rejection_reason = reason
    record_event(staff, "organization.rejected", organization, reason=reason)
    for member in members_of(organization):
        notify(
            member,
            "organization_rejected",
            organization=organization.name_th,
            organization_id=organization.id,
            reason=reason,
        )
    return organization


def set_auto_approve(staff: User, organization: Organization, trusted: bool) -> None:
    """Mark a trusted organisation whose matches need no staff approval."""
    organization.auto_approve = trusted
    record_event(staff, "organization.auto_approve", organization, value=trusted)


def set_kind(staff: User, organization: Organization, kind: str) -> None:
    """Set the part an organisation plays at the expo (e.g. a giving partner)."""
    try:
        organization.kind = OrganizationKind(kind)
    except ValueError:
        message = str(_l("Choose one of the listed kinds."))
        raise ValidationFailed(message, fields={"kind": [message]}) from None
    record_event(staff, "organization.kind", organization, value=kind)
