"""Browsing opportunities (the volunteer journey grows here)."""

from flask import Blueprint, abort, render_template

from ..extensions import db
from ..main import queries
from ..models import Opportunity, utcnow

bp = Blueprint("volunteers", __name__)

PAGE_SIZE = 12


@bp.get("/opportunities")
def browse():
    """List the open opportunities, soonest first."""
    now = utcnow()
    query = queries.listed_opportunities(now).order_by(
        queries.next_shift_start(now), Opportunity.id
    )
    page = db.paginate(query, per_page=PAGE_SIZE, max_per_page=PAGE_SIZE, count=True)
    return render_template("volunteers/browse.html", page=page, now=now)


@bp.get("/opportunities/<int:opportunity_id>")
def opportunity(opportunity_id: int):
    """Show one open opportunity with its shifts."""
    now = utcnow()
    query = queries.listed_opportunities(now).where(Opportunity.id == opportunity_id)
    found = db.session.scalar(query)
    if found is None:
        abort(404)
    upcoming = [shift for shift in found.shifts if shift.starts_at > now]
    return render_template(
        "volunteers/opportunity.html", opportunity=found, shifts=upcoming
    )
