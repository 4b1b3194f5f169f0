"""Shared API schemas: errors, pagination, times in Asia/Bangkok."""

from typing import Any

import marshmallow as ma
from flask import current_app

from ..database import DB_INT_MAX
from ..i18n import to_bangkok


class Schema(ma.Schema):
    """Base schema: unknown input fields are ignored, as partners may send more."""

    class Meta:
        unknown = ma.EXCLUDE


class BangkokDateTime(ma.fields.DateTime):
    """An ISO 8601 time with offset, written in Asia/Bangkok (+07:00)."""

    def _serialize(self, value, attr, obj, **kwargs):
        if value is None:
            return None
        return to_bangkok(value).isoformat(timespec="seconds")


class LocationInSchema(Schema):
    """A place as {lat, lon} (a map click) or {place} (a name the server geocodes)."""

    lat = ma.fields.Float(load_default=None, allow_none=True)
    lon = ma.fields.Float(load_default=None, allow_none=True)
    place = ma.fields.String(load_default=None, allow_none=True)
    label = ma.fields.String(load_default=None, allow_none=True)


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
