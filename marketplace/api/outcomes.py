"""Co-defined outcomes, reported values and pledges (docs/outcomes.md)."""

import marshmallow as ma
import sqlalchemy as sa
from flask_login import current_user, login_required
from flask_smorest import Blueprint

from ..access import staff_required
from ..errors import Forbidden
from ..extensions import db
from ..models import (
    Cause,
    Outcome,
    OutcomeComment,
    OutcomeRound,
    OutcomeStatus,
    Pledge,
    ReportedValue,
    RoundStatus,
)
from ..outcomes import queries, services
from ..outcomes.progress import progress_of
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

blp = Blueprint(
    "api_outcomes",
    __name__,
    description="Co-defined outcomes (Impact Bento), reported values and pledges",
)
BEARER = [{"bearerAuth": []}]


class RoundInSchema(Schema):
    title_th = text(OutcomeRound.title_th, required=True)
    title_en = text(OutcomeRound.title_en, load_default="")
    cause = text(Cause.slug, load_default=None, allow_none=True)


class RoundSchema(OutputSchema):
    id = ma.fields.Integer()
    title_th = ma.fields.String()
    title_en = ma.fields.String()
    cause = ma.fields.String(allow_none=True)
    status = ma.fields.String(metadata={"enum": [s.value for s in RoundStatus]})
    opened_at = BangkokDateTime()
    agreed_at = BangkokDateTime(allow_none=True)


class RoundArgsSchema(PageArgsSchema):
    status = ma.fields.String(
        load_default=None,
        validate=ma.validate.OneOf([status.value for status in RoundStatus]),
    )


class OutcomeInSchema(Schema):
    name_th = text(Outcome.name_th, required=True)
    name_en = text(Outcome.name_en, load_default="")
    source = ma.fields.String(
        required=True, validate=ma.validate.OneOf(["computed", "reported"])
    )
    indicator = text(Outcome.indicator, required=True)
    unit = text(Outcome.unit, load_default="")
    baseline = ma.fields.Float(load_default=0.0, allow_nan=False)
    target = ma.fields.Float(required=True, allow_nan=False)
    cause = text(Cause.slug, load_default=None, allow_none=True)
    organization_id = RecordId(load_default=None, allow_none=True)


class PersonSchema(OutputSchema):
    id = ma.fields.Integer()
    display_name = ma.fields.String()


class CommentSchema(OutputSchema):
    id = ma.fields.Integer()
    outcome_id = ma.fields.Integer()
    body = ma.fields.String()
    author = ma.fields.Nested(PersonSchema, allow_none=True)
    created_at = BangkokDateTime()


class CommentInSchema(Schema):
    body = text(OutcomeComment.body, required=True)


class ProgressSchema(OutputSchema):
    current = ma.fields.Float()
    ratio = ma.fields.Float()


class OutcomeSchema(OutputSchema):
    id = ma.fields.Integer()
    round_id = ma.fields.Integer()
    name_th = ma.fields.String()
    name_en = ma.fields.String()
    indicator = ma.fields.String()
    unit = ma.fields.String()
    baseline = ma.fields.Float()
    target = ma.fields.Float()
    cause = ma.fields.String(allow_none=True)
    organization_id = ma.fields.Integer(allow_none=True)
    source = ma.fields.String()
    status = ma.fields.String(metadata={"enum": [s.value for s in OutcomeStatus]})
    proposed_by = ma.fields.Nested(PersonSchema, allow_none=True)
    created_at = BangkokDateTime()
    endorsements = ma.fields.Integer()
    endorsed = ma.fields.Boolean()
    comments = ma.fields.List(
        ma.fields.Nested(CommentSchema),
        allow_none=True,
        metadata={"description": "null for anonymous callers"},
    )
    progress = ma.fields.Nested(
        ProgressSchema,
        allow_none=True,
        metadata={"description": "for agreed outcomes only"},
    )


class ReportedValueInSchema(Schema):
    opportunity_id = RecordId(required=True)
    value = ma.fields.Float(required=True, allow_nan=False)
    note = text(ReportedValue.note, load_default="")
    evidence_url = text(ReportedValue.evidence_url, load_default=None, allow_none=True)


class ReportedValueSchema(OutputSchema):
    id = ma.fields.Integer()
    outcome_id = ma.fields.Integer()
    opportunity_id = ma.fields.Integer()
    value = ma.fields.Float()
    note = ma.fields.String()
    evidence_url = ma.fields.String(allow_none=True)
    reported_by_id = ma.fields.Integer(allow_none=True)
    reported_at = BangkokDateTime()


class PledgeInSchema(Schema):
    kind = ma.fields.String(
        load_default="pledge", validate=ma.validate.OneOf(["pledge", "donation"])
    )
    amount_thb = ma.fields.Decimal(required=True, allow_nan=False, as_string=True)
    source_partner_id = RecordId(required=True)
    cause = text(Cause.slug, load_default=None, allow_none=True)
    organization_id = RecordId(load_default=None, allow_none=True)
    pledged_on = Day(required=True)
    note = text(Pledge.note, load_default="")


class PledgeSchema(OutputSchema):
    id = ma.fields.Integer()
    kind = ma.fields.String()
    amount_thb = ma.fields.String(metadata={"description": "decimal, 2 places"})
    cause = ma.fields.String(allow_none=True)
    organization_id = ma.fields.Integer(allow_none=True)
    source_partner_id = ma.fields.Integer()
    pledged_on = ma.fields.Date()
    note = ma.fields.String()
    created_at = BangkokDateTime()


def round_body(outcome_round: OutcomeRound) -> dict:
    """A round as the API writes it."""
    return {
        "id": outcome_round.id,
        "title_th": outcome_round.title_th,
        "title_en": outcome_round.title_en,
        "cause": outcome_round.cause.slug if outcome_round.cause else None,
        "status": outcome_round.status.value,
        "opened_at": outcome_round.opened_at,
        "agreed_at": outcome_round.agreed_at,
    }


def _comment_body(comment) -> dict:
    return {
        "id": comment.id,
        "outcome_id": comment.outcome_id,
        "body": comment.body,
        "author": (
            {"id": comment.user.id, "display_name": comment.user.display_name}
            if comment.user
            else None
        ),
        "created_at": comment.created_at,
    }


def outcome_bodies(outcomes: list[Outcome]) -> list[dict]:
    """Outcomes with endorsements, the caller's comments view and progress."""
    ids = [o.id for o in outcomes]
    counts = queries.endorsement_counts(ids)
    endorsed = queries.endorsed_by(current_user, ids)
    comments = queries.comments_of(ids) if current_user.is_authenticated else None
    progress = {
        item.outcome.id: item
        for item in progress_of(
            [o for o in outcomes if o.status is OutcomeStatus.AGREED]
        )
    }
    bodies = []
    for o in outcomes:
        item = progress.get(o.id)
        bodies.append(
            {
                "id": o.id,
                "round_id": o.round_id,
                "name_th": o.name_th,
                "name_en": o.name_en,
                "indicator": o.indicator,
                "unit": o.unit,
                "baseline": o.baseline,
                "target": o.target,
                "cause": o.cause.slug if o.cause else None,
                "organization_id": o.organization_id,
                "source": o.source.value,
                "status": o.status.value,
                "proposed_by": (
                    {"id": o.proposed_by.id, "display_name": o.proposed_by.display_name}
                    if o.proposed_by and current_user.is_authenticated
                    else None
                ),
                "created_at": o.created_at,
                "endorsements": counts.get(o.id, 0),
                "endorsed": o.id in endorsed,
                "comments": (
                    [_comment_body(c) for c in comments.get(o.id, [])]
                    if comments is not None
                    else None
                ),
                "progress": (
                    {"current": item.current, "ratio": item.ratio} if item else None
                ),
            }
        )
    return bodies


def _reported_body(reported) -> dict:
    return {
        "id": reported.id,
        "outcome_id": reported.outcome_id,
        "opportunity_id": reported.opportunity_id,
        "value": reported.value,
        "note": reported.note,
        "evidence_url": reported.evidence_url,
        "reported_by_id": reported.reported_by_id,
        "reported_at": reported.reported_at,
    }


def pledge_body(pledge: Pledge) -> dict:
    """A pledge as the API writes it (the amount as a decimal string)."""
    return {
        "id": pledge.id,
        "kind": pledge.kind.value,
        "amount_thb": f"{pledge.amount_thb:.2f}",
        "cause": pledge.cause.slug if pledge.cause else None,
        "organization_id": pledge.organization_id,
        "source_partner_id": pledge.source_partner_id,
        "pledged_on": pledge.pledged_on,
        "note": pledge.note,
        "created_at": pledge.created_at,
    }


def _paginate(query: sa.Select, args: dict):
    return db.paginate(
        query, page=args["page"], per_page=args["per_page"], max_per_page=100
    )


def _envelope(items: list, page, args: dict) -> dict:
    return {
        "items": items,
        "total": page.total,
        "page": args["page"],
        "per_page": args["per_page"],
    }


@blp.route("/outcome-rounds", methods=["GET"])
@blp.arguments(RoundArgsSchema, location="query", error_status_code=400)
@blp.response(200, page_schema(RoundSchema, "OutcomeRoundPage"))
def list_rounds(args):
    """Every round of co-defining outcomes, newest first (public)."""
    query = sa.select(OutcomeRound).order_by(
        OutcomeRound.opened_at.desc(), OutcomeRound.id.desc()
    )
    if args["status"]:
        query = query.where(OutcomeRound.status == RoundStatus(args["status"]))
    page = _paginate(query.options(sa.orm.joinedload(OutcomeRound.cause)), args)
    return _envelope([round_body(r) for r in page.items], page, args)


@blp.route("/outcome-rounds", methods=["POST"])
@staff_required
@blp.arguments(RoundInSchema)
@blp.response(201, RoundSchema)
@blp.alt_response(422, schema=ErrorSchema, description="validation_error")
@blp.doc(security=BEARER)
def create_round(data):
    """Open a round (staff)."""
    outcome_round = services.open_round(current_user, services.RoundInput(**data))
    db.session.commit()
    return round_body(outcome_round)


@blp.route("/outcome-rounds/<int:round_id>", methods=["GET"])
@blp.response(200, RoundSchema)
def get_round(round_id: int):
    """One round (public)."""
    return round_body(services.get_round(round_id))


@blp.route("/outcome-rounds/<int:round_id>/close", methods=["POST"])
@staff_required
@blp.response(200, RoundSchema)
@blp.alt_response(409, schema=ErrorSchema, description="round_closed, nothing_agreed")
@blp.doc(security=BEARER)
def close_round(round_id: int):
    """Close a round as agreed (staff); outcomes still proposed are set aside."""
    outcome_round = services.close_round(current_user, services.get_round(round_id))
    db.session.commit()
    return round_body(outcome_round)


@blp.route("/outcome-rounds/<int:round_id>/outcomes", methods=["GET"])
@blp.arguments(PageArgsSchema, location="query", error_status_code=400)
@blp.response(200, page_schema(OutcomeSchema, "OutcomePage"))
def list_outcomes(args, round_id: int):
    """A round's outcomes with endorsements, comments (logged in) and progress."""
    outcome_round = services.get_round(round_id)
    page = _paginate(queries.outcomes_query(outcome_round.id), args)
    return _envelope(outcome_bodies(list(page.items)), page, args)


@blp.route("/outcome-rounds/<int:round_id>/outcomes", methods=["POST"])
@login_required
@blp.arguments(OutcomeInSchema)
@blp.response(201, OutcomeSchema)
@blp.alt_response(403, schema=ErrorSchema, description="not_a_member, forbidden")
@blp.alt_response(409, schema=ErrorSchema, description="round_closed")
@blp.alt_response(422, schema=ErrorSchema, description="validation_error")
@blp.doc(security=BEARER)
def propose_outcome(data, round_id: int):
    """Propose an outcome (members for their organisation; staff, also expo-wide)."""
    outcome_round = services.get_round(round_id)
    outcome = services.propose_outcome(
        current_user, outcome_round, services.OutcomeInput(**data)
    )
    db.session.commit()
    return outcome_bodies([outcome])[0]


def _outcome_action(outcome_id: int, action, *args) -> dict:
    outcome = services.get_outcome(outcome_id)
    action(current_user, outcome, *args)
    db.session.commit()
    return outcome_bodies([outcome])[0]


@blp.route("/outcomes/<int:outcome_id>/endorse", methods=["POST"])
@login_required
@blp.response(200, OutcomeSchema)
@blp.alt_response(409, schema=ErrorSchema, description="round_closed")
@blp.doc(security=BEARER)
def endorse(outcome_id: int):
    """Endorse an outcome (any logged-in stakeholder); again changes nothing."""
    return _outcome_action(outcome_id, services.endorse)


@blp.route("/outcomes/<int:outcome_id>/comments", methods=["POST"])
@login_required
@blp.arguments(CommentInSchema)
@blp.response(201, CommentSchema)
@blp.alt_response(409, schema=ErrorSchema, description="round_closed")
@blp.alt_response(422, schema=ErrorSchema, description="validation_error")
@blp.doc(security=BEARER)
def comment(data, outcome_id: int):
    """Comment on an outcome (any logged-in stakeholder)."""
    note = services.comment(
        current_user, services.get_outcome(outcome_id), data["body"]
    )
    db.session.commit()
    return _comment_body(note)


@blp.route("/outcomes/<int:outcome_id>/agree", methods=["POST"])
@staff_required
@blp.response(200, OutcomeSchema)
@blp.alt_response(409, schema=ErrorSchema, description="round_closed")
@blp.doc(security=BEARER)
def agree(outcome_id: int):
    """Mark an outcome agreed (staff)."""
    return _outcome_action(outcome_id, services.decide, OutcomeStatus.AGREED)


@blp.route("/outcomes/<int:outcome_id>/set-aside", methods=["POST"])
@staff_required
@blp.response(200, OutcomeSchema)
@blp.alt_response(409, schema=ErrorSchema, description="round_closed")
@blp.doc(security=BEARER)
def set_aside(outcome_id: int):
    """Set an outcome aside (staff)."""
    return _outcome_action(outcome_id, services.decide, OutcomeStatus.SET_ASIDE)


@blp.route("/outcomes/<int:outcome_id>/reported-values", methods=["GET"])
@login_required
@blp.arguments(PageArgsSchema, location="query", error_status_code=400)
@blp.response(200, page_schema(ReportedValueSchema, "ReportedValuePage"))
@blp.alt_response(403, schema=ErrorSchema, description="not_a_member")
@blp.doc(security=BEARER)
def list_reported_values(args, outcome_id: int):
    """Reported values: all of them for staff, one's own organisations' for members."""
    outcome = services.get_outcome(outcome_id)
    scope = None
    if not current_user.is_staff:
        if not services.can_report(current_user, outcome):
            raise Forbidden()
        scope = services.member_ids(current_user)
    page = _paginate(queries.reported_values(outcome.id, scope), args)
    return _envelope([_reported_body(r) for r in page.items], page, args)


@blp.route("/outcomes/<int:outcome_id>/reported-values", methods=["POST"])
@login_required
@blp.arguments(ReportedValueInSchema)
@blp.response(201, ReportedValueSchema)
@blp.alt_response(403, schema=ErrorSchema, description="not_a_member")
@blp.alt_response(
    409, schema=ErrorSchema, description="invalid_status (not agreed), not_reported"
)
@blp.alt_response(422, schema=ErrorSchema, description="validation_error")
@blp.doc(security=BEARER)
def report_value(data, outcome_id: int):
    """Report a value for an agreed reported outcome, for one's own opportunity."""
    reported = services.report_value(
        current_user, services.get_outcome(outcome_id), services.ReportInput(**data)
    )
    db.session.commit()
    return _reported_body(reported)


def _pledge_scope() -> set[int] | None:
    if current_user.is_staff:
        return None
    partners = services.giving_partner_ids(current_user)
    if not partners:
        raise Forbidden()
    return partners


@blp.route("/pledges", methods=["GET"])
@login_required
@blp.arguments(PageArgsSchema, location="query", error_status_code=400)
@blp.response(200, page_schema(PledgeSchema, "PledgePage"))
@blp.alt_response(403, schema=ErrorSchema, description="forbidden")
@blp.doc(security=BEARER)
def list_pledges(args):
    """Pledges and donations: all for staff, a giving partner's own for its members."""
    page = _paginate(queries.pledges_query(_pledge_scope()), args)
    return _envelope([pledge_body(p) for p in page.items], page, args)


@blp.route("/pledges", methods=["POST"])
@login_required
@blp.arguments(PledgeInSchema)
@blp.response(201, PledgeSchema)
@blp.alt_response(403, schema=ErrorSchema, description="not_a_member")
@blp.alt_response(422, schema=ErrorSchema, description="validation_error")
@blp.doc(security=BEARER)
def create_pledge(data):
    """Record a pledge or donation (staff, or a member of that giving partner)."""
    pledge = services.record_pledge(
        current_user,
        services.PledgeInput(
            source_partner_id=data["source_partner_id"],
            amount=data["amount_thb"],
            kind=data["kind"],
            cause=data["cause"],
            organization_id=data["organization_id"],
            pledged_on=data["pledged_on"],
            note=data["note"],
        ),
    )
    db.session.commit()
    return pledge_body(pledge)
