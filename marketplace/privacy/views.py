"""The privacy notice and the privacy page: consents, export, erasure, retention."""

import json
from datetime import date

import click
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, logout_user

from ..auth.passwords import verify_password
from ..extensions import db
from ..models import ConsentPurpose
from ..web import committing
from . import consents, services
from . import tasks as _tasks  # noqa: F401  (declares the daily purge)
from .forms import ConsentForm, EraseForm

bp = Blueprint("privacy", __name__, cli_group=None)

# Who answers for the data (PDPA section 23): the expo's organising team.
CONTROLLER = {
    "name": "Good Society Expo",
    "email": "privacy@goodsociety.example",
}
PURPOSE_TEXT = {
    ConsentPurpose.TERMS: (
        _l("Terms of use and this notice"),
        _l("Needed to have an account. To withdraw, delete your account."),
    ),
    ConsentPurpose.MATCHING: (
        _l("Suggestions to organisations"),
        _l(
            "Organisations may see you among suggested volunteers for their shifts, "
            "and invite you."
        ),
    ),
    ConsentPurpose.PROFILE_SHARING: (
        _l("Share my profile with organisations I apply to"),
        _l(
            "They see your bio, skills, languages and distance. "
            "Withdrawn: they see only your name."
        ),
    ),
    ConsentPurpose.EMAIL_NEWS: (
        _l("News by e-mail"),
        _l("Occasional news about the expo and new opportunities."),
    ),
}


def notice_date(version: str) -> date | None:
    """The date a "YYYY-MM" or "YYYY-MM-DD" notice version took effect."""
    parts = version.split("-")
    try:
        numbers = [int(part) for part in parts[:3]]
        return date(numbers[0], numbers[1], numbers[2] if len(numbers) > 2 else 1)
    except (ValueError, IndexError):
        return None


@bp.get("/privacy")
def notice():
    """The privacy notice."""
    version = current_app.config["NOTICE_VERSION"]
    return render_template(
        "privacy/notice.html",
        version=version,
        effective=notice_date(version),
        retention_years=round(current_app.config["RETENTION_DAYS"] / 365, 1),
        adult_age=current_app.config["ADULT_AGE"],
        controller=CONTROLLER,
    )


@bp.get("/account/privacy")
@login_required
def settings():
    """Each consent with its state and history; export; delete the account."""
    state = consents.consent_state(current_user)
    return render_template(
        "privacy/settings.html",
        purposes=[
            (purpose, PURPOSE_TEXT[purpose], state[purpose])
            for purpose in consents.PURPOSES
        ],
        purpose_names={p: PURPOSE_TEXT[p][0] for p in consents.PURPOSES},
        history=consents.history(current_user),
        form=ConsentForm(),
    )


@bp.post("/account/privacy/consents")
@login_required
def set_consent():
    """Grant or withdraw one purpose, recorded against the current notice."""
    form = ConsentForm()
    try:
        purpose = ConsentPurpose(form.purpose.data or "")
    except ValueError:
        purpose = None
    if not form.validate_on_submit() or purpose is None:
        flash(_("Choose a purpose and a decision."), "danger")
        return redirect(url_for(".settings"))
    granted = form.granted.data == "yes"
    with committing() as recorded:
        changed = services.set_consent(
            current_user, purpose, granted, current_app.config["NOTICE_VERSION"]
        )
    if not recorded:
        return redirect(url_for(".settings"))
    if changed:
        flash(
            _("Consent given: %(purpose)s.", purpose=PURPOSE_TEXT[purpose][0])
            if granted
            else _("Consent withdrawn: %(purpose)s.", purpose=PURPOSE_TEXT[purpose][0]),
            "success",
        )
    return redirect(url_for(".settings") + f"#purpose-{purpose.value}")


@bp.get("/account/privacy/export.json")
@login_required
def export():
    """Download every piece of one's personal data as JSON."""
    body = json.dumps(
        services.export_user_data(current_user), ensure_ascii=False, indent=2
    )
    return Response(
        body,
        mimetype="application/json",
        headers={
            "Content-Disposition": 'attachment; filename="my-data.json"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
def erase():
    """Delete the account and erase its personal data, after the password."""
    form = EraseForm()
    if form.validate_on_submit():
        if not verify_password(current_user.password_hash, form.password.data):
            form.password.errors = [*form.password.errors, _("The password is wrong.")]
        else:
            with committing() as erased:
                services.erase_user(current_user, current_user, "self")
            if erased:
                logout_user()
                flash(
                    _("Your account is deleted and your personal data erased."),
                    "success",
                )
                return redirect(url_for("main.index"))
    return render_template("privacy/erase.html", form=form)


@bp.cli.command("purge-inactive")
@click.option("--days", type=int, default=None, help="Default: RETENTION_DAYS.")
@click.option("--dry-run", is_flag=True, help="Count, erase nothing.")
def purge_inactive_command(days: int | None, dry_run: bool) -> None:
    """Erase accounts without a login or token use for the retention period."""
    days = days if days is not None else current_app.config["RETENTION_DAYS"]
    if days < 1:
        raise click.BadParameter("must be at least 1", param_hint="--days")
    report = services.purge_inactive(days, dry_run=dry_run)
    if dry_run:
        db.session.rollback()
    else:
        db.session.commit()
    verb = "would erase" if dry_run else "erased"
    click.echo(
        f"inactive for {days} days: {report.inactive}; {verb}: {report.erased}; "
        f"staff kept: {report.skipped_staff}"
    )
