"""Walk-ins at the demo organiser's booth: one from a phone, one at its kiosk.

They sign up through the real services (an account without a password, the one
application service) on a shift that is running now, so the organiser's
check-in page, the funnel's "Booth" and "Booth kiosk" rows and the kiosk's audit
trail all have something to show.
"""

from datetime import date, timedelta

import sqlalchemy as sa
from flask import current_app

from ..extensions import db
from ..models import ConsentPurpose, Kiosk, Opportunity, Organization, Shift, utcnow
from ..walkin import services

TITLE = "จุดต้อนรับอาสาสมัครหน้าบูธ (วันนี้)"
PEOPLE = (
    ("ณัฐวุฒิ เดินมาเอง", "081 555 0101", "booth"),
    ("ปวีณา ลงชื่อที่บูธ", "081 555 0102", "kiosk"),
)


def build_walk_ins(organization: Organization) -> dict[str, int]:
    """Add a running walk-in shift and two walk-ins (no commit); return counts.

    The services speak to people (messages in their language): they run in a
    request context of their own, as at the booth.
    """
    with current_app.test_request_context():
        return _build(organization)


def _build(organization: Organization) -> dict[str, int]:
    now = utcnow()
    opportunity = db.session.scalar(
        sa.select(Opportunity).where(
            Opportunity.organization_id == organization.id, Opportunity.title == TITLE
        )
    )
    if opportunity is None:
        return {"walk_ins": 0}
    starts = now.replace(second=0, microsecond=0) - timedelta(minutes=30)
    shift = Shift(starts_at=starts, ends_at=starts + timedelta(hours=5), capacity=10)
    opportunity.shifts.append(shift)
    member = organization.memberships[0].user
    kiosk = Kiosk(
        organization_id=organization.id,
        started_by_id=member.id,
        token_hash="demo-" + "0" * 59,  # no tablet holds its secret
        started_at=now - timedelta(hours=1),
        expires_at=now,
        ended_at=now,
    )
    db.session.add(kiosk)
    db.session.flush()
    for name, phone, where in PEOPLE:
        source = f"{where}:{organization.id}"
        person = services.create_walk_in_account(
            services.WalkInInput(
                display_name=name,
                phone=phone,
                date_of_birth=date(1999, 3, 14),
                consents={ConsentPurpose.TERMS: True, ConsentPurpose.MATCHING: True},
            ),
            source,
            now,
        )
        at_kiosk = kiosk if where == "kiosk" else None
        services.apply_walk_in(
            person, organization, shift.id, source, at_kiosk, now=now
        )
    return {"walk_ins": len(PEOPLE)}
