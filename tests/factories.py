"""Factories for test data: plain functions that add rows and flush."""

import io
import itertools
from datetime import datetime, timedelta

import segno
import sqlalchemy as sa

from marketplace.auth.passwords import hash_password
from marketplace.extensions import db
from marketplace.models import (
    ApprovalMode,
    Cause,
    Consent,
    ConsentPurpose,
    MemberRole,
    Membership,
    Opportunity,
    OpportunityStatus,
    Organization,
    OrganizationStatus,
    Role,
    Shift,
    Skill,
    User,
    VolunteerProfile,
    utcnow,
)
from marketplace.organizations.opportunities import set_opportunity_skills

PASSWORD = "correct horse battery staple"
# What a production app needs to start: a key, its public address, and limits
# that are shared by the workers or off (a proxy enforces them).
PRODUCTION_SETTINGS = {
    "SECRET_KEY": "production-test-" + "x" * 40,
    "PUBLIC_URL": "https://expo.example.org",
    "RATELIMIT_ENABLED": False,
    # Tasks run at once, as in TestingConfig: a production app made by a test never
    # queues into the checkout's instance/huey.sqlite3.
    "HUEY_IMMEDIATE": True,
}
_sequence = itertools.count(1)


def make_user(
    role: Role = Role.VOLUNTEER,
    *,
    email: str | None = None,
    name: str = "สมหญิง ใจดี",
    password: str = PASSWORD,
    is_staff: bool = False,
    locale: str = "th",
) -> User:
    """Add a user (with a profile if a volunteer) who consented to the terms."""
    number = next(_sequence)
    user = User(
        email=email or f"user{number}@example.org",
        display_name=name,
        role=role,
        password_hash=hash_password(password),
        is_staff=is_staff,
        locale=locale,
    )
    user.consents.append(
        Consent(purpose=ConsentPurpose.TERMS, granted=True, notice_version="test")
    )
    if role is Role.VOLUNTEER:
        user.profile = VolunteerProfile()
    db.session.add(user)
    db.session.flush()
    return user


def make_organization(
    *,
    members: list[User] = (),
    status: OrganizationStatus = OrganizationStatus.VERIFIED,
    name: str | None = None,
) -> Organization:
    """Add an organisation with the given members (the first is its admin)."""
    number = next(_sequence)
    organization = Organization(
        slug=f"org-{number}",
        name_th=name or f"มูลนิธิทดสอบ {number}",
        name_en=f"Test Foundation {number}",
        status=status,
        lat=13.7466,
        lon=100.5393,
        location_label="ปทุมวัน, กรุงเทพมหานคร",
        province="กรุงเทพมหานคร",
    )
    for index, member in enumerate(members):
        role = MemberRole.ADMIN if index == 0 else MemberRole.MEMBER
        organization.memberships.append(Membership(user=member, role=role))
    db.session.add(organization)
    db.session.flush()
    return organization


def make_opportunity(
    organization: Organization,
    *,
    title: str = "สอนการบ้านเด็ก",
    description: str = "ช่วยน้อง ๆ ทำการบ้านหลังเลิกเรียน",
    causes: tuple[str, ...] = ("education",),
    skills: tuple[str, ...] = ("teaching",),
    nice_to_have: tuple[str, ...] = (),
    status: OpportunityStatus = OpportunityStatus.PUBLISHED,
    approval_mode: ApprovalMode = ApprovalMode.FIRST_COME,
    starts: datetime | None = None,
    hours: int = 3,
    capacity: int = 10,
    shifts: int = 1,
    is_expo: bool = False,
) -> Opportunity:
    """Add an opportunity with `shifts` weekly shifts starting at `starts`.

    `skills` are required, `nice_to_have` skills are welcome but not required.
    """
    starts = starts or utcnow().replace(microsecond=0) + timedelta(days=7)
    opportunity = Opportunity(
        organization=organization,
        title=title,
        description=description,
        causes=list(db.session.scalars(sa.select(Cause).where(Cause.slug.in_(causes)))),
        skills=list(db.session.scalars(sa.select(Skill).where(Skill.slug.in_(skills)))),
        status=status,
        approval_mode=approval_mode,
        lat=organization.lat,
        lon=organization.lon,
        location_label=organization.location_label,
        province=organization.province,
        is_expo=is_expo,
    )
    for week in range(shifts):
        start = starts + timedelta(weeks=week)
        opportunity.shifts.append(
            Shift(
                starts_at=start,
                ends_at=start + timedelta(hours=hours),
                capacity=capacity,
            )
        )
    db.session.add(opportunity)
    db.session.flush()
    if nice_to_have:
        set_opportunity_skills(
            opportunity,
            list(opportunity.skills),
            list(
                db.session.scalars(sa.select(Skill).where(Skill.slug.in_(nice_to_have)))
            ),
        )
    return opportunity


def make_pending_application(
    organization: Organization, *, email: str = "v@example.org", **opportunity
):
    """A volunteer's application waiting for review at a new review-mode shift."""
    from marketplace.models import Application, ApplicationStatus

    volunteer = make_user(email=email, name="อาสา ใจดี")
    shift = make_opportunity(
        organization, approval_mode=ApprovalMode.REVIEW, **opportunity
    ).shifts[0]
    application = Application(
        shift=shift, volunteer=volunteer, status=ApplicationStatus.PENDING
    )
    db.session.add(application)
    db.session.commit()
    return application


def make_past_application(
    volunteer: User,
    organization: Organization,
    *,
    attended: bool | None = True,
    hours: float = 3.0,
    days_ago: int = 2,
    title: str = "ปลูกป่าชายเลน",
):
    """Add an approved application to a shift that is over, attended with `hours`.

    attended=False records a no-show; attended=None leaves attendance unrecorded.
    """
    from marketplace.models import Application, ApplicationStatus, Attendance

    opportunity = make_opportunity(
        organization,
        title=title,
        starts=utcnow().replace(microsecond=0) - timedelta(days=days_ago),
        hours=4,
    )
    shift = opportunity.shifts[0]
    shift.spots_taken = 1
    application = Application(
        shift=shift, volunteer=volunteer, status=ApplicationStatus.APPROVED
    )
    if attended:
        application.attendance, application.hours = Attendance.ATTENDED, hours
    elif attended is False:
        application.attendance = Attendance.NO_SHOW
    db.session.add(application)
    db.session.flush()
    return application


def make_outcome_round(
    *, title: str = "รอบทดสอบ", status: str = "open", opened_by: User | None = None
):
    """Add a round of co-defining outcomes."""
    from marketplace.models import OutcomeRound, RoundStatus

    outcome_round = OutcomeRound(
        title_th=title,
        title_en="Test round",
        status=RoundStatus(status),
        opened_by_id=opened_by.id if opened_by else None,
    )
    db.session.add(outcome_round)
    db.session.flush()
    return outcome_round


def make_outcome(
    outcome_round,
    *,
    source: str = "reported",
    status: str = "proposed",
    indicator: str = "trees planted",
    unit: str = "trees",
    baseline: float = 0,
    target: float = 100,
    organization: Organization | None = None,
    cause: str | None = None,
):
    """Add an outcome to a round."""
    from marketplace.models import Outcome, OutcomeSource, OutcomeStatus

    outcome = Outcome(
        round=outcome_round,
        name_th=f"ผลลัพธ์ {next(_sequence)}",
        name_en="An outcome",
        indicator=indicator,
        unit=unit,
        baseline=baseline,
        target=target,
        organization=organization,
        cause=(
            db.session.scalar(sa.select(Cause).where(Cause.slug == cause))
            if cause
            else None
        ),
        source=OutcomeSource(source),
        status=OutcomeStatus(status),
    )
    db.session.add(outcome)
    db.session.flush()
    return outcome


def make_giving_partner(*, members: list[User] = (), name: str | None = None):
    """Add a verified giving partner organisation with the given members."""
    from marketplace.models import OrganizationKind

    partner = make_organization(members=members, name=name)
    partner.kind = OrganizationKind.GIVING_PARTNER
    db.session.flush()
    return partner


def daytime(days: int, hour: int = 10) -> datetime:
    """`days` from today at `hour` o'clock Bangkok time (never across midnight)."""
    from datetime import time

    from marketplace.i18n import BANGKOK

    day = utcnow().astimezone(BANGKOK).date() + timedelta(days=days)
    return datetime.combine(day, time(hour), BANGKOK)


def make_matchable(
    volunteer: User, near: Organization | None = None, *, km: int = 15
) -> User:
    """Make a volunteer someone the suggestions can show for the factories' shifts.

    Consent to matching, the `teaching` skill, a place (at `near`, else central
    Bangkok) with a travel radius, remote work accepted, and every day free.
    """
    from marketplace.models import AvailabilityWindow
    from marketplace.privacy.consents import record_consents

    profile = volunteer.profile
    profile.skills = list(
        db.session.scalars(sa.select(Skill).where(Skill.slug == "teaching"))
    )
    profile.lat = near.lat if near is not None else 13.7466
    profile.lon = near.lon if near is not None else 100.5393
    profile.max_distance_km, profile.remote_ok = km, True
    profile.availability = [
        AvailabilityWindow(weekday=day, start_minute=0, end_minute=1440)
        for day in range(7)
    ]
    record_consents(volunteer, {ConsentPurpose.MATCHING: True}, "test")
    db.session.flush()
    return volunteer


def png_bytes(content: str = "e-Donation demo") -> bytes:
    """A small real PNG (a QR code), as a bank's e-Donation QR would be uploaded."""
    out = io.BytesIO()
    segno.make(content).save(out, kind="png", scale=4)
    return out.getvalue()


def make_reported_hours(
    volunteer: User,
    organization: Organization,
    *,
    hours: float = 2.0,
    days_ago: int = 3,
    activity: str = "ช่วยคัดแยกของบริจาคที่โกดังของมูลนิธิ",
    approved_by: User | None = None,
):
    """Add hours a volunteer reported; approved (by the member given) or pending."""
    from marketplace.i18n import to_bangkok
    from marketplace.models import CertifierRole, ReportedHours, ReportStatus

    report = ReportedHours(
        volunteer_id=volunteer.id,
        organization_id=organization.id,
        day=to_bangkok(utcnow()).date() - timedelta(days=days_ago),
        hours=hours,
        hours_reported=hours,
        activity=activity,
        status=ReportStatus.APPROVED if approved_by else ReportStatus.PENDING,
        reviewed_by_id=approved_by.id if approved_by else None,
        reviewer_role=CertifierRole.ADMIN if approved_by else None,
        reviewed_at=utcnow() if approved_by else None,
    )
    db.session.add(report)
    db.session.flush()
    return report
