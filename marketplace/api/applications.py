"""Applications seen by organisations and staff (API.md "Applications")."""

import marshmallow as ma
import sqlalchemy as sa
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from .. import access
from ..access import staff_required
from ..applications import queries
from ..applications import services as workflow
from ..applications.questions import answers_for
from ..extensions import db
from ..models import Application, ApplicationStatus, Cause
from ..privacy.services import log_staff_view
from .schemas import (
    BangkokDateTime,
    Day,
    ErrorSchema,
    OutputSchema,
    PageArgsSchema,
    RecordId,
    Schema,
    page_schema,
    text,
)
from .volunteers import ApplicationSchema, application_body

blp = Blueprint("api_applications", __name__, description="Reviewing applications")
BEARER = [{"bearerAuth": []}]


class VolunteerRefSchema(OutputSchema):
    id = ma.fields.Integer()
    display_name = ma.fields.String()


class ReviewedApplicationSchema(ApplicationSchema):
    volunteer = ma.fields.Nested(VolunteerRefSchema)
    shift_start = BangkokDateTime()
    organization_id = ma.fields.Integer()
    waiting_since = BangkokDateTime()


class DecisionSchema(Schema):
    message = text(Application.decision_message, load_default="")


class RejectSchema(Schema):
    reason = text(Application.decision_message, required=True)


class AttendanceSchema(Schema):
    attended = ma.fields.Boolean(required=True)
    hours = ma.fields.Float(load_default=None, allow_none=True)


class QueueArgsSchema(PageArgsSchema):
    status = ma.fields.String(
        load_default="accepted",
        validate=ma.validate.OneOf([status.value for status in ApplicationStatus]),
    )
    organization_id = RecordId(load_default=None)
    cause = text(Cause.slug, load_default=None)
    starts_after = Day(load_default=None)
    starts_before = Day(load_default=None)


def reviewed_body(application: Application, answers: dict | None = None) -> dict:
    """An application with the volunteer, as organisations and staff see it."""
    return application_body(application, answers) | {
        "volunteer": {
            "id": application.volunteer.id,
            "display_name": application.volunteer.display_name,
        },
        "shift_start": application.shift.starts_at,
        "organization_id": application.shift.opportunity.organization_id,
        "waiting_since": application.status_changed_at,
    }


def _page(query: sa.Select, args: dict, organization_id: int | None = None) -> dict:
    """One page of applications; a staff member's view of the people is logged."""
    page = db.paginate(
        query,
        page=args["page"],
        per_page=args["per_page"],
        max_per_page=100,
        count=True,
    )
    if log_staff_view(
        current_user,
        "api_applications",
        [application.volunteer_id for application in page.items],
        organization_id=organization_id,
    ):
        db.session.commit()
    answers = answers_for(page.items)
    return {
        "items": [reviewed_body(a, answers[a.id]) for a in page.items],
        "total": page.total,
        "page": args["page"],
        "per_page": args["per_page"],
    }


@blp.route("/opportunities/<int:opportunity_id>/applications", methods=["GET"])
@login_required
@blp.arguments(PageArgsSchema, location="query", error_status_code=400)
@blp.response(200, page_schema(ReviewedApplicationSchema, "ReviewedApplicationPage"))
@blp.alt_response(403, schema=ErrorSchema, description="not_a_member")
@blp.doc(security=BEARER)
def opportunity_applications(args, opportunity_id: int):
    """Every application to an opportunity (its organisation's members, staff)."""
    opportunity = access.get_opportunity_or_404(
        opportunity_id, for_user=current_user, action=access.VIEW
    )
    return _page(
        queries.applications_to(opportunity.id), args, opportunity.organization_id
    )


@blp.route("/applications", methods=["GET"])
@staff_required
@blp.arguments(QueueArgsSchema, location="query", error_status_code=400)
@blp.response(200, page_schema(ReviewedApplicationSchema, "QueuePage"))
@blp.doc(security=BEARER)
def approval_queue(args):
    """The staff approval queue (status=accepted by default), longest waiting first."""
    query = queries.approval_queue(
        status=ApplicationStatus(args["status"]),
        organization_id=args["organization_id"],
        cause=args["cause"],
        starts_after=args["starts_after"],
        starts_before=args["starts_before"],
    )
    return _page(query, args)


def _decide(application_id: int, may: str, action, *args) -> dict:
    """Load the application for one allowed to do `may`, act, commit."""
    application = access.get_application_or_404(
        application_id, for_user=current_user, action=may
    )
    action(current_user, application, *args)
    db.session.commit()
    return reviewed_body(application)


@blp.route("/applications/<int:application_id>/accept", methods=["POST"])
@login_required
@blp.arguments(DecisionSchema)
@blp.response(200, ReviewedApplicationSchema)
@blp.alt_response(403, schema=ErrorSchema, description="not_a_member (also staff)")
@blp.alt_response(409, schema=ErrorSchema, description="shift_full, invalid_status")
@blp.doc(security=BEARER)
def accept(data, application_id: int):
    """Accept a pending application (organisation members)."""
    return _decide(
        application_id, access.ACT, workflow.accept_application, data["message"]
    )


@blp.route("/applications/<int:application_id>/decline", methods=["POST"])
@login_required
@blp.arguments(DecisionSchema)
@blp.response(200, ReviewedApplicationSchema)
@blp.alt_response(403, schema=ErrorSchema, description="not_a_member (also staff)")
@blp.alt_response(409, schema=ErrorSchema, description="invalid_status")
@blp.doc(security=BEARER)
def decline(data, application_id: int):
    """Decline a pending application (organisation members)."""
    return _decide(
        application_id, access.ACT, workflow.decline_application, data["message"]
    )


@blp.route("/applications/<int:application_id>/approve", methods=["POST"])
@staff_required
@blp.response(200, ReviewedApplicationSchema)
@blp.alt_response(409, schema=ErrorSchema, description="invalid_status")
@blp.doc(security=BEARER)
def approve(application_id: int):
    """Confirm an accepted match (staff)."""
    return _decide(application_id, access.REVIEW, workflow.approve_application)


@blp.route("/applications/<int:application_id>/reject", methods=["POST"])
@staff_required
@blp.arguments(RejectSchema)
@blp.response(200, ReviewedApplicationSchema)
@blp.alt_response(409, schema=ErrorSchema, description="invalid_status")
@blp.doc(security=BEARER)
def reject(data, application_id: int):
    """Refuse an accepted match, with a reason (staff)."""
    return _decide(
        application_id, access.REVIEW, workflow.reject_application, data["reason"]
    )


@blp.route("/applications/<int:application_id>/attendance", methods=["POST"])
@login_required
@blp.arguments(AttendanceSchema)
@blp.response(200, ReviewedApplicationSchema)
@blp.alt_response(
    403, schema=ErrorSchema, description="not_a_member (also staff), not_shift_day"
)
@blp.alt_response(
    409, schema=ErrorSchema, description="shift_not_started, invalid_status"
)
@blp.alt_response(422, schema=ErrorSchema, description="validation_error on hours")
@blp.doc(security=BEARER)
def attendance(data, application_id: int):
    """Record attended (with hours) or no-show, once the shift has started.

    Organisation members, and the shift's leads on the shift's day.
    """
    return _decide(
        application_id,
        access.ATTEND,
        workflow.record_attendance,
        data["attended"],
        data["hours"],
    )
