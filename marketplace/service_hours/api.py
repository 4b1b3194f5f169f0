"""The volunteer's service-hour record over the JSON API (API.md "Hours that count")."""

import marshmallow as ma
from flask_babel import get_locale
from flask_login import current_user
from flask_smorest import Blueprint

from ..access import role_required
from ..api.schemas import Day, ErrorSchema, OutputSchema, Schema
from ..certificates import signing
from ..extensions import db
from ..models import Role
from . import queries, services

blp = Blueprint(
    "api_service_hours", __name__, description="Hours that count: the service record"
)
BEARER = [{"bearerAuth": []}]


class PeriodArgsSchema(Schema):
    start = Day(
        data_key="from",
        load_default=None,
        metadata={"description": "First day (default: the Thai academic year's)"},
    )
    end = Day(
        data_key="to",
        load_default=None,
        metadata={"description": "Last day (default: the academic year's, 31 May)"},
    )


class ServiceItemSchema(OutputSchema):
    date = ma.fields.Date()
    organization = ma.fields.String()
    activity = ma.fields.String()
    hours = ma.fields.Float()
    kind = ma.fields.String(metadata={"enum": ["attended", "reported"]})
    certified_by = ma.fields.String(
        metadata={"description": "Name and role of who certified the hours"}
    )


class ServiceRecordSchema(OutputSchema):
    hours_attended = ma.fields.Float()
    hours_reported = ma.fields.Float(
        metadata={"description": "Self-reported hours an organisation certified"}
    )
    items = ma.fields.List(ma.fields.Nested(ServiceItemSchema))
    code = ma.fields.String(
        allow_none=True,
        metadata={"description": "Verifies at /verify/<code>; null with no hours"},
    )


@blp.route("/me/service-record", methods=["GET"])
@role_required(Role.VOLUNTEER)
@blp.arguments(PeriodArgsSchema, location="query", error_status_code=400)
@blp.response(200, ServiceRecordSchema)
@blp.alt_response(422, schema=ErrorSchema, description="validation_error")
@blp.doc(security=BEARER)
def service_record(args):
    """The caller's hours that count in a period, signed as a service-hour record.

    The same facts give the same code; new or withdrawn hours give a new one.
    """
    first, last = args["start"], args["end"]
    if first is None or last is None:
        year_first, year_last = services.academic_year_of(services.today())
        first, last = first or year_first, last or year_last
    services.check_period(first, last)
    locale = str(get_locale())
    found = queries.activities(current_user.id, first, last)
    sums = queries.totals(found)
    code = None
    if found:
        record = services.issue_record(current_user, first, last, locale)
        code = signing.code_for(record.serial)
        db.session.commit()
    return {
        "hours_attended": sums.attended,
        "hours_reported": sums.reported,
        "items": [
            {
                "date": activity.day,
                "organization": activity.organization.name(locale),
                "activity": activity.activity,
                "hours": activity.hours,
                "kind": activity.kind,
                "certified_by": activity.certified_by,
            }
            for activity in found
        ],
        "code": code,
    }
