"""Who may use the floaters' routes, offers and application questions."""

from datetime import timedelta

from marketplace.extensions import db
from marketplace.models import (
    Floater,
    Offer,
    OfferKind,
    Opportunity,
    Question,
    QuestionKind,
    utcnow,
)

from .roles import MEMBER, MEMBER_OR_STAFF, ORGANIZERS, OWNER, VOLUNTEERS

MATRIX = {
    ("floaters.free_now", "GET"): VOLUNTEERS,
    ("floaters.say_free", "POST"): VOLUNTEERS,
    ("floaters.stop_floating", "POST"): VOLUNTEERS,
    ("floaters.accept_offer", "POST"): OWNER,
    ("floaters.decline_offer", "POST"): OWNER,
    # Members see their organisations' short shifts, staff every one.
    ("floaters.gaps", "GET"): ORGANIZERS,
    ("floaters.send_offer", "POST"): MEMBER_OR_STAFF,
    ("organizations.questions", "GET"): MEMBER,
    ("organizations.questions", "POST"): MEMBER,
    ("organizations.delete_question", "POST"): MEMBER,
    ("organizations.accept_many", "POST"): MEMBER,  # staff look, not act: 403
    ("api_offers.my_offers", "GET"): VOLUNTEERS,
    ("api_offers.accept", "POST"): OWNER,
    ("api_offers.decline", "POST"): OWNER,
}


def extend_world(world: dict) -> None:
    """An open offer for the volunteer, a question, the other volunteer floating."""
    now = utcnow()
    people = world["people"]
    offer = Offer(
        kind=OfferKind.FLOATER,
        shift_id=world["shift_id"],
        volunteer_id=people["volunteer"].id,
        offered_by_id=people["member"].id,
        created_at=now,
        expires_at=now + timedelta(hours=1),
    )
    question = Question(kind=QuestionKind.TEXT, label_th="ไซซ์เสื้อ", label_en="Size")
    db.session.get(Opportunity, world["opportunity_id"]).questions.append(question)
    db.session.add_all(
        [
            offer,
            Floater(
                volunteer_id=people["other_volunteer"].id,
                free_from=now - timedelta(minutes=1),
                free_until=now + timedelta(hours=2),
            ),
        ]
    )
    db.session.flush()
    world["offer_id"] = offer.id
    world["question_id"] = question.id


def json_body(endpoint: str, world: dict, role: str) -> dict | None:
    """A valid JSON body for an API endpoint of the area, or None."""
    return None


def form_body(endpoint: str, world: dict) -> dict | None:
    """Form fields a page of the area needs to reach its access decision."""
    return {
        "floaters.say_free": {"hours": "2"},
        "floaters.send_offer": {"volunteer_id": world["people"]["other_volunteer"].id},
        "organizations.questions": {"kind": "text", "label_th": "คำถาม"},
        "organizations.accept_many": {"application_id": world["application_id"]},
    }.get(endpoint)
