"""Feedback surveys, certificates of hours and their public verify page."""

from flask import Blueprint, render_template

bp = Blueprint("certificates", __name__)


@bp.get("/me/certificates")
def mine():
    """The volunteer's certificates."""
    return render_template("certificates/mine.html")
