"""Shared API schemas: errors, pagination, times in Asia/Bangkok."""

from typing import Any

import marshmallow as ma
from flask import current_app
from flask_babel import gettext

from ..database import DB_INT_MAX
from ..i18n import to_bangkok
from ..inputs import (
    EARLIEST_DAY,
    LATEST_DAY,
    SEARCH_TEXT,
    check_moment,
    max_chars,
)
from ..models import Opportunity


class Schema(ma.Schema):
    """Base schema: unknown input fields are ignored, as partners may send more."""

    class Meta:
        unknown = ma.EXCLUDE


class OutputSchema(Schema):
    """An object the API answers with: every field is always written (null when
    empty), so the OpenAPI document marks each one required and generated
    clients can rely on it. Never used to read a request.
    """

    def on_bind_field(self, field_name: str, field_obj: ma.fields.Field) -> None:
        """Mark the field required (for the document: dumping ignores it)."""
        field_obj.required = True


class MaxChars(ma.validate.Length):
    """At most the column's size (or `max`) characters: a 422 naming the field.

    `column` stays on the validator so a test can check every schema field
    against the column it fills (inputs.max_chars gives the size).
    """

    def __init__(self, column=None, *, max: int | None = None):
        self.column = column
        super().__init__(max=max_chars(column) if column is not None else max)

    def _format_error(self, value, message) -> str:
        return gettext("Use at most %(max)d characters.", max=self.max)


def text(column=None, *, max: int | None = None, **kwargs) -> ma.fields.String:
    """A string field of at most the column's size (or `max`) characters."""
    return ma.fields.String(validate=MaxChars(column, max=max), **kwargs)


def codes(column=None, *, max: int | None = None, **kwargs) -> ma.fields.List:
    """A list of slugs or codes, each of at most the column's size (or `max`)."""
    return ma.fields.List(text(column, max=max), **kwargs)


class BangkokDateTime(ma.fields.DateTime):
    """An ISO 8601 time with offset, written in Asia/Bangkok (+07:00)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return to_bangkok(value).isoformat(timespec="seconds")


class LocationInSchema(Schema):
    """A place as {lat, lon} (a map click) or {place} (a name the server geocodes).

    What the API answers with is a `Location` (LocationSchema): the point found.
    """

    lat = ma.fields.Float(load_default=None, allow_none=True)
    lon = ma.fields.Float(load_default=None, allow_none=True)
    place = text(max=SEARCH_TEXT, load_default=None, allow_none=True)
    label = text(Opportunity.location_label, load_default=None, allow_none=True)


class LocationSchema(OutputSchema):
    """A place as the API writes it: the point and the name shown for it."""

    lat = ma.fields.Float()
    lon = ma.fields.Float()
    label = ma.fields.String(allow_none=True)


class ErrorDetailSchema(Schema):
    code = ma.fields.String(required=True)
    message = ma.fields.String(required=True)
    fields = ma.fields.Dict(
        keys=ma.fields.String(), values=ma.fields.List(ma.fields.String())
    )


class ErrorSchema(Schema):
    """The error body of every 4xx answer."""

    error = ma.fields.Nested(ErrorDetailSchema, required=True)


class Count(ma.fields.Integer):
    """A whole number a client sends, within what the database can hold."""

    def __init__(self, *, minimum: int = 0, **kwargs):
        kwargs.setdefault("validate", ma.validate.Range(min=minimum, max=DB_INT_MAX))
        super().__init__(**kwargs)


class Day(ma.fields.Date):
    """A day a client sends (YYYY-MM-DD), within the days the app accepts."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "validate", ma.validate.Range(min=EARLIEST_DAY, max=LATEST_DAY)
        )
        super().__init__(**kwargs)


class Moment(ma.fields.AwareDateTime):
    """An ISO 8601 time with offset, on one of the days the app accepts."""

    def _deserialize(self, value, attr, data, **kwargs):
        moment = super()._deserialize(value, attr, data, **kwargs)
        try:
            return check_moment(moment)
        except ValueError as error:
            raise ma.ValidationError(str(error)) from None


class RecordId(Count):
    """The id of a record a client names: 1 up to the database's integer limit."""

    def __init__(self, **kwargs):
        super().__init__(minimum=1, **kwargs)


class PageArgsSchema(Schema):
    """`page` from 1; `per_page` defaults to 20 and is clamped to 100."""

    page = Count(minimum=1, load_default=1)
    per_page = Count(minimum=1, load_default=None)

    @ma.post_load
    def clamp(self, data: dict[str, Any], **kwargs) -> dict[str, Any]:
        """Apply the default and the ceiling of per_page."""
        per_page = data.get("per_page") or current_app.config["API_PAGE_SIZE"]
        data["per_page"] = min(per_page, current_app.config["API_MAX_PAGE_SIZE"])
        return data


def page_schema(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """Build the list envelope {items, total, page, per_page} for an item schema."""
    return Schema.from_dict(
        {
            "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
            "total": ma.fields.Integer(required=True),
            "page": ma.fields.Integer(required=True),
            "per_page": ma.fields.Integer(required=True),
        },
        name=name,
    )


def page_of(items: list, page: int, per_page: int) -> dict[str, Any]:
    """Cut one page out of an already ordered list."""
    start = (page - 1) * per_page
    return {
        "items": items[start : start + per_page],
        "total": len(items),
        "page": page,
        "per_page": per_page,
    }
