"""Feedback after a shift, and issuing and revoking certificates of hours."""

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l

from ..audit import record_event
from ..errors import Conflict, NotFound, ValidationFailed
from ..extensions import db
from ..models import Application, Attendance, Certificate, Feedback, User, utcnow
from ..service_hours.services import unused_serial
from . import queries

MAX_COMMENT = 2000
MAX_REASON = 500


@dataclass
class FeedbackInput:
    """The volunteer's answers to the one-minute survey."""

    rating: int
    would_volunteer_again: bool
    active_citizen: bool
    learned_skill: bool = False
    comment: str = ""


def own_application(volunteer: User, application_id: int) -> Application:
    """The volunteer's own application; anyone else's is 404."""
    application = db.session.get(Application, application_id)
    if application is None or application.volunteer_id != volunteer.id:
        raise NotFound()
    return application


def require_attended(application: Application) -> None:
    """Feedback is about a shift the volunteer attended (409 otherwise)."""
    if application.attendance is not Attendance.ATTENDED:
        raise Conflict(
            "not_attended",
            str(
                _l(
                    "You can give feedback once the organisation has recorded "
                    "that you attended this shift."
                )
            ),
        )


def feedback_for(application: Application) -> Feedback | None:
    """The feedback already given on an application, if any."""
    return db.session.scalar(
        sa.select(Feedback).where(Feedback.application_id == application.id)
    )


def save_feedback(
    volunteer: User, application: Application, answers: FeedbackInput
) -> Feedback:
    """Record the survey; answering again updates the earlier answers."""
    if application.volunteer_id != volunteer.id:
        raise NotFound()
    require_attended(application)
    problems: dict[str, list[str]] = {}
    if not 1 <= answers.rating <= 5:
        problems["rating"] = [str(_l("Choose a rating from 1 to 5."))]
    comment = (answers.comment or "").strip()
    if len(comment) > MAX_COMMENT:
        problems["comment"] = [
            str(_l("Keep the comment under %(max)d characters.", max=MAX_COMMENT))
        ]
    if problems:
        raise ValidationFailed(fields=problems)
    feedback = feedback_for(application)
    updated = feedback is not None
    if feedback is None:
        feedback = Feedback(application_id=application.id)
        db.session.add(feedback)
    feedback.rating = answers.rating
    feedback.would_volunteer_again = answers.would_volunteer_again
    feedback.active_citizen = answers.active_citizen
    feedback.learned_skill = answers.learned_skill
    feedback.comment = comment
    db.session.flush()
    record_event(
        volunteer,
        "feedback.update" if updated else "feedback.create",
        feedback,
        application_id=application.id,
        rating=answers.rating,
    )
    return feedback


def issue_certificate(
    volunteer: User,
    organization_id: int | None,
    locale: str,
    now: datetime | None = None,
) -> Certificate:
    """Issue a certificate of the hours served so far (all, or one organisation)."""
    if locale not in current_app.config["LANGUAGES"]:
        raise ValidationFailed(fields={"locale": [str(_l("Choose Thai or English."))]})
    served = queries.hours_served(volunteer.id)
    if organization_id is None:
        hours, shifts = served.hours, served.shifts
        reported, reports = served.reported, served.reports
    else:
        line = served.for_organization(organization_id)
        if line is None:
            raise ValidationFailed(
                fields={
                    "scope": [
                        str(_l("You have no attended hours with this organisation."))
                    ]
                }
            )
        hours, shifts = line.hours, line.shifts
        reported, reports = line.reported, line.reports
    if shifts == 0 and reports == 0:
        raise Conflict(
            "no_hours",
            str(
                _l(
                    "You have no attended hours yet. Once an organisation records "
                    "your attendance, you can issue a certificate."
                )
            ),
        )
    certificate = Certificate(
        serial=unused_serial(),
        volunteer_id=volunteer.id,
        organization_id=organization_id,
        holder_name=volunteer.display_name,
        hours=hours,
        shifts=shifts,
        hours_reported=reported,
        locale=locale,
        issued_at=now or utcnow(),
    )
    db.session.add(certificate)
    db.session.flush()
    record_event(
        volunteer,
        "certificate.issue",
        certificate,
        serial=certificate.serial,
        organization_id=organization_id,
        hours=hours,
        shifts=shifts,
        hours_reported=reported,
    )
    return certificate


def revoke_certificate(
    staff: User, certificate: Certificate, reason: str, now: datetime | None = None
) -> None:
    """Withdraw a certificate (staff), with the reason the verify page shows."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            fields={"reason": [str(_l("Say why the certificate is revoked."))]}
        )
    if len(reason) > MAX_REASON:
        raise ValidationFailed(
            fields={
                "reason": [
                    str(_l("Keep the reason under %(max)d characters.", max=MAX_REASON))
                ]
            }
        )
    if certificate.revoked_at is not None:
        raise Conflict(
            "already_revoked", str(_l("This certificate is already revoked."))
        )
    certificate.revoked_at = now or utcnow()
    certificate.revoked_reason = reason
    record_event(
        staff,
        "certificate.revoke",
        certificate,
        serial=certificate.serial,
        reason=reason,
    )
