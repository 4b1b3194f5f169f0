"""The data model, one module per aggregate; imported here so Alembic sees all."""

from .application import HOLDS_SPOT, Application, ApplicationStatus, Attendance
from .audit import AuditEvent, EmailOutbox, Notification
from .channels import ChannelPreference, Delivery, DeliveryStatus
from .conversation import (
    Audience,
    ConversationRead,
    MessageKind,
    MessageRecipient,
    ShiftMessage,
)
from .edonation import EDonation, EDonationStatus
from .floor import Floater, Offer, OfferKind, OfferStatus, ShiftLead
from .group import (
    Group,
    GroupKind,
    GroupMember,
    GroupPlace,
    GroupReservation,
    ReservationStatus,
)
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
from .line import LineAccount, LinePushCount, LineWebhookEvent
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
    "EDonation",
    "EDonationStatus",
    "ChannelPreference",
    "Delivery",
    "DeliveryStatus",
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
    "LineAccount",
    "LinePushCount",
    "LineWebhookEvent",
    "Group",
    "GroupKind",
    "GroupMember",
    "GroupPlace",
    "GroupReservation",
    "ReservationStatus",
    "Audience",
    "ConversationRead",
    "MessageKind",
    "MessageRecipient",
    "ShiftMessage",
    "CertifierRole",
    "ReportedHours",
    "ReportStatus",
    "ServiceRecord",
    "ServiceRecordItem",
]
