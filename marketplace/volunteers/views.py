"""The volunteer journey: search, opportunity, apply, profile, my shifts, calendar."""

import segno
import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from .. import actions
from ..access import role_required
from ..applications import services as workflow
from ..applications.confirmations import awaits_answer
from ..applications.questions import field_name
from ..applications.reliability import attendance_record
from ..auth.limits import application_address_limit, application_limit
from ..caching import public_page, rendered, shared_fragment, shared_value
from ..errors import ValidationFailed
from ..extensions import db
from ..floaters.services import offers_of
from ..i18n import format_clock, format_day
from ..inputs import link_args, page_number
from ..labels import STATUS_LABELS
from ..links import public_url
from ..locations import geocode_place, unknown_place_message
from ..main import queries
from ..models import (
    Application,
    Cause,
    Notification,
    Opportunity,
    QuestionKind,
    Role,
    Shift,
    Skill,
    User,
    utcnow,
)
from ..models.taxonomy import opportunity_skill, volunteer_skill
from ..models.user import new_calendar_token
from ..privacy import minors
from ..service_hours.services import set_student_id
from ..walkin.services import returning_token
from ..web import (
    committing,
    language_choices,
    safe_next,
    show_field_errors,
    taxonomy_choices,
)
from . import profile as profiles
from .calendar import build_calendar
from .forms import ApplyForm, ProfileForm, SearchForm
from .search import (
    SearchFilters,
    map_points,
    parse_time_bound,
    search_opportunities,
)

bp = Blueprint("volunteers", __name__)

PAGE_SIZE = 12


def _filters_from(form: SearchForm) -> tuple[SearchFilters, str | None]:
    """Search filters from the form; a problem with "near" is reported, not fatal."""
    filters = SearchFilters(
        q=form.q.data or "",
        cause=form.cause.data or None,
        skills=form.skill.data or [],
        remote={"true": True, "false": False}.get(form.remote.data),
        within_km=float(form.within_km.data or 25),
    )
    if form.starts_after.data:
        filters.starts_after = parse_time_bound(
            form.starts_after.data.isoformat(), end=False
        )
    if form.starts_before.data:
        filters.starts_before = parse_time_bound(
            form.starts_before.data.isoformat(), end=True
        )
    problem = None
    if form.where.data:
        found = geocode_place(form.where.data)
        if found is None:
            problem = unknown_place_message(form.where.data)
        else:
            filters.near = (found.lat, found.lon)
    elif form.near_me.data:
        profile = current_user.profile if current_user.is_authenticated else None
        if profile is None or profile.lat is None:
            problem = _("Add where you live to your profile to search near you.")
        else:
            filters.near = (profile.lat, profile.lon)
    return filters, problem


@bp.get("/opportunities")
@public_page
def browse():
    """Search open opportunities: list and map, filters in the URL."""
    if request.args.get("near_me"):  # the person's own place: never shared
        content = rendered(_browse_content())
        return render_template("volunteers/browse.html", content=content)
    content = shared_fragment("browse", _browse_content)
    return render_template("volunteers/browse.html", content=content)


def _browse_content() -> str:
    """The search form and one page of results (the same for everyone)."""
    now = utcnow()
    form = SearchForm(request.args)
    form.cause.choices = [("", _("All causes")), *taxonomy_choices(Cause)]
    form.skill.choices = taxonomy_choices(Skill)
    page = page_number()
    hits, total, problem, points = [], 0, None, []
    if form.validate():
        filters, problem = _filters_from(form)
        try:
            hits, total = search_opportunities(filters, now, page, PAGE_SIZE)
            points = map_points(filters, now)
        except ValidationFailed as error:
            show_field_errors(form, error)
    pages = max(1, -(-total // PAGE_SIZE))
    map_data = [
        {
            "lat": point.lat,
            "lon": point.lon,
            "title": point.title,
            "url": url_for(".opportunity", opportunity_id=point.id),
        }
        for point in points
    ]
    return render_template(
        "volunteers/_browse_content.html",
        form=form,
        hits=hits,
        total=total,
        page=page,
        pages=pages,
        problem=problem,
        map_points=map_data,
        now=now,
        args=link_args(request.args, "page"),
    )


@bp.get("/opportunities/<int:opportunity_id>")
@public_page
def opportunity(opportunity_id: int):
    """One open opportunity: description, place, skills, shifts, apply buttons."""
    if current_user.is_authenticated and current_user.is_volunteer:
        shared = _shared_volunteer_view(opportunity_id)
        if shared is not None:
            return shared
    now = utcnow()
    query = queries.listed_opportunities(now).where(Opportunity.id == opportunity_id)
    found = db.session.scalar(query)
    listed = found is not None
    volunteer = current_user.is_authenticated and current_user.is_volunteer
    mine: dict[int, Application] = {}
    if volunteer:
        mine = {
            application.shift_id: application
            for application in db.session.scalars(
                sa.select(Application)
                .join(Application.shift)
                .where(
                    Application.volunteer_id == current_user.id,
                    Shift.opportunity_id == opportunity_id,
                )
            )
        }
    if not listed:
        # A volunteer can always open what they applied to, even once it is
        # closed, over, or its organisation is no longer verified.
        found = db.session.get(Opportunity, opportunity_id) if mine else None
        if found is None:
            abort(404)
    shifts = [
        shift
        for shift in found.shifts
        if (shift.starts_at > now if listed else shift.id in mine)
    ]
    my_skills: set[str] = set()
    if volunteer and current_user.profile:
        my_skills = {skill.slug for skill in current_user.profile.skills}
    return render_template(
        "volunteers/opportunity.html",
        page_title=found.title,
        remote=found.remote,
        opportunity=found,
        listed=listed,
        now=now,
        shifts=shifts,
        mine=mine,
        my_skills=my_skills,
        form=ApplyForm(),
    )


def _listed_opportunity(opportunity_id: int, now) -> Opportunity:
    """The listed opportunity with everything its page shows, or a 404."""
    query = queries.listed_opportunities(now).where(Opportunity.id == opportunity_id)
    found = db.session.scalar(query)
    if found is None:
        abort(404)
    return found


def _shared_volunteer_view(opportunity_id: int) -> str | None:
    """The page of a volunteer with no application here, shared between such.

    Everything on it but the header is the same for every volunteer who holds the
    same of its required skills, so it is keyed by those; None when the volunteer
    applied to one of its shifts (then the page is theirs alone).
    """
    applied = db.session.scalar(
        sa.select(sa.func.count(Application.id))
        .join(Application.shift)
        .where(
            Application.volunteer_id == current_user.id,
            Shift.opportunity_id == opportunity_id,
        )
    )
    if applied:
        return None
    held = sorted(
        db.session.scalars(
            sa.select(Skill.slug)
            .join(opportunity_skill, opportunity_skill.c.skill_id == Skill.id)
            .join(
                volunteer_skill,
                sa.and_(
                    volunteer_skill.c.skill_id == Skill.id,
                    volunteer_skill.c.profile_id == current_user.id,
                ),
            )
            .where(opportunity_skill.c.opportunity_id == opportunity_id)
        )
    )
    name = f"opportunity:{opportunity_id}:volunteer:{','.join(held)}"

    def head() -> dict:
        found = _listed_opportunity(opportunity_id, utcnow())
        return {"page_title": found.title, "remote": found.remote}

    page = shared_value(f"opportunity-head:{opportunity_id}", head)

    def build() -> str:
        now = utcnow()
        found = _listed_opportunity(opportunity_id, now)
        return render_template(
            "volunteers/_opportunity_content.html",
            opportunity=found,
            listed=True,
            now=now,
            shifts=[shift for shift in found.shifts if shift.starts_at > now],
            mine={},
            my_skills=set(held),
            form=ApplyForm(),
        )

    content = shared_fragment(name, build, with_query=False, with_csrf=True)
    return render_template("volunteers/opportunity.html", content=content, **page)


@bp.post("/shifts/<int:shift_id>/apply")
@application_address_limit
@application_limit
@role_required(Role.VOLUNTEER)
def apply(shift_id: int):
    """Apply to a shift from its opportunity page."""
    form = ApplyForm()
    shift = workflow.load_open_shift(shift_id)
    back = url_for(".opportunity", opportunity_id=shift.opportunity_id)
    if not form.validate_on_submit():
        flash(_("Please check your message and try again."), "danger")
        return redirect(back)
    answers = {
        field_name(q): request.form.getlist(field_name(q))
        if q.kind is QuestionKind.CHOICES
        else request.form.get(field_name(q), "")
        for q in shift.opportunity.questions
    }
    with committing() as applied:
        application = workflow.apply_to_shift(
            current_user, shift_id, (form.message.data or "").strip(), answers=answers
        )
    if applied:
        flash(_APPLIED_MESSAGES[application.status.value](), "success")
    return redirect(back)


_APPLIED_MESSAGES = {
    "accepted": lambda: _("You have a spot on this shift. Staff will confirm it soon."),
    "waitlisted": lambda: _(
        "The shift is full: you are on the waitlist and will get a spot "
        "when one frees up."
    ),
    "pending": lambda: _("Application sent. The organisation will review it."),
    "approved": lambda: _("Confirmed: you have a place on this shift."),
}


def _shift_named(application) -> str:
    """“Title” on a day at a time: names the shift in a message."""
    shift = application.shift
    return _(
        "“%(title)s” on %(day)s at %(time)s",
        title=shift.opportunity.title,
        day=format_day(
            shift.starts_at, "medium", str(get_locale()), session.get("era", "")
        ),
        time=format_clock(shift.starts_at, str(get_locale())),
    )


@bp.post("/me/applications/<int:application_id>/withdraw")
@role_required(Role.VOLUNTEER)
def withdraw(application_id: int):
    """Withdraw an application; a held spot goes to the waitlist."""
    with committing() as withdrawn:
        application = workflow.withdraw_application(current_user, application_id)
    if withdrawn:
        flash(
            _("You withdrew from %(shift)s.", shift=_shift_named(application)), "info"
        )
    return safe_next(request.form.get("next"), "volunteers.my_shifts")


@bp.post("/me/applications/<int:application_id>/confirmation")
@role_required(Role.VOLUNTEER)
def answer_confirmation(application_id: int):
    """Answer "are you coming?" from My shifts: `answer` is coming or not_coming."""
    answer = request.form.get("answer", "")
    if answer not in {"coming", "not_coming"}:
        raise actions.BadAction()
    with committing() as answered:
        sentence = actions.perform(
            current_user, actions.code_for(answer, application_id), utcnow()
        )
    if answered:
        flash(sentence, "success" if answer == "coming" else "info")
    return redirect(url_for(".my_shifts"))


@bp.post("/me/applications/<int:application_id>/accept-invitation")
@role_required(Role.VOLUNTEER)
def accept_invitation(application_id: int):
    """Say yes to an invitation: a spot if one is left, else the waitlist."""
    with committing() as accepted:
        application = workflow.accept_invitation(current_user, application_id)
    if accepted:
        flash(_APPLIED_MESSAGES[application.status.value](), "success")
    return redirect(url_for(".my_shifts"))


@bp.post("/me/applications/<int:application_id>/decline-invitation")
@role_required(Role.VOLUNTEER)
def decline_invitation(application_id: int):
    """Say no to an invitation."""
    with committing() as declined:
        application = workflow.decline_invitation(current_user, application_id)
    if declined:
        flash(
            _(
                "You declined the invitation to %(shift)s.",
                shift=_shift_named(application),
            ),
            "info",
        )
    return redirect(url_for(".my_shifts"))


@bp.route("/me/profile", methods=["GET", "POST"])
@role_required(Role.VOLUNTEER)
def edit_profile():
    """Build the profile that matching uses."""
    profile = current_user.profile
    form = ProfileForm(obj=profile)
    form.skills.choices = taxonomy_choices(Skill)
    form.causes.choices = taxonomy_choices(Cause)
    form.languages.choices = language_choices()
    ticked = profiles.slots_from_windows(profile)
    if request.method == "GET" and profile is not None:
        form.skills.data = [skill.slug for skill in profile.skills]
        form.causes.data = [cause.slug for cause in profile.causes]
        form.place.data = profile.location_label or ""
        form.lat.data = form.lon.data = None
        form.guardian_consent.data = profile.guardian_consent_at is not None
    if form.validate_on_submit():
        ticked = set(request.form.getlist("slot"))
        with committing(_("Your profile is saved."), form=form) as saved:
            profile_saved = profiles.update_profile(
                current_user, _profile_input(form, profile, ticked)
            )
            minors.update_age_and_guardian(profile_saved, _guardian_input(form))
            set_student_id(current_user, form.student_id.data or "")
        if saved:
            return redirect(url_for(".edit_profile"))
    return render_template(
        "volunteers/profile.html",
        form=form,
        profile=profile,
        completeness=profiles.profile_completeness(profile),
        ticked=ticked,
        hours=profiles.GRID_HOURS,
    )


def _profile_input(
    form: ProfileForm, profile, ticked: set[str]
) -> profiles.ProfileInput:
    """Read the form: a map click (lat/lon) wins, then a changed place name."""
    place, lat, lon = (form.place.data or "").strip(), form.lat.data, form.lon.data
    if lat is None or lon is None:
        lat = lon = None
        if (
            profile is not None
            and profile.lat is not None
            and place == profile.location_label
        ):
            lat, lon, place = profile.lat, profile.lon, ""
    else:
        place = ""
    return profiles.ProfileInput(
        skills=form.skills.data or [],
        causes=form.causes.data or [],
        availability=profiles.windows_from_slots(sorted(ticked)),
        place=place or None,
        lat=lat,
        lon=lon,
        max_distance_km=form.max_distance_km.data or 0,
        remote_ok=form.remote_ok.data,
        languages=form.languages.data or [],
        bio=form.bio.data or "",
    )


def _guardian_input(form: ProfileForm) -> minors.GuardianInput:
    return minors.GuardianInput(
        date_of_birth=form.date_of_birth.data,
        guardian_name=form.guardian_name.data or "",
        guardian_contact=form.guardian_contact.data or "",
        guardian_consent=form.guardian_consent.data,
    )


@bp.get("/me/shifts")
@role_required(Role.VOLUNTEER)
def my_shifts():
    """Every application with its status and what happens next."""
    notifications = db.session.scalars(
        sa.select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.created_at.desc())
        .limit(10)
    ).all()
    applications = workflow.applications_of(current_user)
    now = utcnow()
    returning = returning_token(current_user)
    return render_template(
        "volunteers/my_shifts.html",
        applications=applications,
        awaiting={a.id for a in applications if awaits_answer(a, now)},
        record=attendance_record(current_user, now),
        offers=offers_of(current_user, now),
        notifications=notifications,
        now=now,
        ended_invitations={
            a.id for a in applications if workflow.invitation_ended(a, now)
        },
        returning_code=returning,
        returning_qr=segno.make(returning, error="m").svg_inline(scale=4, border=2),
    )


@bp.post("/me/calendar")
@role_required(Role.VOLUNTEER)
def reset_calendar():
    """Create (or replace) the secret calendar link; the old link stops working."""
    current_user.calendar_token = new_calendar_token()
    db.session.commit()
    flash(_("Your calendar link is ready. Any older link no longer works."), "success")
    return redirect(url_for(".my_shifts") + "#calendar")


def _ics_response(payload: bytes, filename: str) -> Response:
    return Response(
        payload,
        mimetype="text/calendar",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}"',
            "Cache-Control": "no-store",
        },
    )


def _calendar_for(user: User, applications: list[Application]) -> bytes:
    return build_calendar(
        applications,
        name=_("Good Society Expo: my shifts"),
        link=lambda a: public_url(
            "volunteers.opportunity", opportunity_id=a.shift.opportunity_id
        ),
        status_label=lambda status: str(STATUS_LABELS[status]),
    )


@bp.get("/calendar/<token>.ics")
def calendar_feed(token: str):
    """The secret calendar feed a phone subscribes to."""
    user = db.session.scalar(
        sa.select(User).where(User.calendar_token == token, User.erased_at.is_(None))
    )
    if user is None or not token:
        abort(404)
    payload = _calendar_for(user, workflow.applications_of(user))
    return _ics_response(payload, "good-society-shifts.ics")


@bp.get("/me/applications/<int:application_id>.ics")
@role_required(Role.VOLUNTEER)
def application_ics(application_id: int):
    """One shift as a calendar file to download."""
    application = workflow.get_own_application(current_user, application_id)
    payload = _calendar_for(current_user, [application])
    return _ics_response(payload, f"shift-{application.shift_id}.ics")
