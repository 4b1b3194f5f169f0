"""The marketplace-wide proposal: snapshot the database, solve, keep the result.

A run is created by staff, executed on the job queue (`run_proposal_task`, or
`flask propose-matches RUN_ID` by an operator), and reviewed; chosen rows become
invitations.
"""

import logging
from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
import sqlalchemy.orm as so

from .. import matching
from ..applications.eligibility import matchable_volunteers
from ..applications.openness import is_open
from ..extensions import db
from ..i18n import BANGKOK, to_bangkok
from ..jobs import after_commit, task
from ..main.queries import listed_opportunities
from ..models import (
    Cause,
    Opportunity,
    ProposalRun,
    RunStatus,
    Shift,
    User,
    VolunteerProfile,
    utcnow,
)
from ..recommendations import (
    as_opportunity,
    as_shift,
    as_volunteer,
    held_intervals,
    reliabilities,
)

logger = logging.getLogger(__name__)

K_PER_VOLUNTEER = 10
M_PER_SHIFT = 20


def _progress(run: ProposalRun, text: str) -> None:
    """Save how far the run is, so the page polling it can show it."""
    run.progress = text
    db.session.commit()


def _snapshot(filters: dict[str, Any], now: datetime):
    """Consenting volunteers, and open shifts of listed opportunities, as plain data."""
    query = listed_opportunities(now)
    if filters.get("causes"):
        query = query.where(Opportunity.causes.any(Cause.slug.in_(filters["causes"])))
    if filters.get("organizations"):
        query = query.where(Opportunity.organization_id.in_(filters["organizations"]))
    first = _day(filters.get("first_day"), 0)
    last = _day(filters.get("last_day"), 1)
    opportunities = db.session.scalars(query).all()
    shifts = [
        (shift, opportunity)
        for opportunity in opportunities
        for shift in opportunity.shifts
        if is_open(shift, now)
        and shift.spots_left > 0
        and (first is None or shift.starts_at >= first)
        and (last is None or shift.starts_at < last)
    ]
    profiles = db.session.scalars(
        sa.select(VolunteerProfile)
        .join(VolunteerProfile.user)
        .where(User.id.in_(matchable_volunteers()))
        .options(
            so.selectinload(VolunteerProfile.skills),
            so.selectinload(VolunteerProfile.causes),
            so.selectinload(VolunteerProfile.availability),
        )
    ).all()
    held = held_intervals([profile.user_id for profile in profiles])
    reliable = reliabilities([profile.user_id for profile in profiles], now)
    volunteers = [
        as_volunteer(profile, held.get(profile.user_id, []), reliable[profile.user_id])
        for profile in profiles
        if profile.availability
    ]
    return (
        volunteers,
        [as_opportunity(opportunity) for opportunity in opportunities],
        [as_shift(shift, opportunity) for shift, opportunity in shifts],
    )


def _day(text: str | None, offset: int) -> datetime | None:
    if not text:
        return None
    return datetime.combine(date.fromisoformat(text), time.min, BANGKOK) + timedelta(
        days=offset
    )


def _summary(proposal: matching.Proposal) -> dict[str, Any]:
    return {
        "total_score": round(proposal.total_score, 3),
        "placed": proposal.placed_volunteers,
        "shifts_covered": proposal.shifts_covered,
        "organizations_covered": proposal.organizations_covered,
        "seconds": round(proposal.seconds, 3),
    }


def execute_run(run_id: int) -> ProposalRun:
    """Run one queued proposal to the end (or to a recorded failure)."""
    run = db.session.get(ProposalRun, run_id)
    if run is None or run.status is not RunStatus.QUEUED:
        raise ValueError(f"run {run_id} is not queued")
    run.status = RunStatus.RUNNING
    _progress(run, "snapshot")
    try:
        now = utcnow()
        volunteers, opportunities, shifts = _snapshot(run.filters, now)
        _progress(run, "candidates")
        index = matching.MatchingIndex(volunteers, opportunities, shifts)
        candidates = index.candidates(now, K_PER_VOLUNTEER, M_PER_SHIFT)
        _progress(run, "solving")
        optimal = matching.propose(candidates, shifts)
        baseline = matching.greedy(candidates, shifts)
        run.summary = {
            "volunteers": len(volunteers),
            "shifts": len(shifts),
            "candidates": len(candidates),
            "optimal": _summary(optimal),
            "greedy": _summary(baseline),
        }
        run.rows = _rows(optimal)
        run.status = RunStatus.DONE
        run.progress = "done"
    except Exception as error:  # recorded for staff; the run must not hang
        db.session.rollback()
        run = db.session.get(ProposalRun, run_id)
        run.status = RunStatus.FAILED
        run.error = f"{type(error).__name__}: {error}"[:1000]
    run.finished_at = utcnow()
    db.session.commit()
    return run


def _rows(proposal: matching.Proposal) -> list[dict[str, Any]]:
    """The proposed placements with the names staff need to review them."""
    shift_ids = {row.shift_id for row in proposal.rows}
    volunteer_ids = {row.volunteer_id for row in proposal.rows}
    shifts = {
        shift.id: shift
        for shift in db.session.scalars(
            sa.select(Shift)
            .where(Shift.id.in_(shift_ids))
            .options(
                so.joinedload(Shift.opportunity).joinedload(Opportunity.organization)
            )
        )
    }
    names = dict(
        db.session.execute(
            sa.select(User.id, User.display_name).where(User.id.in_(volunteer_ids))
        ).all()
    )
    rows = [
        {
            "volunteer_id": row.volunteer_id,
            "volunteer": names.get(row.volunteer_id, ""),
            "shift_id": row.shift_id,
            "opportunity": shifts[row.shift_id].opportunity.title,
            "organization": shifts[row.shift_id].opportunity.organization.name_th,
            "starts_at": to_bangkok(shifts[row.shift_id].starts_at).isoformat(),
            "score": round(row.score, 3),
        }
        for row in proposal.rows
    ]
    rows.sort(key=lambda r: (r["organization"], r["starts_at"], -r["score"]))
    return rows


@task()
def run_proposal_task(run_id: int) -> None:
    """Run a queued proposal on the consumer; a repeated delivery does nothing.

    No retries: a failure is recorded on the run itself (status failed, error).
    """
    run = db.session.get(ProposalRun, run_id)
    if run is None or run.status is not RunStatus.QUEUED:
        logger.info("Proposal run %s is not queued: nothing to do.", run_id)
        return
    execute_run(run_id)


def start_run(run: ProposalRun) -> None:
    """Queue a run: the consumer starts it once the caller's transaction commits."""
    after_commit(run_proposal_task, run.id)
