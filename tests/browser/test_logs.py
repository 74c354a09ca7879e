"""A practitioner and their supervisor work through the demo data in a real browser; the server's
log, captured as it is written, holds nothing about any child (the JSON lines production writes)."""

import json
import re

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from helpers import about_the_children
from dailylife import demo
from dailylife.children.models import Child
from dailylife.extensions import db
from dailylife.people.models import User

DEMO_PASSWORD = "demo-password-for-the-browser-log-test"


@pytest.fixture
def app_settings() -> dict:
    return {"LOG_FORMAT": "json"}


def demo_person(role: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == f"{role}{demo.DEMO_DOMAIN}"))


def test_a_day_on_the_demo_data_in_a_browser_logs_nothing_about_any_child(
        app_log, new_context, sign_in):
    demo.seed(DEMO_PASSWORD)
    db.session.commit()
    child = db.session.scalar(sa.select(Child).where(Child.name == demo.DEMO_CHILDREN[0]["name"]))
    practitioner, supervisor = demo_person("practitioner"), demo_person("supervisor")
    db.session.commit()
    words = f"{child.name} showed me the bedroom she shares with her brother."

    page = sign_in(new_context().new_page(), practitioner, DEMO_PASSWORD)
    page.get_by_role("link", name=child.name).first.click()
    page.get_by_role("link", name="Record a visit").click()
    page.get_by_role("group", name="Type of visit").get_by_label("Planned").check()
    page.locator("fieldset:has(legend:text('Was the child seen?'))").get_by_label("Yes").check()
    page.locator("fieldset:has(legend:text('Was the child seen alone?'))").get_by_label("Yes").check()
    observation = page.locator("[data-rows=observations] > fieldset").first
    observation.get_by_label("What it is about").select_option("home_environment")
    observation.get_by_label("What was seen or heard").fill(words)
    observation.get_by_role("group", name="Where it came from").get_by_label(
        "I saw or heard it myself").check()
    with page.expect_navigation(url=re.compile(rf"/cases/{child.id}$")):
        page.get_by_role("button", name="Save visit").click()
    expect(page.locator("#sync-status")).to_contain_text("Nothing waiting")
    page.goto(f"/cases/{child.id}/chronology?order=desc")
    expect(page.get_by_text(words)).to_be_visible()

    page = sign_in(new_context().new_page(), supervisor, DEMO_PASSWORD)
    page.goto("/team")
    expect(page.locator(f"a[href='/cases/{child.id}']").first).to_be_attached()
    page.goto(f"/cases/{child.id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(child.name)
    page.goto(f"/cases/{child.id}/chronology")
    expect(page.get_by_text(words)).to_be_visible()

    secret = about_the_children()
    db.session.commit()
    assert words in secret and child.name.split()[0] in secret
    lines = [json.dumps(line, ensure_ascii=False) for line in app_log.lines()]
    sent = [line for line in app_log.lines() if line.get("method") == "POST"]
    assert len(lines) > 20 and sent, "the run should have been logged, with what was sent"
    leaks = {term: line for line in lines for term in secret if term in line}
    assert not leaks, f"logged about a child: {leaks}"
