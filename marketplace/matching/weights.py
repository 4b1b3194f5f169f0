"""Every weight and tuning constant of the score, in one place.

The score is ``sum(WEIGHTS[name] * component[name])`` over the components below,
each in [0, 1]; the weights sum to 1, so the score lies in [0, 1].
"""

from types import MappingProxyType
from typing import Final

# Order is the order of the reasons shown to people.
WEIGHTS: Final = MappingProxyType(
    {
        "skills": 0.30,  # required skills held (all of them, after the filters)
        "distance": 0.25,  # closeness; remote opportunities get REMOTE_CLOSENESS
        "causes": 0.20,  # share of the opportunity's causes the volunteer follows
        "languages": 0.05,  # speaks a language of the opportunity (or none listed)
        "need": 0.20,  # share of the shift's spots still open
    }
)
COMPONENTS: Final = tuple(WEIGHTS)

# An opportunity that requires no skill fits anyone, but less specifically than one
# whose required skills the volunteer holds.
NO_SKILLS_REQUIRED: Final = 0.5
# Closeness is 1 / (1 + km / DISTANCE_HALF_KM): 1 on the spot, 0.5 at 10 km.
DISTANCE_HALF_KM: Final = 10.0
# Closeness of a remote opportunity (no travel, but no one to meet either).
REMOTE_CLOSENESS: Final = 0.6

# Proposal: added once per organisation for its first placed volunteer, so small
# partners are not starved; in score units (a perfect match is worth 1).
FIRST_SEAT_BONUS: Final = 1.0

# Reliability (docs/matching.md): the weighted sum is multiplied by
# 1 - RELIABILITY_WEIGHT * (1 - r), where r = (attended + RELIABILITY_PRIOR) /
# (recorded + RELIABILITY_PRIOR) over the last 12 months. A newcomer (nothing
# recorded) has r = 1 and loses nothing; someone who missed every shift keeps at
# least 1 - RELIABILITY_WEIGHT of their score, and is never filtered out.
RELIABILITY_WEIGHT: Final = 0.2
# Shifts counted as attended before any is recorded: one no-show among few shifts
# weighs little.
RELIABILITY_PRIOR: Final = 2.0
