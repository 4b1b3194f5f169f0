"""Organisation pages (the partner journey grows here)."""

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import Blueprint, abort, render_template
from flask_login import current_user

from ..access import role_required
from ..extensions import db
from ..main import queries
from ..models import Membership, Opportunity, Organization, Role, utcnow

bp = Blueprint("organizations", __name__, url_prefix="/organizations")


def get_organization_or_404(organization_id: int) -> Organization:
    """Load an organisation the caller may see: verified, or theirs, or staff."""
    organization = db.session.get(Organization, organization_id)
    if organization is None:
        abort(404)
    if organization.is_verified:
        return organization
    user = current_user
    is_member = user.is_authenticated and any(
        membership.organization_id == organization.id for membership in user.memberships
    )
    if not (is_member or (user.is_authenticated and user.is_staff)):
        abort(404)
    return organization


@bp.get("/mine")
@role_required(Role.ORGANIZER)
def mine():
    """The organisations the caller is a member of."""
    memberships = db.session.scalars(
        sa.select(Membership)
        .where(Membership.user_id == current_user.id)
        .options(so.joinedload(Membership.organization))
        .order_by(Membership.created_at)
    ).all()
    return render_template("organizations/mine.html", memberships=memberships)


@bp.get("/<int:organization_id>")
def profile(organization_id: int):
    """An organisation's public page with its open opportunities."""
    organization = get_organization_or_404(organization_id)
    now = utcnow()
    opportunities = db.session.scalars(
        queries.listed_opportunities(now)
        .where(Opportunity.organization_id == organization.id)
        .order_by(queries.next_shift_start(now))
    ).all()
    return render_template(
        "organizations/profile.html",
        organization=organization,
        opportunities=opportunities,
    )
