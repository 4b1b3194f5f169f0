""" "Are you coming?" in the demo: a place tomorrow awaiting an answer, and a no-show.

The demo volunteer holds a place on the organiser's shift tomorrow and was asked
"are you coming?" (My shifts shows the two buttons; the notification is in News);
another volunteer there has confirmed and a third waits on the waitlist, so "I can't
come" visibly hands the place on. The opportunity releases unconfirmed places six
hours before the start. The volunteer's history has one no-show beside the shifts
they served, so My shifts reads "You came to 2 of your 3 shifts".
"""

from datetime import datetime, timedelta

import sqlalchemy as sa

from ..extensions import db
from ..i18n import to_bangkok
from ..models import (
    HOLDS_SPOT,
    Application,
    ApplicationStatus,
    ApprovalMode,
    Attendance,
    Opportunity,
    OpportunityStatus,
    Organization,
    Shift,
    User,
)
from ..notifications import about_application, notify

TOMORROW_TITLE = "ช่วยจัดโต๊ะลงทะเบียนงานวันเด็ก (พรุ่งนี้)"
NO_SHOW_TITLE = "แจกอาหารกลางวันผู้สูงอายุในชุมชน"


def build_confirmations_demo(
    volunteer: User, organizer_org: Organization, others: list[User], now: datetime
) -> dict[str, int]:
    """Add the rows (no commit); return counts."""
    held = db.session.execute(
        sa.select(Shift.starts_at, Shift.ends_at)
        .join(Application, Application.shift_id == Shift.id)
        .where(Application.volunteer_id == volunteer.id)
    ).all()
    starts = _free_start(held, now.replace(minute=0, second=0, microsecond=0))
    ends = starts + timedelta(hours=3)
    busy_ids = set(
        db.session.scalars(
            sa.select(Application.volunteer_id)
            .join(Shift, Application.shift_id == Shift.id)
            .where(
                Application.status.in_(HOLDS_SPOT),
                Shift.starts_at < ends,
                starts < Shift.ends_at,
            )
        )
    )
    tomorrow = _opportunity(organizer_org, TOMORROW_TITLE, starts, capacity=2)
    tomorrow.release_unconfirmed_hours = 6
    shift = tomorrow.shifts[0]
    helpers = [person for person in others if person.id not in busy_ids][:2]
    mine = _place(shift, volunteer, ApplicationStatus.APPROVED)
    mine.confirm_asked_at = mine.reminded_at = now - timedelta(hours=1)
    confirmed = _place(shift, helpers[0], ApplicationStatus.APPROVED)
    confirmed.confirm_asked_at = confirmed.reminded_at = now - timedelta(hours=1)
    confirmed.confirmed_at = now - timedelta(minutes=40)
    _place(shift, helpers[1], ApplicationStatus.WAITLISTED)
    db.session.flush()
    notify(
        volunteer,
        "confirm_attendance",
        **about_application(mine, time=to_bangkok(shift.starts_at).strftime("%H:%M")),
    )

    past_start = now.replace(minute=0, second=0, microsecond=0) - timedelta(days=24)
    missed = _opportunity(organizer_org, NO_SHOW_TITLE, past_start, capacity=6)
    no_show = _place(missed.shifts[0], volunteer, ApplicationStatus.APPROVED)
    no_show.attendance = Attendance.NO_SHOW
    return {"confirmations_asked": 2, "no_shows": 1}


def _free_start(held, hour: datetime) -> datetime:
    """About 20 hours from now, moved on until it overlaps no place already held."""
    starts = hour + timedelta(hours=20)
    while any(a < starts + timedelta(hours=3) and starts < b for a, b in held):
        starts += timedelta(hours=1)
    return starts


def _opportunity(
    organization: Organization, title: str, starts: datetime, capacity: int
) -> Opportunity:
    opportunity = Opportunity(
        organization=organization,
        title=title,
        description=(
            "กิจกรรมสาธิตของ Good Society Expo: ต้อนรับผู้มาร่วมงาน "
            "ลงทะเบียน และช่วยทีมงานของมูลนิธิดูแลกิจกรรม"
        ),
        causes=list(organization.causes[:1]),
        languages=["th"],
        remote=False,
        approval_mode=ApprovalMode.FIRST_COME,
        status=OpportunityStatus.PUBLISHED,
        published_at=starts - timedelta(days=14),
        lat=organization.lat,
        lon=organization.lon,
        location_label=organization.location_label,
        province=organization.province,
    )
    opportunity.shifts.append(
        Shift(starts_at=starts, ends_at=starts + timedelta(hours=3), capacity=capacity)
    )
    db.session.add(opportunity)
    return opportunity


def _place(shift: Shift, volunteer: User, status: ApplicationStatus) -> Application:
    application = Application(shift=shift, volunteer=volunteer, status=status)
    if status.holds_spot:
        shift.spots_taken = (shift.spots_taken or 0) + 1
    db.session.add(application)
    return application
