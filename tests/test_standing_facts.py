"""Standing facts (issue 17 item 7): history flags recorded by the team's supervisor stay visible
on the child's page, the team dashboard and the tablet."""

import uuid
from datetime import timedelta

import sqlalchemy as sa

from dailylife.audit import AuditEvent
from dailylife.clock import local_today, to_local, utcnow
from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db

PLAN_BEFORE = {"what": "child_protection_plan", "about": "this_child",
               "source": "Leeds children's services records", "when": "2019"}


def iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def local_input(moment) -> str:
    return to_local(moment).strftime("%Y-%m-%dT%H:%M")


def flag_page(child) -> str:
    return f"/cases/{child.id}/history-flags/new"


def record_flag(client, child, **answers):
    """The supervisor's page, posted as a browser posts it."""
    return client.post_form(flag_page(child), {"occurred_at": local_input(utcnow()),
                                               **PLAN_BEFORE, **answers})


def flag_item(child, **data):
    return {"id": str(uuid.uuid4()), "kind": "history_flag", "child_id": str(child.id),
            "occurred_at": iso(utcnow() - timedelta(hours=1)), "recorded_at": iso(utcnow()),
            "visit_id": None, "amends_id": None, "data": {**PLAN_BEFORE, **data}}


def sync(client, *items):
    response = client.post_json("/api/v1/sync", {"device_id": "tablet-1", "items": list(items)})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["results"]


def flags_stored() -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(Entry.kind == Kind.HISTORY_FLAG))


def page_of(client, child) -> str:
    response = client.get(f"/cases/{child.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def brief_of(client) -> dict:
    (brief,) = client.get("/api/v1/cases").get_json()["cases"]
    return brief


# Recording a flag --------------------------------------------------------------------------------

def test_a_supervisor_records_an_earlier_plan_and_it_heads_the_childs_page(world, client_for):
    sara = client_for(world.supervisor)
    assert "Record a history flag" in page_of(sara, world.child)
    response = record_flag(sara, world.child, details="Neglect; ended when the family moved.")
    assert response.status_code == 302, response.get_data(as_text=True)
    page = page_of(sara, world.child)
    flags = page.index('id="history-flags-heading"')
    assert flags < page.index('id="signals-heading"') and flags < page.index("<dt>Age</dt>")
    assert 'data-history-flag="child_protection_plan"' in page
    assert "Earlier child protection plan</strong> — This child, 2019." in page
    assert "Known from: Leeds children&#39;s services records." in page
    assert "Neglect; ended when the family moved." in page
    assert "child_protection_plan</" not in page, "the code is never shown as words"


def test_a_flag_about_a_sibling_names_the_sibling(world, client_for):
    sara = client_for(world.supervisor)
    response = record_flag(sara, world.child, what="removal", about="sibling", sibling="Jay",
                           when="spring 2017")
    assert response.status_code == 302, response.get_data(as_text=True)
    page = page_of(client_for(world.practitioner), world.child)
    assert ("Earlier removal from a parent&#39;s care</strong> — Brother or sister: Jay, "
            "spring 2017.") in page


def test_the_chronology_reads_the_flag_in_words(world, client_for):
    sara = client_for(world.supervisor)
    record_flag(sara, world.child, what="care_proceedings", when="2016 to 2017")
    chronology = sara.get(f"/cases/{world.child.id}/chronology").get_data(as_text=True)
    assert ("History: Earlier care proceedings (this child). 2016 to 2017. Known from Leeds "
            "children&#39;s services records.") in chronology


def test_a_supervisor_sends_a_flag_from_the_tablet(world, client_for):
    sara = client_for(world.supervisor)
    (result,) = sync(sara, flag_item(world.child))
    assert result["status"] == "created"
    assert "Earlier child protection plan" in page_of(sara, world.child)


# Bad input ---------------------------------------------------------------------------------------

def test_a_flag_without_its_source_is_shown_again_with_the_message_at_the_field(
        world, client_for):
    response = record_flag(client_for(world.supervisor), world.child, source="  ")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="source-error"' in page and "Say where this is known from" in page
    assert flags_stored() == 0


def test_a_flag_of_something_the_form_does_not_offer_is_refused_with_the_options(
        world, client_for):
    sara = client_for(world.supervisor)
    (result,) = sync(sara, flag_item(world.child, what="adoption"))
    assert result["status"] == "rejected"
    assert "Earlier care proceedings" in " ".join(result["errors"]["what"])
    response = record_flag(sara, world.child, what="adoption")
    assert response.status_code == 400 and 'id="what-error"' in response.get_data(as_text=True)
    assert flags_stored() == 0


def test_a_flag_dated_in_the_future_is_refused_on_the_page_and_from_the_tablet(
        world, client_for):
    sara = client_for(world.supervisor)
    next_year = str(local_today().year + 1)
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    for when in (next_year, f"spring {next_year}", tomorrow):
        response = record_flag(sara, world.child, when=when)
        assert response.status_code == 400, when
        assert "This is in the future." in response.get_data(as_text=True)
        (result,) = sync(sara, flag_item(world.child, when=when))
        assert result["status"] == "rejected" and "when" in result["errors"], when
    assert flags_stored() == 0
    for when in (str(local_today().year), local_today().isoformat(), "when she was a baby"):
        assert record_flag(sara, world.child, when=when).status_code == 302, when


def test_a_sibling_flag_names_the_sibling_and_something_else_says_what(world, client_for):
    sara = client_for(world.supervisor)
    response = record_flag(sara, world.child, about="sibling")
    assert response.status_code == 400
    assert "Say which brother or sister" in response.get_data(as_text=True)
    (result,) = sync(sara, flag_item(world.child, what="other"))
    assert result["status"] == "rejected" and "details" in result["errors"]
    assert flags_stored() == 0


def test_a_social_worker_cannot_record_a_flag_and_the_attempt_is_audited(world, client_for):
    pat = client_for(world.practitioner)
    assert pat.get(flag_page(world.child)).status_code == 404
    assert record_flag(pat, world.child).status_code == 404
    (result,) = sync(pat, flag_item(world.child))
    assert result["status"] == "forbidden"
    assert flags_stored() == 0
    refused = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "refused", AuditEvent.child_id == world.child.id)).all()
    assert len(refused) == 3
    assert "Record a history flag" not in page_of(pat, world.child)


# Who sees it, and where --------------------------------------------------------------------------

def test_the_advocate_never_sees_a_flag(world, client_for):
    (result,) = sync(client_for(world.supervisor), flag_item(world.child))
    ada = client_for(world.advocate)
    assert "Known history" not in page_of(ada, world.child)
    assert "history_flags" not in brief_of(ada)
    detail = ada.get(f"/cases/{world.child.id}/entries/{result['id']}")
    assert detail.status_code == 404


def test_the_team_dashboard_marks_each_child_with_a_known_history(world, client_for, make_child):
    quiet = make_child(world.team_a, name="Quinn Quiet")
    sara = client_for(world.supervisor)
    sync(sara, flag_item(world.child), flag_item(world.child, what="care_proceedings"),
         flag_item(world.child, what="child_protection_plan", when="2021"))
    board = sara.get("/team").get_data(as_text=True)
    row = board[board.index(f'id="child-{world.child.id}"'):]
    row = row[:row.index("</summary>")]
    assert 'data-history-flags="3"' in row
    assert "Known history: Earlier child protection plan; Earlier care proceedings" in row
    quiet_row = board[board.index(f'id="child-{quiet.id}"'):]
    assert "data-history-flags" not in quiet_row[:quiet_row.index("</summary>")]


def test_the_tablets_brief_carries_the_flags_in_words(world, client_for):
    sync(client_for(world.supervisor), flag_item(world.child, details="Court order 2019."))
    (flag,) = brief_of(client_for(world.practitioner))["history_flags"]
    assert flag["what"] == "child_protection_plan"
    assert flag["what_label"] == "Earlier child protection plan"
    assert flag["about_words"] == "This child"
    assert flag["source"] == "Leeds children's services records"
    assert flag["details"] == "Court order 2019." and flag["when"] == "2019"
    assert flag["recorded_by"] == "Sara Supervisor"


def correct(client, child, flag, **data):
    fix = {**flag_item(child), "kind": "amendment", "amends_id": flag["id"],
           "data": {"reason": "Corrected.", "based_on": flag["id"], **data}}
    (result,) = sync(client, fix)
    return result


def test_a_corrected_flag_reads_as_corrected_and_a_withdrawn_one_disappears(world, client_for):
    sara = client_for(world.supervisor)
    kept, withdrawn = flag_item(world.child), flag_item(world.child, what="removal")
    sync(sara, kept, withdrawn)
    assert correct(sara, world.child, kept, source="Court order of March 2019")["status"] == \
        "created"
    assert correct(sara, world.child, withdrawn, withdrawn=True)["status"] == "created"
    page = page_of(sara, world.child)
    assert "Known from: Court order of March 2019." in page
    assert "Leeds children" not in page and "Earlier removal" not in page
    (flag,) = brief_of(client_for(world.practitioner))["history_flags"]
    assert flag["source"] == "Court order of March 2019"
    board = sara.get("/team").get_data(as_text=True)
    assert 'data-history-flags="1"' in board and "Earlier removal" not in board
    refused = correct(sara, world.child, kept, when=str(local_today().year + 2))
    assert refused["status"] == "rejected" and "when" in refused["errors"]
