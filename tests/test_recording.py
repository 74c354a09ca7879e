"""Recording a home visit and single entries, online and without JavaScript (issue 3)."""

import re
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from dailylife.clock import to_local, utcnow
from dailylife.entries import history, payload
from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db

from helpers import record


def local_input(moment: datetime) -> str:
    return to_local(moment).strftime("%Y-%m-%dT%H:%M")


def a_full_visit(**overrides) -> dict:
    form = {
        "occurred_at": local_input(utcnow() - timedelta(hours=2)),
        "type": "unannounced", "location": "family home", "present": "Mother\nAmy",
        "child_seen": "yes", "seen_alone": "yes", "seen_awake": "yes", "bedroom_seen": "yes",
        "duration_minutes": "50",
        "observations-0-category": "home_environment",
        "observations-0-text": "Fridge empty apart from a bottle of ketchup.",
        "observations-0-source": "observed",
        "observations-1-category": "education",
        "observations-1-text": "Mother says Amy goes to school every day.",
        "observations-1-source": "parent_reported", "observations-1-source_detail": "mother",
        "voice-0-words": "I had crisps for breakfast 🙂", "voice-0-mode": "spoken",
        "voice-0-share_with_team": "y",
        "voice-1-words": "Drew herself outside the house, alone.", "voice-1-mode": "drawing",
        "voice-1-share_with_team": "y",
        "analysis": "Amy is hungry in the mornings.",
        "what_would_change_my_view": "School confirming breakfast club attendance.",
    }
    form.update(overrides)
    return form


def entries_of(child):
    """What the tests recorded (each case opens with its status, written by dailylife)."""
    return db.session.scalars(sa.select(Entry).where(Entry.child_id == child.id,
                                                     Entry.kind != Kind.STATUS_CHANGE)
                              .order_by(Entry.kind)).all()


def test_a_practitioner_records_a_full_visit_in_one_go(world, client_for):
    client = client_for(world.practitioner)
    response = client.post_form(f"/cases/{world.child.id}/visits/new", a_full_visit())
    assert response.status_code == 302, response.get_data(as_text=True)
    entries = entries_of(world.child)
    kinds = sorted(entry.kind.value for entry in entries)
    assert kinds == ["observation", "observation", "visit", "voice", "voice"]
    visit = next(entry for entry in entries if entry.kind is Kind.VISIT)
    assert all(entry.visit_id == visit.id for entry in entries if entry is not visit)
    parts = sorted((entry for entry in entries if entry is not visit), key=lambda e: e.occurred_at)
    assert all(part.occurred_at > visit.occurred_at for part in parts), "the visit comes first"
    assert [part.kind.value for part in parts] == ["observation", "observation", "voice", "voice"]
    assert visit.data["present"] == ["Mother", "Amy"]
    assert visit.data["seen_alone"] is True
    reported = next(entry for entry in entries if entry.source == "parent_reported")
    assert reported.triangulation == "unverified"
    assert any(entry.data.get("words") == "I had crisps for breakfast 🙂" for entry in entries)


def test_the_visit_form_offers_what_good_practice_asks_for(world, client_for):
    page = client_for(world.practitioner).get(f"/cases/{world.child.id}/visits/new")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    for name in ("occurred_at", "child_seen", "seen_alone", "seen_alone_reason", "seen_awake",
                 "bedroom_seen", "observations-0-text", "observations-0-source", "voice-0-words",
                 "voice-0-mode", "what_would_change_my_view", "analysis"):
        assert f'name="{name}"' in html, name
    assert 'value="Save visit"' in html
    assert page.headers["Cache-Control"] == "no-store"


def test_adding_a_row_without_javascript_keeps_what_was_typed(world, client_for):
    client = client_for(world.practitioner)
    form = a_full_visit(add_observation="Add another observation")
    page = client.post_form(f"/cases/{world.child.id}/visits/new", form)
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'name="observations-2-text"' in html
    assert "Fridge empty apart from a bottle of ketchup." in html
    assert entries_of(world.child) == []


def test_blank_rows_are_ignored_but_a_half_filled_observation_is_refused(world, client_for):
    client = client_for(world.practitioner)
    form = a_full_visit(**{"observations-2-category": "", "observations-2-text": "",
                           "observations-3-category": "behaviour", "observations-3-text": "",
                           "observations-3-source": "observed"})
    page = client.post_form(f"/cases/{world.child.id}/visits/new", form)
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    assert "an empty observation cannot be saved" in html
    assert "I had crisps for breakfast 🙂" in html, "what was typed comes back"
    assert entries_of(world.child) == [], "nothing is saved partially"


@pytest.mark.parametrize("overrides, field, message", [
    ({"occurred_at": "2999-01-01T10:00"}, "occurred_at", "in the future"),
    ({"occurred_at": "31/02/2026"}, "occurred_at", "Not a valid datetime"),
    ({"observations-0-category": "gossip"}, "observations-0-category", "not one of the options"),
    ({"observations-0-source": "rumour"}, "observations-0-source", "not one of the options"),
    ({"observations-0-text": "x" * 20_001}, "observations-0-text", "longer than 20,000"),
    ({"voice-0-mode": "telepathy"}, "voice-0-mode", "not one of the options"),
    ({"child_seen": ""}, "child_seen", "Say whether the child was seen"),
    ({"seen_alone": "no"}, "seen_alone_reason", "Say why the child was not seen alone"),
    ({"type": "no_access"}, "child_seen", "no-access visit cannot have seen the child"),
    ({"observations-0-significant": "y"}, "observations-0-impact", "impact"),
])
def test_a_bad_answer_is_explained_at_its_field_and_nothing_is_saved(
        world, client_for, overrides, field, message):
    client = client_for(world.practitioner)
    page = client.post_form(f"/cases/{world.child.id}/visits/new", a_full_visit(**overrides))
    html = page.get_data(as_text=True)
    assert page.status_code == 400
    error = re.search(rf'id="{re.escape(field)}-error">(.*?)</p>', html, re.S)
    assert error and message in error.group(1), html[html.find("error-summary"):][:2000]
    assert entries_of(world.child) == []


def test_text_keeps_every_character_and_is_escaped_on_output(world, client_for):
    client = client_for(world.practitioner)
    words = "<script>alert(1)</script>\nمرحبا 👋 line two"
    response = client.post_form(f"/cases/{world.child.id}/voice/new", {
        "occurred_at": local_input(utcnow() - timedelta(minutes=5)), "words": words,
        "mode": "written", "share_with_team": "y"})
    assert response.status_code == 302
    (entry,) = entries_of(world.child)
    assert entry.data["words"] == words
    html = client.get(f"/cases/{world.child.id}/entries/{entry.id}").get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)" not in html
    assert "مرحبا 👋" in html


def test_an_author_corrects_an_entry_and_the_history_keeps_the_original(world, client_for):
    entry = record(world.practitioner, world.child, "observation", category="behaviour",
                   text="Amy hid under the table.", source="observed")
    client = client_for(world.practitioner)
    page = client.get(f"/cases/{world.child.id}/entries/{entry.id}/amend")
    assert "Amy hid under the table." in page.get_data(as_text=True)
    response = client.post_form(f"/cases/{world.child.id}/entries/{entry.id}/amend", {
        "reason": "Wrong room", "based_on": str(entry.id),
        "correction-category": "behaviour", "correction-source": "observed",
        "correction-text": "Amy hid under the kitchen table."})
    assert response.status_code == 302, response.get_data(as_text=True)
    version = history.version_of(db.session.get(Entry, entry.id))
    assert version.data["text"] == "Amy hid under the kitchen table."
    assert version.entry.data["text"] == "Amy hid under the table.", "the original is untouched"
    detail = client.get(f"/cases/{world.child.id}/entries/{entry.id}").get_data(as_text=True)
    assert "Amy hid under the kitchen table." in detail and "Amy hid under the table." in detail
    assert "Wrong room" in detail


def test_withdrawing_an_entry_keeps_it_marked_as_entered_in_error(world, client_for):
    entry = record(world.practitioner, world.child, "observation", category="health",
                   text="About another child.", source="observed")
    client = client_for(world.practitioner)
    response = client.post_form(f"/cases/{world.child.id}/entries/{entry.id}/amend", {
        "reason": "Belongs to another child's record", "withdrawn": "y",
        "based_on": str(entry.id), "correction-category": "health",
        "correction-source": "observed", "correction-text": "About another child."})
    assert response.status_code == 302
    version = history.version_of(db.session.get(Entry, entry.id))
    assert version.withdrawn
    assert "Withdrawn" in client.get(f"/cases/{world.child.id}/entries/{entry.id}").get_data(
        as_text=True)


def test_a_correction_that_changes_nothing_is_refused_with_a_reason(world, client_for):
    entry = record(world.practitioner, world.child, "observation", category="health",
                   text="Has a cold.", source="observed")
    response = client_for(world.practitioner).post_form(
        f"/cases/{world.child.id}/entries/{entry.id}/amend", {
            "reason": "typo", "based_on": str(entry.id), "correction-category": "health",
            "correction-source": "observed", "correction-text": "Has a cold."})
    assert response.status_code == 400
    assert "Nothing was changed" in response.get_data(as_text=True)


def test_nobody_amends_someone_elses_entry_or_an_entry_through_another_child(
        world, client_for, allocate, make_child):
    entry = record(world.practitioner, world.child, "observation", category="health",
                   text="Has a cold.", source="observed")
    allocate(world.other_practitioner, world.child)
    colleague = client_for(world.other_practitioner)
    assert colleague.get(f"/cases/{world.child.id}/entries/{entry.id}/amend").status_code == 404
    second_child = make_child(world.team_a, name="Second Child")
    allocate(world.practitioner, second_child)
    author = client_for(world.practitioner)
    assert author.get(f"/cases/{second_child.id}/entries/{entry.id}").status_code == 404
    assert author.get(f"/cases/{second_child.id}/entries/{entry.id}/amend").status_code == 404


def test_reported_information_waits_on_the_child_page_until_it_is_checked(world, client_for):
    report = record(world.practitioner, world.child, "observation", category="education",
                    text="Mother says Amy is at school every day.", source="parent_reported",
                    source_detail="mother")
    client = client_for(world.practitioner)
    child_page = client.get(f"/cases/{world.child.id}").get_data(as_text=True)
    assert "Mother says Amy is at school every day." in child_page
    response = client.post_form(f"/cases/{world.child.id}/entries/{report.id}/triangulate", {
        "triangulation": "contradicted", "contradicted_by_kind": ["record"],
        "triangulation_by": "school attendance officer",
        "reason": "Attendance is 61% this term.", "based_on": str(report.id)})
    assert response.status_code == 302, response.get_data(as_text=True)
    version = history.version_of(db.session.get(Entry, report.id))
    assert version.triangulation == "contradicted"
    assert version.entry.triangulation == "unverified", "the report itself is never edited"
    child_page = client.get(f"/cases/{world.child.id}").get_data(as_text=True)
    assert "Mother says Amy is at school every day." not in child_page


def test_only_reported_information_can_be_triangulated(world, client_for):
    seen = record(world.practitioner, world.child, "observation", category="health",
                  text="Bruise on left arm.", source="observed")
    response = client_for(world.practitioner).get(
        f"/cases/{world.child.id}/entries/{seen.id}/triangulate")
    assert response.status_code == 404


def test_the_supervisor_of_the_childs_team_records_oversight_and_others_cannot(
        world, client_for):
    due = (to_local(utcnow()) + timedelta(days=14)).date().isoformat()
    form = {"occurred_at": local_input(utcnow() - timedelta(hours=1)),
            "summary": "Discussed the empty fridge.", "decision": "Food bank referral today.",
            "risk_assessment_reviewed": "y", "actions-0-action": "Refer to food bank",
            "actions-0-owner": "Pat", "actions-0-due": due}
    url = f"/cases/{world.child.id}/oversight/new"
    assert client_for(world.supervisor).post_form(url, form).status_code == 302
    for outsider in (world.practitioner, world.advocate, world.other_supervisor, world.admin):
        assert client_for(outsider).post_form(url, form).status_code == 404
    (oversight,) = entries_of(world.child)
    assert oversight.kind is Kind.OVERSIGHT
    assert oversight.data["actions"] == [
        {"action": "Refer to food bank", "owner": "Pat", "due": due}]
    assert oversight.data["risk_assessment_reviewed"] is True


def test_the_child_page_shows_household_last_seen_alone_and_latest_words(world, client_for):
    record(world.practitioner, world.child, "household_change", change="joined", name="Dean",
           relationship="mother's partner", risk_factors=["domestic_abuse"])
    record(world.practitioner, world.child, "visit", type="planned", child_seen=True,
           seen_alone=True)
    record(world.practitioner, world.child, "voice", words="I don't like Dean shouting.",
           mode="spoken")
    html = client_for(world.practitioner).get(f"/cases/{world.child.id}").get_data(as_text=True)
    assert "Dean" in html and "Domestic abuse" in html
    assert "Never recorded" not in html
    assert "I don&#39;t like Dean shouting." in html
    assert "Record a visit" in html


def household_on_page(client, child) -> str:
    """The "Household now" section of the child's page, as HTML."""
    page = client.get(f"/cases/{child.id}").get_data(as_text=True)
    return page.split('id="household-heading"')[1].split("</section>")[0]


def test_someone_who_left_the_household_is_no_longer_shown_in_it(world, client_for):
    """The household is replayed in date order: a leaving, however the name was typed, takes the
    person off the child's page until they are recorded joining again."""
    def change(days_ago, change, name, relationship):
        record(world.practitioner, world.child, "household_change",
               utcnow() - timedelta(days=days_ago), change=change, name=name,
               relationship=relationship)

    change(10, "joined", "Dean Smith", "mother's partner")
    change(9, "joined", "Nan", "grandmother")
    change(3, "left", "  dean smith ", "mother's partner")
    client = client_for(world.practitioner)
    assert "Nan" in household_on_page(client, world.child)
    assert "Dean" not in household_on_page(client, world.child)
    change(1, "joined", "Dean Smith", "mother's partner")
    assert "Dean Smith" in household_on_page(client, world.child)


def test_items_of_every_kind_are_judged_one_after_another_each_on_its_own_answers():
    """A sync batch judges item after item with each kind's schema compiled once: no answer or
    error of one item may carry over to the next, whatever came before it."""
    items = [
        ("observation", {"category": "health", "text": "Bruise on arm.", "source": "observed",
                         "significant": True, "impact": "Worried.", "action_taken": "Referral."}),
        ("observation", {"category": "gossip", "text": " ", "source": "observed"}),
        ("observation", {"category": "health", "text": "Well.", "source": "parent_reported",
                         "source_detail": "mother", "triangulation": "unverified"}),
        ("observation", {"category": "behaviour", "text": "Calm.", "source": "observed"}),
        ("voice", {"words": "", "mode": "spoken"}),
        ("voice", {"words": "I want to stay.", "mode": "spoken", "share_with_team": False}),
        ("voice", {"words": "Me too.", "mode": "play"}),
        ("visit", {"type": "planned", "child_seen": True, "seen_alone": False,
                   "seen_alone_reason": "Asleep.", "present": ["Mother"], "duration_minutes": 30}),
        ("visit", {"type": "no_access", "child_seen": False}),
        ("oversight", {"summary": "Plan.", "actions": [{"action": "Call school", "owner": "Pat"}]}),
        ("oversight", {"summary": "Plan.", "actions": [{"action": "", "owner": "Pat"}]}),
        ("oversight", {"summary": "No actions this time."}),
    ]
    reused = [payload.validate(kind, data) for kind, data in items]
    assert reused[::-1] == [payload.validate(kind, data) for kind, data in reversed(items)]
    assert [bool(errors) for _, errors in reused] == [
        False, True, False, False, True, False, False, False, False, False, True, False]
    assert reused[3][0] == {"category": "behaviour", "text": "Calm.", "source": "observed",
                            "significant": False}
    assert reused[6][0]["share_with_team"] is True
    assert "actions" not in reused[11][0]
