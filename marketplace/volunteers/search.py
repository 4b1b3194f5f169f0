"""Finding opportunities: text (Thai substrings), cause, skills, dates, near me."""

import math
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..errors import ValidationFailed
from ..extensions import db
from ..geo import distance_km, valid_coordinates
from ..i18n import BANGKOK
from ..inputs import check_moment
from ..main.queries import (
    listed_opportunities,
    listed_opportunity_ids,
    next_shift_start,
)
from ..models import Cause, Opportunity, Organization, Shift, Skill

DEFAULT_RADIUS_KM = 25.0
MAX_RADIUS_KM = 1000.0
# The fewest kilometres in one degree of latitude / of longitude at the equator.
_KM_PER_DEGREE_LAT = 110.5
_KM_PER_DEGREE_LON = 111.4


@dataclass
class SearchFilters:
    """What a volunteer searches for; every field is optional."""

    q: str = ""
    cause: str | None = None
    skills: list[str] = field(default_factory=list)
    near: tuple[float, float] | None = None
    within_km: float = DEFAULT_RADIUS_KM
    remote: bool | None = None
    starts_after: datetime | None = None
    starts_before: datetime | None = None

    def shift_in_range(self, shift: Shift, now: datetime) -> bool:
        """Whether a shift matches the dates (the Python twin of `_conditions`)."""
        return (
            shift.starts_at > now
            and (self.starts_after is None or shift.starts_at >= self.starts_after)
            and (self.starts_before is None or shift.starts_at <= self.starts_before)
        )


@dataclass(frozen=True)
class Hit:
    """One opportunity found, its matching shifts, and its distance when near."""

    opportunity: Opportunity
    distance_km: float | None
    shifts: list[Shift] = field(default_factory=list)


@dataclass(frozen=True)
class MapPoint:
    """Where one on-site result is, for the map of every result."""

    id: int
    title: str
    lat: float
    lon: float


MAP_POINTS_LIMIT = 2000


def parse_time_bound(text: str, *, end: bool) -> datetime:
    """An ISO date or time; a bare date is a whole day in Asia/Bangkok (inclusive).

    A time outside the days the app accepts (inputs.EARLIEST_DAY…LATEST_DAY) is a
    ValueError too, so year 1 or 9999, with any offset, never reaches the database.
    """
    text = text.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime.combine(day, time.min, BANGKOK)
            if end:
                moment += timedelta(days=1) - timedelta(microseconds=1)
        else:
            moment = datetime.fromisoformat(text)
    except (ValueError, OverflowError):
        raise ValueError(f"not an ISO date or time: {text!r}") from None
    return check_moment(moment if moment.tzinfo else moment.replace(tzinfo=BANGKOK))


def parse_point(text: str) -> tuple[float, float]:
    """ "lat,lon" as two floats within range."""
    try:
        lat_text, lon_text = text.split(",")
        lat, lon = float(lat_text), float(lon_text)
    except ValueError:
        raise ValueError(f"near must be 'lat,lon': {text!r}") from None
    if not valid_coordinates(lat, lon):
        raise ValueError(f"near is out of range: {text!r}")
    return lat, lon


def _check_slugs(filters: SearchFilters) -> None:
    fields = {}
    for model, name, slugs in (
        (Cause, "cause", [filters.cause] if filters.cause else []),
        (Skill, "skill", filters.skills),
    ):
        if not slugs:
            continue
        known = set(
            db.session.scalars(sa.select(model.slug).where(model.slug.in_(slugs)))
        )
        if unknown := sorted(set(slugs) - known):
            fields[name] = [str(_l("Unknown: %(slugs)s.", slugs=", ".join(unknown)))]
    if not 0 < filters.within_km <= MAX_RADIUS_KM:
        fields["within_km"] = [str(_l("Choose 1 to %(n)d km.", n=int(MAX_RADIUS_KM)))]
    if fields:
        raise ValidationFailed(fields=fields)


def _conditions(filters: SearchFilters, now: datetime) -> list[sa.ColumnElement[bool]]:
    """SQL conditions for everything but the distance."""
    conditions = []
    for term in filters.q.split():
        needle = term.lower()
        conditions.append(
            sa.or_(
                *(
                    sa.func.lower(column).contains(needle, autoescape=True)
                    for column in (
                        Opportunity.title,
                        Opportunity.description,
                        Organization.name_th,
                        Organization.name_en,
                    )
                )
            )
        )
    if filters.cause:
        conditions.append(Opportunity.causes.any(Cause.slug == filters.cause))
    if filters.skills:
        conditions.append(Opportunity.skills.any(Skill.slug.in_(filters.skills)))
    if filters.remote is not None:
        conditions.append(Opportunity.remote.is_(filters.remote))
    if filters.starts_after or filters.starts_before:
        in_range = [Shift.opportunity_id == Opportunity.id, Shift.starts_at > now]
        if filters.starts_after:
            in_range.append(Shift.starts_at >= filters.starts_after)
        if filters.starts_before:
            in_range.append(Shift.starts_at <= filters.starts_before)
        conditions.append(sa.exists().where(*in_range))
    return conditions


def _bounding_box(lat: float, lon: float, km: float) -> sa.ColumnElement[bool]:
    """A box that surely contains the circle; the exact check comes after."""
    d_lat = km / _KM_PER_DEGREE_LAT
    widest = math.cos(math.radians(min(89.0, abs(lat) + d_lat)))
    d_lon = km / (_KM_PER_DEGREE_LON * max(widest, 0.01))
    return sa.and_(
        Opportunity.remote.is_(False),
        Opportunity.lat.between(lat - d_lat, lat + d_lat),
        Opportunity.lon.between(lon - d_lon, lon + d_lon),
    )


def search_opportunities(
    filters: SearchFilters, now: datetime, page: int = 1, per_page: int = 20
) -> tuple[list[Hit], int]:
    """One page of open opportunities matching the filters, and how many match."""
    _check_slugs(filters)
    conditions = _conditions(filters, now)
    offset = (page - 1) * per_page
    if filters.near is None:
        query = listed_opportunities(now).where(*conditions)
        ids = listed_opportunity_ids(now).where(*conditions).subquery()
        total = db.session.scalar(sa.select(sa.func.count()).select_from(ids))
        rows = db.session.scalars(
            query.order_by(next_shift_start(now), Opportunity.id)
            .offset(offset)
            .limit(per_page)
        ).all()
        return [_hit(row, None, filters, now) for row in rows], total or 0

    lat, lon = filters.near
    candidates = db.session.execute(
        listed_opportunity_ids(now)
        .add_columns(Opportunity.lat, Opportunity.lon)
        .where(*conditions, _bounding_box(lat, lon, filters.within_km))
    ).all()
    nearby = sorted(
        (km, row.id)
        for row in candidates
        if (km := distance_km(lat, lon, row.lat, row.lon)) <= filters.within_km
    )
    chosen = nearby[offset : offset + per_page]
    loaded = {
        row.id: row
        for row in db.session.scalars(
            listed_opportunities(now).where(Opportunity.id.in_([i for _, i in chosen]))
        )
    }
    hits = [_hit(loaded[i], round(km, 2), filters, now) for km, i in chosen]
    return hits, len(nearby)


def _hit(
    opportunity: Opportunity, km: float | None, filters: SearchFilters, now: datetime
) -> Hit:
    shifts = [s for s in opportunity.shifts if filters.shift_in_range(s, now)]
    return Hit(opportunity, km, sorted(shifts, key=lambda shift: shift.starts_at))


def map_points(filters: SearchFilters, now: datetime) -> list[MapPoint]:
    """Every on-site result (not only one page's), for a clustered map."""
    conditions = _conditions(filters, now)
    query = (
        listed_opportunity_ids(now)
        .add_columns(Opportunity.title, Opportunity.lat, Opportunity.lon)
        .where(*conditions, Opportunity.remote.is_(False))
    )
    if filters.near is not None:
        lat, lon = filters.near
        query = query.where(_bounding_box(lat, lon, filters.within_km))
    rows = db.session.execute(query.limit(MAP_POINTS_LIMIT * 2)).all()
    points = [MapPoint(row.id, row.title, row.lat, row.lon) for row in rows]
    if filters.near is not None:
        lat, lon = filters.near
        points = [
            point
            for point in points
            if distance_km(lat, lon, point.lat, point.lon) <= filters.within_km
        ]
    return points[:MAP_POINTS_LIMIT]
