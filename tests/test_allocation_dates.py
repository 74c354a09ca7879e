"""An allocation grants access from its first day to its last, in the service's time zone, and
not a day outside: a social worker allocated from next month, or whose allocation ended
yesterday, sees the child as a stranger would (a 404), on every path to the record."""

from datetime import timedelta

import pytest
from test_sync import item, statuses, sync

from dailylife.clock import local_today
from dailylife.people.models import Role

DAY = timedelta(days=1)

#: (first day, last day) relative to today, and whether the allocation is in force today.
WINDOWS = [
    pytest.param(DAY, None, False, id="starts tomorrow"),
    pytest.param(30 * DAY, 60 * DAY, False, id="starts next month"),
    pytest.param(-30 * DAY, -DAY, False, id="ended yesterday"),
    pytest.param(timedelta(0), None, True, id="starts today"),
    pytest.param(-30 * DAY, timedelta(0), True, id="ends today"),
]


@pytest.fixture
def allocated_between(world, make_user, allocate):
    """A social worker and an advocate of the child, allocated for the given days only."""
    def make(first, last):
        today = local_today()
        social_worker = make_user(Role.PRACTITIONER, team=world.team_a, name="Win Window")
        advocate = make_user(Role.ADVOCATE, name="Ari Window")
        for user in (social_worker, advocate):
            allocate(user, world.child, start=today + first,
                     end=None if last is None else today + last)
        return social_worker, advocate
    return make


@pytest.mark.parametrize("first, last, in_force", WINDOWS)
def test_a_social_worker_reaches_the_child_only_while_allocated(
        world, client_for, allocated_between, first, last, in_force):
    social_worker, _ = allocated_between(first, last)
    client = client_for(social_worker)
    assert client.get(f"/cases/{world.child.id}").status_code == (200 if in_force else 404)
    assert client.get(f"/cases/{world.child.id}/chronology").status_code == (
        200 if in_force else 404)
    assert ("Amy Example" in client.get("/cases").get_data(as_text=True)) is in_force
    briefs = client.get("/api/v1/cases").get_json()["cases"]
    assert [brief["id"] for brief in briefs] == ([str(world.child.id)] if in_force else [])
    assert statuses(sync(client, item(world.child))) == ["created" if in_force else "forbidden"]


@pytest.mark.parametrize("first, last, in_force", WINDOWS)
def test_an_advocate_hears_the_child_only_while_allocated(
        world, client_for, allocated_between, first, last, in_force):
    _, advocate = allocated_between(first, last)
    client = client_for(advocate)
    assert client.get(f"/cases/{world.child.id}").status_code == (200 if in_force else 404)
    assert ("Amy Example" in client.get("/cases").get_data(as_text=True)) is in_force
    assert statuses(sync(client, item(world.child, "voice"))) == [
        "created" if in_force else "forbidden"]
