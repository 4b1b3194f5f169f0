"""The e-Donation demo: the organiser's organisation takes tax-deductible donations."""

import hashlib
import io
import random
from datetime import date, timedelta
from decimal import Decimal

import segno
import sqlalchemy as sa

from ..edonation.images import clean_png
from ..extensions import db
from ..models import (
    EDonation,
    EDonationStatus,
    Organization,
    OrganizationKind,
    Pledge,
    PledgeKind,
    User,
    utcnow,
)

# Tax ids with a valid check digit (the Revenue Department's format), for the demo.
DEMO_TAX_IDS = ("0994000617721", "0994000165501")


def _demo_qr(organization: Organization) -> bytes:
    """A QR image standing in for the one a bank issues (it encodes no account)."""
    out = io.BytesIO()
    segno.make(f"DEMO e-Donation {organization.slug}", error="h").save(
        out, kind="png", scale=6, border=2
    )
    return clean_png(out.getvalue())


def build_edonation_demo(
    rng: random.Random,
    today: date,
    staff: User,
    verified: Organization,
    pending: Organization,
) -> dict[str, int]:
    """Verified details for `verified` (with pledges to mark received), and
    details of `pending` waiting for the staff's check. No commit."""
    for organization, tax_id, status in (
        (verified, DEMO_TAX_IDS[0], EDonationStatus.VERIFIED),
        (pending, DEMO_TAX_IDS[1], EDonationStatus.PENDING),
    ):
        png = _demo_qr(organization)
        admin = organization.memberships[0].user
        db.session.add(
            EDonation(
                organization_id=organization.id,
                tax_id=tax_id,
                qr_png=png,
                qr_sha256=hashlib.sha256(png).hexdigest(),
                status=status,
                submitted_by_id=admin.id,
                reviewed_by_id=staff.id if status is EDonationStatus.VERIFIED else None,
                reviewed_at=utcnow() if status is EDonationStatus.VERIFIED else None,
            )
        )
    partner = db.session.scalar(
        sa.select(Organization)
        .where(Organization.kind == OrganizationKind.GIVING_PARTNER)
        .order_by(Organization.id)
    )
    if partner is None:
        return {"e_donation_details": 2, "pledges_to_organizer": 0}
    for days_ago, amount, received in ((20, 30000, True), (5, 12000, False)):
        db.session.add(
            Pledge(
                kind=PledgeKind.PLEDGE,
                amount_thb=Decimal(amount),
                organization_id=verified.id,
                source_partner_id=partner.id,
                pledged_on=today - timedelta(days=days_ago + rng.randint(0, 2)),
                note="ข้อมูลตัวอย่าง",
                recorded_by_id=staff.id,
                fulfilled_at=utcnow() - timedelta(days=days_ago - 3)
                if received
                else None,
                fulfilled_by_id=verified.memberships[0].user_id if received else None,
            )
        )
    return {"e_donation_details": 2, "pledges_to_organizer": 2}
