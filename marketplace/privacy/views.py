"""The privacy notice and the privacy page: consents, export, erasure."""

from flask import Blueprint, render_template

bp = Blueprint("privacy", __name__, cli_group=None)


@bp.get("/privacy")
def notice():
    """The privacy notice."""
    return render_template("privacy/notice.html")
