"""The queue's tasks for channels: send one delivery; sweep up lost ones."""

from huey.exceptions import RetryTask

from ..extensions import db
from ..jobs import crontab, periodic_task, task
from ..models import utcnow
from .delivery import MAX_ATTEMPTS, deliver_now, requeue_stale_deliveries


@task(retries=MAX_ATTEMPTS, retry_delay=30)
def deliver(key: str) -> str:
    """Send one delivery; on a temporary failure retry after its backoff delay."""
    outcome = deliver_now(key, utcnow())
    db.session.commit()
    if outcome.retry_in is not None:
        raise RetryTask(delay=outcome.retry_in.total_seconds())
    return outcome.status


@periodic_task(crontab(minute="*/5"))
def sweep_deliveries() -> int:
    """Every five minutes: enqueue again the deliveries whose enqueue was lost."""
    count = requeue_stale_deliveries(utcnow())
    db.session.commit()
    return count
