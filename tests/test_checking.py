"""Checking reported information in place: from the child's page, each report a parent or
another agency gave that nobody has checked yet has its own small form, which records the same
triangulation entry as the report's own "check" page (issue 16, item 3)."""

import re
from collections import Counter
from datetime import timedelta
from html.parser import HTMLParser

import pytest
import sqlalchemy as sa

from dailylife.audit import AuditEvent
from dailylife.clock import utcnow
from dailylife.entries import history, operations
from dailylife.entries.kinds import TRIANGULATION_CHECK
from dailylife.entries.models import Entry, Kind
from dailylife.entries.payload import validate
from dailylife.extensions import db

from helpers import amend


def report(author, child, text, *, days_ago=2, source_detail="mother"):
    clean, errors = validate("observation", {
        "category": "education", "text": text, "source": "parent_reported",
        "source_detail": source_detail})
    assert not errors, errors
    entry = operations.add_entry(author=author, child=child, kind=Kind.OBSERVATION, data=clean,
                                 occurred_at=utcnow() - timedelta(days=days_ago))
    db.session.commit()
    return entry


class Forms(HTMLParser):
    """The forms of a page (their action, data-amends and named inputs), every id on it and
    the ids that labels point at."""

    def __init__(self, page: str):
        super().__init__()
        self.forms, self.ids, self.labelled = [], Counter(), set()
        self.feed(page)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if "id" in attrs:
            self.ids[attrs["id"]] += 1
        if tag == "label" and attrs.get("for"):
            self.labelled.add(attrs["for"])
        if tag == "form":
            self.forms.append({"action": attrs.get("action"), "amends": attrs.get("data-amends"),
                               "fields": {}})
        elif tag in ("input", "select", "textarea") and self.forms and attrs.get("name"):
            self.forms[-1]["fields"].setdefault(attrs["name"], attrs.get("value"))

    def checking(self, entry) -> dict:
        (form,) = [form for form in self.forms if form["amends"] == str(entry.id)]
        return form


def checks_of(entry) -> list[Entry]:
    return db.session.scalars(sa.select(Entry).where(Entry.amends_id == entry.id)).all()


ANSWERS = {"triangulation": "contradicted", "contradicted_by_kind": ["record"],
           "triangulation_by": "school attendance officer",
           "reason": "Attendance is 61% this term."}


def test_each_unchecked_report_has_its_own_small_form_on_the_childs_page(world, client_for):
    school = report(world.practitioner, world.child, "Mum says Amy goes to school every day.")
    food = report(world.practitioner, world.child, "Dad says there is always food in.")
    page = client_for(world.practitioner).get(f"/cases/{world.child.id}").get_data(as_text=True)
    forms = Forms(page)
    for entry in (school, food):
        form = forms.checking(entry)
        assert form["action"] == f"/cases/{world.child.id}/entries/{entry.id}/triangulate"
        assert form["fields"]["based_on"] == str(entry.id)
        assert {question.name for question in TRIANGULATION_CHECK} <= set(form["fields"])
    assert not [name for name, count in forms.ids.items() if count > 1], \
        "two forms on one page must not share a field's id"
    assert forms.labelled <= set(forms.ids), "each label names a field that is on the page"


def test_checking_in_place_records_the_same_entry_as_the_reports_own_page(world, client_for):
    in_place = report(world.practitioner, world.child, "Mum says Amy goes to school every day.")
    on_its_page = report(world.practitioner, world.child, "Dad says Amy goes to school too.")
    client = client_for(world.practitioner)
    form = Forms(client.get(f"/cases/{world.child.id}").get_data(as_text=True)).checking(in_place)
    response = client.post_form(form["action"], {**form["fields"], **ANSWERS})
    assert response.status_code == 302
    assert response.location == f"/cases/{world.child.id}"
    client.post_form(f"/cases/{world.child.id}/entries/{on_its_page.id}/triangulate",
                     {**ANSWERS, "based_on": str(on_its_page.id)})

    (made_in_place,), (made_on_its_page,) = checks_of(in_place), checks_of(on_its_page)
    assert made_in_place.kind is made_on_its_page.kind is Kind.AMENDMENT
    assert made_in_place.data == {**made_on_its_page.data, "based_on": str(in_place.id)}
    assert made_in_place.triangulation == "contradicted"
    audited = db.session.scalars(sa.select(AuditEvent.entry_id).where(
        AuditEvent.action == "create_entry")).all()
    assert {made_in_place.id, made_on_its_page.id} <= set(audited)

    page = client.get(f"/cases/{world.child.id}").get_data(as_text=True)
    assert "Recorded. The original report is kept as it was." in page
    assert "Mum says Amy goes to school every day." not in page, "it is no longer waiting"


def test_a_team_manager_checks_a_report_in_place_too(world, client_for):
    entry = report(world.practitioner, world.child, "Mum says the rent is paid.")
    client = client_for(world.supervisor)
    form = Forms(client.get(f"/cases/{world.child.id}").get_data(as_text=True)).checking(entry)
    assert client.post_form(form["action"], {**form["fields"], **ANSWERS}).status_code == 302
    assert len(checks_of(entry)) == 1


def test_no_check_form_for_those_who_do_not_keep_the_record(world, client_for):
    report(world.practitioner, world.child, "Mum says the rent is paid.")
    page = client_for(world.advocate).get(f"/cases/{world.child.id}").get_data(as_text=True)
    assert "Mum says the rent is paid." not in page
    assert not [form for form in Forms(page).forms if form["amends"]]


def _withdrawn_meanwhile(world, entry):
    amend(world.practitioner, entry, withdrawn=True, reason="Entered on the wrong child.")


def _checked_meanwhile(world, entry):
    amend(world.supervisor, entry, triangulation="corroborated",
          triangulation_by="school attendance record", reason="98% this term.")


@pytest.mark.parametrize("answers, meanwhile, field, message", [
    ({"triangulation_by": ""}, None, "triangulation_by",
     "Say who or what corroborated or contradicted it"),
    ({"triangulation": "maybe"}, None, "triangulation", "not one of the options"),
    ({"triangulation": ""}, None, "triangulation",
     "Say whether it was corroborated or contradicted."),
    ({"reason": ""}, None, "reason", "Say what was found."),
    ({}, _withdrawn_meanwhile, "triangulation", "was withdrawn"),
    ({}, _checked_meanwhile, "triangulation",
     re.escape("already checked by Sara Supervisor")),
], ids=["no-by-whom", "bad-outcome", "no-outcome", "nothing-found", "withdrawn-meanwhile",
        "checked-meanwhile"])
def test_a_check_that_cannot_be_recorded_says_why_beside_its_form_and_keeps_what_was_typed(
        world, client_for, answers, meanwhile, field, message):
    entry = report(world.practitioner, world.child, "Mum says Amy goes to school every day.")
    client = client_for(world.practitioner)
    form = Forms(client.get(f"/cases/{world.child.id}").get_data(as_text=True)).checking(entry)
    if meanwhile:
        meanwhile(world, entry)
    before = len(checks_of(entry))
    response = client.post_form(form["action"], {**form["fields"], **ANSWERS, **answers})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    shown = re.search(rf'data-field="{field}".*?class="error-message"[^>]*>([^<]*)<', page,
                      re.DOTALL)
    assert shown and re.search(message, shown.group(1)), page
    assert len(checks_of(entry)) == before, "nothing was recorded"
    typed = {**ANSWERS, **answers}
    for value in (typed["triangulation_by"], typed["reason"]):
        assert value in page, "what was typed comes back in the form"


def test_a_check_of_an_unknown_report_is_a_plain_not_found(world, client_for):
    client = client_for(world.practitioner)
    elsewhere = report(world.practitioner, world.other_child, "Mum says Ben is fine.")
    for entry_id in ("0f8fad5b-d9cb-469f-a165-70867728950e", elsewhere.id):
        response = client.post_form(
            f"/cases/{world.child.id}/entries/{entry_id}/triangulate", ANSWERS)
        assert response.status_code == 404
        assert "There is nothing here" in response.get_data(as_text=True)


def _check_item(world, entry, based_on):
    return {"id": "6c1b1f5e-2a8e-4b55-9f0e-0d9c1f7a1e01", "kind": "amendment",
            "child_id": str(world.child.id), "occurred_at": None,
            "recorded_at": utcnow().isoformat(), "visit_id": None, "amends_id": str(entry.id),
            "data": {**ANSWERS, "based_on": based_on}}


@pytest.mark.parametrize("meanwhile, message", [
    (_withdrawn_meanwhile, "was withdrawn"),
    (_checked_meanwhile, "already checked by Sara Supervisor"),
])
def test_a_check_synced_from_the_tablet_is_refused_the_same_way(world, client_for, meanwhile,
                                                                 message):
    entry = report(world.practitioner, world.child, "Mum says Amy goes to school every day.")
    meanwhile(world, entry)
    client = client_for(world.practitioner)
    answer = client.post_json("/api/v1/sync", {"device_id": "tablet-1", "items": [
        _check_item(world, entry, str(entry.id))]}).get_json()
    (result,) = answer["results"]
    assert result["status"] == "rejected"
    assert message in " ".join(result["errors"]["triangulation"])


def test_a_report_already_checked_can_be_checked_again_from_the_version_shown(
        world, client_for):
    """A second source, deliberately recorded by someone who saw the first check."""
    entry = report(world.practitioner, world.child, "Mum says Amy goes to school every day.")
    _checked_meanwhile(world, entry)
    latest = str(history.version_of(entry).latest_id)
    response = client_for(world.practitioner).post_form(
        f"/cases/{world.child.id}/entries/{entry.id}/triangulate", {**ANSWERS, "based_on": latest})
    assert response.status_code == 302
    assert len(checks_of(entry)) == 2


def test_the_published_rules_carry_the_check_of_reported_information(client_for, world):
    rules = client_for(world.practitioner).get("/rules.json").get_json()
    check = rules["checks"]["triangulation"]
    required = {name for rule in check["schema"]["allOf"] for name in rule.get("required", [])}
    assert required == {"triangulation", "triangulation_by", "reason"}
    assert check["labels"]["triangulation_by"] == "By whom or what"
