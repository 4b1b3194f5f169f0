"""The score of a match: named components in [0, 1], weighted once (weights.py).

Every component is a plain formula on numbers, written once for numpy arrays: the
index scores millions of pairs with the same functions that score one pair here.
"""

from collections.abc import Mapping

import numpy as np
from numpy.typing import ArrayLike

from .filters import distance_to
from .model import Opportunity, Shift, Volunteer
from .weights import (
    COMPONENTS,
    DISTANCE_HALF_KM,
    NO_SKILLS_REQUIRED,
    RELIABILITY_PRIOR,
    RELIABILITY_WEIGHT,
    REMOTE_CLOSENESS,
    WEIGHTS,
)


def skills_fit(held: ArrayLike, required: ArrayLike) -> np.ndarray:
    """Share of the listed skills held; NO_SKILLS_REQUIRED when none are listed.

    ``required`` counts every skill the opportunity lists (required and nice to
    have) and ``held`` those of them the volunteer holds: after the hard filters
    every required skill is held, so the share moves with the nice-to-have ones.
    """
    held_a = np.asarray(held, dtype=np.float64)
    required_a = np.asarray(required, dtype=np.float64)
    share = held_a / np.maximum(required_a, 1.0)
    return np.where(required_a > 0, share, NO_SKILLS_REQUIRED)


def closeness(km: ArrayLike, remote: ArrayLike) -> np.ndarray:
    """1 / (1 + km / DISTANCE_HALF_KM); REMOTE_CLOSENESS for remote opportunities."""
    km_a = np.nan_to_num(np.asarray(km, dtype=np.float64), nan=np.inf)  # unknown: 0
    near = 1.0 / (1.0 + np.maximum(km_a, 0.0) / DISTANCE_HALF_KM)
    return np.where(np.asarray(remote, dtype=bool), REMOTE_CLOSENESS, near)


def causes_fit(shared: ArrayLike, listed: ArrayLike) -> np.ndarray:
    """Share of the opportunity's causes the volunteer follows (0 if none listed)."""
    shared_a = np.asarray(shared, dtype=np.float64)
    listed_a = np.asarray(listed, dtype=np.float64)
    return np.where(listed_a > 0, shared_a / np.maximum(listed_a, 1.0), 0.0)


def languages_fit(shared: ArrayLike, listed: ArrayLike) -> np.ndarray:
    """1 if the volunteer speaks a language of the opportunity, or none is listed."""
    shared_a = np.asarray(shared)
    listed_a = np.asarray(listed)
    return np.where((listed_a == 0) | (shared_a > 0), 1.0, 0.0)


def need(spots_taken: ArrayLike, capacity: ArrayLike) -> np.ndarray:
    """Share of the shift's spots still open (0 when full)."""
    taken = np.asarray(spots_taken, dtype=np.float64)
    cap = np.asarray(capacity, dtype=np.float64)
    left = np.clip(cap - taken, 0.0, None)
    return np.where(cap > 0, left / np.maximum(cap, 1.0), 0.0)


def reliability(attended: ArrayLike, recorded: ArrayLike) -> np.ndarray:
    """(attended + PRIOR) / (recorded + PRIOR): 1 with no history, never 0."""
    came = np.asarray(attended, dtype=np.float64)
    counted = np.asarray(recorded, dtype=np.float64)
    return (came + RELIABILITY_PRIOR) / (counted + RELIABILITY_PRIOR)


def reliability_factor(value: ArrayLike) -> np.ndarray:
    """What a reliability in [0, 1] keeps of a score: 1 - WEIGHT * (1 - value)."""
    kept = np.clip(np.asarray(value, dtype=np.float64), 0.0, 1.0)
    return 1.0 - RELIABILITY_WEIGHT * (1.0 - kept)


def combine(
    parts: Mapping[str, ArrayLike], reliability: ArrayLike | None = None
) -> np.ndarray:
    """The weighted sum of the components, clipped to [0, 1].

    ``reliability`` (the volunteer's, per pair or one) scales it by
    ``reliability_factor``; None leaves it as it is (no history: the same).
    """
    total = np.zeros(np.shape(parts[COMPONENTS[0]]), dtype=np.float64)
    for name in COMPONENTS:
        total = total + WEIGHTS[name] * np.asarray(parts[name], dtype=np.float64)
    if reliability is not None:
        total = total * reliability_factor(reliability)
    return np.clip(total, 0.0, 1.0)


def components(
    volunteer: Volunteer,
    opportunity: Opportunity,
    shift: Shift,
    distance_km: float | None = None,
) -> dict[str, float]:
    """The named components of one pair (distance computed if not given)."""
    if distance_km is None and not opportunity.remote:
        distance_km = distance_to(volunteer, opportunity)
    km = np.nan if distance_km is None else distance_km
    parts = {
        "skills": skills_fit(
            len(opportunity.listed_skills & volunteer.skills),
            len(opportunity.listed_skills),
        ),
        "distance": closeness(km, opportunity.remote),
        "causes": causes_fit(
            len(opportunity.causes & volunteer.causes), len(opportunity.causes)
        ),
        "languages": languages_fit(
            len(opportunity.languages & volunteer.languages),
            len(opportunity.languages),
        ),
        "need": need(shift.spots_taken, shift.capacity),
    }
    return {name: float(parts[name]) for name in COMPONENTS}


def score(parts: Mapping[str, float], reliability: float = 1.0) -> float:
    """The score in [0, 1] of one pair's components and the volunteer's reliability."""
    return float(combine(parts, reliability))
