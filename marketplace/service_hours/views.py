"""Pages: report hours, review them, the service-hour record and its print page."""

from datetime import date

import segno
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from wtforms import SelectChoice

from .. import access
from ..access import role_required, staff_required
from ..certificates import signing
from ..certificates.forms import RevokeForm
from ..errors import DomainError
from ..exports import csv_response, local_date, timestamp, wants_machine_csv
from ..extensions import db
from ..i18n import BUDDHIST_ERA_OFFSET, format_day
from ..links import public_url
from ..models import (
    Application,
    Organization,
    OrganizationStatus,
    ReportStatus,
    Role,
    ServiceRecord,
)
from ..web import committing
from . import queries, services
from .forms import IssueRecordForm, PeriodForm, ReportForm, ReviewForm, WithdrawForm

bp = Blueprint("service_hours", __name__)

# The printed record starts a new page after this many activities.
ROWS_PER_PAGE = 20
YEARS_OFFERED = 5


@bp.app_template_global()
def reported_hours_waiting(organization_id: int) -> int:
    """Reported hours waiting for the organisation's review (dashboard count)."""
    return queries.pending_count(organization_id)


# --- The volunteer: report hours ------------------------------------------------


def _organization_choices() -> list[SelectChoice]:
    locale = str(get_locale())
    organizations = db.session.scalars(
        db.select(Organization)
        .where(Organization.status == OrganizationStatus.VERIFIED)
        .order_by(Organization.name_th)
    )
    return [SelectChoice("", _("Choose an organisation"))] + [
        SelectChoice(str(o.id), o.name(locale)) for o in organizations
    ]


def _render_mine(form: ReportForm, status: int = 200):
    return render_template(
        "service_hours/mine.html",
        form=form,
        reports=queries.reports_of(current_user.id),
        served=queries.totals(queries.activities(current_user.id)),
        today=services.today(),
    ), status


def _report_form() -> ReportForm:
    form = ReportForm()
    form.organization_id.choices = _organization_choices()
    return form


@bp.get("/me/hours")
@role_required(Role.VOLUNTEER)
def mine():
    """Report hours done outside a listed shift; see what happened to them."""
    return _render_mine(_report_form())


@bp.post("/me/hours")
@role_required(Role.VOLUNTEER)
def report():
    """Send reported hours to the organisation for review."""
    form = _report_form()
    if not form.validate_on_submit():
        return _render_mine(form, 422)
    organization_id = (
        int(form.organization_id.data) if form.organization_id.data else None
    )
    data = services.ReportInput(
        organization_id=organization_id,
        day=form.day.data,
        hours=form.hours.data,
        activity=form.activity.data or "",
        evidence_url=form.evidence_url.data or "",
    )
    sent = _("Sent. The organisation will review your hours; you will be notified.")
    with committing(sent, form=form) as done:
        services.report_hours(current_user, data)
    if done:
        return redirect(url_for(".mine"))
    return _render_mine(form, 422)


# --- The organisation: review and withdraw ------------------------------------------


def _render_queue(organization: Organization, status: int = 200, forms=None):
    return render_template(
        "service_hours/review.html",
        organization=organization,
        queue=queries.review_queue(organization.id),
        certified=queries.recently_certified(organization.id),
        forms=forms or {},
        withdraw_form=WithdrawForm(),
    ), status


@bp.get("/organizations/<int:organization_id>/reported-hours")
@role_required(Role.ORGANIZER)
def review_queue(organization_id: int):
    """Reported hours waiting for review, and recently certified activities."""
    organization = access.get_organization_or_404(
        organization_id, for_user=current_user, action=access.ACT
    )
    return _render_queue(organization)


@bp.post("/reported-hours/<int:report_id>/review")
@role_required(Role.ORGANIZER)
def review(report_id: int):
    """Approve, change (with a reason) or decline reported hours."""
    found = services.get_report_for_member(report_id, current_user)
    organization = found.organization
    form = ReviewForm()
    if not form.validate_on_submit():
        return _render_queue(organization, 422, {found.id: form})
    done_message = {
        "approve": _("Approved: the hours count on the volunteer's record."),
        "change": _("Changed and approved; the volunteer sees your reason."),
        "decline": _("Declined; the volunteer sees your reason."),
    }[form.decision.data]
    with committing(done_message, form=form) as done:
        services.review_report(
            current_user,
            found,
            form.decision.data,
            form.hours.data,
            form.reason.data or "",
        )
    if done:
        return redirect(url_for(".review_queue", organization_id=organization.id))
    return _render_queue(organization, 422, {found.id: form})


def _withdrawn(organization_id: int, change) -> object:
    form = WithdrawForm()
    back = redirect(url_for(".review_queue", organization_id=organization_id))
    if not form.validate_on_submit():
        for messages in form.errors.values():
            for message in messages:
                flash(message, "danger")
        return back
    done = _("The certification is withdrawn; records that list it say so.")
    with committing(done, kind="info"):
        change(form.reason.data)
    return back


@bp.post("/reported-hours/<int:report_id>/withdraw")
@role_required(Role.ORGANIZER)
def withdraw_report(report_id: int):
    """Withdraw the organisation's certification of approved reported hours."""
    found = services.get_report_for_member(report_id, current_user)
    return _withdrawn(
        found.organization_id,
        lambda reason: services.withdraw_report(current_user, found, reason),
    )


@bp.post("/applications/<int:application_id>/certification/withdraw")
@role_required(Role.ORGANIZER)
def withdraw_attendance(application_id: int):
    """Withdraw the organisation's certification of an attended shift's hours."""
    application: Application = access.get_application_or_404(
        application_id, for_user=current_user, action=access.ACT
    )
    return _withdrawn(
        access.organization_id_of(application),
        lambda reason: services.withdraw_attendance(current_user, application, reason),
    )


# --- The service-hour record --------------------------------------------------------


def academic_year_label(start_year: int, locale: str) -> str:
    """ "ปีการศึกษา 2569" / "Academic year 2026/27"."""
    if locale == "en":
        return _(
            "Academic year %(year)s", year=f"{start_year}/{(start_year + 1) % 100:02d}"
        )
    return _("Academic year %(year)s", year=str(start_year + BUDDHIST_ERA_OFFSET))


def _period(form: PeriodForm) -> tuple[date, date, str]:
    """The period asked for: custom days win, else an academic year (default now)."""
    today = services.today()
    current, _last = services.academic_year_of(today)
    locale = str(get_locale())
    form.year.choices = [
        SelectChoice(str(year), academic_year_label(year, locale))
        for year in range(current.year, current.year - YEARS_OFFERED, -1)
    ]
    if form.start.data and form.end.data:
        return form.start.data, form.end.data, "custom"
    try:
        year = int(form.year.data or current.year)
    except ValueError:
        year = current.year
    if not current.year - YEARS_OFFERED < year <= current.year:
        year = current.year
    form.year.data = str(year)
    first, last = services.academic_year_of(date(year, 6, 1))
    return first, last, "year"


@bp.get("/me/service-record")
@role_required(Role.VOLUNTEER)
def record_page():
    """Pick a period, see its activities and totals, and sign a record of them."""
    form = PeriodForm(request.args)
    form.validate()
    first, last, _kind = _period(form)
    problem = None
    try:
        services.check_period(first, last)
        found = queries.activities(current_user.id, first, last)
    except DomainError as error:
        problem = " ".join(m for ms in error.fields.values() for m in ms)
        found = []
    issue_form = IssueRecordForm(
        data={"locale": str(get_locale()), "start": first, "end": last}
    )
    return render_template(
        "service_hours/record.html",
        form=form,
        issue_form=issue_form,
        first=first,
        last=last,
        problem=problem,
        activities=found,
        totals=queries.totals(found),
        student_id=services.student_id_of(current_user),
        records=queries.records_of(current_user.id),
        code_for=signing.code_for,
    ), (422 if problem or form.errors else 200)


@bp.post("/me/service-record")
@role_required(Role.VOLUNTEER)
def issue_record():
    """Sign the record of a period and open its print page."""
    form = IssueRecordForm()
    if not form.validate_on_submit():
        flash(_("Choose a period and Thai or English, then try again."), "danger")
        return redirect(url_for(".record_page"))
    ready = _("Your service-hour record is ready. Print it or share its code.")
    with committing(ready) as issued:
        record = services.issue_record(
            current_user, form.start.data, form.end.data, form.locale.data
        )
    if issued:
        return redirect(
            url_for(".printable", record_code=signing.code_for(record.serial))
        )
    return redirect(
        url_for(
            ".record_page",
            start=form.start.data.isoformat(),
            end=form.end.data.isoformat(),
        )
    )


def _record_or_404(code: str) -> ServiceRecord:
    record = services.record_by_code(code)
    if record is None:
        abort(404)
    return record


def _pages(items: list) -> list[list]:
    return [
        items[i : i + ROWS_PER_PAGE] for i in range(0, len(items), ROWS_PER_PAGE)
    ] or [[]]


@bp.get("/service-records/<record_code>")
def printable(record_code: str):
    """The printable A4 record (anyone with the code, as certificates)."""
    record = _record_or_404(record_code)
    code = signing.code_for(record.serial)
    verify_url = public_url("certificates.verify", code=code)
    qr = segno.make(verify_url, error="m").svg_data_uri(scale=4, border=2)
    with force_locale(record.locale):
        body = render_template(
            "service_hours/_record.html",
            record=record,
            pages=_pages(record.items),
            code=code,
            verify_url=verify_url,
            qr=qr,
            withdrawals=services.withdrawals(record),
            day=lambda value: format_day(value, "medium", record.locale),
            issued_on=format_day(record.issued_at, "long", record.locale),
        )
    # The body is a template Jinja rendered with autoescape: already safe HTML.
    safe_body = Markup(body)  # noqa: S704  # nosec B704
    return render_template(
        "service_hours/printable.html", record=record, code=code, body=safe_body
    )


@bp.get("/service-records/<record_code>.csv")
def record_csv(record_code: str):
    """The record's activities as CSV (human, or `?format=machine`)."""
    record = _record_or_404(record_code)
    filename = f"service-record-{record.serial}"
    if wants_machine_csv():
        headers = [
            "date",
            "organization",
            "activity",
            "hours",
            "kind",
            "certified_by",
            "code",
            "issued_at",
        ]
        code = signing.code_for(record.serial)
        rows = [
            [
                item.day.isoformat(),
                item.organization_name,
                item.activity,
                item.hours,
                item.kind,
                item.certified_by,
                code,
                timestamp(record.issued_at),
            ]
            for item in record.items
        ]
        return csv_response(headers, rows, filename)
    kinds = {"attended": _("Attended"), "reported": _("Reported")}
    headers = [
        _("Date"),
        _("Organisation"),
        _("What was done"),
        _("Hours"),
        _("Attended or reported"),
        _("Certified by"),
    ]
    rows = [
        [
            local_date(item.day),
            item.organization_name,
            item.activity,
            item.hours,
            kinds.get(item.kind, item.kind),
            item.certified_by,
        ]
        for item in record.items
    ]
    return csv_response(headers, rows, filename)


@bp.post("/service-records/<record_code>/revoke")
@staff_required
def revoke_record(record_code: str):
    """Staff revoke a service-hour record with a reason."""
    record = _record_or_404(record_code)
    code = signing.code_for(record.serial)
    back = redirect(url_for("certificates.verify", code=code))
    form = RevokeForm()
    if not form.validate_on_submit():
        for messages in form.errors.values():
            for message in messages:
                flash(message, "danger")
        return back
    with committing(_("The record %(code)s is revoked.", code=code), kind="info"):
        services.revoke_record(current_user, record, form.reason.data)
    return back


STATUS_BADGES = {
    ReportStatus.PENDING: "text-bg-warning",
    ReportStatus.APPROVED: "text-bg-success",
    ReportStatus.DECLINED: "text-bg-secondary",
}


@bp.app_template_global()
def report_badge(status: ReportStatus) -> str:
    """The badge class of a report's status."""
    return STATUS_BADGES.get(status, "text-bg-light")


@bp.app_template_global("certified_by")
def certified_by_global(person, role) -> str:
    """ "name, role" of who certified (templates)."""
    return queries.certified_by(person, role)
