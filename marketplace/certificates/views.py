"""Feedback surveys, certificates of hours and their public verify page."""

import segno
from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from wtforms import SelectChoice

from ..access import role_required, staff_required
from ..errors import DomainError
from ..i18n import format_day, format_hours
from ..links import public_url
from ..models import Application, Certificate, Role, ServiceRecord
from ..service_hours.services import record_by_code, withdrawals
from ..web import committing
from . import queries, services, signing
from .forms import FeedbackForm, IssueForm, RevokeForm, VerifyForm

bp = Blueprint("certificates", __name__)

ALL = "all"


@bp.app_template_global()
def feedback_answered(applications: list[Application]) -> set[int]:
    """Ids of the applications that have feedback (for the my shifts page)."""
    return queries.answered([a.id for a in applications if a.attendance])


def _issue_form(served: queries.HoursServed) -> IssueForm:
    form = IssueForm()
    locale = str(get_locale())
    form.scope.choices = [
        SelectChoice(
            ALL,
            _(
                "All organisations (%(duration)s)",
                duration=format_hours(served.hours, locale),
            ),
        )
    ] + [
        SelectChoice(
            str(line.organization.id),
            f"{line.organization.name(locale)} ({format_hours(line.hours, locale)})",
        )
        for line in served.by_organization
    ]
    if request.method == "GET":
        form.scope.data = ALL
        form.locale.data = str(get_locale())
    return form


def _render_mine(form: IssueForm, served: queries.HoursServed, status: int = 200):
    return render_template(
        "certificates/mine.html",
        form=form,
        served=served,
        awaiting=queries.awaiting_feedback(current_user.id),
        certificates=queries.certificates_of(current_user.id),
        code_for=signing.code_for,
    ), status


@bp.get("/me/certificates")
@role_required(Role.VOLUNTEER)
def mine():
    """Hours served, shifts awaiting feedback, and the volunteer's certificates."""
    served = queries.hours_served(current_user.id)
    return _render_mine(_issue_form(served), served)


@bp.post("/me/certificates")
@role_required(Role.VOLUNTEER)
def issue():
    """Issue a certificate of the hours served so far."""
    served = queries.hours_served(current_user.id)
    form = _issue_form(served)
    if not form.validate_on_submit():
        return _render_mine(form, served, 422)
    organization_id = None if form.scope.data == ALL else int(form.scope.data)
    ready = _("Your certificate is ready. Print it or share its code.")
    with committing(ready, form=form) as issued:
        certificate = services.issue_certificate(
            current_user, organization_id, form.locale.data
        )
    if issued:
        code = signing.code_for(certificate.serial)
        return redirect(url_for(".certificate", code=code))
    return _render_mine(form, served, 422)  # the form says why


@bp.route("/me/applications/<int:application_id>/feedback", methods=["GET", "POST"])
@role_required(Role.VOLUNTEER)
def feedback(application_id: int):
    """The one-minute survey after an attended shift (answering again updates it)."""
    application = services.own_application(current_user, application_id)
    try:
        services.require_attended(application)
    except DomainError as error:
        return render_template(
            "certificates/feedback.html",
            application=application,
            form=None,
            problem=error.message,
        ), error.status
    existing = services.feedback_for(application)
    form = FeedbackForm()
    if request.method == "GET" and existing is not None:
        form.rating.data = str(existing.rating)
        for name in ("would_volunteer_again", "active_citizen", "learned_skill"):
            getattr(form, name).data = "yes" if getattr(existing, name) else "no"
        form.comment.data = existing.comment
    if form.validate_on_submit():
        answers = services.FeedbackInput(
            rating=int(form.rating.data),
            would_volunteer_again=form.would_volunteer_again.data == "yes",
            active_citizen=form.active_citizen.data == "yes",
            learned_skill=form.learned_skill.data == "yes",
            comment=form.comment.data or "",
        )
        thanks = _("Thank you! Your feedback helps the expo measure its impact.")
        with committing(thanks, form=form) as saved:
            services.save_feedback(current_user, application, answers)
        if saved:
            return redirect(url_for(".mine"))
    status = 422 if form.errors else 200
    return render_template(
        "certificates/feedback.html",
        application=application,
        form=form,
        existing=existing,
        problem=None,
    ), status


def _not_valid(code: str):
    """The answer for a code that is forged, mistyped or of no certificate."""
    return render_template(
        "certificates/verify.html",
        form=VerifyForm(data={"code": code}),
        certificate=None,
        code=code,
        checked=True,
    ), 404


@bp.get("/certificates/<code>")
def certificate(code: str):
    """The printable A4 certificate (anyone with the code)."""
    found = queries.certificate_by_code(code)
    if found is None:
        record = record_by_code(code)
        if record is not None:
            return redirect(
                url_for(
                    "service_hours.printable",
                    record_code=signing.code_for(record.serial),
                )
            )
        return _not_valid(code)
    code = signing.code_for(found.serial)
    verify_url = public_url("certificates.verify", code=code)
    qr = segno.make(verify_url, error="m").svg_data_uri(scale=4, border=2)
    with force_locale(found.locale):
        body = render_template(
            "certificates/_certificate.html",
            certificate=found,
            code=code,
            verify_url=verify_url,
            qr=qr,
            issued_on=format_day(found.issued_at, "long", found.locale),
        )
    # The body is a template Jinja rendered with autoescape: already safe HTML.
    safe_body = Markup(body)  # noqa: S704  # nosec B704
    return render_template(
        "certificates/certificate.html", certificate=found, code=code, body=safe_body
    )


@bp.get("/verify")
def verify_form():
    """Type a code to check a certificate."""
    form = VerifyForm(request.args)
    if request.args and form.validate():
        return redirect(url_for(".verify", code=signing.normalize(form.code.data)))
    return render_template(
        "certificates/verify.html",
        form=form,
        certificate=None,
        code=None,
        checked=False,
    ), (422 if request.args else 200)


@bp.get("/verify/<code>")
def verify(code: str):
    """Say whether a certificate is valid, revoked, or not a certificate at all."""
    found = queries.certificate_by_code(code)
    if found is None:
        record = record_by_code(code)
        if record is None:
            return _not_valid(code)
        return _verify_record(record)
    show_revoke = (
        current_user.is_authenticated
        and current_user.is_staff
        and found.revoked_at is None
    )
    return render_template(
        "certificates/verify.html",
        form=VerifyForm(data={"code": ""}),
        certificate=found,
        code=signing.code_for(found.serial),
        checked=True,
        revoke_form=RevokeForm() if show_revoke else None,
    )


def _verify_record(record: ServiceRecord):
    """A service-hour record: valid with its totals, revoked, and what was withdrawn."""
    show_revoke = (
        current_user.is_authenticated
        and current_user.is_staff
        and record.revoked_at is None
    )
    return render_template(
        "certificates/verify.html",
        form=VerifyForm(data={"code": ""}),
        certificate=None,
        record=record,
        withdrawals=withdrawals(record),
        code=signing.code_for(record.serial),
        checked=True,
        revoke_form=RevokeForm() if show_revoke else None,
    )


@bp.post("/certificates/<code>/revoke")
@staff_required
def revoke(code: str):
    """Revoke a certificate with a reason (staff)."""
    found: Certificate | None = queries.certificate_by_code(code)
    if found is None:
        abort(404)
    form = RevokeForm()
    back = redirect(url_for(".verify", code=signing.code_for(found.serial)))
    if not form.validate_on_submit():
        for messages in form.errors.values():
            for message in messages:
                flash(message, "danger")
        return back
    revoked = _(
        "The certificate of %(name)s (%(code)s) is revoked.",
        name=found.holder_name,
        code=signing.code_for(found.serial),
    )
    with committing(revoked, kind="info"):
        services.revoke_certificate(current_user, found, form.reason.data)
    return back
