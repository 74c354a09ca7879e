"""Standing facts (issue 17 item 7): history flags recorded by the team's supervisor stay visible
on the child's page, the team dashboard and the tablet."""

import re
import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from helpers import amend, record

from dailylife.audit import AuditEvent
from dailylife.clock import local_today, to_local, utcnow
from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db
from dailylife.signals import compute

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


# Drift -------------------------------------------------------------------------------------------

def at(day: str) -> datetime:
    """Noon in London on a day, as the aware moment the app stores."""
    return datetime.fromisoformat(f"{day}T12:00").replace(tzinfo=ZoneInfo("Europe/London")
                                                           ).astimezone(UTC)


def drift_on(child, day: str, reader):
    """The drift signal as the reader sees it at noon that day, or None."""
    db.session.expire_all()
    return next((signal for signal in compute.for_child(child, now=at(day), reader=reader)
                 if signal.id == "drift"), None)


def decide(supervisor, child, status: str, day: str, **answers):
    """A status decision of the team manager, as their page stores it."""
    return record(supervisor, child, "status_change", at=at(day), status=status,
                  reasons="Decided at conference.", **answers)


def step_down(supervisor, child, status: str, day: str):
    """A step-down answers each signal open when it is recorded, as the team manager must."""
    db.session.expire_all()
    open_signals = compute.for_child(child, reader=supervisor)
    return decide(supervisor, child, status, day, acknowledges=[
        {"signal": signal.id, "reason": "Considered at the conference."}
        for signal in open_signals if signal.id != "escalation_open"])


def test_a_plan_in_force_more_than_fifteen_months_is_drift(world, make_child):
    child = make_child(world.team_a, name="Dana Drift", created_at=at("2025-01-10"))
    decide(world.supervisor, child, "child_protection_plan", "2025-07-10")  # a review: one plan
    assert drift_on(child, "2026-04-10", world.supervisor) is None
    signal = drift_on(child, "2026-04-11", world.supervisor)
    assert signal.detail == "On a child protection plan since 10 Jan 2025, more than 15 months."
    assert signal.urgency.name == "MEDIUM"


def test_the_months_before_drift_are_a_setting(app, world, make_child):
    child = make_child(world.team_a, created_at=at("2025-01-31"))
    app.config["DRIFT_MONTHS"] = 1
    assert drift_on(child, "2025-02-28", world.supervisor) is None
    assert "more than 1 month." in drift_on(child, "2025-03-01", world.supervisor).detail


def test_a_second_plan_is_drift_from_its_first_day_and_names_the_first(world, make_child):
    child = make_child(world.team_a, name="Sam Second", preferred_name="Sam",
                       created_at=at("2024-01-10"))
    step_down(world.supervisor, child, "child_in_need", "2024-09-02")
    assert drift_on(child, "2026-10-31", world.supervisor) is None
    decide(world.supervisor, child, "child_protection_plan", "2026-11-02")
    signal = drift_on(child, "2026-11-02", world.supervisor)
    assert signal.detail == ("On a child protection plan since 2 Nov 2026. This is Sam's second "
                             "plan; before: 10 Jan 2024 to 2 Sep 2024.")
    assert signal.urgency.name == "HIGH"


def test_a_plan_that_ended_is_no_longer_drift(world, make_child):
    child = make_child(world.team_a, created_at=at("2024-01-10"))
    assert drift_on(child, "2026-02-27", world.supervisor) is not None
    step_down(world.supervisor, child, "child_in_need", "2026-03-02")
    assert drift_on(child, "2026-04-11", world.supervisor) is None


def test_an_earlier_plan_known_from_a_history_flag_counts_and_a_siblings_does_not(
        world, make_child):
    child = make_child(world.team_a, name="Fay Flag", preferred_name="Fay",
                       created_at=at("2026-10-01"))
    sibling = record(world.supervisor, child, "history_flag", **{
        **PLAN_BEFORE, "about": "sibling", "sibling": "Jay"})
    assert drift_on(child, "2026-11-02", world.supervisor) is None
    known = record(world.supervisor, child, "history_flag", **PLAN_BEFORE)
    signal = drift_on(child, "2026-11-02", world.supervisor)
    assert signal.detail == ("On a child protection plan since 1 Oct 2026. This is Fay's second "
                             "plan; before: known from Leeds children's services records (2019).")
    assert {item.id for item in signal.evidence} >= {known.id}
    assert sibling.id not in {item.id for item in signal.evidence}
    amend(world.supervisor, known, withdrawn=True)
    assert drift_on(child, "2026-11-02", world.supervisor) is None


def test_the_team_manager_sees_drift_and_acknowledges_it_and_the_advocate_sees_none(
        world, make_child, allocate, client_for):
    child = make_child(world.team_a, name="Lee Long", created_at=utcnow() - timedelta(days=500))
    allocate(world.practitioner, child)
    allocate(world.advocate, child)
    sara = client_for(world.supervisor)
    board = sara.get("/team?signal=drift").get_data(as_text=True)
    assert f'id="child-{child.id}"' in board and 'data-signal="drift"' in board
    caseload = client_for(world.practitioner).get("/cases").get_data(as_text=True)
    assert 'data-signal="drift"' not in caseload, "the team manager's to act on"
    response = sara.post_form(f"/cases/{child.id}/oversight/new", {
        "occurred_at": local_input(utcnow()), "summary": "Plan reviewed: family group conference "
        "next month.", "acknowledges": "drift"})
    assert response.status_code == 302, response.get_data(as_text=True)
    page = page_of(sara, child)
    signal = re.search(r'<li class="signal[^"]*" data-signal="drift">.*?</li>', page, re.S)
    assert "is-acknowledged" in signal.group(0)
    assert "Plan reviewed: family group conference next month." in signal.group(0)
    assert 'data-signal="drift"' not in page_of(client_for(world.advocate), child)
