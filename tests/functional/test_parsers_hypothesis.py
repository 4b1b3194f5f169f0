"""Property tests of the code that parses what people type."""

import string
from datetime import datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.auth.passwords import password_problems
from marketplace.auth.services import clean_name, name_problems, normalize_email
from marketplace.errors import ValidationFailed
from marketplace.exports import csv_safe
from marketplace.geo.gazetteer import search_places
from marketplace.volunteers.profile import (
    format_clock_minutes,
    parse_clock,
    slots_from_windows,
    windows_from_slots,
)
from marketplace.volunteers.search import parse_point, parse_time_bound

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
@given(st.dates())
def test_a_bare_date_is_a_whole_bangkok_day(day):
    start = parse_time_bound(day.isoformat(), end=False)
    end = parse_time_bound(day.isoformat(), end=True)
    assert start.date() == end.date() == day and start < end


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
