"""The impact side of the expo demo: past shifts served, feedback, outcomes, money.

Called by DemoBuilder.build (so it runs exactly when the demo is built, on an empty
database) with the builder's seeded random generator: the same day gives the same
numbers.
"""

import random
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from ..extensions import db
from ..i18n import BANGKOK
from ..models import (
    Application,
    ApplicationStatus,
    Attendance,
    Feedback,
    Opportunity,
    Organization,
    OrganizationKind,
    OrganizationStatus,
    Outcome,
    OutcomeRound,
    OutcomeSource,
    OutcomeStatus,
    Pledge,
    PledgeKind,
    ReportedValue,
    RoundStatus,
    Shift,
    User,
    utcnow,
)

PAST_OPPORTUNITIES = 24
PAST_WEEKS = (12, 10, 8, 6, 4, 2)
PAST_VOLUNTEERS = 150
FEEDBACK_SHARE = 0.6
PLEDGES = 30
SOURCES = ("social", "line", "school", "friend")

# (indicator, name_th, name_en, unit, baseline, target)
COMPUTED_OUTCOMES = [
    ("attended_hours", "ชั่วโมงอาสาที่ได้ลงมือทำจริง", "Hours of volunteering served",
     "hours", 0, 3000),
    ("approved_matches", "การจับคู่อาสากับองค์กรที่ได้รับอนุมัติ", "Approved matches",
     "matches", 0, 600),
    ("returning_volunteers", "อาสาสมัครที่กลับมาอีกภายใน 90 วัน",
     "Volunteers returning within 90 days", "people", 0, 80),
    ("would_volunteer_again", "อาสาสมัครที่อยากเป็นอาสาอีก", "Volunteers who would "
     "volunteer again", "people", 0, 150),
    ("pledged_thb", "เงินบริจาคและคำมั่นผ่านภาคีด้านการให้",
     "Money pledged and donated through giving partners", "THB", 0, 2_000_000),
]  # fmt: skip
# (cause slug, name_th, name_en, unit, target, value range per report)
REPORTED_OUTCOMES = [
    ("environment", "ต้นไม้ที่ปลูกและดูแลต่อ", "Trees planted and cared for", "trees",
     5000, (50, 400)),
    ("education", "เด็กที่ได้รับการสอนเสริม", "Children tutored", "children",
     800, (10, 60)),
]  # fmt: skip


def build_impact_demo(
    rng: random.Random,
    today: date,
    staff: User,
    organizations: dict[str, Organization],
    opportunities: list[Opportunity],
    volunteers: list[User],
) -> dict[str, int]:
    """Add the impact demo into the current session (no commit); return counts."""
    partners = [
        o
        for o in organizations.values()
        if o.status is OrganizationStatus.VERIFIED
        and o.kind is not OrganizationKind.GIVING_PARTNER
    ]
    attended = _past_shifts(rng, today, opportunities, volunteers)
    feedback = _feedback(rng, attended)
    _sources(rng, today, volunteers, partners)
    outcomes, reported = _outcome_round(rng, today, staff, organizations, opportunities)
    pledges = _pledges(rng, today, staff, organizations, partners)
    db.session.flush()
    return {
        "attended_applications": len(attended),
        "feedback": feedback,
        "outcomes": outcomes,
        "reported_values": reported,
        "pledges": pledges,
    }


def _past_shifts(
    rng: random.Random,
    today: date,
    opportunities: list[Opportunity],
    volunteers: list[User],
) -> list[Application]:
    """Shifts of the last weeks, served by volunteers, some of them more than once."""
    on_site = [o for o in opportunities if not o.is_expo and o.organization.is_verified]
    chosen = rng.sample(on_site, min(PAST_OPPORTUNITIES, len(on_site)))
    shifts: list[Shift] = []
    for index, opportunity in enumerate(chosen):
        length = opportunity.shifts[0].ends_at - opportunity.shifts[0].starts_at
        saturday = today - timedelta(days=(today.weekday() - 5) % 7)
        for weeks in PAST_WEEKS[index % 2 :: 2]:
            day = saturday - timedelta(weeks=weeks) + timedelta(days=index % 2)
            starts = datetime.combine(day, time(9), BANGKOK)
            shift = Shift(
                starts_at=starts, ends_at=starts + length, capacity=12, spots_taken=0
            )
            opportunity.shifts.append(shift)
            shifts.append(shift)
    attended = []
    regulars = rng.sample(volunteers[1:], min(PAST_VOLUNTEERS, len(volunteers) - 1))
    for volunteer in regulars:
        taken: list[Shift] = []
        for shift in rng.sample(shifts, rng.choice([1, 1, 2, 2, 3])):
            if shift.spots_taken >= shift.capacity or any(
                s.starts_at < shift.ends_at and shift.starts_at < s.ends_at
                for s in taken
            ):
                continue
            shift.spots_taken += 1
            taken.append(shift)
            came = rng.random() < 0.88
            hours = (shift.ends_at - shift.starts_at).total_seconds() / 3600
            application = Application(
                shift=shift,
                volunteer=volunteer,
                status=ApplicationStatus.APPROVED,
                attendance=Attendance.ATTENDED if came else Attendance.NO_SHOW,
                hours=min(hours, 24) if came else None,
                created_at=shift.starts_at - timedelta(days=rng.randint(3, 20)),
                status_changed_at=shift.starts_at - timedelta(days=2),
            )
            db.session.add(application)
            if came:
                attended.append(application)
        # Registered before their first shift.
        if taken:
            first = min(s.starts_at for s in taken)
            volunteer.created_at = first - timedelta(days=rng.randint(7, 30))
    return attended


def _feedback(rng: random.Random, attended: list[Application]) -> int:
    count = 0
    for application in attended:
        if rng.random() >= FEEDBACK_SHARE:
            continue
        rating = rng.choice([3, 4, 4, 5, 5, 5])
        db.session.add(
            Feedback(
                application=application,
                rating=rating,
                would_volunteer_again=rating >= 4 or rng.random() < 0.3,
                active_citizen=rng.random() < 0.7,
                learned_skill=rng.random() < 0.5,
                created_at=application.shift.ends_at + timedelta(days=1),
            )
        )
        count += 1
    return count


def _sources(
    rng: random.Random,
    today: date,
    volunteers: list[User],
    partners: list[Organization],
) -> None:
    """Where volunteers came from: booth codes at the last expo, social media, …"""
    booths = rng.sample(partners, min(8, len(partners)))
    now = utcnow()
    for volunteer in volunteers[1:]:
        roll = rng.random()
        if roll < 0.3:
            volunteer.signup_source = f"booth:{rng.choice(booths).id}"
        elif roll < 0.7:
            volunteer.signup_source = rng.choice(SOURCES)
        if volunteer.created_at is None or volunteer.created_at > now - timedelta(
            days=1
        ):
            volunteer.created_at = now - timedelta(days=rng.randint(1, 120))


def _outcome_round(
    rng: random.Random,
    today: date,
    staff: User,
    organizations: dict[str, Organization],
    opportunities: list[Opportunity],
) -> tuple[int, int]:
    """An agreed round for the expo: computed outcomes and two reported ones."""
    year = today.year + 543
    agreed = utcnow() - timedelta(days=30)
    round_ = OutcomeRound(
        title_th=f"ผลลัพธ์ที่ร่วมกันกำหนด Good Society Expo {year}",
        title_en=f"Outcomes co-defined for the Good Society Expo {today.year}",
        status=RoundStatus.AGREED,
        opened_by_id=staff.id,
        opened_at=agreed - timedelta(days=21),
        agreed_at=agreed,
    )
    db.session.add(round_)
    for indicator, name_th, name_en, unit, baseline, target in COMPUTED_OUTCOMES:
        round_.outcomes.append(
            Outcome(
                name_th=name_th,
                name_en=name_en,
                indicator=indicator,
                unit=unit,
                baseline=baseline,
                target=target,
                source=OutcomeSource.COMPUTED,
                status=OutcomeStatus.AGREED,
                proposed_by_id=staff.id,
            )
        )
    reported = 0
    for slug, name_th, name_en, unit, target, (low, high) in REPORTED_OUTCOMES:
        outcome = Outcome(
            name_th=name_th,
            name_en=name_en,
            indicator=name_en.lower(),
            unit=unit,
            baseline=0,
            target=target,
            cause_id=next(
                (c.id for o in opportunities for c in o.causes if c.slug == slug), None
            ),
            source=OutcomeSource.REPORTED,
            status=OutcomeStatus.AGREED,
            proposed_by_id=staff.id,
        )
        round_.outcomes.append(outcome)
        related = [
            o
            for o in opportunities
            if o.organization.is_verified and any(c.slug == slug for c in o.causes)
        ]
        for opportunity in rng.sample(related, min(6, len(related))):
            reporter = opportunity.organization.memberships[0].user
            db.session.add(
                ReportedValue(
                    outcome=outcome,
                    opportunity_id=opportunity.id,
                    value=float(rng.randint(low, high)),
                    note="รายงานจากองค์กร (ข้อมูลตัวอย่าง)",
                    reported_by_id=reporter.id,
                    reported_at=utcnow() - timedelta(days=rng.randint(1, 25)),
                )
            )
            reported += 1
    return len(round_.outcomes), reported


def _pledges(
    rng: random.Random,
    today: date,
    staff: User,
    organizations: dict[str, Organization],
    partners: list[Organization],
) -> int:
    """Pledges and donations brought through the giving partners."""
    giving = [
        o for o in organizations.values() if o.kind is OrganizationKind.GIVING_PARTNER
    ]
    if not giving:
        return 0
    for _ in range(PLEDGES):
        organization = rng.choice(partners) if rng.random() < 0.8 else None
        causes = organization.causes if organization else []
        db.session.add(
            Pledge(
                kind=PledgeKind.DONATION if rng.random() < 0.55 else PledgeKind.PLEDGE,
                amount_thb=Decimal(rng.choice([500, 1000, 5000, 20000, 50000, 150000])),
                cause_id=causes[0].id if causes else None,
                organization_id=organization.id if organization else None,
                source_partner_id=rng.choice(giving).id,
                pledged_on=today - timedelta(days=rng.randint(0, 60)),
                note="ข้อมูลตัวอย่าง",
                recorded_by_id=staff.id,
            )
        )
    return PLEDGES
