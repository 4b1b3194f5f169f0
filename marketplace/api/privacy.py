"""The caller's personal data: export and erasure (PDPA rights)."""

from flask import current_app
from flask_login import current_user, login_required, logout_user
from flask_smorest import Blueprint

from ..extensions import db
from ..privacy import services
from .schemas import ErrorSchema

blp = Blueprint("api_privacy", __name__, description="Personal data (PDPA)")
BEARER = [{"bearerAuth": []}]


@blp.route("/me/export", methods=["GET"])
@login_required
@blp.response(200)
@blp.alt_response(401, schema=ErrorSchema, description="unauthorized")
@blp.doc(security=BEARER)
def export_me():
    """Everything the marketplace holds about the caller, as JSON."""
    body = services.export_user_data(current_user)
    response = current_app.json.response(body)
    response.headers["Cache-Control"] = "no-store"
    return response


@blp.route("/me", methods=["DELETE"])
@login_required
@blp.response(204)
@blp.alt_response(401, schema=ErrorSchema, description="unauthorized")
@blp.alt_response(409, schema=ErrorSchema, description="staff_account")
@blp.doc(security=BEARER)
def erase_me():
    """Erase the caller's account and personal data; every session ends."""
    services.erase_user(current_user, current_user, "self")
    db.session.commit()
    logout_user()
