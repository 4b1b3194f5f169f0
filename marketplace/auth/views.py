"""Register, log in, log out, change password."""

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
from flask_login import current_user, login_required, login_user, logout_user

from ..errors import Conflict, ValidationFailed
from ..extensions import db
from ..models import ConsentPurpose, Role
from ..web import safe_next, show_field_errors
from . import services
from .forms import ChangePasswordForm, LoginForm, RegisterForm
from .limits import login_address_limit, login_failure_limit, mark_login_failed

bp = Blueprint("auth", __name__)


@bp.route("/register", methods=["GET", "POST"])
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
        try:
            user = services.register_user(
                registration, current_app.config["NOTICE_VERSION"]
            )
        except ValidationFailed as error:
            show_field_errors(form, error)
        except Conflict as error:
            form.email.errors = [*form.email.errors, error.message]
        else:
            db.session.commit()
            login_user(user)
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
            login_user(user, remember=form.remember.data)
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
        try:
            services.change_password(
                user, form.current_password.data, form.new_password.data
            )
        except ValidationFailed as error:
            show_field_errors(form, error)
        else:
            db.session.commit()
            # This browser stays logged in under the new session nonce.
            login_user(user)
            flash(
                _("Your password is changed. Other devices are logged out."), "success"
            )
            return redirect(url_for("main.index"))
    return render_template("auth/change_password.html", form=form)
