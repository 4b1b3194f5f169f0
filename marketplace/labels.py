"""Human names of the workflow states, in the user's language."""

from flask_babel import lazy_gettext as _l

from .models import ApplicationStatus, OrganizationStatus

STATUS_LABELS = {
    ApplicationStatus.INVITED: _l("Invited"),
    ApplicationStatus.PENDING: _l("Waiting for the organisation"),
    ApplicationStatus.ACCEPTED: _l("Accepted, waiting for staff approval"),
    ApplicationStatus.WAITLISTED: _l("On the waitlist"),
    ApplicationStatus.DECLINED: _l("Declined by the organisation"),
    ApplicationStatus.APPROVED: _l("Approved"),
    ApplicationStatus.REJECTED: _l("Not approved by staff"),
    ApplicationStatus.WITHDRAWN: _l("Withdrawn"),
    ApplicationStatus.INVITATION_DECLINED: _l("Invitation declined"),
    OrganizationStatus.PENDING: _l("Waiting for verification"),
    OrganizationStatus.VERIFIED: _l("Verified"),
    OrganizationStatus.REJECTED: _l("Not verified"),
}
