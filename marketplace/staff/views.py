"""Staff pages (verification and approval grow here)."""

import sqlalchemy as sa
from flask import Blueprint, render_template

from ..access import staff_required
from ..extensions import db
from ..models import Application, ApplicationStatus, Organization, OrganizationStatus

bp = Blueprint("staff", __name__, url_prefix="/staff")


@bp.get("/")
@staff_required
def overview():
    """Counts of applications by status and organisations by status."""
    applications = dict(
        db.session.execute(
            sa.select(Application.status, sa.func.count()).group_by(Application.status)
        ).all()
    )
    organizations = dict(
        db.session.execute(
            sa.select(Organization.status, sa.func.count()).group_by(
                Organization.status
            )
        ).all()
    )
    return render_template(
        "staff/overview.html",
        applications=[
            (status, applications.get(status, 0)) for status in ApplicationStatus
        ],
        organizations=[
            (status, organizations.get(status, 0)) for status in OrganizationStatus
        ],
    )
