"""The volunteer's profile: validation, saving, and how complete it is."""

import re
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ..errors import ValidationFailed
from ..extensions import db
from ..locations import Location, geocode_place, locate_point, unknown_place_message
from ..models import AvailabilityWindow, Cause, Skill, User, VolunteerProfile
from ..seed import language_codes

MAX_BIO_LENGTH = 1000
MAX_DISTANCE_KM = 2000
_CLOCK = re.compile(r"^([01]?\d|2[0-4]):([0-5]\d)$")


def parse_clock(text: str) -> int | None:
    """Minutes after midnight of "HH:MM" (24:00 allowed as the end of a day)."""
    found = _CLOCK.match(str(text).strip())
    if not found:
        return None
    minutes = int(found[1]) * 60 + int(found[2])
    return minutes if minutes <= 24 * 60 else None


def format_clock_minutes(minutes: int) -> str:
    """ "HH:MM" of minutes after midnight."""
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass
class ProfileInput:
    """A whole profile as given by a form or the API (PUT replaces everything)."""

    skills: list[str] = field(default_factory=list)
    causes: list[str] = field(default_factory=list)
    # (weekday 0 = Monday, "HH:MM", "HH:MM")
    availability: list[tuple[int, str, str]] = field(default_factory=list)
    place: str | None = None
    lat: float | None = None
    lon: float | None = None
    max_distance_km: int = 15
    remote_ok: bool = False
    languages: list[str] = field(default_factory=list)
    bio: str = ""


def _by_slug(model, slugs: list[str], field_name: str, fields: dict) -> list:
    wanted = list(dict.fromkeys(slugs))
    rows = db.session.scalars(sa.select(model).where(model.slug.in_(wanted))).all()
    unknown = sorted(set(wanted) - {row.slug for row in rows})
    if unknown:
        fields[field_name] = [str(_l("Unknown: %(slugs)s.", slugs=", ".join(unknown)))]
    return rows


def _windows(entries, fields: dict) -> list[AvailabilityWindow]:
    windows, problems = [], []
    for weekday, start, end in entries:
        start_minute, end_minute = parse_clock(start), parse_clock(end)
        if not isinstance(weekday, int) or not 0 <= weekday <= 6:
            problems.append(str(_l("The day must be 0 (Monday) to 6 (Sunday).")))
        elif start_minute is None or end_minute is None:
            problems.append(str(_l("Write times as HH:MM, for example 09:00.")))
        elif end_minute <= start_minute:
            problems.append(
                str(
                    _l("%(start)s–%(end)s ends before it starts.", start=start, end=end)
                )
            )
        else:
            windows.append(
                AvailabilityWindow(
                    weekday=weekday, start_minute=start_minute, end_minute=end_minute
                )
            )
    if problems:
        fields["availability"] = problems
    return windows


def _location(data: ProfileInput, fields: dict) -> Location | None:
    if data.place:
        found = geocode_place(data.place)
        if found is None:
            fields["location"] = [unknown_place_message(data.place)]
        return found
    if data.lat is None and data.lon is None:
        return None
    found = (
        locate_point(data.lat, data.lon) if None not in (data.lat, data.lon) else None
    )
    if found is None:
        fields["location"] = [str(_l("Latitude must be -90..90, longitude -180..180."))]
    return found


def update_profile(user: User, data: ProfileInput) -> VolunteerProfile:
    """Replace the volunteer's whole profile; raise ValidationFailed on bad input."""
    fields: dict[str, list[str]] = {}
    skills = _by_slug(Skill, data.skills, "skills", fields)
    causes = _by_slug(Cause, data.causes, "causes", fields)
    windows = _windows(data.availability, fields)
    location = _location(data, fields)
    known_languages = set(language_codes())
    if unknown := sorted(set(data.languages) - known_languages):
        fields["languages"] = [str(_l("Unknown: %(slugs)s.", slugs=", ".join(unknown)))]
    if not 0 <= data.max_distance_km <= MAX_DISTANCE_KM:
        fields["max_distance_km"] = [
            str(_l("Choose 0 to %(n)d km.", n=MAX_DISTANCE_KM))
        ]
    if len(data.bio) > MAX_BIO_LENGTH:
        fields["bio"] = [str(_l("Use at most %(n)d characters.", n=MAX_BIO_LENGTH))]
    if fields:
        raise ValidationFailed(fields=fields)

    profile = user.profile or VolunteerProfile(user=user)
    profile.skills = skills
    profile.causes = causes
    profile.availability = windows
    if location is None:
        profile.lat = profile.lon = profile.location_label = profile.province = None
    else:
        profile.lat, profile.lon = location.lat, location.lon
        profile.location_label, profile.province = location.label, location.province
    profile.max_distance_km = data.max_distance_km
    profile.remote_ok = data.remote_ok
    profile.languages = list(dict.fromkeys(data.languages))
    profile.bio = data.bio.strip()
    db.session.add(profile)
    db.session.flush()
    return profile


@dataclass(frozen=True)
class Completeness:
    """How complete a profile is for good matches, and what to add."""

    percent: int
    missing: list[str]


def profile_completeness(profile: VolunteerProfile | None) -> Completeness:
    """Score the parts that matching uses; list the missing ones as advice."""
    checks = [
        (bool(profile and profile.skills), _l("Add the skills you can offer.")),
        (bool(profile and profile.causes), _l("Choose the causes you care about.")),
        (
            bool(profile and profile.availability),
            _l("Mark when you are free in the week grid."),
        ),
        (
            bool(profile and profile.lat is not None),
            _l("Say where you are, so we can find opportunities near you."),
        ),
        (bool(profile and profile.languages), _l("Add the languages you speak.")),
        (bool(profile and profile.bio), _l("Write a few words about yourself.")),
    ]
    done = sum(ok for ok, _ in checks)
    return Completeness(
        percent=round(100 * done / len(checks)),
        missing=[str(advice) for ok, advice in checks if not ok],
    )


GRID_HOURS = range(6, 22)  # the week grid offers 06:00-22:00 in one-hour slots


def windows_from_slots(slots: list[str]) -> list[tuple[int, str, str]]:
    """Merge ticked grid slots ("weekday-hour") into availability windows."""
    ticked: dict[int, set[int]] = {}
    for slot in slots:
        day_text, _, hour_text = slot.partition("-")
        if day_text.isdigit() and hour_text.isdigit():
            ticked.setdefault(int(day_text), set()).add(int(hour_text))
    windows = []
    for weekday in sorted(ticked):
        hours = sorted(ticked[weekday])
        start = previous = hours[0]
        for hour in [*hours[1:], None]:
            if hour is not None and hour == previous + 1:
                previous = hour
                continue
            windows.append((weekday, f"{start:02d}:00", f"{previous + 1:02d}:00"))
            if hour is not None:
                start = previous = hour
    return windows


def slots_from_windows(profile: VolunteerProfile | None) -> set[str]:
    """The grid slots ("weekday-hour") a profile's windows cover."""
    if profile is None:
        return set()
    return {
        f"{window.weekday}-{hour}"
        for window in profile.availability
        for hour in GRID_HOURS
        if window.start_minute <= hour * 60 and (hour + 1) * 60 <= window.end_minute
    }
