"""Outcome rounds: propose, comment, endorse, agree; report values; pledges."""

from flask import Blueprint, render_template

bp = Blueprint("outcomes", __name__, url_prefix="/outcomes")


@bp.get("/")
def rounds():
    """The outcome rounds."""
    return render_template("outcomes/rounds.html")
