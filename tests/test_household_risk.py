"""New risk from someone already at home (issue 18, item 5): a household change can be new risk
information about someone who lives with the child, which asks for the risk assessment to be
reviewed as urgently as a new member with known risks; and a household change someone else
reported starts "not yet checked", like an observation."""

import uuid
from html import unescape

import sqlalchemy as sa
from helpers import amend, days_ago, record

from dailylife.clock import to_local, utcnow
from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db
from dailylife.signals import compute
from dailylife.signals.catalogue import Urgency


def signals(child) -> dict:
    db.session.expire_all()
    return {signal.id: signal for signal in compute.for_child(child)}


def form_time(moment) -> str:
    return to_local(moment).strftime("%Y-%m-%dT%H:%M")


def changes_of(child) -> list[Entry]:
    return db.session.scalars(sa.select(Entry).where(
        Entry.child_id == child.id, Entry.kind == Kind.HOUSEHOLD_CHANGE,
        Entry.amends_id.is_(None))).all()


def household(world, days: int, change="joined", **data):
    return record(world.practitioner, world.child, "household_change", days_ago(days),
                  change=change, name=data.pop("name", "Dean"),
                  relationship=data.pop("relationship", "mother's partner"), **data)


def reviewed(world):
    record(world.supervisor, world.child, "oversight", summary="Risk assessment reviewed.",
           risk_assessment_reviewed=True)


# New risk information about someone already at home ---------------------------------------------

def test_new_risk_about_someone_at_home_is_as_urgent_as_a_new_member_with_risks(world,
                                                                                 client_for):
    household(world, 200, "joined", name="Kerry", relationship="mother")
    reviewed(world)
    assert "household_change_unreviewed" not in signals(world.child)
    client = client_for(world.practitioner)
    response = client.post_form(f"/cases/{world.child.id}/household/new", {
        "occurred_at": form_time(days_ago(1)), "change": "risk_update", "name": "Kerry",
        "relationship": "mother", "risk_factors": ["parental_mental_health"],
        "risk_notes": "Sectioned last month; the GP told us today.",
        "information_source": "other_agency", "source": "GP"})
    assert response.status_code == 302, response.get_data(as_text=True)
    raised = signals(world.child)["household_change_unreviewed"]
    assert raised.urgency is Urgency.HIGH
    assert raised.detail == (
        "Since the risk assessment was last reviewed: Kerry (new risk information about someone "
        "in the household). There is new risk information about someone who lives with the "
        "child.")
    page = client.get(f"/cases/{world.child.id}").get_data(as_text=True)
    assert "Known risks: Mental health" in page, "the household shows what is now known"
    assert page.count("<strong>Kerry</strong> — mother, since") == 1, "one member, as before"
    reviewed(world)
    assert "household_change_unreviewed" not in signals(world.child)


def test_a_member_who_joined_without_risks_stays_medium(world):
    household(world, 3, "joined", name="Gran", relationship="grandmother")
    assert signals(world.child)["household_change_unreviewed"].urgency is Urgency.MEDIUM


def test_new_risk_information_without_the_risk_is_refused_and_nothing_is_saved(world,
                                                                                 client_for):
    response = client_for(world.practitioner).post_form(
        f"/cases/{world.child.id}/household/new", {
            "occurred_at": form_time(days_ago(1)), "change": "risk_update", "name": "Kerry",
            "relationship": "mother"})
    assert response.status_code == 400
    assert "Tick the risk the new information is about" in response.get_data(as_text=True)
    assert changes_of(world.child) == []


# Reported household changes start not yet checked -------------------------------------------------

def sync_item(world, **data) -> dict:
    now = utcnow().isoformat()
    return {"id": str(uuid.uuid4()), "kind": "household_change", "child_id": str(world.child.id),
            "occurred_at": now, "recorded_at": now, "visit_id": None, "amends_id": None,
            "data": data}


def test_a_change_a_parent_reported_waits_to_be_checked_and_is_checked_like_an_observation(
        world, client_for):
    change = household(world, 2, information_source="parent_reported",
                       source="mother told me")
    assert change.triangulation == "unverified" and change.source == "parent_reported"
    client = client_for(world.practitioner)
    page = unescape(client.get(f"/cases/{world.child.id}").get_data(as_text=True))
    waiting = page[page.index("Reported, not yet checked"):]
    assert "mother told me" in waiting
    assert "Joined the household: Dean (mother's partner)." in waiting
    check_page = client.get(f"/cases/{world.child.id}/entries/{change.id}/triangulate")
    assert check_page.status_code == 200
    assert "Joined the household: Dean (mother's partner)." in unescape(
        check_page.get_data(as_text=True))
    response = client.post_form(f"/cases/{world.child.id}/entries/{change.id}/triangulate", {
        "triangulation": "corroborated", "triangulation_by": "police check",
        "reason": "He gives this address.", "based_on": str(change.id)})
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(f"/cases/{world.child.id}").get_data(as_text=True)
    assert "Nothing is waiting to be checked." in page


def test_an_unchecked_household_change_counts_as_unchecked_reported_information(world):
    household(world, 13, information_source="other_agency", source="school")
    assert "report_unverified" not in signals(world.child), "day 13"
    old = household(world, 14, name="Lee", information_source="other", source="neighbour")
    assert [item.id for item in signals(world.child)["report_unverified"].evidence] == [old.id]
    amend(world.practitioner, old, triangulation="corroborated", triangulation_by="police check",
          reason="He lives there.")
    assert "report_unverified" not in signals(world.child)


def test_what_the_social_worker_saw_is_not_checked_and_cannot_be_marked_so(world, client_for):
    seen = household(world, 2, information_source="observed")
    assert seen.triangulation is None
    response = client_for(world.practitioner).post_json("/api/v1/sync", {
        "device_id": "tablet-1", "items": [sync_item(
            world, change="joined", name="Dean", relationship="mother's partner",
            information_source="observed", triangulation="corroborated")]})
    (result,) = response.get_json()["results"]
    assert result["status"] == "rejected" and "triangulation" in result["errors"]


def test_the_tablet_sends_a_reported_change_and_lists_it_to_be_checked(world, client_for):
    item = sync_item(world, change="risk_update", name="Dean", relationship="mother's partner",
                     risk_factors=["domestic_abuse"], information_source="other_agency",
                     source="police")
    client = client_for(world.practitioner)
    (result,) = client.post_json("/api/v1/sync", {"device_id": "tablet-1",
                                                  "items": [item]}).get_json()["results"]
    assert result["status"] == "created", result
    (brief,) = [brief for brief in client.get("/api/v1/cases").get_json()["cases"]
                if brief["id"] == str(world.child.id)]
    (waiting,) = brief["unverified"]
    assert waiting["id"] == item["id"] and waiting["source_detail"] == "police"
    assert waiting["text"].startswith("New risk information about someone in the household: Dean")


def test_an_older_change_with_its_source_in_words_stays_readable_and_correctable(world,
                                                                                client_for):
    older = household(world, 30, source="mother told me")
    assert older.triangulation is None
    client = client_for(world.practitioner)
    detail = client.get(f"/cases/{world.child.id}/entries/{older.id}").get_data(as_text=True)
    assert "mother told me" in detail
    amend(world.practitioner, older, relationship="mother's boyfriend")
    changed = unescape(client.get(f"/cases/{world.child.id}/entries/{older.id}").get_data(
        as_text=True))
    assert "mother's boyfriend" in changed and "mother told me" in changed


def test_where_a_change_came_from_cannot_be_corrected(world):
    from dailylife.entries import history, payload
    seen = household(world, 2, information_source="observed")
    _, errors = payload.validate_amendment(history.version_of(seen), {
        "reason": "It was the mother.", "based_on": str(seen.id),
        "information_source": "parent_reported"})
    assert "information_source" in errors
