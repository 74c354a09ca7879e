"""The child's voice (issue 6): advocates' notes and what they may see, confidential notes, what the
child said, three houses, a day in the life, voice prompts, and child mode's page."""

import csv
import io
import re
import uuid

import pytest
import sqlalchemy as sa

from dailylife.audit import AuditEvent
from dailylife.clock import to_local, utcnow
from dailylife.entries import history, payload
from dailylife.entries.models import Entry
from dailylife.extensions import db
from dailylife.people.models import Role

from helpers import amend, days_ago, record

#: Texts only the team may read: none may appear in anything an advocate is shown.
RECORD_MARKERS = {
    "observation": "Marker: fridge empty apart from ketchup.",
    "household": "Marker-Dean-Partner",
    "oversight": "Marker: strategy discussion agreed.",
    "analysis": "Marker: visit analysis of the home.",
    "escalation": "Marker: bruise on the arm not explained.",
    "legal status": "Child protection plan",
    "status decision": "Marker: reasons for the status decision.",
}
#: Pages for anyone, with no child's data: the published rules hold the words of every status.
PUBLIC_RULES = "/rules.json"
CONFIDENTIAL_WORDS = "I don't want my social worker to know I hide under the bed."


def a_whole_record(world) -> dict[str, Entry]:
    """One entry of every kind, each carrying a marker, and the child's words."""
    p = world.practitioner
    visit = record(p, world.child, "visit", type="planned", child_seen=True, seen_alone=True,
                   analysis=RECORD_MARKERS["analysis"])
    return {
        "visit": visit,
        "observation": record(p, world.child, "observation", category="home_environment",
                              source="observed", text=RECORD_MARKERS["observation"]),
        "household_change": record(p, world.child, "household_change", change="joined",
                                   name=RECORD_MARKERS["household"], relationship="partner"),
        "escalation": record(p, world.child, "escalation", reason=RECORD_MARKERS["escalation"]),
        "oversight": record(world.supervisor, world.child, "oversight",
                            summary=RECORD_MARKERS["oversight"]),
        "status_change": record(world.supervisor, world.child, "status_change",
                                at=utcnow(), status="child_protection_plan",
                                reasons=RECORD_MARKERS["status decision"]),
        "voice": record(p, world.child, "voice", words="I like my new school.", mode="spoken"),
        "advocate_voice": record(world.advocate, world.child, "voice", words="I miss my dog.",
                                 mode="spoken", share_with_team=False),
    }


def refusals() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "refused"))


def page(client, path, status=200) -> str:
    response = client.get(path, buffered=True)
    assert response.status_code == status, (path, response.status_code)
    return response.get_data(as_text=True)


def csv_text(client, world, query="") -> str:
    return page(client, f"/cases/{world.child.id}/chronology.csv{query}")


def csv_rows(client, world) -> list[list[str]]:
    """From the header on: the first line is the protective marking."""
    _marking, *rows = csv.reader(io.StringIO(csv_text(client, world)[1:]))
    return rows


# --- An advocate sees the child's basic details and voice, and nothing else -------------------

def get_routes(app):
    """Every GET route whose arguments are a child and an entry (or nothing)."""
    return [rule for rule in app.url_map.iter_rules()
            if "GET" in rule.methods and rule.endpoint != "static"
            and set(rule.arguments) <= {"child_id", "entry_id"}]


def test_nothing_an_advocate_is_shown_anywhere_holds_the_record(app, world, client_for):
    entries = a_whole_record(world)
    client = client_for(world.advocate)
    seen = {}
    for rule in get_routes(app):
        for entry in entries.values() if "entry_id" in rule.arguments else [None]:
            values = {"child_id": world.child.id, "entry_id": entry.id if entry else None}
            path = rule.build({name: values[name] for name in rule.arguments},
                              append_unknown=False)[1]
            response = client.get(path, buffered=True)
            seen[path] = response.status_code
            body = response.get_data(as_text=True)
            for what, marker in RECORD_MARKERS.items():
                if not (what == "legal status" and path == PUBLIC_RULES):
                    assert marker not in body, f"{what} shown to an advocate at {path}"
    assert seen[f"/cases/{world.child.id}/voice"] == 200
    assert seen[f"/cases/{world.child.id}/entries/{entries['voice'].id}"] == 200
    assert seen["/api/v1/cases"] == 200
    for kind in ("visit", "observation", "household_change", "escalation", "oversight",
                 "status_change"):
        assert seen[f"/cases/{world.child.id}/entries/{entries[kind].id}"] == 404, kind


def test_an_advocates_caseload_and_brief_hold_basic_details_and_when_the_child_was_heard(
        world, client_for):
    entries = a_whole_record(world)
    client = client_for(world.advocate)
    caseload = page(client, "/cases")
    assert "Amy Example" in caseload and "Last visit" not in caseload
    (brief,) = client.get("/api/v1/cases").get_json()["cases"]
    assert {"name", "preferred_name", "age", "pronouns", "first_language",
            "communication_needs"} <= set(brief)
    assert not {"legal_status", "household", "last_visit", "last_seen_alone", "unverified",
                "signals"} & set(brief)
    assert brief["last_words"] == entries["advocate_voice"].occurred_at.isoformat()
    assert "read_record" not in brief["actions"] and "record_voice" in brief["actions"]


@pytest.mark.parametrize("path", ["/chronology", "/chronology.csv", "/day", "/household/new",
                                  "/observations/new", "/visits/new"])
def test_an_advocate_asking_for_the_record_is_told_nothing_exists_and_it_is_audited(
        world, client_for, path):
    client = client_for(world.advocate)
    before = refusals()
    assert client.get(f"/cases/{world.child.id}{path}", buffered=True).status_code == 404
    assert refusals() == before + 1


def test_an_advocate_asking_for_a_non_voice_entry_or_another_child_is_refused_and_audited(
        world, client_for):
    entries = a_whole_record(world)
    client = client_for(world.advocate)
    before = refusals()
    for kind in ("observation", "household_change", "oversight"):
        assert client.get(f"/cases/{world.child.id}/entries/{entries[kind].id}").status_code == 404
    for path in ("", "/voice", "/child-mode"):
        assert client.get(f"/cases/{world.other_child.id}{path}").status_code == 404
    assert refusals() == before + 6


def test_through_the_api_an_advocate_adds_the_childs_words_and_nothing_else(world, client_for):
    client = client_for(world.advocate)

    def item(kind, data, child=world.child):
        return {"id": str(uuid.uuid4()), "kind": kind, "child_id": str(child.id),
                "occurred_at": utcnow().isoformat(), "recorded_at": utcnow().isoformat(),
                "data": data}

    before = refusals()
    answer = client.post_json("/api/v1/sync", {"items": [
        item("voice", {"words": "", "mode": "drawing", "dreams": "A house by the sea."}),
        item("household_change", {"change": "joined", "name": "X", "relationship": "uncle"}),
        item("observation", {"category": "health", "text": "Cough.", "source": "observed"}),
        item("voice", {"words": "Hi", "mode": "spoken"}, child=world.other_child),
    ]}).get_json()
    assert [result["status"] for result in answer["results"]] == [
        "created", "forbidden", "forbidden", "forbidden"]
    assert refusals() == before + 3


# --- Confidential advocate notes -----------------------------------------------------------

@pytest.fixture
def confidential(world):
    return record(world.advocate, world.child, "voice", words=CONFIDENTIAL_WORDS, mode="spoken",
                  context="At school, in the library.", share_with_team=False, significant=True,
                  impact="Frightened at night.", action_taken="Talked it through.",
                  at=days_ago(3))


def test_a_confidential_note_is_read_by_the_advocate_and_the_supervisor_only(
        world, client_for, make_user, allocate, confidential):
    second_advocate = make_user(Role.ADVOCATE)
    allocate(second_advocate, world.child)
    entry_page = f"/cases/{world.child.id}/entries/{confidential.id}"
    for reader in (world.advocate, second_advocate, world.supervisor):
        assert CONFIDENTIAL_WORDS.replace("'", "&#39;") in page(client_for(reader), entry_page)
        said = page(client_for(reader), f"/cases/{world.child.id}/voice")
        assert "Confidential: not shared with the social work team" in said
    before = refusals()
    for outsider in (world.practitioner, world.other_practitioner, world.other_supervisor):
        assert client_for(outsider).get(entry_page).status_code == 404
    assert refusals() == before + 3


def test_the_team_sees_only_that_a_confidential_note_exists_on_its_date(
        world, client_for, confidential):
    client = client_for(world.practitioner)
    day = to_local(confidential.occurred_at).strftime("%-d %b %Y")
    escaped = CONFIDENTIAL_WORDS.replace("'", "&#39;")
    for path in ("/chronology", "/chronology?kind=voice", "/voice"):
        text = page(client, f"/cases/{world.child.id}{path}")
        assert f"A confidential advocate note exists on {day}." in text
        assert escaped not in text and "At school, in the library." not in text
        assert "Frightened at night." not in text and "badge-significant" not in text
    export = csv_text(client, world)
    assert CONFIDENTIAL_WORDS not in export and "At school" not in export
    assert f"A confidential advocate note exists on {day}." in export
    assert escaped not in page(client, f"/cases/{world.child.id}")
    assert escaped not in page(client, f"/cases/{world.child.id}/day")
    (brief,) = client.get("/api/v1/cases").get_json()["cases"]
    assert brief["last_words"] is None
    supervisor = client_for(world.supervisor)
    assert escaped in page(supervisor, f"/cases/{world.child.id}/chronology")
    assert CONFIDENTIAL_WORDS not in csv_text(supervisor, world), "left out unless chosen"
    assert CONFIDENTIAL_WORDS in csv_text(supervisor, world, "?confidential_notes=include")


def test_the_significant_filter_does_not_give_a_confidential_note_away(
        world, client_for, confidential):
    path = f"/cases/{world.child.id}/chronology?significant=1"
    assert f"entry-{confidential.id}" not in page(client_for(world.practitioner), path)
    assert f"entry-{confidential.id}" in page(client_for(world.supervisor), path)


def test_a_correction_of_a_confidential_note_is_sealed_too(world, client_for, confidential):
    correction = amend(world.advocate, confidential, words="I hide in the wardrobe.",
                       reason="She said wardrobe, not bed.")
    client = client_for(world.practitioner)
    text = page(client, f"/cases/{world.child.id}/chronology?kind=amendment")
    assert f"entry-{correction.id}" in text and "wardrobe" not in text
    assert client.get(f"/cases/{world.child.id}/entries/{correction.id}").status_code == 404
    assert "wardrobe" not in csv_text(client, world)
    assert "wardrobe" in page(client_for(world.supervisor),
                              f"/cases/{world.child.id}/chronology?kind=amendment")


def test_whether_the_child_agreed_to_share_cannot_be_corrected(world, confidential):
    _, errors = payload.validate_amendment(history.version_of(confidential), {
        "share_with_team": True, "reason": "She agreed later."})
    assert "cannot be corrected" in errors["share_with_team"][0]


def test_a_social_workers_entry_the_child_did_not_want_shared_stays_with_the_team(
        world, client_for):
    """A social worker cannot promise a child secrecy: the team reads it, marked with the wish."""
    entry = record(world.practitioner, world.child, "voice", words="Don't tell Mum.",
                   mode="spoken", share_with_team=False)
    for reader in (world.practitioner, world.supervisor, world.advocate):
        text = page(client_for(reader), f"/cases/{world.child.id}/voice")
        assert "Don&#39;t tell Mum." in text
        assert "The child did not agree to this being shared" in text
        assert "Don&#39;t tell Mum." in page(client_for(reader),
                                             f"/cases/{world.child.id}/entries/{entry.id}")


# --- What the child said --------------------------------------------------------------------

def test_what_the_child_said_quotes_their_words_and_says_who_recorded_them_and_how(
        world, client_for):
    record(world.practitioner, world.child, "voice", words="Nan makes pancakes.", mode="spoken",
           context="In the kitchen, Nan present.", at=days_ago(4))
    record(world.advocate, world.child, "voice", words="I want to stay at my school.",
           mode="written", at=days_ago(1))
    record(world.practitioner, world.child, "observation", category="behaviour",
           source="observed", text="Played with Lego.")
    text = page(client_for(world.practitioner), f"/cases/{world.child.id}/voice")
    quotes = re.findall(r'<blockquote class="child-words keep-lines">(.*?)</blockquote>', text)
    assert quotes == ["I want to stay at my school.", "Nan makes pancakes."], "newest first"
    assert "recorded by Ada Advocate (Children&#39;s advocate)" in text
    assert "Advocate's note" in text and "Written" in text and "Spoken" in text
    assert "Context, in Pat Practitioner's words" in text
    assert "Played with Lego." not in text


def test_in_the_chronology_the_childs_words_are_quotations_and_advocates_notes_are_marked(
        world, client_for):
    record(world.advocate, world.child, "voice", words="I like swimming.", mode="spoken")
    record(world.practitioner, world.child, "observation", category="behaviour",
           source="observed", text="Calm and chatty.")
    text = page(client_for(world.practitioner), f"/cases/{world.child.id}/chronology")
    assert re.search(r'<div class="summary">\s*<blockquote class="child-words keep-lines">'
                     r'I like swimming.</blockquote>', text)
    assert '<p class="summary">Calm and chatty.</p>' in text
    assert "Advocate's note" in text
    assert f'href="/cases/{world.child.id}/voice"' in text


def test_what_the_child_said_is_paged_by_keyset(app, world, client_for):
    app.config["CHRONOLOGY_PAGE_SIZE"] = 2
    for days in range(5):
        record(world.advocate, world.child, "voice", words=f"Day {days}", mode="spoken",
               at=days_ago(days + 1))
    client = client_for(world.advocate)
    first = page(client, f"/cases/{world.child.id}/voice")
    assert "Day 0" in first and "Day 2" not in first
    older = re.search(r'rel="next" href="([^"]+)"', first).group(1).replace("&amp;", "&")
    assert "Day 2" in page(client, older)
    assert "broken" in page(client, f"/cases/{world.child.id}/voice?after=nonsense", 400)


# --- Three houses --------------------------------------------------------------------------

def test_three_houses_are_shown_side_by_side_over_time(world, client_for):
    record(world.advocate, world.child, "voice", mode="drawing", worries="Dad shouting.",
           good_things="My cat.", dreams="A dog.", at=days_ago(90))
    record(world.advocate, world.child, "voice", mode="drawing", worries="Nothing now.",
           good_things="My cat. Football.", at=days_ago(10))
    record(world.advocate, world.child, "voice", words="Secret house.", mode="drawing",
           worries="Secret worry.", share_with_team=False, at=days_ago(5))
    withdrawn = record(world.advocate, world.child, "voice", mode="drawing",
                       worries="Wrong child.", at=days_ago(3))
    amend(world.advocate, withdrawn, withdrawn=True, reason="Another child's houses.")
    text = page(client_for(world.practitioner), f"/cases/{world.child.id}/voice")
    table = re.search(r'<table class="houses">(.*?)</table>', text, re.S).group(1)
    worries = re.search(r"House of worries</th>(.*?)</tr>", table, re.S).group(1)
    assert worries.index("Dad shouting.") < worries.index("Nothing now."), "oldest on the left"
    dreams = re.search(r"House of dreams</th>(.*?)</tr>", table, re.S).group(1)
    assert "A dog." in dreams and "Nothing given" in dreams
    assert "Secret worry." not in table and "Wrong child." not in table
    advocates = page(client_for(world.advocate), f"/cases/{world.child.id}/voice")
    assert "Secret worry." in re.search(r'<table class="houses">(.*?)</table>', advocates,
                                        re.S).group(1)


# --- What a voice entry must hold -----------------------------------------------------------

@pytest.mark.parametrize("data, key, message", [
    ({"words": "  ", "mode": "spoken"}, "words", "Nothing of the child's own has been given"),
    ({"words": "", "mode": "spoken", "context": "In the car."}, "words", "nothing to save"),
    ({"words": "Hi", "mode": "telepathy"}, "mode", "not one of the options"),
    ({"words": "Hi", "mode": "spoken", "time_of_day": "brunch"}, "time_of_day",
     "Waking and morning; School or day; After school; Evening and meals; Bedtime and night; "
     "Weekend"),
    ({"words": "Hi", "mode": "spoken", "feeling": "meh"}, "feeling", "not one of the options"),
])
def test_a_voice_entry_without_the_childs_own_content_or_with_unknown_answers_is_refused_clearly(
        data, key, message, ctx):
    clean, errors = payload.validate("voice", data)
    assert clean is None and message in " ".join(errors[key])


@pytest.mark.parametrize("data", [
    {"mode": "drawing", "worries": "Spiders."},
    {"mode": "play", "feeling": "very_happy"},
    {"mode": "drawing", "drawing_about": "My family at the beach."},
])
def test_words_may_be_empty_when_the_child_gave_something_else(data, ctx):
    clean, errors = payload.validate("voice", data)
    assert errors == {} and clean["share_with_team"] is True


def test_the_voice_page_form_explains_an_empty_entry(world, client_for):
    response = client_for(world.advocate).post_form(f"/cases/{world.child.id}/voice/new", {
        "occurred_at": to_local(utcnow()).strftime("%Y-%m-%dT%H:%M"), "mode": "spoken",
        "words": "", "share_with_team": "y"})
    assert response.status_code == 400
    assert "Nothing of the child&#39;s own has been given" in response.get_data(as_text=True)


# --- A day in the life ----------------------------------------------------------------------

def part_of(text: str, key: str) -> str:
    return re.search(rf'<section class="day-part[^"]*"[^>]*data-part="{key}">(.*?)</section>',
                     text, re.S).group(0)


def test_a_day_in_the_life_shows_what_we_know_how_recently_from_whom_and_the_gaps(
        world, client_for):
    p = world.practitioner
    record(p, world.child, "observation", category="daily_routine", source="observed",
           text="No breakfast in the house.", time_of_day="morning", at=days_ago(20))
    record(p, world.child, "voice", words="I make my own toast.", mode="spoken",
           time_of_day="morning", at=days_ago(6))
    record(p, world.child, "observation", category="daily_routine", source="parent_reported",
           source_detail="mother", text="Bedtime is 7pm every night.", time_of_day="night",
           at=days_ago(150))
    record(p, world.child, "observation", category="health", source="observed",
           text="Untagged: a cough.")
    withdrawn = record(p, world.child, "observation", category="education", source="observed",
                       text="Withdrawn: wrong child.", time_of_day="day")
    amend(p, withdrawn, withdrawn=True, reason="Another child.")
    record(p, world.child, "observation", category="education", source="observed",
           text="Too long ago to count.", time_of_day="after_school", at=days_ago(500))
    text = page(client_for(world.supervisor), f"/cases/{world.child.id}/day")

    morning = part_of(text, "morning")
    assert "is-gap" not in morning
    assert "I make my own toast." in morning and "No breakfast in the house." in morning
    assert morning.index("I make my own toast.") < morning.index("No breakfast"), "newest first"
    assert "6 days ago" in morning
    assert "the child (1), seen or heard by us (1)" in morning
    assert "Amy, in their own words, recorded by Pat Practitioner" in morning

    night = part_of(text, "night")
    assert "150 days ago" in night and "Out of date" in night
    assert "Only what someone told us," in night
    assert "A parent or carer (mother) told Pat Practitioner, not yet checked" in night

    for gap in ("day", "after_school", "evening", "weekend"):
        assert "is-gap" in part_of(text, gap) and "We know nothing" in part_of(text, gap)
    gaps = re.search(r'<div class="gaps".*?</div>', text, re.S).group(0)
    assert "School or day" in gaps and "Weekend" in gaps and "Waking" not in gaps
    assert "Withdrawn: wrong child." not in text and "Too long ago" not in text
    assert "1 entry of this period" in text and "has no time of day" in text
    everything = page(client_for(world.supervisor), f"/cases/{world.child.id}/day?months=24")
    assert "Too long ago to count." in part_of(everything, "after_school")


def test_a_day_in_the_life_leaves_out_what_the_reader_may_not_read(world, client_for):
    record(world.advocate, world.child, "voice", words="Scared at bedtime.", mode="spoken",
           share_with_team=False, time_of_day="night")
    assert "Scared at bedtime." not in page(client_for(world.practitioner),
                                            f"/cases/{world.child.id}/day")
    assert "Scared at bedtime." in page(client_for(world.supervisor),
                                        f"/cases/{world.child.id}/day")


def test_a_day_in_the_life_explains_an_unknown_period_and_is_printable(world, client_for):
    client = client_for(world.practitioner)
    assert "Choose how far back to look: 3, 6, 12, 24 months." in page(
        client, f"/cases/{world.child.id}/day?months=7", 400)
    text = page(client, f"/cases/{world.child.id}/day")
    assert 'class="print-only"' in text and "printed" in text
    events = db.session.scalars(sa.select(AuditEvent.detail).where(
        AuditEvent.action == "view_day_in_the_life")).all()
    assert events == [{"months": "12"}]


# --- Voice prompts --------------------------------------------------------------------------

def test_the_childs_page_says_how_long_since_their_words_and_since_they_were_seen_alone(
        world, client_for):
    record(world.practitioner, world.child, "visit", type="planned", child_seen=True,
           seen_alone=True, at=days_ago(9))
    record(world.practitioner, world.child, "voice", mode="play", feeling="happy", at=days_ago(4))
    text = page(client_for(world.practitioner), f"/cases/{world.child.id}")
    words = re.search(r'<p data-prompt="words">(.*?)</p>', text, re.S).group(1)
    assert "Own words last recorded <strong>4 days ago</strong>" in words
    assert 'Feeling: <q class="child-words">Happy</q>' in text
    alone = re.search(r'<div data-prompt="seen-alone">(.*?)</div>', text, re.S).group(1)
    assert "9 days ago" in alone
    advocates = page(client_for(world.advocate), f"/cases/{world.child.id}")
    assert "4 days ago" in advocates and "seen-alone" not in advocates
    assert "Legal status" not in advocates


def test_the_visit_form_reminds_when_the_child_was_seen_but_not_heard(world, client_for):
    client = client_for(world.practitioner)
    visit = {"occurred_at": to_local(days_ago(0, hour=0)).strftime("%Y-%m-%dT%H:%M"),
             "type": "planned", "child_seen": "yes", "seen_alone": "yes"}
    form = page(client, f"/cases/{world.child.id}/visits/new")
    assert "data-voice-reminder" in form and "voice-prompt.js" in form
    response = client.post_form(f"/cases/{world.child.id}/visits/new", visit,
                                follow_redirects=True)
    assert "Amy was seen, but nothing in their own words was added" in response.get_data(
        as_text=True)
    response = client.post_form(f"/cases/{world.child.id}/visits/new", {
        **visit, "voice-0-words": "Hello.", "voice-0-mode": "spoken",
        "voice-0-share_with_team": "y"}, follow_redirects=True)
    assert "nothing in their own words" not in response.get_data(as_text=True)


# --- Child mode's page ----------------------------------------------------------------------

def test_child_mode_holds_nothing_of_the_record_no_links_out_and_works_offline(
        world, client_for):
    record(world.practitioner, world.child, "observation", category="behaviour",
           source="observed", text=RECORD_MARKERS["observation"])
    client = client_for(world.practitioner)
    online = page(client, f"/cases/{world.child.id}/child-mode")
    offline = page(client, "/shell/child-mode")
    for text in (online, offline):
        for personal in (world.child.name, "Amy", world.practitioner.display_name,
                         RECORD_MARKERS["observation"], 'name="csrf-token"'):
            assert personal not in text
        assert "<header" not in text and "<nav" not in text
        assert not re.findall(r'<a [^>]*href="(?!#)', text), "no link leads away"
        assert "js/child-mode.js" in text
    worker = client.get("/sw.js").get_data(as_text=True)
    assert '"/shell/child-mode"' in worker and "child-mode$" in worker
    assert db.session.scalar(sa.select(AuditEvent.child_id).where(
        AuditEvent.action == "child_mode")) == world.child.id


def test_every_page_carries_the_child_mode_lock_before_anything_is_drawn(world, client_for):
    text = page(client_for(world.practitioner), f"/cases/{world.child.id}")
    head = text.split("</head>")[0]
    assert '<script src="/static/js/child-lock.js"></script>' in head
    assert "js/child-lock.js" not in text.split("</head>")[1]


def test_a_three_houses_entry_reads_as_the_childs_own_in_the_csv(world, client_for):
    record(world.advocate, world.child, "voice", mode="drawing", worries="Spiders.",
           dreams="Be a vet.")
    (_, row, _opening_status) = csv_rows(client_for(world.supervisor), world)
    assert row[6] == "House of worries: “Spiders.”\nHouse of dreams: “Be a vet.”"
