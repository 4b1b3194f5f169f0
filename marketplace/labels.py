"""Human names of the workflow states, in the user's language."""

from flask_babel import lazy_gettext as _l

from .models import (
    ApplicationStatus,
    Attendance,
    OrganizationKind,
    OrganizationStatus,
    PledgeKind,
)

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

ATTENDANCE_LABELS = {
    Attendance.ATTENDED: _l("Attended"),
    Attendance.NO_SHOW: _l("No-show"),
}

PLEDGE_KIND_LABELS = {
    PledgeKind.PLEDGE: _l("Pledge"),
    PledgeKind.DONATION: _l("Donation"),
}

# Where a volunteer heard of the marketplace (the `?source=` of a shared link);
# booth codes ("booth:<id>") are named after their organisation elsewhere.
SOURCE_LABELS = {
    "line": _l("LINE"),
    "social": _l("Social media"),
    "friend": _l("A friend"),
    "school": _l("School or university"),
}

# The part an organisation plays at the expo, in the order staff choose from.
KIND_LABELS = {
    OrganizationKind.PARTNER: _l("Partner organisation"),
    OrganizationKind.GIVING_PARTNER: _l("Giving partner"),
    OrganizationKind.INTERMEDIARY: _l("Intermediary organisation"),
    OrganizationKind.ORGANISER: _l("Expo organiser"),
}
