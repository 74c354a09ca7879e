"""Brothers and sisters (issue 17, item 6): the team manager links them, a household change is
recorded once for the group, and each sibling's page shows the others' open signals."""

import re
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa

from dailylife.audit import AuditEvent
from dailylife.children.models import Child
from dailylife.clock import to_local, utcnow
from dailylife.entries import operations
from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db
from dailylife.siblings.groups import NOT_FOUND


def iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@pytest.fixture
def family(world, make_child, allocate):
    """Amy (world.child, she/her) and her brother Ben, both on the practitioner's caseload and
    linked; their sister Cara, in the same team but allocated to nobody."""
    world.child.pronouns = "she/her"
    db.session.commit()
    brother = make_child(world.team_a, name="Ben Example", pronouns="he/him",
                         created_at=utcnow() - timedelta(days=90))
    sister = make_child(world.team_a, name="Cara Example", pronouns="she/her",
                        created_at=utcnow() - timedelta(days=90))
    allocate(world.practitioner, brother)
    group = uuid.uuid4()
    for child in (world.child, brother, sister):
        child.sibling_group_id = group
    db.session.commit()
    world.brother, world.sister = brother, sister
    return world


def group_of(child) -> uuid.UUID | None:
    db.session.expire_all()
    return db.session.get(Child, child.id).sibling_group_id


def audited(action):
    return db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)
                              .order_by(AuditEvent.id)).all()


def entries_of(child, kind=Kind.HOUSEHOLD_CHANGE):
    db.session.expire_all()
    return db.session.scalars(sa.select(Entry).where(Entry.child_id == child.id,
                                                     Entry.kind == kind)).all()


def household_change(**overrides) -> dict:
    return {"change": "joined", "name": "Dean", "relationship": "mother's partner",
            "risk_factors": ["domestic_abuse"], **overrides}


def sync_item(child, data, **overrides) -> dict:
    return {"id": str(uuid.uuid4()), "kind": "household_change", "child_id": str(child.id),
            "occurred_at": iso(utcnow() - timedelta(hours=3)),
            "recorded_at": iso(utcnow() - timedelta(hours=2)), "visit_id": None,
            "amends_id": None, "data": data, **overrides}


def sync(client, *items):
    response = client.post_json("/api/v1/sync", {"device_id": "tablet-1", "items": list(items)})
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_json()["results"]


# --- Linking ------------------------------------------------------------------------------------

def test_the_team_manager_links_two_children_of_the_team_as_brother_and_sister(
        world, make_child, client_for):
    brother = make_child(world.team_a, name="Ben Example", pronouns="he/him")
    client = client_for(world.supervisor)
    page = client.get(f"/cases/{world.child.id}/siblings").get_data(as_text=True)
    assert "Ben Example" in page, "the children of the team are offered by name"
    response = client.post_form(f"/cases/{world.child.id}/siblings/link",
                                {"sibling": str(brother.id)})
    assert response.status_code == 302
    assert group_of(world.child) is not None and group_of(world.child) == group_of(brother)
    [event] = audited("link_siblings")
    assert event.actor_id == world.supervisor.id and event.detail["sibling"] == str(brother.id)
    page = client.get(response.location).get_data(as_text=True)
    assert "Unlink Ben" in page


def test_linking_a_child_of_another_team_is_refused_exactly_as_an_unknown_child(
        world, client_for):
    client = client_for(world.supervisor)
    url = f"/cases/{world.child.id}/siblings/link"
    other_team = client.post_form(url, {"sibling": str(world.other_child.id)})
    unknown = client.post_form(url, {"sibling": str(uuid.uuid4())})
    assert other_team.status_code == unknown.status_code == 404
    assert NOT_FOUND in other_team.get_data(as_text=True)

    def without_tokens(response):
        return re.sub(r'content="[^"]+"|value="[^"]{40,}"', "", response.get_data(as_text=True))

    assert without_tokens(other_team) == without_tokens(unknown), "nothing tells them apart"
    assert "Ben Elsewhere" not in other_team.get_data(as_text=True)
    assert group_of(world.child) is None and group_of(world.other_child) is None
    refused = [event for event in audited("refused") if event.child_id == world.other_child.id]
    assert refused and refused[0].detail["requested"] == "link_siblings"


@pytest.mark.parametrize("named, message", [
    ("self", "cannot be linked to themselves"),
    ("", "Choose the brother or sister to link."),
    ("not-a-uuid", NOT_FOUND),
])
def test_a_link_that_cannot_be_made_is_explained_and_changes_nothing(
        world, client_for, named, message):
    client = client_for(world.supervisor)
    sibling = str(world.child.id) if named == "self" else named
    response = client.post_form(f"/cases/{world.child.id}/siblings/link", {"sibling": sibling})
    assert response.status_code in (400, 404)
    assert message in response.get_data(as_text=True)
    assert group_of(world.child) is None
    assert audited("refused") or audited("link_siblings_refused"), "each refusal is audited"


def test_linking_children_already_linked_is_refused_and_two_groups_become_one(
        family, make_child, client_for):
    client = client_for(family.supervisor)
    again = client.post_form(f"/cases/{family.child.id}/siblings/link",
                             {"sibling": str(family.brother.id)})
    assert again.status_code == 400 and "already linked" in again.get_data(as_text=True)
    cousin = make_child(family.team_a, name="Dev Other")
    baby = make_child(family.team_a, name="Eli Other")
    assert client.post_form(f"/cases/{cousin.id}/siblings/link",
                            {"sibling": str(baby.id)}).status_code == 302
    assert client.post_form(f"/cases/{family.child.id}/siblings/link",
                            {"sibling": str(cousin.id)}).status_code == 302
    groups = {group_of(child) for child in (family.child, family.brother, family.sister, cousin,
                                            baby)}
    assert len(groups) == 1 and None not in groups


def test_unlinking_takes_a_child_out_and_a_group_of_one_is_no_group(family, client_for):
    client = client_for(family.supervisor)
    url = f"/cases/{family.child.id}/siblings/unlink"
    assert client.post_form(url, {"sibling": str(family.sister.id)}).status_code == 302
    assert group_of(family.sister) is None
    assert group_of(family.child) == group_of(family.brother) is not None
    assert client.post_form(url, {"sibling": str(family.brother.id)}).status_code == 302
    assert group_of(family.child) is None and group_of(family.brother) is None
    refused = client.post_form(url, {"sibling": str(family.brother.id)})
    assert refused.status_code == 400 and "is not linked" in refused.get_data(as_text=True)


def test_only_the_team_manager_links_and_a_social_worker_only_reads_the_group(
        family, client_for):
    client = client_for(family.practitioner)
    page = client.get(f"/cases/{family.child.id}/siblings").get_data(as_text=True)
    assert "Ben Example" in page and "Link a brother or sister" not in page
    assert client.post_form(f"/cases/{family.child.id}/siblings/unlink",
                            {"sibling": str(family.brother.id)}).status_code == 404
    assert group_of(family.brother) is not None


# --- Recording once for the group ---------------------------------------------------------------

def test_a_household_change_recorded_once_on_the_page_reaches_each_siblings_record(
        family, client_for):
    client = client_for(family.practitioner)
    page = client.get(f"/cases/{family.child.id}/household/new").get_data(as_text=True)
    assert "Also record for" in page and "Ben (brother)" in page
    assert "Cara" not in page, "a sister the social worker does not record about is not offered"
    response = client.post_form(f"/cases/{family.child.id}/household/new", {
        "occurred_at": to_local(utcnow() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "change": "joined", "name": "Dean", "relationship": "mother's partner",
        "also_for": str(family.brother.id)})
    assert response.status_code == 302, response.get_data(as_text=True)
    [own] = entries_of(family.child)
    [brothers] = entries_of(family.brother)
    assert own.data == brothers.data and "also_for" not in own.data
    assert own.sibling_write_id == brothers.sibling_write_id == own.id
    assert brothers.id == operations.sibling_entry_id(own.id, family.brother.id)
    assert {event.child_id for event in audited("create_entry")
            if event.detail["kind"] == "household_change"} == {family.child.id, family.brother.id}
    html = client.get(f"/cases/{family.brother.id}").get_data(as_text=True)
    assert "Dean" in html.split('id="household-heading"')[1].split("</section>")[0]


def test_a_household_change_in_a_visit_is_recorded_for_the_siblings_ticked(family, client_for):
    client = client_for(family.practitioner)
    response = client.post_form(f"/cases/{family.child.id}/visits/new", {
        "occurred_at": to_local(utcnow() - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "type": "planned", "child_seen": "no",
        "household_changes-0-change": "left", "household_changes-0-name": "Dean",
        "household_changes-0-relationship": "mother's partner",
        "household_changes-0-also_for": str(family.brother.id)})
    assert response.status_code == 302, response.get_data(as_text=True)
    assert len(entries_of(family.child)) == len(entries_of(family.brother)) == 1
    assert entries_of(family.brother)[0].visit_id is None, "the visit was to Amy, not to Ben"


def test_a_household_change_synced_for_two_siblings_is_stored_once_per_child_however_often_sent(
        family, client_for):
    client = client_for(family.practitioner)
    sent = sync_item(family.child, household_change(also_for=[str(family.brother.id)]))
    assert [result["status"] for result in sync(client, sent)] == ["created"]
    assert [result["status"] for result in sync(client, sent, sent)] == ["duplicate",
                                                                         "duplicate"]
    [own], [brothers] = entries_of(family.child), entries_of(family.brother)
    assert str(own.id) == sent["id"]
    assert brothers.id == operations.sibling_entry_id(own.id, family.brother.id)
    assert brothers.sibling_write_id == own.id and brothers.data == own.data
    changed = {**sent, "data": household_change(also_for=[])}
    [result] = sync(client, changed)
    assert result["status"] == "rejected" and "id" in result["errors"]
    assert len(entries_of(family.brother)) == 1


@pytest.mark.parametrize("who", ["the other team's child", "a sister not on the caseload",
                                 "a child of the team outside the group", "a made-up child"])
def test_also_for_naming_anyone_but_a_sibling_the_writer_records_about_is_refused_alike(
        family, make_child, allocate, client_for, who):
    apart = make_child(family.team_a, name="Di Apart")
    allocate(family.practitioner, apart)  # on the caseload: only the group keeps her out
    named = {"the other team's child": family.other_child,
             "a sister not on the caseload": family.sister,
             "a child of the team outside the group": apart,
             "a made-up child": None}[who]
    named_id = str(named.id) if named else str(uuid.uuid4())
    client = client_for(family.practitioner)
    [result] = sync(client, sync_item(family.child, household_change(also_for=[named_id])))
    assert result["status"] == "rejected"
    assert result["errors"] == {"also_for": [
        "Only brothers and sisters of Amy that you record about can be named here: one named "
        "is not."]}
    assert entries_of(family.child) == []
    assert [event.child_id for event in audited("refused")] == [uuid.UUID(named_id)]
    page = client.post_form(f"/cases/{family.child.id}/household/new", {
        "occurred_at": to_local(utcnow()).strftime("%Y-%m-%dT%H:%M"), "change": "joined",
        "name": "Dean", "relationship": "mother's partner", "also_for": named_id})
    assert page.status_code == 400 and "that you record about" in page.get_data(as_text=True)
    assert entries_of(family.child) == [] and entries_of(family.brother) == []


def test_also_for_naming_the_child_itself_or_not_an_id_is_refused(family, client_for):
    client = client_for(family.practitioner)
    itself, garbled = sync(
        client, sync_item(family.child, household_change(also_for=[str(family.child.id)])),
        sync_item(family.child, household_change(also_for=["Ben"])))
    assert itself["status"] == garbled["status"] == "rejected"
    assert "already recorded" in itself["errors"]["also_for"][0]
    assert "ids" in garbled["errors"]["also_for"][0]
    assert entries_of(family.child) == []


def test_a_correction_corrects_one_childs_entry_and_cannot_name_siblings(family, client_for):
    client = client_for(family.practitioner)
    sent = sync_item(family.child, household_change(also_for=[str(family.brother.id)]))
    sync(client, sent)
    [result] = sync(client, sync_item(family.child, {
        "reason": "Spelling", "name": "Deane", "also_for": [str(family.brother.id)]},
        kind="amendment", amends_id=sent["id"], occurred_at=None))
    assert result["status"] == "rejected" and "their own record" in result["errors"]["also_for"][0]
    [result] = sync(client, sync_item(family.child, {"reason": "Spelling", "name": "Deane"},
                                      kind="amendment", amends_id=sent["id"], occurred_at=None))
    assert result["status"] == "created"
    assert entries_of(family.brother)[0].data["name"] == "Dean"


def test_a_kind_not_declared_for_siblings_is_not_recorded_for_them(family, client_for):
    [result] = sync(client_for(family.practitioner), sync_item(
        family.child, {"category": "behaviour", "text": "Calm.", "source": "observed",
                       "also_for": [str(family.brother.id)]}, kind="observation"))
    assert result["status"] == "rejected" and "also_for" in result["errors"]


# --- What each sibling's page shows -------------------------------------------------------------

def test_each_siblings_page_shows_the_others_open_signals_marked_as_theirs(family, client_for):
    html = client_for(family.practitioner).get(f"/cases/{family.child.id}").get_data(as_text=True)
    marked = re.findall(r'data-signal="([a-z_]+)" data-sibling="([0-9a-f-]+)"', html)
    assert ("visit_overdue", str(family.brother.id)) in marked
    assert "Ben (brother): Visit overdue" in html
    assert str(family.sister.id) not in html and "Cara" not in html, \
        "a sister the social worker may not open is not shown at all"
    supervisor = client_for(family.supervisor).get(f"/cases/{family.child.id}").get_data(
        as_text=True)
    assert f'data-sibling="{family.sister.id}"' in supervisor and "Cara (sister)" in supervisor


def test_the_group_view_shows_the_siblings_side_by_side(family, client_for):
    html = client_for(family.practitioner).get(
        f"/cases/{family.child.id}/siblings").get_data(as_text=True)
    cards = re.findall(r'<li class="card" data-child="([0-9a-f-]+)"', html)
    assert cards == [str(family.child.id), str(family.brother.id)]
    assert "Child protection plan" in html and "Never recorded" in html
    assert f'data-signal="visit_overdue" data-sibling="{family.brother.id}"' in html


def test_an_advocate_sees_nothing_of_the_siblings(family, client_for, allocate):
    allocate(family.advocate, family.brother)
    client = client_for(family.advocate)
    assert "data-sibling" not in client.get(f"/cases/{family.child.id}").get_data(as_text=True)
    assert client.get(f"/cases/{family.child.id}/siblings").status_code == 404
    briefs = {brief["id"]: brief for brief in client.get("/api/v1/cases").get_json()["cases"]}
    assert "siblings" not in briefs[str(family.child.id)]


def test_the_caseload_brief_names_each_childs_siblings_for_the_offline_form(family, client_for):
    briefs = {brief["id"]: brief
              for brief in client_for(family.practitioner).get("/api/v1/cases").get_json()["cases"]}
    assert briefs[str(family.child.id)]["siblings"] == [
        {"id": str(family.brother.id), "name": "Ben", "relation": "brother"}]
    assert briefs[str(family.brother.id)]["siblings"] == [
        {"id": str(family.child.id), "name": "Amy", "relation": "sister"}]


def test_a_supervisor_of_another_team_cannot_link_this_teams_child_to_theirs(world, client_for):
    response = client_for(world.other_supervisor).post_form(
        f"/cases/{world.other_child.id}/siblings/link", {"sibling": str(world.child.id)})
    assert response.status_code == 404 and NOT_FOUND in response.get_data(as_text=True)
    assert group_of(world.other_child) is None


def test_a_child_with_no_brother_or_sister_shows_none_and_the_team_manager_may_link_one(
        world, client_for):
    practitioner = client_for(world.practitioner).get(f"/cases/{world.child.id}")
    assert "Brothers and sisters" not in practitioner.get_data(as_text=True)
    supervisor = client_for(world.supervisor).get(f"/cases/{world.child.id}")
    assert "Link a brother or sister" in supervisor.get_data(as_text=True)


def test_a_brother_with_nothing_to_look_at_is_named_as_such(family, client_for):
    html = client_for(family.practitioner).get(f"/cases/{family.brother.id}").get_data(
        as_text=True)
    assert "Amy (sister): nothing to look at." in html
