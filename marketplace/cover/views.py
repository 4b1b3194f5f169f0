"""Cover's pages: "Find someone to cover" and "I can come after all" (My shifts),
and "Release" for the organisation (applicants page)."""

from flask import Blueprint, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from .. import access
from ..access import role_required
from ..applications import services as workflow
from ..models import Role
from ..web import committing, safe_next
from . import services

bp = Blueprint("cover", __name__)


@bp.post("/me/applications/<int:application_id>/cover")
@role_required(Role.VOLUNTEER)
def ask(application_id: int):
    """Hand the place on: offered to others one at a time; still yours till taken."""
    done = _(
        "We are looking for someone to take your place. It stays yours until "
        "someone takes it: we will tell you."
    )
    with committing(done, kind="info"):
        services.ask_for_cover(current_user, application_id)
    return redirect(url_for("volunteers.my_shifts") + f"#application-{application_id}")


@bp.post("/me/applications/<int:application_id>/cover/cancel")
@role_required(Role.VOLUNTEER)
def keep(application_id: int):
    """ "I can come after all": stop looking for cover."""
    with committing(_("Good: the place is still yours. See you there!")):
        services.keep_place(current_user, application_id)
    return redirect(url_for("volunteers.my_shifts") + f"#application-{application_id}")


@bp.post("/manage/applications/<int:application_id>/release")
@role_required(Role.ORGANIZER)
def release(application_id: int):
    """The organisation lets a volunteer looking for cover go."""
    application = access.get_application_or_404(
        application_id, for_user=current_user, action=access.ACT
    )
    name = application.volunteer.display_name
    back = (
        url_for(
            "organizations.applicants", opportunity_id=application.shift.opportunity_id
        )
        + f"#shift-{application.shift_id}"
    )
    with committing(_("%(name)s is released; the waitlist moves up.", name=name)):
        workflow.release_application(current_user, application)
    return safe_next(request.form.get("back") or back)
