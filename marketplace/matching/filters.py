"""The hard filters, one pair at a time: the reference the fast index must agree with.

A volunteer may be matched to a shift only if all of these hold:

- ``future``: the shift starts after ``now``;
- ``room``: a spot is left, or the shift takes a waitlist (``first_come``);
- ``availability``: the shift lies wholly inside one weekly availability window of
  its weekday, in Asia/Bangkok time (a shift running past midnight fits none);
- ``skills``: the volunteer holds every skill the opportunity requires;
- ``remote``: a remote opportunity needs a volunteer who accepts remote work;
- ``distance``: an in-person opportunity lies within the volunteer's
  ``max_distance_km`` (both need a location);
- ``overlap``: the shift does not overlap a shift the volunteer already holds.

Intervals are half-open, so a shift ending at 12:00 does not overlap one starting at
12:00.
"""

import math
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from .geo import distance_km
from .model import Opportunity, Shift, Volunteer, Window

BANGKOK = ZoneInfo("Asia/Bangkok")
FILTERS = ("future", "room", "availability", "skills", "remote", "distance", "overlap")


def local_span(starts_at: datetime, ends_at: datetime) -> Window | None:
    """(weekday, start minute, end minute) in Bangkok, or None past midnight."""
    start = starts_at.astimezone(BANGKOK)
    end = ends_at.astimezone(BANGKOK)
    # Seconds round outwards, so a span never looks shorter than it is.
    start_minute = start.hour * 60 + start.minute
    end_seconds = end.hour * 3600 + end.minute * 60 + end.second + end.microsecond / 1e6
    end_minute = math.ceil(end_seconds / 60)
    if end.date() == start.date():
        return start.weekday(), start_minute, end_minute
    if end.date() == start.date() + timedelta(days=1) and end_seconds == 0:
        return start.weekday(), start_minute, 1440
    return None


def fitting_window(volunteer: Volunteer, shift: Shift) -> Window | None:
    """The first of the volunteer's windows that holds the whole shift, if any."""
    span = local_span(shift.starts_at, shift.ends_at)
    if span is None:
        return None
    weekday, start, end = span
    for window in volunteer.windows:
        if window[0] == weekday and window[1] <= start and end <= window[2]:
            return window
    return None


def has_room(shift: Shift) -> bool:
    """A spot is left, or the shift takes a waitlist."""
    return shift.spots_taken < shift.capacity or shift.waitlist_ok


def has_skills(volunteer: Volunteer, opportunity: Opportunity) -> bool:
    """The volunteer holds every required skill."""
    return opportunity.skills <= volunteer.skills


def distance_to(volunteer: Volunteer, opportunity: Opportunity) -> float | None:
    """Geodesic km between them, or None if either has no location."""
    if not (volunteer.has_location and opportunity.has_location):
        return None
    return float(
        distance_km(volunteer.lat, volunteer.lon, opportunity.lat, opportunity.lon)[0]
    )


def overlaps_held(volunteer: Volunteer, shift: Shift) -> bool:
    """The shift overlaps a shift the volunteer already holds."""
    return any(
        shift.starts_at < end and start < shift.ends_at for start, end in volunteer.held
    )


def violations(
    volunteer: Volunteer, opportunity: Opportunity, shift: Shift, now: datetime
) -> list[str]:
    """Names of the hard filters the pair fails (empty: the pair may match)."""
    if shift.opportunity_id != opportunity.id:
        raise ValueError(f"shift {shift.id} is not of opportunity {opportunity.id}")
    failed = []
    if shift.starts_at <= now:
        failed.append("future")
    if not has_room(shift):
        failed.append("room")
    if fitting_window(volunteer, shift) is None:
        failed.append("availability")
    if not has_skills(volunteer, opportunity):
        failed.append("skills")
    if opportunity.remote:
        if not volunteer.remote_ok:
            failed.append("remote")
    else:
        km = distance_to(volunteer, opportunity)
        if km is None or not km <= volunteer.max_distance_km:
            failed.append("distance")
    if overlaps_held(volunteer, shift):
        failed.append("overlap")
    return failed


def eligible(
    volunteer: Volunteer, opportunity: Opportunity, shift: Shift, now: datetime
) -> bool:
    """Whether the pair passes every hard filter."""
    return not violations(volunteer, opportunity, shift, now)
