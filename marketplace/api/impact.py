"""Impact in numbers (API.md "Impact")."""

import marshmallow as ma
from flask_smorest import Blueprint

from ..impact.queries import summary
from .schemas import OutputSchema

blp = Blueprint("api_impact", __name__, description="Impact in numbers")


class CauseImpactSchema(OutputSchema):
    cause = ma.fields.String(metadata={"description": "The cause's slug"})
    matches_approved = ma.fields.Integer()
    hours_served = ma.fields.Float()


class ImpactSummarySchema(OutputSchema):
    volunteers = ma.fields.Integer(
        metadata={"description": "Registered volunteers (erased accounts excluded)"}
    )
    organizations = ma.fields.Integer(metadata={"description": "Verified"})
    opportunities = ma.fields.Integer(metadata={"description": "Published"})
    matches_approved = ma.fields.Integer()
    hours_served = ma.fields.Float(metadata={"description": "Attended hours"})
    by_cause = ma.fields.List(ma.fields.Nested(CauseImpactSchema))


@blp.route("/impact/summary", methods=["GET"])
@blp.response(200, ImpactSummarySchema)
def impact_summary():
    """Registered volunteers, verified organisations, published opportunities,
    approved matches and attended hours, in all and by cause."""
    return summary()
