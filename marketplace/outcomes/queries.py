"""Reading outcome rounds, their history, reported values and pledges."""

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

import sqlalchemy as sa
import sqlalchemy.orm as so

from ..extensions import db
from ..models import (
    AuditEvent,
    Cause,
    Membership,
    Opportunity,
    Organization,
    OrganizationStatus,
    Outcome,
    OutcomeComment,
    OutcomeEndorsement,
    OutcomeRound,
    OutcomeStatus,
    Pledge,
    PledgeKind,
    ReportedValue,
    User,
)
from .progress import OutcomeProgress, progress_of


def rounds() -> list[tuple[OutcomeRound, int, int]]:
    """Every round, newest first, with its number of outcomes and of agreed ones."""
    agreed = sa.func.sum(sa.case((Outcome.status == OutcomeStatus.AGREED, 1), else_=0))
    rows = db.session.execute(
        sa.select(OutcomeRound, sa.func.count(Outcome.id), agreed)
        .outerjoin(Outcome, Outcome.round_id == OutcomeRound.id)
        .options(so.joinedload(OutcomeRound.cause))
        .group_by(OutcomeRound.id)
        .order_by(OutcomeRound.opened_at.desc(), OutcomeRound.id.desc())
    ).unique()
    return [(row, count, int(agreed or 0)) for row, count, agreed in rows]


def outcomes_query(round_id: int) -> sa.Select:
    """The outcomes of a round, in order, with what their cards show."""
    return (
        sa.select(Outcome)
        .where(Outcome.round_id == round_id)
        .options(
            so.joinedload(Outcome.cause),
            so.joinedload(Outcome.organization),
            so.joinedload(Outcome.proposed_by),
        )
        .order_by(Outcome.id)
    )


def comments_of(outcome_ids: list[int]) -> dict[int, list[OutcomeComment]]:
    """The comments on each outcome, oldest first, with their authors."""
    found: dict[int, list[OutcomeComment]] = defaultdict(list)
    if outcome_ids:
        rows = db.session.scalars(
            sa.select(OutcomeComment)
            .where(OutcomeComment.outcome_id.in_(outcome_ids))
            .options(so.joinedload(OutcomeComment.user))
            .order_by(OutcomeComment.id)
        )
        for row in rows:
            found[row.outcome_id].append(row)
    return found


def endorsement_counts(outcome_ids: list[int]) -> dict[int, int]:
    """How many stakeholders endorsed each outcome."""
    if not outcome_ids:
        return {}
    rows = db.session.execute(
        sa.select(OutcomeEndorsement.outcome_id, sa.func.count(OutcomeEndorsement.id))
        .where(OutcomeEndorsement.outcome_id.in_(outcome_ids))
        .group_by(OutcomeEndorsement.outcome_id)
    )
    return dict(rows.all())


def endorsed_by(user: User, outcome_ids: list[int]) -> set[int]:
    """The outcomes among these that the user endorsed."""
    if not outcome_ids or not user.is_authenticated:
        return set()
    return set(
        db.session.scalars(
            sa.select(OutcomeEndorsement.outcome_id).where(
                OutcomeEndorsement.outcome_id.in_(outcome_ids),
                OutcomeEndorsement.user_id == user.id,
            )
        )
    )


@dataclass
class HistoryEntry:
    """One recorded change: what, by whom, when, with its details."""

    event: AuditEvent
    actor: User | None


def history_of(outcome_ids: list[int]) -> dict[int, list[HistoryEntry]]:
    """Every recorded change of each outcome (from the audit log), oldest first."""
    found: dict[int, list[HistoryEntry]] = defaultdict(list)
    if not outcome_ids:
        return found
    rows = db.session.execute(
        sa.select(AuditEvent, User)
        .outerjoin(User, User.id == AuditEvent.actor_id)
        .where(
            AuditEvent.target_type == "outcome",
            AuditEvent.target_id.in_(outcome_ids),
        )
        .order_by(AuditEvent.created_at, AuditEvent.id)
    )
    for event, actor in rows:
        found[event.target_id].append(HistoryEntry(event, actor))
    return found


@dataclass
class RoundView:
    """What the round page and the API show about a round's outcomes."""

    round: OutcomeRound
    outcomes: list[Outcome]
    endorsements: dict[int, int]
    endorsed: set[int]
    comments: dict[int, list[OutcomeComment]]
    history: dict[int, list[HistoryEntry]]
    progress: dict[int, OutcomeProgress] = field(default_factory=dict)


def round_view(outcome_round: OutcomeRound, user: User, details: bool) -> RoundView:
    """Load a round's outcomes with counts, progress and (if asked) discussion."""
    outcomes = list(db.session.scalars(outcomes_query(outcome_round.id)).unique())
    return outcomes_view(outcome_round, outcomes, user, details)


def outcomes_view(
    outcome_round: OutcomeRound, outcomes: list[Outcome], user: User, details: bool
) -> RoundView:
    """Counts, progress and (if asked) comments and history for these outcomes."""
    ids = [o.id for o in outcomes]
    agreed = [o for o in outcomes if o.status is OutcomeStatus.AGREED]
    return RoundView(
        round=outcome_round,
        outcomes=outcomes,
        endorsements=endorsement_counts(ids),
        endorsed=endorsed_by(user, ids),
        comments=comments_of(ids) if details else {},
        history=history_of(ids) if details else {},
        progress={item.outcome.id: item for item in progress_of(agreed)},
    )


def reported_values(outcome_id: int, organization_ids: set[int] | None = None):
    """An outcome's reported values, newest first (optionally of some organisations)."""
    query = (
        sa.select(ReportedValue)
        .where(ReportedValue.outcome_id == outcome_id)
        .order_by(ReportedValue.reported_at.desc(), ReportedValue.id.desc())
    )
    if organization_ids is not None:
        query = query.where(
            ReportedValue.opportunity_id.in_(
                sa.select(Opportunity.id).where(
                    Opportunity.organization_id.in_(organization_ids)
                )
            )
        )
    return query


def pledges_query(partner_ids: set[int] | None) -> sa.Select:
    """Pledges newest first; only those through the given partners unless None."""
    query = (
        sa.select(Pledge)
        .options(
            so.joinedload(Pledge.cause),
            so.joinedload(Pledge.organization),
            so.joinedload(Pledge.source_partner),
        )
        .order_by(Pledge.pledged_on.desc(), Pledge.id.desc())
    )
    if partner_ids is not None:
        query = query.where(Pledge.source_partner_id.in_(partner_ids))
    return query


@dataclass
class PledgeTotals:
    """Sums of pledges and donations, overall, by cause and by giving partner."""

    total: Decimal
    count: int
    # Of the total: pledges still open, pledges the receiving organisation marked
    # received through e-Donation, and money recorded as already given.
    pledged: Decimal
    fulfilled: Decimal
    donated: Decimal
    by_cause: list[tuple[Cause | None, Decimal, int]]
    by_partner: list[tuple[Organization, Decimal, int]]


def pledge_totals(partner_ids: set[int] | None) -> PledgeTotals:
    """Totals in baht of the pledges visible to the caller."""
    where = (
        [Pledge.source_partner_id.in_(partner_ids)] if partner_ids is not None else []
    )
    amount, number = sa.func.sum(Pledge.amount_thb), sa.func.count(Pledge.id)
    by_cause = db.session.execute(
        sa.select(Cause, amount, number)
        .select_from(Pledge)
        .outerjoin(Cause, Cause.id == Pledge.cause_id)
        .where(*where)
        .group_by(Cause.id)
        .order_by(amount.desc())
    ).all()
    by_partner = db.session.execute(
        sa.select(Organization, amount, number)
        .join(Pledge, Pledge.source_partner_id == Organization.id)
        .where(*where)
        .group_by(Organization.id)
        .order_by(amount.desc())
    ).all()
    state = sa.case(
        (Pledge.kind == PledgeKind.DONATION, "donated"),
        (Pledge.fulfilled_at.is_not(None), "fulfilled"),
        else_="pledged",
    )
    by_state = dict(
        db.session.execute(sa.select(state, amount).where(*where).group_by(state)).all()
    )
    return PledgeTotals(
        total=sum((_money(row[1]) for row in by_partner), Decimal("0.00")),
        count=sum(row[2] for row in by_partner),
        pledged=_money(by_state.get("pledged")),
        fulfilled=_money(by_state.get("fulfilled")),
        donated=_money(by_state.get("donated")),
        by_cause=[(c, _money(a), n) for c, a, n in by_cause],
        by_partner=[(p, _money(a), n) for p, a, n in by_partner],
    )


def _money(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def giving_partners(partner_ids: set[int]) -> list[Organization]:
    """The giving partners by id, by name."""
    if not partner_ids:
        return []
    return list(
        db.session.scalars(
            sa.select(Organization)
            .where(Organization.id.in_(partner_ids))
            .order_by(Organization.name_th)
        )
    )


def organizations_by_name() -> list[Organization]:
    """Every verified organisation, for choosing a beneficiary."""
    return list(
        db.session.scalars(
            sa.select(Organization)
            .where(Organization.status == OrganizationStatus.VERIFIED)
            .order_by(Organization.name_th)
        )
    )


def proposable_organizations(user: User) -> list[Organization]:
    """The organisations the user may propose outcomes for (every one for staff)."""
    query = sa.select(Organization).order_by(Organization.name_th)
    if not user.is_staff:
        query = query.join(Membership).where(
            Membership.user_id == user.id, Membership.is_active
        )
    return list(db.session.scalars(query))
