"""Recommendations and suggested volunteers from the current database.

Recommendations come from a per-worker ``MatchingIndex`` of the listed catalogue,
rebuilt whenever the catalogue version moves (any change to an opportunity, a
shift's capacity or spots taken, an organisation: see caching.py); the volunteer's
profile and applications are read fresh on every request. So a new opportunity, a
full shift or a changed profile shows in the very next answer.

Suggestions cut candidates in SQL (skills held, a bounding box of the travel
radius, consent to matching); the pure matching package applies every hard filter,
scores and explains.
"""

import dataclasses
import functools
import math
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import sqlalchemy as sa
import sqlalchemy.orm as so

from .applications.eligibility import matchable_volunteers
from .applications.openness import is_open
from .applications.reliability import reliabilities
from .applications.services import ACTIVE
from .caching import catalogue_version, listing_version, memoized, shift_spots
from .extensions import db
from .main.queries import listed_opportunities
from .matching import MatchingIndex, filters, model, scoring
from .matching.index import to_microseconds
from .models import (
    HOLDS_SPOT,
    Application,
    ApprovalMode,
    AvailabilityWindow,
    Cause,
    Opportunity,
    Shift,
    Skill,
    User,
    VolunteerProfile,
)
from .models.taxonomy import volunteer_cause, volunteer_skill

# Kilometres in one degree of latitude, and the widest search for suggestions.
_KM_PER_DEGREE = 110.5
MAX_SUGGESTION_RADIUS_KM = 200.0
# Distances shown to organisations are rounded to this, so that moving an
# opportunity and reading the distance again cannot locate a volunteer's home.
SHOWN_KM_STEP = 1.0
# Recommendation answers a worker keeps per catalogue version (then starts over).
MAX_ANSWERS_KEPT = 20_000


@dataclass(frozen=True)
class Recommendation:
    """An opportunity for a volunteer: its best shift, the score and the reasons."""

    opportunity: Opportunity
    shift: Shift
    match: model.Match
    reasons: list[str]


@dataclass(frozen=True)
class Suggestion:
    """A volunteer for a shift, with the score and the reasons."""

    volunteer: User
    match: model.Match
    reasons: list[str]


def as_volunteer(
    profile: VolunteerProfile, held: list[tuple], reliability: float = 1.0
) -> model.Volunteer:
    """The matching view of a volunteer's profile (reliability: `reliabilities`)."""
    return model.Volunteer(
        id=profile.user_id,
        skills=frozenset(skill.slug for skill in profile.skills),
        causes=frozenset(cause.slug for cause in profile.causes),
        languages=frozenset(profile.languages or ()),
        lat=profile.lat,
        lon=profile.lon,
        max_distance_km=float(profile.max_distance_km),
        remote_ok=profile.remote_ok,
        windows=tuple(
            (w.weekday, w.start_minute, w.end_minute) for w in profile.availability
        ),
        held=tuple(held),
        reliability=reliability,
    )


def as_opportunity(opportunity: Opportunity) -> model.Opportunity:
    """The matching view of an opportunity."""
    return model.Opportunity(
        id=opportunity.id,
        organization_id=opportunity.organization_id,
        skills=frozenset(skill.slug for skill in opportunity.required_skills),
        causes=frozenset(cause.slug for cause in opportunity.causes),
        languages=frozenset(opportunity.languages or ()),
        remote=opportunity.remote,
        lat=opportunity.lat,
        lon=opportunity.lon,
        title=opportunity.title,
        nice_to_have=frozenset(skill.slug for skill in opportunity.nice_to_have_skills),
    )


def as_shift(shift: Shift, opportunity: Opportunity) -> model.Shift:
    """The matching view of a shift."""
    return model.Shift(
        id=shift.id,
        opportunity_id=opportunity.id,
        organization_id=opportunity.organization_id,
        starts_at=shift.starts_at,
        ends_at=shift.ends_at,
        capacity=shift.capacity,
        spots_taken=shift.spots_taken,
        waitlist_ok=opportunity.approval_mode is ApprovalMode.FIRST_COME,
    )


def _match(
    volunteer: model.Volunteer,
    opportunity: model.Opportunity,
    shift: model.Shift,
    now: datetime,
    coarse: bool = False,
) -> model.Match | None:
    """Score a pair that passes every hard filter; None if it fails one.

    `coarse` (what organisations see of a volunteer): the distance is rounded to
    whole kilometres before scoring, so neither it nor the distance component
    locates a home more closely than SHOWN_KM_STEP.
    """
    if not filters.eligible(volunteer, opportunity, shift, now):
        return None
    km = None if opportunity.remote else filters.distance_to(volunteer, opportunity)
    if coarse and km is not None:
        km = shown_distance(km)
    parts = scoring.components(volunteer, opportunity, shift, km)
    return model.Match(
        volunteer_id=volunteer.id,
        shift_id=shift.id,
        opportunity_id=opportunity.id,
        score=scoring.score(parts, volunteer.reliability),
        components=parts,
        distance_km=None if km is None else round(km, 2),
        window=filters.fitting_window(volunteer, shift),
    )


def shown_distance(km: float) -> float:
    """A volunteer's distance as organisations see it: whole kilometres."""
    return float(round(km / SHOWN_KM_STEP) * SHOWN_KM_STEP)


def _bounding_box(lat_column, lon_column, lat: float, lon: float, km: float):
    d_lat = km / _KM_PER_DEGREE
    d_lon = km / (
        _KM_PER_DEGREE * max(math.cos(math.radians(min(abs(lat) + d_lat, 89))), 0.01)
    )
    return sa.and_(
        lat_column.between(lat - d_lat, lat + d_lat),
        lon_column.between(lon - d_lon, lon + d_lon),
    )


def held_intervals(volunteer_ids: list[int]) -> dict[int, list[tuple]]:
    rows = db.session.execute(
        sa.select(Application.volunteer_id, Shift.starts_at, Shift.ends_at)
        .join(Application.shift)
        .where(
            Application.volunteer_id.in_(volunteer_ids),
            Application.status.in_(HOLDS_SPOT),
        )
    )
    held: dict[int, list[tuple]] = {}
    for volunteer_id, start, end in rows:
        held.setdefault(volunteer_id, []).append((start, end))
    return held


@dataclass
class CatalogueSnapshot:
    """The listed catalogue of one listing version, as this worker holds it."""

    index: MatchingIndex
    # API.md items by opportunity id, with the shifts still to start at build time.
    items: dict[int, dict]
    # Every shift start (UTC microseconds), sorted: an answer holds until the next.
    starts: np.ndarray
    # (capacity, spots taken) of each shift, as of the catalogue version `spots_of`.
    spots: dict[int, tuple[int, int]]
    spots_of: str
    # Answers by (volunteer as read, shifts applied to, limit, locale).
    answers: dict = dataclasses.field(default_factory=dict)

    def next_start(self, now: datetime) -> int:
        """When the next shift of the snapshot starts (an answer may change then)."""
        now_us = to_microseconds(now)
        position = int(np.searchsorted(self.starts, now_us, side="right"))
        return int(self.starts[position]) if position < self.starts.size else 2**62


def catalogue_snapshot(now: datetime) -> CatalogueSnapshot:
    """This worker's index and API items of the listed catalogue, kept current.

    Built once per listing version (any change to an opportunity, a shift, an
    organisation moves it): every published opportunity of a verified
    organisation with its shifts still to start. A spot taken or freed moves only
    the catalogue version: the spots are then read again in one query and set in
    place, and the answers kept so far are dropped. Which shifts have started by
    the time of a request is checked per answer.
    """

    def build() -> CatalogueSnapshot:
        from .api.opportunities import opportunity_item

        listed = db.session.scalars(listed_opportunities(now)).all()
        upcoming = [
            (shift, opportunity)
            for opportunity in listed
            for shift in opportunity.shifts
            if shift.starts_at > now
        ]
        index = MatchingIndex(
            [],
            [as_opportunity(opportunity) for opportunity in listed],
            [as_shift(shift, opportunity) for shift, opportunity in upcoming],
        )
        items = {o.id: opportunity_item(o, now) for o in listed}
        starts = np.sort(
            np.array(
                [to_microseconds(s.starts_at) for o in listed for s in o.shifts],
                dtype=np.int64,
            )
        )
        spots = {shift.id: (shift.capacity, shift.spots_taken) for shift, _ in upcoming}
        return CatalogueSnapshot(index, items, starts, spots, catalogue_version())

    snapshot = memoized(("catalogue-snapshot",), build, version_of=listing_version)
    if snapshot.spots_of != catalogue_version():
        _refresh_spots(snapshot)
    return snapshot


def _refresh_spots(snapshot: CatalogueSnapshot) -> None:
    """Set the spots taken or freed since the snapshot's spots were read."""
    version = catalogue_version()
    changed = {
        shift_id: spots
        for shift_id, spots in shift_spots(list(snapshot.spots)).items()
        if snapshot.spots.get(shift_id) != spots
    }
    if changed:
        snapshot.index.set_spots(changed)
        for item in snapshot.items.values():
            if any(shift["id"] in changed for shift in item["shifts"]):
                item["shifts"] = [
                    _with_spots(shift, *changed[shift["id"]])
                    if shift["id"] in changed
                    else shift
                    for shift in item["shifts"]
                ]
        snapshot.spots.update(changed)
        snapshot.answers.clear()
    snapshot.spots_of = version


def _with_spots(shift: dict, capacity: int, taken: int) -> dict:
    """An API item's shift with new spots (as Shift.spots_left counts them)."""
    return {**shift, "capacity": capacity, "spots_left": capacity - taken}


@functools.cache
def _volunteer_statement() -> sa.Select:
    """The statement that reads a volunteer, built once per process.

    The profile with its skills, causes and weekly windows folded into strings
    (``aggregate_strings``: group_concat / string_agg), once per shift the volunteer
    applied to (or once, with no shift, for none); plain columns, no ORM objects.
    The folds depend on the parameter only, so the database runs each once.
    """
    user_id = sa.bindparam("user_id")

    def folded(column, link_table, link_column, target) -> sa.ScalarSelect:
        return (
            sa.select(sa.func.aggregate_strings(column, " "))
            .select_from(link_table.join(target, link_column == target.id))
            .where(link_table.c.profile_id == user_id)
            .scalar_subquery()
        )

    window = (
        sa.cast(AvailabilityWindow.weekday, sa.String)
        + ":"
        + sa.cast(AvailabilityWindow.start_minute, sa.String)
        + ":"
        + sa.cast(AvailabilityWindow.end_minute, sa.String)
    )
    return (
        sa.select(
            VolunteerProfile.lat,
            VolunteerProfile.lon,
            VolunteerProfile.max_distance_km,
            VolunteerProfile.remote_ok,
            VolunteerProfile.languages,
            folded(
                Skill.slug, volunteer_skill, volunteer_skill.c.skill_id, Skill
            ).label("skills"),
            folded(
                Cause.slug, volunteer_cause, volunteer_cause.c.cause_id, Cause
            ).label("causes"),
            sa.select(sa.func.aggregate_strings(window, " "))
            .where(AvailabilityWindow.profile_id == user_id)
            .scalar_subquery()
            .label("windows"),
            Application.shift_id,
            Application.status,
            Shift.starts_at,
            Shift.ends_at,
        )
        .select_from(VolunteerProfile)
        .outerjoin(
            Application,
            sa.and_(
                Application.volunteer_id == VolunteerProfile.user_id,
                Application.status.in_(ACTIVE),
            ),
        )
        .outerjoin(Shift, Shift.id == Application.shift_id)
        .where(VolunteerProfile.user_id == user_id)
    )


def _volunteer_now(user_id: int) -> tuple[model.Volunteer | None, set[int]]:
    """The matching view of a volunteer, read fresh, and the shifts applied to.

    One plain query (this runs on every recommendation).
    """
    rows = db.session.execute(_volunteer_statement(), {"user_id": user_id}).all()
    if not rows or not rows[0].windows:
        return None, set()
    row = rows[0]
    windows = tuple(
        sorted(
            tuple(int(part) for part in text.split(":")) for text in row.windows.split()
        )
    )
    applied, held = set(), []
    for line in rows:
        if line.shift_id is None:
            continue  # no applications: the one row is the profile's
        applied.add(line.shift_id)
        if line.status in HOLDS_SPOT:
            held.append((line.starts_at, line.ends_at))
    volunteer = model.Volunteer(
        id=user_id,
        skills=frozenset((row.skills or "").split()),
        causes=frozenset((row.causes or "").split()),
        languages=frozenset(row.languages or ()),
        lat=row.lat,
        lon=row.lon,
        max_distance_km=float(row.max_distance_km),
        remote_ok=row.remote_ok,
        windows=windows,
        held=tuple(held),
    )
    return volunteer, applied


@dataclasses.dataclass
class _Answer:
    """One volunteer's ranked matches against one snapshot, and what was made of them.

    It holds until `until` (the next shift start, UTC microseconds); `bodies` keeps
    the answers drawn from `found` (the API's serialised page) for as long.
    """

    until: int
    found: list[tuple[model.Match, list[str]]]
    bodies: dict = dataclasses.field(default_factory=dict)


def _answer(
    user: User, now: datetime, limit: int, locale: str
) -> tuple[CatalogueSnapshot, _Answer]:
    """The best matches of a volunteer, with the reasons, from the snapshot."""
    snapshot = catalogue_snapshot(now)
    volunteer, applied = _volunteer_now(user.id)
    if volunteer is None or (not volunteer.remote_ok and not volunteer.has_location):
        return snapshot, _Answer(0, [])
    # The same person (as read just now) against the same catalogue version gets
    # the same answer until another shift starts: reuse it until then.
    key = (volunteer, frozenset(applied), limit, locale)
    held = snapshot.answers.get(key)
    if held is not None and to_microseconds(now) < held.until:
        return snapshot, held
    found = []
    for match in snapshot.index.recommend(volunteer, now, limit, exclude=applied):
        if match.distance_km is not None:
            match = dataclasses.replace(match, distance_km=round(match.distance_km, 2))
        plain = snapshot.index.opportunities[match.opportunity_id]
        found.append((match, model.reasons(match, plain, volunteer, locale)))
    if len(snapshot.answers) >= MAX_ANSWERS_KEPT:
        snapshot.answers.clear()
    answer = _Answer(snapshot.next_start(now), found)
    snapshot.answers[key] = answer
    return snapshot, answer


# Why a volunteer has no recommendation, most basic first (see `why_none`).
NO_WINDOWS = "no_windows"
NO_LOCATION = "no_location"
AVAILABILITY = "availability"
DISTANCE = "distance"
SKILLS = "skills"
REMOTE = "remote"
ALL_APPLIED = "all_applied"
NOTHING_FITS = "nothing_fits"
_ANY_TIME = tuple((day, 0, 1440) for day in range(7))
_ANYWHERE_KM = 20_000.0


def why_none(user: User, now: datetime) -> list[str]:
    """Why the volunteer gets no recommendation, as codes of what to change.

    The profile is read as `recommend` reads it (two queries); the rest asks the
    worker's catalogue snapshot again with one part of the profile relaxed at a
    time (any time of the week, any distance, every required skill, remote work):
    each relaxation that alone would bring recommendations names a reason. With
    none of them alone, NOTHING_FITS; with no profile to match, what is missing.
    """
    volunteer, applied = _volunteer_now(user.id)
    if volunteer is None:
        return [NO_WINDOWS]
    if not volunteer.remote_ok and not volunteer.has_location:
        return [NO_LOCATION]
    index = catalogue_snapshot(now).index

    def finds(person: model.Volunteer, exclude=applied) -> bool:
        return bool(index.recommend(person, now, 1, exclude=exclude))

    if finds(volunteer, exclude=()):
        return [ALL_APPLIED]
    required = frozenset().union(*(o.skills for o in index.opportunities.values()))
    relaxed = {
        AVAILABILITY: dataclasses.replace(volunteer, windows=_ANY_TIME),
        DISTANCE: dataclasses.replace(volunteer, max_distance_km=_ANYWHERE_KM),
        SKILLS: dataclasses.replace(volunteer, skills=volunteer.skills | required),
    }
    if not volunteer.remote_ok:
        relaxed[REMOTE] = dataclasses.replace(volunteer, remote_ok=True)
    if not volunteer.has_location:  # remote work only: distance cannot help
        relaxed.pop(DISTANCE)
    found = [code for code, person in relaxed.items() if finds(person)]
    if not found and not volunteer.has_location:
        return [NO_LOCATION]  # on-site work might fit, measured from a place
    return found or [NOTHING_FITS]


def recommend(
    user: User,
    now: datetime,
    limit: int = 20,
    locale: str = "th",
    *,
    made_by: Callable[[list["Recommendation"]], Any] | None = None,
    variant: Hashable = None,
):
    """The opportunities that fit a volunteer best, each with its best shift.

    With `made_by`, what it makes of them (a page's cards) instead: made once per
    answer and `variant` (what else it depends on, such as the era of its dates),
    and reused, unchanged, while the answer holds.
    """
    answer = _answer(user, now, limit, locale)[1]
    if made_by is None:
        return _recommendations(answer.found)
    return _reused(
        answer, (made_by, variant), lambda: made_by(_recommendations(answer.found))
    )


def _recommendations(ranked: list[tuple[model.Match, list[str]]]) -> list:
    if not ranked:
        return []
    # The snapshot vouches that these are listed (any change moves its version):
    # load just the rows a card shows, the opportunity with its organisation and
    # the chosen shift.
    shifts = {
        shift.id: shift
        for shift in db.session.scalars(
            sa.select(Shift)
            .join(Shift.opportunity)
            .join(Opportunity.organization)
            .where(Shift.id.in_([match.shift_id for match, _ in ranked]))
            .options(
                so.contains_eager(Shift.opportunity).contains_eager(
                    Opportunity.organization
                )
            )
        )
    }
    found = []
    for match, reasons in ranked:
        shift = shifts.get(match.shift_id)
        if shift is None:  # deleted since the snapshot: skip, never guess
            continue
        found.append(Recommendation(shift.opportunity, shift, match, reasons))
    return found


def recommend_items(
    user: User,
    now: datetime,
    limit: int = 20,
    locale: str = "th",
    *,
    body: Callable[[list[dict], int], Any],
) -> Any:
    """The API.md recommendation items, straight from the worker's snapshot.

    `body(items, limit)` makes the answer from them (the API serialises its page
    with its schema): made once per answer, and reused, unchanged, while the
    answer holds.
    """
    snapshot, answer = _answer(user, now, limit, locale)

    def make() -> Any:
        items = []
        for match, reasons in answer.found:
            item = snapshot.items[match.opportunity_id]
            shifts = [shift for shift in item["shifts"] if shift["start"] > now]
            items.append(
                {
                    "opportunity": {**item, "shifts": shifts},
                    "shift_id": match.shift_id,
                    "score": round(match.score, 4),
                    "components": dict(match.components),
                    "reasons": reasons,
                }
            )
        return body(items, limit)

    return _reused(answer, body, make)


def _reused(answer: _Answer, key: Hashable, make: Callable[[], Any]) -> Any:
    """What `make()` made of an answer, kept with the answer under `key`.

    Pass one function per kind of result in `key`, not a new one per call.
    """
    if key in answer.bodies:
        return answer.bodies[key]
    made = make()
    if answer.until:  # no profile to match: nothing is kept
        answer.bodies[key] = made
    return made


def suggest(shift: Shift, now: datetime, limit: int = 20, locale: str = "th"):
    """The volunteers who fit a shift best (only those who consented to matching)."""
    return suggest_for_shifts(shift.opportunity, [shift], now, limit, locale)[shift.id]


def suggest_for_shifts(
    opportunity: Opportunity,
    shifts: list[Shift],
    now: datetime,
    limit: int | None = 20,
    locale: str = "th",
    handing_on: bool = False,
) -> dict[int, list[Suggestion]]:
    """Suggestions for several shifts of one opportunity, in fixed queries.

    `handing_on`: a held place is being handed on (cover), so each shift counts
    as having room for one more, whatever its spots taken.
    """
    required = [skill.id for skill in opportunity.required_skills]
    query = (
        sa.select(VolunteerProfile)
        .join(VolunteerProfile.user)
        .where(User.id.in_(matchable_volunteers()))
        .options(
            so.contains_eager(VolunteerProfile.user),
            so.selectinload(VolunteerProfile.skills),
            so.selectinload(VolunteerProfile.causes),
            so.selectinload(VolunteerProfile.availability),
        )
    )
    if required:
        holders = (
            sa.select(volunteer_skill.c.profile_id)
            .where(volunteer_skill.c.skill_id.in_(required))
            .group_by(volunteer_skill.c.profile_id)
            .having(sa.func.count() == len(required))
        )
        query = query.where(VolunteerProfile.user_id.in_(holders))
    if opportunity.remote:
        query = query.where(VolunteerProfile.remote_ok.is_(True))
    else:
        query = query.where(
            _bounding_box(
                VolunteerProfile.lat,
                VolunteerProfile.lon,
                opportunity.lat,
                opportunity.lon,
                MAX_SUGGESTION_RADIUS_KM,
            )
        )
    profiles = db.session.scalars(query).all()
    held = held_intervals([profile.user_id for profile in profiles])
    reliable = reliabilities([profile.user_id for profile in profiles], now)
    already = {
        (shift_id, volunteer_id)
        for shift_id, volunteer_id in db.session.execute(
            sa.select(Application.shift_id, Application.volunteer_id).where(
                Application.shift_id.in_([shift.id for shift in shifts])
            )
        )
    }
    plain = as_opportunity(opportunity)
    volunteers = [
        (
            profile.user,
            as_volunteer(
                profile, held.get(profile.user_id, []), reliable[profile.user_id]
            ),
        )
        for profile in profiles
    ]
    result: dict[int, list[Suggestion]] = {}
    for shift in shifts:
        plain_shift = as_shift(shift, opportunity)
        if handing_on:
            plain_shift = dataclasses.replace(
                plain_shift, spots_taken=min(shift.spots_taken, shift.capacity - 1)
            )
        found = []
        for user, volunteer in volunteers if is_open(shift, now) else ():
            if (shift.id, user.id) in already:
                continue
            match = _match(volunteer, plain, plain_shift, now, coarse=True)
            if match:
                reasons = model.reasons(
                    match, plain, volunteer, locale, audience="organiser"
                )
                found.append(Suggestion(user, match, reasons))
        found.sort(key=lambda item: (-item.match.score, item.volunteer.id))
        result[shift.id] = found[:limit]
    return result


# --- Floaters: volunteers free now, ranked for a short shift ------------------------


@dataclass(frozen=True)
class FloaterSuggestion:
    """A floater for a short shift: the score, the reasons, an offer already sent."""

    volunteer: User
    free_until: datetime
    match: model.Match
    reasons: list[str]
    offer: object | None = None  # their live offer for this shift, if any


@dataclass
class FloaterPool:
    """Everyone free now, read once per request: ranking a shift needs no query."""

    people: list[tuple[User, model.Volunteer, datetime]]
    applied: set[tuple[int, int]]  # (shift id, volunteer id) of active applications
    offered: dict[tuple[int, int], object]  # (shift id, volunteer id) -> live offer


def floater_pool(now: datetime, volunteer_ids: list[int] | None = None) -> FloaterPool:
    """The floaters free now who consented to matching, in fixed queries."""
    from .models import Floater, Offer, OfferStatus

    query = (
        sa.select(VolunteerProfile, Floater.free_until)
        .join(Floater, Floater.volunteer_id == VolunteerProfile.user_id)
        .join(VolunteerProfile.user)
        .where(
            Floater.free_until > now,
            Floater.free_from <= now,
            User.id.in_(matchable_volunteers()),
        )
        .options(
            so.contains_eager(VolunteerProfile.user),
            so.selectinload(VolunteerProfile.skills),
            so.selectinload(VolunteerProfile.causes),
            so.selectinload(VolunteerProfile.availability),
        )
        .order_by(VolunteerProfile.user_id)
    )
    if volunteer_ids is not None:
        query = query.where(VolunteerProfile.user_id.in_(volunteer_ids))
    rows = db.session.execute(query).all()
    ids = [profile.user_id for profile, _ in rows]
    held = held_intervals(ids)
    reliable = reliabilities(ids, now)
    people = [
        (
            profile.user,
            as_volunteer(
                profile, held.get(profile.user_id, []), reliable[profile.user_id]
            ),
            until,
        )
        for profile, until in rows
    ]
    applied = set()
    offered = {}
    if ids:
        applied = set(
            db.session.execute(
                sa.select(Application.shift_id, Application.volunteer_id).where(
                    Application.volunteer_id.in_(ids), Application.status.in_(ACTIVE)
                )
            ).all()
        )
        offers = db.session.scalars(
            sa.select(Offer).where(
                Offer.volunteer_id.in_(ids),
                Offer.status == OfferStatus.OPEN,
                Offer.expires_at > now,
            )
        )
        offered = {(offer.shift_id, offer.volunteer_id): offer for offer in offers}
    return FloaterPool(people, applied, offered)


def rank_floaters(
    pool: FloaterPool,
    shift: Shift,
    now: datetime,
    locale: str = "th",
    limit: int | None = 10,
) -> list[FloaterSuggestion]:
    """The pool's floaters who may take the shift, best match first.

    Consent and the hard filters are eligibility.floater_violations; the score is
    the matching engine's (on site at the expo, the distance counts as 0 km).
    """
    from .applications.eligibility import floater_violations

    opportunity = shift.opportunity
    plain = as_opportunity(opportunity)
    plain_shift = as_shift(shift, opportunity)
    on_site = opportunity.is_expo
    found = []
    for user, volunteer, free_until in pool.people:
        if (shift.id, user.id) in pool.applied:
            continue
        if floater_violations(volunteer, plain, plain_shift, free_until, now, on_site):
            continue
        km = 0.0 if on_site or opportunity.remote else None
        if km is None:
            measured = filters.distance_to(volunteer, plain)
            km = None if measured is None else shown_distance(measured)
        parts = scoring.components(volunteer, plain, plain_shift, km)
        match = model.Match(
            volunteer_id=volunteer.id,
            shift_id=shift.id,
            opportunity_id=opportunity.id,
            score=scoring.score(parts, volunteer.reliability),
            components=parts,
            distance_km=None if km is None or on_site else round(km, 2),
            window=None,
        )
        reasons = model.reasons(match, plain, volunteer, locale)
        offer = pool.offered.get((shift.id, user.id))
        found.append(FloaterSuggestion(user, free_until, match, reasons, offer))
    found.sort(key=lambda item: (-item.match.score, item.volunteer.id))
    return found if limit is None else found[:limit]
