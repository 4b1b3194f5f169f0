"""Partner organisations: their page, members, opportunities, applicants, check-in."""

import io
from collections.abc import Callable
from datetime import datetime, time, timedelta

import segno
import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from itsdangerous import BadSignature, URLSafeSerializer

from .. import access
from ..access import role_required
from ..applications import queries as application_queries
from ..applications import services as workflow
from ..applications.questions import (
    QuestionInput,
    add_question,
    answers_for,
    remove_question,
)
from ..auth.limits import member_invite_limit
from ..edonation.services import verified_details
from ..expo import EXPO_LAT, EXPO_LON, EXPO_PLACE, EXPO_PLACE_EN, next_expo_days
from ..exports import (
    csv_response,
    local_date,
    local_time,
    timestamp,
    wants_machine_csv,
)
from ..extensions import db
from ..geo import distance_km
from ..i18n import BANGKOK, to_bangkok
from ..labels import ATTENDANCE_LABELS, STATUS_LABELS
from ..links import public_url
from ..main import queries
from ..models import (
    Application,
    ApplicationStatus,
    Cause,
    Membership,
    Opportunity,
    OpportunityStatus,
    Organization,
    OrganizationStatus,
    Question,
    Role,
    Shift,
    Skill,
    User,
    VolunteerProfile,
    utcnow,
)
from ..privacy.consents import profile_not_shared
from ..privacy.services import log_staff_view
from ..recommendations import shown_distance, suggest_for_shifts
from ..web import (
    committing,
    language_choices,
    taxonomy_choices,
)
from . import opportunities as posting
from . import services
from .forms import (
    AttendanceForm,
    DecisionForm,
    MemberForm,
    OpportunityForm,
    OrganizationForm,
    QuestionForm,
)

bp = Blueprint("organizations", __name__)

SUGGESTED_SHOWN = 5


def _organization_input(form: OrganizationForm) -> services.OrganizationInput:
    return services.OrganizationInput(
        name_th=form.name_th.data or "",
        name_en=form.name_en.data or "",
        description=form.description.data or "",
        causes=form.causes.data or [],
        website=form.website.data,
        contact_email=form.contact_email.data,
        contact_phone=form.contact_phone.data,
    )


@bp.get("/organizations/mine")
@role_required(Role.ORGANIZER)
def mine():
    """The organisations the caller is a member of."""
    memberships = db.session.scalars(
        sa.select(Membership)
        .where(Membership.user_id == current_user.id, Membership.is_active)
        .options(so.joinedload(Membership.organization))
        .order_by(Membership.created_at)
    ).all()
    return render_template(
        "organizations/mine.html",
        memberships=memberships,
        invitations=services.pending_invitations(current_user),
    )


@bp.route("/organizations/new", methods=["GET", "POST"])
@role_required(Role.ORGANIZER)
def register():
    """Register an organisation; staff verify it before it can publish."""
    form = OrganizationForm()
    form.causes.choices = taxonomy_choices(Cause)
    if form.validate_on_submit():
        done = _("Registered. Expo staff will verify your organisation soon.")
        with committing(done, form=form) as registered:
            organization = services.register_organization(
                current_user, _organization_input(form)
            )
        if registered:
            return redirect(url_for(".dashboard", organization_id=organization.id))
    return render_template("organizations/edit.html", form=form, organization=None)


@bp.get("/organizations/<int:organization_id>")
def profile(organization_id: int):
    """An organisation's public page with its open opportunities."""
    organization = services.visible_organization(current_user, organization_id)
    now = utcnow()
    opportunities = db.session.scalars(
        queries.listed_opportunities(now)
        .where(Opportunity.organization_id == organization.id)
        .order_by(queries.next_shift_start(now))
    ).all()
    is_member = access.can_act_for(current_user, organization)
    return render_template(
        "organizations/profile.html",
        organization=organization,
        opportunities=opportunities,
        is_member=is_member,
        donate=verified_details({organization.id}).get(organization.id),
    )


@bp.route("/organizations/<int:organization_id>/edit", methods=["GET", "POST"])
@role_required(Role.ORGANIZER)
def edit(organization_id: int):
    """Edit the organisation's public page (members)."""
    organization = access.get_organization_or_404(
        organization_id, for_user=current_user, action=access.ACT
    )
    form = OrganizationForm(obj=organization)
    form.causes.choices = taxonomy_choices(Cause)
    if request.method == "GET":
        form.causes.data = [cause.slug for cause in organization.causes]
    if form.validate_on_submit():
        # A rejected organisation fixes its details and goes back to the staff.
        resubmit = organization.status is OrganizationStatus.REJECTED
        with committing(form=form) as saved:
            services.update_organization(
                current_user, organization, _organization_input(form)
            )
            if resubmit:
                services.resubmit_organization(current_user, organization)
        if saved:
            name = organization.name(str(get_locale()))
            if resubmit:
                flash(
                    _(
                        "%(name)s was sent to the expo staff for verification again.",
                        name=name,
                    ),
                    "success",
                )
            else:
                flash(_("%(name)s: your changes are saved.", name=name), "success")
            return redirect(url_for(".dashboard", organization_id=organization.id))
    return render_template(
        "organizations/edit.html", form=form, organization=organization
    )


@bp.get("/organizations/<int:organization_id>/dashboard")
@role_required(Role.ORGANIZER)
def dashboard(organization_id: int):
    """The organisation's opportunities (every status) and members."""
    organization = access.get_organization_or_404(
        organization_id, for_user=current_user, action=access.VIEW
    )
    return _dashboard_page(organization, MemberForm())


def _dashboard_page(organization: Organization, member_form: MemberForm):
    """The dashboard, with the invite form as sent (its errors next to the field)."""
    opportunities = db.session.scalars(
        sa.select(Opportunity)
        .where(Opportunity.organization_id == organization.id)
        .options(so.selectinload(Opportunity.shifts))
        .order_by(Opportunity.created_at.desc())
    ).all()
    members = db.session.scalars(
        sa.select(Membership)
        .where(Membership.organization_id == organization.id)
        .options(so.joinedload(Membership.user))
        .order_by(Membership.created_at)
    ).all()
    return render_template(
        "organizations/dashboard.html",
        organization=organization,
        opportunities=opportunities,
        members=members,
        member_form=member_form,
        now=utcnow(),
    )


@bp.post("/organizations/<int:organization_id>/members")
@role_required(Role.ORGANIZER)
@member_invite_limit
def add_member(organization_id: int):
    """Invite a colleague to become a member (admins of verified organisations)."""
    organization = access.get_organization_or_404(
        organization_id, for_user=current_user, action=access.ADMIN
    )
    form = MemberForm()
    if form.validate_on_submit():
        invited = _(
            "We invited %(email)s. They become a member once they accept.",
            email=form.email.data,
        )
        # The address field is there to point at only once the organisation is verified.
        on = "email" if organization.is_verified else None
        with committing(invited, form=form, errors_on=on) as done:
            services.invite_member(current_user, organization, form.email.data)
        if done:
            return redirect(url_for(".dashboard", organization_id=organization_id))
    # Shown again with the error next to the address (an unknown or mistyped one).
    return _dashboard_page(organization, form)


@bp.get("/memberships")
@role_required(Role.ORGANIZER)
def invitations():
    """The invitations to organisations waiting for the caller's answer."""
    return render_template(
        "organizations/invitations.html",
        invitations=services.pending_invitations(current_user),
    )


@bp.post("/memberships/<int:membership_id>/<any(accept, decline):answer>")
@role_required(Role.ORGANIZER)
def answer_invitation(membership_id: int, answer: str):
    """Accept or decline an invitation (only the invited person; others 404)."""
    with committing() as saved:
        if answer == "accept":
            membership = services.accept_invitation(current_user, membership_id)
        else:
            membership = services.decline_invitation(current_user, membership_id)
    if not saved:
        return redirect(url_for(".invitations"))
    name = membership.organization.name(str(get_locale()))
    if answer == "accept":
        flash(_("You are now a member of %(name)s.", name=name), "success")
        return redirect(
            url_for(".dashboard", organization_id=membership.organization_id)
        )
    flash(_("You declined the invitation of %(name)s.", name=name), "info")
    return redirect(url_for(".invitations"))


def _prepare_opportunity_form(form: OpportunityForm) -> None:
    form.causes.choices = taxonomy_choices(Cause)
    form.skills.choices = taxonomy_choices(Skill)
    form.nice_to_have_skills.choices = form.skills.choices
    form.languages.choices = language_choices()
    # Ticking "held at the expo" fills the expo's place (static/js/app.js).
    form.is_expo.render_kw = {
        "data-expo-place": EXPO_PLACE_EN if str(get_locale()) == "en" else EXPO_PLACE,
        "data-expo-place-input": "#place",
        "data-expo-lat": EXPO_LAT,
        "data-expo-lon": EXPO_LON,
    }


def _shift_inputs(form: OpportunityForm) -> list[posting.ShiftInput]:
    """Filled shift rows, and the expo quick-add rows, as service input."""
    shifts = []
    for row in form.shifts.entries:
        data = row.form
        if not (data.day.data or data.start.data or data.end.data or data.id.data):
            continue
        start = end = None
        if data.day.data and data.start.data and data.end.data:
            start = datetime.combine(data.day.data, data.start.data, BANGKOK)
            end = datetime.combine(data.day.data, data.end.data, BANGKOK)
            if end < start:  # 22:00–02:00: it ends on the next day
                end += timedelta(days=1)
        shifts.append(
            posting.ShiftInput(
                id=int(data.id.data) if data.id.data else None,
                start=start,
                end=end,
                capacity=data.capacity.data or 0,
            )
        )
    capacity = form.expo_capacity.data or 10
    for wanted, (begin, finish) in (
        (form.expo_morning.data, (time(9), time(13))),
        (form.expo_afternoon.data, (time(13), time(17))),
    ):
        if wanted:
            for day in next_expo_days(to_bangkok(utcnow()).date()):
                shifts.append(
                    posting.ShiftInput(
                        start=datetime.combine(day, begin, BANGKOK),
                        end=datetime.combine(day, finish, BANGKOK),
                        capacity=capacity,
                    )
                )
    return shifts


def _opportunity_input(
    form: OpportunityForm, opportunity=None
) -> posting.OpportunityInput:
    place, lat, lon = (form.place.data or "").strip(), form.lat.data, form.lon.data
    if lat is None or lon is None:
        lat = lon = None
        if opportunity is not None and place == (opportunity.location_label or ""):
            place = ""
    else:
        place = ""
    return posting.OpportunityInput(
        title=form.title.data,
        description=form.description.data or "",
        causes=form.causes.data or [],
        skills=form.skills.data or [],
        nice_to_have_skills=form.nice_to_have_skills.data or [],
        languages=form.languages.data or [],
        remote=form.remote.data,
        place=place or None,
        lat=lat,
        lon=lon,
        approval_mode=form.approval_mode.data,
        accessibility=form.accessibility.data or "",
        # 0 clears a minimum age; the service stores it as none.
        min_age=form.min_age.data or 0,
        # 0 (or empty) keeps every place: no release.
        release_unconfirmed_hours=form.release_unconfirmed_hours.data or 0,
        is_expo=form.is_expo.data,
        shifts=_shift_inputs(form),
    )


@bp.route(
    "/organizations/<int:organization_id>/opportunities/new", methods=["GET", "POST"]
)
@role_required(Role.ORGANIZER)
def new_opportunity(organization_id: int):
    """Post an opportunity: save as a draft, or publish when verified."""
    organization = access.get_organization_or_404(
        organization_id, for_user=current_user, action=access.ACT
    )
    form = OpportunityForm()
    _prepare_opportunity_form(form)
    if form.validate_on_submit():
        publish = request.form.get("action") == "publish"
        with committing(form=form) as saved:
            opportunity = posting.create_opportunity(
                current_user, organization, _opportunity_input(form), publish
            )
        if saved:
            title = opportunity.title
            flash(
                _("“%(title)s” is published.", title=title)
                if publish
                else _("“%(title)s” is saved as a draft.", title=title),
                "success",
            )
            return redirect(url_for(".dashboard", organization_id=organization.id))
    return render_template(
        "organizations/opportunity_form.html",
        form=form,
        organization=organization,
        opportunity=None,
    )


@bp.route("/manage/opportunities/<int:opportunity_id>/edit", methods=["GET", "POST"])
@role_required(Role.ORGANIZER)
def edit_opportunity(opportunity_id: int):
    """Edit an opportunity and its shifts."""
    opportunity = access.get_opportunity_or_404(
        opportunity_id, for_user=current_user, action=access.ACT
    )
    form = OpportunityForm(obj=opportunity)
    _prepare_opportunity_form(form)
    if request.method == "GET":
        form.causes.data = [cause.slug for cause in opportunity.causes]
        form.skills.data = [skill.slug for skill in opportunity.required_skills]
        form.nice_to_have_skills.data = [
            skill.slug for skill in opportunity.nice_to_have_skills
        ]
        form.place.data = opportunity.location_label or ""
        form.lat.data = form.lon.data = None
        while len(form.shifts.entries):
            form.shifts.pop_entry()
        for shift in opportunity.shifts:
            start, end = to_bangkok(shift.starts_at), to_bangkok(shift.ends_at)
            form.shifts.append_entry(
                {
                    "id": shift.id,
                    "day": start.date(),
                    "start": start.time(),
                    "end": end.time(),
                    "capacity": shift.capacity,
                }
            )
        form.shifts.append_entry()
    if form.validate_on_submit():
        saved_title = _("“%(title)s” is saved.", title=form.title.data)
        with committing(saved_title, form=form) as saved:
            posting.update_opportunity(
                current_user, opportunity, _opportunity_input(form, opportunity)
            )
        if saved:
            return redirect(
                url_for(".dashboard", organization_id=opportunity.organization_id)
            )
    return render_template(
        "organizations/opportunity_form.html",
        form=form,
        organization=opportunity.organization,
        opportunity=opportunity,
    )


def _opportunity(opportunity_id: int, action: str) -> Opportunity:
    return access.get_opportunity_or_404(
        opportunity_id, for_user=current_user, action=action
    )


@bp.post("/manage/opportunities/<int:opportunity_id>/publish")
@role_required(Role.ORGANIZER)
def publish_opportunity(opportunity_id: int):
    """Open an opportunity to volunteers (verified organisations)."""
    opportunity = _opportunity(opportunity_id, access.ACT)
    with committing(_("“%(title)s” is published.", title=opportunity.title)):
        posting.publish_opportunity(current_user, opportunity)
    return redirect(url_for(".dashboard", organization_id=opportunity.organization_id))


@bp.post("/manage/opportunities/<int:opportunity_id>/close")
@role_required(Role.ORGANIZER)
def close_opportunity(opportunity_id: int):
    """Stop new applications."""
    opportunity = _opportunity(opportunity_id, access.ACT)
    closed = _("“%(title)s” is closed: no new applications.", title=opportunity.title)
    with committing(closed, kind="info"):
        posting.close_opportunity(current_user, opportunity)
    return redirect(url_for(".dashboard", organization_id=opportunity.organization_id))


def _applicants(opportunity: Opportunity) -> list[Application]:
    return list(db.session.scalars(application_queries.applications_to(opportunity.id)))


@bp.get("/manage/opportunities/<int:opportunity_id>/applicants")
@role_required(Role.ORGANIZER)
def applicants(opportunity_id: int):
    """Applicants per shift: skills they have vs. need, distance, message."""
    opportunity = _opportunity(opportunity_id, access.VIEW)
    applications = _applicants(opportunity)
    not_shared = profile_not_shared([a.volunteer_id for a in applications])
    profiles = _profiles_of(
        [a.volunteer_id for a in applications if a.volunteer_id not in not_shared]
    )
    needed = {skill.slug for skill in opportunity.required_skills}
    summaries = {}
    for application in applications:
        if application.volunteer_id in not_shared:
            summaries[application.id] = {"shared": False}
            continue
        profile = profiles.get(application.volunteer_id)
        held = {skill.slug for skill in profile.skills} if profile else set()
        distance = None
        if profile and profile.lat is not None and not opportunity.remote:
            distance = shown_distance(
                distance_km(profile.lat, profile.lon, opportunity.lat, opportunity.lon)
            )
        summaries[application.id] = {
            "shared": True,
            "profile": profile,
            "skills_met": len(needed & held),
            "distance": distance,
        }
    now = utcnow()
    upcoming = [shift for shift in opportunity.shifts if shift.starts_at > now]
    suggested = {}
    if upcoming and opportunity.status is OpportunityStatus.PUBLISHED:
        suggested = suggest_for_shifts(
            opportunity, upcoming, now, SUGGESTED_SHOWN, str(get_locale())
        )
    by_shift: dict[int, list[Application]] = {
        shift.id: [] for shift in opportunity.shifts
    }
    for application in applications:
        by_shift[application.shift_id].append(application)
    shown = [a.volunteer_id for a in applications] + [
        item.volunteer.id for items in suggested.values() for item in items
    ]
    page = render_template(
        "organizations/applicants.html",
        opportunity=opportunity,
        by_shift=by_shift,
        summaries=summaries,
        answers=answers_for(applications),
        needed=len(needed),
        form=DecisionForm(),
        suggested=suggested,
        can_act=access.can_manage(current_user, opportunity),
    )
    if log_staff_view(
        current_user, "applicants", shown, opportunity, opportunity.organization_id
    ):
        db.session.commit()
    return page


@bp.post("/manage/shifts/<int:shift_id>/invite")
@role_required(Role.ORGANIZER)
def invite(shift_id: int):
    """Invite a suggested volunteer to a shift."""
    shift = access.get_shift_or_404(shift_id, for_user=current_user, action=access.ACT)
    volunteer_id = request.form.get("volunteer_id", type=int) or 0
    volunteer = db.session.get(User, volunteer_id) if 0 < volunteer_id < 2**31 else None
    # An unknown id gets the same answer from the service as anyone not invitable.
    sent = (
        _("Invitation sent to %(name)s.", name=volunteer.display_name)
        if volunteer
        else ""
    )
    with committing(sent):
        workflow.invite_volunteer(current_user, shift.id, volunteer)
    return redirect(
        url_for(".applicants", opportunity_id=shift.opportunity_id)
        + f"#shift-{shift.id}"
    )


def _profiles_of(volunteer_ids: list[int]) -> dict:
    rows = db.session.scalars(
        sa.select(VolunteerProfile)
        .where(VolunteerProfile.user_id.in_(volunteer_ids))
        .options(so.selectinload(VolunteerProfile.skills))
    )
    return {row.user_id: row for row in rows}


# The stable columns of `?format=machine` (docs/exports.md): never renamed.
APPLICANT_COLUMNS = (
    "application_id",
    "shift_start",
    "shift_end",
    "volunteer",
    "email",
    "status",
    "message",
    "attendance",
    "hours",
)
# What people see in a spreadsheet: their language, dates and times apart.
APPLICANT_HEADERS = (
    _l("Application"),
    _l("Start date"),
    _l("Start time"),
    _l("End date"),
    _l("End time"),
    _l("Volunteer"),
    _l("E-mail"),
    _l("Status"),
    _l("Message"),
    _l("Attendance"),
    _l("Hours"),
)


def _applicant_row(application: Application, email: str, machine: bool) -> list:
    """One applicant's CSV row: codes and timestamps, or words, dates and times."""
    shift = application.shift
    hours = application.hours if application.hours is not None else ""
    if machine:
        return [
            application.id,
            timestamp(shift.starts_at),
            timestamp(shift.ends_at),
            application.volunteer.display_name,
            email,
            application.status.value,
            application.message,
            application.attendance.value if application.attendance else "",
            hours,
        ]
    attendance = application.attendance
    return [
        application.id,
        local_date(shift.starts_at),
        local_time(shift.starts_at),
        local_date(shift.ends_at),
        local_time(shift.ends_at),
        application.volunteer.display_name,
        email,
        str(STATUS_LABELS[application.status]),
        application.message,
        str(ATTENDANCE_LABELS[attendance]) if attendance else "",
        hours,
    ]


@bp.get("/manage/opportunities/<int:opportunity_id>/applicants.csv")
@role_required(Role.ORGANIZER)
def applicants_csv(opportunity_id: int):
    """Every applicant as CSV (UTF-8 with BOM, so Excel shows Thai).

    In the user's language with local dates and times; ``?format=machine`` gives
    the stable columns of APPLICANT_COLUMNS.
    """
    opportunity = _opportunity(opportunity_id, access.VIEW)
    applications = _applicants(opportunity)
    not_shared = profile_not_shared([a.volunteer_id for a in applications])
    machine = wants_machine_csv()
    questions = opportunity.questions
    answers = answers_for(applications)
    locale = str(get_locale())
    rows = [
        [
            *_applicant_row(
                application,
                application.volunteer.email
                if application.volunteer_id not in not_shared
                else _("Profile not shared"),
                machine,
            ),
            *(answers[application.id].get(q.label(locale), "") for q in questions),
        ]
        for application in applications
    ]
    if log_staff_view(
        current_user,
        "applicants_csv",
        [a.volunteer_id for a in applications],
        opportunity,
        opportunity.organization_id,
    ):
        db.session.commit()
    headers = APPLICANT_COLUMNS if machine else APPLICANT_HEADERS
    columns = (*headers, *(q.label(locale) for q in questions))
    return csv_response(columns, rows, f"applicants-{opportunity.id}")


def _decide(
    application_id: int, action, done: Callable[[str], str], *args
) -> Application:
    """Load an application its organisation's member may act on, act, commit.

    `done` gives the message from the volunteer's name.
    """
    application = access.get_application_or_404(
        application_id, for_user=current_user, action=access.ACT
    )
    with committing(done(application.volunteer.display_name)):
        action(current_user, application, *args)
    return application


@bp.post("/manage/applications/<int:application_id>/accept")
@role_required(Role.ORGANIZER)
def accept(application_id: int):
    """Accept a pending application (a spot must be left)."""
    return _decide_with_message(
        application_id,
        workflow.accept_application,
        lambda name: _("%(name)s is accepted.", name=name),
    )


@bp.post("/manage/applications/<int:application_id>/decline")
@role_required(Role.ORGANIZER)
def decline(application_id: int):
    """Decline a pending or waitlisted application."""
    return _decide_with_message(
        application_id,
        workflow.decline_application,
        lambda name: _("%(name)s is declined; they see your message.", name=name),
    )


@bp.route(
    "/manage/opportunities/<int:opportunity_id>/questions", methods=["GET", "POST"]
)
@role_required(Role.ORGANIZER)
def questions(opportunity_id: int):
    """The questions the apply form asks; add one at the end."""
    opportunity = _opportunity(opportunity_id, access.ACT)
    form = QuestionForm()
    if form.validate_on_submit():
        data = QuestionInput(
            kind=form.kind.data,
            label_th=form.label_th.data or "",
            label_en=form.label_en.data or "",
            choices=form.choices.data or "",
            required=form.required.data,
        )
        with committing(_("Question added."), form=form) as saved:
            add_question(current_user, opportunity, data)
        if saved:
            return redirect(url_for(".questions", opportunity_id=opportunity.id))
    return render_template(
        "organizations/questions.html", opportunity=opportunity, form=form
    )


@bp.post("/manage/questions/<int:question_id>/delete")
@role_required(Role.ORGANIZER)
def delete_question(question_id: int):
    """Remove a question from the apply form."""
    question = db.session.get(Question, question_id)
    if question is None:
        abort(404)
    opportunity_id = question.opportunity_id
    with committing(_("Question removed."), kind="info"):
        remove_question(current_user, question_id)
    return redirect(url_for(".questions", opportunity_id=opportunity_id))


@bp.post("/manage/opportunities/<int:opportunity_id>/applicants/accept")
@role_required(Role.ORGANIZER)
def accept_many(opportunity_id: int):
    """Accept the ticked applicants at once: all of them, or none (named why)."""
    opportunity = _opportunity(opportunity_id, access.ACT)
    ids = [
        int(value)
        for value in request.form.getlist("application_id")
        if value.isdigit() and 0 < int(value) < 2**31
    ][:500]
    back = url_for(".applicants", opportunity_id=opportunity.id)
    if not ids:
        flash(_("Tick the applicants to accept first."), "warning")
        return redirect(back)
    count = len(dict.fromkeys(ids))
    done = ngettext(
        "%(num)d applicant accepted.", "%(num)d applicants accepted.", count
    )
    with committing(done):
        workflow.accept_many(current_user, opportunity.id, ids)
    return redirect(back)


def _decide_with_message(application_id: int, action, done: Callable[[str], str]):
    """Apply a decision with the message to the volunteer; back to the applicants."""
    message = DecisionForm().message.data or ""
    application = _decide(application_id, action, done, message)
    return redirect(_back_to_applicants(application))


def _back_to_applicants(application: Application) -> str:
    return (
        url_for(".applicants", opportunity_id=application.shift.opportunity_id)
        + f"#shift-{application.shift_id}"
    )


def _check_in_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="shift-check-in")


@bp.get("/manage/shifts/<int:shift_id>/check-in")
@role_required(Role.ORGANIZER)
def check_in_page(shift_id: int):
    """On the day: mark attendance; the QR code lets volunteers check themselves in."""
    shift = access.get_shift_or_404(shift_id, for_user=current_user, action=access.VIEW)
    return _check_in(shift)


def _check_in(
    shift: Shift, problems: dict[int, list[str]] | None = None, status: int = 200
):
    """The check-in page; `problems` are hours refused, by application id."""
    applications = [
        a
        for a in db.session.scalars(application_queries.applications_to_shift(shift.id))
        if a.status is ApplicationStatus.APPROVED
    ]
    page = render_template(
        "organizations/check_in.html",
        shift=shift,
        applications=applications,
        form=AttendanceForm(),
        hours={a.id: workflow.suggested_hours(shift, a.hours) for a in applications},
        max_hours=workflow.max_hours(shift),
        problems=problems or {},
        can_act=access.can_manage(current_user, shift),
        started=shift.starts_at <= utcnow(),
    )
    if log_staff_view(
        current_user,
        "check_in",
        [a.volunteer_id for a in applications],
        shift,
        shift.opportunity.organization_id,
    ):
        db.session.commit()
    return page, status


@bp.get("/manage/shifts/<int:shift_id>/qr.svg")
@role_required(Role.ORGANIZER)
def check_in_qr(shift_id: int):
    """The shift's check-in QR code (SVG), to print or show on a screen."""
    shift = access.get_shift_or_404(shift_id, for_user=current_user, action=access.VIEW)
    token = _check_in_serializer().dumps(shift.id)
    url = public_url("organizations.self_check_in", shift_id=shift.id, token=token)
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=8, border=2)
    return Response(out.getvalue(), mimetype="image/svg+xml")


def save_attendance(application: Application) -> list[str] | None:
    """Record the attendance posted for an application (check-in and floor pages).

    None when it is recorded, or refused with a message flashed; else the hours'
    problems to show next to that volunteer's row.
    """
    form = AttendanceForm()
    attended = request.form.get("attended") == "yes"
    if form.validate() or not attended:
        hours = form.hours.data if attended else None
        with committing(form=form) as recorded:
            workflow.record_attendance(current_user, application, attended, hours)
        if recorded:
            flash(_attendance_message(application, attended), "success")
        if recorded or not form.hours.errors:
            return None
    return list(form.hours.errors or form.form_errors)


def _attendance_message(application: Application, attended: bool) -> str:
    """What was recorded, naming the volunteer."""
    name = application.volunteer.display_name
    if attended:
        return _(
            "%(name)s attended: %(hours)s hours recorded.",
            name=name,
            hours=f"{application.hours or 0:g}",
        )
    return _("%(name)s is marked as not coming.", name=name)


@bp.post("/manage/applications/<int:application_id>/attendance")
@role_required(Role.ORGANIZER)
def attendance(application_id: int):
    """Record attended (with hours) or no-show; refused hours show by the field."""
    application = access.get_application_or_404(
        application_id, for_user=current_user, action=access.ACT
    )
    problems = save_attendance(application)
    if problems is None:
        return redirect(url_for(".check_in_page", shift_id=application.shift_id))
    return _check_in(application.shift, {application.id: problems}, status=422)


@bp.route("/check-in/<int:shift_id>/<token>", methods=["GET", "POST"])
@role_required(Role.VOLUNTEER)
def self_check_in(shift_id: int, token: str):
    """Where the shift's QR code leads: the volunteer checks themself in."""
    try:
        signed_id = _check_in_serializer().loads(token)
    except BadSignature:
        abort(404)
    if signed_id != shift_id:
        abort(404)
    shift = workflow.load_open_shift(shift_id)
    done = None
    if request.method == "POST":
        with committing(_("You are checked in. The organisation will confirm it.")):
            done = workflow.check_in(current_user, shift_id)
    return render_template("organizations/self_check_in.html", shift=shift, done=done)
