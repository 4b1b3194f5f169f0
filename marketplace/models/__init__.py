"""The data model, one module per aggregate; imported here so Alembic sees all."""

from .application import HOLDS_SPOT, Application, ApplicationStatus, Attendance
from .audit import AuditEvent, EmailOutbox, Notification
from .floor import Floater, Offer, OfferKind, OfferStatus, ShiftLead
from .impact import (
    Certificate,
    Feedback,
    Outcome,
    OutcomeComment,
    OutcomeEndorsement,
    OutcomeRound,
    OutcomeSource,
    OutcomeStatus,
    Pledge,
    PledgeKind,
    ReportedValue,
    RoundStatus,
)
from .opportunity import (
    ApprovalMode,
    Opportunity,
    OpportunitySkill,
    OpportunityStatus,
    Shift,
)
from .organization import (
    MemberRole,
    Membership,
    MembershipStatus,
    Organization,
    OrganizationKind,
    OrganizationStatus,
)
from .profile import AvailabilityWindow, VolunteerProfile
from .proposal import ProposalRun, RunStatus
from .question import Question, QuestionKind
from .service_hours import (
    CertifierRole,
    ReportedHours,
    ReportStatus,
    ServiceRecord,
    ServiceRecordItem,
)
from .taxonomy import Cause, Skill
from .types import utcnow
from .user import ApiToken, Consent, ConsentPurpose, RecoveryCode, Role, User
from .walkin import Kiosk, PhoneCode, WalkIn

__all__ = [
    "Floater",
    "Offer",
    "OfferKind",
    "OfferStatus",
    "Question",
    "QuestionKind",
    "RoundStatus",
    "ReportedValue",
    "PledgeKind",
    "Pledge",
    "OutcomeStatus",
    "OutcomeSource",
    "OutcomeRound",
    "OutcomeEndorsement",
    "OutcomeComment",
    "Outcome",
    "Feedback",
    "Certificate",
    "HOLDS_SPOT",
    "ApiToken",
    "Application",
    "ApplicationStatus",
    "ApprovalMode",
    "Attendance",
    "AuditEvent",
    "AvailabilityWindow",
    "Cause",
    "Consent",
    "EmailOutbox",
    "ConsentPurpose",
    "MemberRole",
    "Membership",
    "MembershipStatus",
    "Notification",
    "Opportunity",
    "OpportunitySkill",
    "OpportunityStatus",
    "Organization",
    "ProposalRun",
    "RecoveryCode",
    "OrganizationKind",
    "OrganizationStatus",
    "Role",
    "RunStatus",
    "Shift",
    "ShiftLead",
    "Skill",
    "User",
    "VolunteerProfile",
    "utcnow",
    "Kiosk",
    "PhoneCode",
    "WalkIn",
    "CertifierRole",
    "ReportedHours",
    "ReportStatus",
    "ServiceRecord",
    "ServiceRecordItem",
]
