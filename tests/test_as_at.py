"""The record as it stood on a date (issue 18, item 10): a team manager opens a child's page, the
chronology, its CSV and the team dashboard with ``?as_at=YYYY-MM-DD`` and sees what the team knew at
the end of that day: the entries received by then, and the signals as they were that evening.

Days pass in these tests by moving the app's clock (``on_day``): what is recorded "on" a day is
received then, and what the team manager read that day is read with the clock on that day. Reading
the past again is done today, with the real clock, through ``as_at`` alone.
"""

import contextlib
import io
import re
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from dailylife import clock
from dailylife.audit import AuditEvent
from dailylife.clock import local_today
from dailylife.entries import operations as entry_operations
from dailylife.extensions import db
from dailylife.signals import compute

from helpers import amend, days_ago, record


@pytest.fixture
def on_day(monkeypatch):
    """``with on_day(3, hour=16):`` the app's clock reads that hour of the day three days ago:
    what is written then is received then, and signals are worked out as of then. (Moments
    named inside are counted from that day: name them before.)"""
    @contextlib.contextmanager
    def travel(days: int, hour: int = 10):
        moment = days_ago(days, hour)
        with monkeypatch.context() as patched:
            for module in (clock, entry_operations, compute):
                patched.setattr(module, "utcnow", lambda: moment)
            yield moment
    return travel


@pytest.fixture
def case(world, make_child, allocate, on_day):
    """Amy's case opened eight days ago, on a child protection plan, held by Pat; Ada is her
    advocate."""
    with on_day(8, hour=9) as opened:
        child = make_child(world.team_a, name="Amy Example", preferred_name="Amy",
                           created_at=opened)
        allocate(world.practitioner, child, start=local_today())
        allocate(world.advocate, child, start=local_today())
    world.child = child
    return world


def day_words(days: int) -> str:
    return (local_today() - timedelta(days=days)).isoformat()


SIGNAL = re.compile(r'data-signal="([a-z_]+)"[^>]*>\s*<strong class="signal-label">[^<]*</strong>'
                    r'\s*<span class="signal-detail">([^<]*)</span>')


def signals_shown(html: str) -> list[tuple[str, str]]:
    """The signals a page lists, each as (id, what it says)."""
    return SIGNAL.findall(html)


def entries_listed(html: str) -> list[str]:
    return re.findall(r'<tr id="entry-([0-9a-f-]+)"', html)


def team_shown(html: str) -> tuple[list, list]:
    """The dashboard's counts and every signal it marks, in page order."""
    return (re.findall(r'data-count="([a-z_]+)"[^>]*>\s*<span class="team-count-number">(\d+)',
                       html), re.findall(r'data-signal="([a-z_]+)"', html))


def read_everything(client, child, as_at: str | None = None) -> dict:
    """What a team manager reads about the child: its page, its chronology, the CSV, /team (each
    read as it is answered: the CSV streams)."""
    query = f"?as_at={as_at}" if as_at else ""
    pages = {}
    for name, url in {"child": f"/cases/{child.id}", "chronology": f"/cases/{child.id}/chronology",
                      "csv": f"/cases/{child.id}/chronology.csv", "team": "/team"}.items():
        response = client.get(url + query, buffered=True)
        assert response.status_code == 200, (name, response.status_code)
        pages[name] = response.get_data(as_text=True)
    return {"signals": signals_shown(pages["child"]),
            "chronology": entries_listed(pages["chronology"]),
            "csv": pages["csv"].splitlines(), "team": team_shown(pages["team"]), "pages": pages}


def visit(author, child, at, **answers):
    return record(author, child, "visit", at, **{"type": "planned", "child_seen": True,
                                                  "seen_alone": True, **answers})


def parent_report(author, child, at, text="Mother says Amy sleeps well."):
    return record(author, child, "observation", at, category="daily_routine", text=text,
                  source="parent_reported")


# A review reads the past again --------------------------------------------------------------------

def test_a_team_manager_sees_the_record_as_it_stood_on_a_past_day_after_more_was_recorded(
        case, client_for, on_day):
    sara, pat, amy = case.supervisor, case.practitioner, case.child
    client = client_for(sara)
    morning, before_that, three_days_ago = days_ago(5, 10), days_ago(7, 15), days_ago(3, 9)
    with on_day(5, hour=11):
        first_visit = visit(pat, amy, morning)
        report = parent_report(pat, amy, morning)
    with on_day(5, hour=17):
        that_day = read_everything(client, amy)
    assert {str(first_visit.id), str(report.id)} <= set(that_day["chronology"])

    with on_day(3):
        visit(pat, amy, three_days_ago, seen_alone=False, seen_alone_reason="Mother stayed.")
    with on_day(2):
        amend(pat, report, triangulation="corroborated", triangulation_by="Health visitor")
        amend(pat, first_visit, withdrawn=True, reason="Recorded on the wrong child.")
        earlier_event = parent_report(pat, amy, before_that, text="Neighbour heard shouting.")
    today = read_everything(client, amy)
    assert str(earlier_event.id) in today["chronology"]

    looking_back = read_everything(client, amy, as_at=day_words(5))
    assert looking_back["chronology"] == that_day["chronology"]
    assert looking_back["signals"] == that_day["signals"]
    assert looking_back["team"] == that_day["team"]
    assert looking_back["csv"] == that_day["csv"]
    for name in ("child", "chronology", "team"):
        html = looking_back["pages"][name]
        assert "The record as it stood at the end of" in html, name
        assert "entries received later are not shown" in html, name
        assert "who the case is allocated to and the team are as they are today" in html, name
    assert today["chronology"] != that_day["chronology"]


def test_the_pdf_as_at_a_day_has_the_banner_and_only_what_was_received_by_then(
        case, client_for, on_day):
    pat, amy, morning = case.practitioner, case.child, days_ago(4, 10)
    with on_day(4, hour=11):
        parent_report(pat, amy, morning, text="Mother says Amy sleeps well.")
    parent_report(pat, amy, morning, text="Grandmother says Amy is often alone.")
    response = client_for(case.supervisor).get(f"/cases/{amy.id}/chronology.pdf",
                                               query_string={"as_at": day_words(4)})
    assert response.status_code == 200
    text = " ".join(" ".join(page.extract_text().split())
                    for page in PdfReader(io.BytesIO(response.get_data())).pages)
    assert "The record as it stood at the end of" in text
    assert "Mother says Amy sleeps well." in text
    assert "Grandmother" not in text


def test_each_look_at_the_past_is_audited_with_its_day(case, client_for):
    client = client_for(case.supervisor)
    for url in (f"/cases/{case.child.id}", f"/cases/{case.child.id}/chronology",
                f"/cases/{case.child.id}/chronology.csv", "/team"):
        assert client.get(url, query_string={"as_at": day_words(1)},
                          buffered=True).status_code == 200
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action.in_(
        ["view_child", "view_chronology", "export", "view_team"])).order_by(AuditEvent.id)).all()
    assert [(event.action, event.detail.get("as_at")) for event in events] == [
        ("view_child", day_words(1)), ("view_chronology", day_words(1)),
        ("export", day_words(1)), ("view_team", day_words(1))]


def test_the_household_as_at_a_day_is_who_the_team_knew_lived_there(case, client_for):
    record(case.practitioner, case.child, "household_change", days_ago(3),
           change="joined", name="Dean Smith", relationship="mother's partner")
    client = client_for(case.supervisor)
    today = client.get(f"/cases/{case.child.id}").get_data(as_text=True)
    assert "Dean Smith" in today
    then = client.get(f"/cases/{case.child.id}",
                      query_string={"as_at": day_words(1)}).get_data(as_text=True)
    household = then.split('id="household-heading"')[1].split("</section>")[0]
    assert (local_today() - timedelta(days=1)).strftime("Household on %-d %B %Y") in household
    assert "Dean Smith" not in then
    assert "Still in force on" in then


def test_an_entry_recorded_days_after_it_happened_is_marked_with_the_day_it_was_recorded(
        case, client_for, on_day):
    pat, amy = case.practitioner, case.child
    four_days_before, the_day_before = days_ago(6, 15), days_ago(3, 15)
    with on_day(2):
        late = parent_report(pat, amy, four_days_before, text="Neighbour heard shouting.")
        next_day = parent_report(pat, amy, the_day_before, text="School says Amy was tired.")
    html = client_for(case.supervisor).get(f"/cases/{amy.id}/chronology").get_data(as_text=True)
    late_row = html[html.index(f'id="entry-{late.id}"'):]
    late_row = late_row[:late_row.index("</tr>")]
    recorded_on = (local_today() - timedelta(days=2)).strftime("%-d %b %Y")
    assert f"Recorded on {recorded_on}" in late_row
    next_day_row = html[html.index(f'id="entry-{next_day.id}"'):]
    assert "Recorded on" not in next_day_row[:next_day_row.index("</tr>")]


# Date-driven signals, as they were each day -------------------------------------------------------

@pytest.fixture
def every_five_days(case, make_child, allocate, on_day):
    """Ben, visited every five days; his case opened twenty days ago."""
    with on_day(20, hour=9) as opened:
        child = make_child(case.team_a, name="Ben Example", created_at=opened,
                           visit_interval_days=5)
    allocate(case.practitioner, child)
    return child


def signal_ids(client, child, as_at: str | None = None) -> list[str]:
    query = f"?as_at={as_at}" if as_at else ""
    response = client.get(f"/cases/{child.id}{query}", buffered=True)
    assert response.status_code == 200
    return [signal_id for signal_id, _ in signals_shown(response.get_data(as_text=True))]


def test_visit_overdue_as_it_was_each_day_and_a_visit_recorded_later_leaves_the_past(
        case, every_five_days, client_for, on_day):
    ben, client = every_five_days, client_for(case.supervisor)
    seen = days_ago(12, 9)
    with on_day(12):
        visit(case.practitioner, ben, seen)
    assert "visit_overdue" not in signal_ids(client, ben, day_words(8))
    assert "visit_overdue" in signal_ids(client, ben, day_words(6))
    assert "visit_overdue" in signal_ids(client, ben)

    visit(case.practitioner, ben, days_ago(3, 9))  # written up today, about three days ago
    assert "visit_overdue" not in signal_ids(client, ben)
    assert "visit_overdue" in signal_ids(client, ben, day_words(2))


def test_report_unverified_as_it_was_each_day_and_a_later_check_leaves_the_past(
        case, every_five_days, client_for, on_day):
    ben, client = every_five_days, client_for(case.supervisor)
    reported = days_ago(19, 9)
    with on_day(19):
        report = parent_report(case.practitioner, ben, reported)
    assert "report_unverified" not in signal_ids(client, ben, day_words(12))
    assert "report_unverified" in signal_ids(client, ben, day_words(2))

    amend(case.practitioner, report, triangulation="corroborated", triangulation_by="School")
    assert "report_unverified" not in signal_ids(client, ben)
    assert "report_unverified" in signal_ids(client, ben, day_words(2))


def test_a_report_received_today_about_long_ago_does_not_raise_a_signal_on_an_earlier_day(
        case, every_five_days, client_for):
    ben, client = every_five_days, client_for(case.supervisor)
    parent_report(case.practitioner, ben, days_ago(19, 9))
    assert "report_unverified" in signal_ids(client, ben)
    assert "report_unverified" not in signal_ids(client, ben, day_words(1))


def test_looking_at_the_past_does_not_push_out_the_signals_kept_for_today(
        case, client_for, monkeypatch):
    worked_out = []
    fresh = compute._fresh

    def counted(children, clock_now, read_confidential):
        worked_out.append(clock_now.today)
        return fresh(children, clock_now, read_confidential)

    monkeypatch.setattr(compute, "_fresh", counted)
    client, page = client_for(case.supervisor), f"/cases/{case.child.id}"
    for as_at in (None, day_words(1), None, day_words(1)):
        assert client.get(page, query_string={"as_at": as_at} if as_at else {}).status_code == 200
    assert worked_out == [local_today(), local_today() - timedelta(days=1)]


#: Where "now" may be read from the moment: the one place that makes each computation's clock.
CLOCK_MADE = ("compute.py", "now = now or (shown.now if shown else utcnow())")


def test_the_signals_read_now_only_from_the_clock_they_are_given():
    """A rule that read the moment itself would be right today and wrong as at any other day."""
    signals = Path(compute.__file__).parent
    reading_the_moment = [
        (path.name, line.strip()) for path in sorted(signals.glob("*.py"))
        for line in path.read_text().splitlines()
        if re.search(r"\b(utcnow|local_today|date\.today|datetime\.now|datetime\.utcnow)\(", line)]
    assert reading_the_moment == [CLOCK_MADE]


# Bad dates ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("value, words", [
    ("12/03/2026", "is not a date"), ("2026-02-30", "is not a date"),
    ("2026-W11-4", "is not a date"), ("yesterday", "is not a date"),
])
def test_an_as_at_that_is_not_a_day_is_refused_with_a_message(case, client_for, value, words):
    client = client_for(case.supervisor)
    for url in (f"/cases/{case.child.id}", f"/cases/{case.child.id}/chronology",
                f"/cases/{case.child.id}/chronology.csv", "/team"):
        response = client.get(url, query_string={"as_at": value}, buffered=True)
        assert response.status_code == 400, url
        assert words in response.get_data(as_text=True), url


def test_an_as_at_in_the_future_is_refused(case, client_for):
    tomorrow = (local_today() + timedelta(days=1)).isoformat()
    client = client_for(case.supervisor)
    for url in (f"/cases/{case.child.id}", f"/cases/{case.child.id}/chronology", "/team"):
        response = client.get(url, query_string={"as_at": tomorrow})
        assert response.status_code == 400
        assert "is in the future" in response.get_data(as_text=True)


def test_an_as_at_before_the_record_began_is_refused_with_the_day_it_began(case, client_for):
    client = client_for(case.supervisor)
    began = (local_today() - timedelta(days=8))
    response = client.get(f"/cases/{case.child.id}/chronology",
                          query_string={"as_at": (began - timedelta(days=1)).isoformat()})
    assert response.status_code == 400
    assert f"began on {began.strftime('%-d %B %Y')}" in response.get_data(as_text=True)
    assert client.get(f"/cases/{case.child.id}",
                      query_string={"as_at": began.isoformat()}).status_code == 200


def test_the_team_as_at_a_day_before_a_child_s_record_began_leaves_that_child_out(
        case, every_five_days, client_for):
    html = client_for(case.supervisor).get(
        "/team", query_string={"as_at": day_words(15)}).get_data(as_text=True)
    assert f'id="child-{every_five_days.id}"' in html
    assert f'id="child-{case.child.id}"' not in html


# Who may look back --------------------------------------------------------------------------------

def test_practitioners_and_advocates_are_refused_the_past_and_told_who_may_see_it(case, client_for):
    for user, pages in ((case.practitioner, ("", "/chronology", "/chronology.csv")),
                        (case.advocate, ("",))):
        client = client_for(user)
        for page in pages:
            response = client.get(f"/cases/{case.child.id}{page}",
                                  query_string={"as_at": day_words(1)}, buffered=True)
            assert response.status_code == 403, (user.role, page)
            assert "Only team managers and reviewers" in response.get_data(as_text=True)
    refused = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "refused").order_by(AuditEvent.id)).all()
    assert [(event.actor_id, event.child_id, event.detail["requested"]) for event in refused] == [
        (case.practitioner.id, case.child.id, "read_as_at")] * 3 + [
        (case.advocate.id, case.child.id, "read_as_at")]


def test_another_team_s_manager_finds_nothing_as_at_any_day(case, client_for):
    client = client_for(case.other_supervisor)
    for url in (f"/cases/{case.child.id}", f"/cases/{case.child.id}/chronology"):
        assert client.get(url, query_string={"as_at": day_words(1)}).status_code == 404


def test_the_team_manager_reads_the_past_without_anything_to_record_on_it(case, client_for):
    html = client_for(case.supervisor).get(
        f"/cases/{case.child.id}", query_string={"as_at": day_words(1)}).get_data(as_text=True)
    assert "Record a management decision" not in html
    assert f'href="/cases/{case.child.id}"' in html  # back to the record today
    assert f"/chronology?as_at={day_words(1)}" in html


def test_an_empty_as_at_is_the_record_today(case, client_for):
    response = client_for(case.supervisor).get(f"/cases/{case.child.id}?as_at=")
    assert response.status_code == 200
    assert "The record as it stood" not in response.get_data(as_text=True)

