"""How far each agreed outcome has come: current value against baseline and target."""

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa

from ..extensions import db
from ..impact.indicators import INDICATORS, ImpactFilter, indicator_values
from ..models import Outcome, OutcomeSource, OutcomeStatus, ReportedValue


@dataclass(frozen=True)
class OutcomeProgress:
    """An outcome with its current value and the share of the way to its target."""

    outcome: Outcome
    current: float

    @property
    def ratio(self) -> float:
        """0 at the baseline, 1 at the target (may pass 1 or fall below 0)."""
        outcome = self.outcome
        return (self.current - outcome.baseline) / (outcome.target - outcome.baseline)


def _reported_totals(outcome_ids: list[int]) -> dict[int, float]:
    rows = db.session.execute(
        sa.select(ReportedValue.outcome_id, sa.func.sum(ReportedValue.value))
        .where(ReportedValue.outcome_id.in_(outcome_ids))
        .group_by(ReportedValue.outcome_id)
    )
    return {outcome_id: float(total or 0) for outcome_id, total in rows}


def progress_of(outcomes: list[Outcome]) -> list[OutcomeProgress]:
    """The progress of the given outcomes; computed ones are counted live."""
    reported = _reported_totals(
        [o.id for o in outcomes if o.source is OutcomeSource.REPORTED]
    )
    # One computation per distinct scope, each for every indicator it needs.
    scopes: dict[ImpactFilter, set[str]] = defaultdict(set)
    for outcome in outcomes:
        if outcome.source is OutcomeSource.COMPUTED and outcome.indicator in INDICATORS:
            scope = ImpactFilter(outcome.cause_id, outcome.organization_id)
            scopes[scope].add(outcome.indicator)
    computed = {
        scope: indicator_values(sorted(keys), scope) for scope, keys in scopes.items()
    }
    result = []
    for outcome in outcomes:
        if outcome.source is OutcomeSource.REPORTED:
            current = outcome.baseline + reported.get(outcome.id, 0.0)
        else:
            scope = ImpactFilter(outcome.cause_id, outcome.organization_id)
            current = computed.get(scope, {}).get(outcome.indicator, 0.0)
        result.append(OutcomeProgress(outcome, current))
    return result


def agreed_progress(where: ImpactFilter | None = None) -> list[OutcomeProgress]:
    """Every agreed outcome (of the filter's cause or organisation) with progress."""
    query = sa.select(Outcome).where(Outcome.status == OutcomeStatus.AGREED)
    if where is not None and where.cause_id is not None:
        query = query.where(Outcome.cause_id == where.cause_id)
    if where is not None and where.organization_id is not None:
        query = query.where(Outcome.organization_id == where.organization_id)
    return progress_of(list(db.session.scalars(query.order_by(Outcome.id))))
