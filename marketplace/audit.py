"""Writing the audit log."""

from typing import Any

from .extensions import db
from .models import AuditEvent, User


def record_event(actor: User | None, action: str, target: Any = None, **data) -> None:
    """Append an audit event: who did what to which object."""
    db.session.add(
        AuditEvent(
            actor_id=actor.id if actor is not None else None,
            action=action,
            target_type=type(target).__name__.lower() if target is not None else None,
            target_id=getattr(target, "id", None),
            data=data,
        )
    )
