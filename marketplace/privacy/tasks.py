"""Privacy work the job queue runs on a schedule."""

from datetime import datetime

from flask import current_app

from ..extensions import db
from ..jobs import crontab, periodic_task
from ..models import utcnow
from . import services


def purge_inactive_now(now: datetime | None = None) -> services.PurgeReport:
    """Erase the accounts inactive for RETENTION_DAYS, and commit (the daily task)."""
    report = services.purge_inactive(
        current_app.config["RETENTION_DAYS"], now=now or utcnow()
    )
    db.session.commit()
    return report


# Daily at 03:30 in Bangkok (20:30 UTC: the queue keeps UTC), when few people are
# signed in; the same service as `flask purge-inactive`.
@periodic_task(crontab(minute="30", hour="20"))
def purge_inactive_task() -> None:
    """Erase accounts unused for the retention period (never staff)."""
    purge_inactive_now()
