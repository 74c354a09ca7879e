"""The supervisor's dashboard, escalation and the reflective oversight page (issue 7)."""

import re
import uuid
from datetime import timedelta

import sqlalchemy as sa

from dailylife.audit import AuditEvent
from dailylife.children.models import LegalStatus
from dailylife.clock import local_today, to_local, utcnow
from dailylife.entries import operations
from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db
from dailylife.people.models import Role
from dailylife.team.dashboard import COUNTED

from helpers import record as write


def ago(days: float):
    return utcnow() - timedelta(days=days)


def local_input(moment) -> str:
    return to_local(moment).strftime("%Y-%m-%dT%H:%M")


#: A case opened this long ago, with a visit on ``SEEN`` days ago, is overdue for a visit (a
#: plan's ten working days, counted from the later of the visit and the case opening) and not yet
#: missing management oversight (30 days).
OPENED, SEEN = 25, 20


def section(html: str, heading_id: str) -> str:
    start = html.index(f'id="{heading_id}"')
    end = html.find("</section>", start)
    return html[start:end]


def test_the_dashboard_puts_escalations_first_then_children_by_urgency(
        world, make_child, allocate, client_for):
    team, pat, sara = world.team_a, world.practitioner, world.supervisor
    seen_before = ("Ben Overdue", "Eve Acknowledged")
    named = {name: make_child(team, name=name, created_at=ago(OPENED if name in seen_before else 0))
             for name in ("Ava Escalated", "Ben Overdue", "Cal Unchecked", "Dot Quiet",
                          "Eve Acknowledged")}
    for child in named.values():
        allocate(pat, child)
    write(pat, named["Ava Escalated"], "escalation", ago(1), reason="Ava has a black eye.",
          need="A decision today.")
    write(pat, named["Ben Overdue"], "visit", ago(SEEN), type="planned", child_seen=True,
          seen_alone=True)
    write(pat, named["Cal Unchecked"], "observation", ago(20), category="education",
          text="Mother says Cal is at school.", source="parent_reported")
    write(pat, named["Eve Acknowledged"], "visit", ago(SEEN), type="planned", child_seen=True,
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
    assert html.index('id="escalations-heading"') < html.index('id="children-heading"')
    assert 'data-signal="visit_overdue"' in children and 'data-signal="report_unverified"' in children


def test_the_dashboard_shows_each_practitioners_caseload_and_overdue_work(
        world, make_child, allocate, client_for):
    overdue = make_child(world.team_a, name="Ben Overdue", created_at=ago(OPENED))
    allocate(world.practitioner, overdue)
    write(world.practitioner, overdue, "visit", ago(SEEN), type="planned", child_seen=True,
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
    page = client.get(f"/cases/{world.child.id}/oversight/new?acknowledges=action_overdue")
    html = page.get_data(as_text=True)
    for name in ("summary", "whats_happening", "what_we_know", "worries", "working_well",
                 "what_would_change_our_view", "decision", "actions-0-done"):
        assert f'name="{name}"' in html, name
    assert re.search(r">\s*Refer to CAMHS</textarea>", html) and "Ring school" not in html
    assert re.search(r'value="action_overdue"[^>]*checked|checked[^>]*value="action_overdue"', html)
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
    assert [event.detail["requested"] for event in refused] == ["read_team"] * 3
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
    workers = re.findall(r"<tr>\s*<td>([^<]+)</td>\s*<td[^>]*>(\d+)</td>",
                         section(html, "practitioners-heading"))
    assert dict(workers) == {"Olu Other": "0", "Pat Practitioner": "1", "Xan Elsewhere": "1"}
    assert [name for name, _ in workers] == sorted(name for name, _ in workers)


# --- the Monday dashboard: counts, filters, one folded row per child (issue 16) ----------------

COUNT_LINK = re.compile(r'<a [^>]*data-count="(?P<signal>\w+)"[^>]*href="(?P<href>[^"]+)"[^>]*>'
                        r'\s*<span[^>]*>(?P<number>\d+)</span>')


def counts(html: str) -> dict[str, tuple[int, str]]:
    """The counts at the top of the dashboard: signal id -> (number, the link it makes)."""
    return {found["signal"]: (int(found["number"]), found["href"].replace("&amp;", "&"))
            for found in COUNT_LINK.finditer(html)}


def children_shown(html: str) -> list[str]:
    """The ids of the children the dashboard lists, in order."""
    return re.findall(r'id="child-([0-9a-f-]{36})"', section(html, "children-heading"))


def monday_team(world, make_child, allocate):
    """Children with one signal each of those counted, held by two social workers."""
    pat, olu = world.practitioner, world.other_practitioner
    made = {name: make_child(world.team_a, name=name, created_at=ago(
        OPENED if name in ("Ben Overdue", "Fay Olu") else 0)) for name in (
        "Ava Escalated", "Ben Overdue", "Cal Unchecked", "Dan Household", "Eli Alone", "Fay Olu",
        "Gia Moved")}
    made["Hal Referred"] = make_child(world.team_a, name="Hal Referred", created_at=ago(10),
                                      legal_status=LegalStatus.REFERRAL)
    for name, child in made.items():
        allocate(olu if name == "Fay Olu" else pat, child)
    write(pat, made["Ava Escalated"], "escalation", ago(1), reason="Ava has a black eye.")
    write(pat, made["Ben Overdue"], "visit", ago(SEEN), type="planned", child_seen=True,
          seen_alone=True)
    write(pat, made["Cal Unchecked"], "observation", ago(20), category="education",
          text="Mother says Cal is at school.", source="parent_reported")
    write(pat, made["Dan Household"], "household_change", ago(2), change="joined", name="Dean",
          relationship="Mother's partner")
    for days in (9, 6, 3):
        write(pat, made["Eli Alone"], "visit", ago(days), type="planned", child_seen=True,
              seen_alone=False, seen_alone_reason="Mother would not leave the room.")
    write(olu, made["Fay Olu"], "visit", ago(SEEN), type="planned", child_seen=True,
          seen_alone=True)
    write(pat, made["Gia Moved"], "move", ago(2), address="4 New Road\nTown")
    return made


def test_each_count_at_the_top_equals_the_children_its_link_shows(
        world, make_child, allocate, client_for):
    monday_team(world, make_child, allocate)
    sara = client_for(world.supervisor)
    found = counts(sara.get("/team").get_data(as_text=True))
    assert set(found) == set(COUNTED)
    assert found["visit_overdue"][0] == 2 and found["escalation_open"][0] == 1
    for signal_id, (number, href) in found.items():
        assert f"signal={signal_id}" in href
        filtered = sara.get(href).get_data(as_text=True)
        assert len(children_shown(filtered)) == number, signal_id
        assert not number or f'data-signal="{signal_id}"' in section(filtered,
                                                                      "children-heading")


def test_filtering_by_social_worker_keeps_the_filter_in_the_address_and_the_counts(
        world, make_child, allocate, client_for):
    made = monday_team(world, make_child, allocate)
    sara = client_for(world.supervisor)
    olu = world.other_practitioner.id
    html = sara.get(f"/team?worker={olu}").get_data(as_text=True)
    assert children_shown(html) == [str(made["Fay Olu"].id)]
    number, href = counts(html)["visit_overdue"]
    assert number == 1 and f"worker={olu}" in href and "signal=visit_overdue" in href
    assert re.search(rf'<option selected value="{olu}">', html)
    both = sara.get(href).get_data(as_text=True)
    assert children_shown(both) == [str(made["Fay Olu"].id)]
    assert re.search(r'<option selected value="visit_overdue">', both)
    unallocated = make_child(world.team_a, name="Gus Nobody")
    html = sara.get("/team?worker=none").get_data(as_text=True)
    assert children_shown(html) == [str(unallocated.id)]


def test_a_filter_value_that_means_nothing_is_a_clear_400_that_still_shows_the_team(
        world, client_for):
    sara = client_for(world.supervisor)
    outsider = world.other_supervisor.id
    for query, message in (
            ("worker=Pat", "There is no social worker “Pat” in your team"),
            (f"worker={outsider}", f"There is no social worker “{outsider}” in your team"),
            ("signal=no_access", "There is no signal “no_access”"),
            ("signal=", None), ("worker=", None)):
        response = sara.get(f"/team?{query}")
        html = response.get_data(as_text=True)
        if message is None:
            assert response.status_code == 200, query
            continue
        assert response.status_code == 400, query
        assert message in html, query
        assert "showing the whole team instead" in html
        assert children_shown(html) == [str(world.child.id)]


def test_each_escalation_is_shown_once_and_each_child_has_one_decision_link(
        world, make_child, allocate, client_for):
    made = monday_team(world, make_child, allocate)
    write(world.practitioner, made["Ben Overdue"], "escalation", ago(0.5),
          reason="Ben missed school all week.")
    html = client_for(world.supervisor).get("/team").get_data(as_text=True)
    assert html.count("Ava has a black eye.") == 1
    assert html.count("Ben missed school all week.") == 1
    assert "Record a decision about this" not in html
    children = section(html, "children-heading")
    for child in made.values():
        row = children[children.index(f'id="child-{child.id}"'):]
        row = row[:row.index("</details>")]
        assert row.count("Record a decision") == 1, child.name
    ben = children[children.index(f'id="child-{made["Ben Overdue"].id}"'):]
    summary = ben[ben.index("<summary"):ben.index("</summary>")]
    assert "Ben Overdue" in summary and "Pat Practitioner" in summary
    assert "3 things to look at" in summary and "Escalation waiting for an answer" in summary


def test_the_oversight_page_offers_only_the_signals_the_child_has_raised(world, client_for,
                                                                         case_opened):
    case_opened(world.child, ago(OPENED))
    write(world.practitioner, world.child, "visit", ago(SEEN), type="planned", child_seen=True,
          seen_alone=True)
    html = client_for(world.supervisor).get(
        f"/cases/{world.child.id}/oversight/new").get_data(as_text=True)
    offered = re.findall(r'name="acknowledges" value="(\w+)"', html)
    assert offered == ["visit_overdue", "late_recording"]


def test_the_oversight_page_says_when_no_signal_is_raised(world, client_for):
    html = client_for(world.supervisor).get(
        f"/cases/{world.child.id}/oversight/new").get_data(as_text=True)
    assert 'name="acknowledges"' not in html
    assert "No signal is raised for this child now" in html


def test_an_overdue_action_shows_as_overdue_and_is_not_carried_forward_unasked(
        world, client_for):
    due = local_today() - timedelta(days=3)
    long_action = ("Refer Amy to CAMHS and ask the school nurse to share what she saw at the "
                   "September health check, including the bruising on both arms and the weight "
                   "loss, before the strategy meeting")
    write(world.supervisor, world.child, "oversight", ago(5), summary="Plan.", actions=[
        {"action": long_action, "owner": "Pat", "due": due.isoformat()}])
    client = client_for(world.supervisor)
    url = f"/cases/{world.child.id}/oversight/new"
    html = client.get(url).get_data(as_text=True)
    assert re.search(rf'<textarea[^>]*name="actions-0-action"[^>]*>\s*{re.escape(long_action)}'
                     r'</textarea>', html)
    assert f"Overdue: it was due on {due.day} {due:%b %Y}" in html
    post = {"occurred_at": local_input(ago(0)), "summary": "Reviewed.",
            "actions-0-action": long_action, "actions-0-owner": "Pat",
            "actions-0-due": due.isoformat()}
    response = client.post_form(url, post)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "is overdue" in page and long_action in page and "Reviewed." in page
    count = sa.select(sa.func.count()).where(Entry.kind == Kind.OVERSIGHT)
    assert db.session.scalar(count) == 1
    response = client.post_form(url, {**post, "keep_overdue": "y"})
    assert response.status_code == 302
    assert db.session.scalar(count) == 2
    later = (local_today() + timedelta(days=7)).isoformat()
    response = client.post_form(url, {**post, "actions-0-due": later})
    assert response.status_code == 302
