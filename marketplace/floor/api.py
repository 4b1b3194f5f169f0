"""The expo floor over the JSON API (API.md "Expo floor")."""

import marshmallow as ma
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from .. import access
from ..api.schemas import (
    BangkokDateTime,
    Day,
    ErrorSchema,
    OutputSchema,
    PageArgsSchema,
    RecordId,
    Schema,
    page_of,
    page_schema,
    text,
)
from ..extensions import db
from ..models import Opportunity
from ..privacy.services import log_lead_view
from . import coverage as board
from . import leads, roster

blp = Blueprint("api_floor", __name__, description="The expo floor on the day")
BEARER = [{"bearerAuth": []}]


class CoverageArgsSchema(PageArgsSchema):
    day = Day(load_default=None, metadata={"description": "default: today"})
    organization_id = RecordId(load_default=None)
    zone = text(Opportunity.location_label, load_default=None)


class CoverageItemSchema(OutputSchema):
    shift_id = ma.fields.Integer()
    opportunity_id = ma.fields.Integer()
    organization_id = ma.fields.Integer()
    starts_at = BangkokDateTime()
    ends_at = BangkokDateTime()
    capacity = ma.fields.Integer()
    held = ma.fields.Integer(metadata={"description": "accepted + approved"})
    checked_in = ma.fields.Integer(metadata={"description": "attended"})
    missing = ma.fields.Integer(
        metadata={"description": "held, no attendance, started 15+ minutes ago"}
    )
    open = ma.fields.Integer(metadata={"description": "capacity - held"})
    title = ma.fields.String()
    zone = ma.fields.String()
    confirmed = ma.fields.Integer(
        metadata={"description": "held places whose volunteer said they are coming"}
    )
    awaiting_answer = ma.fields.Integer(
        metadata={"description": "held places asked “are you coming?”, no answer"}
    )


class RosterVolunteerSchema(OutputSchema):
    id = ma.fields.Integer()
    display_name = ma.fields.String()
    phone = ma.fields.String(allow_none=True)


class RosterItemSchema(OutputSchema):
    application_id = ma.fields.Integer()
    volunteer = ma.fields.Nested(RosterVolunteerSchema)
    status = ma.fields.String()
    attendance = ma.fields.String(allow_none=True)
    answers = ma.fields.Dict()
    shift_id = ma.fields.Integer()
    is_lead = ma.fields.Boolean()
    confirmation = ma.fields.String(
        allow_none=True,
        metadata={
            "description": "asked, confirmed, no_answer, cant_come; null: not asked"
        },
    )
    seeking_cover = ma.fields.Boolean()  # asked someone to take the place (cover)


class LeadInSchema(Schema):
    volunteer_id = RecordId(required=True)


class LeadSchema(OutputSchema):
    shift_id = ma.fields.Integer()
    volunteer_id = ma.fields.Integer()
    created_at = BangkokDateTime()


@blp.route("/coverage", methods=["GET"])
@login_required
@blp.arguments(CoverageArgsSchema, location="query", error_status_code=400)
@blp.response(200, page_schema(CoverageItemSchema, "CoveragePage"))
@blp.alt_response(403, schema=ErrorSchema, description="not_a_member")
@blp.doc(security=BEARER)
def get_coverage(args):
    """Every shift of a day with its coverage, riskiest first.

    Staff see every organisation; members see their own organisations'.
    """
    organization_ids = board.board_organizations(current_user, args["organization_id"])
    day = args["day"] or board.today_in_bangkok()
    rows = board.coverage(day, organization_ids, args["zone"])
    return page_of([row.as_json() for row in rows], args["page"], args["per_page"])


@blp.route("/shifts/<int:shift_id>/roster", methods=["GET"])
@login_required
@blp.arguments(PageArgsSchema, location="query", error_status_code=400)
@blp.response(200, page_schema(RosterItemSchema, "RosterPage"))
@blp.alt_response(403, schema=ErrorSchema, description="not_a_member, not_shift_day")
@blp.doc(security=BEARER)
def shift_roster(args, shift_id: int):
    """The shift's people with phones (members; the shift's leads on its day)."""
    shift = access.get_shift_or_404(
        shift_id, for_user=current_user, action=access.ROSTER
    )
    lines = roster.shift_roster(shift)
    shown = page_of(lines, args["page"], args["per_page"])
    if log_lead_view(
        current_user,
        "api_roster",
        [line.application.volunteer_id for line in shown["items"]],
        shift,
        shift.opportunity.organization_id,
    ):
        db.session.commit()
    return shown | {"items": [line.as_json() for line in shown["items"]]}


@blp.route("/shifts/<int:shift_id>/leads", methods=["POST"])
@login_required
@blp.arguments(LeadInSchema)
@blp.response(201, LeadSchema)
@blp.alt_response(403, schema=ErrorSchema, description="not_a_member")
@blp.alt_response(409, schema=ErrorSchema, description="already_lead")
@blp.alt_response(
    422, schema=ErrorSchema, description="volunteer_id has no approved place"
)
@blp.doc(security=BEARER)
def appoint_lead(data, shift_id: int):
    """Make a volunteer with an approved place the shift's lead (members)."""
    shift = access.get_shift_or_404(shift_id, for_user=current_user, action=access.ACT)
    lead = leads.appoint_lead(current_user, shift, data["volunteer_id"])
    db.session.commit()
    return {
        "shift_id": lead.shift_id,
        "volunteer_id": lead.volunteer_id,
        "created_at": lead.created_at,
    }


@blp.route("/shifts/<int:shift_id>/leads/<int:volunteer_id>", methods=["DELETE"])
@login_required
@blp.response(204)
@blp.alt_response(403, schema=ErrorSchema, description="not_a_member")
@blp.alt_response(404, schema=ErrorSchema, description="not_found (not a lead)")
@blp.doc(security=BEARER)
def remove_lead(shift_id: int, volunteer_id: int):
    """The volunteer no longer leads the shift (members)."""
    shift = access.get_shift_or_404(shift_id, for_user=current_user, action=access.ACT)
    leads.remove_lead(current_user, shift, volunteer_id)
    db.session.commit()
