"""Cover (issue 13): a volunteer who can't come hands their place on.

The place is offered to the shift's waitlist first, then to candidates ranked by
the matching engine, one at a time, each offer expiring (docs/cover.md). Offers
are the floaters' `Offer` rows (kind "cover"), answered through
`floaters.services`; the place changes hands in `applications.services`.
"""

from . import tasks  # noqa: F401  (registers the periodic task with the queue)
