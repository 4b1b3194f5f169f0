"""e-Donation: the Revenue Department's tax-deductible electronic donations."""

import enum
from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so
from stdnum.th import tin

from ..extensions import db
from .organization import Organization
from .types import UTCDateTime, str_enum, utcnow


class EDonationStatus(enum.StrEnum):
    """Details wait for staff, who verify or reject them."""

    PENDING = "pending"
    VERIFIED = "verified"
    REJECTED = "rejected"


class EDonation(db.Model):
    """An organisation's e-Donation details: its tax id and the bank-issued QR.

    The marketplace never processes a payment: donors scan the QR in their bank's
    app, and the bank reports the donation to the Revenue Department. The image is
    the upload re-encoded as PNG (no metadata, nothing but pixels).
    """

    organization_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organization.id", ondelete="CASCADE"), primary_key=True
    )
    tax_id: so.Mapped[str] = so.mapped_column(sa.String(13))
    qr_png: so.Mapped[bytes] = so.mapped_column(sa.LargeBinary)
    # A hash of the image: its ETag, and how a changed QR is noticed.
    qr_sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    status: so.Mapped[EDonationStatus] = so.mapped_column(
        str_enum(EDonationStatus, "edonation_status"), default=EDonationStatus.PENDING
    )
    submitted_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    submitted_at: so.Mapped[datetime] = so.mapped_column(UTCDateTime, default=utcnow)
    reviewed_by_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    reviewed_at: so.Mapped[datetime | None] = so.mapped_column(UTCDateTime)
    rejection_reason: so.Mapped[str] = so.mapped_column(sa.Text, default="")

    organization: so.Mapped[Organization] = so.relationship()

    def __repr__(self) -> str:
        return f"<EDonation {self.organization_id} {self.status.value}>"

    @property
    def tax_id_shown(self) -> str:
        """The tax id as the Revenue Department writes it: 0-99-4-000-61772-1."""
        return tin.format(self.tax_id)

    @property
    def is_verified(self) -> bool:
        """Staff checked the details: donors may be shown them."""
        return self.status is EDonationStatus.VERIFIED
