"""What a team does with dailylife in a working day, for locust (run by ``tests/perf/bench_load.py``).

Practitioners open their caseload and a child's page, fetch the caseload briefs (as every page
load on the tablet does), record a visit through the page's form, send the tablet's outbox (a
sync batch of 5 to 50 entries) and upload a photo. Supervisors open the team's dashboard, read
chronologies (the first page, then the next) and print a chronology to PDF (the last three
months, as for a conference).

Everyone signs in as a real person of the database that bench_load.py built, named in the JSON
file ``DAILYLIFE_LOAD_PEOPLE`` (emails, the password, each person's children): a locust user
takes the next unused person of its role, so no two share a session. Signing in is done once,
when the user starts (bench_load.py resets the figures once every user is in). Every form and
API call carries the CSRF token of a page, as a browser's would. Requests are named by route
(``/cases/[child]``) so that the figures group by page, not by child.
"""

import itertools
import json
import os
import random
import re
import sys
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import gevent
from locust import HttpUser, between, task

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import sample_images  # noqa: E402

PEOPLE = json.loads(Path(os.environ["DAILYLIFE_LOAD_PEOPLE"]).read_text())
#: One photo for every upload: a tablet sends at most 2,048 px.
PHOTO = sample_images.phone_photo(1600, 1200)
CSRF = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
FORM_TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
BATCH_SIZES = (5, 50)
PDF_MONTHS = 3


class Person(HttpUser):
    """Someone signed in with their own account, taken from ``PEOPLE[role]`` in turn."""

    abstract = True
    role = ""
    wait_time = between(0.5, 2.5)

    def on_start(self) -> None:
        self.me = next(TAKEN[self.role])
        self.children = self.me["children"]
        while not self.signed_in():  # a failure is counted, and the person tries again
            gevent.sleep(1)
        self.csrf = self.csrf_from("/cases", "/cases")
        everyone_signed_in_starts_the_clock(self.environment)

    def signed_in(self) -> bool:
        token = self.csrf_from("/login", "/login")
        with self.client.post("/login", name="/login", allow_redirects=False, catch_response=True,
                              data={"csrf_token": token, "email": self.me["email"],
                                    "password": PEOPLE["password"]}) as answer:
            if answer.status_code != 302 or "/login" in answer.headers.get("Location", ""):
                answer.failure(f"{self.me['email']} could not sign in ({answer.status_code})")
                return False
        return True

    def csrf_from(self, path: str, name: str) -> str:
        """The CSRF token of a page, as the browser's script reads it from the page's head."""
        page = self.client.get(path, name=name).text
        found = CSRF.search(page)
        return found.group(1) if found else ""

    def child(self) -> str:
        return random.choice(self.children)

    def page(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, catch_response=True) as answer:
            if answer.ok and answer.url.endswith("/login"):
                answer.failure("sent to sign in: the session was lost")


class Practitioner(Person):
    weight = 4
    role = "practitioners"

    @task(4)
    def caseload(self) -> None:
        self.page("/cases", "/cases")

    @task(4)
    def child_page(self) -> None:
        self.page(f"/cases/{self.child()}", "/cases/[child]")

    @task(2)
    def caseload_briefs(self) -> None:
        self.page("/api/v1/cases", "/api/v1/cases")

    @task(1)
    def record_visit(self) -> None:
        """The visit form, filled in and saved (no JavaScript: the form's own CSRF token)."""
        child = self.child()
        form = self.client.get(f"/cases/{child}/visits/new", name="/cases/[child]/visits/new")
        found = FORM_TOKEN.search(form.text)
        with self.client.post(f"/cases/{child}/visits/new", name="/cases/[child]/visits/new",
                              allow_redirects=False, catch_response=True,
                              data=visit_form(found.group(1) if found else "")) as answer:
            if answer.status_code != 302:
                answer.failure(f"the visit was not saved ({answer.status_code})")

    @task(2)
    def sync(self) -> None:
        """The tablet's outbox: a visit and its parts, 5 to 50 entries in one batch."""
        items = visit_items(self.child(), random.randint(*BATCH_SIZES))
        self.send(items, "/api/v1/sync")

    @task(1)
    def photo(self) -> None:
        """An observation synced, then its photo uploaded."""
        observation = visit_items(self.child(), 2)[1]
        observation["visit_id"] = None
        self.send([observation], "/api/v1/sync (the photo's entry)")
        with self.client.post("/api/v1/media", name="/api/v1/media", catch_response=True,
                              headers={"X-CSRFToken": self.csrf},
                              data={"id": str(uuid.uuid4()), "entry_id": observation["id"],
                                    "kind": "photo", "caption": "The kitchen"},
                              files={"file": ("photo.jpg", PHOTO, "image/jpeg")}) as answer:
            if answer.status_code != 201:
                answer.failure(f"the photo was not kept ({answer.status_code})")

    def send(self, items: list[dict], name: str) -> None:
        with self.client.post("/api/v1/sync", name=name, catch_response=True,
                              headers={"X-CSRFToken": self.csrf},
                              json={"device_id": f"load-{self.me['email']}",
                                    "items": items}) as answer:
            statuses = {result.get("status") for result in answer.json().get("results", [])} \
                if answer.status_code == 200 else set()
            if statuses != {"created"}:
                answer.failure(f"sync answered {answer.status_code} {sorted(statuses)}")


class Supervisor(Person):
    weight = 1
    role = "supervisors"

    @task(4)
    def dashboard(self) -> None:
        self.page("/team", "/team")

    @task(3)
    def chronology(self) -> None:
        """The first page, and now and then the next (a cursor, never an offset)."""
        child = self.child()
        first = self.client.get(f"/cases/{child}/chronology", name="/cases/[child]/chronology")
        following = re.search(r'<a [^>]*rel="next"[^>]*href="([^"]+)"', first.text)
        if following and random.random() < 0.5:
            self.page(following.group(1).replace("&amp;", "&"),
                      "/cases/[child]/chronology?after=[cursor]")

    @task(1)
    def pdf(self) -> None:
        since = (datetime.now(timezone.utc) - timedelta(days=30 * PDF_MONTHS)).date()
        self.page(f"/cases/{self.child()}/chronology.pdf?from={since.isoformat()}",
                  "/cases/[child]/chronology.pdf")


SIGNED_IN = []


def everyone_signed_in_starts_the_clock(environment) -> None:
    """Once the last user has signed in: keep the sign-ins' figures apart, reset the figures,
    and stop after ``DAILYLIFE_LOAD_SECONDS`` of work."""
    SIGNED_IN.append(True)
    if len(SIGNED_IN) != environment.runner.target_user_count:
        return
    sign_in = environment.stats.get("/login", "POST")
    Path(os.environ["DAILYLIFE_LOAD_SIGN_INS"]).write_text(json.dumps({
        "count": sign_in.num_requests, "failures": sign_in.num_failures,
        "p50": sign_in.get_response_time_percentile(0.5),
        "p95": sign_in.get_response_time_percentile(0.95)}))
    environment.runner.stats.reset_all()
    gevent.spawn_later(float(os.environ["DAILYLIFE_LOAD_SECONDS"]), environment.runner.quit)


TAKEN = {role: itertools.cycle(PEOPLE[role]) for role in ("practitioners", "supervisors")}


def moment(hours_ago: float) -> str:
    return (datetime.now(timezone.utc) - timedelta(hours=hours_ago)).isoformat(
        timespec="milliseconds").replace("+00:00", "Z")


def visit_items(child: str, count: int) -> list[dict]:
    """A visit, then observations and the child's words at the visit: ``count`` entries."""
    visit_id = str(uuid.uuid4())
    items = [entry(child, "visit", None, {"type": "planned", "child_seen": True,
                                          "seen_alone": True})]
    items[0]["id"] = visit_id
    for number in range(1, count):
        items.append(entry(child, "voice", visit_id, {"words": "I like my new school.",
                                                      "mode": "spoken"}) if number % 4 == 0
                     else entry(child, "observation", visit_id, {
                         "category": "home_environment", "source": "observed",
                         "text": f"Kitchen tidy, food in the fridge ({number})."}))
    return items


def entry(child: str, kind: str, visit_id, data: dict) -> dict:
    return {"id": str(uuid.uuid4()), "kind": kind, "child_id": child, "visit_id": visit_id,
            "amends_id": None, "occurred_at": moment(3), "recorded_at": moment(2), "data": data}


def visit_form(token: str) -> dict:
    occurred = datetime.now(timezone.utc) - timedelta(hours=2)
    return {"csrf_token": token, "occurred_at": occurred.strftime("%Y-%m-%dT%H:%M"),
            "type": "planned", "child_seen": "yes", "seen_alone": "yes",
            "observations-0-category": "home_environment",
            "observations-0-text": "Kitchen tidy, food in the fridge.",
            "observations-0-source": "observed",
            "voice-0-words": "I like my new school.", "voice-0-mode": "spoken",
            "analysis": "Settled at home; nothing new of concern."}
