"""The volunteer funnel: profile → applied → accepted → approved → attended → returned.

The funnel follows people, not applications. Its cohort is the volunteers who
registered within the filter's days (and live in the filter's province); each later
step counts those of them with at least one application to an opportunity of the
filter's cause and organisation that got that far. Every step is a subset of the one
before, so conversions never pass 100 %.
"""

from collections import defaultdict
from dataclasses import dataclass, field

import sqlalchemy as sa

from ..extensions import db
from ..models import (
    Application,
    ApplicationStatus,
    Attendance,
    Opportunity,
    Organization,
    Role,
    Shift,
    User,
    VolunteerProfile,
)
from ..models.taxonomy import opportunity_cause
from .indicators import NOT_APPLIED, RETURN_WINDOW, ImpactFilter

STEPS = ("profile", "applied", "accepted", "approved", "attended", "returned")
# Statuses an application can only be in after it was accepted (held a spot).
WAS_ACCEPTED = frozenset(
    {ApplicationStatus.ACCEPTED, ApplicationStatus.APPROVED, ApplicationStatus.REJECTED}
)
BOOTH_PREFIX = "booth:"
# A sign-up at the organisation's booth kiosk (walk-in mode on its tablet).
KIOSK_PREFIX = "kiosk:"


@dataclass
class FunnelRow:
    """One group's count of people at each step (None: the step does not apply)."""

    key: object
    counts: list[int | None]
    label: str = ""

    @property
    def conversions(self) -> list[float | None]:
        """Each step as a share of the step before (None for the first, or n/a)."""
        shares: list[float | None] = [None]
        for before, after in zip(self.counts, self.counts[1:], strict=False):
            shares.append(after / before if before and after is not None else None)
        return shares

    @property
    def overall(self) -> float | None:
        """The last step as a share of the first counted one."""
        first = next((c for c in self.counts if c is not None), None)
        return self.counts[-1] / first if first else None


@dataclass
class Funnel:
    """The funnel as a whole and by source, home province, cause and organisation."""

    total: FunnelRow
    by_source: list[FunnelRow] = field(default_factory=list)
    by_province: list[FunnelRow] = field(default_factory=list)
    by_cause: list[FunnelRow] = field(default_factory=list)
    by_organization: list[FunnelRow] = field(default_factory=list)


@dataclass
class _Person:
    source: str | None
    province: str | None
    applications: list[tuple] = field(default_factory=list)


def _steps(applications: list[tuple]) -> list[int]:
    """Which steps (after the profile) one person reached with these applications."""
    if not applications:
        return [0, 0, 0, 0, 0]
    attended = sorted(a[2] for a in applications if a[1] is Attendance.ATTENDED)
    returned = bool(attended) and any(
        attended[0] < start <= attended[0] + RETURN_WINDOW for start in attended[1:]
    )
    return [
        1,
        int(any(a[0] in WAS_ACCEPTED or a[1] is not None for a in applications)),
        int(any(a[0] is ApplicationStatus.APPROVED for a in applications)),
        int(bool(attended)),
        int(returned),
    ]


def _tally(groups: dict, with_profile: bool) -> list[FunnelRow]:
    rows = []
    for key, people in groups.items():
        counts = [0] * 5
        for applications in people:
            for index, reached in enumerate(_steps(applications)):
                counts[index] += reached
        profile = len(people) if with_profile else None
        rows.append(FunnelRow(key, [profile, *counts]))
    return sorted(rows, key=lambda r: (-(r.counts[0] or r.counts[1]), str(r.key)))


def compute_funnel(where: ImpactFilter | None = None) -> Funnel:
    """Count the funnel in three queries, whatever the number of rows."""
    where = where or ImpactFilter()
    cohort = sa.select(
        User.id, User.signup_source, VolunteerProfile.province
    ).outerjoin(VolunteerProfile, VolunteerProfile.user_id == User.id)
    cohort = cohort.where(
        User.role == Role.VOLUNTEER,
        User.erased_at.is_(None),
        *where.between(User.created_at),
    )
    if where.province is not None:
        cohort = cohort.where(VolunteerProfile.province == where.province)
    people = {
        user_id: _Person(source, province)
        for user_id, source, province in db.session.execute(cohort)
    }
    cohort_ids = cohort.with_only_columns(User.id).scalar_subquery()
    rows = db.session.execute(
        sa.select(
            Application.volunteer_id,
            Application.status,
            Application.attendance,
            Shift.starts_at,
            Opportunity.id,
            Opportunity.organization_id,
            Application.source,
            Application.created_at,
        )
        .join(Shift, Application.shift_id == Shift.id)
        .join(Opportunity, Shift.opportunity_id == Opportunity.id)
        .where(
            Application.volunteer_id.in_(cohort_ids),
            Application.status.not_in(NOT_APPLIED),
        )
        .order_by(Application.created_at, Application.id)
    ).all()
    causes_of: dict[int, list[int]] = defaultdict(list)
    opportunity_ids = {row[4] for row in rows}
    if opportunity_ids:
        for opportunity_id, cause_id in db.session.execute(
            sa.select(opportunity_cause.c.opportunity_id, opportunity_cause.c.cause_id)
        ):
            if opportunity_id in opportunity_ids:
                causes_of[opportunity_id].append(cause_id)
    for volunteer_id, *rest in rows:
        person = people[volunteer_id]
        source, opportunity_id, organization_id = rest[5], rest[3], rest[4]
        if person.source is None and source:
            person.source = source  # first touch: the earliest recorded source
        causes = causes_of.get(opportunity_id, [])
        if (
            where.organization_id is not None
            and organization_id != where.organization_id
        ):
            continue
        if where.cause_id is not None and where.cause_id not in causes:
            continue
        person.applications.append((rest[0], rest[1], rest[2], organization_id, causes))

    everyone = {"all": [p.applications for p in people.values()]}
    by_source: dict = defaultdict(list)
    by_province: dict = defaultdict(list)
    by_cause: dict = defaultdict(list)
    by_organization: dict = defaultdict(list)
    for person in people.values():
        by_source[person.source].append(person.applications)
        by_province[person.province].append(person.applications)
        mine_by_cause: dict = defaultdict(list)
        mine_by_org: dict = defaultdict(list)
        for application in person.applications:
            mine_by_org[application[3]].append(application)
            for cause_id in application[4]:
                mine_by_cause[cause_id].append(application)
        for cause_id, applications in mine_by_cause.items():
            by_cause[cause_id].append(applications)
        for organization_id, applications in mine_by_org.items():
            by_organization[organization_id].append(applications)
    return Funnel(
        total=_tally(everyone, True)[0],
        by_source=_tally(by_source, True),
        by_province=_tally(by_province, True),
        by_cause=_tally(by_cause, False),
        by_organization=_tally(by_organization, False),
    )


def booth_organization_ids(funnel: Funnel) -> set[int]:
    """The organisations whose booth codes appear as sources."""
    ids = set()
    for row in funnel.by_source:
        key = row.key or ""
        for prefix in (BOOTH_PREFIX, KIOSK_PREFIX):
            if key.startswith(prefix) and key[len(prefix) :].isdigit():
                ids.add(int(key[len(prefix) :]))
    return ids


def organization_names(ids: set[int], locale: str = "th") -> dict[int, str]:
    """Names of the given organisations in the locale (one query)."""
    if not ids:
        return {}
    rows = db.session.execute(
        sa.select(Organization.id, Organization.name_th, Organization.name_en).where(
            Organization.id.in_(ids)
        )
    )
    return {
        org_id: (name_en or name_th) if locale == "en" else name_th
        for org_id, name_th, name_en in rows
    }
