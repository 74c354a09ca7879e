"""Where the child lives (issue 17, item 5): moves recorded on a page and through the sync API,
the address history on the child's page, the ``move_unreviewed`` signal, and the transfer summary
for a receiving authority."""

import uuid
from datetime import timedelta
import pytest
import sqlalchemy as sa
from helpers import days_ago, record
from test_pdf import marking_places, pages_of

from dailylife.audit import AuditEvent
from dailylife.clock import local_today, to_local, utcnow
from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db
from dailylife.signals import compute

ADDRESS = "Flat 3\n12 Oak Road\nLeeds LS9 7AB"


def move(world, days: int, address=ADDRESS, **data):
    return record(world.practitioner, world.child, "move", days_ago(days), address=address,
                  **data)


def signals(child) -> dict:
    db.session.expire_all()
    return {signal.id: signal for signal in compute.for_child(child)}


def form_time(moment) -> str:
    return to_local(moment).strftime("%Y-%m-%dT%H:%M")


def moves_of(child) -> list[Entry]:
    return db.session.scalars(sa.select(Entry).where(Entry.child_id == child.id,
                                                     Entry.kind == Kind.MOVE)).all()


# Recording a move -------------------------------------------------------------------------------

def test_a_social_worker_records_a_move_on_its_page_and_the_child_page_shows_the_address(
        world, client_for):
    client = client_for(world.practitioner)
    url = f"/cases/{world.child.id}/moves/new"
    assert "New address" in client.get(url).get_data(as_text=True)
    response = client.post_form(url, {
        "occurred_at": form_time(days_ago(1)), "address": ADDRESS, "area": "Harehills",
        "local_authority": "Leeds City Council", "who": "Amy\nMum (Kerry)"})
    assert response.status_code == 302, response.get_data(as_text=True)
    (saved,) = moves_of(world.child)
    assert saved.data == {"address": ADDRESS, "area": "Harehills",
                          "local_authority": "Leeds City Council", "who": ["Amy", "Mum (Kerry)"]}
    page = client.get(f"/cases/{world.child.id}").get_data(as_text=True)
    assert "Where Amy lives" in page and "12 Oak Road" in page and "Leeds City Council" in page
    assert "Who moved: Amy, Mum (Kerry)" in page
    assert "Record a move" in page


def test_a_move_with_no_address_is_refused_at_the_field_and_nothing_is_saved(world, client_for):
    client = client_for(world.practitioner)
    response = client.post_form(f"/cases/{world.child.id}/moves/new", {
        "occurred_at": form_time(days_ago(1)), "address": "  \n ", "area": "Harehills",
        "who": "Amy"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Give the new address: where the child lives now." in page
    assert 'value="Harehills"' in page, "what was typed is shown again"
    assert moves_of(world.child) == []


def test_an_address_longer_than_an_envelope_holds_is_refused(world, client_for):
    response = client_for(world.practitioner).post_form(f"/cases/{world.child.id}/moves/new", {
        "occurred_at": form_time(days_ago(1)), "address": "12 Oak Road\n" * 60})
    assert response.status_code == 400
    assert "Keep this under 500 characters." in response.get_data(as_text=True)
    assert moves_of(world.child) == []


def sync_item(world, **data) -> dict:
    now = utcnow().isoformat()
    return {"id": str(uuid.uuid4()), "kind": "move", "child_id": str(world.child.id),
            "occurred_at": now, "recorded_at": now, "visit_id": None, "amends_id": None,
            "data": data}


def test_a_move_sent_from_the_tablet_is_stored_and_one_without_an_address_is_rejected(
        world, client_for):
    good = sync_item(world, address=ADDRESS, who=["Amy"], local_authority="Leeds City Council")
    bad = sync_item(world, area="Harehills")
    response = client_for(world.practitioner).post_json(
        "/api/v1/sync", {"device_id": "tablet-1", "items": [good, bad]})
    assert response.status_code == 200
    created, rejected = response.get_json()["results"]
    assert created["status"] == "created"
    assert rejected["status"] == "rejected"
    assert rejected["errors"] == {"address": ["Give the new address: where the child lives now."]}
    assert [entry.id for entry in moves_of(world.child)] == [uuid.UUID(good["id"])]


def test_a_move_with_no_address_is_audited_as_refused_on_the_page_and_through_sync(
        world, client_for):
    """Bad input is audited: what was refused and why, never what else the entry said."""
    client = client_for(world.practitioner)
    page = client.post_form(f"/cases/{world.child.id}/moves/new", {
        "occurred_at": form_time(days_ago(1)), "address": "", "area": "Harehills"})
    synced = client.post_json("/api/v1/sync", {"device_id": "tablet-1", "items": [
        sync_item(world, area="Harehills")]})
    assert (page.status_code, synced.get_json()["results"][0]["status"]) == (400, "rejected")
    db.session.expire_all()
    refusals = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "entry_refused").order_by(AuditEvent.id)).all()
    assert [(event.actor_id, event.child_id, event.detail) for event in refusals] == [
        (world.practitioner.id, world.child.id, {"kind": "move", "errors": {
            "address": ["Give the new address: where the child lives now."]}})] * 2
    assert moves_of(world.child) == []


def test_the_address_history_is_newest_first_and_leaves_out_a_move_entered_in_error(
        world, client_for):
    move(world, 300, "1 First Street\nBradford")
    move(world, 100, "2 Second Street\nLeeds")
    wrong = move(world, 10, "3 Wrong Street\nYork")
    client = client_for(world.practitioner)
    response = client.post_form(f"/cases/{world.child.id}/entries/{wrong.id}/amend", {
        "reason": "Wrong child.", "withdrawn": "y", "based_on": str(wrong.id),
        "correction-address": "3 Wrong Street\nYork"})
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(f"/cases/{world.child.id}").get_data(as_text=True)
    assert "Wrong Street" not in page
    assert page.index("2 Second Street") < page.index("1 First Street")
    assert "Lives here since" in page and "Moved here on" in page


def test_an_advocate_sees_no_move_and_no_address(world, client_for):
    entry = move(world, 2)
    client = client_for(world.advocate)
    page = client.get(f"/cases/{world.child.id}").get_data(as_text=True)
    assert "Oak Road" not in page and "Where Amy lives" not in page
    assert client.get(f"/cases/{world.child.id}/entries/{entry.id}").status_code == 404
    assert client.get(f"/cases/{world.child.id}/moves/new").status_code == 404
    said = client.get(f"/cases/{world.child.id}/said").get_data(as_text=True)
    assert "Oak Road" not in said


def test_the_chronology_says_the_move_in_words(world, client_for):
    move(world, 2, area="Harehills", local_authority="Leeds City Council", who=["Amy", "Mum"])
    page = client_for(world.supervisor).get(
        f"/cases/{world.child.id}/chronology").get_data(as_text=True)
    assert ("Moved to Flat 3, 12 Oak Road, Leeds LS9 7AB (Harehills, Leeds City Council). "
            "Who moved: Amy, Mum.") in page


# move_unreviewed --------------------------------------------------------------------------------

def test_a_move_waits_for_the_team_manager_to_review_the_risk_assessment(world):
    first = move(world, 3)
    raised = signals(world.child)["move_unreviewed"]
    assert [item.id for item in raised.evidence] == [first.id]
    assert raised.urgency.name == "MEDIUM" and "12 Oak Road" in raised.detail
    record(world.supervisor, world.child, "oversight", days_ago(1),
           summary="Talked about the move.")
    assert "move_unreviewed" in signals(world.child), "oversight alone is not a review"
    record(world.supervisor, world.child, "oversight", days_ago(1), summary="Risk reviewed.",
           risk_assessment_reviewed=True)
    assert "move_unreviewed" not in signals(world.child)


def test_moving_again_before_the_review_is_more_urgent_and_only_moves_raise_it(world):
    record(world.practitioner, world.child, "household_change", days_ago(4), change="joined",
           name="Dean", relationship="mother's partner")
    first, second = move(world, 3), move(world, 1, "9 Elm Close\nWakefield")
    found = signals(world.child)
    raised = found["move_unreviewed"]
    assert [item.id for item in raised.evidence] == [first.id, second.id]
    assert raised.urgency.name == "HIGH"
    assert "Moved 2 times" in raised.detail and "9 Elm Close, Wakefield" in raised.detail
    assert "Dean" in found["household_change_unreviewed"].detail
    assert "Oak Road" not in found["household_change_unreviewed"].detail


def a_brother(world, make_child, allocate):
    """A brother of the world's child, in the same sibling group, on the same caseload."""
    brother = make_child(world.team_a, name="Ben Example")
    allocate(world.practitioner, brother)
    world.child.sibling_group_id = brother.sibling_group_id = uuid.uuid4()
    db.session.commit()
    return brother


def test_a_move_recorded_once_for_a_sibling_group_raises_move_unreviewed_on_each_sibling(
        world, make_child, allocate, client_for):
    brother = a_brother(world, make_child, allocate)
    client = client_for(world.practitioner)
    form = client.get(f"/cases/{world.child.id}/moves/new").get_data(as_text=True)
    assert "Also record for" in form and "Ben" in form
    response = client.post_form(f"/cases/{world.child.id}/moves/new", {
        "occurred_at": form_time(days_ago(1)), "address": ADDRESS, "who": "Amy\nBen\nMum",
        "also_for": str(brother.id)})
    assert response.status_code == 302, response.get_data(as_text=True)
    for child in (world.child, brother):
        (saved,) = moves_of(child)
        assert saved.data["address"] == ADDRESS
        assert [item.id for item in signals(child)["move_unreviewed"].evidence] == [saved.id]


def test_a_move_synced_once_for_a_sibling_group_raises_move_unreviewed_on_each_sibling(
        world, make_child, allocate, client_for):
    brother = a_brother(world, make_child, allocate)
    sent = sync_item(world, address=ADDRESS, who=["Amy", "Ben"], also_for=[str(brother.id)])
    response = client_for(world.practitioner).post_json(
        "/api/v1/sync", {"device_id": "tablet-1", "items": [sent]})
    assert [result["status"] for result in response.get_json()["results"]] == ["created"]
    for child in (world.child, brother):
        (saved,) = moves_of(child)
        assert saved.data == {"address": ADDRESS, "who": ["Amy", "Ben"]}
        assert [item.id for item in signals(child)["move_unreviewed"].evidence] == [saved.id]


def test_a_move_shows_on_the_team_managers_dashboard(world, client_for):
    move(world, 1)
    page = client_for(world.supervisor).get("/team").get_data(as_text=True)
    assert 'data-signal="move_unreviewed"' in page


# The transfer summary ----------------------------------------------------------------------------

CONFIDENTIAL_WORDS = "I sleep at my nan's when Dad shouts."
SECTIONS = ("About Amy", "Legal status over time", "Known history", "Significant events", "Things still open", "Household history",
            "Where Amy lives", "Reported, not yet checked")


@pytest.fixture
def full_record(world):
    """A record with something for every section, and what must never leave the team."""
    social_worker, child = world.practitioner, world.child
    long_text = "Amy was quiet and flinched when the door banged. " * 5
    for number in range(12):
        record(social_worker, child, "observation", days_ago(200 - number),
               category="presentation", source="observed", text=f"Event {number:02d}. {long_text}",
               significant=True, impact="Frightened.", action_taken="Discussed with school.")
    record(social_worker, child, "observation", days_ago(60), category="home_environment",
           source="observed", text="An ordinary tidy kitchen.")
    record(social_worker, child, "observation", days_ago(30), category="health",
           source="parent_reported", source_detail="mother", text="Mum says the GP saw Amy.")
    record(social_worker, child, "escalation", days_ago(20), reason="Dean's conviction.")
    record(world.supervisor, child, "oversight", days_ago(19), summary="Strategy discussion.",
           decision="Joint visit with police.")
    record(world.advocate, child, "voice", days_ago(15), words=CONFIDENTIAL_WORDS,
           mode="spoken", share_with_team=False, significant=True, impact="Scared.",
           action_taken="None.")
    record(social_worker, child, "household_change", days_ago(25), change="joined",
           name="Dean", relationship="mother's partner", risk_factors=["domestic_abuse"])
    record(social_worker, child, "household_change", days_ago(5), change="left",
           name="Dean", relationship="mother's partner")
    move(world, 100, "1 First Street\nBradford BD1 1AA", local_authority="Bradford")
    move(world, 3, local_authority="Leeds City Council", who=["Amy", "Mum"])
    record(world.supervisor, child, "status_change", utcnow(), status="looked_after",
           reasons="Placed with foster carers after the strategy meeting.")
    record(world.supervisor, child, "history_flag", days_ago(150), what="removal",
           about="sibling", sibling="Kai", when="2018", source="Northshire children's services")


def test_the_transfer_pdf_has_every_section_the_marking_on_every_page_and_no_confidential_note(
        world, full_record, client_for):
    response = client_for(world.practitioner).get(f"/cases/{world.child.id}/transfer.pdf")
    pages = pages_of(response)
    assert len(pages) > 1, "a record long enough to run over pages"
    assert "transfer-summary-" in response.headers["Content-Disposition"]
    whole = " ".join(pages)
    positions = [whole.index(section) for section in SECTIONS]
    assert positions == sorted(positions), "every section, in order"
    assert "Event 00." in whole and "Event 11." in whole and "Dean's conviction." in whole
    assert "Strategy discussion." in whole, "management decisions are significant events"
    assert "Placed with foster carers" in whole, "so are status decisions"
    assert "An ordinary tidy kitchen." not in whole, "only significant events"
    assert "Moved since the risk assessment was reviewed" in whole
    assert "Earlier removal from a parent's care — Brother or sister: Kai, 2018" in whole
    assert "Dean (mother's partner) joined the household" in whole
    assert "Dean (mother's partner) left the household" in whole
    assert whole.index("12 Oak Road") < whole.index("1 First Street"), "newest address first"
    assert "Mum says the GP saw Amy." in whole
    assert CONFIDENTIAL_WORDS not in whole and "Scared." not in whole
    for number, found in enumerate(marking_places(response, "OFFICIAL-SENSITIVE"), start=1):
        assert {"top", "bottom"} <= found, f"page {number}"


def test_a_team_manager_s_transfer_summary_leaves_the_confidential_notes_out_too(
        world, full_record, client_for):
    client = client_for(world.supervisor)
    whole = " ".join(pages_of(client.get(f"/cases/{world.child.id}/transfer.pdf")))
    assert CONFIDENTIAL_WORDS not in whole and "Scared." not in whole
    assert CONFIDENTIAL_WORDS not in client.get(
        f"/cases/{world.child.id}/transfer.json").get_data(as_text=True)


def test_the_transfer_json_says_the_same_in_data(world, full_record, client_for):
    response = client_for(world.practitioner).get(f"/cases/{world.child.id}/transfer.json")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    summary = response.get_json()
    assert set(summary) == {"protective_marking", "exported", "child", "legal_status_history",
                            "history_flags", "significant_events", "open_signals", "household",
                            "addresses", "unchecked_reports"}
    assert summary["protective_marking"] == "OFFICIAL-SENSITIVE"
    assert summary["exported"]["by"] == "Pat Practitioner"
    child = summary["child"]
    assert (child["name"], child["preferred_name"], child["team"]) == (
        "Amy Example", "Amy", "Team A")
    assert child["legal_status_label"] == "Looked after", "the status in force"
    assert {"name": "Pat Practitioner", "role": "Social worker"} in child["workers"]
    assert [(period["label"], period["ended"]) for period in summary["legal_status_history"]] == [
        ("Child protection plan", local_today().isoformat()), ("Looked after", None)]
    (flag,) = summary["history_flags"]
    assert (flag["what_label"], flag["about_words"], flag["source"]) == (
        "Earlier removal from a parent's care", "Brother or sister: Kai",
        "Northshire children's services")
    events = summary["significant_events"]
    assert [event["kind"] for event in events] == ["observation"] * 12 + [
        "escalation", "oversight", "status_change", "status_change"]
    assert events[0]["summary"].startswith("Event 00.") and events[0]["significant"] is True
    signals = {signal["id"]: signal for signal in summary["open_signals"]}
    assert signals["move_unreviewed"]["label"] == "Moved since the risk assessment was reviewed"
    assert "12 Oak Road" in signals["move_unreviewed"]["detail"]
    assert [(change["name"], change["change_label"], change["risk_factors"])
            for change in summary["household"]] == [
        ("Dean", "Joined the household", ["Domestic abuse"]),
        ("Dean", "Left the household", [])]
    assert [address["local_authority"] for address in summary["addresses"]] == [
        "Leeds City Council", "Bradford"]
    assert summary["addresses"][0]["who"] == ["Amy", "Mum"]
    (report,) = summary["unchecked_reports"]
    assert (report["text"], report["source"], report["source_detail"]) == (
        "Mum says the GP saw Amy.", "A parent or carer told me", "mother")


def test_a_reported_household_change_nobody_has_checked_is_in_the_transfer_json_in_words(
        world, client_for):
    record(world.practitioner, world.child, "household_change", days_ago(4), change="joined",
           name="Dean", relationship="mother's partner", information_source="other_agency",
           source="police check")
    response = client_for(world.practitioner).get(f"/cases/{world.child.id}/transfer.json")
    assert response.status_code == 200
    (report,) = response.get_json()["unchecked_reports"]
    assert (report["kind_label"], report["text"], report["source"], report["source_detail"]) == (
        "Household change", "Joined the household: Dean (mother's partner).",
        "Another agency told me", "police check")


def test_an_unborn_babys_transfer_summary_says_when_the_baby_is_due(
        world, make_child, allocate, client_for):
    due = local_today() + timedelta(days=90)
    baby = make_child(world.team_a, name=None, date_of_birth=None, expected_delivery_date=due,
                      expectant_parent="Tia Example")
    allocate(world.practitioner, baby)
    client = client_for(world.practitioner)
    whole = " ".join(pages_of(client.get(f"/cases/{baby.id}/transfer.pdf")))
    assert "Baby of Tia Example" in whole and f"Unborn, due {due:%-d %b %Y}" in whole
    child = client.get(f"/cases/{baby.id}/transfer.json").get_json()["child"]
    assert (child["date_of_birth"], child["expected_delivery_date"], child["display_name"]) == (
        None, due.isoformat(), "Baby of Tia Example")


def test_exporting_a_transfer_summary_is_audited_and_only_for_those_who_may_export(
        world, client_for):
    for path in (f"/cases/{world.child.id}/transfer.pdf", f"/cases/{world.child.id}/transfer.json"):
        assert client_for(world.supervisor).get(path).status_code == 200
        for user in (world.advocate, world.other_practitioner, world.other_supervisor,
                     world.admin):
            assert client_for(user).get(path).status_code == 404
    exports = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "export")
                                 .order_by(AuditEvent.id)).all()
    assert [(event.actor_id, event.detail) for event in exports] == [
        (world.supervisor.id, {"format": "pdf", "document": "transfer_summary"}),
        (world.supervisor.id, {"format": "json", "document": "transfer_summary"})]


def test_the_child_page_links_the_transfer_summary_for_those_who_may_export(world, client_for):
    link = f"/cases/{world.child.id}/transfer.pdf"
    assert link in client_for(world.practitioner).get(
        f"/cases/{world.child.id}").get_data(as_text=True)
    assert link not in client_for(world.advocate).get(
        f"/cases/{world.child.id}").get_data(as_text=True)
