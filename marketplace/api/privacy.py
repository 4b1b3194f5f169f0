"""The caller's personal data: export and erasure (PDPA rights)."""

import enum
from datetime import date, datetime
from decimal import Decimal

import marshmallow as ma
import sqlalchemy as sa
from flask import current_app
from flask_login import current_user, login_required, logout_user
from flask_smorest import Blueprint

from ..extensions import db
from ..privacy import register, services
from .schemas import ErrorSchema, OutputSchema

blp = Blueprint("api_privacy", __name__, description="Personal data (PDPA)")
BEARER = [{"bearerAuth": []}]

# What services.export_user_data adds to a section's own columns, to read them by.
_ADDED: dict[str, dict[str, ma.fields.Field]] = {
    "account": {"calendar_feed_enabled": ma.fields.Boolean()},
    "profile": {
        "skills": ma.fields.List(ma.fields.String()),
        "causes": ma.fields.List(ma.fields.String()),
    },
    "applications": {
        "opportunity_id": ma.fields.Integer(),
        "opportunity": ma.fields.String(),
        "organization": ma.fields.String(),
        "starts_at": ma.fields.DateTime(),
        "ends_at": ma.fields.DateTime(),
    },
    "memberships": {"organization": ma.fields.String(allow_none=True)},
    "shift_messages_received": {
        "shift_id": ma.fields.Integer(),
        "opportunity": ma.fields.String(),
        "organization": ma.fields.String(),
        "body": ma.fields.String(),
        "sent_at": ma.fields.DateTime(),
    },
    "shift_replies": {"opportunity": ma.fields.String()},
}


def _camel(name: str) -> str:
    return "".join(part.title() for part in name.split("_"))


def _column_field(column: sa.Column) -> ma.fields.Field:
    """The field of an exported column, as services._plain writes its value."""
    nullable = {"allow_none": bool(column.nullable)}
    kind = column.type
    if isinstance(kind, sa.TypeDecorator):
        kind = kind.impl_instance
    if isinstance(kind, sa.JSON):
        return ma.fields.Raw(**nullable)
    python_type = kind.python_type
    if isinstance(python_type, type) and issubclass(python_type, enum.Enum):
        values = [member.value for member in python_type]
        return ma.fields.String(validate=ma.validate.OneOf(values), **nullable)
    for written, field in (
        (bool, ma.fields.Boolean),
        (int, ma.fields.Integer),
        (float, ma.fields.Float),
        (datetime, ma.fields.DateTime),
        (date, ma.fields.Date),
    ):
        if issubclass(python_type, written):
            return field(**nullable)
    if issubclass(python_type, Decimal):
        return ma.fields.String(metadata={"description": "a decimal"}, **nullable)
    return ma.fields.String(**nullable)


def _rows_schema(table: str, added: dict | None = None) -> type[OutputSchema]:
    """The schema of a person's rows of a registered table, as the export has them.

    Unknown keys are refused, so that loading a real export in the tests fails
    on a column the document does not describe.
    """
    columns = db.metadata.tables[table].columns
    fields = {name: _column_field(columns[name]) for name in register.exported(table)}
    meta = type("Meta", (), {"unknown": ma.RAISE})
    return type(
        f"Exported{_camel(table)}Schema",
        (OutputSchema,),
        {**fields, **(added or {}), "Meta": meta},
    )


def export_schema() -> type[OutputSchema]:
    """The JSON of GET /me/export, built from the personal-data register."""
    fields: dict = {"exported_at": ma.fields.DateTime()}
    for table, owner in register.OWNERS.items():
        if owner.section is None:
            continue
        added = dict(_ADDED.get(owner.section, {}))
        if owner.section == "profile":
            added["availability"] = ma.fields.List(
                ma.fields.Nested(_rows_schema("availability_window"))
            )
        rows = _rows_schema(table, added)
        if owner.section == "account":
            fields["account"] = ma.fields.Nested(rows)
        elif owner.section == "profile":
            fields["profile"] = ma.fields.Nested(rows, allow_none=True)
        else:
            fields[owner.section] = ma.fields.List(ma.fields.Nested(rows))
    meta = type("Meta", (), {"unknown": ma.RAISE})
    return type("ExportSchema", (OutputSchema,), {**fields, "Meta": meta})


ExportSchema = export_schema()


@blp.route("/me/export", methods=["GET"])
@login_required
@blp.response(
    200,
    ExportSchema,
    description="One key per kind of data held; `profile` is null for accounts "
    "without a volunteer profile. Served with Cache-Control: no-store.",
)
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
