"""No-shows: how often a volunteer came to the shifts they held, over a year.

One query for any number of volunteers. The volunteer sees their own record on
My shifts ("You came to 9 of your last 10 shifts"); the matching engine turns it
into a reliability factor (matching.scoring.reliability, docs/matching.md)
through `reliabilities`, the one place recommendations, suggested volunteers,
floaters and the staff proposal read it from.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..matching.scoring import reliability
from ..models import Application, Attendance, Shift, User

# Only shifts that started within this long count.
WINDOW = timedelta(days=365)


@dataclass(frozen=True)
class AttendanceRecord:
    """Shifts a volunteer came to, and those they missed, in the last WINDOW."""

    attended: int = 0
    no_show: int = 0

    @property
    def recorded(self) -> int:
        """Shifts whose attendance the organisation recorded."""
        return self.attended + self.no_show

    @property
    def reliability(self) -> float:
        """The matching factor's input in (0, 1]: 1 for a newcomer."""
        return float(reliability(self.attended, self.recorded))


def attendance_records(
    volunteer_ids: list[int] | set[int], now: datetime
) -> dict[int, AttendanceRecord]:
    """Each volunteer's record (volunteers with none are absent): one query."""
    ids = set(volunteer_ids)
    if not ids:
        return {}
    came = Application.attendance == Attendance.ATTENDED.value
    missed = Application.attendance == Attendance.NO_SHOW.value
    rows = db.session.execute(
        sa.select(
            Application.volunteer_id,
            sa.func.sum(sa.case((came, 1), else_=0)),
            sa.func.sum(sa.case((missed, 1), else_=0)),
        )
        .join(Shift, Application.shift_id == Shift.id)
        .where(
            Application.volunteer_id.in_(ids),
            Application.attendance.is_not(None),
            Shift.starts_at >= now - WINDOW,
            Shift.starts_at <= now,
        )
        .group_by(Application.volunteer_id)
    )
    return {
        volunteer_id: AttendanceRecord(int(attended or 0), int(no_show or 0))
        for volunteer_id, attended, no_show in rows
    }


def attendance_record(volunteer: User, now: datetime) -> AttendanceRecord:
    """One volunteer's record (zeros when nothing was recorded)."""
    return attendance_records([volunteer.id], now).get(volunteer.id, AttendanceRecord())


def reliabilities(volunteer_ids: list[int], now: datetime) -> dict[int, float]:
    """The reliability factor input of each volunteer (1.0 when no history)."""
    records = attendance_records(volunteer_ids, now)
    return {
        volunteer_id: records.get(volunteer_id, AttendanceRecord()).reliability
        for volunteer_id in volunteer_ids
    }
