"""Recommendations and suggested volunteers (API.md "Recommendations")."""

import marshmallow as ma
from flask import current_app
from flask_babel import get_locale
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from .. import access, recommendations
from ..access import role_required
from ..applications import services as workflow
from ..extensions import db
from ..models import Role, utcnow
from ..privacy.services import log_staff_view
from .applications import VolunteerRefSchema
from .opportunities import OpportunitySchema
from .schemas import ErrorSchema, OutputSchema, Schema, page_of

blp = Blueprint("api_matching", __name__, description="Recommendations")
BEARER = [{"bearerAuth": []}]


class LimitSchema(Schema):
    limit = ma.fields.Integer(load_default=20, validate=ma.validate.Range(1, 100))


class RecommendationSchema(OutputSchema):
    opportunity = ma.fields.Nested(OpportunitySchema)
    shift_id = ma.fields.Integer()
    score = ma.fields.Float()
    components = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Float())
    reasons = ma.fields.List(ma.fields.String())


class SuggestionSchema(OutputSchema):
    volunteer = ma.fields.Nested(VolunteerRefSchema)
    score = ma.fields.Float()
    components = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Float())
    reasons = ma.fields.List(ma.fields.String())


class RecommendationPageSchema(OutputSchema):
    items = ma.fields.List(ma.fields.Nested(RecommendationSchema))
    total = ma.fields.Integer()
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()


class SuggestionPageSchema(OutputSchema):
    items = ma.fields.List(ma.fields.Nested(SuggestionSchema))
    total = ma.fields.Integer()
    page = ma.fields.Integer()
    per_page = ma.fields.Integer()


@blp.route("/me/recommendations", methods=["GET"])
@role_required(Role.VOLUNTEER)
@blp.arguments(LimitSchema, location="query", error_status_code=400)
@blp.response(200, RecommendationPageSchema)
@blp.alt_response(403, schema=ErrorSchema, description="forbidden")
@blp.doc(security=BEARER)
def my_recommendations(args):
    """Opportunities that pass every hard filter for the caller, best first."""
    body = recommendations.recommend_items(
        current_user, utcnow(), args["limit"], str(get_locale()), body=_page_body
    )
    # Serialised by the schema below once per answer; flask-smorest passes a
    # Response through as it is.
    return current_app.response_class(body, mimetype=current_app.json.mimetype)


def _page_body(items: list[dict], limit: int) -> str:
    """The JSON text of a recommendation page: the first, of `limit` items."""
    page = RecommendationPageSchema().dump(page_of(items, 1, limit))
    return current_app.json.dumps(page) + "\n"


@blp.route("/shifts/<int:shift_id>/suggested-volunteers", methods=["GET"])
@login_required
@blp.arguments(LimitSchema, location="query", error_status_code=400)
@blp.response(200, SuggestionPageSchema)
@blp.alt_response(403, schema=ErrorSchema, description="not_a_member")
@blp.doc(security=BEARER)
def suggested_volunteers(args, shift_id: int):
    """Volunteers who fit a shift (members of its organisation, staff)."""
    shift = workflow.load_open_shift(shift_id)
    access.require(current_user, access.VIEW, shift)
    found = recommendations.suggest(shift, utcnow(), args["limit"], str(get_locale()))
    items = [
        {
            "volunteer": {
                "id": item.volunteer.id,
                "display_name": item.volunteer.display_name,
            },
            "score": round(item.match.score, 4),
            "components": dict(item.match.components),
            "reasons": item.reasons,
        }
        for item in found
    ]
    volunteer_ids = [item.volunteer.id for item in found]
    organization_id = shift.opportunity.organization_id
    if log_staff_view(
        current_user, "api_suggested", volunteer_ids, shift, organization_id
    ):
        db.session.commit()
    return page_of(items, 1, args["limit"])
