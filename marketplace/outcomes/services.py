"""Outcome rounds, proposals, endorsements, comments, reported values, pledges."""

import math
import unicodedata
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..audit import record_event
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..extensions import db
from ..impact.indicators import INDICATORS
from ..models import (
    Cause,
    Membership,
    Opportunity,
    Organization,
    OrganizationKind,
    OrganizationStatus,
    Outcome,
    OutcomeComment,
    OutcomeEndorsement,
    OutcomeRound,
    OutcomeSource,
    OutcomeStatus,
    Pledge,
    PledgeKind,
    ReportedValue,
    RoundStatus,
    User,
    utcnow,
)

MAX_TITLE = 200
MAX_UNIT = 40
MAX_TEXT = 2000
MAX_URL = 500
# Baselines, targets and reported values stay where progress can be computed.
MAX_NUMBER = 1e12
# Numeric(14, 2): twelve digits before the point.
MAX_AMOUNT = Decimal("999999999999.99")


@dataclass
class RoundInput:
    """What staff say when opening a round."""

    title_th: str
    title_en: str = ""
    cause: str | None = None


@dataclass
class OutcomeInput:
    """A proposed outcome; `organization_id` None means expo-wide."""

    name_th: str
    name_en: str = ""
    source: str = OutcomeSource.COMPUTED.value
    indicator: str = ""
    unit: str = ""
    baseline: float | None = 0.0
    target: float | None = None
    cause: str | None = None
    organization_id: int | None = None


@dataclass
class ReportInput:
    """A value an organisation reports for one of its opportunities."""

    opportunity_id: int | None
    value: float | None
    note: str = ""
    evidence_url: str | None = None


@dataclass
class PledgeInput:
    """A pledge or donation brought through a giving partner."""

    source_partner_id: int | None
    amount: Decimal | str | float | None
    kind: str = PledgeKind.PLEDGE.value
    cause: str | None = None
    organization_id: int | None = None
    pledged_on: date | None = None
    note: str = ""


def _text(value: str | None) -> str:
    return " ".join(unicodedata.normalize("NFC", value or "").split())


def member_ids(user: User) -> set[int]:
    """The organisations the user is a member of."""
    if not user.is_authenticated:
        return set()
    return set(
        db.session.scalars(
            sa.select(Membership.organization_id).where(
                Membership.user_id == user.id, Membership.is_active
            )
        )
    )


def verified_member_ids(user: User) -> set[int]:
    """The verified organisations the user is a member of: those that may report."""
    if not user.is_authenticated:
        return set()
    return set(
        db.session.scalars(
            sa.select(Membership.organization_id)
            .join(Organization, Membership.organization_id == Organization.id)
            .where(
                Membership.user_id == user.id,
                Membership.is_active,
                Organization.status == OrganizationStatus.VERIFIED,
            )
        )
    )


def _cause(slug: str | None, fields: dict[str, list[str]]) -> Cause | None:
    if not slug:
        return None
    cause = db.session.scalar(sa.select(Cause).where(Cause.slug == slug))
    if cause is None:
        fields["cause"] = [str(_l("Unknown cause: %(slug)s.", slug=slug))]
    return cause


def _finite(value, fields: dict, name: str, required: bool = True) -> float | None:
    if value is None:
        if required:
            fields[name] = [str(_l("Give a number."))]
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = math.nan
    if not math.isfinite(number):
        fields[name] = [str(_l("Give a number."))]
        return None
    if abs(number) > MAX_NUMBER:
        fields[name] = [str(_l("Give a number between -1e12 and 1e12."))]
        return None
    return number


def _require_staff(user: User) -> None:
    if not (user.is_authenticated and user.is_staff):
        raise Forbidden(message=str(_l("Only expo staff can do this.")))


def get_round(round_id: int) -> OutcomeRound:
    """A round by id, or 404."""
    found = db.session.get(OutcomeRound, round_id)
    if found is None:
        raise NotFound()
    return found


def get_outcome(outcome_id: int) -> Outcome:
    """An outcome by id, or 404."""
    found = db.session.get(Outcome, outcome_id)
    if found is None:
        raise NotFound()
    return found


def _require_open(outcome_round: OutcomeRound) -> None:
    if outcome_round.status is not RoundStatus.OPEN:
        raise Conflict(
            "round_closed",
            str(_l("This round is closed: its outcomes have been agreed.")),
        )


def open_round(staff: User, data: RoundInput) -> OutcomeRound:
    """Open a round of co-defining outcomes (staff)."""
    _require_staff(staff)
    fields: dict[str, list[str]] = {}
    title_th, title_en = _text(data.title_th), _text(data.title_en)
    if not title_th or len(title_th) > MAX_TITLE:
        fields["title_th"] = [str(_l("Enter a title (up to 200 characters)."))]
    if len(title_en) > MAX_TITLE:
        fields["title_en"] = [str(_l("Use at most %(n)d characters.", n=MAX_TITLE))]
    cause = _cause(data.cause, fields)
    if fields:
        raise ValidationFailed(fields=fields)
    outcome_round = OutcomeRound(
        title_th=title_th,
        title_en=title_en or title_th,
        cause=cause,
        opened_by_id=staff.id,
        status=RoundStatus.OPEN,
    )
    db.session.add(outcome_round)
    db.session.flush()
    record_event(staff, "outcome_round.opened", outcome_round, title=title_th)
    return outcome_round


def can_propose_for(user: User, organization_id: int | None) -> bool:
    """Staff propose for anyone or expo-wide; members for their own organisation."""
    if not user.is_authenticated:
        return False
    if user.is_staff:
        return True
    return organization_id is not None and organization_id in member_ids(user)


def propose_outcome(
    user: User, outcome_round: OutcomeRound, data: OutcomeInput
) -> Outcome:
    """Propose an outcome in an open round (members for their organisation, staff)."""
    if not can_propose_for(user, data.organization_id):
        if data.organization_id is None:
            raise Forbidden(
                message=str(_l("Only expo staff can propose expo-wide outcomes."))
            )
        raise Forbidden(
            "not_a_member", str(_l("You are not a member of this organisation."))
        )
    _require_open(outcome_round)
    fields: dict[str, list[str]] = {}
    name_th, name_en = _text(data.name_th), _text(data.name_en)
    if not name_th or len(name_th) > MAX_TITLE:
        fields["name_th"] = [str(_l("Enter a name (up to 200 characters)."))]
    if len(name_en) > MAX_TITLE:
        fields["name_en"] = [str(_l("Use at most %(n)d characters.", n=MAX_TITLE))]
    try:
        source = OutcomeSource(data.source)
    except ValueError:
        source = None
        fields["source"] = [str(_l("Choose computed or reported."))]
    indicator, unit = _text(data.indicator), _text(data.unit)
    if source is OutcomeSource.COMPUTED:
        if indicator not in INDICATORS:
            fields["indicator"] = [str(_l("Choose one of the computed indicators."))]
        else:
            unit = unit or INDICATORS[indicator].unit
    elif source is OutcomeSource.REPORTED and (
        not indicator or len(indicator) > MAX_TITLE
    ):
        fields["indicator"] = [str(_l("Say what is counted (up to 200 characters)."))]
    computed_unknown = source is OutcomeSource.COMPUTED and "indicator" in fields
    if not computed_unknown and (not unit or len(unit) > MAX_UNIT):
        fields["unit"] = [str(_l("Give a unit (up to 40 characters)."))]
    baseline = _finite(data.baseline, fields, "baseline", required=False) or 0.0
    target = _finite(data.target, fields, "target")
    if target is not None and "baseline" not in fields and target == baseline:
        fields["target"] = [str(_l("The target must differ from the baseline."))]
    cause = _cause(data.cause, fields)
    organization = None
    if data.organization_id is not None:
        organization = db.session.get(Organization, data.organization_id)
        if organization is None:
            fields["organization_id"] = [str(_l("Unknown organisation."))]
    if fields:
        raise ValidationFailed(fields=fields)
    outcome = Outcome(
        round=outcome_round,
        name_th=name_th,
        name_en=name_en or name_th,
        indicator=indicator,
        unit=unit,
        baseline=baseline,
        target=target,
        cause=cause or outcome_round.cause,
        organization=organization,
        source=source,
        status=OutcomeStatus.PROPOSED,
        proposed_by_id=user.id,
    )
    db.session.add(outcome)
    db.session.flush()
    record_event(
        user,
        "outcome.proposed",
        outcome,
        round_id=outcome_round.id,
        indicator=indicator,
        baseline=baseline,
        target_value=target,
    )
    return outcome


def endorse(user: User, outcome: Outcome) -> bool:
    """Endorse an outcome once; endorsing again changes nothing (False)."""
    _require_open(outcome.round)
    exists = db.session.scalar(
        sa.select(OutcomeEndorsement.id).where(
            OutcomeEndorsement.outcome_id == outcome.id,
            OutcomeEndorsement.user_id == user.id,
        )
    )
    if exists is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(OutcomeEndorsement(outcome_id=outcome.id, user_id=user.id))
    except sa.exc.IntegrityError:
        # The same person endorsing twice at once: the first one counts.
        return False
    record_event(user, "outcome.endorsed", outcome)
    return True


def comment(user: User, outcome: Outcome, body: str) -> OutcomeComment:
    """Comment on an outcome while its round is open."""
    _require_open(outcome.round)
    body = unicodedata.normalize("NFC", body or "").strip()
    if not body or len(body) > MAX_TEXT:
        raise ValidationFailed(
            fields={"body": [str(_l("Write a comment (up to 2,000 characters)."))]}
        )
    note = OutcomeComment(outcome_id=outcome.id, user_id=user.id, body=body)
    db.session.add(note)
    db.session.flush()
    record_event(user, "outcome.commented", outcome, comment_id=note.id)
    return note


def decide(staff: User, outcome: Outcome, status: OutcomeStatus) -> Outcome:
    """Mark an outcome agreed or set aside (staff); repeating it is a no-op."""
    _require_staff(staff)
    _require_open(outcome.round)
    if status is OutcomeStatus.PROPOSED:
        raise ValidationFailed(fields={"status": [str(_l("Choose a decision."))]})
    if outcome.status is status:
        return outcome
    previous = outcome.status
    outcome.status = status
    record_event(staff, f"outcome.{status.value}", outcome, previous=previous.value)
    return outcome


def close_round(staff: User, outcome_round: OutcomeRound) -> OutcomeRound:
    """Close a round as agreed (staff); outcomes still proposed are set aside."""
    _require_staff(staff)
    _require_open(outcome_round)
    outcomes = list(
        db.session.scalars(
            sa.select(Outcome).where(Outcome.round_id == outcome_round.id)
        )
    )
    if not any(o.status is OutcomeStatus.AGREED for o in outcomes):
        raise Conflict(
            "nothing_agreed", str(_l("Agree at least one outcome before closing."))
        )
    for outcome in outcomes:
        if outcome.status is OutcomeStatus.PROPOSED:
            outcome.status = OutcomeStatus.SET_ASIDE
            record_event(
                staff,
                "outcome.set_aside",
                outcome,
                previous=OutcomeStatus.PROPOSED.value,
                reason="round_closed",
            )
    outcome_round.status = RoundStatus.AGREED
    outcome_round.agreed_at = utcnow()
    record_event(staff, "outcome_round.agreed", outcome_round)
    return outcome_round


def reportable_opportunities(user: User, outcome: Outcome) -> list[Opportunity]:
    """The caller's own opportunities a value may be reported for."""
    member_of = member_ids(user)
    if outcome.organization_id is not None:
        member_of &= {outcome.organization_id}
    if not member_of:
        return []
    return list(
        db.session.scalars(
            sa.select(Opportunity)
            .where(Opportunity.organization_id.in_(member_of))
            .order_by(Opportunity.created_at.desc(), Opportunity.id.desc())
        )
    )


def can_report(user: User, outcome: Outcome) -> bool:
    """Whether the user may report for the outcome (member of a verified organisation).

    Values go straight into public progress, so a pending organisation may not report.
    """
    member_of = verified_member_ids(user)
    if outcome.organization_id is not None:
        return outcome.organization_id in member_of
    return bool(member_of)


def _evidence(url: str | None, fields: dict) -> str | None:
    url = (url or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > MAX_URL:
        fields["evidence_url"] = [str(_l("Give a web address starting with https://"))]
    return url


def report_value(user: User, outcome: Outcome, data: ReportInput) -> ReportedValue:
    """Report a value for an agreed reported outcome, for one's own opportunity."""
    if not can_report(user, outcome):
        raise Forbidden(
            "not_a_member", str(_l("You are not a member of this organisation."))
        )
    opportunity = (
        db.session.get(Opportunity, data.opportunity_id)
        if data.opportunity_id is not None
        else None
    )
    if opportunity is None and data.opportunity_id is not None:
        raise NotFound()
    if opportunity is not None and (
        opportunity.organization_id not in verified_member_ids(user)
    ):
        raise Forbidden(
            "not_a_member", str(_l("This opportunity is not your organisation's."))
        )
    if (
        opportunity is not None
        and outcome.organization_id is not None
        and opportunity.organization_id != outcome.organization_id
    ):
        raise Forbidden(
            "not_a_member",
            str(_l("This outcome belongs to another organisation.")),
        )
    if outcome.source is not OutcomeSource.REPORTED:
        raise Conflict(
            "not_reported",
            str(_l("This outcome is computed by the platform; nothing to report.")),
        )
    if outcome.status is not OutcomeStatus.AGREED:
        raise Conflict(
            "invalid_status", str(_l("Values can be reported once it is agreed."))
        )
    fields: dict[str, list[str]] = {}
    if opportunity is None:
        fields["opportunity_id"] = [str(_l("Choose one of your opportunities."))]
    value = _finite(data.value, fields, "value")
    note = (data.note or "").strip()
    if len(note) > MAX_TEXT:
        fields["note"] = [str(_l("Use at most %(n)d characters.", n=MAX_TEXT))]
    evidence_url = _evidence(data.evidence_url, fields)
    if fields:
        raise ValidationFailed(fields=fields)
    reported = ReportedValue(
        outcome_id=outcome.id,
        opportunity_id=opportunity.id,
        value=value,
        note=note,
        evidence_url=evidence_url,
        reported_by_id=user.id,
    )
    db.session.add(reported)
    db.session.flush()
    record_event(
        user,
        "outcome.value_reported",
        outcome,
        reported_value_id=reported.id,
        opportunity_id=opportunity.id,
        value=value,
    )
    return reported


def may_see_pledges(user: User) -> bool:
    """Staff and members of a giving partner see the pledges pages."""
    return user.is_authenticated and (user.is_staff or bool(giving_partner_ids(user)))


def giving_partner_ids(user: User) -> set[int]:
    """The giving partners the user records pledges for (all of them for staff)."""
    if not user.is_authenticated:
        return set()
    query = sa.select(Organization.id).where(
        Organization.kind == OrganizationKind.GIVING_PARTNER
    )
    if not user.is_staff:
        query = query.where(
            Organization.id.in_(
                sa.select(Membership.organization_id).where(
                    Membership.user_id == user.id, Membership.is_active
                )
            )
        )
    return set(db.session.scalars(query))


def can_see_pledges(user: User) -> bool:
    """Staff and members of a giving partner."""
    return user.is_authenticated and (user.is_staff or bool(giving_partner_ids(user)))


def _amount(value, fields: dict) -> Decimal | None:
    try:
        amount = Decimal(str(value).strip().replace(",", ""))
    except (InvalidOperation, ValueError):
        amount = None
    if amount is None or not amount.is_finite():
        fields["amount_thb"] = [str(_l("Give an amount in baht, e.g. 1500.00."))]
        return None
    if amount <= 0 or amount > MAX_AMOUNT:
        fields["amount_thb"] = [str(_l("The amount must be more than 0 baht."))]
        return None
    if amount != amount.quantize(Decimal("0.01")):
        fields["amount_thb"] = [str(_l("Use at most 2 decimal places (satang)."))]
        return None
    return amount.quantize(Decimal("0.01"))


def record_pledge(user: User, data: PledgeInput) -> Pledge:
    """Record a pledge or donation (staff, or a member of the giving partner)."""
    if not user.is_staff and (
        data.source_partner_id is None
        or data.source_partner_id not in giving_partner_ids(user)
    ):
        raise Forbidden(
            "not_a_member",
            str(_l("Only members of the giving partner can record its pledges.")),
        )
    fields: dict[str, list[str]] = {}
    partner = (
        db.session.get(Organization, data.source_partner_id)
        if data.source_partner_id is not None
        else None
    )
    if partner is None or partner.kind is not OrganizationKind.GIVING_PARTNER:
        fields["source_partner_id"] = [str(_l("Choose a giving partner."))]
    try:
        kind = PledgeKind(data.kind)
    except ValueError:
        kind = None
        fields["kind"] = [str(_l("Choose pledge or donation."))]
    amount = _amount(data.amount, fields)
    cause = _cause(data.cause, fields)
    beneficiary = None
    if data.organization_id is not None:
        beneficiary = db.session.get(Organization, data.organization_id)
        if beneficiary is None:
            fields["organization_id"] = [str(_l("Unknown organisation."))]
    if data.pledged_on is None:
        fields["pledged_on"] = [str(_l("Give the date."))]
    note = (data.note or "").strip()
    if len(note) > MAX_TEXT:
        fields["note"] = [str(_l("Use at most %(n)d characters.", n=MAX_TEXT))]
    if fields:
        raise ValidationFailed(fields=fields)
    pledge = Pledge(
        kind=kind,
        amount_thb=amount,
        cause=cause,
        organization=beneficiary,
        source_partner=partner,
        pledged_on=data.pledged_on,
        note=note,
        recorded_by_id=user.id,
    )
    db.session.add(pledge)
    db.session.flush()
    record_event(
        user,
        "pledge.recorded",
        pledge,
        kind=kind.value,
        amount_thb=str(amount),
        source_partner_id=partner.id,
    )
    return pledge
