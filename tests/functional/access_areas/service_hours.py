"""Who may use the hours-that-count routes (issue 15).

Volunteers report hours and sign their records; the organisation's members review
and withdraw; anyone with a record's code sees it (as certificates); staff revoke.
"""

from marketplace.certificates import signing
from marketplace.extensions import db
from marketplace.models import Organization
from marketplace.service_hours import services
from tests import factories

from .roles import EVERYONE, MEMBER, STAFF, VOLUNTEERS

MATRIX = {
    ("service_hours.mine", "GET"): VOLUNTEERS,
    ("service_hours.report", "POST"): VOLUNTEERS,
    ("service_hours.review_queue", "GET"): MEMBER,
    ("service_hours.review", "POST"): MEMBER,
    ("service_hours.withdraw_report", "POST"): MEMBER,
    ("service_hours.withdraw_attendance", "POST"): MEMBER,
    ("service_hours.record_page", "GET"): VOLUNTEERS,
    ("service_hours.issue_record", "POST"): VOLUNTEERS,
    # Public: anyone with the code may see a record, as a certificate.
    ("service_hours.printable", "GET"): EVERYONE,
    ("service_hours.record_csv", "GET"): EVERYONE,
    ("service_hours.revoke_record", "POST"): STAFF,
    ("api_service_hours.service_record", "GET"): VOLUNTEERS,
}


def extend_world(world: dict) -> None:
    """Hours the volunteer reported (`report_id`) and a signed record."""
    volunteer = world["people"]["volunteer"]
    organization = db.session.get(Organization, world["organization_id"])
    member = world["people"]["member"]
    factories.make_reported_hours(volunteer, organization, approved_by=member)
    world["report_id"] = factories.make_reported_hours(volunteer, organization).id
    first, last = services.academic_year_of(services.today())
    record = services.issue_record(volunteer, first, last, "th")
    world["record_code"] = signing.code_for(record.serial)


def json_body(endpoint: str, world: dict, role: str) -> dict | None:
    """A valid JSON body for an API endpoint of the area, or None."""
    return None


def form_body(endpoint: str, world: dict) -> dict | None:
    """Form fields a page of the area needs to reach its access decision."""
    today = services.today()
    return {
        "service_hours.report": {
            "organization_id": str(world["organization_id"]),
            "day": today.isoformat(),
            "hours": "1",
            "activity": "ช่วยจัดของ",
        },
        "service_hours.review": {"decision": "approve"},
        "service_hours.withdraw_report": {"reason": "ทดสอบ"},
        "service_hours.withdraw_attendance": {"reason": "ทดสอบ"},
        "service_hours.issue_record": {
            "locale": "th",
            "start": today.replace(day=1).isoformat(),
            "end": today.isoformat(),
        },
        "service_hours.revoke_record": {"reason": "ทดสอบการเพิกถอน"},
    }.get(endpoint)
