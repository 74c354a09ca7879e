"""A team manager downloads a child's chronology for a conference: the protective marking on it,
and the advocates' confidential notes left out unless they choose to include them."""

import csv
import io
from datetime import timedelta
from pathlib import Path

from pypdf import PdfReader

from dailylife.clock import utcnow
from dailylife.entries import operations
from dailylife.entries.payload import validate
from dailylife.extensions import db

CONFIDENTIAL_WORDS = "I sleep at my nan's when Dad shouts."


def add_confidential_note(world):
    clean, errors = validate("voice", {"words": CONFIDENTIAL_WORDS, "mode": "spoken",
                                       "share_with_team": False})
    assert not errors, errors
    operations.add_entry(author=world.advocate, child=world.child, kind="voice", data=clean,
                         occurred_at=utcnow() - timedelta(days=2))
    db.session.commit()


#: WeasyPrint renders the PDF on the server: seconds on a busy machine, not milliseconds.
RENDERING_MS = 30_000


def download(page, button_name: str) -> bytes:
    with page.expect_download(timeout=RENDERING_MS) as downloaded:
        page.get_by_role("button", name=button_name).click(timeout=RENDERING_MS)
    return Path(downloaded.value.path()).read_bytes()


def test_a_team_manager_downloads_the_notes_left_out_by_default_or_included_when_chosen(
        world, page, sign_in, axe_violations):
    add_confidential_note(world)
    sign_in(page, world.supervisor)
    page.goto(f"/cases/{world.child.id}/chronology?kind=voice")
    choice = page.get_by_role("group", name="Confidential advocate notes")
    assert choice.get_by_label("Leave them out").is_checked()
    assert axe_violations(page) == []

    first, *rows = csv.reader(io.StringIO(
        download(page, "Download these entries as CSV").decode("utf-8-sig")))
    assert first == ["OFFICIAL-SENSITIVE"]
    assert [row[1] for row in rows[1:]] == ["Child's own words"], \
        "the filter went along with the export"
    assert "It was left out of this export." in rows[1][6]

    choice.get_by_label("Include them word for word").check()
    pdf = PdfReader(io.BytesIO(download(page, "Download these entries as a PDF")))
    text = " ".join(" ".join(page.extract_text().split()) for page in pdf.pages)
    assert CONFIDENTIAL_WORDS in text and "OFFICIAL-SENSITIVE" in text
    assert "This export includes 1 confidential advocate note word for word" in text
