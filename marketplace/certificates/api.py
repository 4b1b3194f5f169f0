"""The volunteer's feedback after an attended shift, over the JSON API."""

import marshmallow as ma
from flask_login import current_user
from flask_smorest import Blueprint

from ..access import role_required
from ..api.schemas import BangkokDateTime, ErrorSchema, OutputSchema, Schema, text
from ..extensions import db
from ..models import Feedback, Role
from . import services

blp = Blueprint(
    "api_certificates", __name__, description="Feedback after an attended shift"
)
BEARER = [{"bearerAuth": []}]


class FeedbackInSchema(Schema):
    rating = ma.fields.Integer(required=True, validate=ma.validate.Range(1, 5))
    would_volunteer_again = ma.fields.Boolean(required=True)
    active_citizen = ma.fields.Boolean(
        required=True,
        metadata={"description": "I feel more able to act on a social problem."},
    )
    learned_skill = ma.fields.Boolean(load_default=False)
    comment = text(Feedback.comment, load_default="")


class FeedbackSchema(OutputSchema):
    application_id = ma.fields.Integer()
    rating = ma.fields.Integer()
    would_volunteer_again = ma.fields.Boolean()
    active_citizen = ma.fields.Boolean()
    learned_skill = ma.fields.Boolean()
    comment = ma.fields.String()
    created_at = BangkokDateTime()


def feedback_body(feedback: Feedback) -> dict:
    """The feedback as the API writes it."""
    return {
        "application_id": feedback.application_id,
        "rating": feedback.rating,
        "would_volunteer_again": feedback.would_volunteer_again,
        "active_citizen": feedback.active_citizen,
        "learned_skill": feedback.learned_skill,
        "comment": feedback.comment,
        "created_at": feedback.created_at,
    }


@blp.route("/applications/<int:application_id>/feedback", methods=["POST"])
@role_required(Role.VOLUNTEER)
@blp.arguments(FeedbackInSchema)
@blp.response(200, FeedbackSchema)
@blp.alt_response(404, schema=ErrorSchema, description="not_found")
@blp.alt_response(409, schema=ErrorSchema, description="not_attended")
@blp.alt_response(422, schema=ErrorSchema, description="validation_error")
@blp.doc(security=BEARER)
def feedback(answers: dict, application_id: int):
    """Answer the survey on one's own attended shift; answering again updates it."""
    application = services.own_application(current_user, application_id)
    saved = services.save_feedback(
        current_user, application, services.FeedbackInput(**answers)
    )
    db.session.commit()
    return feedback_body(saved)
