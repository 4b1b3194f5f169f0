"""Register, log in, log out, change or reset the password."""

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required, logout_user

from ..extensions import db
from ..models import ConsentPurpose, Role
from ..web import committing, safe_next
from . import reset, services
from .forms import (
    ChangePasswordForm,
    ForgotPasswordForm,
    LoginForm,
    NewPasswordForm,
    RegisterForm,
)
from .limits import (
    login_address_limit,
    login_failure_limit,
    mark_login_failed,
    password_reset_email_limit,
    password_reset_limit,
    registration_limit,
)
from .sessions import start_session

bp = Blueprint("auth", __name__)


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
        else:
            db.session.commit()
            start_session(user, remember=form.remember.data)
            flash(_("You are logged in."), "success")
            return safe_next(form.next.data)
    return render_template("auth/login.html", form=form)


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
