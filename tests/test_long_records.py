"""A long record: the child's page and the caseload briefs show how many reports wait and the
oldest few, and the chronology lists all of them, so no page grows with the history."""

import json
import re

from dailylife.children.summary import FEW
from tests.helpers import amend, days_ago, record


def report(author, child, day: int, text: str = "Says he eats well at home."):
    return record(author, child, "observation", at=days_ago(day), category="health",
                  text=text, source="parent_reported", source_detail="mother")


def visits(author, child, how_many: int):
    for day in range(how_many):
        moment = days_ago(day + 1, hour=9)
        record(author, child, "visit", at=moment, recorded=moment, type="planned",
               child_seen=True, seen_alone=True)


def test_more_unchecked_reports_than_the_page_shows_the_oldest_few_and_a_link_to_them_all(
        world, client_for):
    pat = world.practitioner
    waiting = [report(pat, world.child, 40 - day, f"Report {day:02}.") for day in range(FEW + 3)]
    amend(pat, report(pat, world.child, 50, "Checked."), triangulation="corroborated",
          triangulation_by="School")
    amend(pat, report(pat, world.child, 51, "Entered in error."), withdrawn=True)
    client = client_for(pat)

    page = client.get(f"/cases/{world.child.id}").get_data(as_text=True)

    shown = re.findall(r'<li class="report" id="report-([0-9a-f-]+)"', page)
    assert shown == [str(entry.id) for entry in waiting[:FEW]], "the oldest few, oldest first"
    assert f"Showing the {FEW} oldest of {FEW + 3} reports waiting to be checked" in page
    link = re.search(r'href="([^"]*triangulation=unverified[^"]*)">All 8 in the chronology', page)
    chronology = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    for entry in waiting:
        assert f"Report {int(waiting.index(entry)):02}." in chronology
    assert "Checked." not in chronology and "Entered in error." not in chronology


def test_the_child_page_and_the_brief_are_the_same_size_for_a_child_with_ten_times_the_history(
        world, make_child, allocate, client_for):
    pat = world.practitioner
    shorter, longer = (make_child(world.team_a, name=name) for name in ("Amy Brown", "Ann Brown"))
    for child, times in ((shorter, 1), (longer, 10)):
        allocate(pat, child)
        visits(pat, child, 3 * times)
        for day in range((FEW + 1) * times):
            report(pat, child, 10 + day)
    client = client_for(pat)

    briefs = {brief["id"]: brief for brief in client.get("/api/v1/cases").get_json()["cases"]}
    short, long = briefs[str(shorter.id)], briefs[str(longer.id)]
    assert (short["unverified_count"], long["unverified_count"]) == (FEW + 1, 10 * (FEW + 1))
    assert len(short["unverified"]) == len(long["unverified"]) == FEW
    # Only digits differ (the counts, the signals' words): one more report listed adds 200 bytes.
    sizes = [len(json.dumps(brief)) for brief in (short, long)]
    assert abs(sizes[0] - sizes[1]) < 40, sizes

    pages = [client.get(f"/cases/{child.id}").get_data(as_text=True)
             for child in (shorter, longer)]
    assert pages[0].count("<li") == pages[1].count("<li")
    assert abs(len(pages[0]) - len(pages[1])) < 60, [len(page) for page in pages]


def test_the_chronology_refuses_a_triangulation_filter_it_does_not_know(world, client_for):
    answer = client_for(world.practitioner).get(
        f"/cases/{world.child.id}/chronology?triangulation=maybe")
    assert answer.status_code == 400
    assert "“maybe” is not one of the options: unverified." in answer.get_data(as_text=True)
