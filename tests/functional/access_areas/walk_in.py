"""Who may use the walk-in flow and the booth kiosk.

The phone flow is open to anyone who scanned the booth code, and to volunteers
(who apply as themselves); members and staff sign people up through the kiosk,
never as themselves. Starting a kiosk is for the organisation's members. The
kiosk's own pages open only for a browser holding a live kiosk's secret, which
none of the matrix's callers has: anonymous callers are sent to log in and the
logged-in get 403 (tests/functional/test_walk_in.py covers the kiosk itself).
"""

from datetime import timedelta

from marketplace.extensions import db
from marketplace.models import Opportunity, utcnow

from .roles import EVERYONE, MEMBER, VOLUNTEERS

NEWCOMERS = VOLUNTEERS | {"anonymous"}
KIOSK_ONLY = frozenset()

MATRIX = {
    ("walkin.shifts", "GET"): EVERYONE,
    ("walkin.sign_up", "GET"): NEWCOMERS,
    ("walkin.sign_up", "POST"): NEWCOMERS,
    ("walkin.done", "GET"): EVERYONE,
    ("walkin.start_kiosk", "POST"): MEMBER,
    ("walkin.kiosk_home", "GET"): KIOSK_ONLY,
    ("walkin.kiosk_sign_up", "GET"): KIOSK_ONLY,
    ("walkin.kiosk_sign_up", "POST"): KIOSK_ONLY,
    ("walkin.kiosk_done", "GET"): KIOSK_ONLY,
    ("walkin.kiosk_next", "POST"): KIOSK_ONLY,
    ("walkin.kiosk_scan", "POST"): KIOSK_ONLY,
    ("walkin.kiosk_phone", "POST"): KIOSK_ONLY,
    ("walkin.kiosk_phone_code", "GET"): KIOSK_ONLY,
    ("walkin.kiosk_phone_code", "POST"): KIOSK_ONLY,
    ("walkin.kiosk_end", "POST"): KIOSK_ONLY,
}


def extend_world(world: dict) -> None:
    """A running shift of the organisation (always at its booth today)."""
    opportunity = db.session.get(Opportunity, world["opportunity_id"])
    start = utcnow().replace(microsecond=0) - timedelta(minutes=30)
    shift = type(opportunity.shifts[0])(
        starts_at=start, ends_at=start + timedelta(hours=4), capacity=50
    )
    opportunity.shifts.append(shift)
    db.session.flush()
    world["booth_shift_id"] = shift.id


def json_body(endpoint: str, world: dict, role: str) -> dict | None:
    """A valid JSON body for an API endpoint of the area, or None."""
    return None


def form_body(endpoint: str, world: dict) -> dict | None:
    """A newcomer's valid form, so that validation never hides a decision."""
    if endpoint == "walkin.sign_up":
        return {
            "display_name": "มานี มีใจ",
            "phone": "081 234 5678",
            "date_of_birth": "1990-05-01",
            "accept_terms": "y",
        }
    return None
