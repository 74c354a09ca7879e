"""The child's page, the caseload briefs and /team cost the same for a 20,000-entry child as for a
20-entry child (target: within 1.5x).

Run from the repository root (``--postgres`` needs PostgreSQL on 127.0.0.1:5432, trust auth)::

    .venv/bin/python tests/perf/bench_flat.py                     # SQLite, 1,000,000 entries
    .venv/bin/python tests/perf/bench_flat.py --postgres          # the same on PostgreSQL
    .venv/bin/python tests/perf/bench_flat.py --total 200000 --repeat 10   # a quick look

It builds a fresh database through the migrations (``bench_chronology.fresh_database``) with two
teams alike but for one child: each has a supervisor, a practitioner allocated to all of the
team's children, ``--team-size - 1`` children of 200 entries, and the child measured: 20 entries
in one team, 20,000 in the other. A third team's children hold the rest of the ``--total``
entries. Every history is ``bench_dashboard.history`` (weekly visits with reported information,
the child's words, monthly supervision, household changes, escalations), except that only one
report in three is ever checked, so the long history has thousands of reports waiting, as the
demo's long child has. Entries go straight into the table in shuffled chunks; that is fixture
building, not the thing measured.

Then, through the Flask test client, it takes the median wall-clock time of ``--repeat`` requests
of each page for each team's child, in turns so that both see the same load: the child's page
and ``GET /api/v1/cases`` as the practitioner, ``/team`` as the supervisor; each with nothing
changed, and after an observation is recorded for the child through the app's write path (not
timed), which is when kept signals and briefs must be computed again. It prints the medians, the
ratio long / short, and the size of each answer. The exit status is 1 when a ratio misses the
target. It is not a pytest test (pytest collects test_*.py only).
"""

import argparse
import logging
import random
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

PERF = Path(__file__).resolve().parent
sys.path.insert(0, str(PERF.parents[1]))
sys.path.insert(0, str(PERF))

import bench_chronology as chronology_bench  # noqa: E402
import bench_dashboard as dashboard_bench  # noqa: E402
from dailylife import create_app  # noqa: E402
from dailylife.children.models import Child  # noqa: E402
from dailylife.clock import utcnow  # noqa: E402
from dailylife.entries import operations as entry_operations  # noqa: E402
from dailylife.extensions import db  # noqa: E402
from dailylife.people import operations  # noqa: E402
from dailylife.people.models import Role, User  # noqa: E402

SHORT, LONG, ORDINARY = 20, 20_000, 200
TARGET_RATIO = 1.5
#: Of the reported information, the share a later entry checks.
CHECKED_SHARE = 1 / 3


@dataclass
class Team:
    """One of the two teams measured: who signs in, and the child whose history differs."""

    name: str
    child_id: uuid.UUID
    practitioner: str
    supervisor: str


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", action="store_true", help="run against PostgreSQL")
    parser.add_argument("--total", type=int, default=1_000_000, help="entries in the database")
    parser.add_argument("--team-size", type=int, default=25, help="children in each team")
    parser.add_argument("--repeat", type=int, default=15, help="requests per measurement")
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    engine = "postgresql" if arguments.postgres else "sqlite"
    with tempfile.TemporaryDirectory(prefix="dailylife-bench-") as scratch, \
            chronology_bench.fresh_database(engine, Path(scratch)) as url:
        app = create_app(chronology_bench.app_config(url))
        logging.getLogger("dailylife.requests").setLevel(logging.WARNING)  # a line per request
        with app.app_context():
            started = time.perf_counter()
            teams = build(arguments.total, arguments.team_size)
            print(f"{engine}: built {arguments.total:,} entries in "
                  f"{time.perf_counter() - started:.0f} s", flush=True)
        try:
            return measure(app, engine, teams, arguments.repeat)
        finally:
            with app.app_context():
                db.engine.dispose()


# Fixture building -------------------------------------------------------------------------------

def build(total: int, team_size: int) -> tuple[Team, Team]:
    """The two teams measured and the rest of the database, its entries inserted shuffled."""
    rng = random.Random(2026)
    short, short_chunks = team("short", SHORT, team_size, rng)
    long, long_chunks = team("long", LONG, team_size, rng)
    rest = total - SHORT - LONG - 2 * (team_size - 1) * ORDINARY
    _, rest_chunks = others("rest", max(0, rest), rng)
    chunks = short_chunks + long_chunks + rest_chunks
    rng.shuffle(chunks)
    dashboard_bench.insert(row for chunk in chunks for row in chunk)
    if db.engine.dialect.name == "postgresql":
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(sa.text("VACUUM ANALYZE entry"))
    return short, long


def team(name: str, measured: int, size: int, rng) -> tuple[Team, list]:
    """A team whose practitioner holds all its children: the measured one first."""
    supervisor = f"bench-{name}-supervisor@example.org"
    practitioner = f"bench-{name}@example.org"
    group = operations.create_team(f"Bench team {name}")
    people = [operations.create_user(email=email, display_name=f"Bench {role.value}",
                                     role=role, password=chronology_bench.PASSWORD, team=group)
              for email, role in ((supervisor, Role.SUPERVISOR),
                                  (practitioner, Role.PRACTITIONER))]
    ids = dashboard_bench.insert_children(group.id, size, [people[1].id])
    db.session.commit()
    sizes = [measured] + [ORDINARY] * (size - 1)
    chunks = [chunk for child_id, count in zip(ids, sizes)
              for chunk in histories(child_id, people[1].id, people[0].id, count, rng)]
    return Team(name, ids[0], practitioner, supervisor), chunks


def others(name: str, entries: int, rng) -> tuple[None, list]:
    """Children of another team, of 200 entries each, holding ``entries`` in all."""
    count = entries // ORDINARY
    if not count:
        return None, []
    group = operations.create_team(f"Bench team {name}")
    worker = operations.create_user(email=f"bench-{name}@example.org", display_name="Bench other",
                                    role=Role.PRACTITIONER,
                                    password=chronology_bench.PASSWORD, team=group)
    ids = dashboard_bench.insert_children(group.id, count, [worker.id])
    db.session.commit()
    return None, [chunk for child_id in ids
                  for chunk in histories(child_id, worker.id, worker.id, ORDINARY, rng)]


def histories(child_id, practitioner_id, supervisor_id, count: int, rng) -> list[list[dict]]:
    """``bench_dashboard.history`` with only a third of the reports ever checked."""
    chunks = dashboard_bench.history(child_id, practitioner_id, supervisor_id, count, rng)
    return [[entry for entry in chunk
             if entry["triangulation"] != "corroborated" or rng.random() < CHECKED_SHARE]
            for chunk in chunks]


# Measuring --------------------------------------------------------------------------------------

def measure(app, engine: str, teams: tuple[Team, Team], repeat: int) -> int:
    clients = {team.name: {"practitioner": dashboard_bench.signed_in(app, team.practitioner),
                           "supervisor": dashboard_bench.signed_in(app, team.supervisor)}
               for team in teams}
    short, long = teams
    print(f"\n{engine}: median wall clock of {repeat} requests through the Flask test client, "
          f"the {SHORT}-entry child's team and the {LONG:,}-entry child's in turns")
    print(f"{'request':<44}{f'{SHORT} entries':>14}{f'{LONG:,} entries':>16}{'long/short':>12}"
          f"{'sizes (KB)':>16}")
    misses = []
    for label, who, path in (("the child's page", "practitioner", "/cases/{child}"),
                             ("GET /api/v1/cases", "practitioner", "/api/v1/cases"),
                             ("/team", "supervisor", "/team")):
        for when, before in (("nothing changed", None), ("after a write", write_for)):
            requests = [(clients[team.name][who], path.format(child=team.child_id),
                         before and (lambda team=team: before(app, team))) for team in teams]
            (short_ms, short_kb), (long_ms, long_kb) = timed(requests, repeat)
            ratio = long_ms / short_ms
            print(f"{label + ', ' + when:<44}{short_ms:>11.1f} ms{long_ms:>13.1f} ms"
                  f"{ratio:>11.2f}x{short_kb:>8.0f} {long_kb:>6.0f}")
            if ratio > TARGET_RATIO:
                misses.append(f"{label}, {when}")
    print(f"\ntarget (long within {TARGET_RATIO}x of short): "
          + ("met" if not misses else f"MISSED for {'; '.join(misses)}"))
    return 1 if misses else 0


def write_for(app, team: Team) -> None:
    """An observation of the team's measured child, through the app's write path."""
    with app.app_context():
        author = db.session.scalar(sa.select(User).where(User.email == team.practitioner))
        entry_operations.add_entry(
            author=author, child=db.session.get(Child, team.child_id), kind="observation",
            occurred_at=utcnow(), data={"category": "behaviour", "source": "observed",
                                        "text": "Played in the garden."})
        db.session.commit()


def timed(requests: list, repeat: int) -> list[tuple[float, float]]:
    """Median milliseconds and size (KB) of each request, taken in turns after two warm-ups;
    each is preceded by its own untimed preparation when it has one."""
    times, sizes = [[] for _ in requests], [0.0] * len(requests)
    for number in range(repeat + 2):
        for index, (client, url, before) in enumerate(requests):
            if before:
                before()
            started = time.perf_counter()
            response = client.get(url)
            body = response.get_data()
            assert response.status_code == 200, (url, response.status_code)
            if number >= 2:
                times[index].append((time.perf_counter() - started) * 1000)
            sizes[index] = len(body) / 1024
    return [(statistics.median(kept), size) for kept, size in zip(times, sizes)]


if __name__ == "__main__":
    sys.exit(main())
