"""The expo floor's pages: the coverage board, a shift's floor page, rosters."""

from datetime import date

import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import access
from ..applications import services as workflow
from ..errors import Forbidden
from ..expo import next_expo_days
from ..exports import csv_response
from ..extensions import db
from ..floaters.services import short_shifts
from ..i18n import to_bangkok
from ..inputs import day_in_range, record_id
from ..models import ApplicationStatus, Organization, OrganizationStatus, utcnow
from ..organizations.forms import AttendanceForm
from ..organizations.views import save_attendance
from ..privacy.services import log_lead_view
from ..web import committing
from . import coverage as board
from . import leads, roster

bp = Blueprint("floor", __name__)


@bp.app_template_global()
def shifts_i_lead(applications: list) -> list[tuple]:
    """(application, open now) for each shift the current user leads (my shifts).

    The roster opens on the shift's day only, so the page links it only then.
    """
    led = leads.shifts_led_by(current_user, [a.shift_id for a in applications])
    now = utcnow()
    return [
        (a, access.lead_window(a.shift)[0] <= now < access.lead_window(a.shift)[1])
        for a in applications
        if a.shift_id in led and a.status is ApplicationStatus.APPROVED
    ]


@bp.app_template_global()
def is_floor_member(organization: Organization) -> bool:
    """Whether the current user may open the organisation's rosters (a member)."""
    return access.is_member(current_user, organization)


def _day_arg() -> date:
    """The `day` asked for (YYYY-MM-DD), or today in Bangkok."""
    try:
        day = date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        return board.today_in_bangkok()
    return day if day_in_range(day) else board.today_in_bangkok()


def _board_rows() -> dict:
    """What the board and its refreshing rows show, for the asked day and filters."""
    day = _day_arg()
    organization_id = record_id(request.args.get("organization_id"))
    zone = (request.args.get("zone") or "").strip()[:200] or None
    organization_ids = board.board_organizations(current_user, organization_id)
    rows = board.coverage(day, organization_ids, zone)
    wall = request.args.get("wall") == "1"
    return {
        "day": day,
        "rows": rows,
        "zone": zone,
        "organization_id": organization_id,
        "refreshed_at": utcnow(),
        "wall": wall,
        # The short shifts running now or soon, to show the floaters free for each.
        "gap_shifts": {}
        if wall
        else {gap.shift.id: gap.shift for gap in short_shifts(current_user)},
    }


@bp.get("/floor/board")
@login_required
def board_page():
    """The live coverage board of a day (staff: all; members: their organisations)."""
    shown = _board_rows()
    organizations = []
    if current_user.is_staff:
        organizations = list(
            db.session.scalars(
                sa.select(Organization)
                .where(Organization.status == OrganizationStatus.VERIFIED)
                .order_by(Organization.name_th)
            )
        )
    return render_template(
        "floor/board.html",
        **shown,
        zones=board.zones_of(shown["rows"]),
        organizations=organizations,
        expo_days=next_expo_days(board.today_in_bangkok()),
        refresh_seconds=current_app.config["FLOOR_BOARD_REFRESH_SECONDS"],
    )


@bp.get("/floor/board/rows")
@login_required
def board_rows():
    """The board's rows alone: the page fetches them to refresh itself."""
    return render_template("floor/_board_rows.html", **_board_rows())


def _floor_page(shift, problems: dict | None = None, status: int = 200):
    lines = roster.shift_roster(shift)
    is_member = access.is_member(current_user, shift)
    page = render_template(
        "floor/shift.html",
        shift=shift,
        lines=lines,
        is_member=is_member,
        form=AttendanceForm(),
        hours={
            line.application.id: workflow.suggested_hours(shift, line.application.hours)
            for line in lines
        },
        max_hours=workflow.max_hours(shift),
        started=shift.starts_at <= utcnow(),
        problems=problems or {},
        shift_day=to_bangkok(shift.starts_at).date().isoformat(),
    )
    if log_lead_view(
        current_user,
        "floor_shift",
        [line.application.volunteer_id for line in lines],
        shift,
        shift.opportunity.organization_id,
    ):
        db.session.commit()
    return page, status


@bp.get("/floor/shifts/<int:shift_id>")
@login_required
def shift_page(shift_id: int):
    """A shift on the day: its roster with phones, attendance, and its leads."""
    shift = access.get_shift_or_404(
        shift_id, for_user=current_user, action=access.ROSTER
    )
    return _floor_page(shift)


@bp.post("/floor/applications/<int:application_id>/attendance")
@login_required
def attendance(application_id: int):
    """Record attended (with hours) or no-show (members; the shift's lead)."""
    application = access.get_application_or_404(
        application_id, for_user=current_user, action=access.ATTEND
    )
    problems = save_attendance(application)
    if problems is None:
        return redirect(
            url_for(".shift_page", shift_id=application.shift_id)
            + f"#attendee-{application.id}"
        )
    return _floor_page(application.shift, {application.id: problems}, status=422)


@bp.post("/floor/shifts/<int:shift_id>/leads")
@login_required
def appoint_lead(shift_id: int):
    """Make a volunteer with an approved place the shift's lead (members)."""
    shift = access.get_shift_or_404(shift_id, for_user=current_user, action=access.ACT)
    volunteer_id = record_id(request.form.get("volunteer_id"))
    with committing(_("They lead this shift now.")):
        leads.appoint_lead(current_user, shift, volunteer_id or 0)
    return redirect(url_for(".shift_page", shift_id=shift.id))


@bp.post("/floor/shifts/<int:shift_id>/leads/<int:volunteer_id>/remove")
@login_required
def remove_lead(shift_id: int, volunteer_id: int):
    """The volunteer no longer leads the shift (members)."""
    shift = access.get_shift_or_404(shift_id, for_user=current_user, action=access.ACT)
    with committing(_("They no longer lead this shift.")):
        leads.remove_lead(current_user, shift, volunteer_id)
    return redirect(url_for(".shift_page", shift_id=shift.id))


@bp.get("/floor/shifts/<int:shift_id>/sign-in-sheet")
@login_required
def sign_in_sheet(shift_id: int):
    """A printable A4 sign-in sheet of the shift, in Thai."""
    shift = access.get_shift_or_404(
        shift_id, for_user=current_user, action=access.ROSTER
    )
    lines = [
        line
        for line in roster.shift_roster(shift)
        if line.application.status.holds_spot
    ]
    with force_locale("th"):
        page = render_template("floor/sign_in_sheet.html", shift=shift, lines=lines)
    if log_lead_view(
        current_user,
        "sign_in_sheet",
        [line.application.volunteer_id for line in lines],
        shift,
        shift.opportunity.organization_id,
    ):
        db.session.commit()
    return page


def _member_organization(organization_id: int) -> Organization:
    organization = access.get_organization_or_404(organization_id)
    if not access.is_member(current_user, organization):
        raise Forbidden(
            "not_a_member", _("Only the organisation's members can see its roster.")
        )
    return organization


@bp.get("/floor/organizations/<int:organization_id>/roster")
@login_required
def day_roster(organization_id: int):
    """Everyone on the organisation's shifts of a day (members)."""
    organization = _member_organization(organization_id)
    day = _day_arg()
    return render_template(
        "floor/day_roster.html",
        organization=organization,
        day=day,
        lines=roster.day_roster(organization.id, day),
        expo_days=next_expo_days(board.today_in_bangkok()),
    )


ROSTER_COLUMNS = (
    "shift_start",
    "shift_end",
    "opportunity",
    "place",
    "volunteer",
    "phone",
    "status",
    "attendance",
    "lead",
    "answers",
)


@bp.get("/floor/organizations/<int:organization_id>/roster.csv")
@login_required
def day_roster_csv(organization_id: int):
    """The day roster as CSV (UTF-8 with BOM, so Excel shows Thai)."""
    organization = _member_organization(organization_id)
    day = _day_arg()
    rows = [
        [
            to_bangkok(line.application.shift.starts_at).isoformat(timespec="minutes"),
            to_bangkok(line.application.shift.ends_at).isoformat(timespec="minutes"),
            line.application.shift.opportunity.title,
            line.application.shift.opportunity.location_label or "",
            line.application.volunteer.display_name,
            line.phone or "",
            line.application.status.value,
            line.application.attendance.value if line.application.attendance else "",
            "yes" if line.is_lead else "",
            roster.answers_text(line.answers),
        ]
        for line in roster.day_roster(organization.id, day)
    ]
    return csv_response(
        ROSTER_COLUMNS, rows, f"roster-{organization.id}-{day.isoformat()}"
    )
