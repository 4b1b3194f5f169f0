"""The marketplace-wide proposal: volunteers to shifts, maximising the total score.

The model, solved exactly as a min-cost flow (OR-Tools ``SimpleMinCostFlow``):

- a shift takes at most its spots left;
- a volunteer takes at most one shift per *time slot*, where a volunteer's time
  slots are the groups of their candidate shifts connected by overlaps (sorted by
  start, a new slot begins when a shift starts at or after every earlier one has
  ended); shifts of different slots never overlap, so nobody gets two overlapping
  shifts; optionally at most ``max_per_volunteer`` shifts in all;
- the objective is the sum of the scores plus ``first_seat_bonus`` for every
  organisation that gets at least one volunteer.

Why slots: "no two overlapping shifts" on its own is not a flow constraint (the
sets of pairwise compatible intervals are not a matroid), but "one per slot" is,
and it is the same thing whenever a slot's shifts all overlap one another (shifts
on the usual morning / afternoon / full-day patterns). When a slot is a chain
(9-12 overlaps 11-14, which overlaps 13-16) the model keeps one of the three where
9-12 and 13-16 could both have been taken (and more candidates can merge two
slots into one chain). The tests prove optimality within the model by brute force,
and equality with the pure no-overlap optimum when slots are cliques; at full
synthetic scale 8 % of shared slots are chains, and a greedy fill-in after the flow
finds only 0.02 % more score (``Proposal.stats`` counts the chains).

The graph: source -> slot (capacity 1) -> shift (capacity 1, cost -score) ->
organisation (capacity: spots left) -> sink, where the organisation's first unit
goes through an arc of cost -bonus and the rest through a free one (no bonus: the
shift goes straight to the sink; a cap per volunteer adds a volunteer node); a free
source -> sink arc carries whatever is not worth placing. Costs are integers:
scores times ``SCORE_SCALE``. A slot with one shift needs no node of its own.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from .index import to_microseconds
from .model import Candidates, Match, Shift
from .weights import FIRST_SEAT_BONUS

SCORE_SCALE = 1_000_000


@dataclass(frozen=True, slots=True)
class ProposalRow:
    """One proposed placement."""

    volunteer_id: int
    shift_id: int
    score: float


@dataclass(frozen=True)
class Proposal:
    """A proposed assignment and what it achieves."""

    method: str
    rows: tuple[ProposalRow, ...]
    total_score: float
    objective_units: int  # scores plus bonuses, in 1 / SCORE_SCALE units (exact)
    placed_volunteers: int
    shifts_covered: int
    organizations_covered: int
    seconds: float
    # candidates, slots, shared_slots (2+ shifts), chained_slots (2+ shifts that do
    # not all overlap: there the model is stricter than "no two overlapping").
    stats: Mapping[str, int] = field(default_factory=dict)

    @property
    def objective(self) -> float:
        """Total score plus first-seat bonuses, in score units."""
        return self.objective_units / SCORE_SCALE


@dataclass(frozen=True)
class _Problem:
    """Candidates joined to their shifts, de-duplicated, with slots."""

    volunteer: np.ndarray  # volunteer id per candidate
    shift: np.ndarray  # row of the shift in the arrays below
    score: np.ndarray  # float score
    units: np.ndarray  # integer score
    slot: np.ndarray  # time slot number (global)
    shift_ids: np.ndarray
    seats: np.ndarray
    organization: np.ndarray
    starts: np.ndarray  # per shift row, UTC microseconds
    ends: np.ndarray

    def stats(self) -> dict[str, int]:
        """How many candidates and slots, and how many slots are chains."""
        if self.slot.size == 0:
            return {"candidates": 0, "slots": 0, "shared_slots": 0, "chained_slots": 0}
        n_slots = int(self.slot.max()) + 1
        size = np.bincount(self.slot, minlength=n_slots)
        latest_start = np.full(n_slots, np.iinfo(np.int64).min)
        earliest_end = np.full(n_slots, np.iinfo(np.int64).max)
        np.maximum.at(latest_start, self.slot, self.starts[self.shift])
        np.minimum.at(earliest_end, self.slot, self.ends[self.shift])
        # Intervals overlap pairwise exactly when they share a point (Helly).
        chained = (size > 1) & (latest_start >= earliest_end)
        return {
            "candidates": int(self.slot.size),
            "slots": n_slots,
            "shared_slots": int((size > 1).sum()),
            "chained_slots": int(chained.sum()),
        }


def time_slots(volunteer: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Slot number per candidate: its volunteer's overlap-connected group."""
    order = np.lexsort((end, start, volunteer))
    return _slots_in_order(order, volunteer, start, end)


def _slots_in_order(
    order: np.ndarray, volunteer: np.ndarray, start: np.ndarray, end: np.ndarray
) -> np.ndarray:
    """Slots, given the candidates' order by volunteer, then start, then end."""
    n = volunteer.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    vol, s, e = volunteer[order], start[order], end[order]
    new_volunteer = np.ones(n, dtype=bool)
    new_volunteer[1:] = vol[1:] != vol[:-1]
    rank = np.cumsum(new_volunteer) - 1
    low = int(min(s.min(), e.min()))
    span = int(max(s.max(), e.max())) - low + 1
    if span * (int(rank[-1]) + 1) < 2**62:
        # Offsetting each volunteer past the last keeps a running max per volunteer.
        shifted = (e - low) + rank * span
        reach = np.maximum.accumulate(shifted)
        begins = np.ones(n, dtype=bool)
        begins[1:] = new_volunteer[1:] | ((s[1:] - low) + rank[1:] * span >= reach[:-1])
    else:  # pragma: no cover - times spanning millennia
        begins = np.ones(n, dtype=bool)
        latest = int(e[0])
        for i in range(1, n):
            begins[i] = bool(new_volunteer[i]) or int(s[i]) >= latest
            latest = int(e[i]) if begins[i] else max(latest, int(e[i]))
    slots = np.empty(n, dtype=np.int64)
    slots[order] = np.cumsum(begins) - 1
    return slots


def _prepare(
    candidates: Candidates | Sequence[Match], shifts: Sequence[Shift]
) -> _Problem:
    """Join candidates to shifts, drop full shifts and duplicates, find slots."""
    if not isinstance(candidates, Candidates):
        candidates = Candidates.from_matches(candidates)
    ids = np.array([s.id for s in shifts], dtype=np.int64)
    by_id = np.argsort(ids, kind="stable")
    sorted_ids = ids[by_id]
    if np.any(sorted_ids[1:] == sorted_ids[:-1]):
        raise ValueError("duplicate shift ids")
    seats = np.array([s.spots_left for s in shifts], dtype=np.int64)
    starts = np.array([to_microseconds(s.starts_at) for s in shifts], dtype=np.int64)
    ends = np.array([to_microseconds(s.ends_at) for s in shifts], dtype=np.int64)
    organization = np.array([s.organization_id for s in shifts], dtype=np.int64)

    volunteer = np.asarray(candidates.volunteer_ids, dtype=np.int64)
    wanted = np.asarray(candidates.shift_ids, dtype=np.int64)
    score = np.asarray(candidates.scores, dtype=np.float64)
    at = np.minimum(np.searchsorted(sorted_ids, wanted), max(ids.shape[0] - 1, 0))
    if wanted.size and (ids.size == 0 or np.any(sorted_ids[at] != wanted)):
        raise ValueError("a candidate names a shift that was not given")
    shift = by_id[at] if wanted.size else np.zeros(0, dtype=np.int64)
    keep = seats[shift] > 0
    volunteer, shift, score = volunteer[keep], shift[keep], score[keep]
    # One sort by (volunteer, start, end, shift) serves the slots and finds pairs
    # given twice; packed into one int64 key when the ids allow it.
    by_time = np.empty(ids.shape[0], dtype=np.int64)
    by_time[np.lexsort((ids, ends, starts))] = np.arange(ids.shape[0])
    bits = max(int(ids.shape[0]).bit_length(), 1)
    if volunteer.size and volunteer.min() >= 0 and volunteer.max() < 2 ** (62 - bits):
        order = np.argsort((volunteer << bits) | by_time[shift])
    else:
        order = np.lexsort((by_time[shift], volunteer))
    repeat = (volunteer[order][1:] == volunteer[order][:-1]) & (
        shift[order][1:] == shift[order][:-1]
    )
    if repeat.any():  # the same pair twice: keep its best score
        order = np.lexsort((-score, by_time[shift], volunteer))
        first = np.ones(order.shape[0], dtype=bool)
        first[1:] = (volunteer[order][1:] != volunteer[order][:-1]) | (
            shift[order][1:] != shift[order][:-1]
        )
        pick = np.sort(order[first])
        volunteer, shift, score = volunteer[pick], shift[pick], score[pick]
        order = np.lexsort((by_time[shift], volunteer))
    return _Problem(
        volunteer=volunteer,
        shift=shift,
        score=score,
        units=np.rint(score * SCORE_SCALE).astype(np.int64),
        slot=_slots_in_order(order, volunteer, starts[shift], ends[shift]),
        shift_ids=ids,
        seats=seats,
        organization=organization,
        starts=starts,
        ends=ends,
    )


def _proposal(
    method: str,
    problem: _Problem,
    chosen: np.ndarray,
    bonus_units: int,
    started: float,
) -> Proposal:
    """Summarise the chosen candidates (indices) as a Proposal."""
    chosen = np.sort(chosen)
    shift = problem.shift[chosen]
    organizations = np.unique(problem.organization[shift]).shape[0]
    rows = tuple(
        itertools.starmap(
            ProposalRow,
            zip(
                problem.volunteer[chosen].tolist(),
                problem.shift_ids[shift].tolist(),
                problem.score[chosen].tolist(),
                strict=True,
            ),
        )
    )
    return Proposal(
        method=method,
        rows=rows,
        total_score=float(problem.score[chosen].sum()),
        objective_units=int(problem.units[chosen].sum()) + bonus_units * organizations,
        placed_volunteers=int(np.unique(problem.volunteer[chosen]).shape[0]),
        shifts_covered=int(np.unique(shift).shape[0]),
        organizations_covered=int(organizations),
        seconds=time.perf_counter() - started,
        stats=problem.stats(),
    )


def propose(
    candidates: Candidates | Sequence[Match],
    shifts: Sequence[Shift],
    *,
    first_seat_bonus: float = FIRST_SEAT_BONUS,
    max_per_volunteer: int | None = None,
) -> Proposal:
    """The optimal proposal (see the module docstring for the model)."""
    from ortools.graph.python.min_cost_flow import SimpleMinCostFlow

    started = time.perf_counter()
    problem = _prepare(candidates, shifts)
    bonus_units = round(first_seat_bonus * SCORE_SCALE)
    n = problem.score.shape[0]
    if n == 0:
        return _proposal("min_cost_flow", problem, np.zeros(0, np.int64), 0, started)
    source, sink, next_node = 0, 1, 2
    tails: list[np.ndarray] = []
    heads: list[np.ndarray] = []
    caps: list[np.ndarray] = []
    costs: list[np.ndarray] = []

    def arcs(
        tail: np.ndarray, head: np.ndarray, cap: np.ndarray, cost: np.ndarray
    ) -> None:
        """Add arcs (column-wise) to the graph being built."""
        tails.append(tail)
        heads.append(head)
        caps.append(cap)
        costs.append(cost)

    def nodes(count: int) -> np.ndarray:
        """Number ``count`` new nodes."""
        nonlocal next_node
        made = np.arange(next_node, next_node + count, dtype=np.int64)
        next_node += count
        return made

    # Upstream of each slot: the source, or the volunteer's own node.
    slot_vol = np.zeros(int(problem.slot.max()) + 1, dtype=np.int64)
    slot_vol[problem.slot] = problem.volunteer
    if max_per_volunteer is None:
        slot_up = np.full(slot_vol.shape[0], source, dtype=np.int64)
    else:
        people, slot_person = np.unique(slot_vol, return_inverse=True)
        person_node = nodes(people.shape[0])
        ones = np.ones(people.shape[0], dtype=np.int64)
        arcs(ones * source, person_node, ones * max_per_volunteer, ones * 0)
        slot_up = person_node[slot_person]
    size = np.bincount(problem.slot)
    multi = np.flatnonzero(size > 1)
    slot_node = slot_up.copy()
    slot_node[multi] = nodes(multi.shape[0])
    ones = np.ones(multi.shape[0], dtype=np.int64)
    arcs(slot_up[multi], slot_node[multi], ones, ones * 0)

    used = np.flatnonzero(np.bincount(problem.shift, minlength=problem.seats.size))
    row_to_used = np.zeros(problem.seats.size, dtype=np.int64)
    row_to_used[used] = np.arange(used.shape[0])
    shift_of = row_to_used[problem.shift]
    shift_node = nodes(used.shape[0])
    first_candidate_arc = sum(t.shape[0] for t in tails)
    ones = np.ones(n, dtype=np.int64)
    arcs(slot_node[problem.slot], shift_node[shift_of], ones, -problem.units)
    if bonus_units > 0:
        orgs, org_of = np.unique(problem.organization[used], return_inverse=True)
        org_node = nodes(orgs.shape[0])
        arcs(shift_node, org_node[org_of], problem.seats[used], 0 * used)
        ones = np.ones(orgs.shape[0], dtype=np.int64)
        arcs(org_node, ones * sink, ones, ones * -bonus_units)
        arcs(org_node, ones * sink, ones * n, ones * 0)
    else:
        zeros = np.zeros(used.shape[0], dtype=np.int64)
        arcs(shift_node, zeros + sink, problem.seats[used], zeros)
    # No more units can be placed than there are seats (or candidates).
    units = int(min(n, problem.seats[used].sum()))
    arcs(np.array([source]), np.array([sink]), np.array([units]), np.array([0]))

    flow = SimpleMinCostFlow()
    flow.add_arcs_with_capacity_and_unit_cost(
        np.concatenate(tails).astype(np.int32),
        np.concatenate(heads).astype(np.int32),
        np.concatenate(caps).astype(np.int64),
        np.concatenate(costs).astype(np.int64),
    )
    supplies = np.zeros(next_node, dtype=np.int64)
    supplies[source], supplies[sink] = units, -units
    flow.set_nodes_supplies(np.arange(next_node, dtype=np.int32), supplies)
    status = flow.solve()
    if status != flow.OPTIMAL:
        raise RuntimeError(f"min-cost flow failed: {status}")
    candidate_arcs = np.arange(first_candidate_arc, first_candidate_arc + n)
    chosen = np.flatnonzero(flow.flows(candidate_arcs) > 0)
    proposal = _proposal("min_cost_flow", problem, chosen, bonus_units, started)
    assert proposal.objective_units == -flow.optimal_cost()
    return proposal


def greedy(
    candidates: Candidates | Sequence[Match],
    shifts: Sequence[Shift],
    *,
    first_seat_bonus: float = FIRST_SEAT_BONUS,
    max_per_volunteer: int | None = None,
) -> Proposal:
    """The baseline: best score first, whenever the seat and the slot are free.

    Same model as ``propose``; the bonus only enters the reported objective.
    """
    started = time.perf_counter()
    problem = _prepare(candidates, shifts)
    bonus_units = round(first_seat_bonus * SCORE_SCALE)
    order = np.lexsort(
        (problem.shift_ids[problem.shift], problem.volunteer, -problem.units)
    )
    seats = problem.seats.tolist()
    slot_free = [True] * (int(problem.slot.max()) + 1 if problem.slot.size else 0)
    taken: dict[int, int] = {}
    limit = max_per_volunteer if max_per_volunteer is not None else len(order) + 1
    shift, slot, volunteer = (
        problem.shift.tolist(),
        problem.slot.tolist(),
        problem.volunteer.tolist(),
    )
    chosen: list[int] = []
    for i in order.tolist():
        s, t, v = shift[i], slot[i], volunteer[i]
        if seats[s] > 0 and slot_free[t] and taken.get(v, 0) < limit:
            seats[s] -= 1
            slot_free[t] = False
            taken[v] = taken.get(v, 0) + 1
            chosen.append(i)
    return _proposal(
        "greedy", problem, np.array(chosen, dtype=np.int64), bonus_units, started
    )
