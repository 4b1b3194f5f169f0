"""Matching at marketplace scale, on seeded synthetic data with a Thai shape.

Run ``python -m bench.matching`` (``--scale 0.1`` for a quick run). Full size is
100,000 volunteers, 10,000 opportunities and 25,000 shifts: half of everyone in
Bangkok, the rest around twenty provincial centres; skills from the marketplace's
own taxonomy with a popularity skew; weekly availability in the usual Thai
patterns (weekends, weekday evenings, office hours, students' afternoons); shifts
over the six weeks around the expo weekend. Prints a table and writes
``bench/results/matching.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import statistics
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

from marketplace.matching import (
    Candidates,
    MatchingIndex,
    Opportunity,
    Proposal,
    Shift,
    Volunteer,
    greedy,
    propose,
    reasons,
    violations,
)
from marketplace.matching.weights import FIRST_SEAT_BONUS

ROOT = Path(__file__).resolve().parent.parent
RESULTS = Path(__file__).parent / "results"
SKILLS_FILE = ROOT / "marketplace" / "seed" / "data" / "skills.json"
CAUSES_FILE = ROOT / "marketplace" / "seed" / "data" / "causes.json"

FULL_VOLUNTEERS = 100_000
FULL_OPPORTUNITIES = 10_000
FULL_SHIFTS = 25_000
FULL_ORGANIZATIONS = 2_000

# Midnight of 1 June 2027 in Bangkok; the expo weekend is 9-11 June.
NOW = datetime(2027, 5, 31, 17, 0, tzinfo=UTC)
BANGKOK_OFFSET = timedelta(hours=7)
BANGKOK = (13.7563, 100.5018)
BANGKOK_BOX = (13.49, 13.96, 100.33, 100.94)
# Provincial centres (lat, lon) and a rough weight by population.
PROVINCES = {
    "Nonthaburi": (13.8621, 100.5144, 6),
    "Pathum Thani": (14.0208, 100.5250, 5),
    "Samut Prakan": (13.5991, 100.5998, 6),
    "Chiang Mai": (18.7883, 98.9853, 8),
    "Chiang Rai": (19.9105, 99.8406, 4),
    "Lampang": (18.2888, 99.4908, 2),
    "Phitsanulok": (16.8211, 100.2659, 3),
    "Nakhon Sawan": (15.7047, 100.1372, 3),
    "Phra Nakhon Si Ayutthaya": (14.3692, 100.5877, 3),
    "Kanchanaburi": (14.0228, 99.5328, 3),
    "Chon Buri": (13.3611, 100.9847, 7),
    "Rayong": (12.6814, 101.2816, 4),
    "Nakhon Ratchasima": (14.9799, 102.0977, 8),
    "Khon Kaen": (16.4322, 102.8236, 6),
    "Udon Thani": (17.4138, 102.7870, 5),
    "Ubon Ratchathani": (15.2287, 104.8564, 5),
    "Surat Thani": (9.1382, 99.3215, 4),
    "Nakhon Si Thammarat": (8.4304, 99.9631, 5),
    "Songkhla": (7.0086, 100.4747, 5),
    "Phuket": (7.8804, 98.3923, 3),
}
RADII_KM = ([5, 10, 15, 20, 30, 50, 100], [12, 25, 25, 15, 12, 8, 3])
LANGUAGES = ["en", "zh", "my", "ja", "km", "lo", "tsl"]
LANGUAGE_WEIGHTS = [40, 4, 2, 2, 1, 1, 1]
# (start hour, length in hours) of shifts, with weights.
SHIFT_PATTERNS = (
    [(8, 4), (9, 3), (9, 8), (10, 4), (13, 4), (13, 3), (14, 2), (17, 3), (18, 3)],
    [12, 14, 8, 10, 14, 10, 8, 8, 6],
)


def _load_slugs(path: Path) -> list[str]:
    """Slugs of a taxonomy file of the seed data."""
    return [item["slug"] for item in json.loads(path.read_text(encoding="utf-8"))]


def _place(rng: random.Random, spread: float) -> tuple[float, float]:
    """A point: half in Bangkok, the rest around a weighted provincial centre."""
    if rng.random() < 0.5:
        lat_min, lat_max, lon_min, lon_max = BANGKOK_BOX
        lat = min(max(rng.gauss(BANGKOK[0] + 0.02, 0.07), lat_min), lat_max)
        lon = min(max(rng.gauss(BANGKOK[1] + 0.05, 0.09), lon_min), lon_max)
        return lat, lon
    lat, lon, _ = rng.choices(list(PROVINCES.values()), _PROVINCE_WEIGHTS)[0]
    return rng.gauss(lat, spread), rng.gauss(lon, spread)


_PROVINCE_WEIGHTS = [w for _, _, w in PROVINCES.values()]


def _pick(rng: random.Random, names: list[str], weights: list[float], k: int) -> set:
    """About k distinct names, drawn by popularity."""
    return set(rng.choices(names, weights, k=k)) if k else set()


def _windows(rng: random.Random) -> tuple[tuple[int, int, int], ...]:
    """A weekly availability pattern in Bangkok minutes."""
    kind = rng.choices(["weekend", "evenings", "office", "student"], [40, 20, 25, 15])[
        0
    ]
    out: set[tuple[int, int, int]] = set()
    if kind == "weekend":
        for day in rng.sample([5, 6], rng.choice([1, 2])):
            start, end = rng.choice([(8, 12), (13, 17), (8, 18), (9, 16), (7, 22)])
            out.add((day, start * 60, end * 60))
    elif kind == "evenings":
        for day in rng.sample(range(5), rng.randint(2, 4)):
            out.add((day, rng.choice([17, 18]) * 60, rng.choice([21, 22]) * 60))
        if rng.random() < 0.5:
            out.add((5, 9 * 60, 17 * 60))
    elif kind == "office":
        start, end = rng.choice([(8, 17), (9, 17), (8, 20), (9, 15)])
        for day in rng.sample(range(7), rng.randint(2, 5)):
            out.add((day, start * 60 + rng.choice([0, 0, 30]), end * 60))
    else:
        for day in rng.sample(range(5), rng.randint(1, 3)):
            out.add((day, 13 * 60, 18 * 60))
        out.add((rng.choice([5, 6]), 8 * 60, 12 * 60))
    return tuple(sorted(out))


def generate(scale: float = 1.0, seed: int = 2027) -> tuple[list, list, list]:
    """Volunteers, opportunities and shifts of the synthetic marketplace."""
    rng = random.Random(seed)
    n_vol = round(FULL_VOLUNTEERS * scale)
    n_opp = max(round(FULL_OPPORTUNITIES * scale), 1)
    n_shift = max(round(FULL_SHIFTS * scale), n_opp)
    n_org = max(round(FULL_ORGANIZATIONS * scale), 1)
    skills = _load_slugs(SKILLS_FILE)
    causes = _load_slugs(CAUSES_FILE)
    skill_weights = [1 / (rank + 1) ** 0.8 for rank in range(len(skills))]
    rng.shuffle(skill_weights)
    cause_weights = [1 / (rank + 1) ** 0.7 for rank in range(len(causes))]

    opportunities = []
    org_weights = [1 / (rank + 1) ** 0.9 for rank in range(n_org)]
    orgs = rng.choices(range(1, n_org + 1), org_weights, k=n_opp)
    for i in range(n_opp):
        remote = rng.random() < 0.08
        lat, lon = (None, None) if remote else _place(rng, 0.06)
        k = rng.choices([0, 1, 2, 3], [35, 45, 15, 5])[0]
        opportunities.append(
            Opportunity(
                id=i + 1,
                organization_id=orgs[i],
                skills=frozenset(_pick(rng, skills, skill_weights, k)),
                causes=frozenset(
                    _pick(rng, causes, cause_weights, rng.choice([1, 1, 2]))
                ),
                languages=frozenset(
                    rng.choices([("th",), ("th", "en"), ("en",), ()], [75, 10, 5, 10])[
                        0
                    ]
                ),
                remote=remote,
                lat=lat,
                lon=lon,
                title=f"Opportunity {i + 1}",
            )
        )
    waitlist = [rng.random() < 0.5 for _ in range(n_opp)]
    owners = list(range(n_opp)) + rng.choices(range(n_opp), k=n_shift - n_opp)
    starts_local = NOW + BANGKOK_OFFSET  # naive arithmetic on the Bangkok clock
    patterns, pattern_weights = SHIFT_PATTERNS
    shifts = []
    for i, owner in enumerate(owners):
        # Six weeks, weekends twice as likely, the expo weekend most of all.
        day = rng.choices(range(42), [_day_weight(d) for d in range(42)])[0]
        hour, length = rng.choices(patterns, pattern_weights)[0]
        local = starts_local + timedelta(days=day, hours=hour)
        if rng.random() < 0.03:
            local -= timedelta(days=7)  # some shifts are already past
        start = local - BANGKOK_OFFSET
        capacity = min(1 + int(rng.expovariate(1 / 5)), 60)
        full = rng.random() < 0.12
        taken = capacity if full else rng.randint(0, capacity - 1)
        opp = opportunities[owner]
        shifts.append(
            Shift(
                id=i + 1,
                opportunity_id=opp.id,
                organization_id=opp.organization_id,
                starts_at=start,
                ends_at=start + timedelta(hours=length),
                capacity=capacity,
                spots_taken=taken,
                waitlist_ok=waitlist[owner],
            )
        )

    radii, radius_weights = RADII_KM
    volunteers = []
    for i in range(n_vol):
        located = rng.random() > 0.02
        lat, lon = _place(rng, 0.08) if located else (None, None)
        held: tuple = ()
        if rng.random() < 0.1 and shifts:
            chosen = rng.sample(shifts, rng.choice([1, 1, 2]))
            held = tuple((s.starts_at, s.ends_at) for s in chosen)
        volunteers.append(
            Volunteer(
                id=i + 1,
                skills=frozenset(
                    _pick(rng, skills, skill_weights, rng.choice([0, 1, 2, 3, 4, 5, 6]))
                ),
                causes=frozenset(
                    _pick(rng, causes, cause_weights, rng.choice([1, 2, 2, 3]))
                ),
                languages=frozenset(
                    {"th"}
                    | _pick(rng, LANGUAGES, LANGUAGE_WEIGHTS, rng.choice([0, 0, 1]))
                ),
                lat=lat,
                lon=lon,
                max_distance_km=float(rng.choices(radii, radius_weights)[0]),
                remote_ok=rng.random() < 0.3,
                windows=_windows(rng),
                held=held,
            )
        )
    return volunteers, opportunities, shifts


def _day_weight(day: int) -> float:
    """Weekends draw more shifts; the expo weekend (9-11 June) the most."""
    weekday = (NOW + BANGKOK_OFFSET + timedelta(days=day)).weekday()
    if 8 <= day <= 10:
        return 6.0
    return 2.0 if weekday >= 5 else 1.0


def _percentiles(samples: list[float]) -> dict[str, float]:
    """p50 / p99 / max in milliseconds."""
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered), 3),
        "p99_ms": round(ordered[max(int(len(ordered) * 0.99) - 1, 0)], 3),
        "max_ms": round(ordered[-1], 3),
    }


def _peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _summary(proposal: Proposal) -> dict:
    """The numbers of a proposal worth comparing."""
    return {
        "seconds": round(proposal.seconds, 3),
        "rows": len(proposal.rows),
        "total_score": round(proposal.total_score, 2),
        "objective": round(proposal.objective, 2),
        "placed_volunteers": proposal.placed_volunteers,
        "shifts_covered": proposal.shifts_covered,
        "organizations_covered": proposal.organizations_covered,
        **proposal.stats,
    }


def _fill_in(proposal: Proposal, candidates: Candidates, shifts: list[Shift]) -> dict:
    """What the slot model leaves: rows a greedy pass could still add.

    Adds, best score first, any candidate whose shift has a seat left and that
    overlaps none of the volunteer's proposed shifts: a lower bound on the gap
    between "one shift per time slot" and plain "no two overlapping shifts".
    """
    by_id = {s.id: s for s in shifts}
    seats = {s.id: s.spots_left for s in shifts}
    held: dict[int, list[Shift]] = {}
    for row in proposal.rows:
        seats[row.shift_id] -= 1
        held.setdefault(row.volunteer_id, []).append(by_id[row.shift_id])
    added, gain = 0, 0.0
    order = np.argsort(-candidates.scores, kind="stable")
    volunteer_ids = candidates.volunteer_ids[order].tolist()
    shift_ids = candidates.shift_ids[order].tolist()
    for v, s, x in zip(
        volunteer_ids, shift_ids, candidates.scores[order].tolist(), strict=True
    ):
        shift = by_id[s]
        mine = held.setdefault(v, [])
        if seats[s] <= 0 or any(
            t.starts_at < shift.ends_at and shift.starts_at < t.ends_at for t in mine
        ):
            continue
        seats[s] -= 1
        mine.append(shift)
        added, gain = added + 1, gain + x
    return {
        "rows": added,
        "score": round(gain, 2),
        "share": round(gain / max(proposal.total_score, 1e-9), 5),
    }


def _check_sample(index: MatchingIndex, results: list, now: datetime) -> int:
    """Check matches against the reference filters; return how many were checked."""
    checked = 0
    for match in results:
        volunteer = index.volunteers[match.volunteer_id]
        opportunity = index.opportunities[match.opportunity_id]
        shift = index.shifts[match.shift_id]
        failed = violations(volunteer, opportunity, shift, now)
        if failed:
            raise AssertionError(f"{match} fails {failed}")
        assert reasons(match, opportunity, volunteer, "th")
        checked += 1
    return checked


def run(scale: float, seed: int, queries: int, k: int, m: int) -> dict:
    """Generate, build, query and propose; return every measurement."""
    out: dict = {
        "scale": scale,
        "seed": seed,
        "python": platform.python_version(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }
    clock = time.perf_counter()
    volunteers, opportunities, shifts = generate(scale, seed)
    out["generate_s"] = round(time.perf_counter() - clock, 2)
    out["sizes"] = {
        "volunteers": len(volunteers),
        "opportunities": len(opportunities),
        "shifts": len(shifts),
        "organizations": len({o.organization_id for o in opportunities}),
    }

    clock = time.perf_counter()
    index = MatchingIndex(volunteers, opportunities, shifts)
    out["index_build_s"] = round(time.perf_counter() - clock, 2)

    picker = random.Random(seed + 1)
    who = picker.sample([v.id for v in volunteers], min(queries, len(volunteers)))
    which = picker.sample([s.id for s in shifts], min(queries, len(shifts)))
    index.recommend(who[0], NOW)  # warm up
    timings, lengths, sample = [], [], []
    for volunteer_id in who:
        start = time.perf_counter()
        found = index.recommend(volunteer_id, NOW, limit=20)
        timings.append((time.perf_counter() - start) * 1000)
        lengths.append(len(found))
        sample.extend(found[:3])
    out["recommend"] = _percentiles(timings) | {
        "queries": len(who),
        "mean_results": round(statistics.mean(lengths), 1),
        "empty_share": round(lengths.count(0) / len(lengths), 3),
    }
    timings, lengths = [], []
    for shift_id in which:
        start = time.perf_counter()
        found = index.suggest(shift_id, NOW, limit=20)
        timings.append((time.perf_counter() - start) * 1000)
        lengths.append(len(found))
        sample.extend(found[:3])
    out["suggest"] = _percentiles(timings) | {
        "queries": len(which),
        "mean_results": round(statistics.mean(lengths), 1),
    }
    out["filter_checks"] = _check_sample(index, sample[:3000], NOW)

    clock, cpu = time.perf_counter(), time.process_time()
    candidates = index.candidates(NOW, k_per_volunteer=k, m_per_shift=m)
    candidate_s = time.perf_counter() - clock
    candidate_cpu = time.process_time() - cpu
    cpu = time.process_time()
    optimal = propose(candidates, shifts, first_seat_bonus=FIRST_SEAT_BONUS)
    solve_cpu = time.process_time() - cpu
    out["proposal"] = {
        "k_per_volunteer": k,
        "m_per_shift": m,
        "candidates_s": round(candidate_s, 2),
        "candidates_cpu_s": round(candidate_cpu, 2),
        "solve_s": round(optimal.seconds, 2),
        "solve_cpu_s": round(solve_cpu, 2),
        "total_s": round(candidate_s + optimal.seconds, 2),
        "fill_in": _fill_in(optimal, candidates, shifts),
        "candidate_stats": {
            name: round(value, 2) for name, value in candidates.stats.items()
        },
        "candidates": len(candidates),
    }
    plain = propose(candidates, shifts, first_seat_bonus=0.0)
    baseline = greedy(candidates, shifts, first_seat_bonus=FIRST_SEAT_BONUS)
    out["optimal"] = _summary(optimal)
    out["optimal_without_bonus"] = _summary(plain)
    out["greedy"] = _summary(baseline)
    by_id = {s.id: s for s in shifts}
    out["organizations_with_candidates"] = len(
        {by_id[int(i)].organization_id for i in np.unique(candidates.shift_ids)}
    )
    # Scarce volunteers (every tenth one): where the first-seat bonus bites.
    few = candidates.volunteer_ids % 10 == 0
    scarce = Candidates(
        candidates.volunteer_ids[few], candidates.shift_ids[few], candidates.scores[few]
    )
    out["scarce"] = {
        "candidates": len(scarce),
        "with_bonus": _summary(propose(scarce, shifts)),
        "without_bonus": _summary(propose(scarce, shifts, first_seat_bonus=0.0)),
        "greedy": _summary(greedy(scarce, shifts)),
    }
    out["seats_open"] = int(sum(s.spots_left for s in shifts if s.starts_at > NOW))
    out["peak_rss_mb"] = _peak_rss_mb()
    out["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
    return out


def table(result: dict) -> str:
    """The measurements as a plain-text table."""
    rec, sug, prop = result["recommend"], result["suggest"], result["proposal"]
    opt, plain, base = (
        result["optimal"],
        result["optimal_without_bonus"],
        result["greedy"],
    )
    sizes = result["sizes"]
    lines = [
        f"matching bench: {sizes['volunteers']:,} volunteers, "
        f"{sizes['opportunities']:,} opportunities, {sizes['shifts']:,} shifts, "
        f"{sizes['organizations']:,} organisations ({result['machine']})",
        "",
        f"{'generate data':<38}{result['generate_s']:>10.2f} s",
        f"{'index build':<38}{result['index_build_s']:>10.2f} s",
        f"{'recommend p50 / p99 / max':<38}{rec['p50_ms']:>10.2f} / "
        f"{rec['p99_ms']:.2f} / {rec['max_ms']:.2f} ms "
        f"({rec['mean_results']} results, {rec['empty_share']:.1%} empty)",
        f"{'suggest p50 / p99 / max':<38}{sug['p50_ms']:>10.2f} / "
        f"{sug['p99_ms']:.2f} / {sug['max_ms']:.2f} ms "
        f"({sug['mean_results']} results)",
        f"{'results checked against filters.py':<38}{result['filter_checks']:>10,}",
        f"{'proposal: candidates':<38}{prop['candidates_s']:>10.2f} s "
        f"({prop['candidates']:,} pairs, K={prop['k_per_volunteer']}, "
        f"M={prop['m_per_shift']})",
        f"{'proposal: candidates CPU (2 threads)':<38}"
        f"{prop['candidates_cpu_s']:>10.2f} s",
        f"{'proposal: solve (min-cost flow)':<38}{prop['solve_s']:>10.2f} s",
        f"{'proposal: total':<38}{prop['total_s']:>10.2f} s",
        f"{'peak RSS (whole run)':<38}{result['peak_rss_mb']:>10.1f} MB",
        f"{'load average before / after':<38}{result['load_average_before'][0]:>10.2f}"
        f" / {result['load_average_after'][0]:.2f}",
        "",
        f"{'':<24}{'optimal':>14}{'no bonus':>14}{'greedy':>14}",
    ]
    for key, label in (
        ("total_score", "total score"),
        ("objective", "objective (+bonus)"),
        ("rows", "placements"),
        ("placed_volunteers", "volunteers placed"),
        ("shifts_covered", "shifts covered"),
        ("organizations_covered", "organisations covered"),
        ("seconds", "seconds"),
    ):
        lines.append(f"{label:<24}{opt[key]:>14,}{plain[key]:>14,}{base[key]:>14,}")
    reachable = result["organizations_with_candidates"]
    lines.append(f"(organisations with any candidate: {reachable:,})")
    scarce = result["scarce"]
    lines.append("")
    lines.append(
        f"scarce volunteers (every 10th, {scarce['candidates']:,} candidate pairs):"
    )
    lines.append(f"{'':<24}{'optimal':>14}{'no bonus':>14}{'greedy':>14}")
    for key, label in (
        ("total_score", "total score"),
        ("placed_volunteers", "volunteers placed"),
        ("shifts_covered", "shifts covered"),
        ("organizations_covered", "organisations covered"),
    ):
        values = (
            scarce[name][key] for name in ("with_bonus", "without_bonus", "greedy")
        )
        lines.append(f"{label:<24}" + "".join(f"{v:>14,}" for v in values))
    lines.append("")
    fill = prop["fill_in"]
    lines.append(
        f"slot model vs plain no-overlap: a greedy fill-in adds {fill['rows']} rows, "
        f"{fill['score']} score ({fill['share']:.3%})"
    )
    lines.append(
        f"(open seats in future shifts: {result['seats_open']:,}; time slots: "
        f"{opt['slots']:,}, with 2+ shifts {opt['shared_slots']:,}, chains "
        f"{opt['chained_slots']:,})"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    """Parse options, run, print the table and write the JSON."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=2027)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--k", type=int, default=10, help="candidates per volunteer")
    parser.add_argument("--m", type=int, default=20, help="candidates per shift")
    parser.add_argument("--out", type=Path, default=RESULTS / "matching.json")
    args = parser.parse_args(argv)
    np.random.seed(args.seed)
    result = run(args.scale, args.seed, args.queries, args.k, args.m)
    print(table(result))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"\nwrote {args.out}")


if __name__ == "__main__":
    main()
