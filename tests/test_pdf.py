"""The conference-ready PDF of the chronology (issue 7), read back with pypdf."""

import io
from datetime import timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from dailylife.audit import AuditEvent
from dailylife.clock import to_local, utcnow
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


def test_exporting_a_pdf_is_audited_with_its_filters_and_the_choice_on_confidential_notes(
        world, history, client_for):
    client = client_for(world.supervisor)
    client.get(f"/cases/{world.child.id}/chronology.pdf?order=desc")
    client.get(f"/cases/{world.child.id}/chronology.pdf?confidential_notes=include")
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "export")
                                .order_by(AuditEvent.id)).all()
    assert [event.detail for event in events] == [
        {"format": "pdf", "filters": {"order": "desc"}, "confidential_notes": "left_out"},
        {"format": "pdf", "filters": {}, "confidential_notes": "included"},
    ]
    assert {(event.child_id, event.actor_id) for event in events} == {
        (world.child.id, world.supervisor.id)}


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


# --- Fit for a conference: the protective marking and the advocates' confidential notes ------

CONFIDENTIAL_WORDS = "I sleep at my nan's when Dad shouts."


def confidential_note(world, days_ago: float, **extra):
    """An advocate's note of what the child did not agree to share with the social work team."""
    clean, errors = validate("voice", {"words": CONFIDENTIAL_WORDS, "mode": "spoken",
                                       "share_with_team": False, **extra})
    assert not errors, errors
    entry = operations.add_entry(author=world.advocate, child=world.child, kind="voice",
                                 data=clean, occurred_at=utcnow() - timedelta(days=days_ago))
    db.session.commit()
    return entry


#: The page's margins, where a reader looks for the marking: within 25 mm of the edge.
MARGIN_POINTS = 25 / 25.4 * 72


def marking_places(response, marking: str) -> list[set[str]]:
    """For each page, where the marking is printed: in the "top" or "bottom" margin, or "body"."""
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    places = []
    for page in PdfReader(io.BytesIO(response.get_data())).pages:
        height, found = float(page.mediabox.height), set()

        def note(text, matrix, text_matrix, *_, found=found, height=height):
            if marking in text:
                from_bottom = matrix[3] * text_matrix[5] + matrix[5]
                found.add("top" if from_bottom > height - MARGIN_POINTS
                          else "bottom" if from_bottom < MARGIN_POINTS else "body")

        page.extract_text(visitor_text=note)
        places.append(found)
    return places


def test_every_page_of_the_pdf_is_marked_official_sensitive_at_the_top_and_the_bottom(
        world, history, client_for):
    places = marking_places(client_for(world.supervisor).get(
        f"/cases/{world.child.id}/chronology.pdf"), "OFFICIAL-SENSITIVE")
    assert len(places) >= 3, "a chronology long enough to show the marking page after page"
    for number, found in enumerate(places, start=1):
        assert {"top", "bottom"} <= found, f"page {number}"


def test_the_pdf_carries_the_marking_the_council_configured(app, world, client_for):
    app.config["PROTECTIVE_MARKING"] = "OFFICIAL-SENSITIVE PERSONAL"
    observe(world.practitioner, world.child, 1, "Amy showed me her room.")
    (found,) = marking_places(client_for(world.supervisor).get(
        f"/cases/{world.child.id}/chronology.pdf"), "OFFICIAL-SENSITIVE PERSONAL")
    assert {"top", "bottom"} <= found


def test_a_supervisor_s_pdf_leaves_a_confidential_note_out_by_default_and_says_it_exists(
        world, client_for):
    note = confidential_note(world, 3)
    observe(world.practitioner, world.child, 2, "Amy showed me her room.")
    whole = " ".join(pages_of(client_for(world.supervisor).get(
        f"/cases/{world.child.id}/chronology.pdf")))
    assert CONFIDENTIAL_WORDS not in whole and "Amy showed me her room." in whole
    day = to_local(note.occurred_at).strftime("%-d %b %Y")
    assert (f"A confidential advocate note exists on {day}. It was left out of this export."
            in whole)
    assert "1 confidential advocate note was left out of this export" in whole


def test_a_supervisor_who_chooses_to_include_the_notes_gets_them_word_for_word_with_a_warning(
        world, client_for):
    confidential_note(world, 3)
    confidential_note(world, 2)
    whole = " ".join(pages_of(client_for(world.supervisor).get(
        f"/cases/{world.child.id}/chronology.pdf?confidential_notes=include")))
    assert whole.count(CONFIDENTIAL_WORDS) == 2 and "left out" not in whole
    assert "This export includes 2 confidential advocate notes word for word" in whole


def test_leaving_the_notes_out_of_a_significant_events_pdf_does_not_show_one_was_significant(
        world, client_for):
    """Left out, a note is treated as the team's chronology treats it: it never answers that
    filter, so the pack does not show that something significant was kept from it."""
    confidential_note(world, 3, significant=True, impact="Frightened at night.",
                      action_taken="Talked it through.")
    observe(world.practitioner, world.child, 1, "A bruise on the arm.", significant=True,
            impact="Pain when lifting.", action_taken="Seen by the GP today.")
    url = f"/cases/{world.child.id}/chronology.pdf?significant=1"
    left_out = " ".join(pages_of(client_for(world.supervisor).get(url)))
    assert "A bruise on the arm." in left_out and CONFIDENTIAL_WORDS not in left_out
    assert "confidential advocate note" not in left_out
    included = " ".join(pages_of(client_for(world.supervisor).get(
        url + "&confidential_notes=include")))
    assert CONFIDENTIAL_WORDS in included
