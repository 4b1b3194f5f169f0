"""Demo rows for hours that count: who certified, reported hours, a signed record.

The demo volunteer's attended shifts name the organiser who recorded them; they
reported hours twice (one certified, one waiting, which the organiser demo login
finds under Reported hours), and hold a signed service-hour record.
"""

from datetime import datetime, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..i18n import to_bangkok
from ..models import (
    Application,
    Attendance,
    CertifierRole,
    MemberRole,
    Organization,
    User,
)
from ..service_hours import services

STUDENT_ID = "6612345678"


def build_service_hours_demo(
    volunteer: User, organization: Organization, now: datetime
) -> dict[str, int]:
    """Add the showcase rows into the session (no commit); return counts."""
    admin = next(m.user for m in organization.memberships if m.role is MemberRole.ADMIN)
    attended = db.session.scalars(
        sa.select(Application).where(
            Application.volunteer_id == volunteer.id,
            Application.attendance == Attendance.ATTENDED,
            Application.attendance_recorded_by_id.is_(None),
        )
    ).all()
    for application in attended:
        application.attendance_recorded_by_id = admin.id
        application.attendance_recorder_role = CertifierRole.ADMIN
    if volunteer.profile is not None:
        volunteer.profile.student_id = STUDENT_ID
    today = to_bangkok(now).date()
    certified = services.report_hours(
        volunteer,
        services.ReportInput(
            organization.id,
            today - timedelta(days=10),
            2.5,
            "ช่วยคัดแยกหนังสือบริจาคและจัดชั้นหนังสือให้ห้องสมุดของมูลนิธิ",
            "https://example.org/album/library-day",
        ),
        now=now,
    )
    services.review_report(admin, certified, services.APPROVE, now=now)
    services.report_hours(
        volunteer,
        services.ReportInput(
            organization.id,
            today - timedelta(days=4),
            3,
            "อ่านนิทานให้น้อง ๆ ฟังที่บ้านพักเด็ก นอกกะที่ประกาศไว้",
        ),
        now=now,
    )
    first, last = services.academic_year_of(today)
    services.issue_record(volunteer, first, last, "th", now=now)
    return {"showcase_reported_hours": 2}
