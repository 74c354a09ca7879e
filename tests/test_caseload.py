"""The caseload for the day (issue 16, item 2): a social worker with fifteen minutes in a car sees
first the children whose visit is overdue, then those due soon, then those with something to act
on; each card says when the next visit is due, the last visit, and at most two signals meant for
them. The tablet's briefs carry the same order and words."""

import re
from datetime import timedelta

from dailylife.children.models import LegalStatus
from dailylife.clock import local_today
from dailylife.extensions import db
from dailylife.signals.catalogue import AUDIENCE, SIGNAL_IDS

from helpers import days_ago, record as write


def visit(author, child, days: int, *, alone=True, seen=True):
    answers = {"type": "planned", "child_seen": seen}
    if seen:
        answers.update(seen_alone=alone, seen_alone_reason=None if alone else "Mother stayed.")
    write(author, child, "visit", days_ago(days), **answers)


def names_in_order(html: str) -> list[str]:
    return re.findall(r'<a class="card-name" href="[^"]+">([^<]+)</a>', html)


def card_of(html: str, name: str) -> str:
    """The caseload card of the child called ``name``."""
    cards = html.split("</main>")[0].split('<li class="card"')[1:]
    (card,) = [card for card in cards if f">{name}</a>" in card]
    return card


def briefs_in_order(client) -> list[dict]:
    return sorted(client.get("/api/v1/cases").get_json()["cases"], key=lambda brief: brief["order"])


def long_looked_after() -> dict:
    """A child looked after for over a year is visited at least every three months, so that
    their own interval (which can only make visits more frequent) is the rule."""
    return {"legal_status": LegalStatus.LOOKED_AFTER, "created_at": days_ago(400)}


def test_overdue_visits_come_first_then_due_soon_then_signals_then_the_rest_by_name(
        world, make_child, allocate, client_for):
    worker = world.practitioner

    def child(name, interval, *visits_ago, alone=True):
        opened = long_looked_after() if visits_ago else {}
        made = make_child(world.team_a, name=name, visit_interval_days=interval, **opened)
        allocate(worker, made)
        for days in visits_ago:
            visit(worker, made, days, alone=alone)
        return made

    child("Bea Rest", None)                     # never seen: due ten working days after today
    child("Abe Rest", 60, 30)                   # due in 30 days
    child("Finn Signal", 60, 20, 10, alone=False)  # due in 50 days, not seen alone twice
    child("Eve Soon", 7, 5)                     # due in 2 days
    child("Cara Overdue", 7, 10)                # overdue by 3 days
    child("Dan Overdue", 7, 15)                 # overdue by 8 days
    expected = ["Dan Overdue", "Cara Overdue", "Eve Soon", "Finn Signal", "Abe Rest",
                "Amy Example", "Bea Rest"]

    client = client_for(worker)
    assert names_in_order(client.get("/cases").get_data(as_text=True)) == expected
    assert [brief["name"] for brief in briefs_in_order(client)] == expected


def test_each_card_says_in_words_when_the_next_visit_is_due_counting_from_when_the_child_was_seen(
        world, make_child, allocate, client_for):
    worker = world.practitioner
    for name, interval, seen_days_ago in (("Ola Late", 7, 8), ("Pia Today", 7, 7),
                                          ("Rui Soon", 7, 6), ("Sam Later", 14, 4)):
        made = make_child(world.team_a, name=name, visit_interval_days=interval,
                          **long_looked_after())
        allocate(worker, made)
        visit(worker, made, seen_days_ago)
        visit(worker, made, 1, seen=False)  # not seen: the interval still counts from the last
    client = client_for(worker)
    html = client.get("/cases").get_data(as_text=True)
    words = {
        "Ola Late": "Next visit overdue by 1 day", "Pia Today": "Next visit due today",
        "Rui Soon": "Next visit due in 1 day", "Sam Later": "Next visit due in 10 days"}
    for name, said in words.items():
        assert said in card_of(html, name)
    briefs = {brief["name"]: brief for brief in briefs_in_order(client)}
    for name, said in words.items():
        assert briefs[name]["next_visit_words"].startswith(said)
    assert briefs["Ola Late"]["next_visit_due"] == (local_today() - timedelta(days=1)).isoformat()
    assert 'data-signal="visit_overdue"' in card_of(html, "Ola Late")
    assert 'data-signal="visit_overdue"' not in card_of(html, "Pia Today")
    assert "Last visit:" in card_of(html, "Ola Late")


def test_a_child_never_seen_is_due_from_the_day_the_case_opened(world, client_for, case_opened):
    world.child.visit_interval_days = 5
    case_opened(world.child, days_ago(9))
    (brief,) = client_for(world.practitioner).get("/api/v1/cases").get_json()["cases"]
    assert brief["next_visit_words"].startswith("Next visit overdue by 4 days")


def test_every_signal_says_who_acts_on_it():
    assert set(AUDIENCE) == set(SIGNAL_IDS)


def a_child_the_manager_has_not_overseen(world, case_opened):
    """Amy, open for forty days with no management oversight (the team manager's signal) and
    not seen alone at her last two visits (the social worker's)."""
    case_opened(world.child, days_ago(40))
    for days in (6, 3):
        visit(world.practitioner, world.child, days, alone=False)


def test_the_social_workers_cards_leave_out_the_team_managers_signals(world, client_for,
                                                                     case_opened):
    a_child_the_manager_has_not_overseen(world, case_opened)
    worker = client_for(world.practitioner)
    card = card_of(worker.get("/cases").get_data(as_text=True), "Amy Example")
    assert 'data-signal="not_seen_alone"' in card
    assert 'data-signal="oversight_missing"' not in card
    (brief,) = worker.get("/api/v1/cases").get_json()["cases"]
    assert [signal["id"] for signal in brief["card_signals"]] == ["not_seen_alone"]


def test_the_team_manager_sees_their_own_signals_on_their_caseload(world, client_for,
                                                                  case_opened):
    a_child_the_manager_has_not_overseen(world, case_opened)
    manager = client_for(world.supervisor)
    card = card_of(manager.get("/cases").get_data(as_text=True), "Amy Example")
    assert 'data-signal="not_seen_alone"' in card and 'data-signal="oversight_missing"' in card


def test_a_card_shows_the_two_most_urgent_signals_and_the_rest_one_tap_away(world, client_for):
    """Three visits not alone and no words (not seen alone: high; the child's words missing:
    medium), a report from three weeks ago nobody checked (medium)."""
    for days in (9, 6, 3):
        visit(world.practitioner, world.child, days, alone=False)
    write(world.practitioner, world.child, "observation", days_ago(21), category="education",
          text="Mum says school is fine.", source="parent_reported")
    worker = client_for(world.practitioner)
    card = card_of(worker.get("/cases").get_data(as_text=True), "Amy Example")
    shown, folded = card.split('<details class="more-signals">')
    assert re.findall(r'data-signal="(\w+)"', shown) == ["not_seen_alone", "report_unverified"]
    assert "<summary>1 more</summary>" in folded
    assert re.findall(r'data-signal="(\w+)"', folded) == ["voice_missing"]
    (brief,) = worker.get("/api/v1/cases").get_json()["cases"]
    assert [signal["id"] for signal in brief["card_signals"]] == [
        "not_seen_alone", "report_unverified"]
    assert [signal["id"] for signal in brief["more_signals"]] == ["voice_missing"]


def test_an_advocate_sees_the_childs_name_and_age_and_nothing_from_the_record(
        world, client_for, case_opened):
    a_child_the_manager_has_not_overseen(world, case_opened)
    advocate = client_for(world.advocate)
    card = card_of(advocate.get("/cases").get_data(as_text=True), "Amy Example")
    assert "known as Amy" in card
    for record_data in ("Next visit", "Last visit", "data-signal", "Child protection plan"):
        assert record_data not in card
    (brief,) = advocate.get("/api/v1/cases").get_json()["cases"]
    assert brief["order"] == 0
    assert not {"next_visit_due", "next_visit_words", "card_signals", "more_signals",
                "signals"} & set(brief)


def test_the_search_box_never_sends_a_name_to_the_server(world, client_for):
    """The search filters on the device: it is not a form, so typing a name and pressing Enter
    sends nothing, and no name lands in a URL a server or proxy logs."""
    html = client_for(world.practitioner).get("/cases").get_data(as_text=True)
    search = re.search(r'<div class="field caseload-search".*?</div>', html, re.S).group(0)
    assert '<label for="find-child">' in search and 'id="find-child" type="search"' in search
    assert "<form" not in search and 'name="' not in search
