"""Groups' pages: my groups, a new group, joining with a code, the group's page,
reserving places on a shift, and the group's report (page and CSV)."""

from datetime import date

from flask import (
    Blueprint,
    current_app,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from ..access import role_required
from ..applications.services import load_open_shift
from ..exports import csv_response, wants_machine_csv
from ..extensions import limiter
from ..models import Group, GroupReservation, ReservationStatus, Role, utcnow
from ..web import committing
from . import report as reports
from . import services
from .forms import KIND_NAMES, GroupForm, JoinForm, PeriodForm, ReserveForm
from .tasks import release_unfilled_places  # noqa: F401  (registers the task)

bp = Blueprint("groups", __name__)

# Wrong codes per volunteer (guessing); a right code does not count.
join_failure_limit = limiter.shared_limit(
    lambda: current_app.config["GROUP_JOIN_FAILURE_LIMIT"],
    scope="group-join-failures",
    key_func=lambda: f"user:{current_user.get_id()}",
    methods=["POST"],
    deduct_when=lambda response: bool(g.get("group_code_failed")),
)


def _int_field(name: str) -> int:
    value = request.form.get(name, type=int) or 0
    return value if 0 < value < 2**31 else 0


# --- Template helpers (the opportunity page, an organisation's applicants) ----------


@bp.app_template_global()
def groups_led() -> list[Group]:
    """The open groups the current volunteer leads (to reserve places for)."""
    if not (current_user.is_authenticated and current_user.is_volunteer):
        return []
    if "groups_led" not in g:
        g.groups_led = [
            group
            for group in services.groups_of(current_user)
            if group.leader_id == current_user.id and group.closed_at is None
        ]
    return g.groups_led


@bp.app_template_global()
def group_reservations_on(shift) -> list[GroupReservation]:
    """The groups' reservations on a shift; one query for all its opportunity's."""
    cache = g.setdefault("group_reservations", {})
    if shift.id not in cache:
        ids = [each.id for each in shift.opportunity.shifts]
        for each in ids:
            cache[each] = []
        for reservation in services.reservations_on(ids):
            cache[reservation.shift_id].append(reservation)
    return cache[shift.id]


@bp.app_template_global()
def group_places_filled(reservation: GroupReservation) -> int:
    """How many of a reservation's places members hold now."""
    return services.filled_count(reservation)


@bp.app_template_global()
def shown_join_code(code: str) -> str:
    """A join code as people read it (ABCD-EFGH)."""
    return services.shown_code(code)


# --- My groups, a new group, joining ------------------------------------------------


@bp.get("/groups")
@role_required(Role.VOLUNTEER)
def mine():
    """The volunteer's groups, and the ways to start or join one."""
    return render_template(
        "groups/mine.html",
        groups=services.groups_of(current_user),
        kinds=KIND_NAMES,
    )


@bp.route("/groups/new", methods=["GET", "POST"])
@role_required(Role.VOLUNTEER)
def new():
    """Start a group: the volunteer leads it and gets its join code."""
    form = GroupForm()
    if form.validate_on_submit():
        done = _("Your group is ready. Share its join code.")
        with committing(done, form=form) as ok:
            group = services.create_group(current_user, form.name.data, form.kind.data)
        if ok:
            return redirect(url_for(".group", group_id=group.id))
    return render_template("groups/new.html", form=form)


@bp.route("/groups/join", methods=["GET", "POST"])
@role_required(Role.VOLUNTEER)
@join_failure_limit
def join():
    """Join a group with the code its leader shared (?code= fills it in)."""
    form = JoinForm()
    if request.method == "GET" and request.args.get("code"):
        form.code.data = request.args.get("code", "")[:20]
    if form.validate_on_submit():
        with committing(form=form) as ok:
            try:
                group = services.join_by_code(current_user, form.code.data)
            except services.WrongCode:
                g.group_code_failed = True
                raise
        if ok:
            return redirect(url_for(".group", group_id=group.id))
    return render_template("groups/join.html", form=form)


# --- The group's page and the leader's actions ------------------------------------


@bp.get("/groups/<int:group_id>")
@role_required(Role.VOLUNTEER)
def group(group_id: int):
    """Members (display names), reservations; the leader's tools."""
    group = services.get_group_for(current_user, group_id)
    now = utcnow()
    reservations = services.reservations_of(group)
    mine = {
        place.reservation_id
        for reservation in reservations
        for place in reservation.filled
        if place.application.volunteer_id == current_user.id
        and place.application.status.holds_spot
    }
    return render_template(
        "groups/group.html",
        group=group,
        members=services.members_of(group),
        reservations=reservations,
        mine=mine,
        kinds=KIND_NAMES,
        is_leader=group.leader_id == current_user.id,
        now=now,
        active=ReservationStatus.ACTIVE,
    )


@bp.post("/groups/<int:group_id>/code")
@role_required(Role.VOLUNTEER)
def rotate_code(group_id: int):
    """A new join code; the old one stops working."""
    group = services.get_group_for(current_user, group_id, leader=True)
    with committing(_("New join code made: the old one no longer works.")):
        services.rotate_code(current_user, group)
    return redirect(url_for(".group", group_id=group_id))


@bp.post("/groups/<int:group_id>/leave")
@role_required(Role.VOLUNTEER)
def leave(group_id: int):
    """Leave the group (its hours so far stay in its reports)."""
    group = services.get_group_for(current_user, group_id)
    with committing(_("You left the group."), kind="info") as left:
        services.leave_group(current_user, group)
    if left:
        return redirect(url_for(".mine"))
    return redirect(url_for(".group", group_id=group_id))


@bp.post("/groups/<int:group_id>/members/<int:user_id>/remove")
@role_required(Role.VOLUNTEER)
def remove_member(group_id: int, user_id: int):
    """The leader takes a member out of the group."""
    group = services.get_group_for(current_user, group_id, leader=True)
    with committing(_("The member was removed from the group."), kind="info"):
        services.remove_member(current_user, group, user_id)
    return redirect(url_for(".group", group_id=group_id))


@bp.post("/groups/<int:group_id>/leader")
@role_required(Role.VOLUNTEER)
def hand_over(group_id: int):
    """The leader makes another member the leader."""
    group = services.get_group_for(current_user, group_id, leader=True)
    with committing(_("You handed the group over.")):
        services.hand_over(current_user, group, _int_field("user_id"))
    return redirect(url_for(".group", group_id=group_id))


# --- Reserving places on a shift -----------------------------------------------------


@bp.route("/groups/reserve/<int:shift_id>", methods=["GET", "POST"])
@role_required(Role.VOLUNTEER)
def reserve(shift_id: int):
    """Reserve places on a shift for a group the volunteer leads."""
    shift = load_open_shift(shift_id)
    led = groups_led()
    form = ReserveForm()
    if request.method == "POST":
        chosen = _int_field("group_id")
        group = services.get_group_for(current_user, chosen, leader=True)
        if form.validate_on_submit():
            with committing(
                _("Places reserved. Members can take them on the group's page."),
                form=form,
                errors_on="places",
            ) as ok:
                services.reserve_places(current_user, group, shift.id, form.places.data)
            if ok:
                return redirect(url_for(".group", group_id=group.id))
    return render_template(
        "groups/reserve.html",
        shift=shift,
        groups=led,
        form=form,
        release_hours=services.release_hours(),
    )


@bp.post("/groups/reservations/<int:reservation_id>/join")
@role_required(Role.VOLUNTEER)
def join_reservation(reservation_id: int):
    """A member takes one of the group's places on the shift."""
    reservation = services.get_reservation_for(current_user, reservation_id)
    with committing(_("The place is yours. See it under My shifts.")):
        services.join_reservation(current_user, reservation.id)
    return redirect(url_for(".group", group_id=reservation.group_id))


@bp.post("/groups/reservations/<int:reservation_id>/cancel")
@role_required(Role.VOLUNTEER)
def cancel_reservation(reservation_id: int):
    """The leader gives the unfilled places back to the shift now."""
    reservation = services.get_reservation_for(current_user, reservation_id)
    services.get_group_for(current_user, reservation.group_id, leader=True)
    with committing(_("The unfilled places went back to the shift."), kind="info"):
        services.cancel_reservation(current_user, reservation)
    return redirect(url_for(".group", group_id=reservation.group_id))


# --- The report ----------------------------------------------------------------------


# Reports cover the platform's years, not year 1 or 9999 (no date overflow).
EARLIEST, LATEST = date(2000, 1, 1), date(2199, 12, 31)


def _period(form: PeriodForm):
    """The asked period, or this year; a reversed or broken one is said so."""
    start, end = reports.default_period()
    problem = None
    if form.validate():
        start = form.start.data or start
        end = form.end.data or end
    else:
        problem = _("Give dates as year-month-day, for example 2027-01-31.")
    if not (EARLIEST <= start <= LATEST and EARLIEST <= end <= LATEST):
        start, end = reports.default_period()
        problem = _(
            "Choose dates between %(first)s and %(last)s.",
            first=EARLIEST.year,
            last=LATEST.year,
        )
    if start > end:
        problem = _("The start of the period is after its end: they were swapped.")
        start, end = end, start
    return start, end, problem


def _report(group_id: int):
    group = services.get_group_for(current_user, group_id, leader=True)
    form = PeriodForm(request.args)
    start, end, problem = _period(form)
    return (
        reports.group_report(group, start, end, str(get_locale())),
        form,
        problem,
    )


@bp.get("/groups/<int:group_id>/report")
@role_required(Role.VOLUNTEER)
def report(group_id: int):
    """The printable report: hours and their value by member, opportunity, cause."""
    result, form, problem = _report(group_id)
    form.start.data, form.end.data = result.start, result.end
    return render_template(
        "groups/report.html",
        report=result,
        form=form,
        problem=problem,
        kinds=KIND_NAMES,
        printed_at=utcnow(),
    )


@bp.get("/groups/<int:group_id>/report.csv")
@role_required(Role.VOLUNTEER)
def report_csv(group_id: int):
    """The report as CSV: one line per member, opportunity and cause, then the total.

    In the user's language; ``?format=machine`` gives the stable columns
    breakdown, key, name, hours, value_thb, left_group.
    """
    result, _form, _problem = _report(group_id)
    machine = wants_machine_csv()
    sections = (
        ("member", _("Member"), result.by_member),
        ("opportunity", _("Opportunity"), result.by_opportunity),
        ("cause", _("Cause"), result.by_cause),
    )
    rows = []
    for code, label, lines in sections:
        for line in lines:
            left = line.left if code == "member" else ""
            if machine:
                rows.append(
                    [code, line.key, line.name, line.hours, line.value_thb, left]
                )
            else:
                shown_left = _("yes") if left else ""
                rows.append([label, line.name, line.hours, line.value_thb, shown_left])
    if machine:
        headers = ["breakdown", "key", "name", "hours", "value_thb", "left_group"]
        rows.append(["total", "", "", result.total_hours, result.total_value_thb, ""])
    else:
        headers = [
            _("Breakdown"),
            _("Name"),
            _("Hours"),
            _("Value (THB)"),
            _("Left the group"),
        ]
        rows.append([_("Total"), "", result.total_hours, result.total_value_thb, ""])
    filename = f"group-{result.group.id}-{result.start}-{result.end}"
    return csv_response(headers, rows, filename)
