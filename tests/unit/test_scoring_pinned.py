"""Exact values of the score's components and of the hard filters' edges.

Mutation testing (make mutation) found changes to matching/scoring.py and
matching/filters.py that no test noticed: the property tests compare the index with
the reference functions, so a change made to both passes. These pin the numbers.
"""

import math
from datetime import timedelta

import numpy as np
import pytest

from marketplace.matching import Match, components, reasons, score, violations
from marketplace.matching.filters import (
    fitting_window,
    has_room,
    local_span,
    overlaps_held,
)
from marketplace.matching.scoring import (
    causes_fit,
    closeness,
    combine,
    languages_fit,
    need,
    skills_fit,
)
from marketplace.matching.weights import (
    COMPONENTS,
    DISTANCE_HALF_KM,
    NO_SKILLS_REQUIRED,
    REMOTE_CLOSENESS,
    WEIGHTS,
)
from tests.unit.test_matching import NOW, bkk, opportunity, shift, volunteer


@pytest.mark.parametrize(
    ("held", "required", "expected"),
    [(0, 0, NO_SKILLS_REQUIRED), (3, 0, NO_SKILLS_REQUIRED), (1, 2, 0.5), (2, 2, 1.0)],
)
def test_skills_fit(held, required, expected):
    assert skills_fit(held, required) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("km", "remote", "expected"),
    [
        (0.0, False, 1.0),
        (DISTANCE_HALF_KM, False, 0.5),
        (3 * DISTANCE_HALF_KM, False, 0.25),
        (-5.0, False, 1.0),  # a rounding below zero is no closer than here
        (math.nan, False, 0.0),  # unknown distance
        (4.0, True, REMOTE_CLOSENESS),
        (math.nan, True, REMOTE_CLOSENESS),
    ],
)
def test_closeness(km, remote, expected):
    assert closeness(km, remote) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("shared", "listed", "expected"), [(0, 0, 0.0), (0, 2, 0.0), (1, 2, 0.5), (3, 3, 1)]
)
def test_causes_fit(shared, listed, expected):
    assert causes_fit(shared, listed) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("shared", "listed", "expected"), [(0, 0, 1.0), (0, 2, 0.0), (1, 2, 1.0), (2, 2, 1)]
)
def test_languages_fit(shared, listed, expected):
    assert languages_fit(shared, listed) == expected


@pytest.mark.parametrize(
    ("taken", "capacity", "expected"),
    [(0, 1, 1.0), (1, 1, 0.0), (1, 4, 0.75), (5, 4, 0.0), (0, 0, 0.0)],
)
def test_need(taken, capacity, expected):
    assert need(taken, capacity) == pytest.approx(expected)


def test_each_component_weighs_its_weight_and_the_sum_is_clipped():
    zero = dict.fromkeys(COMPONENTS, 0.0)
    assert combine(zero) == 0.0
    assert combine(dict.fromkeys(COMPONENTS, 1.0)) == pytest.approx(1.0)
    assert combine(dict.fromkeys(COMPONENTS, 2.0)) == 1.0
    assert combine(dict.fromkeys(COMPONENTS, -1.0)) == 0.0
    for name in COMPONENTS:
        assert score(zero | {name: 1.0}) == pytest.approx(WEIGHTS[name])
    arrays = {name: np.array([0.0, 1.0]) for name in COMPONENTS}
    assert combine(arrays).tolist() == pytest.approx([0.0, 1.0])


def test_components_of_one_pair_are_pinned():
    km = 4.2  # given, so no geodesic is computed
    parts = components(
        volunteer(languages=frozenset({"en"})),
        opportunity(
            skills=frozenset(),
            causes=frozenset({"education", "health"}),
            languages=frozenset({"th"}),
        ),
        shift(capacity=1, spots_taken=0),
        distance_km=km,
    )
    assert parts == pytest.approx(
        {
            "skills": NO_SKILLS_REQUIRED,  # no required skills
            "distance": 1 / (1 + km / DISTANCE_HALF_KM),
            "causes": 0.5,
            "languages": 0.0,  # a language mismatch
            "need": 1.0,  # a one-spot shift still open
        }
    )
    assert list(parts) == list(COMPONENTS)


def test_components_compute_the_distance_unless_remote():
    near = components(volunteer(), opportunity(), shift())
    assert 0.6 < near["distance"] < 0.8  # about 4 km away
    remote = components(volunteer(), opportunity(remote=True), shift())
    assert remote["distance"] == REMOTE_CLOSENESS
    unknown = components(volunteer(lat=None, lon=None), opportunity(), shift())
    assert unknown["distance"] == 0.0


# -- the hard filters' edges ---------------------------------------------------


def test_room_is_the_last_spot_or_a_waitlist():
    assert has_room(shift(capacity=10, spots_taken=9))
    assert not has_room(shift(capacity=10, spots_taken=10))
    assert has_room(shift(capacity=10, spots_taken=10, waitlist_ok=True))


def test_a_shift_starting_now_is_not_in_the_future():
    starts = NOW
    s = shift(starts_at=starts, ends_at=starts + timedelta(hours=1))
    assert "future" in violations(volunteer(), opportunity(), s, NOW)
    later = shift(
        starts_at=NOW + timedelta(seconds=1), ends_at=NOW + timedelta(hours=1)
    )
    assert "future" not in violations(volunteer(), opportunity(), later, NOW)


def test_shifts_that_only_touch_do_not_overlap():
    held = ((bkk(5, 8), bkk(5, 9, 30)),)
    assert not overlaps_held(volunteer(held=held), shift())
    held = ((bkk(5, 8), bkk(5, 9, 31)),)
    assert overlaps_held(volunteer(held=held), shift())
    held = ((bkk(5, 11, 29), bkk(5, 13)),)
    assert overlaps_held(volunteer(held=held), shift())


def test_local_spans_round_outwards_and_end_at_midnight():
    assert local_span(bkk(5, 9, 30), bkk(5, 11, 30)) == (5, 570, 690)
    assert local_span(bkk(5, 9, 30), bkk(5, 11, 30) + timedelta(seconds=1)) == (
        5,
        570,
        691,
    )
    assert local_span(bkk(5, 22), bkk(6, 0)) == (5, 1320, 1440)
    assert local_span(bkk(5, 22), bkk(6, 0, 1)) is None
    assert local_span(bkk(5, 22), bkk(7, 0)) is None


def test_the_distance_limit_is_inclusive():
    v, o = volunteer(), opportunity()
    from marketplace.matching.filters import distance_to

    km = distance_to(v, o)
    assert "distance" not in violations(volunteer(max_distance_km=km), o, shift(), NOW)
    assert "distance" in violations(
        volunteer(max_distance_km=km - 0.001), o, shift(), NOW
    )


def test_a_remote_opportunity_needs_a_remote_volunteer_and_no_distance():
    far = volunteer(lat=None, lon=None, remote_ok=True)
    assert violations(far, opportunity(remote=True), shift(), NOW) == []
    assert violations(
        volunteer(remote_ok=False), opportunity(remote=True), shift(), NOW
    ) == ["remote"]


def test_a_shift_of_another_opportunity_is_refused():
    with pytest.raises(ValueError, match="not of opportunity"):
        violations(volunteer(), opportunity(), shift(opportunity_id=11), NOW)


def test_a_fraction_of_a_second_rounds_the_end_up():
    end = bkk(5, 11, 30) + timedelta(microseconds=500_000)
    assert local_span(bkk(5, 9, 30), end) == (5, 570, 691)
    end = bkk(5, 11, 29) + timedelta(seconds=59, microseconds=999)
    assert local_span(bkk(5, 9, 30), end) == (5, 570, 690)


def test_a_window_exactly_the_shift_fits_it():
    exact = (5, 570, 690)
    assert fitting_window(volunteer(windows=(exact,)), shift()) == exact
    assert fitting_window(volunteer(windows=((5, 571, 690),)), shift()) is None
    assert fitting_window(volunteer(windows=((5, 570, 689),)), shift()) is None
    assert fitting_window(volunteer(windows=((4, 0, 1440),)), shift()) is None


def test_components_count_held_skills_and_a_shared_language():
    parts = components(
        volunteer(skills=frozenset({"first-aid"}), languages=frozenset({"th", "en"})),
        opportunity(
            skills=frozenset({"first-aid", "teaching", "cooking"}),
            languages=frozenset({"th"}),
        ),
        shift(capacity=4, spots_taken=1),
        distance_km=0.0,
    )
    assert parts == pytest.approx(
        {
            "skills": 1 / 3,
            "distance": 1.0,
            "causes": 1.0,
            "languages": 1.0,
            "need": 0.75,
        }
    )
    assert score(parts) == pytest.approx(0.3 / 3 + 0.25 + 0.2 + 0.05 + 0.2 * 0.75)
    # No language listed: anyone fits, whatever they speak.
    unlisted = opportunity(languages=frozenset())
    speaks_none = volunteer(languages=frozenset())
    assert components(speaks_none, unlisted, shift())["languages"] == 1.0


def test_nice_to_have_skills_score_but_do_not_filter():
    # Required: first-aid (held); nice to have: teaching (held), cooking (not).
    wanted = opportunity(
        skills=frozenset({"first-aid"}),
        nice_to_have=frozenset({"teaching", "cooking"}),
    )
    teacher = volunteer(skills=frozenset({"first-aid", "teaching"}))
    assert violations(teacher, wanted, shift(), NOW) == []
    parts = components(teacher, wanted, shift(), distance_km=0.0)
    assert parts["skills"] == pytest.approx(2 / 3)
    # Holding every listed skill scores higher; the other parts are the same.
    cook = volunteer(skills=frozenset({"first-aid", "teaching", "cooking"}))
    all_parts = components(cook, wanted, shift(), distance_km=0.0)
    assert all_parts["skills"] == 1.0
    assert score(all_parts) - score(parts) == pytest.approx(WEIGHTS["skills"] / 3)
    # Lacking the required skill filters, however many nice-to-have ones are held.
    no_first_aid = volunteer(skills=frozenset({"teaching", "cooking"}))
    assert violations(no_first_aid, wanted, shift(), NOW) == ["skills"]
    # Only nice-to-have skills: nobody is filtered, none held scores 0.
    only_nice = opportunity(skills=frozenset(), nice_to_have=frozenset({"cooking"}))
    assert violations(volunteer(), only_nice, shift(), NOW) == []
    assert components(volunteer(), only_nice, shift())["skills"] == 0.0
    # A skill listed as both counts once, as required.
    both = opportunity(
        skills=frozenset({"first-aid"}), nice_to_have=frozenset({"first-aid"})
    )
    assert components(volunteer(), both, shift())["skills"] == 1.0


def test_reasons_count_nice_to_have_skills_with_the_required():
    wanted = opportunity(
        skills=frozenset({"first-aid"}),
        nice_to_have=frozenset({"teaching", "cooking"}),
    )
    teacher = volunteer(skills=frozenset({"first-aid", "teaching"}))
    parts = components(teacher, wanted, shift(), distance_km=4.2)
    match = Match(1, 1, wanted.id, score(parts), parts, 4.2, None)
    assert reasons(match, wanted, teacher, "th")[0] == "คุณมีทักษะที่ต้องการ 2 จาก 3 อย่าง"
    assert (
        reasons(match, wanted, teacher, "en")[0]
        == "you have 2 of the 3 skills asked for"
    )


def test_no_distance_without_both_locations():
    from marketplace.matching.filters import distance_to

    assert distance_to(volunteer(lat=None, lon=None), opportunity()) is None
    assert distance_to(volunteer(), opportunity(lat=None, lon=None)) is None
    assert distance_to(volunteer(), opportunity()) == pytest.approx(4.2, abs=0.1)
