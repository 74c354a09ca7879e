"""What an operator reads in the logs: one line per request with its id, route, status, duration
and user id, JSON in production; and nothing about any child, whatever pages are opened and
whatever is sent."""

import html
import json
import logging
import re
import uuid
from collections import deque
from datetime import timedelta

import pytest
import sqlalchemy as sa

from helpers import about_the_children
from production import production_app
from dailylife import config, demo
from dailylife.children.models import Child
from dailylife.clock import utcnow
from dailylife.extensions import db
from dailylife.people.models import User

DEMO_PASSWORD = "demo-password-for-the-log-test"
#: Pages opened per person: enough to reach every kind of page from their home page.
PAGES_PER_PERSON = 40


@pytest.fixture
def app_settings() -> dict:
    return {"LOG_FORMAT": "json"}


def request_lines(app_log) -> list[dict]:
    return [line for line in app_log.lines() if line["logger"] == "dailylife.requests"]


def test_each_request_leaves_one_line_with_its_route_status_duration_and_user(
        world, client_for, app_log):
    client = client_for(world.practitioner)
    before = len(request_lines(app_log))
    response = client.get(f"/cases/{world.child.id}?from=a-search-box", follow_redirects=True)
    assert response.status_code == 200
    lines = request_lines(app_log)[before:]
    line = lines[-1]
    assert line["request_id"] == response.headers["X-Request-ID"]
    assert (line["method"], line["status"], line["user_id"], line["level"]) == (
        "GET", 200, str(world.practitioner.id), "INFO")
    assert "<" in line["route"] and str(world.child.id) not in json.dumps(lines)
    assert isinstance(line["duration_ms"], float) and line["time"].endswith("+00:00")
    assert "a-search-box" not in json.dumps(lines)


def test_a_request_id_from_the_load_balancer_is_kept_and_a_malformed_one_replaced(app, app_log):
    client = app.test_client()
    given = "lb-" + uuid.uuid4().hex
    assert client.get("/healthz", headers={"X-Request-ID": given}).headers["X-Request-ID"] == given
    assert request_lines(app_log)[-1]["request_id"] == given
    for malformed in ("short", "has spaces in it", "x" * 129, "Amara\"} forged"):
        answered = client.get("/healthz", headers={"X-Request-ID": malformed})
        assert re.fullmatch(r"[0-9a-f]{32}", answered.headers["X-Request-ID"])
        assert malformed not in json.dumps(app_log.lines())


def test_production_logs_json_and_development_text_unless_set(migrated):
    assert production_app(migrated).config["LOG_FORMAT"] == "json"
    assert production_app(migrated, LOG_FORMAT="text").config["LOG_FORMAT"] == "text"
    with pytest.raises(config.UnsafeConfiguration,
                       match="DAILYLIFE_LOG_FORMAT must be json or text, not 'xml'"):
        production_app(migrated, LOG_FORMAT="xml")


def test_development_logs_read_as_text_with_the_request_id(app, capsys):
    from dailylife import create_app
    development = create_app({**app.config, "ENV_NAME": "development", "LOG_FORMAT": None})
    assert development.config["LOG_FORMAT"] == "text"
    answer = development.test_client().get("/healthz")
    logged = capsys.readouterr().err
    assert f"INFO dailylife.requests [{answer.headers['X-Request-ID']}] GET /healthz 200" in logged


# --- nothing about a child ------------------------------------------------------------------

def _links(page: str) -> list[str]:
    return [html.unescape(link) for link in re.findall(r'href="(/[^"#]*)', page)]


def _crawl(client, start: str) -> int:
    """Open ``start`` and the pages it links to, breadth first, as a person clicking through."""
    queue, seen = deque([start]), set()
    while queue and len(seen) < PAGES_PER_PERSON:
        url = queue.popleft()
        if url in seen or url.startswith(("/static/", "/logout")) or url.endswith(".pdf"):
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code < 500, url
        if response.mimetype == "text/html":
            queue.extend(_links(response.get_data(as_text=True)))
    return len(seen)


def _sync_naming(client, child, words: str):
    """A sync batch whose observation names the child, and an item refused for its date."""
    now = utcnow()
    item = {"id": str(uuid.uuid4()), "kind": "observation", "child_id": str(child.id),
            "occurred_at": (now - timedelta(hours=2)).isoformat(), "recorded_at": now.isoformat(),
            "visit_id": None, "amends_id": None,
            "data": {"category": "behaviour", "text": words, "source": "observed"}}
    refused = {**item, "id": str(uuid.uuid4()), "occurred_at": f"{words} yesterday"}
    response = client.post_json("/api/v1/sync", {"device_id": "tablet-1", "items": [item, refused]})
    assert [result["status"] for result in response.get_json()["results"]] == [
        "created", "rejected"]


def test_a_full_run_on_the_demo_data_logs_nothing_about_any_child(app, ctx, app_log, caplog):
    caplog.set_level(logging.DEBUG)
    demo.seed(DEMO_PASSWORD)
    db.session.commit()
    child = db.session.scalar(sa.select(Child).where(Child.name == demo.DEMO_CHILDREN[0]["name"]))
    opened = {}
    for email in demo.DEMO_EMAILS:
        user = db.session.scalar(sa.select(User).where(User.email == email))
        client = app.test_client()
        client.sign_in(user, DEMO_PASSWORD)
        opened[email] = _crawl(client, "/")
        client.get(f"/cases?note={child.name.replace(' ', '+')}")
        client.get(f"/cases/{child.name}")
        if email.startswith("practitioner"):
            _sync_naming(client, child, f"{child.name} showed me her new drawing of the flat.")
        client.post_form("/logout")
    assert all(count >= 5 for count in opened.values()), opened
    secret = about_the_children()
    assert "Amara" in secret and "showed me her new drawing" in " ".join(secret)
    lines = [json.dumps(line, ensure_ascii=False) for line in app_log.lines()]
    lines += [record.getMessage() + (caplog.handler.format(record) if record.exc_info else "")
              for record in caplog.records]
    assert len(request_lines(app_log)) > sum(opened.values())
    leaks = {term: line for line in lines for term in secret if term in line}
    assert not leaks, f"logged about a child: {leaks}"
