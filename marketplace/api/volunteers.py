"""The volunteer's own data: profile and applications (API.md)."""

import marshmallow as ma
from flask_login import current_user
from flask_smorest import Blueprint

from ..access import role_required
from ..applications import services as workflow
from ..applications.questions import answers_for
from ..auth.limits import application_address_limit, application_limit
from ..extensions import db
from ..inputs import CLOCK_TEXT, CODE_TEXT
from ..models import Application, Cause, Role, Skill, VolunteerProfile
from ..volunteers.profile import ProfileInput, format_clock_minutes, update_profile
from .schemas import (
    Count,
    ErrorSchema,
    LocationInSchema,
    LocationSchema,
    OutputSchema,
    PageArgsSchema,
    Schema,
    codes,
    page_of,
    page_schema,
    text,
)

blp = Blueprint("api_volunteers", __name__, description="The volunteer's own data")
BEARER = [{"bearerAuth": []}]


class WindowSchema(Schema):
    weekday = ma.fields.Integer(required=True)
    start = text(max=CLOCK_TEXT, required=True)
    end = text(max=CLOCK_TEXT, required=True)


class ProfileInSchema(Schema):
    """The whole profile a volunteer sends; the location as a LocationIn."""

    skills = codes(Skill.slug, load_default=list)
    causes = codes(Cause.slug, load_default=list)
    availability = ma.fields.List(ma.fields.Nested(WindowSchema), load_default=list)
    location = ma.fields.Nested(LocationInSchema, allow_none=True, load_default=None)
    max_distance_km = Count(load_default=15)
    remote_ok = ma.fields.Boolean(load_default=False)
    languages = codes(max=CODE_TEXT, load_default=list)
    bio = text(VolunteerProfile.bio, load_default="")


class ProfileSchema(OutputSchema):
    """The profile as the API answers with it; the location as the point found."""

    skills = ma.fields.List(ma.fields.String())
    causes = ma.fields.List(ma.fields.String())
    availability = ma.fields.List(ma.fields.Nested(WindowSchema))
    location = ma.fields.Nested(LocationSchema, allow_none=True)
    max_distance_km = ma.fields.Integer()
    remote_ok = ma.fields.Boolean()
    languages = ma.fields.List(ma.fields.String())
    bio = ma.fields.String()


class ApplicationSchema(OutputSchema):
    id = ma.fields.Integer()
    shift_id = ma.fields.Integer()
    opportunity_id = ma.fields.Integer()
    status = ma.fields.String()
    attendance = ma.fields.String(allow_none=True)
    hours = ma.fields.Float(allow_none=True)
    message = ma.fields.String()
    # The opportunity's questions (in the caller's language) -> the answers.
    answers = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.String())


class ApplyInSchema(Schema):
    message = text(Application.message, load_default="")
    # Question id -> a text, a choice's value, or a list of values.
    answers = ma.fields.Dict(keys=ma.fields.String(), load_default=dict)


def profile_body(user) -> dict:
    """The profile as API.md writes it."""
    profile = user.profile
    location = None
    if profile.lat is not None:
        location = {
            "lat": profile.lat,
            "lon": profile.lon,
            "label": profile.location_label,
        }
    return {
        "skills": [skill.slug for skill in profile.skills],
        "causes": [cause.slug for cause in profile.causes],
        "availability": [
            {
                "weekday": window.weekday,
                "start": format_clock_minutes(window.start_minute),
                "end": format_clock_minutes(window.end_minute),
            }
            for window in profile.availability
        ],
        "location": location,
        "max_distance_km": profile.max_distance_km,
        "remote_ok": profile.remote_ok,
        "languages": profile.languages,
        "bio": profile.bio,
    }


def application_body(application: Application, answers: dict | None = None) -> dict:
    """An application as API.md writes it; `answers` from `answers_for` if known."""
    if answers is None:
        answers = answers_for([application]).get(application.id, {})
    return {
        "id": application.id,
        "shift_id": application.shift_id,
        "opportunity_id": application.shift.opportunity_id,
        "status": application.status.value,
        "attendance": application.attendance.value if application.attendance else None,
        "hours": application.hours,
        "message": application.message,
        "answers": answers,
    }


@blp.route("/me/profile", methods=["GET"])
@role_required(Role.VOLUNTEER)
@blp.response(200, ProfileSchema)
@blp.alt_response(403, schema=ErrorSchema, description="forbidden")
@blp.doc(security=BEARER)
def get_profile():
    """The caller's volunteer profile."""
    return profile_body(current_user)


@blp.route("/me/profile", methods=["PUT"])
@role_required(Role.VOLUNTEER)
@blp.arguments(ProfileInSchema)
@blp.response(200, ProfileSchema)
@blp.alt_response(422, schema=ErrorSchema, description="validation_error")
@blp.doc(security=BEARER)
def put_profile(data):
    """Replace the caller's whole profile."""
    location = data["location"] or {}
    update_profile(
        current_user,
        ProfileInput(
            skills=data["skills"],
            causes=data["causes"],
            availability=[
                (w["weekday"], w["start"], w["end"]) for w in data["availability"]
            ],
            place=location.get("place"),
            lat=location.get("lat"),
            lon=location.get("lon"),
            max_distance_km=data["max_distance_km"],
            remote_ok=data["remote_ok"],
            languages=data["languages"],
            bio=data["bio"],
        ),
    )
    db.session.commit()
    return profile_body(current_user)


@blp.route("/shifts/<int:shift_id>/applications", methods=["POST"])
@application_address_limit
@application_limit
@role_required(Role.VOLUNTEER)
@blp.arguments(ApplyInSchema)
@blp.response(201, ApplicationSchema)
@blp.alt_response(429, schema=ErrorSchema, description="rate_limited")
@blp.alt_response(404, schema=ErrorSchema, description="not_found")
@blp.alt_response(
    409, schema=ErrorSchema, description="already_applied, shift_closed, shift_overlap"
)
@blp.doc(security=BEARER)
def apply(data, shift_id: int):
    """Apply to a shift."""
    application = workflow.apply_to_shift(
        current_user, shift_id, data["message"], answers=data["answers"]
    )
    # Written before the commit, which would expire what it reads: no second
    # transaction only to read back what was just written.
    body = application_body(application)
    db.session.commit()
    return body


@blp.route("/me/applications", methods=["GET"])
@role_required(Role.VOLUNTEER)
@blp.arguments(PageArgsSchema, location="query", error_status_code=400)
@blp.response(200, page_schema(ApplicationSchema, "ApplicationPage"))
@blp.doc(security=BEARER)
def my_applications(args):
    """The caller's applications, soonest shift first."""
    applications = workflow.applications_of(current_user)
    answers = answers_for(applications)
    return page_of(
        [application_body(a, answers[a.id]) for a in applications],
        args["page"],
        args["per_page"],
    )


@blp.route("/applications/<int:application_id>/withdraw", methods=["POST"])
@role_required(Role.VOLUNTEER)
@blp.response(200, ApplicationSchema)
@blp.alt_response(404, schema=ErrorSchema, description="not_found")
@blp.alt_response(409, schema=ErrorSchema, description="invalid_status")
@blp.doc(security=BEARER)
def withdraw(application_id: int):
    """Withdraw one's own application; a held spot goes to the waitlist."""
    application = workflow.withdraw_application(current_user, application_id)
    body = application_body(application)  # as in `apply`
    db.session.commit()
    return body
