"""The access matrix of each area added after the core workflow.

Each module has MATRIX ((endpoint, method) -> roles allowed), extend_world(world)
(adds the objects and URL values its routes need), and json_body / form_body
(a valid body for an endpoint, or None), like tests/functional/test_access_matrix.
"""

from . import (
    certificates,
    channels,
    confirmations,
    conversations,
    cover,
    edonation,
    floaters,
    floor,
    groups,
    impact,
    line,
    memberships,
    outcomes,
    privacy,
    security,
    service_hours,
    two_factor,
    walk_in,
)

AREAS = (
    impact,
    outcomes,
    certificates,
    privacy,
    security,
    memberships,
    two_factor,
    floor,
    floaters,
    walk_in,
    line,
    groups,
    edonation,
    conversations,
    confirmations,
    cover,
    channels,
    service_hours,
)
