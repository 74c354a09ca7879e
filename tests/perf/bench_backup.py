"""Backup and restore: how long each takes, and what a running backup costs the app's writes.

Run from the repository root (``--postgres`` needs PostgreSQL on 127.0.0.1:5432, trust auth)::

    .venv/bin/python tests/perf/bench_backup.py                  # SQLite, 100,000 extra entries
    .venv/bin/python tests/perf/bench_backup.py --postgres
    .venv/bin/python tests/perf/bench_backup.py --entries 20000 --repeat 3   # a quick look

It builds a fresh database through the migrations with the demo data, ``--entries`` more entries
on the first demo child and ``--photos`` photos (fixture building, not measured). Then it prints
the median of ``--repeat`` runs of ``flask backup`` (into a new directory each time) and of
``flask restore`` (into a new empty database each time, verification included), and the median
time of a one-item sync write by a signed-in practitioner with no backup running and with backups
running back to back in another thread, with their ratio: the backup is meant to leave writes
alone (SQLite's WAL, PostgreSQL's snapshot). There are no targets; the figures move with the
machine's load, printed as it ends. It is not a pytest test.
"""

import argparse
import logging
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path

import psycopg
import sqlalchemy as sa
from flask_migrate import upgrade

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO))

import sample_images  # noqa: E402
from dailylife import create_app, demo  # noqa: E402
from dailylife.clock import utcnow  # noqa: E402
from dailylife.entries.models import Entry  # noqa: E402
from dailylife.extensions import db  # noqa: E402
from dailylife.media import operations as media  # noqa: E402
from dailylife.media.models import MediaKind  # noqa: E402
from dailylife.media.processing import process  # noqa: E402
from dailylife.people.models import User  # noqa: E402

POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
PASSWORD = "kitchen-table-notes-42"
WRITES = 200


class Databases:
    """Throwaway databases: files in a temporary directory, or PostgreSQL databases dropped at
    the end."""

    def __init__(self, postgres: bool, folder: Path):
        self.postgres, self.folder, self.made = postgres, folder, []

    def new(self) -> str:
        name = f"bench_backup_{uuid.uuid4().hex[:10]}"
        if not self.postgres:
            return f"sqlite:///{self.folder / name}.sqlite"
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{name}"')
        self.made.append(name)
        return f"postgresql://postgres@127.0.0.1:5432/{name}"

    def drop_all(self) -> None:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            for name in self.made:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def app_on(url: str, media_dir: Path):
    return create_app({"ENV_NAME": "development", "SQLALCHEMY_DATABASE_URI": url,
                       "MEDIA_DIR": str(media_dir), "ARGON2_TIME_COST": 1,
                       "ARGON2_MEMORY_KIB": 1024, "ARGON2_PARALLELISM": 1})


def build(app, entries: int, photos: int) -> None:
    with app.app_context():
        upgrade()
        demo.seed(PASSWORD)
        demo.add_long_history(entries)
        practitioner = db.session.scalar(sa.select(User).where(User.email == demo.DEMO_EMAILS[0]))
        image = process(sample_images.phone_photo(), app.config["MEDIA_MAX_PIXELS"])
        for entry in db.session.scalars(sa.select(Entry).limit(photos)):
            media.attach(practitioner, entry, media_id=uuid.uuid4(), kind=MediaKind.PHOTO,
                         caption=None, image=image)
        db.session.commit()


def cli(app, *args) -> float:
    started = time.perf_counter()
    with app.app_context():
        result = app.test_cli_runner().invoke(args=[str(arg) for arg in args])
    assert result.exit_code == 0, result.output
    return time.perf_counter() - started


def write_times(app, count: int) -> list[float]:
    """Seconds per one-observation sync batch, as a tablet sends it."""
    client = app.test_client()
    token = _token(client, "/login")
    client.post("/login", data={"csrf_token": token, "email": demo.DEMO_EMAILS[0],
                                "password": PASSWORD})
    headers = {"X-CSRFToken": _token(client, "/")}
    with app.app_context():
        child = db.session.scalar(sa.select(Entry.child_id).limit(1))
    times = []
    for _ in range(count):
        moment = (utcnow() - timedelta(hours=1)).isoformat()
        item = {"id": str(uuid.uuid4()), "kind": "observation", "child_id": str(child),
                "occurred_at": moment, "recorded_at": moment, "visit_id": None,
                "amends_id": None, "data": {"category": "health", "text": "Well.",
                                            "source": "observed"}}
        started = time.perf_counter()
        answer = client.post("/api/v1/sync", json={"device_id": "bench", "items": [item]},
                             headers=headers)
        times.append(time.perf_counter() - started)
        assert answer.status_code == 200 and answer.get_json()["results"][0]["status"] == \
            "created", answer.get_data(as_text=True)
    return times


def _token(client, path: str) -> str:
    page = client.get(path, follow_redirects=True).get_data(as_text=True)
    return page.split('<meta name="csrf-token" content="', 1)[1].split('"', 1)[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument("--entries", type=int, default=100_000)
    parser.add_argument("--photos", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    logging.disable(logging.WARNING)
    os.environ.pop("DATABASE_URL", None)
    folder = Path(tempfile.mkdtemp(prefix="bench-backup-"))
    databases = Databases(options.postgres, folder)
    try:
        live = app_on(databases.new(), folder / "media")
        build(live, options.entries, options.photos)
        backups = [cli(live, "backup", folder / f"backup-{run}") for run in range(options.repeat)]
        size = sum(path.stat().st_size for path in (folder / "backup-0").rglob("*"))
        restores = [cli(app_on(databases.new(), folder / f"restored-{run}"), "restore",
                        folder / "backup-0") for run in range(options.repeat)]
        idle = write_times(live, WRITES)
        stop = threading.Event()
        runs = []

        def keep_backing_up():
            while not stop.is_set():
                runs.append(cli(live, "backup", folder / f"during-{len(runs)}"))

        backing_up = threading.Thread(target=keep_backing_up)
        backing_up.start()
        during = write_times(live, WRITES)
        stop.set()
        backing_up.join()
    finally:
        if options.postgres:
            databases.drop_all()
    engine = "PostgreSQL" if options.postgres else "SQLite"
    print(f"{engine}, demo data + {options.entries:,} entries, {options.photos} photos; "
          f"backup {size / 1e6:.1f} MB")
    print(f"backup median {statistics.median(backups):.2f} s, restore (verified) median "
          f"{statistics.median(restores):.2f} s, of {options.repeat} each")
    print(f"one-item sync write: median {1000 * statistics.median(idle):.1f} ms idle, "
          f"{1000 * statistics.median(during):.1f} ms during {len(runs)} back-to-back backups "
          f"(ratio {statistics.median(during) / statistics.median(idle):.2f})")
    print(f"load average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
