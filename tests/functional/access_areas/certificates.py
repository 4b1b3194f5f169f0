"""Who may use the certificates routes."""

from marketplace.certificates import services, signing
from marketplace.extensions import db
from marketplace.models import Organization
from tests import factories

from .roles import EVERYONE, OWNER, STAFF, VOLUNTEERS

MATRIX = {
    ("certificates.mine", "GET"): VOLUNTEERS,
    ("certificates.issue", "POST"): VOLUNTEERS,
    ("certificates.feedback", "GET"): OWNER,
    ("certificates.feedback", "POST"): OWNER,
    # Public: anyone with the code may see and check a certificate.
    ("certificates.certificate", "GET"): EVERYONE,
    ("certificates.verify_form", "GET"): EVERYONE,
    ("certificates.verify", "GET"): EVERYONE,
    ("certificates.revoke", "POST"): STAFF,
    ("api_certificates.feedback", "POST"): OWNER,
}


def extend_world(world: dict) -> None:
    """Give the volunteer attended hours and a certificate; its code is `code`."""
    volunteer = world["people"]["volunteer"]
    organization = db.session.get(Organization, world["organization_id"])
    factories.make_past_application(volunteer, organization, hours=2.5)
    certificate = services.issue_certificate(volunteer, None, "th")
    world["code"] = signing.code_for(certificate.serial)


def json_body(endpoint: str, world: dict, role: str) -> dict | None:
    """A valid JSON body for an API endpoint of the area, or None."""
    if endpoint == "api_certificates.feedback":
        return {"rating": 5, "would_volunteer_again": True, "active_citizen": True}
    return None


def form_body(endpoint: str, world: dict) -> dict | None:
    """Form fields a page of the area needs to reach its access decision."""
    return {
        "certificates.issue": {"scope": "all", "locale": "en"},
        "certificates.feedback": {
            "rating": "5",
            "would_volunteer_again": "yes",
            "active_citizen": "yes",
            "learned_skill": "no",
        },
        "certificates.revoke": {"reason": "ทดสอบการเพิกถอน"},
    }.get(endpoint)
