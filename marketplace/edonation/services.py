"""e-Donation details: submitted by an organisation's admins, checked by staff.

Services take the actor, check access through access.py, raise DomainError
subclasses and leave the commit to the caller.
"""

import hashlib

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import lazy_gettext as _l
from stdnum.exceptions import ValidationError as NumberError
from stdnum.th import tin

from .. import access
from ..audit import record_event
from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..inputs import check_length
from ..models import (
    EDonation,
    EDonationStatus,
    Organization,
    Pledge,
    PledgeKind,
    User,
    utcnow,
)
from ..notifications import notify
from ..organizations.services import members_of
from .images import clean_png


def clean_tax_id(value: str) -> str:
    """The 13-digit tax id (dashes and spaces allowed), its check digit verified."""
    try:
        return tin.validate(value or "")
    except NumberError:
        raise ValidationFailed(
            fields={
                "tax_id": [
                    str(
                        _l(
                            "Enter the organisation's 13-digit tax id, as on its "
                            "Revenue Department registration."
                        )
                    )
                ]
            }
        ) from None


def submit_details(
    actor: User, organization: Organization, tax_id: str, image: bytes | None
) -> EDonation:
    """Record (or replace) the details; they wait for staff again.

    Only the organisation's admins may: these details send donors' money. Without
    a new image the current one is kept (an organisation fixing its tax id).
    """
    access.require(actor, access.ADMIN, organization)
    details = db.session.get(EDonation, organization.id)
    problems: dict[str, list[str]] = {}
    number = png = None
    try:
        number = clean_tax_id(tax_id)
    except ValidationFailed as error:
        problems.update(error.fields)
    if image or details is None:
        try:
            png = clean_png(image or b"")
        except ValidationFailed as error:
            problems.update(error.fields)
    if problems or number is None:
        raise ValidationFailed(fields=problems)
    if details is None:
        details = EDonation(organization_id=organization.id)
        db.session.add(details)
    details.tax_id = number
    if png is not None:
        details.qr_png = png
        details.qr_sha256 = hashlib.sha256(png).hexdigest()
    details.status = EDonationStatus.PENDING
    details.submitted_by_id = actor.id
    details.submitted_at = utcnow()
    details.reviewed_by_id = None
    details.reviewed_at = None
    details.rejection_reason = ""
    record_event(actor, "edonation.submitted", organization, tax_id=number)
    return details


def _review(staff: User, details: EDonation, status: EDonationStatus) -> None:
    access.require(staff, access.REVIEW, None)
    if details.status is not EDonationStatus.PENDING:
        raise Conflict("invalid_status", str(_l("These details were already checked.")))
    details.status = status
    details.reviewed_by_id = staff.id
    details.reviewed_at = utcnow()


def verify_details(staff: User, details: EDonation) -> EDonation:
    """Staff checked the tax id and the QR: donors see them from now on."""
    _review(staff, details, EDonationStatus.VERIFIED)
    organization = details.organization
    record_event(staff, "edonation.verified", organization)
    for member in members_of(organization):
        notify(
            member,
            "edonation_verified",
            organization=organization.name_th,
            organization_id=organization.id,
        )
    return details


def reject_details(staff: User, details: EDonation, reason: str) -> EDonation:
    """Staff refuse the details, with a reason the organisation sees."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [str(_l("Give a reason."))]})
    check_length("reason", reason, EDonation.rejection_reason)
    _review(staff, details, EDonationStatus.REJECTED)
    details.rejection_reason = reason
    organization = details.organization
    record_event(staff, "edonation.rejected", organization, reason=reason)
    for member in members_of(organization):
        notify(
            member,
            "edonation_rejected",
            organization=organization.name_th,
            organization_id=organization.id,
            reason=reason,
        )
    return details


def details_of(organization_id: int) -> EDonation | None:
    """The organisation's details, whatever their status."""
    return db.session.get(EDonation, organization_id)


def verified_details(organization_ids: set[int]) -> dict[int, EDonation]:
    """Verified details by organisation id, in one query, without the images."""
    if not organization_ids:
        return {}
    rows = db.session.scalars(
        sa.select(EDonation)
        .where(
            EDonation.organization_id.in_(organization_ids),
            EDonation.status == EDonationStatus.VERIFIED,
        )
        .options(so.defer(EDonation.qr_png), so.joinedload(EDonation.organization))
    )
    return {row.organization_id: row for row in rows}


def review_queue(status: EDonationStatus) -> list[EDonation]:
    """Details in one status, oldest first, for the staff page."""
    return list(
        db.session.scalars(
            sa.select(EDonation)
            .where(EDonation.status == status)
            .options(so.defer(EDonation.qr_png), so.joinedload(EDonation.organization))
            .order_by(EDonation.submitted_at)
        )
    )


def mark_fulfilled(actor: User, pledge: Pledge) -> Pledge:
    """The receiving organisation says the pledged money came through e-Donation."""
    if pledge.organization is None:
        raise Conflict(
            "invalid_status",
            str(_l("Only a pledge to an organisation can be marked received.")),
        )
    access.require(actor, access.ACT, pledge.organization)
    details = details_of(pledge.organization.id)
    if details is None or not details.is_verified:
        raise Conflict(
            "edonation_not_verified",
            str(_l("Record your e-Donation details and have them verified first.")),
        )
    if pledge.kind is not PledgeKind.PLEDGE or pledge.fulfilled_at is not None:
        raise Conflict(
            "invalid_status", str(_l("This pledge is already marked as received."))
        )
    pledge.fulfilled_at = utcnow()
    pledge.fulfilled_by_id = actor.id
    record_event(actor, "pledge.fulfilled", pledge, via="e_donation")
    return pledge


def pledges_to(organization: Organization) -> list[Pledge]:
    """Pledges and donations to the organisation, newest first."""
    return list(
        db.session.scalars(
            sa.select(Pledge)
            .where(Pledge.organization_id == organization.id)
            .options(so.joinedload(Pledge.source_partner), so.joinedload(Pledge.cause))
            .order_by(Pledge.pledged_on.desc(), Pledge.id.desc())
        )
    )
