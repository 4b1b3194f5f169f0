"""CSV downloads that open cleanly in a spreadsheet and cannot run formulas.

Two kinds (docs/exports.md): the CSV people download from a page has headers and
status values in their language and each time as a local date column
("2027-06-09") and a local time column ("09:00"), which spreadsheets read as a date
and a time. The same URL with ``?format=machine`` gives the stable CSV scripts
read: English snake_case headers, status codes, ISO 8601 timestamps with the
Bangkok offset ("2027-06-09T09:00+07:00"); its columns do not change with the
language.
"""

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime

from flask import Response, request

from .i18n import to_bangkok

MACHINE = "machine"

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(text: str) -> str:
    """Keep spreadsheet apps from running what someone typed as a formula."""
    return "'" + text if text[:1] in FORMULA_STARTS else text


def wants_machine_csv() -> bool:
    """Whether the request asks for the stable machine-readable CSV."""
    return request.args.get("format") == MACHINE


def local_date(value: datetime | date | None) -> str:
    """The Bangkok date as ISO 8601 ("2027-06-09"): a spreadsheet reads a date."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_bangkok(value).date()
    return value.isoformat()


def local_time(value: datetime | None) -> str:
    """The Bangkok time of day, 24-hour ("09:00"): a spreadsheet reads a time."""
    return "" if value is None else f"{to_bangkok(value):%H:%M}"


def timestamp(value: datetime | None) -> str:
    """ISO 8601 with the Bangkok offset, to the minute, for the machine CSV."""
    return "" if value is None else to_bangkok(value).isoformat(timespec="minutes")


def csv_response(
    headers: Sequence[str], rows: Iterable[Sequence], filename: str
) -> Response:
    """Rows as a CSV download: UTF-8 with BOM (Excel shows Thai), text neutralised."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([csv_safe(str(header)) for header in headers])
    for row in rows:
        writer.writerow(
            [csv_safe(cell) if isinstance(cell, str) else cell for cell in row]
        )
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{filename}.csv"',
            "Cache-Control": "no-store",
        },
    )
