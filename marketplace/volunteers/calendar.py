"""The volunteer's shifts as iCalendar (RFC 5545), for phones to subscribe to."""

from collections.abc import Callable

from icalendar import Calendar, Event

from ..models import Application, ApplicationStatus, utcnow

IN_CALENDAR = frozenset(
    {
        ApplicationStatus.PENDING,
        ApplicationStatus.ACCEPTED,
        ApplicationStatus.WAITLISTED,
        ApplicationStatus.APPROVED,
    }
)


def build_calendar(
    applications: list[Application],
    name: str,
    link: Callable[[Application], str],
    status_label: Callable[[ApplicationStatus], str],
) -> bytes:
    """A calendar of the applications still in play; `link` gives each event's URL."""
    calendar = Calendar()
    calendar.add("prodid", "-//Good Society Expo//Marketplace//TH")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", "Asia/Bangkok")
    stamp = utcnow()
    for application in applications:
        if application.status not in IN_CALENDAR:
            continue
        shift = application.shift
        opportunity = shift.opportunity
        event = Event()
        event.add("uid", f"application-{application.id}@goodsociety-marketplace")
        event.add("dtstamp", stamp)
        event.add("dtstart", shift.starts_at)
        event.add("dtend", shift.ends_at)
        event.add("summary", opportunity.title)
        event.add(
            "description",
            f"{opportunity.organization.name_th} · {status_label(application.status)}",
        )
        event.add("location", opportunity.location_label or "Online")
        event.add("url", link(application))
        confirmed = application.status is ApplicationStatus.APPROVED
        event.add("status", "CONFIRMED" if confirmed else "TENTATIVE")
        calendar.add_component(event)
    return calendar.to_ical()
