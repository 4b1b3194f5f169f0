"""The expo floor in the demo: floaters, an offer waiting, questions answered.

The demo volunteer has a place offered on the organiser's shift running now
(under "I'm free now"), a few other volunteers are free now beside it, and the
organiser's review opportunity asks a T-shirt size that its applicants answered.
"""

import random
from datetime import datetime, timedelta

from ..extensions import db
from ..models import (
    ApplicationStatus,
    ConsentPurpose,
    Floater,
    Offer,
    OfferKind,
    Organization,
    Question,
    QuestionKind,
    User,
)
from ..privacy.consents import consented_to_matching, record_consents
from .journeys import REVIEW_TITLE, RUNNING_NOW_TITLE

SIZES = ["S", "M", "L", "XL"]
FOOD = [("มังสวิรัติ", "Vegetarian"), ("ฮาลาล", "Halal"), ("แพ้อาหารทะเล", "No seafood")]


def build_floor_demo(
    rng: random.Random,
    volunteer: User,
    organizer_org: Organization,
    others: list[User],
    now: datetime,
    notice_version: str,
) -> dict[str, int]:
    """Add the floor's showcase rows (no commit); return counts."""
    by_title = {o.title: o for o in organizer_org.opportunities}
    running = by_title[RUNNING_NOW_TITLE].shifts[-1]
    member = organizer_org.memberships[0].user
    consented = set(db.session.scalars(consented_to_matching()))
    if volunteer.id not in consented:
        record_consents(volunteer, {ConsentPurpose.MATCHING: True}, notice_version)
    busy = {a.volunteer_id for a in running.applications}
    floaters = [v for v in others if v.id in consented and v.id not in busy][:6]
    for person in [volunteer, *floaters]:
        hours = rng.choice([2, 3, 4]) if person is not volunteer else 3
        db.session.add(
            Floater(
                volunteer_id=person.id,
                free_from=now - timedelta(minutes=rng.randint(1, 20)),
                free_until=now + timedelta(hours=hours),
            )
        )
    db.session.add(
        Offer(
            kind=OfferKind.FLOATER,
            shift_id=running.id,
            volunteer_id=volunteer.id,
            offered_by_id=member.id,
            created_at=now,
            expires_at=max(
                running.ends_at - timedelta(minutes=30), now + timedelta(1 / 24)
            ),
        )
    )
    review = by_title[REVIEW_TITLE]
    size = Question(
        kind=QuestionKind.CHOICE,
        label_th="ไซซ์เสื้อยืดอาสา",
        label_en="Volunteer T-shirt size",
        choices=[{"value": s.lower(), "th": s, "en": s} for s in SIZES],
        required=True,
        position=1,
    )
    food = Question(
        kind=QuestionKind.CHOICES,
        label_th="ข้อจำกัดด้านอาหาร",
        label_en="Dietary needs",
        choices=[
            {"value": str(n), "th": th, "en": en} for n, (th, en) in enumerate(FOOD, 1)
        ],
        position=2,
    )
    review.questions.extend([size, food])
    db.session.flush()
    answered = 0
    for shift in review.shifts:
        for application in shift.applications:
            if application.status is not ApplicationStatus.PENDING:
                continue
            answers = {str(size.id): rng.choice(SIZES).lower()}
            if rng.random() < 0.5:
                answers[str(food.id)] = [str(rng.randint(1, len(FOOD)))]
            application.answers = answers
            answered += 1
    return {"floaters": len(floaters) + 1, "offers": 1, "answered_questions": answered}
