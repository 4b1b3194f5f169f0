"""Walk-in at a booth: the phone flow from the booth QR code, and kiosk mode.

Phone: booth QR → the partner's shifts with room → one form → the code to show.
Kiosk: a member starts it for their organisation on the booth's tablet, which is
logged out and holds only the kiosk's secret; the same flow for one person after
another, reset after each, and returning volunteers found by their My shifts QR
code or by phone number plus a one-time code. Every response is `no-store`.
"""

import time
from functools import wraps

from flask import (
    Blueprint,
    Response,
    abort,
    g,
    redirect,
    render_template,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from .. import access
from ..access import role_required
from ..auth.limits import registration_limit
from ..auth.sessions import start_session
from ..errors import ValidationFailed
from ..extensions import db, login_manager
from ..impact.funnel import KIOSK_PREFIX
from ..impact.sources import booth_source
from ..models import ConsentPurpose, Organization, Role, User, WalkIn, utcnow
from ..web import committing, show_field_errors
from . import services
from .forms import ConfirmForm, PhoneCodeForm, PhoneForm, ScanForm, WalkInForm
from .limits import phone_code_limit, walk_in_limit

bp = Blueprint("walkin", __name__)

KIOSK = "kiosk"
KIOSK_PERSON = "kiosk_person"
KIOSK_CODE = "kiosk_code"
KIOSK_DONE = "kiosk_done"
PHONE_DONE = "walk_in_done"
# A returning volunteer found at the kiosk stays found this long (seconds).
PERSON_SECONDS = 300


@bp.after_request
def _no_store(response: Response) -> Response:
    """Nothing of a person stays in the browser's cache or back-button history."""
    response.headers["Cache-Control"] = "no-store"
    return response


def kiosk_source(organization_id: int) -> str:
    """The source recorded for sign-ups at an organisation's kiosk."""
    return f"{KIOSK_PREFIX}{organization_id}"


def _booth(organization_id: int) -> Organization:
    organization = db.session.get(Organization, organization_id)
    if organization is None or not organization.is_verified:
        abort(404)
    return organization


def _walk_in_input(form: WalkInForm) -> services.WalkInInput:
    return services.WalkInInput(
        display_name=form.display_name.data or "",
        phone=form.phone.data or "",
        email=form.email.data or "",
        date_of_birth=form.date_of_birth.data,
        guardian_name=form.guardian_name.data or "",
        guardian_contact=form.guardian_contact.data or "",
        guardian_consent=bool(form.guardian_consent.data),
        locale=str(get_locale()),
        consents={
            ConsentPurpose.TERMS: bool(form.accept_terms.data),
            ConsentPurpose.MATCHING: bool(form.consent_matching.data),
        },
    )


# --- The phone flow ----------------------------------------------------------------


@bp.get("/expo/walk-in/<int:organization_id>")
def shifts(organization_id: int):
    """Screen 1: the partner's shifts today and during the expo that have room."""
    organization = _booth(organization_id)
    return render_template(
        "walkin/shifts.html",
        organization=organization,
        shifts=services.booth_shifts(organization),
        kiosk=None,
        now=utcnow(),
    )


@bp.route(
    "/expo/walk-in/<int:organization_id>/shifts/<int:booth_shift_id>",
    methods=["GET", "POST"],
)
@registration_limit
@walk_in_limit
def sign_up(organization_id: int, booth_shift_id: int):
    """Screen 2: name, phone, age and consents (or one button when logged in)."""
    organization = _booth(organization_id)
    now = utcnow()
    shift = services.booth_shift(organization, booth_shift_id, now)
    if current_user.is_authenticated and not current_user.is_volunteer:
        abort(403)  # members sign people up through the kiosk, never as themselves
    source = booth_source(organization.id)
    if current_user.is_authenticated:
        form = ConfirmForm()
        if form.validate_on_submit():
            with committing(form=form) as applied:
                walk_in = services.apply_walk_in(
                    current_user, organization, shift.id, source, returning=True
                )
            if applied:
                session[PHONE_DONE] = walk_in.id
                return redirect(url_for(".done"))
        return render_template(
            "walkin/sign_up.html", organization=organization, shift=shift, form=form
        )
    form = WalkInForm()
    if form.validate_on_submit():
        with committing(form=form) as applied:
            user = services.create_walk_in_account(_walk_in_input(form), source, now)
            walk_in = services.apply_walk_in(user, organization, shift.id, source)
            services.send_password_link(user)
        if applied:
            start_session(user)
            session[PHONE_DONE] = walk_in.id
            return redirect(url_for(".done"))
    return render_template(
        "walkin/sign_up.html", organization=organization, shift=shift, form=form
    )


@bp.get("/expo/walk-in/done")
def done():
    """Screen 3: the code to show at the booth, and a link to set a password."""
    walk_in = services.walk_in_for_code(session.get(PHONE_DONE))
    if walk_in is None or not current_user.is_authenticated:
        return redirect(url_for("main.index"))
    if walk_in.user_id != current_user.id:
        session.pop(PHONE_DONE, None)
        return redirect(url_for("main.index"))
    password_link = None
    if not current_user.password_hash:
        password_link = services.password_link(current_user)
    return render_template(
        "walkin/done.html",
        walk_in=walk_in,
        application=_application(walk_in),
        password_link=password_link,
        kiosk=None,
    )


def _application(walk_in: WalkIn):
    from ..models import Application

    return db.session.get(Application, walk_in.application_id)


# --- Kiosk mode ----------------------------------------------------------------------


@bp.post("/manage/organizations/<int:organization_id>/kiosk")
@role_required(Role.ORGANIZER)
def start_kiosk(organization_id: int):
    """A member turns this browser into the organisation's booth kiosk."""
    organization = access.get_organization_or_404(
        organization_id, for_user=current_user, action=access.ACT
    )
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    kiosk, secret = services.start_kiosk(current_user, organization)
    db.session.commit()
    # The tablet is logged out: it holds the kiosk's secret and nothing else.
    locale = session.get("locale")
    logout_user()
    session.clear()
    if locale:
        session["locale"] = locale
    session[KIOSK] = secret
    return redirect(url_for(".kiosk_home"))


def kiosk_required(view):
    """Let through only a browser holding a live kiosk's secret (g.kiosk)."""

    @wraps(view)
    def wrapped(*args, **kwargs):
        kiosk = services.kiosk_for_secret(session.get(KIOSK))
        if kiosk is None or current_user.is_authenticated:
            if current_user.is_authenticated:
                abort(403)
            return login_manager.unauthorized()
        g.kiosk = kiosk
        g.kiosk_organization = db.session.get(Organization, kiosk.organization_id)
        return view(*args, **kwargs)

    return wrapped


def _reset_kiosk() -> None:
    """Forget the person: keep only the kiosk's secret and the language."""
    kept = {key: session[key] for key in (KIOSK, "locale") if key in session}
    session.clear()
    session.update(kept)


def _kiosk_person() -> User | None:
    found = session.get(KIOSK_PERSON)
    if not isinstance(found, dict) or not isinstance(found.get("at"), int):
        return None
    if time.time() - found["at"] > PERSON_SECONDS:
        return None
    user = db.session.get(User, found.get("u") or 0)
    if user is None or user.erased_at is not None or not user.is_volunteer:
        return None
    return user


def _found(user: User) -> None:
    _reset_kiosk()
    session[KIOSK_PERSON] = {"u": user.id, "at": int(time.time())}


@bp.get("/expo/kiosk")
@kiosk_required
def kiosk_home():
    """The kiosk's start screen: the shifts, and ways in for returning volunteers."""
    organization = g.kiosk_organization
    return render_template(
        "walkin/shifts.html",
        organization=organization,
        shifts=services.booth_shifts(organization),
        kiosk=g.kiosk,
        person=_kiosk_person(),
        scan_form=ScanForm(formdata=None),
        phone_form=PhoneForm(formdata=None),
        now=utcnow(),
    )


@bp.route("/expo/kiosk/shifts/<int:booth_shift_id>", methods=["GET", "POST"])
@kiosk_required
@walk_in_limit
def kiosk_sign_up(booth_shift_id: int):
    """The same form at the kiosk; a returning volunteer just confirms."""
    organization = g.kiosk_organization
    now = utcnow()
    shift = services.booth_shift(organization, booth_shift_id, now)
    source = kiosk_source(organization.id)
    person = _kiosk_person()
    form = ConfirmForm() if person is not None else WalkInForm()
    if form.validate_on_submit():
        with committing(form=form) as applied:
            returning = person is not None
            user = person or services.create_walk_in_account(
                _walk_in_input(form), source, now
            )
            walk_in = services.apply_walk_in(
                user, organization, shift.id, source, g.kiosk, returning, now
            )
            if not returning:
                services.send_password_link(user)
        if applied:
            _reset_kiosk()
            session[KIOSK_DONE] = walk_in.id
            return redirect(url_for(".kiosk_done"))
    return render_template(
        "walkin/sign_up.html",
        organization=organization,
        shift=shift,
        form=form,
        kiosk=g.kiosk,
        person=person,
    )


@bp.get("/expo/kiosk/done")
@kiosk_required
def kiosk_done():
    """The code to show at the booth: shown once, then the kiosk resets."""
    walk_in = services.walk_in_for_code(session.pop(KIOSK_DONE, None))
    if walk_in is None or walk_in.kiosk_id != g.kiosk.id:
        return redirect(url_for(".kiosk_home"))
    return render_template(
        "walkin/done.html",
        walk_in=walk_in,
        application=_application(walk_in),
        password_link=None,
        kiosk=g.kiosk,
    )


@bp.post("/expo/kiosk/next")
@kiosk_required
def kiosk_next():
    """Ready for the next person: forget everything about this one."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    _reset_kiosk()
    return redirect(url_for(".kiosk_home"))


@bp.post("/expo/kiosk/scan")
@kiosk_required
@walk_in_limit
def kiosk_scan():
    """A returning volunteer shows the QR code of their My shifts page."""
    form = ScanForm()
    user = None
    if form.validate_on_submit():
        user = services.user_for_returning_token(form.code.data or "")
    _reset_kiosk()
    if user is None:
        return _kiosk_home_with(
            scan_errors=[
                _("We could not read that code. Try again, or use the phone number.")
            ]
        )
    session[KIOSK_PERSON] = {"u": user.id, "at": int(time.time())}
    return redirect(url_for(".kiosk_home"))


def _kiosk_home_with(scan_errors=None, phone_form=None, status=422):
    organization = g.kiosk_organization
    scan_form = ScanForm(formdata=None)
    if scan_errors:
        scan_form.code.errors = list(scan_errors)
    page = render_template(
        "walkin/shifts.html",
        organization=organization,
        shifts=services.booth_shifts(organization),
        kiosk=g.kiosk,
        person=None,
        scan_form=scan_form,
        phone_form=phone_form or PhoneForm(formdata=None),
        now=utcnow(),
    )
    return page, status


@bp.post("/expo/kiosk/phone")
@kiosk_required
@phone_code_limit
def kiosk_phone():
    """Send a one-time code to a returning volunteer's phone (or seem to)."""
    form = PhoneForm()
    _reset_kiosk()
    if not form.validate_on_submit():
        return _kiosk_home_with(phone_form=form)
    try:
        row = services.send_phone_code(g.kiosk, form.phone.data or "")
    except ValidationFailed as error:
        db.session.rollback()
        show_field_errors(form, error)
        return _kiosk_home_with(phone_form=form)
    db.session.commit()
    session[KIOSK_CODE] = row.id
    return redirect(url_for(".kiosk_phone_code"))


@bp.route("/expo/kiosk/phone/code", methods=["GET", "POST"])
@kiosk_required
@walk_in_limit
def kiosk_phone_code():
    """Type the code: a right one finds the volunteer; the same words either way."""
    if not isinstance(session.get(KIOSK_CODE), int):
        return redirect(url_for(".kiosk_home"))
    form = PhoneCodeForm()
    if form.validate_on_submit():
        user = services.check_phone_code(
            g.kiosk, session.get(KIOSK_CODE), form.code.data or ""
        )
        db.session.commit()  # the attempt counts, right or wrong
        if user is not None:
            _found(user)
            return redirect(url_for(".kiosk_home"))
        form.code.errors = [_("That code is not right, or it has expired.")]
    return render_template("walkin/phone_code.html", form=form, kiosk=g.kiosk)


@bp.post("/expo/kiosk/end")
@kiosk_required
def kiosk_end():
    """End kiosk mode on this tablet; a member logs in again to restart it."""
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.end_kiosk(g.kiosk)
    db.session.commit()
    session.clear()
    return redirect(url_for("main.index"))
