"""Bad input gets a clear 4xx and changes nothing; every page of the child answers afterwards."""

import io
import re
import uuid
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from dailylife.clock import to_local, utcnow
from dailylife.entries import operations
from dailylife.entries.models import Entry
from dailylife.extensions import db
from dailylife.web import NO_LOCAL_TIME

from helpers import record

#: Every page a reader of the child opens, after the child's own page (``/cases/<id>``).
CHILD_PAGES = ["", "/chronology", "/chronology.csv", "/chronology.pdf", "/voice", "/day"]


def iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@pytest.fixture
def a_record(world):
    """A short record of the child: an observation and the child's words, each with its page."""
    writer, child = world.practitioner, world.child
    return [record(writer, child, "observation", category="behaviour", text="Played with Lego.",
                   source="observed"),
            record(writer, child, "voice", words="I like my new school.", mode="spoken")]


def stored_ids() -> set[uuid.UUID]:
    db.session.expire_all()
    return set(db.session.scalars(sa.select(Entry.id)))


def every_page_answers(client, child, entries) -> dict[str, str]:
    """Open every page of the child and of its entries; each must answer 200. Their text, by path."""
    paths = [f"/cases/{child.id}{page}" for page in CHILD_PAGES]
    paths += [f"/cases/{child.id}/entries/{entry.id}" for entry in entries]
    answers = {}
    for path in paths:
        response = client.get(path, buffered=True)
        assert response.status_code == 200, (path, response.status_code)
        answers[path] = response.get_data(as_text=not path.endswith(".pdf"))
    return answers


def item(child, **overrides):
    return {"id": str(uuid.uuid4()), "kind": "observation", "child_id": str(child.id),
            "occurred_at": iso(utcnow() - timedelta(hours=3)),
            "recorded_at": iso(utcnow() - timedelta(hours=2)), "visit_id": None,
            "amends_id": None, "data": {"category": "behaviour", "text": "Calm and chatty.",
                                        "source": "observed"}, **overrides}


def sync(client, *items):
    return sync_body(client, {"device_id": "tablet-1", "items": list(items)})


def sync_body(client, body: dict):
    return client.post_json("/api/v1/sync", body)


# --- Moments: between 1900 and now, and shown in the service's time zone ------------------------

@pytest.mark.parametrize("key, moment, words", [
    ("occurred_at", "0001-01-01T00:00:00Z", "before 1900"),
    ("occurred_at", "1899-12-31T23:59:59Z", "before 1900"),
    ("occurred_at", "9999-12-31T23:59:59-14:00", "beyond the calendar"),
    ("occurred_at", "9999-12-31T23:59:59Z", "in the future"),
    ("recorded_at", "9999-12-31T23:59:59-14:00", "beyond the calendar"),
    ("recorded_at", "0001-01-01T00:00:00Z", "before 1900"),
    ("recorded_at", "9999-12-31T23:59:59Z", "more than a year from now"),
])
def test_a_synced_item_at_an_impossible_moment_is_rejected_and_nothing_is_stored(
        world, client_for, a_record, key, moment, words):
    client, before = client_for(world.practitioner), stored_ids()
    bad, good = item(world.child, **{key: moment}), item(world.child)
    response = sync(client, bad, good)
    assert response.status_code == 200
    rejected, created = response.get_json()["results"]
    assert rejected["status"] == "rejected" and words in " ".join(rejected["errors"][key])
    assert created["status"] == "created", "one bad item does not sink the batch"
    assert stored_ids() == before | {uuid.UUID(good["id"])}
    every_page_answers(client, world.child, a_record)


def test_a_device_clock_a_month_ahead_is_kept_but_flagged(world, client_for):
    ahead = item(world.child, recorded_at=iso(utcnow() + timedelta(days=30)))
    (result,) = sync(client_for(world.practitioner), ahead).get_json()["results"]
    assert result["status"] == "created"
    assert db.session.get(Entry, uuid.UUID(ahead["id"])).clock_skewed


@pytest.mark.parametrize("typed, words", [
    ("0001-01-01T00:00", "before 1900"),
    ("1899-12-31T23:59", "before 1900"),
    ("9999-12-31T23:59", "in the future"),
])
def test_a_page_posted_with_an_impossible_date_says_so_at_the_field(
        world, client_for, a_record, typed, words):
    client, before = client_for(world.practitioner), stored_ids()
    response = client.post_form(f"/cases/{world.child.id}/observations/new", {
        "occurred_at": typed, "category": "behaviour", "text": "Calm.", "source": "observed"})
    assert response.status_code == 400
    error = re.search(r'id="occurred_at-error">(.*?)</p>', response.get_data(as_text=True), re.S)
    assert error and words in error.group(1)
    assert stored_ids() == before
    every_page_answers(client, world.child, a_record)


def test_a_page_posted_at_the_earliest_moment_allowed_is_kept(world, client_for):
    earliest = to_local(operations.EARLIEST_MOMENT).strftime("%Y-%m-%dT%H:%M")
    response = client_for(world.practitioner).post_form(
        f"/cases/{world.child.id}/observations/new", {
            "occurred_at": earliest, "category": "behaviour", "text": "From an old file.",
            "source": "other"})
    assert response.status_code == 302


@pytest.mark.parametrize("zone", ["Pacific/Kiritimati", "Etc/GMT+12", "Europe/London"])
def test_every_moment_the_checks_let_through_has_a_local_time_in_any_zone(zone):
    """The checks stop at 1900 and a year from now, far inside the calendar, so no time zone can
    push an accepted moment off it: pages can always show it (the checks rely on this)."""
    furthest_zone = ZoneInfo(zone)
    for edge in (operations.EARLIEST_MOMENT, utcnow() + operations.RECORDED_AT_LIMIT):
        local = edge.astimezone(furthest_zone)
        assert local.replace(tzinfo=None).replace(tzinfo=furthest_zone).astimezone(UTC) == edge


# --- JSON nested too deep ------------------------------------------------------------------------

def nested(depth: int, inside=None):
    """A JSON value ``depth`` levels deep: lists in lists."""
    value = inside
    for _ in range(depth):
        value = [value]
    return value


def post_body(client, body: str):
    return client.post("/api/v1/sync", data=body, content_type="application/json",
                       headers={"X-CSRFToken": client.csrf_token()})


def test_a_body_nested_too_deep_for_python_to_read_is_a_400_with_json(
        world, client_for, a_record):
    client, before = client_for(world.practitioner), stored_ids()
    response = post_body(client, '{"items": [' + "[" * 5000 + "]" * 5000 + "]}")
    assert response.status_code == 400
    assert response.get_json()["error"] == "json_too_deep"
    assert "deeper than 16 levels" in response.get_json()["message"]
    assert stored_ids() == before
    every_page_answers(client, world.child, a_record)


def test_an_envelope_nested_too_deep_around_its_items_is_a_400(world, client_for, a_record):
    client, before = client_for(world.practitioner), stored_ids()
    response = sync_body(client, {"device_id": "tablet-1", "note": nested(17),
                                  "items": [item(world.child)]})
    assert response.status_code == 400
    assert response.get_json()["error"] == "json_too_deep"
    assert stored_ids() == before
    every_page_answers(client, world.child, a_record)


@pytest.mark.parametrize("depth", [20, 900])
def test_an_item_nested_too_deep_is_rejected_and_the_rest_of_the_batch_is_kept(
        world, client_for, a_record, depth):
    client, before = client_for(world.practitioner), stored_ids()
    deep = item(world.child, data={"category": "behaviour", "text": "Calm.", "source": "observed",
                                   "present": nested(depth)})
    good = item(world.child)
    response = sync_body(client, {"device_id": "tablet-1", "items": [deep, good]})
    assert response.status_code == 200
    rejected, created = response.get_json()["results"]
    assert rejected["status"] == "rejected" and rejected["id"] == deep["id"]
    assert "deeper than 16 levels" in rejected["errors"]["item"][0]
    assert created["status"] == "created"
    assert stored_ids() == before | {uuid.UUID(good["id"])}
    every_page_answers(client, world.child, a_record)


def test_a_file_of_unsent_entries_nested_too_deep_is_refused_with_a_reason(
        world, client_for, a_record):
    client, before = client_for(world.supervisor), stored_ids()
    response = client.post_form("/team/unsent", {"unsent_file": (
        io.BytesIO(b"[" * 5000 + b"]" * 5000), "dailylife-unsent-2026-12-01.dailylife")},
        content_type="multipart/form-data")
    assert response.status_code == 422
    assert "is not a file of unsent entries" in response.get_data(as_text=True)
    assert stored_ids() == before
    every_page_answers(client_for(world.practitioner), world.child, a_record)


def test_the_deepest_real_item_is_not_too_deep(world, client_for):
    """An oversight with actions, each with a due date, is the deepest thing the tablet sends."""
    oversight = item(world.child, kind="oversight", data={
        "summary": "Reviewed.", "actions": [{"action": "Visit school", "owner": "Pat",
                                             "due": "2030-01-31"}]})
    response = sync_body(client_for(world.supervisor), {"items": [oversight]})
    assert [result["status"] for result in response.get_json()["results"]] == ["created"]


# --- Reading: a stored row that cannot be shown never takes a page down --------------------------

YEAR_ONE = datetime(1, 1, 1, tzinfo=UTC)

BAD_ROWS = {
    "an observation dated in year 1": ("observation", {
        "category": "behaviour", "text": "From year 1.", "source": "observed"}, YEAR_ONE),
    "the child's words dated in year 1": ("voice", {
        "words": "Year 1.", "mode": "spoken", "worries": "Year 1 worries."}, YEAR_ONE),
    "a visit whose 'present' is a number": ("visit", {
        "type": "planned", "child_seen": True, "present": 5}, None),
    "the child's words as a list": ("voice", {
        "words": ["Words in a list."], "mode": "spoken", "time_of_day": "morning"}, None),
    "an observation whose data is a list": ("observation", ["Calm."], None),
    "an observation whose source is a list": ("observation", {
        "category": "behaviour", "text": "Calm.", "source": ["observed"]}, None),
}


@pytest.mark.parametrize("bad_row", BAD_ROWS)
def test_every_page_of_the_child_shows_a_row_that_cannot_be_shown_as_such_and_logs_it(
        world, client_for, a_record, store_bad_entry, caplog, bad_row):
    kind, data, occurred_at = BAD_ROWS[bad_row]
    bad_id = store_bad_entry(world.practitioner, world.child, kind, data, occurred_at)
    placeholder = f"This entry cannot be shown (id {bad_id})."
    pages = every_page_answers(client_for(world.practitioner), world.child,
                               [*a_record, SimpleNamespace(id=bad_id)])
    child = f"/cases/{world.child.id}"
    for path in (f"{child}/chronology", f"{child}/chronology.csv", f"{child}/entries/{bad_id}"):
        assert placeholder in pages[path], path
    assert placeholder in pdf_text(pages[f"{child}/chronology.pdf"])
    assert (placeholder in pages[f"{child}/voice"]) == (kind == "voice")
    assert "Played with Lego." in pages[f"{child}/chronology"], "the rest of the record is shown"
    assert not [path for path, page in pages.items() if not path.endswith(".pdf")
                and (NO_LOCAL_TIME in page or "Words in a list." in page or "Year 1 worries" in page)]
    assert f"entry {bad_id} cannot be shown" in caplog.text


def test_the_childs_page_answers_when_their_only_words_are_dated_in_year_1(
        world, client_for, store_bad_entry):
    bad_id = store_bad_entry(world.practitioner, world.child, "voice",
                             {"words": "Year 1.", "mode": "spoken"}, YEAR_ONE)
    page = client_for(world.practitioner).get(f"/cases/{world.child.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f"This entry cannot be shown (id {bad_id})." in text
    assert NO_LOCAL_TIME in text, "the date that has no local time says so"


def test_a_correction_that_leaves_an_entry_unshowable_shows_it_as_such(
        world, client_for, a_record, store_bad_entry):
    observation = a_record[0]
    store_bad_entry(world.practitioner, world.child, "amendment", {
        "reason": "Typo.", "based_on": str(observation.id), "text": ["not", "text"]},
        amends_id=observation.id)
    pages = every_page_answers(client_for(world.practitioner), world.child, a_record)
    assert (f"This entry cannot be shown (id {observation.id})."
            in pages[f"/cases/{world.child.id}/chronology"])


def pdf_text(pdf: bytes) -> str:
    return " ".join(" ".join(page.extract_text().split())
                    for page in PdfReader(io.BytesIO(pdf)).pages)
