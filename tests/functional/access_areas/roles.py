"""The kinds of caller the access matrix tries, and the usual groups of them."""

ROLES = ("anonymous", "volunteer", "other_volunteer", "member", "other_member", "staff")
EVERYONE = frozenset(ROLES)
LOGGED_IN = EVERYONE - {"anonymous"}
VOLUNTEERS = frozenset({"volunteer", "other_volunteer"})
ORGANIZERS = frozenset({"member", "other_member", "staff"})
OWNER = frozenset({"volunteer"})
MEMBER = frozenset({"member"})
MEMBER_OR_STAFF = frozenset({"member", "staff"})
STAFF = frozenset({"staff"})
