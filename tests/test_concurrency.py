"""Real concurrency, on both engines: separate processes, each with its own app and connections,
released at the same moment. A tablet retrying while its first try is still in flight, or two
tabs sending the same outbox, must store each entry once; every audit writer must extend one
chain that still verifies."""

import multiprocessing
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from conftest import AppClient, _test_config
from test_sync import audited_as_created, count_entries, item

from dailylife import audit, create_app
from dailylife.audit import AuditEvent
from dailylife.extensions import db

SENDERS = 3
WAIT_SECONDS = 120


@pytest.fixture
def settings(migrated, tmp_path, rescue_key_file, app) -> dict:
    """The running app's settings, for processes that start their own copy of it."""
    return {**_test_config(migrated, tmp_path / "media"), "RESCUE_KEY_FILE": str(rescue_key_file)}


def _signed_in_client(settings: dict, email: str):
    app = create_app(settings)
    app.test_client_class = AppClient
    client = app.test_client()
    client.sign_in(SimpleNamespace(email=email))
    return client


def _send_batch(settings, email, batch, start, answers):
    client = _signed_in_client(settings, email)
    headers = {"X-CSRFToken": client.csrf_token()}
    start.wait(WAIT_SECONDS)
    response = client.post("/api/v1/sync", json={"device_id": "tablet-1", "items": batch},
                           headers=headers)
    answers.put((response.status_code, response.get_json()))


def _read_child_page(settings, email, child_id, times, start, answers):
    client = _signed_in_client(settings, email)
    start.wait(WAIT_SECONDS)
    answers.put([client.get(f"/cases/{child_id}").status_code for _ in range(times)])


def run_at_once(target, *args) -> list:
    """Run ``target(*args, start, answers)`` in SENDERS processes released together; their
    answers, once every process has finished."""
    spawn = multiprocessing.get_context("spawn")
    start, answers = spawn.Barrier(SENDERS), spawn.Queue()
    processes = [spawn.Process(target=target, args=(*args, start, answers))
                 for _ in range(SENDERS)]
    db.session.commit()  # the test's own transaction must not hold SQLite's write lock
    for process in processes:
        process.start()
    results = [answers.get(timeout=WAIT_SECONDS) for _ in processes]
    for process in processes:
        process.join(WAIT_SECONDS)
        assert process.exitcode == 0
    return results


def test_the_same_batch_sent_by_three_processes_at_once_stores_each_entry_once(
        world, settings):
    batch = [item(world.child), item(world.child, "voice"), item(world.child, "visit")]
    answers = run_at_once(_send_batch, settings, world.practitioner.email, batch)
    assert [status for status, _ in answers] == [200] * SENDERS, answers
    for position, sent in enumerate(batch):
        said = sorted(body["results"][position]["status"] for _, body in answers)
        assert said == ["created"] + ["duplicate"] * (SENDERS - 1), (sent["kind"], said)
    db.session.expire_all()
    assert count_entries() == len(batch)
    assert sorted(audited_as_created()) == sorted(sent["id"] for sent in batch)
    assert audit.verify_chain().intact


def test_audit_writers_in_three_processes_at_once_extend_one_chain(world, settings):
    reads = 15
    answers = run_at_once(_read_child_page, settings, world.practitioner.email, world.child.id,
                          reads)
    assert answers == [[200] * reads] * SENDERS
    db.session.expire_all()
    views = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "view_child"))
    assert views == reads * SENDERS
    report = audit.verify_chain()
    assert report.intact, report
