"""Reporting hours, reviewing them, withdrawing a certification, issuing records.

Services take the actor, raise DomainError subclasses and never commit.
"""

import hashlib
import json
import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l

from .. import access
from ..audit import record_event
from ..certificates import signing
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..i18n import to_bangkok
from ..models import (
    Application,
    Attendance,
    Certificate,
    CertifierRole,
    MemberRole,
    Organization,
    ReportedHours,
    ReportStatus,
    Role,
    ServiceRecord,
    ServiceRecordItem,
    User,
    utcnow,
)
from ..notifications import notify
from ..organizations.services import members_of, membership_of
from . import queries

MAX_ACTIVITY = 1000
MAX_REASON = 500
MAX_EVIDENCE_URL = 500
MAX_STUDENT_ID = 40
MAX_DAY_HOURS = 24.0
# How far back a volunteer may report hours (a year: one academic year's record).
REPORT_WINDOW = timedelta(days=366)
# The longest period one record covers (a few academic years).
MAX_PERIOD = timedelta(days=366 * 4)
# Thai academic years (ปีการศึกษา) here run 1 June to 31 May (docs/service-hours.md).
ACADEMIC_YEAR_START_MONTH = 6


# --- Who certifies ---------------------------------------------------------------


def certifier_role(user: User, organization_id: int) -> CertifierRole:
    """The capacity a user certifies in: their membership role, else shift lead."""
    membership = membership_of(user, organization_id)
    if membership is None:
        return CertifierRole.LEAD
    if membership.role is MemberRole.ADMIN:
        return CertifierRole.ADMIN
    return CertifierRole.MEMBER


def note_attendance_recorder(member: User, application: Application) -> None:
    """Remember who recorded attendance, and as what (they certify the hours)."""
    organization_id = access.organization_id_of(application)
    application.attendance_recorded_by_id = member.id
    application.attendance_recorder_role = certifier_role(member, organization_id)
    # Recording attendance again certifies it again.
    application.certification_withdrawn_at = None
    application.certification_withdrawn_by_id = None
    application.certification_withdrawn_reason = None


# --- Reporting hours ---------------------------------------------------------------


@dataclass
class ReportInput:
    """What a volunteer reports."""

    organization_id: int | None
    day: date | None
    hours: float | None
    activity: str
    evidence_url: str = ""


def today(now: datetime | None = None) -> date:
    """Today in Bangkok."""
    return to_bangkok(now or utcnow()).date()


def _hours_problem(hours: float | None) -> str | None:
    if hours is None or not math.isfinite(hours) or not 0 < hours <= MAX_DAY_HOURS:
        return str(_l("Hours must be more than 0 and at most 24."))
    return None


def _day_full(volunteer_id: int, day: date, hours: float, leave_out=None) -> str | None:
    already = queries.hours_on_day(volunteer_id, day, leave_out)
    if already + hours > MAX_DAY_HOURS + 1e-9:
        return str(
            _l(
                "A day has 24 hours: you already have %(hours)s hours on that day.",
                hours=f"{already:g}",
            )
        )
    return None


def evidence_problem(url: str) -> str | None:
    """Why an evidence link is not acceptable, or None (empty is fine)."""
    if not url:
        return None
    parts = urlsplit(url)
    if (
        len(url) > MAX_EVIDENCE_URL
        or parts.scheme not in ("http", "https")
        or not parts.netloc
        or any(char.isspace() for char in url)
    ):
        return str(
            _l(
                "Give a web link starting with https:// or http:// "
                "(at most %(max)d characters).",
                max=MAX_EVIDENCE_URL,
            )
        )
    return None


def report_hours(
    volunteer: User, data: ReportInput, now: datetime | None = None
) -> ReportedHours:
    """A volunteer reports hours done with an organisation outside a listed shift."""
    now = now or utcnow()
    if volunteer.role is not Role.VOLUNTEER:
        raise Forbidden(message=str(_l("Only volunteers report their hours.")))
    problems: dict[str, list[str]] = {}
    organization = (
        db.session.get(Organization, data.organization_id)
        if data.organization_id is not None
        else None
    )
    if organization is None or not organization.is_verified:
        problems["organization_id"] = [
            str(_l("Choose an organisation on the platform that you volunteered with."))
        ]
    day = data.day
    if day is None:
        problems["day"] = [str(_l("Give the day you volunteered."))]
    elif day > today(now):
        problems["day"] = [str(_l("The day cannot be in the future."))]
    elif day < today(now) - REPORT_WINDOW:
        problems["day"] = [str(_l("You can report hours of the last 12 months only."))]
    hours = None if data.hours is None else round(float(data.hours), 2)
    problem = _hours_problem(hours)
    if problem:
        problems["hours"] = [problem]
    elif day is not None and "day" not in problems:
        problem = _day_full(volunteer.id, day, hours)
        if problem:
            problems["hours"] = [problem]
    activity = (data.activity or "").strip()
    if not activity:
        problems["activity"] = [str(_l("Say what you did."))]
    elif len(activity) > MAX_ACTIVITY:
        problems["activity"] = [
            str(_l("Keep it under %(max)d characters.", max=MAX_ACTIVITY))
        ]
    evidence = (data.evidence_url or "").strip()
    problem = evidence_problem(evidence)
    if problem:
        problems["evidence_url"] = [problem]
    if problems:
        raise ValidationFailed(fields=problems)
    report = ReportedHours(
        volunteer_id=volunteer.id,
        organization_id=organization.id,
        day=day,
        hours=hours,
        hours_reported=hours,
        activity=activity,
        evidence_url=evidence or None,
        status=ReportStatus.PENDING,
        created_at=now,
    )
    db.session.add(report)
    db.session.flush()
    record_event(
        volunteer,
        "reported_hours.create",
        report,
        organization_id=organization.id,
        hours=hours,
        day=day.isoformat(),
    )
    for member in members_of(organization):
        notify(member, "hours_reported", **_facts(report, volunteer=volunteer))
    return report


def _facts(report: ReportedHours, **extra) -> dict:
    facts = {
        "reported_hours_id": report.id,
        "organization_id": report.organization_id,
        "organization": report.organization.name_th if report.organization else "",
        "day": report.day.isoformat(),
        "hours": f"{report.hours:g}",
    }
    volunteer = extra.pop("volunteer", None)
    if volunteer is not None:
        facts["volunteer"] = volunteer.display_name
    return {**facts, **extra}


# --- Reviewing ---------------------------------------------------------------------

APPROVE = "approve"
CHANGE = "change"
DECLINE = "decline"
DECISIONS = (APPROVE, CHANGE, DECLINE)


def get_report_for_member(report_id: int, member: User) -> ReportedHours:
    """A report to the member's organisation; anyone else's is 404."""
    report = db.session.get(ReportedHours, report_id)
    if report is None or membership_of(member, report.organization_id) is None:
        raise NotFound()
    return report


def _reason(reason: str, message) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(fields={"reason": [str(message)]})
    if len(reason) > MAX_REASON:
        raise ValidationFailed(
            fields={
                "reason": [
                    str(_l("Keep the reason under %(max)d characters.", max=MAX_REASON))
                ]
            }
        )
    return reason


def review_report(
    member: User,
    report: ReportedHours,
    decision: str,
    hours: float | None = None,
    reason: str = "",
    now: datetime | None = None,
) -> ReportedHours:
    """A member approves, changes (with a reason) or declines (with a reason)."""
    now = now or utcnow()
    if member.id == report.volunteer_id:
        raise Forbidden(
            "own_hours", str(_l("You cannot certify hours you reported yourself."))
        )
    organization = db.session.get(Organization, report.organization_id)
    access.require(member, access.ACT, organization)
    if decision not in DECISIONS:
        raise ValidationFailed(
            fields={"decision": [str(_l("Approve, change or decline."))]}
        )
    if report.status is not ReportStatus.PENDING:
        raise Conflict(
            "already_reviewed", str(_l("These hours have already been reviewed."))
        )
    if decision == CHANGE:
        hours = None if hours is None else round(float(hours), 2)
        problem = _hours_problem(hours)
        if problem is None and hours == report.hours_reported:
            problem = str(_l("Give hours that differ from the reported ones."))
        if problem is None:
            problem = _day_full(report.volunteer_id, report.day, hours, report.id)
        if problem:
            raise ValidationFailed(fields={"hours": [problem]})
        reason = _reason(reason, _l("Say why you change the hours."))
        report.hours = hours
        report.status = ReportStatus.APPROVED
    elif decision == DECLINE:
        reason = _reason(reason, _l("Say why you decline these hours."))
        report.status = ReportStatus.DECLINED
    else:
        reason = ""
        report.status = ReportStatus.APPROVED
    report.review_reason = reason
    report.reviewed_by_id = member.id
    report.reviewer_role = certifier_role(member, report.organization_id)
    report.reviewed_at = now
    db.session.flush()
    record_event(
        member,
        f"reported_hours.{decision}",
        report,
        hours=report.hours,
        reason=reason,
    )
    kind = {
        APPROVE: "hours_approved",
        CHANGE: "hours_changed",
        DECLINE: "hours_declined",
    }[decision]
    facts = _facts(report, reported=f"{report.hours_reported:g}")
    if reason:
        facts["reason"] = reason
    notify(report.volunteer, kind, **facts)
    return report


# --- Withdrawing a certification ---------------------------------------------------


def withdraw_report(
    member: User, report: ReportedHours, reason: str, now: datetime | None = None
) -> None:
    """The organisation withdraws its certification of approved reported hours."""
    organization = db.session.get(Organization, report.organization_id)
    access.require(member, access.ACT, organization)
    reason = _reason(reason, _l("Say why you withdraw the certification."))
    if report.status is not ReportStatus.APPROVED or report.withdrawn_at is not None:
        raise Conflict("not_certified", str(_l("These hours are not certified now.")))
    report.withdrawn_at = now or utcnow()
    report.withdrawn_by_id = member.id
    report.withdrawn_reason = reason
    record_event(member, "reported_hours.withdraw", report, reason=reason)
    notify(
        report.volunteer,
        "certification_withdrawn",
        **_facts(report, title=report.activity[:120], reason=reason),
    )


def withdraw_attendance(
    member: User, application: Application, reason: str, now: datetime | None = None
) -> None:
    """The organisation withdraws its certification of an attended shift's hours."""
    access.require(member, access.ACT, application)
    reason = _reason(reason, _l("Say why you withdraw the certification."))
    if (
        application.attendance is not Attendance.ATTENDED
        or application.certification_withdrawn_at is not None
    ):
        raise Conflict("not_certified", str(_l("These hours are not certified now.")))
    application.certification_withdrawn_at = now or utcnow()
    application.certification_withdrawn_by_id = member.id
    application.certification_withdrawn_reason = reason
    record_event(member, "attendance.withdraw", application, reason=reason)
    organization = application.shift.opportunity.organization
    notify(
        application.volunteer,
        "certification_withdrawn",
        organization_id=organization.id,
        organization=organization.name_th,
        day=to_bangkok(application.shift.starts_at).date().isoformat(),
        hours=f"{application.hours or 0:g}",
        title=application.shift.opportunity.title,
        reason=reason,
    )


# --- Service-hour records ------------------------------------------------------------


def academic_year_of(day: date) -> tuple[date, date]:
    """The Thai academic year (1 June to 31 May) a day falls in."""
    start_year = day.year if day.month >= ACADEMIC_YEAR_START_MONTH else day.year - 1
    return (
        date(start_year, ACADEMIC_YEAR_START_MONTH, 1),
        date(start_year + 1, ACADEMIC_YEAR_START_MONTH, 1) - timedelta(days=1),
    )


def check_period(first_day: date | None, last_day: date | None) -> None:
    """A record's period: both days, in order, at most four years long (422)."""
    problems = {}
    if first_day is None:
        problems["from"] = [str(_l("Give the first day of the period."))]
    if last_day is None:
        problems["to"] = [str(_l("Give the last day of the period."))]
    if not problems and first_day > last_day:
        problems["to"] = [str(_l("The last day must not be before the first day."))]
    if not problems and last_day - first_day > MAX_PERIOD:
        problems["to"] = [str(_l("A record covers at most four years."))]
    if problems:
        raise ValidationFailed(fields=problems)


def student_id_of(volunteer: User) -> str | None:
    """The student id the volunteer entered on their profile, if any."""
    profile = volunteer.profile
    return (profile.student_id or None) if profile is not None else None


def _item_rows(found: list[queries.Activity], locale: str) -> list[dict]:
    with force_locale(locale):
        return [
            {
                "kind": activity.kind,
                "application_id": activity.application_id,
                "reported_hours_id": activity.reported_hours_id,
                "organization_id": activity.organization.id,
                "day": activity.day,
                "organization_name": activity.organization.name(locale),
                "activity": activity.activity,
                "hours": activity.hours,
                "certified_by": activity.certified_by,
            }
            for activity in found
        ]


def _fingerprint(rows: list[dict], holder: str, student_id: str | None) -> str:
    facts = [holder, student_id or ""] + [
        [
            r["kind"],
            r["application_id"] or r["reported_hours_id"],
            r["hours"],
            r["certified_by"],
            r["activity"],
            r["day"].isoformat(),
        ]
        for r in rows
    ]
    return hashlib.sha256(json.dumps(facts, ensure_ascii=False).encode()).hexdigest()


def _record_rows(record: ServiceRecord) -> list[dict]:
    return [
        {
            "kind": item.kind,
            "application_id": item.application_id,
            "reported_hours_id": item.reported_hours_id,
            "hours": item.hours,
            "certified_by": item.certified_by,
            "activity": item.activity,
            "day": item.day,
        }
        for item in record.items
    ]


def issue_record(
    volunteer: User,
    first_day: date | None,
    last_day: date | None,
    locale: str,
    now: datetime | None = None,
) -> ServiceRecord:
    """Sign a service-hour record of the period; the same facts reuse the last one.

    What it certifies is frozen in its items, so /verify shows it as issued, and
    which of its activities an organisation has withdrawn since.
    """
    check_period(first_day, last_day)
    locale = "en" if locale == "en" else "th"
    found = queries.activities(volunteer.id, first_day, last_day)
    if not found:
        raise Conflict(
            "no_hours",
            str(
                _l(
                    "There are no certified hours in this period. Choose another "
                    "period, or report hours you did with an organisation."
                )
            ),
        )
    rows = _item_rows(found, locale)
    holder, student_id = volunteer.display_name, student_id_of(volunteer)
    fingerprint = _fingerprint(rows, holder, student_id)
    for earlier in db.session.scalars(
        sa.select(ServiceRecord).where(
            ServiceRecord.volunteer_id == volunteer.id,
            ServiceRecord.first_day == first_day,
            ServiceRecord.last_day == last_day,
            ServiceRecord.locale == locale,
            ServiceRecord.revoked_at.is_(None),
        )
    ):
        if (
            _fingerprint(_record_rows(earlier), earlier.holder_name, earlier.student_id)
            == fingerprint
        ):
            return earlier
    sums = queries.totals(found)
    record = ServiceRecord(
        serial=unused_serial(),
        volunteer_id=volunteer.id,
        holder_name=holder,
        student_id=student_id,
        first_day=first_day,
        last_day=last_day,
        hours_attended=sums.attended,
        hours_reported=sums.reported,
        locale=locale,
        issued_at=now or utcnow(),
        items=[
            ServiceRecordItem(position=index, **row) for index, row in enumerate(rows)
        ],
    )
    db.session.add(record)
    db.session.flush()
    record_event(
        volunteer,
        "service_record.issue",
        record,
        serial=record.serial,
        first_day=first_day.isoformat(),
        last_day=last_day.isoformat(),
        hours_attended=sums.attended,
        hours_reported=sums.reported,
    )
    return record


def unused_serial() -> str:
    """A serial no certificate or record has yet (retried on a clash)."""
    for _attempt in range(5):
        serial = signing.new_serial()
        taken = db.session.scalar(
            sa.select(Certificate.id).where(Certificate.serial == serial)
        ) or db.session.scalar(
            sa.select(ServiceRecord.id).where(ServiceRecord.serial == serial)
        )
        if taken is None:
            return serial
    raise RuntimeError("no free serial after 5 attempts")


def record_by_code(code: str) -> ServiceRecord | None:
    """The record a code stands for; a forged code never reaches the database."""
    serial = signing.serial_from(code)
    if serial is None:
        return None
    return db.session.scalar(
        sa.select(ServiceRecord).where(ServiceRecord.serial == serial)
    )


@dataclass(frozen=True)
class Withdrawal:
    """An activity of a record whose certification was withdrawn since."""

    item: ServiceRecordItem
    organization_name: str
    when: datetime
    reason: str


def withdrawals(record: ServiceRecord) -> list[Withdrawal]:
    """Activities of the record that their organisation has withdrawn since."""
    found = []
    for item in record.items:
        source = None
        if item.application_id is not None:
            application = db.session.get(Application, item.application_id)
            if application and application.certification_withdrawn_at:
                source = (
                    application.certification_withdrawn_at,
                    application.certification_withdrawn_reason or "",
                )
        elif item.reported_hours_id is not None:
            report = db.session.get(ReportedHours, item.reported_hours_id)
            if report and report.withdrawn_at:
                source = (report.withdrawn_at, report.withdrawn_reason)
        if source is not None:
            found.append(Withdrawal(item, item.organization_name, *source))
    return found


def revoke_record(
    staff: User, record: ServiceRecord, reason: str, now: datetime | None = None
) -> None:
    """Staff revoke a service-hour record, with the reason /verify shows."""
    reason = _reason(reason, _l("Say why the record is revoked."))
    if record.revoked_at is not None:
        raise Conflict("already_revoked", str(_l("This record is already revoked.")))
    record.revoked_at = now or utcnow()
    record.revoked_reason = reason
    record_event(staff, "service_record.revoke", record, serial=record.serial)


def set_student_id(volunteer: User, student_id: str) -> None:
    """Keep (or clear) the student id printed on the volunteer's records."""
    student_id = (student_id or "").strip()
    if len(student_id) > MAX_STUDENT_ID:
        raise ValidationFailed(
            fields={
                "student_id": [
                    str(_l("Keep it under %(max)d characters.", max=MAX_STUDENT_ID))
                ]
            }
        )
    if volunteer.profile is not None:
        volunteer.profile.student_id = student_id or None
