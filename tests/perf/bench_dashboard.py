"""The team dashboard for 10 practitioners, 250 children and 200,000 entries: under 150 ms.

Run from the repository root (``--postgres`` needs PostgreSQL on 127.0.0.1:5432, trust auth)::

    .venv/bin/python tests/perf/bench_dashboard.py              # SQLite
    .venv/bin/python tests/perf/bench_dashboard.py --postgres   # the same on PostgreSQL
    .venv/bin/python tests/perf/bench_dashboard.py --children 500 --total 400000   # a bigger team

It builds a fresh database through the migrations (as ``bench_chronology.py`` does, whose helpers
it uses): one team, its supervisor and 10 practitioners each holding a share of the children, and
``--total`` entries spread evenly over the children, inserted with SQLAlchemy Core ``executemany``
in shuffled chunks so that no child's entries sit together on disk. Each child's history is a few
years of weekly visits (the visit, observations of which some are reported and later checked,
the child's words), monthly supervision with actions, now and then a household change, a no-access
visit, a late write-up, a correction, and an escalation that the next supervision answers. That is
fixture building, not the thing measured.

Then, signed in through the Flask test client as the supervisor, it takes the median wall-clock
and CPU time of ``--repeat`` renders of ``/team`` three ways: with every child's signals computed
from the record (nothing kept, as on the first view after a restart or when every record
changed), after a tenth of the children each got a new entry through the app's write path (a busy
team between two looks; the writing is not timed), and with nothing changed. It prints the SQL
statements of one render each way, the time of the signal computation alone with every child
computed, and how many of each signal the team has. It then does the same for the supervisor's
caseload briefs (``GET /api/v1/cases``, which every signed-in page load on the tablet calls),
``--cases-repeat`` times with every child changed and with nothing changed: median wall clock and
statements per call (reported, no target). It says for each way whether the dashboard met the
target; the exit status is 1 when the middle case (a tenth changed) misses it. It is not a pytest
test (pytest collects test_*.py).
"""

import argparse
import logging
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app

PERF = Path(__file__).resolve().parent
sys.path.insert(0, str(PERF.parents[1]))
sys.path.insert(0, str(PERF))

import bench_chronology as chronology_bench  # noqa: E402
from dailylife import create_app  # noqa: E402
from dailylife.children import kept  # noqa: E402
from dailylife.children.models import Child, LegalStatus  # noqa: E402
from dailylife.clock import local_today, utcnow  # noqa: E402
from dailylife.entries import operations as entry_operations  # noqa: E402
from dailylife.entries.models import Entry  # noqa: E402
from dailylife.extensions import db  # noqa: E402
from dailylife.people import operations  # noqa: E402
from dailylife.people.models import Allocation, CaseRole, Role, User  # noqa: E402
from dailylife.signals import compute  # noqa: E402

TARGET_MS = 150
#: The share of the team's children whose record changes between two views, in the middle case.
CHANGED_SHARE = 0.1
RANDOM = random.Random(12)
PRACTITIONERS = 10
SUPERVISOR = "bench-supervisor@example.org"
STATUSES = [LegalStatus.CHILD_PROTECTION_PLAN, LegalStatus.CHILD_IN_NEED, LegalStatus.LOOKED_AFTER]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", action="store_true", help="run against PostgreSQL")
    parser.add_argument("--children", type=int, default=250, help="children in the team")
    parser.add_argument("--total", type=int, default=200_000, help="entries in the database")
    parser.add_argument("--repeat", type=int, default=20, help="renders measured")
    parser.add_argument("--cases-repeat", type=int, default=5,
                        help="calls of GET /api/v1/cases measured")
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    engine = "postgresql" if arguments.postgres else "sqlite"
    with tempfile.TemporaryDirectory(prefix="dailylife-bench-") as scratch, \
            chronology_bench.fresh_database(engine, Path(scratch)) as url:
        app = create_app(chronology_bench.app_config(url))
        with app.app_context():
            started = time.perf_counter()
            build(arguments.children, arguments.total)
            print(f"{engine}: built {arguments.children} children and {arguments.total:,} "
                  f"entries in {time.perf_counter() - started:.0f} s", flush=True)
        try:
            return measure(app, engine, arguments.repeat, arguments.cases_repeat)
        finally:
            with app.app_context():
                db.engine.dispose()


# Fixture building -------------------------------------------------------------------------------

def build(children: int, total: int) -> None:
    """People through the app's operations; children, allocations and entries straight in."""
    team = operations.create_team("Bench team")
    supervisor = operations.create_user(email=SUPERVISOR, display_name="Bench Supervisor",
                                        role=Role.SUPERVISOR, password=chronology_bench.PASSWORD,
                                        team=team)
    practitioners = [operations.create_user(
        email=f"bench-{number}@example.org", display_name=f"Bench Worker {number}",
        role=Role.PRACTITIONER, password=chronology_bench.PASSWORD, team=team).id
        for number in range(PRACTITIONERS)]
    child_ids = insert_children(team.id, children, practitioners)
    db.session.commit()
    rng = random.Random(2026)
    chunks = [chunk for number, child_id in enumerate(child_ids)
              for chunk in history(child_id, practitioners[number % PRACTITIONERS], supervisor.id,
                                   total // children, rng)]
    rng.shuffle(chunks)
    insert(row for chunk in chunks for row in chunk)
    if db.engine.dialect.name == "postgresql":
        # What autovacuum would have done by now: statistics, and the visibility map that lets
        # the counts of reported information be index-only scans.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM ANALYZE entry"))


def insert_children(team_id, count: int, practitioners: list[uuid.UUID]) -> list[uuid.UUID]:
    ids = [uuid.uuid4() for _ in range(count)]
    opened = utcnow() - timedelta(days=4 * 365)
    db.session.execute(sa.insert(Child.__table__), [
        {"id": child_id, "name": f"Child {number:03d}", "legal_status": STATUSES[number % 3],
         "date_of_birth": local_today() - timedelta(days=800 + 13 * number),
         "team_id": team_id, "created_at": opened} for number, child_id in enumerate(ids)])
    db.session.execute(sa.insert(Allocation.__table__), [
        {"id": uuid.uuid4(), "user_id": practitioners[number % len(practitioners)],
         "child_id": child_id, "case_role": CaseRole.PRACTITIONER,
         "start_date": local_today() - timedelta(days=4 * 365), "end_date": None}
        for number, child_id in enumerate(ids)])
    return ids


def insert(rows) -> None:
    batch = []
    for row in rows:
        batch.append(row)
        if len(batch) >= chronology_bench.INSERT_BATCH:
            db.session.execute(sa.insert(Entry.__table__), batch)
            db.session.commit()
            batch = []
    if batch:
        db.session.execute(sa.insert(Entry.__table__), batch)
        db.session.commit()


def history(child_id, practitioner_id, supervisor_id, count: int, rng) -> list[list[dict]]:
    """``count`` entries, newest first, as chunks (a visit and its parts; a supervision)."""
    chunks, made, week, now = [], 0, 0, utcnow()
    while made < count:
        moment = now - timedelta(days=7 * week + rng.random() * 3, hours=2)
        chunk = visit_chunk(child_id, practitioner_id, moment, week, rng)
        if week % 4 == 1:
            answered = [entry["id"] for entry in chunk if entry["kind"] == "escalation"
                        and rng.random() < 0.95]
            chunk += supervision_chunk(child_id, supervisor_id, moment + timedelta(days=1), week,
                                       answered)
        chunk = chunk[:count - made]
        chunks.append(chunk)
        made += len(chunk)
        week += 1
    return chunks


def row(child_id, author_id, moment, kind, data, *, role="practitioner", late=False, **columns):
    entry = chronology_bench.entry_row(uuid.uuid4(), child_id, author_id, moment, kind,
                                       columns.pop("visit_id", None), data,
                                       amends_id=columns.pop("amends_id", None))
    recorded = moment + (timedelta(days=6) if late else timedelta(hours=3))
    entry.update(author_role=role, recorded_at=recorded, received_at=recorded, **columns)
    return entry


def visit_chunk(child_id, author_id, moment, week: int, rng) -> list[dict]:
    """A weekly visit: now and then no access; usually seen, mostly alone; its parts with it."""
    if rng.random() < 0.05:
        return [row(child_id, author_id, moment, "visit", {"type": "no_access",
                                                          "child_seen": False})]
    alone = rng.random() < 0.8
    visit = row(child_id, author_id, moment, "visit", {
        "type": "planned", "child_seen": True, "seen_alone": alone,
        **({} if alone else {"seen_alone_reason": "Mother would not leave the room."}),
        "analysis": "Settled at home; nothing new of concern."}, late=rng.random() < 0.03)
    parts = [visit, observation(child_id, author_id, moment, visit["id"], "observed", week),
             observation(child_id, author_id, moment, visit["id"], "parent_reported", week)]
    if week > 3:
        parts.append(row(child_id, author_id, moment + timedelta(days=2), "amendment", {
            "triangulation": "corroborated", "triangulation_by": "school",
            "reason": "School confirmed it."}, amends_id=parts[-1]["id"],
            triangulation="corroborated"))
    if rng.random() < 0.7:
        parts.append(row(child_id, author_id, moment, "voice", {
            "words": "I like my new school.", "mode": "spoken"}, visit_id=visit["id"]))
    if week % 20 == 7:
        parts.append(row(child_id, author_id, moment, "household_change", {
            "change": "joined", "name": f"Lodger {week}", "relationship": "lodger",
            "risk_factors": ["substance_misuse"]}, visit_id=visit["id"]))
    if week % 60 == 9:
        parts.append(row(child_id, author_id, moment, "escalation", {
            "reason": "Worried about the lodger.", "need": "A decision."}))
    return parts


def observation(child_id, author_id, moment, visit_id, source: str, week: int) -> dict:
    data = {"category": "home_environment", "source": source,
            "text": "Kitchen tidy, food in the fridge." if source == "observed"
            else "Mother says bedtime is at eight."}
    triangulation = "unverified" if source == "parent_reported" else None
    if triangulation:
        data.update(source_detail="mother", triangulation=triangulation)
    return row(child_id, author_id, moment, "observation", data, visit_id=visit_id,
               category=data["category"], source=source, triangulation=triangulation)


def supervision_chunk(child_id, supervisor_id, moment, week: int, answered) -> list[dict]:
    """Monthly supervision: a plan with a date; every other one reviews the risk assessment;
    it answers the escalation raised at the visit before it (one in twenty is left waiting)."""
    due = (moment + timedelta(days=21)).date().isoformat()
    data = {"summary": "Supervision: plan reviewed.", "decision": "Continue the plan.",
            "actions": [{"action": "Visit the school", "owner": "Worker", "due": due}],
            "risk_assessment_reviewed": week % 8 == 1}
    if answered:
        data["answers"] = str(answered[0])
    return [row(child_id, supervisor_id, moment, "oversight", data, role="supervisor")]


# Measuring --------------------------------------------------------------------------------------

def measure(app, engine: str, repeat: int, cases_repeat: int) -> int:
    """The dashboard three ways: as drawn after every child's record changed (the first view
    after a restart is the same: nothing kept), after a tenth of them changed (a busy team
    between two looks), and with nothing changed."""
    client = signed_in(app)
    changed = max(1, round(len(team_children(app)) * CHANGED_SHARE))
    scenarios = {
        "every child changed (or the first view after a restart)": lambda: forget_kept(app),
        f"{changed} children changed since the last view": lambda: record_for(app, changed),
        "nothing changed since the last view": lambda: None,
    }
    print(f"\n{engine}: /team, median of {repeat} renders through the Flask test client "
          "(what changes before each render is not timed)")
    medians = {}
    for name, before_each in scenarios.items():
        wall, cpu = timed(client, "/team", repeat, before_each)
        medians[name] = statistics.median(wall)
        print(f"  {name}: wall clock {medians[name]:.1f} ms (CPU {statistics.median(cpu):.1f} "
              f"ms; fastest {min(wall):.1f}, slowest {max(wall):.1f}); SQL statements "
              f"{statements(client, '/team', before_each)}")
    with app.app_context():
        signals_ms, counts = signal_computation(repeat)
    print(f"  the signal computation alone, every child computed: {signals_ms:.1f} ms CPU")
    print("  signals in the team: " + ", ".join(f"{name} {n}" for name, n in counts.most_common()))
    print(f"\n{engine}: GET /api/v1/cases (the supervisor's caseload briefs), median of "
          f"{cases_repeat} calls")
    for name, before_each in (("every child changed", lambda: forget_kept(app)),
                              ("nothing changed", lambda: None)):
        wall, cpu = timed(client, "/api/v1/cases", cases_repeat, before_each)
        print(f"  {name}: wall clock {statistics.median(wall):.1f} ms (CPU "
              f"{statistics.median(cpu):.1f} ms); SQL statements "
              f"{statements(client, '/api/v1/cases', before_each)}")
    print(f"\ntarget (/team under {TARGET_MS} ms):")
    for name, wall_ms in medians.items():
        print(f"  {name}: {'met' if wall_ms < TARGET_MS else 'MISSED'}")
    return 0 if medians[f"{changed} children changed since the last view"] < TARGET_MS else 1


def team_children(app) -> list[uuid.UUID]:
    """The bench team's children: every child in the bench's database."""
    with app.app_context():
        return list(db.session.scalars(sa.select(Child.id).order_by(Child.name)))


def forget_kept(app) -> None:
    """Drop what the app keeps between requests (signals, briefs), as a restart would."""
    app.extensions.pop(kept.EXTENSION, None)


def record_for(app, count: int) -> None:
    """An observation for ``count`` children picked at random, through the app's write path."""
    picked = RANDOM.sample(team_children(app), count)
    with app.app_context():
        author = db.session.scalar(sa.select(User).where(User.email == SUPERVISOR))
        for child_id in picked:
            entry_operations.add_entry(
                author=author, child=db.session.get(Child, child_id), kind="observation",
                occurred_at=utcnow(), data={"category": "behaviour", "source": "observed",
                                            "text": "Played in the garden."})
        db.session.commit()


def signed_in(app, email: str = SUPERVISOR):
    """A test client signed in as a bench user (the supervisor unless said)."""
    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    token = login.split('name="csrf-token" content="', 1)[1].split('"', 1)[0]
    response = client.post("/login", data={"csrf_token": token, "email": email,
                                           "password": chronology_bench.PASSWORD})
    assert response.status_code == 302, f"{email} signs in"
    return client


def timed(client, url: str, repeat: int, before_each=lambda: None
          ) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU milliseconds of ``repeat`` GETs of ``url``, after two warm-up calls,
    each after ``before_each`` (not timed)."""
    wall, cpu = [], []
    for number in range(repeat + 2):
        before_each()
        started, started_cpu = time.perf_counter(), time.thread_time()
        response = client.get(url)
        response.get_data()
        assert response.status_code == 200
        if number >= 2:
            wall.append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - started_cpu) * 1000)
    return wall, cpu


def statements(client, url: str, before=lambda: None) -> int:
    """How many SQL statements one GET of ``url`` sends (sign-in bookkeeping included)."""
    seen = []

    def count(*_):
        seen.append(1)

    before()
    with client.application.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", count)
    client.get(url).get_data()
    sa.event.remove(engine, "before_cursor_execute", count)
    return len(seen)


def signal_computation(repeat: int) -> tuple[float, Counter]:
    """CPU time of computing every child's signals, each time in a new session as a request has."""
    times = []
    for _ in range(repeat):
        db.session.close()
        forget_kept(current_app)
        supervisor = db.session.scalar(sa.select(User).where(User.email == SUPERVISOR))
        children = db.session.scalars(
            sa.select(Child).where(Child.team_id == supervisor.team_id)).all()
        started = time.thread_time()
        found = compute.for_children(children, reader=supervisor)
        times.append((time.thread_time() - started) * 1000)
    return statistics.median(times), Counter(s.id for signals in found.values() for s in signals)


if __name__ == "__main__":
    sys.exit(main())
