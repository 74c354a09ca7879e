"""Real concurrency, on both engines: separate processes, each with its own app and connections,
released at the same moment. A tablet retrying while its first try is still in flight, or two
tabs sending the same outbox, must store each entry once; every audit writer must extend one
chain that still verifies."""

import multiprocessing
import threading
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from conftest import PASSWORD, AppClient, _test_config
from flask import before_render_template
from test_sync import audited_as_created, count_entries, item

from dailylife import audit, create_app
from dailylife.audit import AuditEvent
from dailylife.children.models import Child
from dailylife.clock import utcnow
from dailylife.entries import operations as entry_operations
from dailylife.extensions import db
from dailylife.people import views as people_views
from dailylife.people.models import User, UserSession

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


def _record_an_observation(settings, email, child_id, answers):
    """Another app process writes an entry (and its audit event) through the write path."""
    app = create_app(settings)
    with app.app_context():
        author = db.session.scalar(sa.select(User).where(User.email == email))
        entry_operations.add_entry(author=author, child=db.session.get(Child, child_id),
                                   kind="observation", occurred_at=utcnow(), data={
                                       "category": "behaviour", "source": "observed",
                                       "text": "Played in the garden."})
        db.session.commit()
    answers.put("written")


def another_process_writes(settings, email, child_id) -> tuple[bool, object]:
    """Whether another app process records an observation within half the wait (and that
    process, to be joined once whatever it waited for is let go)."""
    spawn = multiprocessing.get_context("spawn")
    written = spawn.Queue()
    writer = spawn.Process(target=_record_an_observation,
                           args=(settings, email, child_id, written))
    writer.start()
    writer.join(WAIT_SECONDS / 2)
    return writer.exitcode == 0 and written.get(timeout=1) == "written", writer


def held(request_in_a_thread, reached: threading.Event, let_go: threading.Event,
         settings, email, child_id) -> tuple[bool, list]:
    """Run a request in a thread until it reaches the point held (``reached``), have another
    process write meanwhile, then let the request go on: whether the write was done while the
    request was held, and the request's status codes."""
    answers = []
    reader = threading.Thread(target=lambda: answers.append(request_in_a_thread()))
    reader.start()
    assert reached.wait(WAIT_SECONDS), "the request reached the point held"
    wrote_meanwhile, writer = another_process_writes(settings, email, child_id)
    let_go.set()
    reader.join(WAIT_SECONDS)
    writer.join(WAIT_SECONDS)
    return wrote_meanwhile, answers


def test_another_process_writes_while_a_page_is_drawn(world, settings, app, client_for):
    """A page holds no lock another writer needs while it is drawn: not SQLite's one write lock
    (a page's transaction used to begin IMMEDIATE, and every reader queued behind every writer
    past the busy timeout: "database is locked"), nor the audit chain's (its view event waits
    for the page's commit), nor by writing its session's last-seen time as it reads."""
    client = client_for(world.practitioner)
    page, email, child_id = f"/cases/{world.child.id}", world.practitioner.email, world.child.id
    db.session.execute(sa.update(UserSession).where(UserSession.user_id == world.practitioner.id)
                       .values(last_seen_at=utcnow() - timedelta(minutes=2)))  # a touch is due
    db.session.commit()
    drawing, drawn = threading.Event(), threading.Event()

    def hold_the_page(sender, **_):
        drawing.set()
        drawn.wait(WAIT_SECONDS)

    with before_render_template.connected_to(hold_the_page, app):
        wrote_meanwhile, answers = held(lambda: client.get(page).status_code, drawing, drawn,
                                        settings, email, child_id)
    assert wrote_meanwhile, "another process wrote while the page was drawn"
    assert answers == [200]
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "view_child")) == 1
    assert count_entries() == 1
    assert audit.verify_chain().intact


def test_another_process_writes_while_a_password_is_checked(world, settings, app, monkeypatch):
    """Argon2 at 64 MiB takes the longest of anything the app does: a sign-in checks the
    password holding no transaction, so no other writer waits for it (on SQLite they did, and
    a morning's sign-ins queued every sync behind them)."""
    client = app.test_client()
    token = client.csrf_token()
    email, child_id = world.practitioner.email, world.child.id
    db.session.commit()  # the test's own transaction must not hold SQLite's write lock
    checking, checked = threading.Event(), threading.Event()
    real_check = people_views.verify_password

    def slow_check(stored, password):
        checking.set()
        checked.wait(WAIT_SECONDS)
        return real_check(stored, password)

    monkeypatch.setattr(people_views, "verify_password", slow_check)
    wrote_meanwhile, answers = held(lambda: client.post("/login", data={
        "csrf_token": token, "email": email, "password": PASSWORD}).status_code,
        checking, checked, settings, email, child_id)
    assert wrote_meanwhile, "another process wrote while the password was checked"
    assert answers == [302]
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "sign_in")) == 1
    assert count_entries() == 1
