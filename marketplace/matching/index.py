"""An in-memory index that answers matching questions fast, from plain data.

Built once from lists of volunteers, opportunities and shifts (under a second for
100,000 volunteers), it keeps everything in numpy arrays:

- skills, causes and languages as bitmasks (one bit per slug, 64 to a word);
- availability as weekly windows in Bangkok minutes, searched with sorted arrays
  (shifts sorted by their minute of the week; windows grouped by weekday);
- places as unit vectors (``geo.unit_vectors``), and a ``scipy.spatial.cKDTree`` of
  geographic cells (a lat/lon grid) that says which cells a volunteer can reach.

Every answer honours every hard filter of ``filters.py``, in the cheap-first order
the volume calls for: availability and skills before any distance is measured.
"""

from __future__ import annotations

import itertools
import math
import os
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import numpy as np
from scipy.spatial import cKDTree

from .filters import local_span
from .geo import (
    chord_bound,
    distance_between,
    distance_from_chord,
    unit_vectors,
)
from .model import Candidates, Match, Opportunity, Shift, Volunteer
from .scoring import causes_fit, closeness, combine, languages_fit, need, skills_fit
from .weights import COMPONENTS

DAY_MINUTES = 1440
WEEK_MINUTES = 7 * DAY_MINUTES
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def to_microseconds(moment: datetime) -> int:
    """An aware datetime as integer microseconds since the Unix epoch (exact)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"datetime must be timezone-aware, got {moment!r}")
    return (moment - _EPOCH) // _MICROSECOND


class Vocabulary:
    """Slugs numbered into bit positions; sets of slugs become uint64 bitmasks."""

    def __init__(self, names: Iterable[str], *more: Iterable[str]) -> None:
        """Number the distinct names (of every iterable given) in sorted order."""
        every = set(names).union(*more)
        self.bits = {name: bit for bit, name in enumerate(sorted(every))}
        self.words = max(1, math.ceil(len(self.bits) / 64))

    def mask(self, names: Iterable[str]) -> int:
        """One set as a Python int (unknown names are ignored)."""
        value = 0
        for name in names:
            bit = self.bits.get(name)
            if bit is not None:
                value |= 1 << bit
        return value

    def masks(self, sets: Iterable[Iterable[str]]) -> np.ndarray:
        """Many sets: shape (n,) for one word, (n, words) beyond 64 names."""
        values = [self.mask(names) for names in sets]
        if self.words == 1:
            return np.array(values, dtype=np.uint64)
        out = np.zeros((len(values), self.words), dtype=np.uint64)
        for word in range(self.words):
            out[:, word] = [(v >> (64 * word)) & 0xFFFFFFFFFFFFFFFF for v in values]
        return out

    def row(self, names: Iterable[str]) -> np.ndarray:
        """One set as a mask row that broadcasts against ``masks``."""
        return self.masks([names])[0]


def _covers(have: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Whether each ``have`` mask holds every bit of ``wanted`` (rows broadcast)."""
    missing = wanted & ~have
    return missing == 0 if missing.ndim == 1 else ~missing.any(axis=-1)


def _count_shared(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Number of bits two masks share (rows broadcast)."""
    counts = np.bitwise_count(a & b)
    return counts if counts.ndim == 1 else counts.sum(axis=-1)


def _bits(masks: np.ndarray, n_bits: int) -> tuple[np.ndarray, np.ndarray]:
    """(row, bit) of every set bit of the masks, ordered by bit."""
    rows: list[np.ndarray] = [np.zeros(0, np.int64)]
    bits: list[np.ndarray] = [np.zeros(0, np.int64)]
    for bit in range(n_bits):
        word = masks if masks.ndim == 1 else masks[:, bit // 64]
        has = np.flatnonzero((word >> np.uint64(bit % 64)) & np.uint64(1))
        rows.append(has)
        bits.append(np.full(has.shape[0], bit, dtype=np.int64))
    return np.concatenate(rows), np.concatenate(bits)


def _cores() -> int:
    """CPU cores this process may use (at most 4 threads are worth it)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, min(len(os.sched_getaffinity(0)), 4))
    return max(1, min(os.cpu_count() or 1, 4))


def _csr(counts: np.ndarray) -> np.ndarray:
    """Row pointers (length n + 1) from row lengths."""
    ptr = np.zeros(counts.shape[0] + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    return ptr


def _expand(starts: np.ndarray, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For runs (start, count): the run of every item and the item's position."""
    run = np.repeat(np.arange(counts.shape[0]), counts)
    offsets = np.cumsum(counts) - counts
    position = np.repeat(starts - offsets, counts) + np.arange(run.shape[0])
    return run, position


def _top_per_group(group: np.ndarray, score: np.ndarray, limit: int) -> np.ndarray:
    """Indices of the ``limit`` best scores (in [0, 1]) within each group value."""
    n = group.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    group = group - group.min()
    group_bits = int(group.max()).bit_length()
    index_bits = int(n - 1).bit_length()
    score_bits = min(63 - group_bits - index_bits, 40)
    if score_bits >= 20:
        # One int64 per pair (group, descending score, position): a plain sort,
        # several times faster than an argsort; scores closer than 2**-20 tie.
        scale = float((1 << score_bits) - 1)
        key = group << (score_bits + index_bits)
        key |= np.rint((1.0 - score) * scale).astype(np.int64) << index_bits
        key |= np.arange(n)
        key.sort()
        order = key & ((1 << index_bits) - 1)
        ranked = key >> (score_bits + index_bits)
    else:  # pragma: no cover - more than 2**40 pairs or groups
        order = np.lexsort((-score, group))
        ranked = group[order]
    starts = np.ones(n, dtype=bool)
    starts[1:] = ranked[1:] != ranked[:-1]
    position = np.arange(n)
    rank = position - np.maximum.accumulate(np.where(starts, position, 0))
    return order[rank < limit]


class MatchingIndex:
    """Recommendations, suggested volunteers and proposal candidates, all filtered.

    ``volunteers`` are those who may be suggested to organisations (the caller
    passes only those who consented to matching); ``recommend`` also takes any
    ``Volunteer`` object, in the index or not.
    """

    def __init__(
        self,
        volunteers: Sequence[Volunteer],
        opportunities: Sequence[Opportunity],
        shifts: Sequence[Shift],
        *,
        cell_degrees: float = 0.25,
    ) -> None:
        """Build every array and the spatial index (the one-time cost)."""
        self.volunteers: dict[int, Volunteer] = {v.id: v for v in volunteers}
        self.opportunities: dict[int, Opportunity] = {o.id: o for o in opportunities}
        self.shifts: dict[int, Shift] = {s.id: s for s in shifts}
        for kind, given, kept in (
            ("volunteer", volunteers, self.volunteers),
            ("opportunity", opportunities, self.opportunities),
            ("shift", shifts, self.shifts),
        ):
            if len(kept) != len(given):
                raise ValueError(f"duplicate {kind} ids")
        self._skills = Vocabulary(
            itertools.chain.from_iterable(
                x.skills for x in itertools.chain(volunteers, opportunities)
            ),
            # Nice-to-have skills score but do not filter.
            itertools.chain.from_iterable(o.nice_to_have for o in opportunities),
        )
        self._causes = Vocabulary(
            itertools.chain.from_iterable(
                x.causes for x in itertools.chain(volunteers, opportunities)
            )
        )
        self._languages = Vocabulary(
            itertools.chain.from_iterable(
                x.languages for x in itertools.chain(volunteers, opportunities)
            )
        )
        self._build_volunteers(volunteers)
        self._build_opportunities(opportunities)
        self._build_shifts(shifts)
        self._build_buckets()
        self._build_cells(cell_degrees)
        self._reach_cache: tuple[np.ndarray, np.ndarray] | None = None

    # -- building -------------------------------------------------------------

    def _build_volunteers(self, volunteers: Sequence[Volunteer]) -> None:
        """Masks, places, windows (two layouts) and held intervals of volunteers."""
        n = len(volunteers)
        self._v_ids = np.array([v.id for v in volunteers], dtype=np.int64)
        self._v_skills = self._skills.masks(v.skills for v in volunteers)
        self._v_causes = self._causes.masks(v.causes for v in volunteers)
        self._v_langs = self._languages.masks(v.languages for v in volunteers)
        self._v_located = np.array([v.has_location for v in volunteers], dtype=bool)
        lat = np.array([v.lat if v.has_location else 0.0 for v in volunteers])
        lon = np.array([v.lon if v.has_location else 0.0 for v in volunteers])
        self._v_unit = unit_vectors(lat, lon) if n else np.zeros((0, 3))
        self._v_unit[~self._v_located] = np.nan
        self._v_xyz = tuple(self._v_unit[:, axis].copy() for axis in range(3))
        self._v_radius = np.array(
            [v.max_distance_km for v in volunteers], dtype=np.float64
        )
        self._v_remote = np.array([v.remote_ok for v in volunteers], dtype=bool)
        self._v_reliability = np.array(
            [v.reliability for v in volunteers], dtype=np.float64
        )
        self._v_chord = chord_bound(self._v_radius)

        counts = np.array([len(v.windows) for v in volunteers], dtype=np.int64)
        self._w_ptr = _csr(counts)
        flat = [w for v in volunteers for w in v.windows]
        table = np.array(flat, dtype=np.int64).reshape(-1, 3)
        self._w_day, self._w_start, self._w_end = table.T.copy()
        w_vol = np.repeat(np.arange(n), counts)
        w_pos = np.arange(table.shape[0]) - self._w_ptr[w_vol]
        # Volunteers with two windows of one weekday that overlap may reach a shift
        # through both: their pairs are de-duplicated.
        self._v_dup = np.zeros(n, dtype=bool)
        order = np.lexsort((self._w_start, self._w_day, w_vol))
        same = (w_vol[order][1:] == w_vol[order][:-1]) & (
            self._w_day[order][1:] == self._w_day[order][:-1]
        )
        clash = same & (self._w_start[order][1:] < self._w_end[order][:-1])
        self._v_dup[w_vol[order][1:][clash]] = True
        # Windows by weekday, sorted by start, for "who is free for this shift".
        by_day = np.lexsort((self._w_start, self._w_day))
        self._dw_vol = w_vol[by_day]
        self._dw_pos = w_pos[by_day]
        self._dw_start = self._w_start[by_day]
        self._dw_end = self._w_end[by_day]
        self._day_ptr = np.searchsorted(self._w_day[by_day], np.arange(8))

        held = [
            [to_microseconds(a), to_microseconds(b)]
            for v in volunteers
            for a, b in v.held
        ]
        held_table = np.array(held, dtype=np.int64).reshape(-1, 2)
        self._h_ptr = _csr(np.array([len(v.held) for v in volunteers], dtype=np.int64))
        self._h_start, self._h_end = held_table.T.copy()
        self._v_holds = np.diff(self._h_ptr) > 0

    def _build_opportunities(self, opportunities: Sequence[Opportunity]) -> None:
        """Masks, mode and place of opportunities."""
        self._o_ids = np.array([o.id for o in opportunities], dtype=np.int64)
        self._o_row = {int(i): row for row, i in enumerate(self._o_ids)}
        self._o_org = np.array([o.organization_id for o in opportunities], np.int64)
        self._o_skills = self._skills.masks(o.skills for o in opportunities)
        self._o_causes = self._causes.masks(o.causes for o in opportunities)
        self._o_langs = self._languages.masks(o.languages for o in opportunities)
        self._o_nskills = np.array([len(o.skills) for o in opportunities], np.int64)
        self._o_nice = self._skills.masks(
            o.nice_to_have - o.skills for o in opportunities
        )
        self._o_nnice = np.array(
            [len(o.nice_to_have - o.skills) for o in opportunities], np.int64
        )
        self._o_ncauses = np.array([len(o.causes) for o in opportunities], np.int64)
        self._o_nlangs = np.array([len(o.languages) for o in opportunities], np.int64)
        self._o_remote = np.array([o.remote for o in opportunities], dtype=bool)
        self._o_located = np.array([o.has_location for o in opportunities], bool)
        self._o_lat = np.array(
            [o.lat if o.has_location else np.nan for o in opportunities]
        )
        self._o_lon = np.array(
            [o.lon if o.has_location else np.nan for o in opportunities]
        )
        self._o_unit = unit_vectors(
            np.nan_to_num(self._o_lat), np.nan_to_num(self._o_lon)
        )
        self._o_unit[~self._o_located] = np.nan
        self._o_xyz = tuple(self._o_unit[:, axis].copy() for axis in range(3))

    def _build_shifts(self, shifts: Sequence[Shift]) -> None:
        """Times (UTC microseconds and Bangkok week minutes), room and need."""
        try:
            opp = [self._o_row[s.opportunity_id] for s in shifts]
        except KeyError as missing:
            raise ValueError(f"shift of unknown opportunity {missing}") from None
        self._s_ids = np.array([s.id for s in shifts], dtype=np.int64)
        self._s_row = {int(i): row for row, i in enumerate(self._s_ids)}
        self._s_opp = np.array(opp, dtype=np.int64)
        self._s_start = np.array(
            [to_microseconds(s.starts_at) for s in shifts], np.int64
        )
        self._s_end = np.array([to_microseconds(s.ends_at) for s in shifts], np.int64)
        capacity = np.array([s.capacity for s in shifts], dtype=np.int64)
        taken = np.array([s.spots_taken for s in shifts], dtype=np.int64)
        waitlist = np.array([s.waitlist_ok for s in shifts], dtype=bool)
        self._s_waitlist = waitlist
        self._s_seats = np.maximum(capacity - taken, 0)
        self._s_room = (taken < capacity) | waitlist
        self._s_need = need(taken, capacity).reshape(-1)
        spans = [local_span(s.starts_at, s.ends_at) for s in shifts]
        self._s_spanned = np.array([span is not None for span in spans], dtype=bool)
        table = np.array([span or (0, 0, 0) for span in spans], dtype=np.int64).reshape(
            -1, 3
        )
        self._s_wk_start = table[:, 0] * DAY_MINUTES + table[:, 1]
        self._s_wk_end = table[:, 0] * DAY_MINUTES + table[:, 2]
        spanned = np.flatnonzero(self._s_spanned)
        order = np.argsort(self._s_wk_start[spanned], kind="stable")
        self._wk_order = spanned[order]
        self._wk_sorted = self._s_wk_start[self._wk_order]
        lengths = self._s_wk_end[spanned] - self._s_wk_start[spanned]
        self._min_length = int(lengths.min()) if lengths.size else 1

    def set_spots(self, spots: Mapping[int, tuple[int, int]]) -> None:
        """New (capacity, spots taken) of some shifts: a spot taken or freed.

        The room, seats and need of those shifts change; nothing else depends on
        them. New arrays replace the old ones, so a reader never sees half.
        """
        rows = np.array([self._s_row[int(i)] for i in spots], dtype=np.int64)
        if rows.size == 0:
            return
        capacity = np.array([value[0] for value in spots.values()], dtype=np.int64)
        taken = np.array([value[1] for value in spots.values()], dtype=np.int64)
        seats, room, needs = (
            self._s_seats.copy(),
            self._s_room.copy(),
            self._s_need.copy(),
        )
        seats[rows] = np.maximum(capacity - taken, 0)
        room[rows] = (taken < capacity) | self._s_waitlist[rows]
        needs[rows] = need(taken, capacity).reshape(-1)
        self._s_seats, self._s_room, self._s_need = seats, room, needs

    def _build_buckets(self) -> None:
        """Key skill of each opportunity, and the key skills each volunteer holds."""
        n_bits = len(self._skills.bits)
        self._n_buckets = n_bits + 1
        v_rows, v_bits = _bits(self._v_skills, n_bits)
        o_rows, o_bits = _bits(self._o_skills, n_bits)
        holders = np.bincount(v_bits, minlength=n_bits)
        # The most selective required skill: fewest holders, then lowest bit.
        order = np.lexsort((o_bits, holders[o_bits], o_rows))
        first = order[np.diff(o_rows[order], prepend=-1) != 0]
        self._o_bucket = np.zeros(self._o_ids.shape[0], dtype=np.int64)
        self._o_bucket[o_rows[first]] = 1 + o_bits[first]
        keyed = np.zeros(n_bits + 1, dtype=bool)
        keyed[self._o_bucket] = True
        useful = keyed[1 + v_bits]
        n_v = self._v_ids.shape[0]
        rows = np.concatenate([np.arange(n_v), v_rows[useful]])
        bucket = np.concatenate([np.zeros(n_v, np.int64), 1 + v_bits[useful]])
        order = np.argsort(rows, kind="stable")
        self._v_bucket = bucket[order]
        self._v_bucket_ptr = _csr(np.bincount(rows, minlength=n_v))

    def _build_cells(self, cell_degrees: float) -> None:
        """Group in-person opportunities into grid cells with a cKDTree of centres."""
        located = np.flatnonzero(self._o_located & ~self._o_remote)
        cell_of = np.full(self._o_ids.shape[0], -1, dtype=np.int64)
        if located.size:
            lat_bin = np.floor(self._o_lat[located] / cell_degrees).astype(np.int64)
            lon_bin = np.floor(self._o_lon[located] / cell_degrees).astype(np.int64)
            _, cell = np.unique(lat_bin * 100_000 + lon_bin, return_inverse=True)
            cell_of[located] = cell
            n_cells = int(cell.max()) + 1
            sums = np.zeros((n_cells, 3))
            np.add.at(sums, cell, self._o_unit[located])
            centres = sums / np.linalg.norm(sums, axis=1, keepdims=True)
            gap = np.linalg.norm(self._o_unit[located] - centres[cell], axis=1)
            radius = np.zeros(n_cells)
            np.maximum.at(radius, cell, gap)
        else:
            n_cells, centres, radius = 0, np.zeros((0, 3)), np.zeros(0)
        self._remote_cell = n_cells
        cell_of[self._o_remote] = self._remote_cell
        self._o_cell = cell_of
        self._cell_centres = centres
        self._cell_radius = radius
        self._cell_tree = cKDTree(centres) if n_cells else None

    def _reach(self) -> tuple[np.ndarray, np.ndarray]:
        """Cells each volunteer may find work in, as CSR (pointers, cell ids)."""
        if self._reach_cache is not None:
            return self._reach_cache
        n = self._v_ids.shape[0]
        rows: list[np.ndarray] = [np.zeros(0, np.int64)]
        cells: list[np.ndarray] = [np.zeros(0, np.int64)]
        located = np.flatnonzero(self._v_located)
        if self._cell_tree is not None and located.size:
            chord = chord_bound(self._v_radius[located])
            hits = self._cell_tree.query_ball_point(
                self._v_unit[located], r=chord + self._cell_radius.max()
            )
            lengths = np.fromiter(map(len, hits), dtype=np.int64, count=len(hits))
            flat = np.fromiter(
                itertools.chain.from_iterable(hits), np.int64, count=int(lengths.sum())
            )
            who = np.repeat(located, lengths)
            gap = np.linalg.norm(self._v_unit[who] - self._cell_centres[flat], axis=1)
            near = gap <= np.repeat(chord, lengths) + self._cell_radius[flat]
            rows.append(who[near])
            cells.append(flat[near])
        remote = np.flatnonzero(self._v_remote)
        rows.append(remote)
        cells.append(np.full(remote.shape[0], self._remote_cell, dtype=np.int64))
        row = np.concatenate(rows)
        cell = np.concatenate(cells)
        order = np.lexsort((cell, row))
        ptr = _csr(np.bincount(row, minlength=n))
        self._reach_cache = (ptr, cell[order])
        return self._reach_cache

    # -- shared steps ---------------------------------------------------------

    def _parts(
        self,
        skills: np.ndarray,
        causes: np.ndarray,
        languages: np.ndarray,
        opp: np.ndarray,
        shift: np.ndarray,
        km: np.ndarray,
    ) -> dict[str, np.ndarray]:
        """Score components of eligible pairs (volunteer masks per pair, or one)."""
        return {
            # Pairs here passed the filters, so every required skill is held;
            # the nice-to-have ones held add to the share.
            "skills": skills_fit(
                self._o_nskills[opp] + _count_shared(self._o_nice[opp], skills),
                self._o_nskills[opp] + self._o_nnice[opp],
            ),
            "distance": closeness(km, self._o_remote[opp]),
            "causes": causes_fit(
                _count_shared(self._o_causes[opp], causes), self._o_ncauses[opp]
            ),
            "languages": languages_fit(
                _count_shared(self._o_langs[opp], languages), self._o_nlangs[opp]
            ),
            "need": self._s_need[shift],
        }

    def _overlaps_held(self, vol: np.ndarray, shift: np.ndarray) -> np.ndarray:
        """Whether each (volunteer, shift row) overlaps a shift the volunteer holds."""
        out = np.zeros(vol.shape[0], dtype=bool)
        some = np.flatnonzero(self._v_holds[vol])
        if some.size == 0:
            return out
        holder = vol[some]
        run, held = _expand(
            self._h_ptr[holder], self._h_ptr[holder + 1] - self._h_ptr[holder]
        )
        pair = some[run]
        rows = np.broadcast_to(shift, vol.shape)[pair]
        clash = (self._s_start[rows] < self._h_end[held]) & (
            self._h_start[held] < self._s_end[rows]
        )
        np.logical_or.at(out, pair, clash)
        return out

    def _shifts_within(
        self, windows: Sequence[tuple[int, int, int]]
    ) -> tuple[np.ndarray, np.ndarray]:
        """Shift rows lying wholly inside one of the windows, with the first one."""
        found: list[np.ndarray] = []
        which: list[np.ndarray] = []
        for pos, (day, start, end) in enumerate(windows):
            base = day * DAY_MINUTES
            lo = np.searchsorted(self._wk_sorted, base + start, side="left")
            hi = np.searchsorted(
                self._wk_sorted, base + end - self._min_length, side="right"
            )
            if hi <= lo:
                continue
            rows = self._wk_order[lo:hi]
            rows = rows[self._s_wk_end[rows] <= base + end]
            found.append(rows)
            which.append(np.full(rows.shape[0], pos, dtype=np.int64))
        if not found:
            empty = np.zeros(0, dtype=np.int64)
            return empty, empty
        rows = np.concatenate(found)
        pos = np.concatenate(which)
        if len(found) > 1:
            rows, first = np.unique(rows, return_index=True)
            pos = pos[first]
        return rows, pos

    def _match(
        self,
        volunteer_id: int,
        shift: int,
        score: float,
        parts: Mapping[str, np.ndarray],
        i: int,
        km: float,
        window: tuple[int, int, int] | None,
    ) -> Match:
        """One result row as a Match."""
        return Match(
            volunteer_id=volunteer_id,
            shift_id=int(self._s_ids[shift]),
            opportunity_id=int(self._o_ids[self._s_opp[shift]]),
            score=score,
            components={name: float(parts[name][i]) for name in COMPONENTS},
            distance_km=None if math.isnan(km) else km,
            window=window,
        )

    # -- questions ------------------------------------------------------------

    def recommend(
        self,
        volunteer: int | Volunteer,
        now: datetime,
        limit: int = 20,
        exclude: Iterable[int] = (),
    ) -> list[Match]:
        """Best opportunities for a volunteer, one Match (its best shift) each.

        ``volunteer`` is an id of the index (KeyError if unknown) or any Volunteer,
        which then need not be in the index (e.g. one who did not consent).
        ``exclude``: ids of shifts not to propose (e.g. those applied to already).
        """
        person = volunteer
        if not isinstance(person, Volunteer):
            person = self.volunteers[volunteer]
        now_us = to_microseconds(now)
        rows, pos = self._shifts_within(person.windows)
        keep = self._s_room[rows] & (self._s_start[rows] > now_us)
        excluded = np.fromiter(exclude, dtype=np.int64)
        if excluded.size:
            keep &= ~np.isin(self._s_ids[rows], excluded)
        rows, pos = rows[keep], pos[keep]
        opp = self._s_opp[rows]
        skills = self._skills.row(person.skills)
        remote = self._o_remote[opp]
        keep = _covers(skills, self._o_skills[opp]) & (~remote | person.remote_ok)
        keep &= remote | (self._o_located[opp] & person.has_location)
        rows, pos, opp, remote = rows[keep], pos[keep], opp[keep], remote[keep]
        km = np.full(rows.shape[0], np.nan)
        if person.has_location and (~remote).any():
            here = unit_vectors(person.lat, person.lon)
            km[~remote] = distance_between(here, self._o_unit[opp[~remote]])
            keep = remote | (km <= person.max_distance_km)
            rows, pos, opp, km = rows[keep], pos[keep], opp[keep], km[keep]
        if person.held:
            start, end = self._s_start[rows], self._s_end[rows]
            clash = np.zeros(rows.shape[0], dtype=bool)
            for a, b in person.held:
                clash |= (start < to_microseconds(b)) & (to_microseconds(a) < end)
            rows, pos, opp, km = rows[~clash], pos[~clash], opp[~clash], km[~clash]
        if rows.size == 0:
            return []
        parts = self._parts(
            skills,
            self._causes.row(person.causes),
            self._languages.row(person.languages),
            opp,
            rows,
            km,
        )
        scores = combine(parts, person.reliability)
        # The best shift of each opportunity (ties: the earliest), then the best
        # opportunities (ties: earliest shift, then lowest shift id).
        order = np.lexsort((self._s_start[rows], -scores, opp))
        first = np.ones(order.shape[0], dtype=bool)
        first[1:] = opp[order][1:] != opp[order][:-1]
        best = order[first]
        ranked = best[
            np.lexsort(
                (self._s_ids[rows[best]], self._s_start[rows[best]], -scores[best])
            )
        ][:limit]
        return [
            self._match(
                person.id,
                int(rows[i]),
                float(scores[i]),
                parts,
                int(i),
                float(km[i]),
                person.windows[int(pos[i])],
            )
            for i in ranked
        ]

    def suggest(self, shift_id: int, now: datetime, limit: int = 20) -> list[Match]:
        """Best volunteers of the index for one shift (ties: lowest volunteer id).

        KeyError for an unknown shift id; [] for a shift that is past or closed.
        """
        shift = self._s_row[shift_id]
        opp = int(self._s_opp[shift])
        remote = bool(self._o_remote[opp])
        if not (
            self._s_spanned[shift]
            and self._s_room[shift]
            and self._s_start[shift] > to_microseconds(now)
            and (remote or self._o_located[opp])
        ):
            return []
        day, start = divmod(int(self._s_wk_start[shift]), DAY_MINUTES)
        end = int(self._s_wk_end[shift]) - day * DAY_MINUTES
        lo = int(self._day_ptr[day])
        hi = lo + int(
            np.searchsorted(
                self._dw_start[lo : self._day_ptr[day + 1]], start, side="right"
            )
        )
        free = np.flatnonzero(self._dw_end[lo:hi] >= end) + lo
        vol, pos = self._dw_vol[free], self._dw_pos[free]
        keep = _covers(self._v_skills[vol], self._o_skills[opp])
        keep &= self._v_remote[vol] if remote else self._v_located[vol]
        vol, pos = vol[keep], pos[keep]
        km = np.full(vol.shape[0], np.nan)
        if not remote:
            km = distance_between(self._v_unit[vol], self._o_unit[opp][None, :])
            keep = km <= self._v_radius[vol]
            vol, pos, km = vol[keep], pos[keep], km[keep]
        clash = self._overlaps_held(vol, np.int64(shift))
        vol, pos, km = vol[~clash], pos[~clash], km[~clash]
        # A volunteer free through two windows appears twice: keep the first window.
        order = np.lexsort((pos, vol))
        first = np.ones(order.shape[0], dtype=bool)
        first[1:] = vol[order][1:] != vol[order][:-1]
        keep = order[first]
        vol, pos, km = vol[keep], pos[keep], km[keep]
        if vol.size == 0:
            return []
        rows = np.full(vol.shape[0], shift, dtype=np.int64)
        opps = np.full(vol.shape[0], opp, dtype=np.int64)
        parts = self._parts(
            self._v_skills[vol], self._v_causes[vol], self._v_langs[vol], opps, rows, km
        )
        scores = combine(parts, self._v_reliability[vol])
        ranked = np.lexsort((self._v_ids[vol], -scores))[:limit]
        return [
            self._match(
                int(self._v_ids[vol[i]]),
                shift,
                float(scores[i]),
                parts,
                int(i),
                float(km[i]),
                self.volunteers[int(self._v_ids[vol[i]])].windows[int(pos[i])],
            )
            for i in ranked
        ]

    def candidates(
        self,
        now: datetime,
        k_per_volunteer: int = 10,
        m_per_shift: int = 20,
        *,
        max_pairs_per_chunk: int = 1_000_000,
        workers: int | None = None,
    ) -> Candidates:
        """Eligible pairs for the proposal: top K per volunteer plus top M per shift.

        Only shifts with a spot left count (the proposal fills seats, not waitlists).
        Pairs are enumerated without ever forming the radius join. Open shifts are
        sorted by (cell, key skill, minute of the week), where the key skill is the
        opportunity's most selective required skill (or none); then for each
        volunteer, reachable cell, key skill the volunteer holds (or none) and
        window, the shifts starting inside the window are one range of that sorted
        array. Ranges are expanded in chunks, filtered by window end, every
        required skill, remote, distance and held shifts, scored, and cut to the
        top K per volunteer and top M per shift.
        """
        clock = time.perf_counter()
        n_s = self._s_ids.shape[0]
        stats: dict[str, float] = {}
        ranges = self._ranges(to_microseconds(now), stats)
        kept: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        pool = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
        eligible = 0

        def work(chunk: dict[str, np.ndarray]) -> tuple:
            """The best pairs of one chunk."""
            return self._best_of_chunk(chunk, k_per_volunteer, m_per_shift)

        # numpy releases the GIL in its loops, so threads use every core.
        with ThreadPoolExecutor(max_workers=workers or _cores()) as executor:
            chunks = self._chunks(ranges, max_pairs_per_chunk)
            for best_k, best_m, count in executor.map(work, chunks):
                eligible += count
                kept.append(best_k)
                merged = [np.concatenate(x) for x in zip(pool, best_m, strict=True)]
                top = _top_per_group(merged[1], merged[2], m_per_shift)
                pool = (merged[0][top], merged[1][top], merged[2][top])
        vol, shift, scores = (
            np.concatenate([pool[i], *(k[i] for k in kept)]) for i in range(3)
        )
        _, first = np.unique(vol * n_s + shift, return_index=True)
        stats["pairs_eligible"] = float(eligible)
        stats["pairs_kept"] = float(first.size)
        stats["seconds"] = time.perf_counter() - clock
        return Candidates(
            volunteer_ids=self._v_ids[vol[first]],
            shift_ids=self._s_ids[shift[first]],
            scores=scores[first],
            stats=stats,
        )

    def _best_of_chunk(
        self, chunk: dict[str, np.ndarray], k: int, m: int
    ) -> tuple[tuple[np.ndarray, ...], tuple[np.ndarray, ...], int]:
        """Score a chunk's eligible pairs; its top k per volunteer and m per shift."""
        vol, shift, opp, km = self._scan(chunk)
        parts = self._parts(
            self._v_skills[vol],
            self._v_causes[vol],
            self._v_langs[vol],
            opp,
            shift,
            km,
        )
        scores = combine(parts, self._v_reliability[vol])
        top_k = _top_per_group(vol, scores, k)
        top_m = _top_per_group(shift, scores, m)
        return (
            (vol[top_k], shift[top_k], scores[top_k]),
            (vol[top_m], shift[top_m], scores[top_m]),
            vol.shape[0],
        )

    def _ranges(self, now_us: int, stats: dict[str, float]) -> dict[str, np.ndarray]:
        """Every (volunteer, cell, key skill, window) range of open shifts."""
        n_v = self._v_ids.shape[0]
        buckets = self._n_buckets
        open_rows = np.flatnonzero(
            self._s_spanned
            & (self._s_start > now_us)
            & (self._s_seats > 0)
            & (self._o_cell[self._s_opp] >= 0)
        )
        stats["open_shifts"] = float(open_rows.size)
        opp = self._s_opp[open_rows]
        group = self._o_cell[opp] * buckets + self._o_bucket[opp]
        key = group * WEEK_MINUTES + self._s_wk_start[open_rows]
        order = np.argsort(key, kind="stable")
        lengths = self._s_wk_end[open_rows] - self._s_wk_start[open_rows]
        min_length = int(lengths.min()) if lengths.size else 1
        nonempty = np.zeros((self._remote_cell + 1) * buckets, dtype=bool)
        nonempty[group] = True

        # (volunteer, cell) -> (volunteer, cell, bucket), only where shifts are.
        reach_ptr, reach_cell = self._reach()
        pair_vol = np.repeat(np.arange(n_v), np.diff(reach_ptr))
        b_ptr, b_bucket = self._v_bucket_ptr, self._v_bucket
        pair, at = _expand(b_ptr[pair_vol], np.diff(b_ptr)[pair_vol])
        triple_vol = pair_vol[pair]
        triple_group = reach_cell[pair] * buckets + b_bucket[at]
        some = nonempty[triple_group]
        triple_vol, triple_group = triple_vol[some], triple_group[some]
        # ... x the volunteer's windows.
        triple, window = _expand(
            self._w_ptr[triple_vol], np.diff(self._w_ptr)[triple_vol]
        )
        base = triple_group[triple] * WEEK_MINUTES + self._w_day[window] * DAY_MINUTES
        keys = key[order]
        lo = np.searchsorted(keys, base + self._w_start[window], side="left")
        hi = np.searchsorted(keys, base + self._w_end[window] - min_length, "right")
        count = hi - lo
        some = count > 0
        window = window[some]
        stats["ranges"] = float(window.size)
        stats["pairs_scanned"] = float(count[some].sum())
        return {
            "vol": triple_vol[triple[some]],
            "lo": lo[some],
            "count": count[some],
            "limit": (self._w_day * DAY_MINUTES + self._w_end)[window],
            "rows": open_rows[order],
            "ends": self._s_wk_end[open_rows[order]],
        }

    def _chunks(
        self, ranges: dict[str, np.ndarray], size: int
    ) -> Iterator[dict[str, np.ndarray]]:
        """Consecutive ranges of whole volunteers, about ``size`` pairs each."""
        vol, count = ranges["vol"], ranges["count"]
        if vol.size == 0:
            return
        begins = np.flatnonzero(np.diff(vol, prepend=-1))  # a volunteer's first range
        before = (np.cumsum(count) - count)[begins]  # pairs before that volunteer
        cuts = begins[np.flatnonzero(np.diff(before // max(size, 1))) + 1]
        edges = [0, *cuts.tolist(), vol.size]
        for start, end in itertools.pairwise(edges):
            chunk = {name: ranges[name][start:end] for name in ("vol", "lo", "count")}
            chunk["limit"] = ranges["limit"][start:end]
            chunk["rows"] = ranges["rows"]
            chunk["ends"] = ranges["ends"]
            yield chunk

    def _scan(self, chunk: dict[str, np.ndarray]) -> tuple[np.ndarray, ...]:
        """Expand ranges into pairs and keep the eligible ones (with distances)."""
        run, position = _expand(chunk["lo"], chunk["count"])
        keep = np.flatnonzero(chunk["ends"][position] <= chunk["limit"][run])
        vol = chunk["vol"][run[keep]]
        shift = chunk["rows"][position[keep]]
        opp = self._s_opp[shift]
        remote = self._o_remote[opp]
        ok = _covers(self._v_skills[vol], self._o_skills[opp])
        ok &= ~remote | self._v_remote[vol]
        keep = np.flatnonzero(ok)
        vol, shift = vol[keep], shift[keep]
        opp = self._s_opp[shift]  # gathering again beats compressing
        remote = self._o_remote[opp]
        # Distance: a conservative chord bound first, then the geodesic; the same
        # arithmetic as geo.distance_between, on coordinate columns.
        there = np.flatnonzero(~remote)
        v_at, o_at = vol[there], opp[there]
        (vx, vy, vz), (ox, oy, oz) = self._v_xyz, self._o_xyz
        z1, z2 = vz[v_at], oz[o_at]
        dx, dy, dz = vx[v_at] - ox[o_at], vy[v_at] - oy[o_at], z1 - z2
        chord_sq = dx * dx + dy * dy + dz * dz
        bound = self._v_chord[v_at]
        near = np.flatnonzero(chord_sq <= bound * bound)
        km_near = distance_from_chord(chord_sq[near], z1[near], z2[near])
        inside = km_near <= self._v_radius[v_at[near]]
        km = np.full(vol.shape[0], np.nan)
        km[there[near[inside]]] = km_near[inside]
        ok = remote.copy()
        ok[there[near[inside]]] = True
        keep = np.flatnonzero(ok)
        vol, shift, km = vol[keep], shift[keep], km[keep]
        keep = np.flatnonzero(~self._overlaps_held(vol, shift))
        vol, shift, km = vol[keep], shift[keep], km[keep]
        opp = self._s_opp[shift]
        if self._v_dup[vol].any():
            _, first = np.unique(vol * self._s_ids.shape[0] + shift, return_index=True)
            first.sort()
            vol, shift, opp, km = vol[first], shift[first], opp[first], km[first]
        return vol, shift, opp, km
