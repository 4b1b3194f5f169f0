"""Floaters' pages: "I'm free now", offers (volunteers), short shifts (coordinators)."""

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from .. import access
from ..access import role_required
from ..extensions import db
from ..models import OfferKind, Role, User, utcnow
from ..privacy.services import log_staff_view
from ..recommendations import floater_pool, rank_floaters
from ..web import committing, safe_next
from . import services

bp = Blueprint("floaters", __name__)


# --- Volunteers ---------------------------------------------------------------------


@bp.get("/floor/free")
@role_required(Role.VOLUNTEER)
def free_now():
    """ "I'm free now" and the places offered to the volunteer, one tap to take."""
    now = utcnow()
    return render_template(
        "floaters/free.html",
        floater=services.floating(current_user, now),
        offers=services.offers_of(current_user, now),
        hours=services.FREE_HOURS,
        now=now,
    )


@bp.post("/floor/free")
@role_required(Role.VOLUNTEER)
def say_free():
    """Tell coordinators the volunteer is free for the next 1–4 hours."""
    hours = request.form.get("hours", type=int) or 0
    with committing(_("Coordinators can see you are free. Keep this page open.")):
        services.say_free(current_user, hours)
    return redirect(url_for(".free_now"))


@bp.post("/floor/free/stop")
@role_required(Role.VOLUNTEER)
def stop_floating():
    """The volunteer is no longer free."""
    with committing(_("You are no longer on the floaters' list."), kind="info"):
        services.stop_floating(current_user)
    return redirect(url_for(".free_now"))


@bp.post("/floor/offers/<int:offer_id>/accept")
@role_required(Role.VOLUNTEER)
def accept_offer(offer_id: int):
    """Take an offered place with one tap."""
    cover = services.get_own_offer(current_user, offer_id).kind is OfferKind.COVER
    done = (
        _("The place is yours. See you there!")
        if cover
        else _("The place is yours. Go to the shift now.")
    )
    with committing(done) as taken:
        services.accept_offer(current_user, offer_id)
    if taken:
        return redirect(url_for("volunteers.my_shifts"))
    return safe_next(request.form.get("back"), "floaters.free_now")


@bp.post("/floor/offers/<int:offer_id>/decline")
@role_required(Role.VOLUNTEER)
def decline_offer(offer_id: int):
    """Say no to an offered place."""
    with committing(_("Offer declined."), kind="info"):
        services.decline_offer(current_user, offer_id)
    return safe_next(request.form.get("back"), "floaters.free_now")


# --- Coordinators -------------------------------------------------------------------


@bp.get("/floor/floaters")
@role_required(Role.ORGANIZER)
def gaps():
    """Short shifts (now and the next hours) with the floaters ranked for each."""
    gaps = services.short_shifts(current_user)
    page = render_template("floaters/gaps.html", gaps=gaps)
    shown = {item.volunteer.id for items in _ranked_cache().values() for item in items}
    if log_staff_view(current_user, "floaters", sorted(shown)):
        db.session.commit()
    return page


@bp.post("/floor/shifts/<int:shift_id>/offers")
@role_required(Role.ORGANIZER)
def send_offer(shift_id: int):
    """Offer a floater a place on a short shift; it expires after a while."""
    shift = access.get_shift_or_404(
        shift_id, for_user=current_user, action=access.COORDINATE
    )
    volunteer_id = request.form.get("volunteer_id", type=int) or 0
    volunteer = db.session.get(User, volunteer_id) if 0 < volunteer_id < 2**31 else None
    sent = (
        _("Offer sent to %(name)s.", name=volunteer.display_name) if volunteer else ""
    )
    with committing(sent):
        services.send_offer(current_user, shift, volunteer)
    return safe_next(request.form.get("back"), "floaters.gaps")


# --- The partial other pages include (the coverage board) ---------------------------


def _ranked_cache() -> dict:
    if "floaters_ranked" not in g:
        g.floaters_ranked = {}
    return g.floaters_ranked


def floaters_for_gap(shift) -> list:
    """The floaters for a short shift, best first; the pool is read once a request."""
    cache = _ranked_cache()
    if shift.id not in cache:
        now = utcnow()
        if "floaters_pool" not in g:
            g.floaters_pool = floater_pool(now)
        cache[shift.id] = rank_floaters(g.floaters_pool, shift, now, str(get_locale()))
    return cache[shift.id]


def may_offer(shift) -> bool:
    """Whether the current user may offer places on the shift (members, staff).

    Asked once per organisation a request: the board lists many of its shifts.
    """
    if not current_user.is_authenticated:
        return False
    answers = g.setdefault("may_offer_floaters", {})
    organization_id = shift.opportunity.organization_id
    if organization_id not in answers:
        answers[organization_id] = access.can_coordinate(current_user, shift)
    return answers[organization_id]


@bp.record_once
def _register_globals(state) -> None:
    state.app.jinja_env.globals.update(
        floaters_for_gap=floaters_for_gap, may_offer_floaters=may_offer
    )
