"""The queue's part of cover: offers expire and chains move on every minute."""

from ..extensions import db
from ..jobs import crontab, periodic_task
from ..models import utcnow
from .services import advance_cover_offers


@periodic_task(crontab(minute="*"))
def advance_offers() -> None:
    """Expire due offers (cover and floater) and offer each place to the next."""
    advance_cover_offers(utcnow())
    db.session.commit()
