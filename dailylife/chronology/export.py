"""The chronology as CSV: every matching row, streamed in keyset batches, safe to open in Excel."""

import csv
import io
from collections.abc import Iterator

from flask import Response, current_app, stream_with_context

from dailylife.children.models import Child
from dailylife.chronology import keyset
from dailylife.chronology.rows import Row
from dailylife.clock import local_zone
from dailylife.entries.kinds import LABELS
from dailylife.extensions import db

#: In words, as every cell: a CSV is read by people in a spreadsheet.
HEADER = ["When it happened", "Kind", "What it is about", "Where it came from",
          "Checked against others", "Significant", "Summary", "Written by", "Role", "Recorded",
          "Received", "Entry id", "Corrects entry"]
BATCH_SIZE = 500
#: A cell starting with one of these is a formula to a spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: Excel reads a CSV as UTF-8 (emoji, right-to-left scripts) only when it starts with a BOM.
BOM = "\ufeff"
WITHDRAWN = "[Withdrawn: entered in error] "


def csv_response(child, conditions: list, *, descending: bool, rows_of) -> Response:
    """``rows_of(child, entries)``: the rows the person exporting may have (sealed rows say only
    when), as ``confidential.ChoiceForm.row_maker`` makes them."""
    response = Response(stream_with_context(_body(child.id, conditions, descending, rows_of)),
                        mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="chronology-{child.id}.csv"'
    return response


def _body(child_id, conditions: list, descending: bool, rows_of) -> Iterator[str]:
    """Runs after the request committed its audit event and closed its session (hence the child
    is loaded again). Each batch reads in its own short transaction and the session lets go of
    it, so a long export never holds SQLite's write lock, nor more than one batch in memory.
    The protective marking is the first line, one cell that a spreadsheet shows above the header."""
    yield BOM + _csv([[current_app.config["PROTECTIVE_MARKING"]], HEADER])
    child, zone = db.session.get(Child, child_id), local_zone()
    for entries in keyset.batches(child_id, conditions, descending=descending, size=BATCH_SIZE):
        yield _csv([_cells(row, zone) for row in rows_of(child, entries)])
        db.session.close()


def _csv(lines: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows([[neutralised(cell) for cell in line] for line in lines])
    return buffer.getvalue()


def neutralised(cell: str) -> str:
    """A leading quote makes a spreadsheet show the text instead of running it as a formula."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def _cells(row: Row, zone) -> list[str]:
    """Labels rather than codes in the typed columns; times local, with their offset."""
    entry = row.entry
    if row.unshowable:
        return ["", entry.kind.label, "", "", "", "", row.summary, "", "", "", "", str(entry.id),
                ""]
    if row.sealed:
        return [entry.occurred_at.astimezone(zone).date().isoformat(), entry.kind.label, "", "", "",
                "no", row.summary, "", entry.author_role_label, "", "", str(entry.id), ""]
    summary = WITHDRAWN + row.summary if row.version.withdrawn else row.summary
    occurred, recorded, received = (moment.astimezone(zone).isoformat(timespec="seconds")
                                    for moment in (entry.occurred_at, entry.recorded_at,
                                                   entry.received_at))
    return [
        occurred, entry.kind.label, _label("category", entry.category),
        _label("source", entry.source), _label("triangulation", row.version.triangulation),
        "yes" if row.significant else "no", summary,
        entry.author.display_name, entry.author_role_label, recorded, received, str(entry.id),
        str(entry.amends_id or ""),
    ]


def _label(key: str, code: str | None) -> str:
    return LABELS[key].get(code, code) if code else ""
