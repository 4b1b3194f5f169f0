"""LINE pages: log in / sign up / link with LINE, the account's LINE page, webhook."""

import logging
import time

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ..auth import mfa
from ..auth.limits import PENDING_LOGIN, login_address_limit, registration_limit
from ..auth.sessions import start_session
from ..errors import error_response
from ..extensions import csrf, db, limiter
from ..links import public_url
from ..models import ConsentPurpose, utcnow
from ..web import committing, safe_next
from . import login_enabled, services, webhook_enabled
from .forms import LineButtonForm, LineSignUpForm
from .login import LoginFailed
from .webhooks import BadSignature, handle_events, parse_events

log = logging.getLogger(__name__)
bp = Blueprint("line", __name__)

# The LINE identity waiting for the sign-up form, and how long it waits.
PENDING = "line_pending"
PENDING_SECONDS = 900
NEXT = "line_next"


def _require_login_channel() -> None:
    if not login_enabled():
        abort(404)


@bp.post("/login/line")
@login_address_limit
def start():
    """Go to LINE Login: to log in, sign up, or (logged in) link LINE."""
    _require_login_channel()
    form = LineButtonForm()
    if not form.validate_on_submit():
        abort(400)
    session[NEXT] = form.next.data or ""
    return_to = public_url("line.callback")
    from .login import authorize_redirect

    return authorize_redirect(return_to, str(get_locale()))


@bp.get("/login/line/callback")
@login_address_limit
def callback():
    """LINE sends the browser back here: log in, link, or go on to sign up."""
    _require_login_channel()
    from .login import finish, is_friend

    try:
        claims, token = finish()
    except LoginFailed:
        return _problem(
            _("Logging in with LINE did not work, or it was cancelled. Try again.")
        )
    changed = request.args.get("friendship_status_changed") == "true"
    identity = services.LineIdentity(
        line_user_id=str(claims["sub"]),
        display_name=str(claims.get("name") or ""),
        is_friend=is_friend(token, changed),
    )
    if current_user.is_authenticated:
        return _link(identity)
    user = services.user_for_line_id(identity.line_user_id)
    if user is not None:
        return _log_in(user, identity)
    session[PENDING] = {
        "sub": identity.line_user_id,
        "name": identity.display_name,
        "friend": identity.is_friend,
        "at": int(time.time()),
    }
    return redirect(url_for(".sign_up"))


def _link(identity: services.LineIdentity):
    user = current_user._get_current_object()
    with committing(_("LINE is linked to your account.")):
        services.link(user, identity, utcnow())
    return redirect(url_for(".account"))


def _log_in(user, identity: services.LineIdentity):
    """Log in the account a LINE id is linked to (the second factor still asked)."""
    now = utcnow()
    account = services.account_for_line_id(identity.line_user_id)
    account.is_friend = identity.is_friend or account.is_friend
    if identity.display_name:
        account.display_name = identity.display_name[:120]
    next_page = session.pop(NEXT, "")
    if user.has_totp:
        db.session.commit()
        session[PENDING_LOGIN] = {
            "user": user.id,
            "nonce": user.session_nonce,
            "at": int(time.time()),
            "remember": False,
            "next": next_page,
        }
        return redirect(url_for("auth.second_factor"))
    user.last_login_at = now
    db.session.commit()
    start_session(user)
    flash(_("You are logged in."), "success")
    if mfa.enrolment_required(user):
        return redirect(url_for("auth.two_factor"))
    return safe_next(next_page)


def _pending_identity() -> services.LineIdentity | None:
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or not isinstance(pending.get("at"), int):
        return None
    if time.time() - pending["at"] > PENDING_SECONDS or not pending.get("sub"):
        return None
    return services.LineIdentity(
        line_user_id=str(pending["sub"]),
        display_name=str(pending.get("name") or ""),
        is_friend=bool(pending.get("friend")),
    )


@bp.route("/login/line/sign-up", methods=["GET", "POST"])
@registration_limit
def sign_up():
    """A new volunteer account for the person LINE just logged in."""
    _require_login_channel()
    if current_user.is_authenticated:
        return redirect(url_for(".account"))
    identity = _pending_identity()
    if identity is None:
        # Nobody came from LINE (or it took too long): start there.
        page = render_template("line/sign_up.html", form=None, button=LineButtonForm())
        return page, 200
    form = LineSignUpForm()
    if request.method == "GET":
        form.display_name.data = identity.display_name[:120]
    if form.validate_on_submit():
        data = services.LineSignUp(
            display_name=form.display_name.data,
            email=form.email.data or "",
            locale=str(get_locale()),
            consents={
                ConsentPurpose.TERMS: form.accept_terms.data,
                ConsentPurpose.MATCHING: form.consent_matching.data,
            },
        )
        with committing(form=form, errors_on="email") as registered:
            user = services.sign_up(data, identity, utcnow())
        if registered:
            session.pop(PENDING, None)
            next_page = session.pop(NEXT, "")
            start_session(user)
            flash(
                _("Welcome, %(name)s! Your account is ready.", name=user.display_name),
                "success",
            )
            return safe_next(next_page)
    return render_template("line/sign_up.html", form=form, identity=identity)


@bp.get("/account/line")
@login_required
def account():
    """The account's LINE: linked or not, friend or not; link or unlink."""
    _require_login_channel()
    user = current_user._get_current_object()
    return render_template(
        "line/account.html",
        line=services.account_of(user),
        line_only=services.is_line_only(user),
        button=LineButtonForm(),
    )


@bp.post("/account/line/unlink")
@login_required
def unlink():
    """Unlink LINE from the account (not when it is the only way in)."""
    _require_login_channel()
    form = LineButtonForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        with committing(_("LINE is unlinked from your account.")):
            services.unlink(user)
    return redirect(url_for(".account"))


def _problem(message: str):
    """The page that says LINE Login did not finish, and how to go on."""
    page = render_template(
        "line/problem.html", message=message, button=LineButtonForm()
    )
    return page, 400


@bp.post("/line/webhook")
@limiter.limit(lambda: current_app.config["LINE_WEBHOOK_LIMIT"])
def webhook():
    """LINE's webhook: checked signature, each event once, always 200 when signed."""
    if not webhook_enabled():
        abort(404)
    signature = request.headers.get("X-Line-Signature", "")
    try:
        events = parse_events(request.get_data(as_text=True), signature)
    except BadSignature:
        return error_response(
            400, "bad_signature", "X-Line-Signature is missing or does not match."
        )
    handle_events(events, utcnow())
    return {}, 200


csrf.exempt(webhook)
