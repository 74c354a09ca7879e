"""Chronology pages cost the same for a 20-entry child and a 20,000-entry child (keyset, no OFFSET).

Run from the repository root (``--postgres`` needs PostgreSQL on 127.0.0.1:5432, trust auth)::

    .venv/bin/python tests/perf/bench_chronology.py              # SQLite, 1,000,000 entries
    .venv/bin/python tests/perf/bench_chronology.py --postgres   # the same on PostgreSQL
    .venv/bin/python tests/perf/bench_chronology.py --total 100000 --repeat 10   # a quick look

It builds a fresh database through the migrations (SQLite in a temporary directory, or a
throwaway PostgreSQL database), with one child holding 20,000 entries and one holding 20 among
``--total`` entries spread over many children, inserted with SQLAlchemy Core ``executemany`` in
shuffled chunks so that no child's entries sit together on disk. That is fixture building, not
the thing measured.

Then, signed in through the Flask test client as a practitioner allocated to both children, it
takes the median of ``--repeat`` requests of: the first page, a page deep in the history (page
201 of the big child, reached by following ``rel="next"`` links; for the small child, the page
after its tenth entry), and the first page newest first; plus the time of a whole CSV export and
its peak Python memory. It prints wall-clock medians with the ratio big / small, CPU medians (the
request's own cost, whatever else a shared machine is doing), the bare page query's time, and the
query plan of the page query as the app sends it. Targets: big within 1.5x of small, and under
30 ms median wall clock. The exit status is 1 when a page target is missed. It is not a pytest
test (pytest collects test_*.py only).
"""

import argparse
import logging
import random
import re
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid
from contextlib import contextmanager
from datetime import timedelta
from html import unescape
from pathlib import Path

import psycopg
import sqlalchemy as sa

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from dailylife import create_app  # noqa: E402
from dailylife.children.models import Child, LegalStatus  # noqa: E402
from dailylife.chronology.keyset import Cursor  # noqa: E402
from dailylife.clock import local_today, utcnow  # noqa: E402
from dailylife.entries.models import Entry  # noqa: E402
from dailylife.extensions import db  # noqa: E402
from dailylife.people import operations  # noqa: E402
from dailylife.people.models import CaseRole, Role  # noqa: E402

BIG, SMALL = 20_000, 20
DEEP_PAGE = 201
#: Entries per chunk of the shuffled insert: a visit and its parts, plus the odd extra kind.
CHUNK = 20
INSERT_BATCH = 10_000
TARGET_RATIO = 1.5
TARGET_MS = 30
PASSWORD = "kitchen-table-notes-42"
POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
TEXTS = [
    "Arrived at 16:10; the kitchen was tidy and there was food in the fridge. {name} showed me "
    "their bedroom and talked about a friend at school.",
    "Mother says {name} has been at school every day this term and sleeps by eight most nights.",
    "{name} went quiet when the new partner came into the room and moved closer to mum.",
    "Health visitor reports {name}'s weight is back on the expected line after the clinic visit.",
]
CATEGORIES = ["behaviour", "interactions", "presentation", "home_environment", "daily_routine",
              "health", "education"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", action="store_true", help="run against PostgreSQL")
    parser.add_argument("--total", type=int, default=1_000_000, help="entries in the database")
    parser.add_argument("--repeat", type=int, default=30, help="requests per measurement")
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)  # keeps Alembic's per-migration lines quiet
    engine = "postgresql" if arguments.postgres else "sqlite"
    with tempfile.TemporaryDirectory(prefix="dailylife-bench-") as scratch, \
            fresh_database(engine, Path(scratch)) as url:
        app = create_app(app_config(url))
        with app.app_context():
            started = time.perf_counter()
            children = build(arguments.total)
            print(f"{engine}: built {arguments.total:,} entries in "
                  f"{time.perf_counter() - started:.0f} s", flush=True)
        try:
            return measure(app, engine, *children, arguments.repeat)
        finally:
            with app.app_context():
                db.engine.dispose()


# Databases --------------------------------------------------------------------------------------

def app_config(url: str) -> dict:
    return {"ENV_NAME": "testing", "SECRET_KEY": "bench-not-secret",
            "SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_STORAGE_URI": "memory://",
            "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 1024, "ARGON2_PARALLELISM": 1}


@contextmanager
def fresh_database(engine: str, scratch: Path):
    """A new database migrated to the latest schema; its URL. PostgreSQL's is dropped after."""
    if engine == "sqlite":
        url = f"sqlite:///{scratch / 'chronology.sqlite'}"
        migrate(url)
        yield url
        return
    name = f"dailylife_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
        try:
            url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
            migrate(url)
            yield url
        finally:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrate(url: str) -> None:
    from flask_migrate import upgrade
    app = create_app(app_config(url))
    with app.app_context():
        upgrade()
        db.engine.dispose()


# Fixture building -------------------------------------------------------------------------------

def build(total: int) -> tuple[uuid.UUID, uuid.UUID]:
    """People and children through the app's operations; entries straight into the table."""
    team = operations.create_team("Bench team")
    practitioner = operations.create_user(email="bench@example.org", display_name="Bench Worker",
                                          role=Role.PRACTITIONER, password=PASSWORD, team=team)
    big, small = (operations.create_child(name=name, date_of_birth=local_today() - timedelta(
        days=9 * 365), legal_status=LegalStatus.CHILD_PROTECTION_PLAN, team_id=team.id)
        for name in ("Big History", "Short History"))
    for child in (big, small):
        operations.allocate(user=practitioner, child=child, case_role=CaseRole.PRACTITIONER,
                            start_date=local_today() - timedelta(days=30))
    others = other_children(team, total - BIG - SMALL)
    db.session.commit()
    insert_entries(practitioner.id, [(big.id, BIG), (small.id, SMALL), *others])
    if db.engine.dialect.name == "postgresql":
        db.session.execute(sa.text("ANALYZE"))  # what autovacuum would have done by now
        db.session.commit()
    return big.id, small.id


def other_children(team, entries: int) -> list[tuple[uuid.UUID, int]]:
    """Children of about 200 entries each (a few years of visits) holding ``entries`` in all."""
    count = max(1, entries // 200)
    ids = [uuid.uuid4() for _ in range(count)]
    db.session.execute(sa.insert(Child.__table__), [
        {"id": child_id, "name": f"Child {number}", "date_of_birth": local_today() - timedelta(
            days=2000 + number % 3000), "legal_status": LegalStatus.CHILD_IN_NEED,
         "team_id": team.id, "created_at": utcnow()} for number, child_id in enumerate(ids)])
    sizes = [entries // count + (1 if number < entries % count else 0) for number in range(count)]
    return list(zip(ids, sizes))


def insert_entries(author_id: uuid.UUID, children: list[tuple[uuid.UUID, int]]) -> None:
    """Every child's history in chunks, the chunks shuffled, inserted in big executemany batches."""
    chunks = [(child_id, start, min(CHUNK, size - start))
              for child_id, size in children for start in range(0, size, CHUNK)]
    random.Random(2026).shuffle(chunks)
    table, batch, now = Entry.__table__, [], utcnow()
    for child_id, start, size in chunks:
        batch.extend(chunk_rows(author_id, child_id, start, size, now))
        if len(batch) >= INSERT_BATCH:
            db.session.execute(sa.insert(table), batch)
            db.session.commit()
            batch = []
    if batch:
        db.session.execute(sa.insert(table), batch)
        db.session.commit()


def chunk_rows(author_id, child_id, start: int, size: int, now) -> list[dict]:
    """Visits of five entries (the visit and four parts at the same moment, so that page
    boundaries fall inside runs of equal times), one visit every twelve hours back in time, and
    an amendment of about one observation in a hundred."""
    rows, visit_id = [], None
    for index in range(start, start + size):
        occurred_at = now - timedelta(hours=12 * (index // 5) + 1)
        if index % 5 == 0 or visit_id is None:
            visit_id = uuid.uuid4()
            rows.append(entry_row(visit_id, child_id, author_id, occurred_at, "visit", None, {
                "type": "planned", "child_seen": True, "seen_alone": True,
                "analysis": "Settled at home; nothing new of concern."}))
        elif index % 97 == 0 and rows[-1]["kind"] == "observation":
            rows.append(entry_row(uuid.uuid4(), child_id, author_id, occurred_at, "amendment",
                                  None, {"reason": "Typo.", "text": "Corrected text."},
                                  amends_id=rows[-1]["id"]))
        elif index % 5 == 4:
            rows.append(entry_row(uuid.uuid4(), child_id, author_id, occurred_at, "voice",
                                  visit_id, {"words": "I like my new school.", "mode": "spoken"}))
        else:
            rows.append(observation_row(child_id, author_id, occurred_at, visit_id, index))
    return rows


def observation_row(child_id, author_id, occurred_at, visit_id, index: int) -> dict:
    reported = index % 3 == 0
    data = {"category": CATEGORIES[index % len(CATEGORIES)],
            "text": TEXTS[index % len(TEXTS)].format(name="Sam"),
            "source": "parent_reported" if reported else "observed"}
    if reported:
        data.update(source_detail="mother", triangulation="unverified")
    row = entry_row(uuid.uuid4(), child_id, author_id, occurred_at, "observation", visit_id, data)
    row.update(category=data["category"], source=data["source"],
               triangulation=data.get("triangulation"))
    return row


def entry_row(entry_id, child_id, author_id, occurred_at, kind, visit_id, data, amends_id=None):
    return {"id": entry_id, "child_id": child_id, "kind": kind, "occurred_at": occurred_at,
            "recorded_at": occurred_at, "received_at": occurred_at + timedelta(minutes=30),
            "author_id": author_id, "author_role": "practitioner", "device_id": None,
            "visit_id": visit_id, "amends_id": amends_id, "significant": False,
            "category": None, "source": None, "triangulation": None, "data": data}


# Measuring --------------------------------------------------------------------------------------

def measure(app, engine: str, big_id: uuid.UUID, small_id: uuid.UUID, repeat: int) -> int:
    """Each request in its own app context (and session), as in production."""
    client = signed_in(app)
    big_path, small_path = (f"/cases/{child_id}/chronology" for child_id in (big_id, small_id))
    cases = [
        ("first page, oldest first", big_path, small_path),
        (f"page {DEEP_PAGE} (cursor)", follow_next(client, big_path, DEEP_PAGE - 1),
         cursor_after(app, client, small_path, 10)),
        ("first page, newest first", big_path + "?order=desc", small_path + "?order=desc"),
    ]
    print(f"\n{engine}: median of {repeat} requests, page size "
          f"{app.config['CHRONOLOGY_PAGE_SIZE']}, through the Flask test client")
    print(f"{'request (wall clock, CPU)':<28}{f'{BIG:,} entries':>16}{f'{SMALL} entries':>14}"
          f"{'big/small':>11}")
    misses = []
    for label, big_url, small_url in cases:
        wall, cpu = timed(client, (big_url, small_url), repeat)
        if not line(label, *wall):
            misses.append(label)
        line(f"  CPU; rows {rows_on(client, big_url)} and {rows_on(client, small_url)}", *cpu)
    with app.app_context():
        queries = tuple(page_query(client, url) for url in cases[1][1:])
        line("  its page query alone", *query_times(queries, repeat))
    exports(client, big_path + ".csv", small_path + ".csv")
    print(f"\ntargets: big within {TARGET_RATIO}x of small and under {TARGET_MS} ms: "
          + ("met" if not misses else f"MISSED for {', '.join(misses)}"))
    with app.app_context():
        explain(*queries[0])
    return 1 if misses else 0


def line(label: str, big_ms: float, small_ms: float) -> bool:
    """Print one row of the table; True when it meets the targets."""
    print(f"{label:<28}{big_ms:>13.2f} ms{small_ms:>11.2f} ms{big_ms / small_ms:>10.2f}x")
    return big_ms / small_ms <= TARGET_RATIO and big_ms <= TARGET_MS


def exports(client, big_url: str, small_url: str) -> None:
    (big_ms, big_rows), (small_ms, small_rows) = export(client, big_url), export(client, small_url)
    print(f"{'CSV export, all rows':<28}{big_ms:>13.0f} ms{small_ms:>11.1f} ms"
          f"{'':>11}  ({big_rows:,} and {small_rows} rows)")
    big_mb, small_mb = (peak_memory(client, url) for url in (big_url, small_url))
    print(f"{'  its peak Python memory':<28}{big_mb:>13.1f} MB{small_mb:>11.1f} MB")


def signed_in(app):
    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf-token" content="([^"]+)"', login).group(1)
    response = client.post("/login", data={"csrf_token": token, "email": "bench@example.org",
                                           "password": PASSWORD})
    assert response.status_code == 302, "the bench practitioner signs in"
    return client


def next_link(page: str) -> str | None:
    found = re.search(r'<a [^>]*rel="next"[^>]*href="([^"]+)"', page)
    return unescape(found.group(1)) if found else None


def rows_on(client, url: str) -> int:
    return client.get(url).get_data(as_text=True).count('<tr id="entry-')


def follow_next(client, url: str, times: int) -> str:
    """The address of the page ``times`` clicks on "Next page" away: what a reader would reach."""
    for _ in range(times):
        url = next_link(client.get(url).get_data(as_text=True))
        assert url, "the history is long enough to page this far"
    return url


def cursor_after(app, client, url: str, entries: int) -> str:
    """The small child fits on one page: its "deep" page starts after its ``entries``-th row."""
    page = client.get(url).get_data(as_text=True)
    ids = re.findall(r'<tr id="entry-([0-9a-f-]{36})"', page)
    with app.app_context():
        cursor = Cursor.of(db.session.get(Entry, uuid.UUID(ids[entries - 1])))
    return f"{url}?after={cursor}"


def timed(client, urls: tuple[str, str], repeat: int) -> tuple[tuple[float, float], ...]:
    """Median wall-clock and CPU milliseconds of whole requests (page rendered and read) for each
    of two addresses, taken in turns so that both see the same load; two warm-ups first. CPU time
    (this thread's) is what the request itself costs, whatever else the machine is doing."""
    wall, cpu = ([], []), ([], [])
    for number in range(repeat + 2):
        for index, url in enumerate(urls):
            started, started_cpu = time.perf_counter(), time.thread_time()
            response = client.get(url)
            response.get_data()
            if number >= 2:
                wall[index].append((time.perf_counter() - started) * 1000)
                cpu[index].append((time.thread_time() - started_cpu) * 1000)
            assert response.status_code == 200, (url, response.status_code)
    return tuple((statistics.median(times[0]), statistics.median(times[1]))
                 for times in (wall, cpu))


def export(client, url: str) -> tuple[float, int]:
    """One whole CSV export, streamed and thrown away as it comes: milliseconds and rows."""
    started = time.perf_counter()
    response = client.get(url, buffered=False)
    lines = sum(chunk.count(b"\n") for chunk in response.response) - 2  # marking, header
    response.close()
    return (time.perf_counter() - started) * 1000, lines


def peak_memory(client, url: str) -> float:
    """Peak Python memory (MB) while exporting: flat if the export streams batch by batch."""
    tracemalloc.start()
    export(client, url)
    peak = tracemalloc.get_traced_memory()[1] / 1_000_000
    tracemalloc.stop()
    return peak


def page_query(client, url: str) -> tuple[str, object]:
    """The page query exactly as the app sends it for ``url``: SQL text and parameters."""
    seen = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "FROM entry" in statement and "ORDER BY entry.occurred_at" in statement:
            seen.append((statement, parameters))

    sa.event.listen(db.engine, "before_cursor_execute", capture)
    client.get(url).get_data()
    sa.event.remove(db.engine, "before_cursor_execute", capture)
    return seen[0]


def query_times(queries: tuple, repeat: int) -> tuple[float, float]:
    """Median milliseconds of the bare page queries (rows fetched), taken in turns."""
    times = ([], [])
    with db.engine.connect() as connection:
        for _ in range(repeat):
            for (statement, parameters), kept in zip(queries, times):
                started = time.perf_counter()
                connection.exec_driver_sql(statement, parameters).all()
                kept.append((time.perf_counter() - started) * 1000)
    return statistics.median(times[0]), statistics.median(times[1])


def explain(statement: str, parameters) -> None:
    prefix = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN ANALYZE "
    with db.engine.connect() as connection:
        plan = connection.exec_driver_sql(prefix + statement, parameters).all()
    print(f"\nthe page query of page {DEEP_PAGE} of the big child, as the app sends it:")
    print(f"  {' '.join(statement.split())}\n  parameters: {parameters}")
    print("  (SQLAlchemy's SQLite dialect always writes OFFSET; its value is 0)"
          if db.engine.dialect.name == "sqlite" else "")
    print("its plan:")
    for row in plan:
        print("  " + str(row[-1]))


if __name__ == "__main__":
    sys.exit(main())
