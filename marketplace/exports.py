"""CSV downloads that open cleanly in a spreadsheet and cannot run formulas."""

import csv
import io
from collections.abc import Iterable, Sequence

from flask import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(text: str) -> str:
    """Keep spreadsheet apps from running what someone typed as a formula."""
    return "'" + text if text[:1] in FORMULA_STARTS else text


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
