"""Opportunities and shifts as volunteers see them (API.md)."""

from datetime import datetime

import marshmallow as ma
from flask import abort
from flask_babel import gettext as _
from flask_smorest import Blueprint

from ..extensions import db
from ..main.queries import listed_opportunities
from ..models import Opportunity, utcnow
from ..volunteers.search import (
    DEFAULT_RADIUS_KM,
    SearchFilters,
    parse_point,
    parse_time_bound,
    search_opportunities,
)
from .schemas import BangkokDateTime, ErrorSchema, PageArgsSchema, Schema, page_schema

blp = Blueprint("api_opportunities", __name__, description="Opportunities and shifts")


class ShiftSchema(Schema):
    id = ma.fields.Integer()
    start = BangkokDateTime()
    end = BangkokDateTime()
    capacity = ma.fields.Integer()
    spots_left = ma.fields.Integer()


class OrganizationRefSchema(Schema):
    id = ma.fields.Integer()
    name = ma.fields.String()


class LocationSchema(Schema):
    lat = ma.fields.Float()
    lon = ma.fields.Float()
    label = ma.fields.String()


class OpportunitySchema(Schema):
    id = ma.fields.Integer()
    title = ma.fields.String()
    description = ma.fields.String()
    organization = ma.fields.Nested(OrganizationRefSchema)
    causes = ma.fields.List(ma.fields.String())
    skills = ma.fields.List(ma.fields.String())
    languages = ma.fields.List(ma.fields.String())
    remote = ma.fields.Boolean()
    location = ma.fields.Nested(LocationSchema, allow_none=True)
    approval_mode = ma.fields.String()
    status = ma.fields.String()
    shifts = ma.fields.List(ma.fields.Nested(ShiftSchema))
    distance_km = ma.fields.Float(allow_none=True)


class SearchArgsSchema(PageArgsSchema):
    q = ma.fields.String(load_default="")
    cause = ma.fields.String(load_default=None)
    skill = ma.fields.List(ma.fields.String(), load_default=list)
    near = ma.fields.String(load_default=None)
    within_km = ma.fields.Float(load_default=DEFAULT_RADIUS_KM)
    remote = ma.fields.Boolean(load_default=None)
    starts_after = ma.fields.String(load_default=None)
    starts_before = ma.fields.String(load_default=None)


def opportunity_item(
    opportunity: Opportunity, now: datetime, distance_km: float | None = None
) -> dict:
    """The API.md item of an opportunity, with its future shifts."""
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
        "skills": [skill.slug for skill in opportunity.skills],
        "languages": opportunity.languages,
        "remote": opportunity.remote,
        "location": location,
        "approval_mode": opportunity.approval_mode.value,
        "status": opportunity.status.value,
        "shifts": [
            {
                "id": shift.id,
                "start": shift.starts_at,
                "end": shift.ends_at,
                "capacity": shift.capacity,
                "spots_left": shift.spots_left,
            }
            for shift in opportunity.shifts
            if shift.starts_at > now
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
@blp.response(200, OpportunitySchema)
@blp.alt_response(404, schema=ErrorSchema, description="not_found")
def get_opportunity(opportunity_id: int):
    """One listed opportunity."""
    now = utcnow()
    found = db.session.scalar(
        listed_opportunities(now).where(Opportunity.id == opportunity_id)
    )
    if found is None:
        abort(404, description=_("No such opportunity is open."))
    return opportunity_item(found, now)
