"""The chronology as a conference-ready PDF, rendered on the server by WeasyPrint.

The page is the chronology's own print template with every matching entry (so the PDF and a
printed page say the same); this module adds what a conference needs on every page — the child's
name and date of birth at the top, "page N of M" at the bottom — and lets WeasyPrint read only
the app's own static files (nothing is fetched from anywhere else).
"""

import mimetypes
from pathlib import Path

from flask import Response, current_app
from PIL import ImageFile
from weasyprint import CSS, HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from dailylife.chronology import keyset
from dailylife.chronology.rows import Row
from dailylife.clock import to_local, utcnow

# Importing WeasyPrint tells Pillow, for the whole process, to accept truncated images. Our PDFs
# hold no pictures, and the media upload must refuse a truncated photo: put Pillow's rule back.
ImageFile.LOAD_TRUNCATED_IMAGES = False

BATCH_SIZE = 500
#: The address WeasyPrint resolves the page's links against; only /static/ is served to it.
BASE_URL = "http://dailylife.invalid/"
STATIC_PREFIX = BASE_URL + "static/"


def all_rows(child, conditions: list, *, descending: bool, rows_of) -> list[Row]:
    """Every matching entry as a chronology row, read in keyset batches; ``rows_of(child,
    entries)`` makes the rows the person exporting may have."""
    found = []
    for entries in keyset.batches(child.id, conditions, descending=descending, size=BATCH_SIZE):
        found.extend(rows_of(child, entries))
    return found


def export_note(form, applied: dict[str, str], user, *, confidential: str | None) -> dict:
    """What the PDF says about itself: the filters used, when and by whom it was exported, and
    what became of the advocates' confidential notes."""
    used = [f"{field.label.text}: {_shown(field, applied[field.name])}"
            for field in form if field.name in applied]
    return {"filters": "; ".join(used) or "none (the whole chronology)",
            "at": to_local(utcnow()).strftime("%-d %b %Y, %H:%M"), "by": user.display_name,
            "confidential": confidential}


def _shown(field, value: str) -> str:
    """A filter's value in words: the label of a choice, "yes" for a ticked box."""
    choices = getattr(field, "choices", None)
    if isinstance(choices, dict):
        return str(choices.get(value, value))
    return "yes" if value == "1" else value


def pdf_response(child, html: str, title: str = "chronology") -> Response:
    """The page as a PDF named after its ``title`` ("chronology", "transfer summary")."""
    document = HTML(string=html, base_url=BASE_URL,
                    url_fetcher=StaticOnly(Path(current_app.static_folder)))
    pdf = document.write_pdf(stylesheets=[CSS(string=page_css(child, title))])
    response = Response(pdf, mimetype="application/pdf")
    name = f"{title.replace(' ', '-')}-{child.id}.pdf"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def page_css(child, title: str) -> str:
    """Every page: the protective marking at the top and the bottom (where a council's readers
    look for it), who the record is about at the top, where you are in it at the bottom."""
    heading = _css_string(f"{child.display_name} · {child.birth_words} · {title}")
    marking = _css_string(current_app.config["PROTECTIVE_MARKING"])
    return ("@page { size: A4; margin: 20mm 12mm 18mm;"
            f" @top-left {{ content: {heading}; font-size: 9pt; }}"
            f" @top-right {{ content: {marking}; font-size: 10pt; font-weight: bold; }}"
            f" @bottom-left {{ content: {marking}; font-size: 10pt; font-weight: bold; }}"
            ' @bottom-right { content: "Page " counter(page) " of " counter(pages);'
            " font-size: 9pt; } }")


def _css_string(text: str) -> str:
    """A CSS string literal: quotes and backslashes escaped, line breaks as CSS escapes."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\A ")
    return f'"{escaped}"'


class StaticOnly(URLFetcher):
    """Stylesheets and fonts from the app's static folder; anything else is refused (WeasyPrint
    then leaves it out and goes on)."""

    def __init__(self, folder: Path):
        super().__init__()
        self.folder = folder.resolve()

    def fetch(self, url, headers=None):
        if not url.startswith(STATIC_PREFIX):
            raise ValueError(f"the PDF may only use the app's own files, not {url[:80]}")
        path = (self.folder / url[len(STATIC_PREFIX):].split("?", 1)[0]).resolve()
        if not path.is_relative_to(self.folder) or not path.is_file():
            raise ValueError(f"no static file {url[:80]}")
        content_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return URLFetcherResponse(url, body=path.read_bytes(),
                                  headers={"Content-Type": content_type})
