"""Where visitors come from: a partner's booth QR code, remembered in the session.

Scanning `/expo/booth/<id>` stores "booth:<id>" in the visitor's session. When that
visitor registers, or applies to a shift, listeners on the User and Application
inserts copy it onto `User.signup_source` / `Application.source`, so the auth and
applications code need not know about booths.
"""

import sqlalchemy as sa
from flask import g, has_request_context, session

from ..models import Application, User

SESSION_KEY = "impact_source"
MAX_LENGTH = 80


def booth_source(organization_id: int) -> str:
    """The source recorded for visitors who scanned an organisation's booth code."""
    return f"booth:{organization_id}"


def remember_source(source: str) -> None:
    """Keep the visitor's source in the session (the latest scan wins)."""
    session[SESSION_KEY] = source[:MAX_LENGTH]


def current_source() -> str | None:
    """The source kept in this request's session, if any."""
    if not has_request_context():
        return None
    source = session.get(SESSION_KEY)
    return source if isinstance(source, str) and source else None


def _record_signup_source(mapper, connection, user: User) -> None:
    if user.signup_source is None:
        user.signup_source = current_source()


def _record_application_source(mapper, connection, application: Application) -> None:
    """Only the volunteer's own application carries their source (not invitations)."""
    if application.source is not None:
        return
    source = current_source()
    if source is None:
        return
    # Read the logged-in user without loading it: no queries inside a flush.
    caller = g.get("_login_user")
    volunteer_id = application.volunteer_id or getattr(
        application.volunteer, "id", None
    )
    if caller is not None and getattr(caller, "id", None) == volunteer_id:
        application.source = source


def register_listeners() -> None:
    """Listen to User and Application inserts (once per process)."""
    if not sa.event.contains(User, "before_insert", _record_signup_source):
        sa.event.listen(User, "before_insert", _record_signup_source)
    if not sa.event.contains(Application, "before_insert", _record_application_source):
        sa.event.listen(Application, "before_insert", _record_application_source)
