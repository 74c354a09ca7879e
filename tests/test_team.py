"""The supervisor's dashboard, escalation and the reflective oversight page (issue 7)."""

import re
import uuid
from datetime import timedelta

import sqlalchemy as sa

from dailylife.audit import AuditEvent
from dailylife.clock import local_today, to_local, utcnow
from dailylife.entries import operations
from dailylife.entries.models import Entry, Kind
from dailylife.entries.payload import validate
from dailylife.extensions import db
from dailylife.people.models import Role


def ago(days: float):
    return utcnow() - timedelta(days=days)


def write(author, child, kind, when, **data):
    clean, errors = validate(kind, data)
    assert not errors, errors
    entry = operations.add_entry(author=author, child=child, kind=kind, data=clean,
                                 occurred_at=when)
    db.session.commit()
    return entry


def local_input(moment) -> str:
    return to_local(moment).strftime("%Y-%m-%dT%H:%M")


def section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    end = html.find("</section>", start)
    return html[start:end]


def test_the_dashboard_puts_escalations_first_then_children_by_urgency(
        world, make_child, allocate, client_for):
    team, pat, sara = world.team_a, world.practitioner, world.supervisor
    named = {name: make_child(team, name=name) for name in (
        "Ava Escalated", "Ben Overdue", "Cal Unchecked", "Dot Quiet", "Eve Acknowledged")}
    for child in named.values():
        allocate(pat, child)
    write(pat, named["Ava Escalated"], "escalation", ago(1), reason="Ava has a black eye.",
          need="A decision today.")
    write(pat, named["Ben Overdue"], "visit", ago(40), type="planned", child_seen=True,
          seen_alone=True)
    write(pat, named["Cal Unchecked"], "observation", ago(20), category="education",
          text="Mother says Cal is at school.", source="parent_reported")
    write(pat, named["Eve Acknowledged"], "visit", ago(40), type="planned", child_seen=True,
          seen_alone=True)
    write(sara, named["Eve Acknowledged"], "oversight", ago(0.1), summary="In hospital.",
          acknowledges=["visit_overdue"])

    html = client_for(sara).get("/team").get_data(as_text=True)
    escalations = section(html, "escalations-heading")
    assert "Ava has a black eye." in escalations and 'data-signal="escalation_open"' in escalations
    children = section(html, "children-heading")
    order = sorted(named, key=children.index)
    assert order == ["Ava Escalated", "Ben Overdue", "Cal Unchecked", "Eve Acknowledged",
                     "Dot Quiet"]
    assert html.index("escalations-heading") < html.index("children-heading")
    assert 'data-signal="visit_overdue"' in children and 'data-signal="report_unverified"' in children


def test_the_dashboard_shows_each_practitioners_caseload_and_overdue_work(
        world, make_child, allocate, client_for):
    overdue = make_child(world.team_a, name="Ben Overdue")
    allocate(world.practitioner, overdue)
    write(world.practitioner, overdue, "visit", ago(40), type="planned", child_seen=True,
          seen_alone=True)
    html = client_for(world.supervisor).get("/team").get_data(as_text=True)
    rows = {name: cells for name, cells in re.findall(
        r"<tr>\s*<td>([^<]+)</td>\s*((?:<td[^>]*>\d+</td>\s*)+)</tr>",
        section(html, "practitioners-heading"))}
    counts = lambda name: [int(n) for n in re.findall(r">(\d+)<", rows[name])]  # noqa: E731
    # Caseload, visits overdue, reports, words, written late (the visit was written up today).
    assert counts("Pat Practitioner") == [2, 1, 0, 0, 1]
    assert counts("Olu Other") == [0, 0, 0, 0, 0]


def test_escalation_round_trip_through_the_pages(world, client_for):
    child, pat = world.child, client_for(world.practitioner)
    page = pat.get(f"/cases/{child.id}/escalations/new").get_data(as_text=True)
    assert 'name="reason"' in page and 'name="need"' in page
    response = pat.post_form(f"/cases/{child.id}/escalations/new", {
        "occurred_at": local_input(ago(0.01)), "reason": "Dean is back; Amy is frightened.",
        "need": "A strategy discussion."})
    assert response.status_code == 302
    escalation = db.session.scalar(sa.select(Entry).where(Entry.kind == Kind.ESCALATION))

    sara = client_for(world.supervisor)
    board = sara.get("/team").get_data(as_text=True)
    assert "Dean is back; Amy is frightened." in section(board, "escalations-heading")
    answer_url = f"/cases/{child.id}/oversight/new?answers={escalation.id}"
    assert answer_url in board
    form = sara.get(answer_url).get_data(as_text=True)
    assert re.search(rf'<option selected value="{escalation.id}">', form)
    response = sara.post_form(f"/cases/{child.id}/oversight/new", {
        "occurred_at": local_input(ago(0)), "summary": "Strategy discussion booked.",
        "worries": "Dean's history of violence.", "working_well": "Amy talks to her teacher.",
        "answers": str(escalation.id)})
    assert response.status_code == 302, response.get_data(as_text=True)
    board = sara.get("/team").get_data(as_text=True)
    assert "No escalation is waiting." in board
    chronology = sara.get(f"/cases/{child.id}/chronology").get_data(as_text=True)
    assert "Dean is back; Amy is frightened." in chronology
    assert "Strategy discussion booked." in chronology


def test_an_oversight_page_refuses_an_answer_to_another_childs_escalation(world, client_for):
    elsewhere = operations.add_entry(author=world.other_supervisor, child=world.other_child,
                                     kind="escalation", data={"reason": "Elsewhere."},
                                     occurred_at=ago(1))
    db.session.commit()
    response = client_for(world.supervisor).post_form(
        f"/cases/{world.child.id}/oversight/new", {
            "occurred_at": local_input(ago(0)), "summary": "x", "answers": str(elsewhere.id)})
    assert response.status_code == 400
    assert "Choose an escalation of this child." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).where(Entry.kind == Kind.OVERSIGHT)) == 0


def test_the_oversight_page_is_a_reflective_record_that_carries_the_open_actions_forward(
        world, client_for):
    due = (local_today() - timedelta(days=2)).isoformat()
    write(world.supervisor, world.child, "oversight", ago(5), summary="Plan.", actions=[
        {"action": "Refer to CAMHS", "owner": "Pat", "due": due},
        {"action": "Ring school", "owner": "Pat", "due": due, "done": True}])
    client = client_for(world.supervisor)
    page = client.get(f"/cases/{world.child.id}/oversight/new?acknowledges=visit_overdue")
    html = page.get_data(as_text=True)
    for name in ("summary", "whats_happening", "what_we_know", "worries", "working_well",
                 "what_would_change_our_view", "decision", "actions-0-done"):
        assert f'name="{name}"' in html, name
    assert 'value="Refer to CAMHS"' in html and "Ring school" not in html
    assert re.search(r'value="visit_overdue"[^>]*checked|checked[^>]*value="visit_overdue"', html)
    response = client.post_form(f"/cases/{world.child.id}/oversight/new", {
        "occurred_at": local_input(ago(0)), "summary": "CAMHS referral made.",
        "actions-0-action": "Refer to CAMHS", "actions-0-owner": "Pat", "actions-0-due": due,
        "actions-0-done": "y"})
    assert response.status_code == 302
    latest = db.session.scalars(sa.select(Entry).where(Entry.kind == Kind.OVERSIGHT)
                                .order_by(Entry.received_at.desc())).first()
    assert latest.data["actions"] == [{"action": "Refer to CAMHS", "owner": "Pat", "due": due,
                                       "done": True}]


def test_only_a_supervisor_opens_the_dashboard_and_refusals_are_audited(world, client_for):
    for user in (world.practitioner, world.advocate, world.admin):
        assert client_for(user).get("/team").status_code == 404
    refused = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "refused")).all()
    assert [event.detail["requested"] for event in refused] == ["lead_team"] * 3
    assert client_for(world.supervisor).get("/team").status_code == 200
    viewed = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "view_team"))
    assert viewed.actor_id == world.supervisor.id


def test_the_dashboard_shows_only_the_supervisors_own_team(world, client_for):
    html = client_for(world.other_supervisor).get("/team").get_data(as_text=True)
    assert "Ben Elsewhere" in html and "Amy Example" not in html


def test_the_sync_api_refuses_an_answer_to_another_childs_escalation(world, client_for):
    elsewhere = operations.add_entry(author=world.other_supervisor, child=world.other_child,
                                     kind="escalation", data={"reason": "Elsewhere."},
                                     occurred_at=ago(1))
    db.session.commit()
    oversight = {"id": str(uuid.uuid4()), "kind": "oversight", "child_id": str(world.child.id),
                 "occurred_at": utcnow().isoformat(), "recorded_at": utcnow().isoformat(),
                 "data": {"summary": "Answered.", "answers": str(elsewhere.id)}}
    response = client_for(world.supervisor).post_json(
        "/api/v1/sync", {"device_id": "tablet", "items": [oversight]})
    (result,) = response.get_json()["results"]
    assert result["status"] == "rejected" and "answers" in result["errors"]


def test_a_child_held_by_a_practitioner_of_another_team_shows_them_with_their_caseload(
        world, make_user, allocate, client_for):
    outsider = make_user(Role.PRACTITIONER, team=world.team_b, name="Xan Elsewhere")
    allocate(outsider, world.child)
    html = client_for(world.supervisor).get("/team").get_data(as_text=True)
    row = html[html.index(f'id="child-{world.child.id}"'):]
    row = row[:row.index("</tr>")]
    assert "Pat Practitioner" in row and "Xan Elsewhere" in row
    workers = re.findall(r"<tr>\s*<td>([^<]+)</td>\s*<td>(\d+)</td>",
                         section(html, "practitioners-heading"))
    assert dict(workers) == {"Olu Other": "0", "Pat Practitioner": "1", "Xan Elsewhere": "1"}
    assert [name for name, _ in workers] == sorted(name for name, _ in workers)
