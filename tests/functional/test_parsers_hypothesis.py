"""Property tests of the code that parses what people type."""

import string
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from marketplace.auth.passwords import password_problems
from marketplace.auth.services import clean_name, name_problems, normalize_email
from marketplace.errors import ValidationFailed
from marketplace.exports import csv_safe
from marketplace.extensions import db
from marketplace.geo.gazetteer import search_places
from marketplace.inputs import EARLIEST_DAY, LATEST_DAY
from marketplace.volunteers.profile import (
    format_clock_minutes,
    parse_clock,
    slots_from_windows,
    windows_from_slots,
)
from marketplace.volunteers.search import parse_point, parse_time_bound
from tests import factories

FAST = settings(max_examples=300, deadline=None)
IN_APP = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@FAST
@given(st.text())
def test_parse_clock_returns_minutes_of_a_day_or_none(text):
    minutes = parse_clock(text)
    assert minutes is None or 0 <= minutes <= 24 * 60


@FAST
@given(st.integers(0, 24 * 60))
def test_clock_round_trips(minutes):
    assert parse_clock(format_clock_minutes(minutes)) == minutes


@FAST
@given(st.sets(st.tuples(st.integers(0, 6), st.integers(6, 21))))
def test_grid_slots_round_trip_through_windows(ticked):
    slots = [f"{day}-{hour}" for day, hour in ticked]
    windows = windows_from_slots(slots)

    class Window:
        def __init__(self, weekday, start, end):
            self.weekday = weekday
            self.start_minute, self.end_minute = parse_clock(start), parse_clock(end)

    class Profile:
        availability = [Window(*window) for window in windows]

    assert slots_from_windows(Profile()) == set(slots)
    for _weekday, start, end in windows:
        assert parse_clock(start) < parse_clock(end)


@FAST
@given(
    st.lists(
        st.one_of(
            st.text(max_size=8),
            st.builds("{}-{}".format, st.integers(-5, 99), st.integers(-5, 99)),
        )
    )
)
def test_grid_slots_never_crash_on_junk(slots):
    # Junk slots may make junk windows; the profile validation refuses those.
    for weekday, start, end in windows_from_slots(slots):
        assert isinstance(weekday, int) and start < end or len(end) > len(start)


@FAST
@given(st.text())
def test_time_bounds_are_aware_or_refused(text):
    for end in (False, True):
        try:
            moment = parse_time_bound(text, end=end)
        except ValueError:
            continue
        assert isinstance(moment, datetime) and moment.tzinfo is not None


@FAST
@given(st.dates(EARLIEST_DAY, LATEST_DAY))
def test_a_bare_date_is_a_whole_bangkok_day(day):
    start = parse_time_bound(day.isoformat(), end=False)
    end = parse_time_bound(day.isoformat(), end=True)
    assert start.date() == end.date() == day and start < end


@FAST
@given(
    st.one_of(
        st.dates(max_value=EARLIEST_DAY - timedelta(days=1)),
        st.dates(min_value=LATEST_DAY + timedelta(days=1)),
    ),
    st.sampled_from(["", "T00:00", "T23:59:59+14:00", "T00:00-12:00"]),
)
def test_times_outside_the_accepted_days_are_refused(day, clock):
    for end in (False, True):
        with pytest.raises(ValueError):
            parse_time_bound(day.isoformat() + clock, end=end)


@FAST
@given(st.text())
def test_points_are_in_range_or_refused(text):
    try:
        lat, lon = parse_point(text)
    except ValueError:
        return
    assert -90 <= lat <= 90 and -180 <= lon <= 180


@FAST
@given(st.floats(-90, 90, allow_nan=False), st.floats(-180, 180, allow_nan=False))
def test_points_round_trip(lat, lon):
    assert parse_point(f"{lat!r},{lon!r}") == (lat, lon)


@FAST
@given(st.text())
def test_csv_cells_never_start_a_formula(text):
    cell = csv_safe(text)
    assert not cell.startswith(FORMULA_STARTS)
    assert cell.endswith(text)


@IN_APP
@given(st.text())
def test_email_normalisation_is_idempotent_and_lowercase(app, text):
    try:
        with app.test_request_context():
            email = normalize_email(text)
    except ValidationFailed as error:
        assert error.fields["email"]
        return
    assert email == email.lower() and normalize_email(email) == email
    assert "@" in email


@IN_APP
@given(
    st.text(string.ascii_letters + string.digits, min_size=1, max_size=20),
    st.sampled_from(["example.org", "Example.ORG", "ตัวอย่าง.ไทย"]),
)
def test_equivalent_emails_normalise_alike(app, local, domain):
    assert normalize_email(f"  {local}@{domain} ") == normalize_email(
        f"{local.upper()}@{domain.upper()}"
    )


@IN_APP
@given(st.text(max_size=300))
def test_password_policy_is_total(app, password):
    with app.test_request_context():
        problems = password_problems(password, "a@example.org", "สมชาย")
    assert isinstance(problems, list)
    if len(password) < 10:
        assert problems


@IN_APP
@given(st.text(max_size=200))
def test_names_are_cleaned_and_judged(app, text):
    name = clean_name(text)
    assert name == name.strip() and "  " not in name
    with app.test_request_context():
        assert isinstance(name_problems(name), list)


@FAST
@given(st.text(max_size=40), st.integers(-5, 30))
def test_place_search_never_crashes_and_respects_the_limit(query, limit):
    places = search_places(query, limit)
    assert len(places) <= max(limit, 0)
    assert len({place.id for place in places}) == len(places)


@pytest.mark.parametrize("query", ["เชียงใหม่", "Chiang Mai", "chiang  mai"])
def test_known_places_are_found(query):
    assert search_places(query, 3)[0].province_en == "Chiang Mai"


# --- Extreme but well-formed input through the real routes (issue 10, finding 8).
# Every answer is a 4xx or an (empty) page, never a 500, on SQLite and PostgreSQL.

ROUTES = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
HUGE = "99999999999999999999"
DATE_FILTERS = [
    ("/opportunities", "starts_after"),
    ("/opportunities", "starts_before"),
    ("/api/v1/opportunities", "starts_after"),
    ("/api/v1/opportunities", "starts_before"),
    ("/api/v1/applications", "starts_after"),
    ("/api/v1/applications", "starts_before"),
    ("/staff/approvals", "starts_after"),
    ("/staff/approvals", "starts_before"),
    ("/impact", "first_day"),
    ("/impact", "last_day"),
    ("/impact/numbers.csv", "first_day"),
    ("/staff/impact", "first_day"),
    ("/staff/impact", "last_day"),
    ("/organizations/{org}/impact", "first_day"),
    ("/organizations/{org}/impact", "last_day"),
]
PAGED = [
    "/opportunities",
    "/staff/approvals",
    "/staff/audit",
    "/api/v1/opportunities",
    "/api/v1/applications",
    "/api/v1/pledges",
    "/api/v1/outcome-rounds",
    "/api/v1/opportunities/{opportunity}/applications",
]
# Query names url_for takes for itself, and pages that pass their query on.
URL_FOR_NAMES = ["endpoint", "_external", "_scheme", "_anchor", "_method"]
LINKING_PAGES = ["/opportunities", "/staff/approvals", "/staff/audit", "/impact"]

offsets = st.integers(-(24 * 60 - 1), 24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
day_texts = st.one_of(
    st.dates().map(date.isoformat),
    st.datetimes().map(datetime.isoformat),
    st.datetimes(timezones=offsets).map(datetime.isoformat),
    st.builds("{}-12-31".format, st.integers(1, 9999).map("{:04d}".format)),
)
numbers = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.sampled_from([HUGE, "2147483647", "2147483648", "9223372036854775808", "²"]),
    st.text(max_size=12),
)
controls = st.text(st.characters(max_codepoint=0x9F), max_size=20)


@pytest.fixture
def seeded(app, auth):
    """A staff member logged in, and enough data for every list to have pages."""
    from marketplace.models import Application, ApplicationStatus, Role

    staff = factories.make_user(is_staff=True)
    volunteer = factories.make_user()
    organization = factories.make_organization(
        members=[factories.make_user(Role.ORGANIZER)]
    )
    opportunities = [factories.make_opportunity(organization) for _ in range(13)]
    shift = opportunities[0].shifts[0]
    shift.spots_taken = 1
    db.session.add(
        Application(shift=shift, volunteer=volunteer, status=ApplicationStatus.ACCEPTED)
    )
    db.session.commit()
    auth.login(staff.email)
    return {"org": organization.id, "opportunity": opportunities[0].id}


def _no_server_error(response) -> None:
    assert response.status_code < 500, response.get_data(as_text=True)[:300]


@ROUTES
@given(route=st.sampled_from(DATE_FILTERS), text=day_texts)
@example(route=("/opportunities", "starts_before"), text="9999-12-31")
@example(route=("/opportunities", "starts_after"), text="0001-01-01")
@example(route=("/api/v1/opportunities", "starts_before"), text="9999-12-31")
@example(route=("/api/v1/opportunities", "starts_after"), text="0001-01-01T00:00")
@example(route=("/api/v1/opportunities", "starts_after"), text="9999-12-31T23:59-14:00")
@example(route=("/impact", "first_day"), text="9999-12-31")
@example(route=("/staff/impact", "last_day"), text="0001-01-01")
@example(route=("/staff/approvals", "starts_after"), text="0001-01-01")
def test_extreme_dates_are_refused_or_empty(client, seeded, route, text):
    path, name = route
    _no_server_error(client.get(path.format(**seeded), query_string={name: text}))


@ROUTES
@given(path=st.sampled_from(PAGED), page=numbers, per_page=numbers)
@example(path="/opportunities", page=HUGE, per_page="")
@example(path="/staff/approvals", page=HUGE, per_page="")
@example(path="/staff/audit", page=HUGE, per_page="")
@example(path="/api/v1/opportunities", page=HUGE, per_page=HUGE)
def test_huge_page_numbers_are_refused_or_empty(client, seeded, path, page, per_page):
    query = {"page": page, "per_page": per_page}
    _no_server_error(client.get(path.format(**seeded), query_string=query))


@ROUTES
@given(number=numbers)
@example(number=HUGE)
@example(number="²")
def test_huge_record_ids_are_refused(client, seeded, number):
    _no_server_error(
        client.get("/staff/approvals", query_string={"organization": number})
    )
    _no_server_error(
        client.get("/api/v1/applications", query_string={"organization_id": number})
    )
    decided = client.post(
        "/staff/approvals", data={"application": number, "decision": "approve"}
    )
    _no_server_error(decided)


@ROUTES
@given(
    path=st.sampled_from(LINKING_PAGES),
    name=st.sampled_from(URL_FOR_NAMES),
    value=controls,
)
@example(path="/staff/approvals", name="endpoint", value="x")
@example(path="/opportunities", name="_scheme", value="javascript")
def test_query_names_of_url_for_are_ignored(client, seeded, path, name, value):
    # The lists have a second page, so the paging links that carry the query on
    # (and the approval form's action) are drawn.
    _no_server_error(client.get(path, query_string={name: value}))
    decided = client.post(
        "/staff/approvals",
        query_string={name: value},
        data={"application": "1", "decision": "approve"},
    )
    _no_server_error(decided)
    if decided.status_code == 302:  # a NUL byte is a 400 before any of this
        assert decided.headers["Location"].startswith("/staff/approvals")


@ROUTES
@given(target=controls.map("/{}".format), text=controls)
@example(target="/\r\nSet-Cookie: x=1", text="")
@example(target="/a\nb", text="\x00")
def test_control_characters_never_break_a_page(client, seeded, target, text):
    moved = client.post("/language", data={"locale": "th", "next": target})
    _no_server_error(moved)
    assert not any(c in moved.headers.get("Location", "") for c in "\r\n\t")
    _no_server_error(client.get("/login", query_string={"next": target}))
    _no_server_error(client.get("/opportunities", query_string={"q": text}))
    _no_server_error(client.get("/api/v1/opportunities", query_string={"q": text}))


@pytest.mark.parametrize(
    "target", ["/\r\nSet-Cookie: x=1", "/me/shifts\n", "/\t/x.org"]
)
def test_login_with_a_control_character_in_next_goes_home(client, app, target):
    user = factories.make_user()
    db.session.commit()
    page = client.post(
        "/login",
        data={"email": user.email, "password": factories.PASSWORD, "next": target},
    )
    assert page.status_code == 302 and page.headers["Location"] == "/"


@pytest.mark.parametrize(
    ("path", "query", "status"),
    [
        ("/opportunities", {"starts_before": "9999-12-31"}, 200),
        ("/opportunities", {"starts_after": "0001-01-01"}, 200),
        ("/api/v1/opportunities", {"starts_before": "9999-12-31"}, 400),
        ("/api/v1/opportunities", {"starts_after": "0001-01-01T00:00+07:00"}, 400),
        ("/api/v1/applications", {"starts_after": "0001-01-01"}, 400),
        ("/impact", {"first_day": "9999-12-31"}, 200),
        ("/staff/impact", {"last_day": "0001-01-01"}, 200),
    ],
)
def test_days_out_of_range_are_explained(client, seeded, path, query, status):
    page = client.get(path, query_string=query)
    assert page.status_code == status
    if status == 200:
        assert "1900-01-01" in page.get_data(as_text=True)  # the form explains


def test_a_day_out_of_range_leaves_the_approval_queue_unfiltered(client, seeded):
    page = client.get("/staff/approvals", query_string={"starts_before": "9999-12-31"})
    assert page.status_code == 200
    assert 'name="application"' in page.get_data(as_text=True)


def test_a_huge_page_is_an_empty_page(client, seeded):
    page = client.get("/opportunities", query_string={"page": HUGE})
    assert page.status_code == 200
    assert 'href="/opportunities/' not in page.get_data(as_text=True)
    audit = client.get("/staff/audit", query_string={"page": HUGE})
    assert audit.status_code == 200
    assert (
        client.get("/staff/approvals", query_string={"page": HUGE}).status_code == 404
    )


def test_a_huge_application_id_changes_nothing(client, seeded):
    from marketplace.models import Application, ApplicationStatus

    decided = client.post(
        "/staff/approvals",
        query_string={"endpoint": "x"},
        data={"application": [HUGE, "²"], "decision": "approve"},
    )
    assert decided.status_code == 302
    statuses = set(db.session.scalars(sa.select(Application.status)))
    assert statuses == {ApplicationStatus.ACCEPTED}


@pytest.mark.parametrize(
    "start",
    ["9999-12-31T23:00:00-05:00", "0001-01-01T00:30:00+07:00", "3000-01-01T00:00Z"],
)
def test_an_api_shift_out_of_range_is_a_422(api, start):
    from marketplace.models import Role
    from tests.functional.test_api_accounts import bearer, login_token
    from tests.functional.test_api_organizations import opportunity_body

    organizer = factories.make_user(Role.ORGANIZER, email="o@example.org")
    organization = factories.make_organization(members=[organizer])
    db.session.commit()
    moment = datetime.fromisoformat(start)
    shifts = [
        {"start": start, "end": moment.replace(minute=59).isoformat(), "capacity": 1}
    ]
    response = api.post(
        "/api/v1/opportunities",
        json=opportunity_body(organization.id, shifts=shifts),
        headers=bearer(login_token(api, "o@example.org")),
    )
    assert response.status_code == 422
    assert "shifts" in response.get_json()["error"]["fields"]
