"""The groups' background work on the job queue (marketplace/jobs.py)."""

from ..extensions import db
from ..jobs import crontab, periodic_task
from .services import release_unfilled


@periodic_task(crontab(minute="*/5"))
def release_unfilled_places() -> None:
    """Every five minutes: unfilled reserved places due back go to their shifts."""
    release_unfilled()
    db.session.commit()
