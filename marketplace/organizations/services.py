"""Partner organisations: registration, members, verification by staff."""

import re
import unicodedata
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import NotFound

from ..audit import record_event
from ..auth.services import normalize_email
from ..errors import Conflict, DomainError, Forbidden, ValidationFailed
from ..extensions import db
from ..inputs import check_length
from ..models import (
    Cause,
    MemberRole,
    Membership,
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
    """The user's membership of an organisation, if any."""
    if not user.is_authenticated:
        return None
    return db.session.scalar(
        sa.select(Membership).where(
            Membership.organization_id == organization_id, Membership.user_id == user.id
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
    """Refuse (403 not_a_member) anyone who is not a member (or not an admin)."""
    membership = membership_of(user, organization.id)
    if membership is None or (admin and membership.role is not MemberRole.ADMIN):
        raise Forbidden(
            "not_a_member", str(_l("You are not a member of this organisation."))
        )


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


def add_member(user: User, organization: Organization, email: str) -> Membership:
    """Add an existing organizer account as a member (admins only)."""
    require_member(user, organization, admin=True)
    try:
        email = normalize_email(email)
    except ValidationFailed:
        raise UserNotFound() from None
    invitee = db.session.scalar(
        sa.select(User).where(User.email == email, User.erased_at.is_(None))
    )
    if invitee is None:
        raise UserNotFound()
    if not invitee.is_organizer:
        raise ValidationFailed(
            str(_l("Only organisation-member accounts can join an organisation.")),
            fields={"email": [str(_l("This account is a volunteer account."))]},
        ).with_code("not_an_organizer")
    if membership_of(invitee, organization.id) is not None:
        raise Conflict("already_member", str(_l("This person is already a member.")))
    membership = Membership(organization=organization, user=invitee)
    db.session.add(membership)
    db.session.flush()
    record_event(user, "organization.member_added", organization, member=invitee.id)
    return membership


def _members(organization: Organization) -> list[User]:
    return [membership.user for membership in organization.memberships]


def verify_organization(staff: User, organization: Organization) -> Organization:
    """Staff verify an organisation; its members are told."""
    organization.status = OrganizationStatus.VERIFIED
    organization.verified_at = utcnow()
    organization.verified_by_id = staff.id
    organization.rejection_reason = None
    record_event(staff, "organization.verified", organization)
    for member in _members(organization):
        notify(member, "organization_verified", organization=organization.name_th)
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
    for member in _members(organization):
        notify(
            member,
            "organization_rejected",
            organization=organization.name_th,
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
