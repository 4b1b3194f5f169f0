"""Shift reminders: the day before a shift, its approved volunteers are reminded.

The queue runs `send_shift_reminders` every hour (no cron needed); `flask
send-reminders` runs the same service by hand. Each application is reminded once.
"""

from datetime import datetime, time, timedelta

import sqlalchemy as sa
import sqlalchemy.orm as so

from .channels.preferences import preload_choices
from .extensions import db
from .i18n import BANGKOK, to_bangkok
from .jobs import crontab, periodic_task
from .models import Application, ApplicationStatus, Shift, utcnow
from .notifications import about_application, notify


def queue_shift_reminders(now: datetime) -> int:
    """Remind approved volunteers of shifts starting tomorrow (Bangkok), once each.

    Returns how many reminders were queued; `reminded_at` keeps a second run from
    sending them again.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    tomorrow = to_bangkok(now).date() + timedelta(days=1)
    day_starts = datetime.combine(tomorrow, time.min, BANGKOK)
    day_ends = datetime.combine(tomorrow + timedelta(days=1), time.min, BANGKOK)
    applications = db.session.scalars(
        sa.select(Application)
        .join(Application.shift)
        .join(Shift.opportunity)
        .join(Application.volunteer)
        .where(
            Application.status == ApplicationStatus.APPROVED,
            Application.reminded_at.is_(None),
            Shift.starts_at >= day_starts,
            Shift.starts_at < day_ends,
        )
        .options(
            so.contains_eager(Application.shift).contains_eager(Shift.opportunity),
            so.contains_eager(Application.volunteer),
        )
        .order_by(Shift.starts_at, Application.id)
        # A concurrent run waits here, then no longer sees the rows reminded.
        .with_for_update(of=Application)
    ).all()
    # Everyone's channel choices in one query, not one per reminder.
    preload_choices([application.volunteer_id for application in applications])
    for application in applications:
        clock = to_bangkok(application.shift.starts_at).strftime("%H:%M")
        notify(
            application.volunteer,
            "shift_reminder",
            **about_application(application, time=clock),
        )
        application.reminded_at = now
    return len(applications)


@periodic_task(crontab(minute="7"))
def send_shift_reminders() -> None:
    """Every hour: remind tomorrow's volunteers (once each) and commit."""
    queue_shift_reminders(utcnow())
    db.session.commit()
