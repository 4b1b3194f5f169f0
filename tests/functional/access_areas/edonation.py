"""Who may use the e-Donation routes (details, QR image, staff checks, pledges)."""

from datetime import date
from decimal import Decimal

from marketplace.extensions import db
from marketplace.models import (
    EDonation,
    EDonationStatus,
    Organization,
    OrganizationKind,
    Pledge,
)
from tests import factories

from .roles import EVERYONE, MEMBER, MEMBER_OR_STAFF, STAFF

VALID_TAX_ID = "0994000617721"

MATRIX = {
    ("edonation.details", "GET"): MEMBER_OR_STAFF,
    # Only the organisation's admins change where donors' money goes.
    ("edonation.details", "POST"): MEMBER,
    # Verified details are public; before, members and staff only.
    ("edonation.qr_image", "GET"): EVERYONE,
    ("edonation.review_queue", "GET"): STAFF,
    ("edonation.verify", "POST"): STAFF,
    ("edonation.reject", "POST"): STAFF,
    ("edonation.fulfilled", "POST"): MEMBER,
}


def extend_world(world: dict) -> None:
    """Verified details of the organisation, and a pledge to it."""
    organization = db.session.get(Organization, world["organization_id"])
    db.session.add(
        EDonation(
            organization_id=organization.id,
            tax_id=VALID_TAX_ID,
            qr_png=factories.png_bytes(),
            qr_sha256="0" * 64,
            status=EDonationStatus.VERIFIED,
        )
    )
    partner = factories.make_organization(name="พันธมิตรให้ทุนทดสอบ")
    partner.kind = OrganizationKind.GIVING_PARTNER
    pledge = Pledge(
        amount_thb=Decimal("500.00"),
        organization_id=organization.id,
        source_partner_id=partner.id,
        pledged_on=date(2027, 6, 9),
    )
    db.session.add(pledge)
    db.session.flush()
    world.update(pledge_id=pledge.id)


def json_body(endpoint: str, world: dict, role: str) -> dict | None:
    """The area has no API endpoints."""
    return None


def form_body(endpoint: str, world: dict) -> dict | None:
    """Form fields a page of the area needs to reach its access decision."""
    return {
        "edonation.details": {"tax_id": VALID_TAX_ID},
        "edonation.reject": {"reason": "ตรวจไม่พบในรายชื่อ"},
    }.get(endpoint)
