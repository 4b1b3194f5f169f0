"""e-Donation pages: the admins' form, the QR image, staff checks, pledges received."""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from .. import access
from ..access import staff_required
from ..extensions import db
from ..models import EDonationStatus, Pledge, Role
from ..web import committing
from . import services
from .forms import EDonationForm, RejectDetailsForm

bp = Blueprint("edonation", __name__)

QR_MAX_AGE = 300  # seconds a browser may reuse the QR image before asking again


@bp.route("/organizations/<int:organization_id>/e-donation", methods=["GET", "POST"])
@access.role_required(Role.ORGANIZER)
def details(organization_id: int):
    """The organisation's e-Donation details (admins), and pledges it received."""
    organization = access.get_organization_or_404(
        organization_id, for_user=current_user, action=access.VIEW
    )
    current = services.details_of(organization.id)
    form = EDonationForm(obj=current)
    may_edit = access.may(current_user, access.ADMIN, organization)
    if form.validate_on_submit():
        upload = form.qr_image.data
        with committing(form=form) as saved:
            services.submit_details(
                current_user,
                organization,
                form.tax_id.data or "",
                upload.read() if upload else None,
            )
        if saved:
            flash(
                _(
                    "%(name)s: your e-Donation details were sent to the expo staff "
                    "to check.",
                    name=organization.name(str(get_locale())),
                ),
                "success",
            )
            return redirect(url_for(".details", organization_id=organization.id))
    return render_template(
        "edonation/details.html",
        organization=organization,
        current=current,
        form=form,
        may_edit=may_edit,
        is_member=access.may(current_user, access.ACT, organization),
        pledges=services.pledges_to(organization),
    ), (422 if form.errors else 200)


@bp.get("/organizations/<int:organization_id>/e-donation/qr.png")
def qr_image(organization_id: int):
    """The QR image: public once verified; before, its members and staff only."""
    current = services.details_of(organization_id)
    if current is None:
        abort(404)
    if not current.is_verified:
        organization = current.organization
        if not (
            current_user.is_authenticated
            and (current_user.is_staff or access.is_member(current_user, organization))
        ):
            abort(404)
    response = Response(current.qr_png, mimetype="image/png")
    response.set_etag(current.qr_sha256)
    response.cache_control.max_age = QR_MAX_AGE
    response.cache_control.public = current.is_verified
    response.cache_control.private = not current.is_verified
    return response.make_conditional(request)


@bp.get("/staff/e-donation")
@staff_required
def review_queue():
    """Staff check organisations' e-Donation details, pending first."""
    try:
        status = EDonationStatus(request.args.get("status", "pending"))
    except ValueError:
        status = EDonationStatus.PENDING
    return render_template(
        "edonation/review.html",
        status=status,
        statuses=list(EDonationStatus),
        rows=services.review_queue(status),
        reject_form=RejectDetailsForm(),
    )


def _details_or_404(organization_id: int):
    current = services.details_of(organization_id)
    if current is None:
        abort(404)
    return current


@bp.post("/staff/e-donation/<int:organization_id>/verify")
@staff_required
def verify(organization_id: int):
    """Staff verify the details: donors see them from now on."""
    current = _details_or_404(organization_id)
    name = current.organization.name(str(get_locale()))
    with committing(_("%(name)s: e-Donation details verified.", name=name)):
        services.verify_details(current_user, current)
    return redirect(url_for(".review_queue"))


@bp.post("/staff/e-donation/<int:organization_id>/reject")
@staff_required
def reject(organization_id: int):
    """Staff refuse the details with a reason the organisation sees."""
    current = _details_or_404(organization_id)
    form = RejectDetailsForm()
    name = current.organization.name(str(get_locale()))
    if not form.validate_on_submit():
        flash(_("Give a reason."), "danger")
        return redirect(url_for(".review_queue"))
    with committing(_("%(name)s: e-Donation details not verified.", name=name)):
        services.reject_details(current_user, current, form.reason.data or "")
    return redirect(url_for(".review_queue"))


@bp.post("/pledges/<int:pledge_id>/fulfilled")
@login_required
def fulfilled(pledge_id: int):
    """The receiving organisation marks a pledge received through e-Donation."""
    pledge = db.session.get(Pledge, pledge_id)
    if pledge is None or pledge.organization is None:
        abort(404)
    if not access.may(current_user, access.VIEW, pledge.organization):
        abort(404)
    with committing(_("Marked as received through e-Donation.")):
        services.mark_fulfilled(current_user, pledge)
    return redirect(url_for(".details", organization_id=pledge.organization_id))
