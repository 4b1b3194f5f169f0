"""Rate limits of the walk-in flow and the kiosk, per booth (organisation)."""

from flask import current_app, request, session

from ..extensions import limiter


def _booth() -> str:
    """Key by the booth: the organisation in the URL, else the kiosk's."""
    organization_id = (request.view_args or {}).get("organization_id")
    if organization_id is None:
        from .services import kiosk_for_secret

        kiosk = kiosk_for_secret(session.get("kiosk"))
        organization_id = kiosk.organization_id if kiosk else "none"
    return f"booth:{organization_id}"


# Sign-ups, applications, scans and code checks at one booth (phone and kiosk).
walk_in_limit = limiter.shared_limit(
    lambda: current_app.config["WALK_IN_LIMIT"],
    scope="walk-in",
    key_func=_booth,
    methods=["POST"],
)

# One-time codes sent from one booth's kiosk: each may become an e-mail.
phone_code_limit = limiter.shared_limit(
    lambda: current_app.config["WALK_IN_CODE_LIMIT"],
    scope="walk-in-codes",
    key_func=_booth,
    methods=["POST"],
)
