"""Public impact page and staff impact dashboard."""

from flask import Blueprint, render_template

bp = Blueprint("impact", __name__)


@bp.get("/impact")
def public():
    """The public impact page."""
    return render_template("impact/public.html")
