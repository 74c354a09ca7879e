"""Sync throughput: 10,000 observations through POST /api/v1/sync, against a plain-insert baseline.

Run from the repository root (PostgreSQL on 127.0.0.1:5432, user ``postgres``, trust auth)::

    .venv/bin/python tests/perf/bench_sync.py                 # SQLite and PostgreSQL
    .venv/bin/python tests/perf/bench_sync.py --sqlite-only

For each engine and each of three rounds, on fresh databases built through the migrations:

* **endpoint**: gunicorn serves the real app on a free loopback port; a practitioner signs in, and
  10,000 observation entries go to ``/api/v1/sync`` in batches of ``SYNC_MAX_ITEMS`` over one
  keep-alive connection. Every result must be ``created``. Wall clock from the first batch sent to
  the last answer read.
* **baseline**: the same items, as the ``entry`` rows the app writes for them (prepared before the
  clock starts), inserted into a second fresh database with SQLAlchemy Core ``executemany`` in
  batches of the same size, one commit per batch as the endpoint does. No audit events, no
  validation: that is what the ratio measures.

It prints the median items per second of the three rounds and the ratio endpoint / baseline.
Targets (issue 14, raised from issue 4's 2,000 and 0.2 once validation came from the kind
declarations): at least 10,000 items/s through the endpoint on SQLite, and a ratio of at least 0.4
on every engine. The exit status is 1 when a target is missed. Figures move with the
machine's load, so each round also prints its own ratio and the one-minute load average as it
ended. It is not a pytest test (pytest collects only ``test_*.py``).
"""

import argparse
import http.client
import json
import logging
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import psycopg
import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from dailylife import config, create_app  # noqa: E402
from dailylife.children.models import LegalStatus  # noqa: E402
from dailylife.clock import local_today, utcnow  # noqa: E402
from dailylife.entries.models import Entry, Kind  # noqa: E402
from dailylife.extensions import db  # noqa: E402
from dailylife.people import operations  # noqa: E402
from dailylife.people.models import CaseRole, Role, User  # noqa: E402

TOTAL_ITEMS = 10_000
BATCH_SIZE = config.defaults(instance_path="")["SYNC_MAX_ITEMS"]  # the documented batch size
ROUNDS = 3
CHILDREN = 4
TARGET_SQLITE_ITEMS_PER_SECOND = 10_000
TARGET_RATIO = 0.4
EMAIL = "bench.practitioner@example.org"
PASSWORD = "kitchen-table-notes-42"
SECRET_KEY = "bench-not-secret"
DEVICE_ID = "bench"
POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
#: gthread, not the default sync worker: only gthread keeps connections alive between requests.
GUNICORN = ["-w", "2", "-k", "gthread", "--threads", "2"]
CATEGORIES = ["behaviour", "interactions", "presentation", "home_environment", "daily_routine",
              "health", "education"]
TEXT = ("Observation {n}: arrived at 16:10; the kitchen was tidy and there was food in the fridge. "
        "The child showed me their bedroom, talked about a friend at school and played a card game "
        "with their younger brother while mum cooked.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sqlite-only", action="store_true", help="skip PostgreSQL")
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)  # keeps Alembic's per-migration lines quiet
    engines = ["sqlite"] if arguments.sqlite_only else ["sqlite", "postgresql"]
    print(f"{TOTAL_ITEMS:,} observations per round, {ROUNDS} rounds, server: gunicorn "
          f"{' '.join(GUNICORN)}, client: http.client (one keep-alive connection)")
    with tempfile.TemporaryDirectory(prefix="dailylife-bench-") as scratch:
        rows = [measure(engine, Path(scratch)) for engine in engines]
    print()
    print(f"{'engine':<12}{'endpoint/s':>12}{'baseline/s':>12}{'ratio':>8}  target met?")
    for engine, endpoint, baseline in rows:
        print(f"{engine:<12}{endpoint:>12,.0f}{baseline:>12,.0f}{endpoint / baseline:>8.2f}  "
              f"{verdict(engine, endpoint, baseline)}")
    return 0 if all(verdict(*row) == "yes" for row in rows) else 1


def measure(engine: str, scratch: Path) -> tuple[str, float, float]:
    """Median items/s of the endpoint and of the baseline on ``engine``, each on fresh databases."""
    endpoint_rates, baseline_rates = [], []
    for round_number in range(1, ROUNDS + 1):
        child_ids = [uuid.uuid4() for _ in range(CHILDREN)]
        items = observations(child_ids)
        with fresh_database(engine, scratch, child_ids) as url:
            endpoint_rates.append(run_endpoint(url, scratch, items))
        with fresh_database(engine, scratch, child_ids) as url:
            baseline_rates.append(run_baseline(url, scratch, items))
        print(f"{engine} round {round_number}: endpoint {endpoint_rates[-1]:,.0f} items/s, "
              f"baseline {baseline_rates[-1]:,.0f} items/s, "
              f"ratio {endpoint_rates[-1] / baseline_rates[-1]:.2f}, "
              f"load {os.getloadavg()[0]:.2f}", flush=True)
    return engine, statistics.median(endpoint_rates), statistics.median(baseline_rates)


def verdict(engine: str, endpoint: float, baseline: float) -> str:
    misses = []
    if engine == "sqlite" and endpoint < TARGET_SQLITE_ITEMS_PER_SECOND:
        misses.append(f"< {TARGET_SQLITE_ITEMS_PER_SECOND:,} items/s")
    if endpoint / baseline < TARGET_RATIO:
        misses.append(f"ratio < {TARGET_RATIO}")
    return f"no ({', '.join(misses)})" if misses else "yes"


# Databases --------------------------------------------------------------------------------------

@contextmanager
def fresh_database(engine: str, scratch: Path, child_ids: list[uuid.UUID]):
    """A new, migrated database with one practitioner allocated to these children; its URL."""
    if engine == "sqlite":
        url = f"sqlite:///{scratch / f'bench_{uuid.uuid4().hex[:12]}.sqlite'}"
        migrate_and_seed(url, scratch, child_ids)
        yield url
        return
    name = f"dailylife_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
            migrate_and_seed(url, scratch, child_ids)
            yield url
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def app_for(url: str, scratch: Path):
    return create_app({"ENV_NAME": "development", "SECRET_KEY": SECRET_KEY, "DATABASE_URL": url,
                       "MEDIA_DIR": str(scratch / "media")})


def migrate_and_seed(url: str, scratch: Path, child_ids: list[uuid.UUID]) -> None:
    from flask_migrate import upgrade
    with app_for(url, scratch).app_context():
        upgrade()
        team = operations.create_team("Bench team")
        practitioner = operations.create_user(email=EMAIL, display_name="Bench Practitioner",
                                              role=Role.PRACTITIONER, password=PASSWORD, team=team)
        for number, child_id in enumerate(child_ids, start=1):
            child = operations.create_child(
                id=child_id, name=f"Bench Child {number}", team_id=team.id,
                date_of_birth=local_today() - timedelta(days=365 * (4 + number)),
                legal_status=LegalStatus.CHILD_PROTECTION_PLAN)
            operations.allocate(user=practitioner, child=child, case_role=CaseRole.PRACTITIONER,
                                start_date=local_today() - timedelta(days=90))
        db.session.commit()
        db.engine.dispose()


def observations(child_ids: list[uuid.UUID]) -> list[dict]:
    """TOTAL_ITEMS sync items, seven minutes apart over the past seven weeks, fresh UUIDs."""
    start = utcnow() - timedelta(minutes=7 * TOTAL_ITEMS + 30)
    items = []
    for n in range(TOTAL_ITEMS):
        occurred = start + timedelta(minutes=7 * n)
        items.append({
            "id": str(uuid.uuid4()), "kind": "observation",
            "child_id": str(child_ids[n % len(child_ids)]),
            "occurred_at": iso(occurred), "recorded_at": iso(occurred + timedelta(minutes=5)),
            "visit_id": None, "amends_id": None,
            "data": {"category": CATEGORIES[n % len(CATEGORIES)], "text": TEXT.format(n=n),
                     "source": "observed"},
        })
    return items


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def batches(items: list, size: int):
    return [items[start:start + size] for start in range(0, len(items), size)]


# The endpoint, through gunicorn ------------------------------------------------------------------

def run_endpoint(url: str, scratch: Path, items: list[dict]) -> float:
    with gunicorn_serving(url, scratch) as port:
        browser = Browser(port)
        token = browser.sign_in()
        began = time.perf_counter()
        for batch in batches(items, BATCH_SIZE):
            status, body = browser.request(
                "POST", "/api/v1/sync",
                json.dumps({"device_id": DEVICE_ID, "items": batch}).encode(),
                {"Content-Type": "application/json", "X-CSRFToken": token})
            check_all_created(batch, status, body)
        elapsed = time.perf_counter() - began
        browser.connection.close()
    return TOTAL_ITEMS / elapsed


def check_all_created(batch: list[dict], status: int, body: bytes) -> None:
    if status != 200:
        raise SystemExit(f"/api/v1/sync answered {status}: {body[:500]!r}")
    results = json.loads(body)["results"]
    wrong = [result for item, result in zip(batch, results, strict=True)
             if result["status"] != "created" or result["id"] != item["id"]]
    if wrong:
        raise SystemExit(f"{len(wrong)} of {len(batch)} items were not created, e.g. {wrong[:3]}")


@contextmanager
def gunicorn_serving(url: str, scratch: Path):
    """gunicorn running the app on a free loopback port, as production runs it; yields the port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environment = {**os.environ, "DATABASE_URL": url, "SECRET_KEY": SECRET_KEY,
                   "DAILYLIFE_ENV_NAME": "development",
                   "DAILYLIFE_MEDIA_DIR": str(scratch / "media")}
    log_path = scratch / "gunicorn.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-c", "python:dailylife.gunicorn_conf", *GUNICORN,
             "-b", f"127.0.0.1:{port}",
             "dailylife:create_app()"], cwd=REPO, env=environment, stdout=log,
            stderr=subprocess.STDOUT)
    try:
        wait_for_port(port, server, log_path)
        yield port
    finally:
        server.terminate()
        server.wait(timeout=30)


def wait_for_port(port: int, server: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"gunicorn exited early:\n{log_path.read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"gunicorn did not listen on port {port} within 30 s:\n{log_path.read_text()}")


class Browser:
    """Just enough of a browser for the API: one keep-alive connection and a cookie jar."""

    def __init__(self, port: int):
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookies: dict[str, str] = {}
        self.location: str | None = None  # of the last redirect

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, bytes]:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        self.connection.request(method, path, body=body, headers=headers)
        response = self.connection.getresponse()
        body_read = response.read()
        for cookie in response.headers.get_all("Set-Cookie") or []:
            name, _, value = cookie.split(";", 1)[0].partition("=")
            self.cookies[name.strip()] = value.strip()
        self.location = response.headers.get("Location")
        return response.status, body_read

    def csrf_token(self, path: str) -> str:
        """The token in a page's ``<meta name="csrf-token">``, following up to three redirects."""
        for _ in range(4):
            status, page = self.request("GET", path)
            if status not in (301, 302, 303):
                break
            path = self.location
        match = re.search(rb'<meta name="csrf-token" content="([^"]+)"', page)
        if status != 200 or not match:
            raise SystemExit(f"GET {path} answered {status} without a CSRF token")
        return match.group(1).decode()

    def sign_in(self) -> str:
        """Sign in through the login form; the CSRF token of a signed-in page, for the API."""
        form = {"csrf_token": self.csrf_token("/login"), "email": EMAIL, "password": PASSWORD}
        status, _ = self.request("POST", "/login", urlencode(form).encode(),
                                 {"Content-Type": "application/x-www-form-urlencoded"})
        if status != 302:
            raise SystemExit(f"sign-in answered {status}, not a redirect")
        return self.csrf_token(self.location)


# The baseline: plain SQLAlchemy Core ------------------------------------------------------------

def run_baseline(url: str, scratch: Path, items: list[dict]) -> float:
    with app_for(url, scratch).app_context():
        author_id = db.session.scalar(sa.select(User.id).where(User.email == EMAIL))
        rows = [entry_row(item, author_id) for item in items]
        db.session.remove()
        with db.engine.connect() as connection:
            began = time.perf_counter()
            for batch in batches(rows, BATCH_SIZE):
                connection.execute(Entry.__table__.insert(), batch)
                connection.commit()
            elapsed = time.perf_counter() - began
        db.engine.dispose()
    return TOTAL_ITEMS / elapsed


def entry_row(item: dict, author_id: uuid.UUID) -> dict:
    """The columns operations.add_entry writes for this item."""
    data = item["data"]
    return {"id": uuid.UUID(item["id"]), "child_id": uuid.UUID(item["child_id"]),
            "kind": Kind.OBSERVATION, "occurred_at": parse(item["occurred_at"]),
            "recorded_at": parse(item["recorded_at"]), "received_at": utcnow(),
            "author_id": author_id, "author_role": Role.PRACTITIONER.value,
            "device_id": DEVICE_ID, "significant": False, "category": data["category"],
            "source": data["source"], "triangulation": None, "data": data,
            "clock_skewed": False}


def parse(moment: str) -> datetime:
    return datetime.fromisoformat(moment.replace("Z", "+00:00"))


if __name__ == "__main__":
    sys.exit(main())
