"""Places offered to a volunteer, and taking them (API.md "Reach")."""

import marshmallow as ma
from flask_login import current_user
from flask_smorest import Blueprint

from ..access import role_required
from ..cover import services as cover
from ..extensions import db
from ..floaters import services
from ..models import Offer, Role
from .schemas import (
    BangkokDateTime,
    ErrorSchema,
    OutputSchema,
    PageArgsSchema,
    page_of,
    page_schema,
)

blp = Blueprint("api_offers", __name__, description="Places offered to volunteers")
BEARER = [{"bearerAuth": []}]


class OfferSchema(OutputSchema):
    id = ma.fields.Integer()
    shift_id = ma.fields.Integer()
    opportunity_id = ma.fields.Integer()
    expires_at = BangkokDateTime()
    kind = ma.fields.String()
    status = ma.fields.String()
    application_id = ma.fields.Integer(allow_none=True)


def offer_body(offer: Offer) -> dict:
    """An offer as API.md writes it (with its kind, status and application)."""
    return {
        "id": offer.id,
        "shift_id": offer.shift_id,
        "opportunity_id": offer.shift.opportunity_id,
        "expires_at": offer.expires_at,
        "kind": offer.kind.value,
        "status": offer.status.value,
        "application_id": offer.application_id,
    }


@blp.route("/me/offers", methods=["GET"])
@role_required(Role.VOLUNTEER)
@blp.arguments(PageArgsSchema, location="query", error_status_code=400)
@blp.response(200, page_schema(OfferSchema, "OfferPage"))
@blp.doc(security=BEARER)
def my_offers(args):
    """The caller's live offers (open, not expired), soonest to expire first."""
    offers = services.offers_of(current_user)
    return page_of([offer_body(o) for o in offers], args["page"], args["per_page"])


@blp.route("/offers/<int:offer_id>/accept", methods=["POST"])
@role_required(Role.VOLUNTEER)
@blp.response(200, OfferSchema)
@blp.alt_response(404, schema=ErrorSchema, description="not_found")
@blp.alt_response(
    409,
    schema=ErrorSchema,
    description="offer_expired, shift_full, shift_overlap, shift_closed, "
    "already_applied, invalid_status",
)
@blp.doc(security=BEARER)
def accept(offer_id: int):
    """Take the offered place: it is held at once, within capacity."""
    offer = services.accept_offer(current_user, offer_id)
    db.session.commit()
    return offer_body(offer)


@blp.route("/offers/<int:offer_id>/decline", methods=["POST"])
@role_required(Role.VOLUNTEER)
@blp.response(200, OfferSchema)
@blp.alt_response(404, schema=ErrorSchema, description="not_found")
@blp.alt_response(409, schema=ErrorSchema, description="offer_expired, invalid_status")
@blp.doc(security=BEARER)
def decline(offer_id: int):
    """Say no to an offered place."""
    offer = services.decline_offer(current_user, offer_id)
    db.session.commit()
    return offer_body(offer)


class CoverSchema(OutputSchema):
    status = ma.fields.String()
    application_id = ma.fields.Integer()


@blp.route("/applications/<int:application_id>/cover", methods=["POST"])
@role_required(Role.VOLUNTEER)
@blp.response(202, CoverSchema)
@blp.alt_response(404, schema=ErrorSchema, description="not_found")
@blp.alt_response(409, schema=ErrorSchema, description="invalid_status, shift_closed")
@blp.doc(security=BEARER)
def ask_for_cover(application_id: int):
    """Hand one's held place on: it is offered to the waitlist, then to ranked
    candidates, one at a time; it stays the caller's until someone takes it."""
    application = cover.ask_for_cover(current_user, application_id)
    db.session.commit()
    return {"status": "seeking_cover", "application_id": application.id}
