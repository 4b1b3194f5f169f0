"""Plain data the matching works on, and the human reasons of a match.

The web side builds these from the database; nothing here knows about Flask or
SQLAlchemy. Times are UTC-aware datetimes; availability windows are weekly, in
Asia/Bangkok local time, as ``(weekday, start_minute, end_minute)`` with Monday = 0
and minutes after local midnight (``end_minute`` may be 1440).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

Window = tuple[int, int, int]
Interval = tuple[datetime, datetime]


def _check_aware(value: datetime, name: str) -> None:
    """Refuse naive datetimes: every time here is UTC-aware."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {value!r}")


@dataclass(frozen=True, slots=True)
class Volunteer:
    """What a volunteer offers, where, how far and when they are free."""

    id: int
    skills: frozenset[str]
    causes: frozenset[str]
    languages: frozenset[str]
    lat: float | None
    lon: float | None
    max_distance_km: float
    remote_ok: bool
    windows: tuple[Window, ...]
    held: tuple[Interval, ...] = ()
    # Came to the shifts they held (scoring.reliability): 1.0 with no history.
    reliability: float = 1.0

    def __post_init__(self) -> None:
        """Check the windows and the held intervals."""
        for weekday, start, end in self.windows:
            if not (0 <= weekday <= 6 and 0 <= start < end <= 1440):
                raise ValueError(f"bad availability window {(weekday, start, end)}")
        for start, end in self.held:
            _check_aware(start, "held start")
            _check_aware(end, "held end")

    @property
    def has_location(self) -> bool:
        """Whether the volunteer gave a place to measure distances from."""
        return self.lat is not None and self.lon is not None


@dataclass(frozen=True, slots=True)
class Opportunity:
    """A way to help posted by an organisation; its shifts carry the times.

    ``skills`` are the required ones (a hard filter); ``nice_to_have`` skills only
    raise the score of those who hold them.
    """

    id: int
    organization_id: int
    skills: frozenset[str]
    causes: frozenset[str]
    languages: frozenset[str]
    remote: bool
    lat: float | None
    lon: float | None
    title: str = ""
    nice_to_have: frozenset[str] = frozenset()

    @property
    def listed_skills(self) -> frozenset[str]:
        """Every skill the opportunity names, required or nice to have."""
        return self.skills | self.nice_to_have

    @property
    def has_location(self) -> bool:
        """Whether the opportunity has a place (remote ones need none)."""
        return self.lat is not None and self.lon is not None


@dataclass(frozen=True, slots=True)
class Shift:
    """A time slot of an opportunity with its capacity and spots already held."""

    id: int
    opportunity_id: int
    organization_id: int
    starts_at: datetime
    ends_at: datetime
    capacity: int
    spots_taken: int
    waitlist_ok: bool

    def __post_init__(self) -> None:
        """Check the times are aware and in order."""
        _check_aware(self.starts_at, "starts_at")
        _check_aware(self.ends_at, "ends_at")
        if self.ends_at <= self.starts_at:
            raise ValueError(f"shift {self.id} ends before it starts")

    @property
    def spots_left(self) -> int:
        """How many more volunteers the shift can hold (never negative)."""
        return max(self.capacity - self.spots_taken, 0)


@dataclass(frozen=True, slots=True)
class Match:
    """A volunteer and a shift that pass every hard filter, with the score's parts."""

    volunteer_id: int
    shift_id: int
    opportunity_id: int
    score: float
    components: Mapping[str, float]
    distance_km: float | None
    window: Window | None


@dataclass(frozen=True)
class Candidates:
    """Volunteer-shift pairs for the proposal, column-wise (millions fit in memory)."""

    volunteer_ids: np.ndarray
    shift_ids: np.ndarray
    scores: np.ndarray
    stats: Mapping[str, float] = field(default_factory=dict)

    def __len__(self) -> int:
        """Number of pairs."""
        return int(self.scores.shape[0])

    @classmethod
    def from_matches(cls, matches: Sequence[Match]) -> Candidates:
        """Columns from a list of matches."""
        return cls(
            volunteer_ids=np.array([m.volunteer_id for m in matches], dtype=np.int64),
            shift_ids=np.array([m.shift_id for m in matches], dtype=np.int64),
            scores=np.array([m.score for m in matches], dtype=np.float64),
        )


# Reasons are short phrases joined with " · " by the page. The matching package is
# pure (no Flask-Babel), so its two languages live here, in one table.
# Reasons as a person would write them, for the volunteer ("you") and for an
# organiser looking at a volunteer ("they"). Joined with " · " on the pages.
_TEXT: dict[str, dict[str, dict[str, str]]] = {
    "volunteer": {
        "th": {
            "skills": "คุณมีทักษะที่ต้องการ {held} จาก {required} อย่าง",
            "no_skills": "ไม่ต้องมีทักษะเฉพาะ",
            "km": "ห่างจากคุณ {km} กม.",
            "remote": "ทำออนไลน์ได้",
            "window": "ตรงกับเวลาว่างของคุณ วัน{day} {start}–{end} น.",
            "cause": "ตรงกับประเด็นที่คุณสนใจ",
            "language": "ใช้ภาษาที่คุณพูดได้",
            "filled": "มีคนได้ที่แล้ว {percent}% ยังต้องการอาสาอีก",
            "waitlist": "กะนี้เต็มแล้ว แต่ลงชื่อสำรองได้",
        },
        "en": {
            "skills": "you have {held} of the {required} skills asked for",
            "no_skills": "no special skills needed",
            "km": "{km} km from you",
            "remote": "can be done online",
            "window": "fits your free time on {day} {start}–{end}",
            "cause": "a cause you care about",
            "language": "in a language you speak",
            "filled": "{percent}% of the places taken, more volunteers needed",
            "waitlist": "this shift is full, but you can join the waitlist",
        },
    },
    "organiser": {
        "th": {
            "skills": "มีทักษะที่ต้องการ {held} จาก {required} อย่าง",
            "no_skills": "ไม่ต้องมีทักษะเฉพาะ",
            "km": "อยู่ห่าง {km} กม.",
            "remote": "ทำออนไลน์ได้",
            "window": "ว่างวัน{day} {start}–{end} น.",
            "cause": "สนใจประเด็นนี้",
            "language": "พูดภาษาที่งานนี้ใช้ได้",
            "filled": "มีคนได้ที่แล้ว {percent}%",
            "waitlist": "กะนี้เต็มแล้ว ลงชื่อสำรองได้",
        },
        "en": {
            "skills": "has {held} of the {required} skills asked for",
            "no_skills": "no special skills needed",
            "km": "{km} km away",
            "remote": "can be done online",
            "window": "free on {day} {start}–{end}",
            "cause": "cares about this cause",
            "language": "speaks a language this work uses",
            "filled": "{percent}% of the places taken",
            "waitlist": "this shift is full; waitlist open",
        },
    },
}
_DAYS = {
    "th": ("จันทร์", "อังคาร", "พุธ", "พฤหัสบดี", "ศุกร์", "เสาร์", "อาทิตย์"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
# Say how full a shift is only while it still needs people (at most half filled).
_SHOW_FILL_FROM_NEED = 0.5


def _clock(minute: int) -> str:
    """Minutes after midnight as "09:00" or "09:30" (24-hour, as Thais write it)."""
    hours, minutes = divmod(minute, 60)
    return f"{hours:02d}:{minutes:02d}"


def reasons(
    match: Match,
    opportunity: Opportunity,
    volunteer: Volunteer,
    locale: str = "th",
    audience: str = "volunteer",
) -> list[str]:
    """Explain a match in Thai ("th", the default) or English ("en"), short phrases.

    ``audience`` is who reads them: the volunteer ("you have…") or an organiser
    looking at a suggested volunteer ("has…"). A shift nobody has taken yet says
    nothing about how full it is ("0 % filled" reads as a warning, not a reason).
    """
    lang = "en" if locale.lower().startswith("en") else "th"
    text = _TEXT["organiser" if audience == "organiser" else "volunteer"][lang]
    out: list[str] = []
    listed = opportunity.listed_skills
    if listed:
        held = len(listed & volunteer.skills)
        out.append(text["skills"].format(held=held, required=len(listed)))
    else:
        out.append(text["no_skills"])
    if opportunity.remote:
        out.append(text["remote"])
    elif match.distance_km is not None:
        out.append(text["km"].format(km=f"{match.distance_km:.1f}"))
    if match.window is not None:
        day, start, end = match.window
        out.append(
            text["window"].format(
                day=_DAYS[lang][day], start=_clock(start), end=_clock(end)
            )
        )
    if match.components.get("causes", 0.0) > 0:
        out.append(text["cause"])
    if opportunity.languages and match.components.get("languages", 0.0) > 0:
        out.append(text["language"])
    need = match.components.get("need")
    if need is not None:
        if need <= 0:
            out.append(text["waitlist"])
        elif need >= _SHOW_FILL_FROM_NEED and round((1 - need) * 100) > 0:
            out.append(text["filled"].format(percent=round((1 - need) * 100)))
    return out
