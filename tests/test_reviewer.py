"""Reviewers: a read-only role across every team, for those who review cases afterwards (a
safeguarding practice review's author, a quality assurance officer), and who may open a record
as it stood on a past day (issue 18, item 10)."""

from dailylife.access import Action, can


def test_only_the_childs_team_manager_may_open_the_record_as_it_stood_on_a_past_day(world):
    may = {who: can(getattr(world, who), Action.READ_AS_AT, world.child)
           for who in ("supervisor", "other_supervisor", "practitioner", "other_practitioner",
                       "advocate", "admin")}
    assert may == dict(supervisor=True, other_supervisor=False, practitioner=False,
                       other_practitioner=False, advocate=False, admin=False)
