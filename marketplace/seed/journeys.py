"""What the printed demo logins find: a history, pending work, a shift running now.

The rest of the demo is drawn at random; these rows are placed on purpose so that
each demo account shows every feature with data in it (docs in the README).
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa

from ..certificates.services import issue_certificate
from ..extensions import db
from ..i18n import BANGKOK
from ..models import (
    Application,
    ApplicationStatus,
    ApprovalMode,
    Attendance,
    Feedback,
    Opportunity,
    OpportunityStatus,
    Organization,
    Shift,
    ShiftLead,
    User,
    utcnow,
)
from .service_hours import build_service_hours_demo

RUNNING_NOW_TITLE = "จุดต้อนรับอาสาสมัครหน้าบูธ (วันนี้)"
REVIEW_TITLE = "ผู้ช่วยครูสอนอ่านภาษาไทยวันเสาร์"


@dataclass
class Journeys:
    """The places, people and rows that the demo logins show."""

    rng: random.Random
    today: date
    volunteer: User
    organizer_org: Organization
    others: list[User]
    opportunities: list[Opportunity]

    def build(self) -> dict[str, int]:
        """Add the showcase rows into the session (no commit); return counts."""
        now = utcnow()
        held: list[Shift] = []
        self._history(held)
        db.session.flush()
        hours = build_service_hours_demo(self.volunteer, self.organizer_org, now)
        issue_certificate(self.volunteer, None, "th", now=now)
        upcoming = self._future_shifts(held, now)
        pending = self._organizer_work(now)
        return {
            "showcase_upcoming": upcoming,
            "showcase_pending": pending,
            **hours,
        }

    def _volunteers(self, count: int) -> list[User]:
        return self.rng.sample(self.others, count)

    def _past_shift(self, weeks: int) -> Shift:
        """A past Saturday morning of the organiser's organisation."""
        opportunity = self._opportunity_of(self.organizer_org, "ติวหนังสือน้องวันเสาร์")
        saturday = self.today - timedelta(days=(self.today.weekday() - 5) % 7)
        starts = datetime.combine(saturday - timedelta(weeks=weeks), time(9), BANGKOK)
        shift = Shift(
            starts_at=starts,
            ends_at=starts + timedelta(hours=3),
            capacity=8,
            spots_taken=0,
        )
        opportunity.shifts.append(shift)
        return shift

    def _opportunity_of(
        self,
        organization: Organization,
        title: str,
        mode: ApprovalMode = ApprovalMode.FIRST_COME,
    ) -> Opportunity:
        """The organisation's showcase opportunity with this title, made once."""
        for opportunity in organization.opportunities:
            if opportunity.title == title:
                return opportunity
        opportunity = Opportunity(
            organization=organization,
            title=title,
            description=(
                "กิจกรรมสาธิตของ Good Society Expo: อาสาสมัครช่วยน้อง ๆ อ่านออกเขียนได้ "
                "และดูแลกิจกรรมร่วมกับทีมงานของมูลนิธิ"
            ),
            causes=list(organization.causes[:1]),
            languages=["th"],
            remote=False,
            approval_mode=mode,
            status=OpportunityStatus.PUBLISHED,
            published_at=utcnow(),
            lat=organization.lat,
            lon=organization.lon,
            location_label=organization.location_label,
            province=organization.province,
        )
        db.session.add(opportunity)
        self.opportunities.append(opportunity)
        return opportunity

    def _history(self, held: list[Shift]) -> None:
        """Two past shifts served: one with feedback given, one still asking."""
        for weeks, answered in ((5, True), (2, False)):
            shift = self._past_shift(weeks)
            shift.spots_taken = 1
            served = Application(
                shift=shift,
                volunteer=self.volunteer,
                status=ApplicationStatus.APPROVED,
                attendance=Attendance.ATTENDED,
                hours=3.0,
                created_at=shift.starts_at - timedelta(days=10),
                status_changed_at=shift.starts_at - timedelta(days=7),
            )
            db.session.add(served)
            held.append(shift)
            if answered:
                db.session.add(
                    Feedback(
                        application=served,
                        rating=5,
                        would_volunteer_again=True,
                        active_citizen=True,
                        learned_skill=True,
                        comment="น้อง ๆ ตั้งใจมาก ได้เรียนรู้วิธีสอนอ่านด้วย",
                    )
                )

    def _free(self, shift: Shift, held: list[Shift]) -> bool:
        return not any(
            s.starts_at < shift.ends_at and shift.starts_at < s.ends_at for s in held
        )

    def _future_shifts(self, held: list[Shift], now: datetime) -> int:
        """An approved place, a waitlisted one and an invitation, never overlapping."""
        shifts = [
            shift
            for opportunity in self.opportunities
            if opportunity.organization.is_verified
            and opportunity.approval_mode is ApprovalMode.FIRST_COME
            and not opportunity.remote
            for shift in opportunity.shifts
            if shift.starts_at > now + timedelta(days=2) and shift.id is not None
        ]
        shifts.sort(key=lambda shift: shift.starts_at)
        wanted = [ApplicationStatus.APPROVED, ApplicationStatus.WAITLISTED]
        wanted.append(ApplicationStatus.INVITED)
        placed = 0
        for shift in shifts:
            if not wanted or not self._free(shift, held):
                continue
            taken = {a.volunteer_id for a in shift.applications}
            if self.volunteer.id in taken:
                continue
            status = wanted[0]
            if status is ApplicationStatus.WAITLISTED:
                if not 0 < shift.spots_left <= 4 or not self._fill(shift, taken):
                    continue
            elif shift.spots_left <= 0:
                continue
            if status is ApplicationStatus.APPROVED:
                shift.spots_taken += 1
                # The demo volunteer leads this shift (the expo floor's leads).
                db.session.add(ShiftLead(shift=shift, volunteer=self.volunteer))
            db.session.add(
                Application(
                    shift=shift,
                    volunteer=self.volunteer,
                    status=status,
                    invited_by_id=(
                        shift.opportunity.organization.memberships[0].user_id
                        if status is ApplicationStatus.INVITED
                        else None
                    ),
                )
            )
            held.append(shift)
            wanted.pop(0)
            placed += 1
        return placed

    def _fill(self, shift: Shift, taken: set[int]) -> bool:
        """Fill a shift with other free volunteers, so the next one waits."""
        busy = set(
            db.session.scalars(
                sa.select(Application.volunteer_id)
                .join(Application.shift)
                .where(
                    Application.status.in_(
                        [ApplicationStatus.ACCEPTED, ApplicationStatus.APPROVED]
                    ),
                    Shift.starts_at < shift.ends_at,
                    shift.starts_at < Shift.ends_at,
                )
            )
        )
        free = [v for v in self.others if v.id not in taken | busy]
        needed = shift.capacity - shift.spots_taken
        if len(free) < needed:
            return False
        for volunteer in free[:needed]:
            db.session.add(
                Application(
                    shift=shift, volunteer=volunteer, status=ApplicationStatus.APPROVED
                )
            )
            shift.spots_taken += 1
        return True

    def _organizer_work(self, now: datetime) -> int:
        """Applicants waiting for review, and a shift running right now."""
        review = self._opportunity_of(
            self.organizer_org, REVIEW_TITLE, ApprovalMode.REVIEW
        )
        day = self.today + timedelta(days=(5 - self.today.weekday()) % 7 or 7)
        starts = datetime.combine(day, time(9), BANGKOK)
        upcoming = Shift(
            starts_at=starts, ends_at=starts + timedelta(hours=3), capacity=6
        )
        review.shifts.append(upcoming)
        people = self._volunteers(7)
        for volunteer in people[:4]:
            db.session.add(
                Application(
                    shift=upcoming,
                    volunteer=volunteer,
                    status=ApplicationStatus.PENDING,
                    message="สนใจช่วยสอนน้อง ๆ ค่ะ/ครับ เคยเป็นติวเตอร์มาก่อน",
                )
            )
        running = self._opportunity_of(self.organizer_org, RUNNING_NOW_TITLE)
        starts = now.replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)
        today_shift = Shift(
            starts_at=starts,
            ends_at=starts + timedelta(hours=4),
            capacity=5,
            spots_taken=0,
        )
        running.shifts.append(today_shift)
        for index, volunteer in enumerate(people[4:]):
            today_shift.spots_taken += 1
            db.session.add(
                Application(
                    shift=today_shift,
                    volunteer=volunteer,
                    status=ApplicationStatus.APPROVED,
                    # One scanned the shift's QR code; the booth confirms it.
                    checked_in_at=starts + timedelta(minutes=5) if index == 0 else None,
                )
            )
            if index == 0:
                # The coverage board shows this shift with its lead.
                db.session.add(ShiftLead(shift=today_shift, volunteer=volunteer))
        return 4
