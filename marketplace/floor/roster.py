"""Rosters: who is on a shift or on an organisation's day, with phones for the day.

Every roster loads in a fixed number of queries (applications with their shifts
and volunteers, then phones, profile-sharing consent and leads), whatever its
length. `roster_answers` is the one place answers to an opportunity's questions
come from.
"""

from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..applications.confirmations import confirmation_state
from ..applications.questions import answers_for
from ..extensions import db
from ..models import (
    Application,
    ApplicationStatus,
    Opportunity,
    Shift,
    VolunteerProfile,
    utcnow,
)
from ..privacy.consents import profile_not_shared
from .coverage import day_bounds
from .leads import leads_of

# Who is on a roster: people with a place, and those who may still get one.
ROSTER_STATUSES = (
    ApplicationStatus.APPROVED,
    ApplicationStatus.ACCEPTED,
    ApplicationStatus.WAITLISTED,
    ApplicationStatus.PENDING,
)


@dataclass
class RosterLine:
    """One person on a roster."""

    application: Application
    phone: str | None
    is_lead: bool = False
    answers: dict = field(default_factory=dict)

    def as_json(self) -> dict:
        """The API item (API.md "Expo floor")."""
        application = self.application
        return {
            "application_id": application.id,
            "volunteer": {
                "id": application.volunteer_id,
                "display_name": application.volunteer.display_name,
                "phone": self.phone,
            },
            "status": application.status.value,
            "attendance": (
                application.attendance.value if application.attendance else None
            ),
            "answers": self.answers,
            "shift_id": application.shift_id,
            "is_lead": self.is_lead,
            # "Are you coming?": asked, confirmed, no_answer, cant_come or None.
            "confirmation": confirmation_state(application, utcnow()),
            "seeking_cover": application.seeking_cover,
        }


def roster_answers(applications: list[Application]) -> dict[int, dict]:
    """Each application's answers to its opportunity's questions, by application id.

    The one place rosters, their CSV and the API read answers from (the questions'
    own home is applications.questions).
    """
    return answers_for(applications)


def _roster(query: sa.Select) -> list[RosterLine]:
    applications = list(
        db.session.scalars(
            query.where(Application.status.in_(ROSTER_STATUSES)).options(
                so.joinedload(Application.volunteer),
                so.joinedload(Application.shift).joinedload(Shift.opportunity),
            )
        ).unique()
    )
    volunteer_ids = [a.volunteer_id for a in applications]
    hidden = profile_not_shared(volunteer_ids)
    phones = (
        dict(
            db.session.execute(
                sa.select(VolunteerProfile.user_id, VolunteerProfile.phone).where(
                    VolunteerProfile.user_id.in_(set(volunteer_ids))
                )
            ).all()
        )
        if volunteer_ids
        else {}
    )
    leads = leads_of([a.shift_id for a in applications])
    answers = roster_answers(applications)
    return [
        RosterLine(
            application=a,
            phone=None if a.volunteer_id in hidden else phones.get(a.volunteer_id),
            is_lead=any(
                lead.volunteer_id == a.volunteer_id for lead in leads[a.shift_id]
            ),
            answers=answers.get(a.id, {}),
        )
        for a in applications
    ]


def _order():
    status_rank = sa.case(
        {status.value: rank for rank, status in enumerate(ROSTER_STATUSES)},
        value=Application.status,
    )
    return status_rank, Application.status_changed_at, Application.id


def shift_roster(shift: Shift) -> list[RosterLine]:
    """The shift's people: approved first, then accepted, waitlisted, pending."""
    return _roster(
        sa.select(Application)
        .where(Application.shift_id == shift.id)
        .order_by(*_order())
    )


def day_roster(organization_id: int, day: date) -> list[RosterLine]:
    """Everyone on the organisation's shifts starting on the day, by shift."""
    start, end = day_bounds(day)
    return _roster(
        sa.select(Application)
        .join(Shift, Application.shift_id == Shift.id)
        .join(Opportunity, Shift.opportunity_id == Opportunity.id)
        .where(
            Opportunity.organization_id == organization_id,
            Shift.starts_at >= start,
            Shift.starts_at < end,
        )
        .order_by(Shift.starts_at, Shift.id, *_order())
    )


def answers_text(answers: dict) -> str:
    """Answers on one line, for the CSV and the printed roster."""
    return "; ".join(f"{key}: {value}" for key, value in answers.items())
