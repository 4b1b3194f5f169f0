"""Register, log in (with a second factor), log out, change or reset the password."""

import time

from flask import (
    Blueprint,
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
from flask_login import current_user, login_required, logout_user

from ..extensions import db
from ..models import ConsentPurpose, Role, User
from ..web import committing, safe_next
from . import mfa, reset, services
from .forms import (
    ChangePasswordForm,
    EnrolTotpForm,
    ForgotPasswordForm,
    LoginForm,
    NewPasswordForm,
    RegisterForm,
    SecondFactorForm,
)
from .limits import (
    PENDING_LOGIN,
    login_address_limit,
    login_failure_limit,
    mark_login_failed,
    mark_second_factor_failed,
    password_reset_email_limit,
    password_reset_limit,
    registration_limit,
    second_factor_limit,
)
from .sessions import start_session

bp = Blueprint("auth", __name__)

# How long the code step of a login waits after the right password.
PENDING_LOGIN_SECONDS = 300


@bp.route("/register", methods=["GET", "POST"])
@registration_limit
def register():
    """Create an account and log it in."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegisterForm()
    if request.method == "GET" and request.args.get("role") == Role.ORGANIZER.value:
        form.role.data = Role.ORGANIZER.value
    if form.validate_on_submit():
        registration = services.Registration(
            email=form.email.data,
            password=form.password.data,
            display_name=form.display_name.data,
            role=Role(form.role.data),
            locale=str(get_locale()),
            consents={
                ConsentPurpose.TERMS: form.accept_terms.data,
                ConsentPurpose.MATCHING: form.consent_matching.data,
            },
        )
        with committing(form=form, errors_on="email") as registered:
            user = services.register_user(
                registration, current_app.config["NOTICE_VERSION"]
            )
        if registered:
            start_session(user)
            flash(
                _("Welcome, %(name)s! Your account is ready.", name=user.display_name),
                "success",
            )
            return redirect(url_for("main.index"))
    return render_template("auth/register.html", form=form)


@bp.route("/login", methods=["GET", "POST"])
@login_address_limit
@login_failure_limit
def login():
    """Log in with e-mail and password."""
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    if form.validate_on_submit():
        user = services.authenticate(form.email.data, form.password.data)
        if user is None:
            mark_login_failed()
            form.form_errors.append(_("The e-mail or password is wrong."))
        elif user.has_totp:
            # The password was right; the session logs in only after the code.
            db.session.commit()
            session[PENDING_LOGIN] = {
                "user": user.id,
                "nonce": user.session_nonce,
                "at": int(time.time()),
                "remember": bool(form.remember.data),
                "next": form.next.data or "",
            }
            return redirect(url_for(".second_factor"))
        else:
            db.session.commit()
            start_session(user, remember=form.remember.data)
            flash(_("You are logged in."), "success")
            if mfa.enrolment_required(user):
                return redirect(url_for(".two_factor"))
            return safe_next(form.next.data)
    return render_template("auth/login.html", form=form)


def _pending_user():
    """The account whose password was just right, if its code is still due."""
    pending = session.get(PENDING_LOGIN)
    if not isinstance(pending, dict) or not isinstance(pending.get("at"), int):
        return None, {}
    if time.time() - pending["at"] > PENDING_LOGIN_SECONDS:
        return None, {}
    user = db.session.get(User, pending.get("user") or 0)
    if user is None or user.erased_at is not None or not user.has_totp:
        return None, {}
    if user.session_nonce != pending.get("nonce"):
        return None, {}
    return user, pending


@bp.route("/login/code", methods=["GET", "POST"])
@login_address_limit
@second_factor_limit
def second_factor():
    """The second login step: the authenticator app's code or a recovery code."""
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    user, pending = _pending_user()
    if user is None:
        session.pop(PENDING_LOGIN, None)
        flash(_("Please log in again."), "info")
        return redirect(url_for(".login"))
    form = SecondFactorForm()
    if form.validate_on_submit():
        if mfa.verify_second_factor(user, form.code.data):
            db.session.commit()
            start_session(user, remember=pending.get("remember", False))
            flash(_("You are logged in."), "success")
            return safe_next(pending.get("next"))
        mark_second_factor_failed()
        form.code.errors = [*form.code.errors, _("This code is not right.")]
    response = render_template("auth/second_factor.html", form=form)
    return _private(response, 200)


@bp.route("/account/two-factor", methods=["GET", "POST"])
@login_required
def two_factor():
    """Set up an authenticator app (TOTP); show the recovery codes once."""
    user = current_user._get_current_object()
    if user.has_totp:
        page = render_template(
            "auth/two_factor.html",
            enabled=True,
            codes_left=mfa.recovery_codes_left(user),
        )
        return _private(page, 200)
    if user.totp_secret is None:
        # Kept on the server (not in the cookie) until the app proves it has it.
        user.totp_secret = mfa.new_secret()
        db.session.commit()
    secret = user.totp_secret
    form = EnrolTotpForm()
    if form.validate_on_submit():
        with committing(form=form) as saved:
            codes = mfa.confirm_enrolment(user, secret, form.code.data)
        if saved:
            start_session(user)  # the enrolment ended every older session
            page = render_template(
                "auth/two_factor.html", enabled=True, recovery_codes=codes
            )
            return _private(page, 200)
    uri = mfa.provisioning_uri(user, secret)
    page = render_template(
        "auth/two_factor.html",
        enabled=False,
        form=form,
        secret=secret,
        qr=mfa.qr_svg(uri),
        required=mfa.enrolment_required(user),
    )
    return _private(page, 200)


@bp.post("/logout")
@login_required
def logout():
    """Log out of every browser session of this account."""
    services.log_out_everywhere(current_user)
    db.session.commit()
    logout_user()
    flash(_("You are logged out on every device."), "info")
    return redirect(url_for("main.index"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    """Change the password; every session and API token ends."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        with committing(form=form) as changed:
            services.change_password(
                user, form.current_password.data, form.new_password.data
            )
        if changed:
            # This browser stays logged in under the new session nonce.
            start_session(user)
            flash(
                _("Your password is changed. Other devices are logged out."), "success"
            )
            return redirect(url_for("main.index"))
    return render_template("auth/change_password.html", form=form)


@bp.route("/forgot-password", methods=["GET", "POST"])
@password_reset_limit
@password_reset_email_limit
def forgot_password():
    """Send a reset link; the answer is the same whether the account exists."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        reset.request_reset(form.email.data)
        db.session.commit()
        flash(
            _(
                "If an account uses this e-mail address, a link to choose a new "
                "password is on its way. Check your inbox and spam folder."
            ),
            "info",
        )
        return redirect(url_for(".forgot_password"))
    return render_template("auth/forgot_password.html", form=form)


@bp.route("/reset-password/<reset_token>", methods=["GET", "POST"])
@login_address_limit
def reset_password(reset_token: str):
    """Choose a new password from the e-mailed link."""
    form = NewPasswordForm()
    try:
        reset.user_for_token(reset_token)
    except reset.InvalidResetLink as error:
        response = render_template(
            "auth/reset_password.html", form=None, problem=error.message
        )
        return _private(response, 400)
    if form.validate_on_submit():
        with committing(form=form) as changed:
            reset.reset_password(reset_token, form.new_password.data)
        if changed:
            logout_user()
            flash(
                _(
                    "Your password is changed and every device is logged out. "
                    "Log in with the new password."
                ),
                "success",
            )
            return redirect(url_for(".login"))
    response = render_template("auth/reset_password.html", form=form, problem=None)
    return _private(response, 200)


def _private(body: str, status: int):
    """Keep a page whose URL holds a secret out of caches and Referer headers."""
    return body, status, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
