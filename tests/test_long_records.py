"""A long record: the child's page and the caseload briefs show how many reports wait and the
oldest few, and the chronology lists all of them, so no page grows with the history."""

import json
import re
import uuid
from datetime import timedelta

from dailylife.children.summary import COUNTED, FEW
from dailylife.clock import utcnow
from dailylife.entries.models import Entry
from dailylife.extensions import db
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
    assert f"Showing {FEW} of {FEW + 3} reports waiting to be checked, oldest first." in page
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


def test_a_household_larger_than_the_page_shows_puts_known_risks_first_and_links_to_its_history(
        world, client_for):
    pat = world.practitioner
    record(pat, world.child, "household_change", at=days_ago(90), change="joined",
           name="Rick Risk", relationship="uncle", risk_factors=["offending_history"])
    for number in range(FEW + 1):
        record(pat, world.child, "household_change", at=days_ago(80 - number), change="joined",
               name=f"Lodger {number}", relationship="lodger")
    client = client_for(pat)

    page = client.get(f"/cases/{world.child.id}").get_data(as_text=True)
    household = page.split('id="household-heading"')[1].split("</section>")[0]
    names = re.findall(r"<li><strong>([^<]+)</strong>", household)
    assert names == ["Rick Risk", *(f"Lodger {number}" for number in range(FEW, 1, -1))]
    assert (f"Showing {FEW} of {FEW + 2} people in the household, those with known risks first."
            in household)
    assert f'/cases/{world.child.id}/chronology?kind=household_change"' in household

    (brief,) = client.get("/api/v1/cases").get_json()["cases"]
    assert [member["name"] for member in brief["household"]] == names
    assert brief["household_count"] == FEW + 2


def test_past_the_counting_limit_the_page_and_the_brief_say_so_many_or_more(world, client_for):
    author, now = world.practitioner, utcnow()
    db.session.execute(Entry.__table__.insert(), [dict(
        id=uuid.uuid4(), child_id=world.child.id, kind="observation",
        occurred_at=now - timedelta(minutes=number), recorded_at=now, received_at=now,
        author_id=author.id, author_role="practitioner", significant=False,
        category="health", source="parent_reported", triangulation="unverified",
        data={"category": "health", "text": "Says he eats well.", "source": "parent_reported",
              "source_detail": "mother", "triangulation": "unverified"})
        for number in range(COUNTED + 1)])
    db.session.commit()
    client = client_for(author)

    page = client.get(f"/cases/{world.child.id}").get_data(as_text=True)
    assert (f"Showing {FEW} of {COUNTED} or more reports waiting to be checked, oldest first."
            in page)
    assert ">All of them in the chronology</a>" in page
    (brief,) = client.get("/api/v1/cases").get_json()["cases"]
    assert (brief["unverified_count"], brief["unverified_count_at_least"]) == (COUNTED, True)
