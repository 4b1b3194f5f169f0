"""Opportunities and shifts as volunteers see them (API.md)."""

from datetime import datetime

import marshmallow as ma
from flask import abort
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from .. import access
from ..caching import public_page
from ..errors import Forbidden
from ..extensions import db
from ..inputs import CODE_TEXT, SEARCH_TEXT
from ..main.queries import listed_opportunities
from ..models import Cause, Opportunity, Organization, Skill, utcnow
from ..organizations import opportunities as posting
from ..organizations.opportunities import OpportunityInput, ShiftInput
from ..volunteers.search import (
    DEFAULT_RADIUS_KM,
    SearchFilters,
    parse_point,
    parse_time_bound,
    search_opportunities,
)
from .schemas import (
    BangkokDateTime,
    Count,
    ErrorSchema,
    LocationInSchema,
    LocationSchema,
    Moment,
    OutputSchema,
    PageArgsSchema,
    RecordId,
    Schema,
    codes,
    page_schema,
    text,
)

blp = Blueprint("api_opportunities", __name__, description="Opportunities and shifts")
BEARER = [{"bearerAuth": []}]
APPROVAL_MODES = ["first_come", "review"]


class ShiftSchema(OutputSchema):
    id = ma.fields.Integer()
    start = BangkokDateTime()
    end = BangkokDateTime()
    capacity = ma.fields.Integer()
    spots_left = ma.fields.Integer()


class OrganizationRefSchema(OutputSchema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class ChoiceSchema(OutputSchema):
    value = ma.fields.String()
    th = ma.fields.String()
    en = ma.fields.String()


class QuestionSchema(OutputSchema):
    id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"description": "text, choice or choices"})
    label_th = ma.fields.String()
    label_en = ma.fields.String()
    choices = ma.fields.List(ma.fields.Nested(ChoiceSchema))
    required = ma.fields.Boolean()


class OpportunitySchema(OutputSchema):
    id = ma.fields.Integer()
    title = ma.fields.String()
    description = ma.fields.String()
    organization = ma.fields.Nested(OrganizationRefSchema)
    causes = ma.fields.List(ma.fields.String())
    skills = ma.fields.List(
        ma.fields.String(), metadata={"description": "The required skills."}
    )
    nice_to_have_skills = ma.fields.List(
        ma.fields.String(),
        metadata={"description": "Skills welcome but not required."},
    )
    languages = ma.fields.List(ma.fields.String())
    remote = ma.fields.Boolean()
    location = ma.fields.Nested(LocationSchema, allow_none=True)
    approval_mode = ma.fields.String()
    status = ma.fields.String()
    shifts = ma.fields.List(ma.fields.Nested(ShiftSchema))
    distance_km = ma.fields.Float(allow_none=True)
    min_age = ma.fields.Integer(allow_none=True)


class OpportunityDetailSchema(OpportunitySchema):
    """One opportunity read on its own: with the questions applying asks."""

    questions = ma.fields.List(
        ma.fields.Nested(QuestionSchema),
        metadata={
            "description": "What applying asks: send `answers` "
            "{question id: value} when applying."
        },
    )


class SearchArgsSchema(PageArgsSchema):
    q = text(max=SEARCH_TEXT, load_default="")
    cause = text(Cause.slug, load_default=None)
    skill = codes(Skill.slug, load_default=list)
    near = text(max=SEARCH_TEXT, load_default=None)
    within_km = ma.fields.Float(load_default=DEFAULT_RADIUS_KM)
    remote = ma.fields.Boolean(load_default=None)
    starts_after = text(max=SEARCH_TEXT, load_default=None)
    starts_before = text(max=SEARCH_TEXT, load_default=None)


def opportunity_item(
    opportunity: Opportunity,
    now: datetime,
    distance_km: float | None = None,
    all_shifts: bool = False,
) -> dict:
    """The API.md item of an opportunity, with its future (or all) shifts."""
    location = None
    if not opportunity.remote:
        location = {
            "lat": opportunity.lat,
            "lon": opportunity.lon,
            "label": opportunity.location_label,
        }
    return {
        "id": opportunity.id,
        "title": opportunity.title,
        "description": opportunity.description,
        "organization": {
            "id": opportunity.organization.id,
            "name": opportunity.organization.name_th,
        },
        "causes": [cause.slug for cause in opportunity.causes],
        "skills": [skill.slug for skill in opportunity.required_skills],
        "nice_to_have_skills": [
            skill.slug for skill in opportunity.nice_to_have_skills
        ],
        "languages": opportunity.languages,
        "remote": opportunity.remote,
        "location": location,
        "approval_mode": opportunity.approval_mode.value,
        "status": opportunity.status.value,
        "min_age": opportunity.min_age,
        "shifts": [
            {
                "id": shift.id,
                "start": shift.starts_at,
                "end": shift.ends_at,
                "capacity": shift.capacity,
                "spots_left": shift.spots_left,
            }
            for shift in opportunity.shifts
            if all_shifts or shift.starts_at > now
        ],
        "distance_km": distance_km,
    }


def filters_from_args(args: dict) -> SearchFilters:
    """Turn query arguments into search filters; malformed ones are a 400."""
    try:
        return SearchFilters(
            q=args["q"],
            cause=args["cause"],
            skills=args["skill"],
            near=parse_point(args["near"]) if args["near"] else None,
            within_km=args["within_km"],
            remote=args["remote"],
            starts_after=(
                parse_time_bound(args["starts_after"], end=False)
                if args["starts_after"]
                else None
            ),
            starts_before=(
                parse_time_bound(args["starts_before"], end=True)
                if args["starts_before"]
                else None
            ),
        )
    except ValueError as error:
        abort(400, description=str(error))


@blp.route("/opportunities", methods=["GET"])
@public_page
@blp.arguments(SearchArgsSchema, location="query", error_status_code=400)
@blp.response(200, page_schema(OpportunitySchema, "OpportunityPage"))
@blp.alt_response(400, schema=ErrorSchema, description="bad_request")
@blp.alt_response(422, schema=ErrorSchema, description="validation_error")
def list_opportunities(args):
    """Published opportunities of verified organisations with a future shift."""
    now = utcnow()
    hits, total = search_opportunities(
        filters_from_args(args), now, args["page"], args["per_page"]
    )
    return {
        "items": [
            opportunity_item(hit.opportunity, now, hit.distance_km) for hit in hits
        ],
        "total": total,
        "page": args["page"],
        "per_page": args["per_page"],
    }


@blp.route("/opportunities/<int:opportunity_id>", methods=["GET"])
@blp.response(200, OpportunityDetailSchema)
@blp.alt_response(404, schema=ErrorSchema, description="not_found")
def get_opportunity(opportunity_id: int):
    """One listed opportunity."""
    now = utcnow()
    found = db.session.scalar(
        listed_opportunities(now).where(Opportunity.id == opportunity_id)
    )
    if found is None:
        abort(404, description=_("No such opportunity is open."))
    questions = [
        {
            "id": q.id,
            "kind": q.kind.value,
            "label_th": q.label_th,
            "label_en": q.label_en,
            "choices": q.choices,
            "required": q.required,
        }
        for q in found.questions
    ]
    return opportunity_item(found, now) | {"questions": questions}


class ShiftInSchema(Schema):
    id = RecordId(load_default=None)
    start = Moment(required=True)
    end = Moment(required=True)
    capacity = Count(required=True)


class OpportunityInSchema(Schema):
    organization_id = RecordId(required=True)
    title = text(Opportunity.title, required=True)
    description = text(Opportunity.description, load_default="")
    causes = codes(Cause.slug, load_default=list)
    skills = codes(Skill.slug, load_default=list)
    nice_to_have_skills = codes(Skill.slug, load_default=list)
    languages = codes(max=CODE_TEXT, load_default=list)
    remote = ma.fields.Boolean(load_default=False)
    location = ma.fields.Nested(LocationInSchema, load_default=None, allow_none=True)
    approval_mode = ma.fields.String(
        load_default="review", validate=ma.validate.OneOf(APPROVAL_MODES)
    )
    accessibility = text(Opportunity.accessibility, load_default="")
    min_age = Count(load_default=None, allow_none=True)
    status = ma.fields.String(
        load_default="published", validate=ma.validate.OneOf(["draft", "published"])
    )
    shifts = ma.fields.List(ma.fields.Nested(ShiftInSchema), required=True)


class OpportunityPatchSchema(Schema):
    title = text(Opportunity.title)
    description = text(Opportunity.description)
    causes = codes(Cause.slug)
    skills = codes(Skill.slug)
    nice_to_have_skills = codes(Skill.slug)
    languages = codes(max=CODE_TEXT)
    remote = ma.fields.Boolean()
    location = ma.fields.Nested(LocationInSchema, allow_none=True)
    approval_mode = ma.fields.String(validate=ma.validate.OneOf(APPROVAL_MODES))
    accessibility = text(Opportunity.accessibility)
    min_age = Count(allow_none=True)
    shifts = ma.fields.List(ma.fields.Nested(ShiftInSchema))


def opportunity_input(data: dict) -> OpportunityInput:
    """The service's input from a validated body (absent fields stay as they are)."""
    location = data.get("location") or {}
    shifts = data.get("shifts")
    return OpportunityInput(
        title=data.get("title"),
        description=data.get("description"),
        causes=data.get("causes"),
        skills=data.get("skills"),
        nice_to_have_skills=data.get("nice_to_have_skills"),
        languages=data.get("languages"),
        remote=data.get("remote"),
        place=location.get("place"),
        lat=location.get("lat"),
        lon=location.get("lon"),
        label=location.get("label"),
        approval_mode=data.get("approval_mode"),
        accessibility=data.get("accessibility"),
        min_age=data.get("min_age"),
        shifts=None
        if shifts is None
        else [
            ShiftInput(
                id=shift["id"],
                start=shift["start"],
                end=shift["end"],
                capacity=shift["capacity"],
            )
            for shift in shifts
        ],
    )


@blp.route("/opportunities", methods=["POST"])
@login_required
@blp.arguments(OpportunityInSchema)
@blp.response(201, OpportunitySchema)
@blp.alt_response(
    403, schema=ErrorSchema, description="organization_not_verified, not_a_member"
)
@blp.alt_response(422, schema=ErrorSchema, description="validation_error")
@blp.doc(security=BEARER)
def create_opportunity(data):
    """Post an opportunity with its shifts (members of a verified organisation)."""
    organization = db.session.get(Organization, data["organization_id"])
    if organization is None:
        raise Forbidden("not_a_member", _("You are not a member of this organisation."))
    access.require(current_user, access.ACT, organization)
    if not organization.is_verified:
        raise Forbidden(
            "organization_not_verified",
            _("Your organisation can publish once staff have verified it."),
        )
    opportunity = posting.create_opportunity(
        current_user,
        organization,
        opportunity_input(data),
        publish=data["status"] == "published",
    )
    db.session.commit()
    return opportunity_item(opportunity, utcnow(), all_shifts=True)


@blp.route("/opportunities/<int:opportunity_id>", methods=["PATCH"])
@login_required
@blp.arguments(OpportunityPatchSchema)
@blp.response(200, OpportunitySchema)
@blp.alt_response(403, schema=ErrorSchema, description="not_a_member")
@blp.alt_response(422, schema=ErrorSchema, description="validation_error")
@blp.doc(security=BEARER)
def update_opportunity(data, opportunity_id: int):
    """Edit an opportunity; a shift's capacity never drops below its spots held."""
    opportunity = access.get_opportunity_or_404(
        opportunity_id, for_user=current_user, action=access.ACT
    )
    posting.update_opportunity(current_user, opportunity, opportunity_input(data))
    db.session.commit()
    return opportunity_item(opportunity, utcnow(), all_shifts=True)


@blp.route("/opportunities/<int:opportunity_id>/close", methods=["POST"])
@login_required
@blp.response(200, OpportunitySchema)
@blp.alt_response(403, schema=ErrorSchema, description="not_a_member")
@blp.doc(security=BEARER)
def close_opportunity(opportunity_id: int):
    """Stop new applications."""
    opportunity = access.get_opportunity_or_404(
        opportunity_id, for_user=current_user, action=access.ACT
    )
    posting.close_opportunity(current_user, opportunity)
    db.session.commit()
    return opportunity_item(opportunity, utcnow(), all_shifts=True)
