"""Matching: hard filters, score, distances, reasons and the index, on plain data."""

import ast
import math
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from geopy.distance import geodesic
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from marketplace.matching import (
    WEIGHTS,
    Match,
    MatchingIndex,
    Opportunity,
    Shift,
    Volunteer,
    components,
    eligible,
    fitting_window,
    local_span,
    reasons,
    score,
    violations,
)
from marketplace.matching.geo import chord_bound, distance_km, unit_vectors

BANGKOK = ZoneInfo("Asia/Bangkok")
MONDAY = datetime(2027, 6, 7, tzinfo=BANGKOK)  # local midnight, a Monday
NOW = MONDAY.astimezone(UTC)
SKILLS = ("first-aid", "teaching", "photography", "driving")
CAUSES = ("education", "health", "environment")
LANGUAGES = ("th", "en")
PACKAGE = Path(__file__).resolve().parents[2] / "marketplace" / "matching"

# scripts/mutation.py runs these tests once per mutant: fewer examples, fixed ones.
MUTATION_EXAMPLES = os.environ.get("MUTATION_MAX_EXAMPLES")
SMALL = settings(
    max_examples=int(MUTATION_EXAMPLES or 150),
    derandomize=MUTATION_EXAMPLES is not None,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def bkk(day: int, hour: int, minute: int = 0) -> datetime:
    """A UTC time given as Bangkok day (0 = the Monday), hour and minute."""
    return (MONDAY + timedelta(days=day, hours=hour, minutes=minute)).astimezone(UTC)


def volunteer(**changes) -> Volunteer:
    """A volunteer in central Bangkok, free on Saturdays 09-12."""
    fields = {
        "id": 1,
        "skills": frozenset({"first-aid", "teaching", "photography"}),
        "causes": frozenset({"education"}),
        "languages": frozenset({"th"}),
        "lat": 13.7466,
        "lon": 100.5393,
        "max_distance_km": 10.0,
        "remote_ok": False,
        "windows": ((5, 9 * 60, 12 * 60),),
        "held": (),
    }
    return Volunteer(**(fields | changes))


def opportunity(**changes) -> Opportunity:
    """An in-person opportunity about 4 km from the volunteer."""
    fields = {
        "id": 10,
        "organization_id": 7,
        "skills": frozenset({"first-aid", "teaching", "photography"}),
        "causes": frozenset({"education"}),
        "languages": frozenset(),
        "remote": False,
        "lat": 13.7466 + 0.0379,
        "lon": 100.5393,
        "title": "Reading corner",
    }
    return Opportunity(**(fields | changes))


def shift(**changes) -> Shift:
    """Saturday 09:30-11:30 in Bangkok, 6 of 10 spots taken."""
    fields = {
        "id": 100,
        "opportunity_id": 10,
        "organization_id": 7,
        "starts_at": bkk(5, 9, 30),
        "ends_at": bkk(5, 11, 30),
        "capacity": 10,
        "spots_taken": 6,
        "waitlist_ok": False,
    }
    return Shift(**(fields | changes))


# -- hard filters, one pair at a time -------------------------------------------


def test_a_fitting_pair_passes_every_filter():
    assert violations(volunteer(), opportunity(), shift(), NOW) == []


@pytest.mark.parametrize(
    ("changes", "failed"),
    [
        ({"now": bkk(5, 9, 30)}, "future"),
        ({"shift": {"spots_taken": 10}}, "room"),
        ({"shift": {"starts_at": bkk(5, 8, 30)}}, "availability"),
        ({"shift": {"ends_at": bkk(5, 12, 1)}}, "availability"),
        (
            {"shift": {"starts_at": bkk(4, 9, 30), "ends_at": bkk(4, 11)}},
            "availability",
        ),
        ({"volunteer": {"skills": frozenset({"teaching"})}}, "skills"),
        ({"volunteer": {"max_distance_km": 3.0}}, "distance"),
        ({"volunteer": {"lat": None, "lon": None}}, "distance"),
        ({"opportunity": {"lat": None, "lon": None}}, "distance"),
        ({"opportunity": {"remote": True}}, "remote"),
        ({"volunteer": {"held": ((bkk(5, 11), bkk(5, 13)),)}}, "overlap"),
    ],
)
def test_each_filter_refuses_on_its_own(changes, failed):
    pair = (
        volunteer(**changes.get("volunteer", {})),
        opportunity(**changes.get("opportunity", {})),
        shift(**changes.get("shift", {})),
    )
    assert violations(*pair, changes.get("now", NOW)) == [failed]


def test_waitlist_remote_and_touching_shifts_are_allowed():
    full_but_waitlist = shift(spots_taken=10, waitlist_ok=True)
    assert eligible(volunteer(), opportunity(), full_but_waitlist, NOW)
    remote = opportunity(remote=True, lat=None, lon=None)
    assert eligible(volunteer(remote_ok=True, lat=None, lon=None), remote, shift(), NOW)
    # Half-open intervals: a held shift ending at 09:30 does not overlap.
    held = ((bkk(5, 7), bkk(5, 9, 30)), (bkk(5, 11, 30), bkk(5, 14)))
    assert eligible(volunteer(held=held), opportunity(), shift(), NOW)


def test_local_span_is_bangkok_time_and_stops_at_midnight():
    utc_morning = datetime(2027, 6, 12, 2, 0, tzinfo=UTC)  # Saturday 09:00 in Bangkok
    assert local_span(utc_morning, utc_morning + timedelta(hours=3)) == (5, 540, 720)
    assert local_span(bkk(5, 20), bkk(6, 0)) == (5, 1200, 1440)
    assert local_span(bkk(5, 20), bkk(6, 0, 30)) is None
    # Seconds round outwards: 09:00:30-10:00:30 needs a window to 10:01.
    assert local_span(
        bkk(0, 9) + timedelta(seconds=30), bkk(0, 10, 0) + timedelta(seconds=30)
    ) == (0, 540, 601)


def test_the_first_fitting_window_is_named():
    windows = ((5, 0, 600), (5, 540, 720), (5, 480, 780))
    assert fitting_window(volunteer(windows=windows), shift()) == (5, 540, 720)


def test_naive_datetimes_and_bad_windows_are_refused():
    with pytest.raises(ValueError, match="aware"):
        shift(starts_at=datetime(2027, 6, 12, 9, 0))
    with pytest.raises(ValueError, match="window"):
        volunteer(windows=((7, 0, 60),))
    with pytest.raises(ValueError, match="window"):
        volunteer(windows=((1, 600, 600),))


# -- score and reasons ------------------------------------------------------------


def test_weights_sum_to_one_and_name_every_component():
    assert math.isclose(sum(WEIGHTS.values()), 1.0)
    assert set(components(volunteer(), opportunity(), shift())) == set(WEIGHTS)


def remote_opportunity(**changes) -> Opportunity:
    """A remote opportunity: closeness is the fixed REMOTE_CLOSENESS (0.6)."""
    return opportunity(remote=True, lat=None, lon=None, **changes)


def test_score_pins_no_required_skills():
    parts = components(
        volunteer(remote_ok=True),
        remote_opportunity(
            skills=frozenset(),
            causes=frozenset({"education", "health"}),
            languages=frozenset({"th"}),
        ),
        shift(),  # 6 of 10 spots taken
    )
    assert parts == pytest.approx(
        {"skills": 0.5, "distance": 0.6, "causes": 0.5, "languages": 1.0, "need": 0.4}
    )
    # 0.30 * 0.5 + 0.25 * 0.6 + 0.20 * 0.5 + 0.05 * 1 + 0.20 * 0.4
    assert score(parts) == pytest.approx(0.53)


def test_score_pins_a_language_mismatch():
    speaks_th = volunteer(remote_ok=True, languages=frozenset({"th"}))
    english = remote_opportunity(languages=frozenset({"en"}))
    parts = components(speaks_th, english, shift())
    assert parts == pytest.approx(
        {"skills": 1.0, "distance": 0.6, "causes": 1.0, "languages": 0.0, "need": 0.4}
    )
    assert score(parts) == pytest.approx(0.73)
    both = remote_opportunity(languages=frozenset({"en", "th"}))
    assert score(components(speaks_th, both, shift())) == pytest.approx(0.78)


def test_score_pins_a_one_spot_shift():
    v, o = volunteer(), opportunity()
    free = components(v, o, shift(capacity=1, spots_taken=0), distance_km=10.0)
    assert free == pytest.approx(
        {"skills": 1.0, "distance": 0.5, "causes": 1.0, "languages": 1.0, "need": 1.0}
    )
    assert score(free) == pytest.approx(0.875)
    full = components(
        v, o, shift(capacity=1, spots_taken=1, waitlist_ok=True), distance_km=10.0
    )
    assert full["need"] == 0.0
    assert score(full) == pytest.approx(0.675)
    # Half the required skills held (the filters would refuse it; the score is a share).
    half_held = opportunity(skills=frozenset({"first-aid", "driving"}))
    half = components(v, half_held, shift(), distance_km=0.0)
    assert half["skills"] == 0.5 and half["distance"] == 1.0


def test_reasons_in_thai_and_english_follow_the_components():
    v, o, s = volunteer(), opportunity(), shift()
    parts = components(v, o, s)
    match = Match(1, 100, 10, score(parts), parts, 4.2, (5, 540, 720))
    assert " · ".join(reasons(match, o, v, "th")) == (
        "คุณมีทักษะที่ต้องการ 3 จาก 3 อย่าง · ห่างจากคุณ 4.2 กม. · "
        "ตรงกับเวลาว่างของคุณ วันเสาร์ 09:00–12:00 น. · ตรงกับประเด็นที่คุณสนใจ"
    )
    assert " · ".join(reasons(match, o, v, "en")) == (
        "you have 3 of the 3 skills asked for · 4.2 km from you · "
        "fits your free time on Sat 09:00–12:00 · a cause you care about"
    )
    # An organiser reads about the volunteer, not about "you".
    assert reasons(match, o, v, "en", audience="organiser")[:2] == [
        "has 3 of the 3 skills asked for",
        "4.2 km away",
    ]
    assert reasons(match, o, v, "th", audience="organiser")[-1] == "สนใจประเด็นนี้"


def test_an_empty_shift_gives_no_fill_reason():
    v, o = volunteer(), opportunity()
    parts = components(v, o, shift(spots_taken=0))
    assert parts["need"] == 1.0
    match = Match(1, 100, 10, score(parts), parts, 4.2, None)
    for locale in ("th", "en"):
        assert not any("%" in reason for reason in reasons(match, o, v, locale))


def test_reasons_for_remote_open_and_full_shifts():
    v = volunteer(remote_ok=True, languages=frozenset({"th", "en"}))
    o = opportunity(
        remote=True, lat=None, lon=None, skills=frozenset(), languages={"en"}
    )
    empty = components(v, o, shift(spots_taken=1))
    match = Match(1, 100, 10, score(empty), empty, None, (5, 570, 690))
    assert reasons(match, o, v, "en") == [
        "no special skills needed",
        "can be done online",
        "fits your free time on Sat 09:30–11:30",
        "a cause you care about",
        "in a language you speak",
        "10% of the places taken, more volunteers needed",
    ]
    assert reasons(match, o, v, "th")[:2] == ["ไม่ต้องมีทักษะเฉพาะ", "ทำออนไลน์ได้"]
    full = components(v, o, shift(spots_taken=10, waitlist_ok=True))
    match = Match(1, 100, 10, score(full), full, None, None)
    assert reasons(match, o, v, "en")[-1] == (
        "this shift is full, but you can join the waitlist"
    )
    assert reasons(match, o, v, "th")[-1] == "กะนี้เต็มแล้ว แต่ลงชื่อสำรองได้"


# -- distances --------------------------------------------------------------------

latitudes = st.floats(-89.0, 89.0, allow_nan=False)
longitudes = st.floats(-180.0, 180.0, allow_nan=False)


@SMALL
@given(latitudes, longitudes, latitudes, longitudes)
def test_distances_agree_with_geopy_geodesic(lat1, lon1, lat2, lon2):
    exact = geodesic((lat1, lon1), (lat2, lon2)).km
    assume(exact < 19_000)  # Lambert's formula is not for nearly antipodal points
    ours = float(distance_km(lat1, lon1, lat2, lon2)[0])
    assert abs(ours - exact) <= 0.005 * exact + 1e-9


@SMALL
@given(
    st.floats(5.6, 20.5),
    st.floats(97.3, 105.7),
    st.floats(-0.5, 0.5),
    st.floats(-0.5, 0.5),
)
def test_distances_in_thailand_agree_with_geopy_and_bound_the_chord(
    lat, lon, dlat, dlon
):
    exact = geodesic((lat, lon), (lat + dlat, lon + dlon)).km
    ours = float(distance_km(lat, lon, lat + dlat, lon + dlon)[0])
    assert abs(ours - exact) <= 0.005 * exact + 1e-9
    u, v = unit_vectors(lat, lon), unit_vectors(lat + dlat, lon + dlon)
    assert np.linalg.norm(u - v) <= chord_bound(ours)


def test_distances_are_vectorised():
    rng = np.random.default_rng(7)
    lat1, lat2 = rng.uniform(5, 21, 200), rng.uniform(5, 21, 200)
    lon1, lon2 = rng.uniform(97, 106, 200), rng.uniform(97, 106, 200)
    many = distance_km(lat1, lon1, lat2, lon2)
    one_by_one = [
        distance_km(a, b, c, d)[0]
        for a, b, c, d in zip(lat1, lon1, lat2, lon2, strict=True)
    ]
    assert many.shape == (200,)
    assert np.array_equal(many, one_by_one)
    assert distance_km(13.7, 100.5, 13.7, 100.5)[0] == 0.0


# -- the index, against the reference filters ---------------------------------------

points = st.tuples(st.floats(13.45, 14.05), st.floats(100.2, 100.8))
radii = st.sampled_from([1.0, 5.0, 10.0, 20.0, 50.0])


@st.composite
def windows(draw) -> tuple[int, int, int]:
    """A weekly window on the half hour."""
    day = draw(st.integers(0, 6))
    start = 30 * draw(st.integers(0, 46))
    end = draw(st.integers(start // 30 + 1, 48)) * 30
    return day, start, end


@st.composite
def worlds(draw, max_volunteers: int = 6, max_opportunities: int = 4):
    """A small random marketplace and a moment to look at it from."""
    opportunities = []
    for i in range(draw(st.integers(1, max_opportunities))):
        remote = draw(st.integers(0, 3)) == 0
        located = not remote and draw(st.integers(0, 5)) > 0
        lat, lon = draw(points) if located else (None, None)
        opportunities.append(
            Opportunity(
                id=10 + i,
                organization_id=draw(st.integers(1, 3)),
                skills=frozenset(draw(st.sets(st.sampled_from(SKILLS), max_size=2))),
                nice_to_have=frozenset(
                    draw(st.sets(st.sampled_from(SKILLS), max_size=3))
                ),
                causes=frozenset(draw(st.sets(st.sampled_from(CAUSES), max_size=2))),
                languages=frozenset(
                    draw(st.sets(st.sampled_from(LANGUAGES), max_size=2))
                ),
                remote=remote,
                lat=lat,
                lon=lon,
            )
        )
    shifts = []
    for j in range(draw(st.integers(1, 2 * max_opportunities))):
        owner = draw(st.sampled_from(opportunities))
        start = MONDAY + timedelta(minutes=30 * draw(st.integers(-6, 14 * 48)))
        length = timedelta(minutes=30 * draw(st.integers(1, 16)))
        capacity = draw(st.integers(1, 3))
        shifts.append(
            Shift(
                id=100 + j,
                opportunity_id=owner.id,
                organization_id=owner.organization_id,
                starts_at=start.astimezone(UTC),
                ends_at=(start + length).astimezone(UTC),
                capacity=capacity,
                spots_taken=draw(st.integers(0, capacity)),
                waitlist_ok=draw(st.booleans()),
            )
        )
    volunteers = []
    for k in range(draw(st.integers(1, max_volunteers))):
        located = draw(st.integers(0, 9)) > 0
        lat, lon = draw(points) if located else (None, None)
        held = tuple(
            (s.starts_at, s.ends_at)
            for s in draw(st.lists(st.sampled_from(shifts), max_size=2))
        )
        volunteers.append(
            Volunteer(
                id=1000 + k,
                skills=frozenset(draw(st.sets(st.sampled_from(SKILLS), max_size=4))),
                causes=frozenset(draw(st.sets(st.sampled_from(CAUSES), max_size=3))),
                languages=frozenset(
                    draw(st.sets(st.sampled_from(LANGUAGES), max_size=2))
                ),
                lat=lat,
                lon=lon,
                max_distance_km=draw(radii),
                remote_ok=draw(st.booleans()),
                windows=tuple(draw(st.lists(windows(), max_size=4))),
                held=held,
            )
        )
    now = NOW + timedelta(minutes=30 * draw(st.integers(0, 96)))
    return volunteers, opportunities, shifts, now


def eligible_scores(volunteers, opportunities, shifts, now) -> dict:
    """Brute force: every eligible (volunteer id, shift id) and its score."""
    by_id = {o.id: o for o in opportunities}
    found = {}
    for v in volunteers:
        for s in shifts:
            o = by_id[s.opportunity_id]
            if eligible(v, o, s, now):
                found[v.id, s.id] = score(components(v, o, s))
    return found


def check_match(index: MatchingIndex, match: Match, person: Volunteer, now) -> None:
    """A match passes every filter, and its score and parts are the reference's."""
    o = index.opportunities[match.opportunity_id]
    s = index.shifts[match.shift_id]
    assert violations(person, o, s, now) == []
    parts = components(person, o, s)
    assert match.components.keys() == parts.keys()
    for name, value in parts.items():
        assert match.components[name] == pytest.approx(value, abs=1e-12)
    assert 0.0 <= match.score <= 1.0
    assert match.score == pytest.approx(score(parts), abs=1e-12)
    assert match.window == fitting_window(person, s)
    assert reasons(match, o, person, "th")
    assert reasons(match, o, person, "en")


@SMALL
@given(worlds())
def test_recommendations_pass_every_filter_and_miss_nothing(world):
    volunteers, opportunities, shifts, now = world
    index = MatchingIndex(volunteers, opportunities, shifts)
    expected = eligible_scores(volunteers, opportunities, shifts, now)
    for person in volunteers:
        found = index.recommend(person.id, now, limit=100)
        for match in found:
            check_match(index, match, person, now)
        scores = [m.score for m in found]
        assert scores == sorted(scores, reverse=True)
        best: dict[int, float] = {}
        for (vid, sid), value in expected.items():
            if vid == person.id:
                oid = index.shifts[sid].opportunity_id
                best[oid] = max(best.get(oid, 0.0), value)
        assert {m.opportunity_id: m.score for m in found} == pytest.approx(best)
        assert index.recommend(person, now, limit=2) == found[:2]


@SMALL
@given(worlds())
def test_suggestions_pass_every_filter_and_miss_nothing(world):
    volunteers, opportunities, shifts, now = world
    index = MatchingIndex(volunteers, opportunities, shifts)
    expected = eligible_scores(volunteers, opportunities, shifts, now)
    for s in shifts:
        found = index.suggest(s.id, now, limit=100)
        for match in found:
            check_match(index, match, index.volunteers[match.volunteer_id], now)
            assert match.shift_id == s.id
        scores = [m.score for m in found]
        assert scores == sorted(scores, reverse=True)
        wanted = {vid: x for (vid, sid), x in expected.items() if sid == s.id}
        assert {m.volunteer_id: m.score for m in found} == pytest.approx(wanted)


@SMALL
@given(worlds(max_volunteers=8), st.integers(1, 3), st.integers(1, 3))
def test_candidates_are_eligible_and_hold_each_top_k_and_top_m(world, k, m):
    volunteers, opportunities, shifts, now = world
    index = MatchingIndex(volunteers, opportunities, shifts, cell_degrees=0.1)
    expected = {
        pair: x
        for pair, x in eligible_scores(volunteers, opportunities, shifts, now).items()
        if index.shifts[pair[1]].spots_left > 0
    }
    found = index.candidates(now, k_per_volunteer=k, m_per_shift=m)
    pairs = {
        (int(v), int(s)): float(x)
        for v, s, x in zip(
            found.volunteer_ids, found.shift_ids, found.scores, strict=True
        )
    }
    assert len(pairs) == len(found)
    for pair, value in pairs.items():
        assert value == pytest.approx(expected[pair], abs=1e-12)
    for side, limit in ((0, k), (1, m)):
        for key in {pair[side] for pair in expected}:
            mine = sorted(
                (x for pair, x in expected.items() if pair[side] == key), reverse=True
            )
            kept = [pair for pair in pairs if pair[side] == key]
            assert len(kept) >= min(limit, len(mine))
            cut = mine[limit - 1] if len(mine) >= limit else -1.0
            for pair, x in expected.items():
                if pair[side] == key and x > cut + 1e-6:
                    assert pair in pairs


@SMALL
@given(worlds(max_volunteers=4, max_opportunities=4), st.sampled_from(SKILLS), points)
def test_a_planted_perfect_match_ranks_first(world, skill, place):
    volunteers, opportunities, shifts, now = world
    start = (now + timedelta(days=2)).astimezone(BANGKOK).replace(hour=9, minute=0)
    planted_opportunity = opportunity(
        id=99, skills=frozenset({skill}), lat=place[0], lon=place[1]
    )
    planted_shift = shift(
        id=999,
        opportunity_id=99,
        starts_at=start.astimezone(UTC),
        ends_at=(start + timedelta(hours=3)).astimezone(UTC),
        spots_taken=0,
    )
    planted = volunteer(
        id=1,  # ties go to the lowest id
        skills=frozenset({skill}),
        lat=place[0],
        lon=place[1],
        windows=((start.weekday(), 9 * 60, 12 * 60),),
    )
    # Everything else is at least a little full, so nothing else scores 1.
    others = [
        Shift(
            s.id,
            s.opportunity_id,
            s.organization_id,
            s.starts_at,
            s.ends_at,
            s.capacity + 1,
            s.spots_taken + 1,
            s.waitlist_ok,
        )
        for s in shifts
    ]
    index = MatchingIndex(
        [*volunteers, planted],
        [*opportunities, planted_opportunity],
        [*others, planted_shift],
    )
    found = index.recommend(planted.id, now)
    assert found[0].opportunity_id == 99
    assert found[0].score == pytest.approx(1.0)
    assert all(m.score < found[0].score for m in found[1:])
    suggested = index.suggest(999, now)
    assert suggested[0].volunteer_id == planted.id
    assert all(m.score <= suggested[0].score for m in suggested)


def test_recommend_works_for_a_volunteer_outside_the_index():
    outsider = volunteer(
        id=5, skills=frozenset({"first-aid", "teaching", "photography"})
    )
    index = MatchingIndex([], [opportunity()], [shift()])
    [match] = index.recommend(outsider, NOW)
    assert (match.volunteer_id, match.shift_id, match.opportunity_id) == (5, 100, 10)
    assert match.distance_km == pytest.approx(4.2, abs=0.05)
    assert index.suggest(100, NOW) == []
    assert len(index.candidates(NOW)) == 0


def test_more_than_64_skills_use_several_mask_words():
    many = frozenset(f"skill-{i:03d}" for i in range(150))
    wanted = frozenset({"skill-000", "skill-070", "skill-149"})
    index = MatchingIndex(
        [volunteer(skills=many), volunteer(id=2, skills=many - {"skill-149"})],
        [opportunity(skills=wanted)],
        [shift()],
    )
    assert [m.volunteer_id for m in index.suggest(100, NOW)] == [1]
    assert [m.shift_id for m in index.recommend(1, NOW)] == [100]
    assert index.recommend(2, NOW) == []
    found = index.candidates(NOW)
    assert found.volunteer_ids.tolist() == [1]


# -- purity ---------------------------------------------------------------------------


def test_the_package_imports_neither_flask_nor_sqlalchemy():
    for path in PACKAGE.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            for name in names:
                root = name.split(".")[0]
                assert not root.startswith(("flask", "sqlalchemy")), (path, name)
                assert root != "marketplace" or name.startswith("marketplace.matching")
