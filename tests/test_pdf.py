"""The conference-ready PDF of the chronology (issue 7), read back with pypdf."""

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from dailylife.audit import AuditEvent
from dailylife.clock import utcnow
from dailylife.entries import operations
from dailylife.entries.payload import validate
from dailylife.extensions import db

#: Enough entries, with long text, to run over several pages.
ENTRIES = 40


def observe(author, child, days_ago: float, text: str, **extra):
    clean, errors = validate("observation", {"category": "home_environment", "source": "observed",
                                             "text": text, **extra})
    assert not errors, errors
    entry = operations.add_entry(author=author, child=child, kind="observation", data=clean,
                                 occurred_at=utcnow() - timedelta(days=days_ago))
    db.session.commit()
    return entry


def pages_of(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    reader = PdfReader(io.BytesIO(response.get_data()))
    return [" ".join(page.extract_text().split()) for page in reader.pages]


@pytest.fixture
def history(world):
    long_text = "The kitchen was tidy and there was food in the fridge. " * 6
    return [observe(world.practitioner, world.child, ENTRIES - number,
                    f"Entry {number:02d}. {long_text}") for number in range(ENTRIES)]


def test_the_pdf_has_the_child_on_every_page_page_numbers_and_the_entries_in_order(
        world, history, client_for):
    pages = pages_of(client_for(world.supervisor).get(f"/cases/{world.child.id}/chronology.pdf"))
    assert len(pages) > 1, "the history runs over several pages"
    born = f"{world.child.date_of_birth.day} {world.child.date_of_birth:%b %Y}"
    for number, text in enumerate(pages, start=1):
        assert "Amy Example" in text and f"born {born}" in text, f"page {number}"
        assert f"Page {number} of {len(pages)}" in text
    whole = " ".join(pages)
    positions = [whole.index(f"Entry {number:02d}.") for number in range(ENTRIES)]
    assert positions == sorted(positions), "oldest first, as the chronology"
    assert "Filters: none (the whole chronology)" in whole
    assert "by Sara Supervisor" in whole


def test_the_pdf_uses_the_chronologys_filters_and_says_which(world, history, client_for):
    observe(world.practitioner, world.child, 0.5, "A bruise on the left arm.", significant=True,
            impact="Pain when lifting.", action_taken="Seen by the GP today.")
    client = client_for(world.practitioner)
    whole = " ".join(pages_of(client.get(
        f"/cases/{world.child.id}/chronology.pdf?significant=1&order=desc")))
    assert "A bruise on the left arm." in whole and "Entry 05." not in whole
    assert "Significant events only: yes" in whole and "Order: Newest first" in whole
    assert "by Pat Practitioner" in whole


def test_exporting_a_pdf_is_audited_with_its_filters(world, history, client_for):
    client_for(world.supervisor).get(f"/cases/{world.child.id}/chronology.pdf?order=desc")
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "export"))
    assert event.detail == {"format": "pdf", "filters": {"order": "desc"}}
    assert event.child_id == world.child.id and event.actor_id == world.supervisor.id


def test_a_bad_filter_is_refused_before_anything_is_rendered(world, client_for):
    response = client_for(world.supervisor).get(
        f"/cases/{world.child.id}/chronology.pdf?from=2026-13-40")
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "export")) == 0


def test_who_may_export_the_pdf(world, client_for):
    url = f"/cases/{world.child.id}/chronology.pdf"
    for user in (world.advocate, world.other_practitioner, world.other_supervisor, world.admin):
        assert client_for(user).get(url).status_code == 404
    refused = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "refused")).all()
    assert {event.detail["requested"] for event in refused} == {"export"}
