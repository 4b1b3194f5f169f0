"""The bounds of what people may send: dates, page numbers, record ids, text.

One home per kind of parameter, so that extreme but well-formed input (the year
9999, page 10**20, an id past the database's integers, a NUL byte) is a clear 4xx
or an empty page, never a 500, whichever route it reaches.
"""

from collections.abc import Iterable, Mapping
from datetime import date, datetime

from flask import abort, request
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import MultiDict
from wtforms import DateField, IntegerField
from wtforms.validators import Length

from .database import DB_INT_MAX

# Days people may name: far wider than any shift, report or birthday, and far
# enough from year 1 and 9999 that a time-zone shift or "the day after" can't
# overflow Python's dates.
EARLIEST_DAY = date(1900, 1, 1)
LATEST_DAY = date(2999, 12, 31)
# The last page a web list shows; past it the page is empty. Keeps OFFSET small.
MAX_PAGE = 100_000
# Keys url_for reads itself: a query argument named so must never reach it.
_URL_FOR_KEYS = frozenset({"endpoint"})


def day_in_range(day: date) -> bool:
    """Whether a day lies within the days the app accepts."""
    return EARLIEST_DAY <= day <= LATEST_DAY


def check_moment(moment: datetime) -> datetime:
    """A time on one of the accepted days (as written), or ValueError."""
    if not day_in_range(moment.date()):
        raise ValueError(
            f"choose a time from {EARLIEST_DAY.isoformat()} to {LATEST_DAY.isoformat()}"
        )
    return moment


def out_of_range_message():
    """The (translated) explanation for a day outside the accepted days."""
    return _l(
        "Choose a date from %(first)s to %(last)s.",
        first=EARLIEST_DAY.isoformat(),
        last=LATEST_DAY.isoformat(),
    )


class BoundedDateField(DateField):
    """A date field that holds only days within EARLIEST_DAY…LATEST_DAY.

    A day outside them is a field error and leaves `data` empty, so a view that
    reads the data without checking the form still never gets such a day.
    """

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not day_in_range(self.data):
            self.data = None
            raise ValueError(out_of_range_message())


class RecordIdField(IntegerField):
    """The id of a record, 1 up to the database's integer limit, or empty."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not 1 <= self.data <= DB_INT_MAX:
            self.data = None
            raise ValueError(_l("No such record."))


def record_id(text: str | None) -> int | None:
    """A record id from text (ASCII digits, 1…DB_INT_MAX), or None."""
    if not text or not text.isascii() or not text.isdigit() or len(text) > 10:
        return None
    number = int(text)
    return number if 1 <= number <= DB_INT_MAX else None


def record_ids(texts: Iterable[str]) -> list[int]:
    """The valid record ids among texts (forged or junk ones are left out)."""
    return [number for text in texts if (number := record_id(text)) is not None]


def page_number(args: Mapping[str, str] | None = None) -> int:
    """The `page` query argument: 1 when missing or junk, at most MAX_PAGE."""
    text = (request.args if args is None else args).get("page", "")
    if not text or not text.isascii() or not text.isdigit():
        return 1
    if len(text) > len(str(MAX_PAGE)):
        return MAX_PAGE
    return max(1, min(int(text), MAX_PAGE))


def link_args(args: MultiDict, *drop: str) -> dict[str, list[str]]:
    """Query arguments safe to pass on to url_for (for paging links, redirects).

    url_for takes `endpoint` and `_external`, `_scheme`, `_anchor`, `_method`
    itself: a query argument with such a name would make it fail or build a link
    elsewhere, so those are left out, with the names in `drop` and empty values.
    Repeated arguments (skill=a&skill=b) stay repeated.
    """
    kept = {}
    for key in args:
        if key in drop or key in _URL_FOR_KEYS or key.startswith("_"):
            continue
        if values := [value for value in args.getlist(key) if value]:
            kept[key] = values
    return kept


def _has_nul(values: Iterable[str]) -> bool:
    return any("\x00" in value for value in values)


def refuse_nul_bytes() -> None:
    """400 for a NUL character in a query, a form or a JSON body.

    No text of the app holds one, and PostgreSQL refuses to store or even compare
    a string with it (which would be a 500); so it is refused at the door.
    """
    for source in (request.args, request.form):
        if _has_nul(source.keys()) or _has_nul(
            value for _, value in source.items(multi=True)
        ):
            abort(400)
    if request.is_json:
        body = request.get_data().lower()
        if b"\\u0000" in body or b"\x00" in body:
            abort(400)


# --- Text: every free-text field has a maximum, the size of the column it fills.
# TEXT columns have no size of their own; these are theirs. String(n) holds n.
LONG_TEXT = {
    "application.certification_withdrawn_reason": 500,
    "application.decision_message": 2000,
    "application.message": 2000,
    "certificate.revoked_reason": 500,
    "e_donation.rejection_reason": 2000,
    "feedback.comment": 2000,
    "opportunity.accessibility": 2000,
    "opportunity.description": 5000,
    "organization.description": 5000,
    "organization.rejection_reason": 2000,
    "outcome_comment.body": 2000,
    "pledge.note": 2000,
    "shift_message.body": 2000,
    "reported_hours.activity": 1000,
    "reported_hours.review_reason": 500,
    "reported_hours.withdrawn_reason": 500,
    "reported_value.note": 2000,
    "service_record.revoked_reason": 500,
    "service_record_item.activity": 1000,
    "volunteer_profile.bio": 1000,
}
# Text that is not stored is bounded too. Passwords: above auth.passwords' 256, so
# that its policy message, not the browser's maxlength, refuses a longer one.
SEARCH_TEXT = 200
PASSWORD_TEXT = 1000
# Numbers typed as text (amounts, baselines, targets).
NUMBER_TEXT = 40
# Slugs and language codes sent in lists; a clock time such as 18:30.
CODE_TEXT = 64
CLOCK_TEXT = 8


def max_chars(column) -> int:
    """The most characters a column holds: String(n) → n, TEXT → LONG_TEXT."""
    column = getattr(column, "expression", column)  # a model attribute's column
    length = getattr(column.type, "length", None)
    return length or LONG_TEXT[f"{column.table.name}.{column.name}"]


class TextLength(Length):
    """At most the column's size (or `max`), said in the user's language.

    Renders as the input's maxlength; `column` stays on the validator so a test can
    check every form field against the column it fills.
    """

    def __init__(self, column=None, *, max: int | None = None, message=None):
        self.column = column
        limit = max_chars(column) if column is not None else max
        super().__init__(
            max=limit,
            message=message
            or _l("Use at most %(max)d characters (this has %(length)d)."),
        )


def check_length(field: str, text: str | None, column) -> None:
    """ValidationFailed naming `field` when text is longer than the column holds.

    For services whose text may arrive without a form that checked it.
    """
    from .errors import ValidationFailed

    limit = max_chars(column)
    if text and len(text) > limit:
        message = str(
            _l(
                "Use at most %(max)d characters (this has %(length)d).",
                max=limit,
                length=len(text),
            )
        )
        raise ValidationFailed(message, fields={field: [message]})
