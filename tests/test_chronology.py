"""The chronology: every entry of a child in date order, filtered, paged by keyset, exported."""

import csv
import html
import io
import re
from datetime import datetime

import pytest
import sqlalchemy as sa

from dailylife.audit import AuditEvent
from dailylife.children import status
from dailylife.clock import from_local, to_local
from dailylife.entries import operations, payload
from dailylife.extensions import db

from helpers import amend, days_ago

CSV_HEADER = ["When it happened", "Kind", "What it is about", "Where it came from",
              "Checked against others", "Significant", "Summary", "Written by", "Role", "Recorded",
              "Received", "Entry id", "Corrects entry"]


def add(world, kind, at, *, author=None, child=None, **data):
    clean, errors = payload.validate(kind, data)
    assert not errors, errors
    entry = operations.add_entry(author=author or world.practitioner, child=child or world.child,
                                 kind=kind, data=clean, occurred_at=at)
    db.session.commit()
    return entry


def observe(world, text, at, **extra):
    return add(world, "observation", at, **{"category": "behaviour", "source": "observed",
                                            "text": text, **extra})


def url(world, suffix="", **args):
    return f"/cases/{world.child.id}/chronology{suffix}", args


def get(client, world, suffix="", **args):
    """Buffered: the CSV streams, and its body must be read while the request is still open."""
    path, query = url(world, suffix, **args)
    return client.get(path, query_string=query, buffered=True)


def opening(world) -> str:
    """The id of the status the case opened with, the newest entry of a case made now."""
    return str(status.history(world.child)[0].entry_id)


def row_ids(page: str) -> list[str]:
    return re.findall(r'<tr id="entry-([0-9a-f-]{36})"', page)


def link(page: str, rel: str) -> str | None:
    found = re.search(rf'<a [^>]*rel="{rel}"[^>]*href="([^"]+)"', page)
    return html.unescape(found.group(1)) if found else None


def csv_rows(response, marking="OFFICIAL-SENSITIVE") -> list[list[str]]:
    """The rows from the header on, after the protective marking that is the first line."""
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff"), "a BOM, so that Excel reads UTF-8"
    first, *rows = csv.reader(io.StringIO(text[1:]))
    assert first == [marking], "the protective marking, the first line a spreadsheet shows"
    return rows


# Order and content of rows

def test_entries_are_oldest_first_by_default_and_newest_first_on_request(world, client_for):
    middle = observe(world, "Middle", days_ago(5))
    newest = observe(world, "Newest", days_ago(1))
    oldest = observe(world, "Oldest", days_ago(9))
    client = client_for(world.practitioner)
    ascending = row_ids(get(client, world).get_data(as_text=True))
    descending = row_ids(get(client, world, order="desc").get_data(as_text=True))
    assert ascending == [str(oldest.id), str(middle.id), str(newest.id), opening(world)]
    assert descending == list(reversed(ascending))


def test_a_row_shows_when_age_kind_summary_source_and_who_wrote_it(world, client_for):
    at = days_ago(3, hour=14)
    entry = observe(world, "Mother says Amy sleeps well.", at, category="daily_routine",
                    source="parent_reported", source_detail="mother")
    page = get(client_for(world.supervisor), world).get_data(as_text=True)
    assert to_local(at).strftime("%a %-d %b %Y, %H:%M") in page
    assert f"Age {world.child.age(to_local(at).date())}" in page
    assert "Daily routine" in page and "Observation" in page
    assert "Mother says Amy sleeps well." in page
    assert "A parent or carer told me (mother)" in page
    assert "Not yet checked" in page, "reported information shows its triangulation state"
    assert "Pat Practitioner" in page and "Social worker" in page
    assert f'datetime="{entry.received_at.isoformat()}"' in page


@pytest.mark.parametrize("kind, data, summary", [
    ("voice", {"words": "I want to stay with Nan.", "mode": "spoken"},
     '<blockquote class="child-words keep-lines">I want to stay with Nan.</blockquote>'),
    ("visit", {"type": "unannounced", "child_seen": True, "seen_alone": False,
               "seen_alone_reason": "Mother refused.", "analysis": "Tense home."},
     "Visit: Unannounced. Child seen, not seen alone: Mother refused. Tense home."),
    ("household_change", {"change": "joined", "name": "Dean", "relationship": "mother's partner",
                          "risk_factors": ["offending_history"]},
     "Joined the household: Dean (mother&#39;s partner). Known risk factors: Offending history."),
    ("escalation", {"reason": "Bruise on arm, not explained."}, "Bruise on arm, not explained."),
])
def test_each_kind_is_summarised_by_its_main_text(world, client_for, kind, data, summary):
    add(world, kind, days_ago(2), **data)
    assert summary in get(client_for(world.practitioner), world).get_data(as_text=True)


def test_significant_entries_are_visibly_marked(world, client_for):
    observe(world, "Went quiet when the partner came in.", days_ago(2), significant=True,
            impact="May be frightened.", action_taken="Told my manager.")
    observe(world, "Played happily.", days_ago(1))
    page = get(client_for(world.practitioner), world).get_data(as_text=True)
    assert page.count("is-significant") == 1
    assert ">Significant</strong>" in page


def test_an_amended_entry_shows_its_current_version_marked_amended_with_a_link_to_history(
        world, client_for):
    entry = observe(world, "Amy had a bruise on her left arm.", days_ago(4))
    amend(world.practitioner, entry, text="Amy had a bruise on her right arm.", reason="Wrong arm.")
    page = get(client_for(world.practitioner), world).get_data(as_text=True)
    assert row_ids(page) == [str(entry.id), opening(world)], "the amendment is not a row"
    assert "right arm" in page and "left arm" not in page
    assert ">Amended</span>" in page
    assert f'href="/cases/{world.child.id}/entries/{entry.id}">History of this entry' in page


def test_the_amendment_filter_shows_the_amendment_rows_themselves(world, client_for):
    entry = observe(world, "Kitchen dirty.", days_ago(4))
    amendment = amend(world.practitioner, entry, text="Kitchen untidy.", reason="Overstated.")
    page = get(client_for(world.practitioner), world, kind="amendment").get_data(as_text=True)
    assert row_ids(page) == [str(amendment.id)]
    assert "Corrected (What was seen or heard): Overstated." in page


def test_a_withdrawn_entry_is_struck_through_and_marked_withdrawn_never_hidden(world, client_for):
    entry = observe(world, "Wrong child's notes.", days_ago(4))
    amend(world.practitioner, entry, withdrawn=True, reason="Entered on the wrong record.")
    page = get(client_for(world.practitioner), world).get_data(as_text=True)
    assert row_ids(page) == [str(entry.id), opening(world)]
    assert "<del class=\"summary\">Wrong child&#39;s notes.</del>" in page
    assert "Withdrawn: entered in error" in page


def test_text_is_escaped(world, client_for):
    observe(world, "<script>alert('x')</script>", days_ago(1))
    page = get(client_for(world.practitioner), world).get_data(as_text=True)
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in page


def test_every_printed_page_repeats_the_childs_name_and_date_of_birth_in_the_table_head(
        world, client_for):
    observe(world, "Calm.", days_ago(1))
    page = get(client_for(world.practitioner), world).get_data(as_text=True)
    head = re.search(r"<thead>(.*?)</thead>", page, re.S).group(1)
    assert 'class="print-heading"' in head
    assert "Amy Example" in head and world.child.date_of_birth.strftime("%-d %b %Y") in head


def test_the_childs_page_links_to_the_chronology_for_the_team_only(world, client_for):
    page = client_for(world.practitioner).get(f"/cases/{world.child.id}").get_data(as_text=True)
    assert f'href="/cases/{world.child.id}/chronology"' in page
    page = client_for(world.advocate).get(f"/cases/{world.child.id}").get_data(as_text=True)
    assert f'href="/cases/{world.child.id}/chronology"' not in page
    assert f'href="/cases/{world.child.id}/voice"' in page, "advocates have what the child said"


# Filters

def test_filter_by_kind(world, client_for):
    observe(world, "An observation.", days_ago(2))
    voice = add(world, "voice", days_ago(1), words="Hello.", mode="spoken")
    page = get(client_for(world.practitioner), world, kind="voice").get_data(as_text=True)
    assert row_ids(page) == [str(voice.id)]


def test_filter_by_category_and_by_source(world, client_for):
    home = observe(world, "Fridge empty.", days_ago(3), category="home_environment")
    told = observe(world, "School says fine.", days_ago(2), source="other_agency",
                   source_detail="school")
    client = client_for(world.practitioner)
    by_category = get(client, world, category="home_environment").get_data(as_text=True)
    by_source = get(client, world, source="other_agency").get_data(as_text=True)
    assert row_ids(by_category) == [str(home.id)]
    assert row_ids(by_source) == [str(told.id)]


def test_filter_significant_includes_entries_a_correction_marked_significant(world, client_for):
    marked = observe(world, "Hid behind the sofa.", days_ago(3), significant=True,
                     impact="Frightened.", action_taken="Discussed with manager.")
    later = observe(world, "Flinched.", days_ago(2))
    observe(world, "Smiled.", days_ago(1))
    amend(world.practitioner, later, significant=True, impact="Fear of adults.", action_taken="Strategy call.",
          reason="On reflection this matters.")
    page = get(client_for(world.practitioner), world, significant="1").get_data(as_text=True)
    assert row_ids(page) == [str(marked.id), str(later.id)]


def test_filter_by_author(world, client_for):
    observe(world, "Written by the practitioner.", days_ago(2))
    oversight = add(world, "oversight", days_ago(1), author=world.supervisor,
                    summary="Reviewed the plan.")
    client = client_for(world.practitioner)
    page = get(client, world, author=str(world.supervisor.id)).get_data(as_text=True)
    assert row_ids(page) == [str(oversight.id)]
    stranger = get(client, world, author=str(world.other_supervisor.id)).get_data(as_text=True)
    assert row_ids(stranger) == [] and "Bo Supervisor" not in stranger


def test_date_filters_are_inclusive_local_dates(world, client_for):
    # Summer time: 00:30 on 11 July in London is still 10 July in UTC.
    before = observe(world, "Before.", from_local(datetime(2025, 7, 9, 23, 30)))
    first = observe(world, "First day.", from_local(datetime(2025, 7, 10, 0, 0)))
    last = observe(world, "Last minutes.", from_local(datetime(2025, 7, 10, 23, 59)))
    observe(world, "Next local day.", from_local(datetime(2025, 7, 11, 0, 30)))
    page = get(client_for(world.practitioner), world,
               **{"from": "2025-07-10", "to": "2025-07-10"}).get_data(as_text=True)
    assert row_ids(page) == [str(first.id), str(last.id)]
    only_to = get(client_for(world.practitioner), world, to="2025-07-09").get_data(as_text=True)
    assert row_ids(only_to) == [str(before.id)]


@pytest.mark.parametrize("args, message", [
    ({"kind": "diary"}, "“diary” is not one of the options"),
    ({"category": "mood"}, "“mood” is not one of the options"),
    ({"source": "rumour"}, "“rumour” is not one of the options"),
    ({"from": "31/03/2026"}, "Give a date as year-month-day"),
    ({"to": "2026-02-30"}, "Give a date as year-month-day"),
    ({"from": "2026-03-02", "to": "2026-03-01"}, "before the “from” date"),
    ({"from": "9999-12-31"}, "Give a date between 1900 and 2100"),
    ({"author": "somebody"}, "Choose a person from the list"),
    ({"order": "sideways"}, "Not a valid choice"),
    ({"after": "yesterday"}, "This page link is broken"),
])
def test_invalid_filters_answer_400_with_a_message_on_the_page(world, client_for, args, message):
    response = get(client_for(world.practitioner), world, **args)
    assert response.status_code == 400
    assert message in html.unescape(response.get_data(as_text=True))


def test_invalid_filters_on_the_csv_answer_400(world, client_for):
    response = get(client_for(world.practitioner), world, ".csv", kind="diary")
    assert response.status_code == 400
    assert "not one of the options" in html.unescape(response.get_data(as_text=True))


# Keyset pagination

@pytest.fixture
def equal_times(app, world):
    """Eight entries, five of them at one moment, so that page boundaries fall inside the run,
    then the status the case opened with (today)."""
    app.config["CHRONOLOGY_PAGE_SIZE"] = 3
    moments = [days_ago(6)] + [days_ago(4)] * 5 + [days_ago(2)] * 2
    entries = [observe(world, f"Entry {number}", moment) for number, moment in enumerate(moments)]
    return [str(entry.id) for entry in sorted(entries, key=lambda e: (e.occurred_at, str(e.id)))
            ] + [opening(world)]


def walk(client, first_url, rel):
    """Follow ``rel`` links from ``first_url``; the ids of every page, in page order."""
    pages, next_url = [], first_url
    while next_url:
        page = client.get(next_url).get_data(as_text=True)
        pages.append(row_ids(page))
        next_url = link(page, rel)
        assert len(pages) < 10, "paging must end"
    return pages


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_paging_through_equal_times_skips_and_repeats_nothing_in_either_direction(
        world, client_for, equal_times, order):
    expected = equal_times if order == "asc" else list(reversed(equal_times))
    client = client_for(world.practitioner)
    start = f"/cases/{world.child.id}/chronology?order={order}"
    forwards = walk(client, start, "next")
    assert [len(ids) for ids in forwards] == [3, 3, 3]
    assert sum(forwards, []) == expected
    last_page = client.get(start).get_data(as_text=True)
    for _ in range(2):
        last_page = client.get(link(last_page, "next")).get_data(as_text=True)
    backwards = walk(client, link(last_page, "prev"), "prev")
    assert sum(reversed(backwards), []) + row_ids(last_page) == expected


def test_page_links_carry_rel_next_and_prev_and_keep_the_filters(world, client_for, equal_times):
    client = client_for(world.practitioner)
    first = get(client, world, category="behaviour", order="desc").get_data(as_text=True)
    assert link(first, "prev") is None
    middle_url = link(first, "next")
    assert "category=behaviour" in middle_url and "order=desc" in middle_url
    assert re.search(r"after=\d{4}-\d\d-\d\dT[\d:.]+Z_[0-9a-f-]{36}", middle_url)
    middle = client.get(middle_url).get_data(as_text=True)
    assert link(middle, "prev") and link(middle, "next")
    last = client.get(link(middle, "next")).get_data(as_text=True)
    assert link(last, "next") is None and "before=" in link(last, "prev")


# Access and audit

def test_an_advocate_has_no_chronology_only_what_the_child_said(world, client_for):
    observe(world, "Observation the advocate must not read.", days_ago(3))
    voice = add(world, "voice", days_ago(2), author=world.advocate, words="I miss my dog.",
                mode="spoken")
    client = client_for(world.advocate)
    assert get(client, world).status_code == 404
    assert get(client, world, kind="voice").status_code == 404
    page = client.get(f"/cases/{world.child.id}/voice").get_data(as_text=True)
    assert row_ids(page) == [] and f'id="entry-{voice.id}"' in page
    assert "I miss my dog." in page and "must not read" not in page


def test_an_advocate_cannot_export(world, client_for):
    assert get(client_for(world.advocate), world, ".csv").status_code == 404


def test_a_supervisor_of_another_team_is_told_nothing_exists(world, client_for):
    client = client_for(world.other_supervisor)
    assert get(client, world).status_code == 404
    assert get(client, world, ".csv").status_code == 404
    assert get(client_for(world.supervisor), world).status_code == 200


def test_each_view_and_export_is_audited_with_its_filters(world, client_for):
    client = client_for(world.practitioner)
    get(client, world, kind="voice", order="desc")
    get(client, world, ".csv", significant="1").get_data()
    events = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action.in_(["view_chronology", "export"])).order_by(AuditEvent.id)).all()
    assert [(e.action, e.child_id, e.detail) for e in events] == [
        ("view_chronology", world.child.id, {"filters": {"kind": "voice", "order": "desc"}}),
        ("export", world.child.id, {"format": "csv", "filters": {"significant": "1"}}),
    ]


# CSV export

def test_the_csv_has_the_header_and_one_row_per_entry_beyond_one_page(
        app, world, client_for, equal_times):
    response = get(client_for(world.practitioner), world, ".csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and str(world.child.id) in disposition
    assert "Amy" not in disposition
    rows = csv_rows(response)
    assert rows[0] == CSV_HEADER
    assert [row[11] for row in rows[1:]] == equal_times


def test_csv_columns_carry_the_entry(world, client_for):
    at = days_ago(2, hour=9)
    entry = observe(world, "Mother says school is fine.", at, category="education",
                    source="parent_reported", source_detail="mother")
    row = dict(zip(CSV_HEADER, csv_rows(get(client_for(world.practitioner), world, ".csv"))[1]))
    assert row == {
        "When it happened": to_local(at).isoformat(timespec="seconds"), "Kind": "Observation",
        "What it is about": "Education", "Where it came from": "A parent or carer told me",
        "Checked against others": "Not yet checked", "Significant": "no",
        "Summary": "Mother says school is fine.",
        "Written by": "Pat Practitioner", "Role": "Social worker",
        "Recorded": to_local(entry.recorded_at).isoformat(timespec="seconds"),
        "Received": to_local(entry.received_at).isoformat(timespec="seconds"),
        "Entry id": str(entry.id), "Corrects entry": "",
    }


def test_csv_summaries_are_never_truncated_and_keep_emoji_and_right_to_left_text(
        world, client_for):
    long_text = ("Long account of the evening. " * 700)[:20_000]
    observe(world, long_text, days_ago(3))
    observe(world, "قالت: أنا جائعة 🙂 then laughed", days_ago(2))
    rows = csv_rows(get(client_for(world.practitioner), world, ".csv"))
    assert rows[1][6] == long_text and len(rows[1][6]) == 20_000
    assert rows[2][6] == "قالت: أنا جائعة 🙂 then laughed"


@pytest.mark.parametrize("text", ['=HYPERLINK("http://x.test","click")', "+44 7700 900000",
                                  "-1", "@SUM(A1)", "\tTabbed", "\rReturned"])
def test_csv_cells_that_a_spreadsheet_would_run_as_formulas_are_neutralised(
        world, client_for, text):
    observe(world, text, days_ago(1))
    rows = csv_rows(get(client_for(world.practitioner), world, ".csv"))
    assert rows[1][6] == "'" + text


def test_csv_marks_withdrawn_entries_and_shows_the_current_version(world, client_for):
    withdrawn = observe(world, "Not about this child.", days_ago(3))
    corrected = observe(world, "Kitchen dirty.", days_ago(2))
    amend(world.practitioner, withdrawn, withdrawn=True, reason="Wrong record.")
    amend(world.practitioner, corrected, text="Kitchen untidy.", reason="Overstated.")
    summaries = [row[6] for row in csv_rows(get(client_for(world.practitioner), world, ".csv"))[1:]]
    assert summaries == ["[Withdrawn: entered in error] Not about this child.", "Kitchen untidy.",
                         "Status: Child protection plan — The status the case was opened with."]


# Exports fit for a conference: the protective marking and the advocates' confidential notes

CONFIDENTIAL_WORDS = "I sleep at my nan's when Dad shouts."


def confidential_note(world, at):
    return add(world, "voice", at, author=world.advocate, words=CONFIDENTIAL_WORDS,
               mode="spoken", share_with_team=False)


def test_the_csv_s_first_line_is_the_marking_the_council_configured(app, world, client_for):
    app.config["PROTECTIVE_MARKING"] = "OFFICIAL-SENSITIVE PERSONAL"
    observe(world, "Played in the garden.", days_ago(1))
    response = get(client_for(world.practitioner), world, ".csv")
    assert response.get_data(as_text=True).splitlines()[0] == "\ufeffOFFICIAL-SENSITIVE PERSONAL"
    header, row, _opening = csv_rows(response, marking="OFFICIAL-SENSITIVE PERSONAL")
    assert header == CSV_HEADER and row[6] == "Played in the garden."


def test_the_printed_chronology_carries_the_protective_marking(world, client_for):
    page = get(client_for(world.practitioner), world).get_data(as_text=True)
    assert re.search(r'class="print-heading".*?OFFICIAL-SENSITIVE', page, re.DOTALL)


def test_a_supervisor_s_csv_leaves_confidential_notes_out_unless_they_choose_to_include_them(
        world, client_for):
    note = confidential_note(world, days_ago(3))
    day = to_local(note.occurred_at).strftime("%-d %b %Y")
    client = client_for(world.supervisor)
    (_, left_out, _opening) = csv_rows(get(client, world, ".csv"))
    assert left_out[6] == (f"A confidential advocate note exists on {day}. "
                           "It was left out of this export.")
    assert CONFIDENTIAL_WORDS not in "".join(left_out)
    (_, included, _opening) = csv_rows(get(client, world, ".csv",
                                           confidential_notes="include"))
    assert included[6] == f"“{CONFIDENTIAL_WORDS}”"  # the child's words, in quotation marks
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "export")
                                .order_by(AuditEvent.id)).all()
    assert [event.detail["confidential_notes"] for event in events] == ["left_out", "included"]


def test_a_social_worker_s_csv_shows_a_confidential_note_sealed_and_gives_no_choice(
        world, client_for):
    note = confidential_note(world, days_ago(3))
    client = client_for(world.practitioner)
    assert 'name="confidential_notes"' not in get(client, world).get_data(as_text=True)
    (_, sealed, _opening) = csv_rows(get(client, world, ".csv"))
    day = to_local(note.occurred_at).strftime("%-d %b %Y")
    assert sealed[6] == f"A confidential advocate note exists on {day}."
    refused = get(client, world, ".csv", confidential_notes="include")
    assert refused.status_code == 400
    assert "only the child's advocate and the team manager" in html.unescape(
        refused.get_data(as_text=True))
    assert [event.detail for event in db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "export"))] == [{"format": "csv", "filters": {}}]


@pytest.mark.parametrize("suffix", [".csv", ".pdf"])
@pytest.mark.parametrize("value", ["yes", "", "INCLUDE"])
def test_a_choice_on_confidential_notes_that_is_not_one_of_the_two_is_a_400_that_says_which(
        world, client_for, suffix, value):
    response = get(client_for(world.supervisor), world, suffix, confidential_notes=value)
    assert response.status_code == 400
    assert "choose “leave_out” or “include”" in html.unescape(response.get_data(as_text=True))
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEvent.action == "export")) == 0


def test_the_export_form_offers_the_supervisor_the_choice_with_the_notes_left_out_by_default(
        world, client_for):
    page = get(client_for(world.supervisor), world, kind="voice").get_data(as_text=True)
    form = re.search(r'<form[^>]*class="export-form[^"]*".*?</form>', page, re.DOTALL).group(0)
    radios = {re.search(r'value="(\w+)"', tag).group(1): " checked" in tag
              for tag in re.findall(r'<input[^>]*name="confidential_notes"[^>]*>', form)}
    assert radios == {"leave_out": True, "include": False}
    assert '<input type="hidden" name="kind" value="voice">' in form, "the filters go along"
    assert "chronology.csv" in form and "chronology.pdf" in form
