"""Migrations are the only way the schema is made, so they must build what the models say."""

import os
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

import psycopg
import pytest

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from dailylife import create_app
from dailylife.children.models import Child
from dailylife.deployment.upgrade import UPGRADE_LOCK_KEY
from dailylife.entries.models import Entry, Kind
from dailylife.extensions import db
from dailylife.people.models import Team, User
from dailylife.people.operations import SERVICE_EMAIL

ROOT = Path(__file__).resolve().parent.parent
WAITING = "Another instance is changing the database schema; waiting for it to finish."


def differences(app) -> list:
    """What ``flask db migrate`` would write now: the models compared as migrations/env.py does."""
    options = {**app.extensions["migrate"].configure_args, "target_metadata": db.metadata}
    with db.engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection, opts=options), db.metadata)


def table_names() -> set[str]:
    return set(sa.inspect(db.engine).get_table_names())


def test_the_models_and_the_migrations_agree(app):
    """The run's database was built from empty by ``upgrade`` (the ``migrated`` fixture)."""
    with app.app_context():
        assert {table.name for table in db.metadata.sorted_tables} <= table_names()
        assert differences(app) == []


def test_migrations_go_down_to_empty_and_up_again(fresh_database, tmp_path):
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": fresh_database,
                      "MEDIA_DIR": str(tmp_path / "media")})
    model_tables = {table.name for table in db.metadata.sorted_tables}
    with app.app_context():
        try:
            upgrade()
            assert model_tables <= table_names()
            downgrade(revision="base")
            assert table_names() == {"alembic_version"}
            upgrade()
            assert model_tables <= table_names()
            assert differences(app) == []
        finally:
            db.engine.dispose()


def test_each_child_gets_its_current_status_as_the_first_entry_of_its_history(fresh_database,
                                                                               tmp_path):
    """Issue 17: upgrading a database that holds children gives each exactly one status change,
    from its status then, dated when its record was made; going down forgets the history."""
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": fresh_database,
                      "MEDIA_DIR": str(tmp_path / "media")})
    created = datetime(2025, 3, 4, 9, 30, 45, tzinfo=UTC)
    with app.app_context():
        try:
            upgrade(revision="f3b9d2c84a61")
            team = uuid.uuid4()
            db.session.execute(Team.__table__.insert(), [{"id": team, "name": "Team A"}])
            children = {uuid.uuid4(): status for status in
                        ("child_in_need", "child_protection_plan", "looked_after")}
            db.session.execute(Child.__table__.insert(), [
                {"id": child_id, "name": "A Child", "date_of_birth": date(2019, 1, 1),
                 "legal_status": status, "team_id": team, "created_at": created}
                for child_id, status in children.items()])
            db.session.commit()
            upgrade()
            decisions = db.session.scalars(sa.select(Entry).where(
                Entry.kind == Kind.STATUS_CHANGE)).all()
            assert sorted((entry.child_id, entry.data["status"]) for entry in decisions) == sorted(
                children.items())
            assert {entry.occurred_at for entry in decisions} == {created.replace(second=0)}
            assert {(entry.author.email, entry.author.active) for entry in decisions} == {
                (SERVICE_EMAIL, False)}
            db.session.commit()
            downgrade(revision="f3b9d2c84a61")
            assert db.session.scalar(sa.select(sa.func.count()).select_from(Entry)) == 0
            db.session.commit()
        finally:
            db.session.remove()
            db.engine.dispose()


def _upgrade_in_a_process(database_url: str) -> tuple[subprocess.Popen, list[str]]:
    """``flask --app dailylife db upgrade`` as an operator runs it, with its output collected as
    it comes (read in a thread, so that the test can watch two at once)."""
    environment = {key: value for key, value in os.environ.items()
                   if not key.startswith("DAILYLIFE_")}
    environment.update(DATABASE_URL=database_url, DAILYLIFE_ENV_NAME="development")
    process = subprocess.Popen([sys.executable, "-m", "flask", "--app", "dailylife", "db",
                                "upgrade"], cwd=ROOT, env=environment, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output: list[str] = []

    def collect():
        with process.stdout:
            output.extend(process.stdout)

    threading.Thread(target=collect, daemon=True).start()
    return process, output


def test_two_instances_upgrading_one_new_postgresql_database_at_once_both_succeed(
        fresh_postgres_database):
    """The test holds the upgrade lock until both upgrades wait for it, so that they certainly
    run at the same moment, then lets them go."""
    server = sa.make_url(fresh_postgres_database).set(drivername="postgresql")
    holder = psycopg.connect(server.render_as_string(False), autocommit=True)
    holder.execute("SELECT pg_advisory_lock(%s)", (UPGRADE_LOCK_KEY,))
    upgrades = [_upgrade_in_a_process(fresh_postgres_database) for _ in range(2)]
    try:
        deadline = time.monotonic() + 120
        while not all(any(WAITING in line for line in output) for _, output in upgrades):
            assert time.monotonic() < deadline and all(
                process.poll() is None for process, _ in upgrades), \
                "both upgrades should wait for the lock:\n" + "\n---\n".join(
                    "".join(output) for _, output in upgrades)
            time.sleep(0.1)
        holder.execute("SELECT pg_advisory_unlock(%s)", (UPGRADE_LOCK_KEY,))
        for process, output in upgrades:
            assert process.wait(timeout=180) == 0, "".join(output)
    finally:
        for process, _ in upgrades:
            process.kill()
            process.wait()
    versions = holder.execute("SELECT version_num FROM alembic_version").fetchall()
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": fresh_postgres_database})
    with app.app_context():
        head = ScriptDirectory(app.extensions["migrate"].directory).get_current_head()
        assert versions == [(head,)]
        assert differences(app) == []
        db.engine.dispose()
    holder.close()


def test_entries_written_before_the_incident_index_are_found_as_incidents_after_it(
        fresh_database, tmp_path):
    """Issue 18: what may be an incident is indexed (``Entry.incident``); upgrading works it out
    for the entries already written, as ``references.marks_incident`` does for new ones."""
    app = create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": fresh_database,
                      "MEDIA_DIR": str(tmp_path / "media")})
    written = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)
    entries = {
        "police": ("observation", "police", {"source": "police"}, None),
        "significant visit": ("visit", None, {"significant": True}, None),
        "disclosure": ("voice", None, {"disclosed_harm": True}, None),
        "ordinary": ("observation", "parent_reported", {"source": "parent_reported"}, None),
        "unspoken": ("voice", None, {"disclosed_harm": False}, None),
        "marked later": ("amendment", None, {"significant": True}, "ordinary"),
        "disclosed later": ("amendment", None, {"disclosed_harm": True}, "unspoken"),
    }
    ids = {name: uuid.uuid4() for name in entries}
    with app.app_context():
        try:
            upgrade(revision="a914bfda4d23")
            team, child = uuid.uuid4(), uuid.uuid4()
            db.session.execute(Team.__table__.insert(), [{"id": team, "name": "Team A"}])
            db.session.execute(Child.__table__.insert(), [
                {"id": child, "name": "A Child", "date_of_birth": date(2019, 1, 1),
                 "legal_status": "child_in_need", "team_id": team, "created_at": written}])
            author = uuid.uuid4()
            db.session.execute(User.__table__.insert(), [
                {"id": author, "email": "worker@example.org", "display_name": "A Worker",
                 "role": "practitioner", "team_id": team}])
            before = [sa.column(column.name, column.type) for column in Entry.__table__.columns
                      if column.name != "incident"]
            db.session.execute(sa.table("entry", *before).insert(), [
                {"id": ids[name], "child_id": child, "kind": Kind(kind), "occurred_at": written,
                 "recorded_at": written, "received_at": written, "author_id": author,
                 "author_role": "practitioner", "significant": bool(data.get("significant")),
                 "amends_id": amends and ids[amends], "source": source, "data": data}
                for name, (kind, source, data, amends) in entries.items()])
            db.session.commit()
            upgrade()
            marked = dict(db.session.execute(sa.select(Entry.id, Entry.incident)).all())
            assert {name for name, entry_id in ids.items() if marked[entry_id]} == {
                "police", "significant visit", "disclosure", "marked later", "disclosed later"}
            db.session.commit()
        finally:
            db.session.remove()
            db.engine.dispose()
