"""The kinds of caller the access matrix tries, and the usual groups of them."""

# "lead": a volunteer with an approved place on the world's shift who leads it.
ROLES = (
    "anonymous",
    "volunteer",
    "other_volunteer",
    "lead",
    "member",
    "other_member",
    "staff",
)
EVERYONE = frozenset(ROLES)
LOGGED_IN = EVERYONE - {"anonymous"}
VOLUNTEERS = frozenset({"volunteer", "other_volunteer", "lead"})
ORGANIZERS = frozenset({"member", "other_member", "staff"})
OWNER = frozenset({"volunteer"})
MEMBER = frozenset({"member"})
MEMBER_OR_STAFF = frozenset({"member", "staff"})
STAFF = frozenset({"staff"})
LEAD = frozenset({"lead"})
