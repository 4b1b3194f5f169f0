"""The proposal: min-cost flow against brute force, and against greedy."""

import itertools
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from marketplace.matching import Candidates, Match, Shift, greedy, propose, time_slots
from marketplace.matching.assignment import SCORE_SCALE

MONDAY = datetime(2027, 6, 7, 2, 0, tzinfo=UTC)  # 09:00 in Bangkok

SMALL = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def at(hour: float, day: int = 0) -> datetime:
    """A time some hours after the Monday morning."""
    return MONDAY + timedelta(days=day, hours=hour)


def make_shift(shift_id, start, hours, spots_left=1, organization=1) -> Shift:
    """A shift with a number of spots left."""
    return Shift(
        id=shift_id,
        opportunity_id=shift_id,
        organization_id=organization,
        starts_at=start,
        ends_at=start + timedelta(hours=hours),
        capacity=max(spots_left, 1),
        spots_taken=max(spots_left, 1) - spots_left,
        waitlist_ok=False,
    )


def candidates(rows) -> Candidates:
    """Columns from (volunteer, shift, score) rows."""
    return Candidates(
        volunteer_ids=np.array([r[0] for r in rows], dtype=np.int64),
        shift_ids=np.array([r[1] for r in rows], dtype=np.int64),
        scores=np.array([r[2] for r in rows], dtype=np.float64),
    )


def overlap(a: Shift, b: Shift) -> bool:
    """Half-open intervals overlap."""
    return a.starts_at < b.ends_at and b.starts_at < a.ends_at


def groups(shifts: list[Shift]) -> dict[int, int]:
    """Connected components of the overlap graph (union-find, the slow way)."""
    parent = {s.id: s.id for s in shifts}

    def find(x):
        while parent[x] != x:
            x = parent[x]
        return x

    for a, b in itertools.combinations(shifts, 2):
        if overlap(a, b):
            parent[find(a.id)] = find(b.id)
    return {s.id: find(s.id) for s in shifts}


def brute_force(rows, shifts, bonus, max_per_volunteer, slots=True) -> int:
    """Best objective units over every subset of the candidate rows."""
    by_id = {s.id: s for s in shifts}
    rows = [r for r in rows if by_id[r[1]].spots_left > 0]
    mine: dict[int, list[Shift]] = {}
    for v, s, _ in rows:
        mine.setdefault(v, []).append(by_id[s])
    group = {
        v: groups(list({s.id: s for s in own}.values())) for v, own in mine.items()
    }
    units = [round(x * SCORE_SCALE) for _, _, x in rows]
    bonus_units = round(bonus * SCORE_SCALE)
    best = 0
    for mask in range(1 << len(rows)):
        chosen = [i for i in range(len(rows)) if mask >> i & 1]
        if not feasible(
            [rows[i] for i in chosen],
            by_id,
            group if slots else None,
            max_per_volunteer,
        ):
            continue
        orgs = {by_id[rows[i][1]].organization_id for i in chosen}
        best = max(best, sum(units[i] for i in chosen) + bonus_units * len(orgs))
    return best


def feasible(chosen, by_id, group, max_per_volunteer) -> bool:
    """Seats, one row per pair, no overlaps (and one per slot), the cap per person."""
    if len({(v, s) for v, s, _ in chosen}) < len(chosen):
        return False
    for s in {s for _, s, _ in chosen}:
        if sum(1 for _, t, _ in chosen if t == s) > by_id[s].spots_left:
            return False
    for v in {v for v, _, _ in chosen}:
        own = [by_id[s] for w, s, _ in chosen if w == v]
        if max_per_volunteer is not None and len(own) > max_per_volunteer:
            return False
        if any(overlap(a, b) for a, b in itertools.combinations(own, 2)):
            return False
        if group is not None and len({group[v][s.id] for s in own}) < len(own):
            return False
    return True


@st.composite
def instances(draw, cliques: bool = False):
    """Up to 4 shifts, 3 volunteers and 9 candidate rows."""
    shifts = []
    for i in range(draw(st.integers(1, 4))):
        if cliques:  # morning or afternoon blocks: overlapping means all overlap
            start, hours = at(draw(st.sampled_from([0, 4])), draw(st.integers(0, 1))), 3
        else:
            start = at(draw(st.sampled_from([0, 1, 2, 3, 4])), draw(st.integers(0, 1)))
            hours = draw(st.sampled_from([1, 2, 3]))
        shifts.append(
            make_shift(
                i + 1,
                start,
                hours,
                spots_left=draw(st.integers(0, 2)),
                organization=draw(st.integers(1, 3)),
            )
        )
    pairs = [(v, s.id) for v in (1, 2, 3) for s in shifts]
    chosen = draw(st.lists(st.sampled_from(pairs), max_size=9, unique=True))
    scores = st.floats(0, 1) | st.sampled_from([0.0, 0.25, 0.5, 1.0])
    rows = [(v, s, draw(scores)) for v, s in chosen]
    return rows, shifts


def check_feasible(proposal, shifts, max_per_volunteer=None) -> None:
    """No capacity exceeded, nobody in two overlapping shifts."""
    by_id = {s.id: s for s in shifts}
    chosen = [(r.volunteer_id, r.shift_id, r.score) for r in proposal.rows]
    assert feasible(chosen, by_id, None, max_per_volunteer)
    assert proposal.total_score == pytest.approx(sum(r.score for r in proposal.rows))
    assert proposal.placed_volunteers == len({r.volunteer_id for r in proposal.rows})
    assert proposal.shifts_covered == len({r.shift_id for r in proposal.rows})
    assert proposal.organizations_covered == len(
        {by_id[r.shift_id].organization_id for r in proposal.rows}
    )


@SMALL
@given(
    instances(),
    st.sampled_from([0.0, 0.3, 1.0]),
    st.sampled_from([None, 1, 2]),
)
def test_the_flow_is_optimal_feasible_and_never_below_greedy(instance, bonus, cap):
    rows, shifts = instance
    optimal = propose(
        candidates(rows), shifts, first_seat_bonus=bonus, max_per_volunteer=cap
    )
    assert optimal.objective_units == brute_force(rows, shifts, bonus, cap)
    check_feasible(optimal, shifts, cap)
    baseline = greedy(
        candidates(rows), shifts, first_seat_bonus=bonus, max_per_volunteer=cap
    )
    check_feasible(baseline, shifts, cap)
    assert baseline.objective_units <= optimal.objective_units


@SMALL
@given(instances(cliques=True), st.sampled_from([0.0, 1.0]))
def test_when_slots_are_cliques_the_flow_is_the_pure_no_overlap_optimum(
    instance, bonus
):
    rows, shifts = instance
    optimal = propose(candidates(rows), shifts, first_seat_bonus=bonus)
    pure = brute_force(rows, shifts, bonus, None, slots=False)
    assert optimal.objective_units == pure


def test_time_slots_join_chains_and_split_at_touching_ends():
    volunteer = np.array([1, 1, 1, 1, 2, 2])
    hours = [(9, 12), (11, 14), (13, 16), (16, 18), (9, 12), (12, 15)]
    start = np.array([h * 3600 for h, _ in hours])
    end = np.array([h * 3600 for _, h in hours])
    slots = time_slots(volunteer, start, end).tolist()
    assert slots[0] == slots[1] == slots[2]  # a chain is one slot
    assert len({slots[2], slots[3], slots[4], slots[5]}) == 4


def test_the_first_seat_bonus_reaches_a_small_partner():
    big = make_shift(1, at(0), 3, spots_left=2, organization=1)
    small = make_shift(2, at(0), 3, spots_left=1, organization=2)
    rows = [(1, 1, 0.9), (2, 1, 0.9), (1, 2, 0.6), (2, 2, 0.6)]
    without = propose(candidates(rows), [big, small], first_seat_bonus=0.0)
    assert without.organizations_covered == 1
    assert without.total_score == pytest.approx(1.8)
    with_bonus = propose(candidates(rows), [big, small])
    assert with_bonus.organizations_covered == 2
    assert with_bonus.total_score == pytest.approx(1.5)


def test_matches_full_shifts_duplicates_and_unknown_shifts():
    shifts = [make_shift(1, at(0), 3), make_shift(2, at(5), 3, spots_left=0)]
    matches = [
        Match(1, 1, 1, 0.5, {}, None, None),
        Match(1, 1, 1, 0.7, {}, None, None),
        Match(2, 2, 2, 0.9, {}, None, None),
    ]
    proposal = propose(matches, shifts)
    assert [(r.volunteer_id, r.shift_id, r.score) for r in proposal.rows] == [
        (1, 1, 0.7)
    ]
    assert propose([], shifts).rows == ()
    with pytest.raises(ValueError, match="not given"):
        propose([Match(1, 3, 3, 0.5, {}, None, None)], shifts)


def test_the_proposal_counts_chained_slots():
    shifts = [
        make_shift(1, at(0), 3),
        make_shift(2, at(2), 3),
        make_shift(3, at(4), 3),
        make_shift(4, at(0, day=1), 3),
        make_shift(5, at(1, day=1), 3),
    ]
    rows = [(1, 1, 0.5), (1, 2, 0.5), (1, 3, 0.5), (1, 4, 0.5), (1, 5, 0.5)]
    stats = propose(candidates(rows), shifts).stats
    assert stats == {
        "candidates": 5,
        "slots": 2,
        "shared_slots": 2,
        "chained_slots": 1,
    }
