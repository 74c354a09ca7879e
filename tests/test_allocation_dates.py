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

#: Who is allocated, and what they send about the child.
PEOPLE = [pytest.param(Role.PRACTITIONER, "observation", id="social worker"),
          pytest.param(Role.ADVOCATE, "voice", id="advocate")]


@pytest.mark.parametrize("role, kind", PEOPLE)
@pytest.mark.parametrize("first, last, in_force", WINDOWS)
def test_someone_allocated_reaches_the_child_only_while_the_allocation_is_in_force(
        world, make_user, allocate, client_for, role, kind, first, last, in_force):
    today = local_today()
    person = make_user(role, team=world.team_a if role is Role.PRACTITIONER else None)
    allocate(person, world.child, start=today + first, end=None if last is None else today + last)
    client = client_for(person)
    assert client.get(f"/cases/{world.child.id}").status_code == (200 if in_force else 404)
    if role is Role.PRACTITIONER:
        assert client.get(f"/cases/{world.child.id}/chronology").status_code == (
            200 if in_force else 404)
    assert ("Amy Example" in client.get("/cases").get_data(as_text=True)) is in_force
    briefs = client.get("/api/v1/cases").get_json()["cases"]
    assert [brief["id"] for brief in briefs] == ([str(world.child.id)] if in_force else [])
    assert statuses(sync(client, item(world.child, kind))) == [
        "created" if in_force else "forbidden"]

