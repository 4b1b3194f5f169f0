"""The queue's tasks for channels: send one delivery; sweep up lost ones; the outbox.

Tasks return nothing, so huey keeps no result for them (the Delivery row is the
record).
"""

from flask import current_app
from huey.exceptions import RetryTask

from ..extensions import db
from ..jobs import crontab, periodic_task, task
from ..mail import deliver_outbox
from ..models import utcnow
from .delivery import MAX_ATTEMPTS, deliver_now, requeue_stale_deliveries

# Account e-mails (password reset, walk-in sign-up) sent per minute at most.
OUTBOX_BATCH = 200


@task(retries=MAX_ATTEMPTS, retry_delay=30)
def deliver(key: str) -> None:
    """Send one delivery; on a temporary failure retry after its backoff delay."""
    outcome = deliver_now(key, utcnow())
    db.session.commit()
    if outcome.retry_in is not None:
        raise RetryTask(delay=outcome.retry_in.total_seconds())


@periodic_task(crontab(minute="*"))
def sweep_deliveries() -> None:
    """Every minute: enqueue again the deliveries whose enqueue was lost."""
    requeue_stale_deliveries(utcnow())
    db.session.commit()


@periodic_task(crontab(minute="*"))
def send_outbox() -> None:
    """Every minute: the account e-mails of `queue_email` (no cron needed)."""
    deliver_outbox(current_app.config, limit=OUTBOX_BATCH)
    db.session.commit()
