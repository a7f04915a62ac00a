"""Export papers as CSV (``papertui export --format csv``): the JSON record's fields as columns.

Pure functions, no I/O. One header row with the keys of
:func:`papertui.export.paper_record`, in its order, then one row per paper. Lists are
joined: URLs and tags (which hold no white space) with a space, sources as ``file
(page_date)`` with ``; ``. Booleans are ``true``/``false``, a missing value is an empty cell.

Text from pages is data: a cell that a spreadsheet would run as a formula (one starting with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading ``'``, the usual guard,
so a title such as ``=HYPERLINK(...)`` shows as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["csv_columns", "to_csv"]


def csv_columns() -> list[str]:
    """The columns: the JSON record's keys, in its order (read from the record itself, so
    a field added to the contract is a column too)."""
    from papertui.export import paper_record
    from papertui.models import Paper, TriageState

    return list(paper_record(Paper(id="", title=""), TriageState(), ""))


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _cell(key: str, value: Any) -> str:
    """One value as CSV text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if key == "sources":
        text = "; ".join(
            f"{s['file']} ({s['page_date']})" if s.get("page_date") else str(s["file"])
            for s in value
        )
    elif isinstance(value, list):
        text = " ".join(str(v) for v in value)
    else:
        text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(records: Iterable[Mapping[str, Any]]) -> str:
    """The records (:func:`papertui.export.paper_record`) as CSV with a header row."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    columns = csv_columns()
    writer.writerow(columns)
    for record in records:
        writer.writerow([_cell(key, record.get(key)) for key in columns])
    return out.getvalue()
