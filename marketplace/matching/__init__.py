"""Matching volunteers to shifts: pure domain code on plain data (no Flask, no ORM).

- ``model``: the data (``Volunteer``, ``Opportunity``, ``Shift``, ``Match``,
  ``Candidates``) and ``reasons`` (Thai / English explanations);
- ``filters``: the hard filters, one pair at a time (the reference);
- ``weights`` and ``scoring``: the score and its named components;
- ``geo``: vectorised geodesic distances;
- ``index``: ``MatchingIndex`` for recommendations, suggested volunteers and
  proposal candidates at marketplace scale;
- ``assignment``: ``propose`` (exact min-cost flow) and the ``greedy`` baseline.
"""

from .assignment import Proposal, ProposalRow, greedy, propose, time_slots
from .filters import eligible, fitting_window, local_span, violations
from .index import MatchingIndex
from .model import Candidates, Match, Opportunity, Shift, Volunteer, reasons
from .scoring import components, score
from .weights import FIRST_SEAT_BONUS, WEIGHTS

__all__ = [
    "FIRST_SEAT_BONUS",
    "WEIGHTS",
    "Candidates",
    "Match",
    "MatchingIndex",
    "Opportunity",
    "Proposal",
    "ProposalRow",
    "Shift",
    "Volunteer",
    "components",
    "eligible",
    "fitting_window",
    "greedy",
    "local_span",
    "propose",
    "reasons",
    "score",
    "time_slots",
    "violations",
]
