"""Sign-in defences that cannot lock the owner out: device cookies and growing delays for unknown
devices (people/throttle.py), the real client address behind a proxy, and counts shared by every
worker through a real Redis server (started by conftest.py)."""

import html
import os
import re
import socket
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from itsdangerous import URLSafeTimedSerializer

from production import PRODUCTION, production_settings
from dailylife import config, create_app
from dailylife.audit import AuditEvent
from dailylife.extensions import db

PASSWORD = "kitchen-table-notes-42"  # what conftest's make_user gives everyone
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def sibling(app):
    """``sibling(**settings)``: another app on the same database, as a second worker or server."""
    made = []

    def make(**settings):
        shared = ("SQLALCHEMY_DATABASE_URI", "MEDIA_DIR", "RESCUE_KEY_FILE", "SECRET_KEY",
                  "ARGON2_TIME_COST", "ARGON2_MEMORY_KIB", "ARGON2_PARALLELISM")
        other = create_app({"ENV_NAME": "testing", "TESTING": True,
                            **{key: app.config[key] for key in shared}, **settings})
        other.test_client_class = app.test_client_class
        made.append(other)
        return other

    yield make
    for other in made:
        with other.app_context():
            db.engine.dispose()


@pytest.fixture(params=["memory", "redis"])
def defended(request, app, sibling):
    """The app, counting in its own memory or in a real Redis."""
    if request.param == "memory":
        return app
    return sibling(RATELIMIT_STORAGE_URI=request.getfixturevalue("redis_url"))


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def events(action: str) -> list[AuditEvent]:
    return db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)).all()


def client_at(app, address: str, **headers):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    client.environ_base.update({f"HTTP_{name.upper().replace('-', '_')}": value
                                for name, value in headers.items()})
    return client


def sign_in(client, email: str, password: str):
    return client.post_form("/login", {"email": email, "password": password})


def device_cookie(response) -> tuple[str, str]:
    """The device cookie a successful sign-in sets: (name, value)."""
    [header] = [header for header in response.headers.getlist("Set-Cookie")
                if header.startswith("dailylife_device_")]
    name, value = header.split(";", 1)[0].split("=", 1)
    return name, value


def known_device(app, user, address="192.0.2.10"):
    """A browser where ``user`` has signed in (and out again); returns it and its device cookie."""
    tablet = client_at(app, address)
    cookie = device_cookie(sign_in(tablet, user.email, PASSWORD))
    assert tablet.post_form("/logout").status_code == 302
    return tablet, cookie


def fail_from_elsewhere(app, email: str, times: int, first_address: int = 1):
    """Wrong passwords for ``email`` from ``times`` different addresses; their status codes."""
    return [sign_in(client_at(app, f"10.0.{number // 200}.{number % 200 + 1}"), email,
                    f"guess-number-{number}").status_code
            for number in range(first_address, first_address + times)]


def keep_closed(app) -> None:
    """Close an account for a minute after its free failures, so a slow machine cannot reopen it
    in the middle of a test (the 1-second default is tested on its own)."""
    app.config["SIGNIN_FIRST_DELAY_SECONDS"] = 60


def refusal_words(response) -> str:
    """What a refused sign-in says, without its times."""
    [message] = re.findall(r"There have been too many[^<]*", text(response))
    words, times = re.subn(r"Try again in [\w ]+ \(after \d\d:\d\d:\d\d\)", "Try again …",
                           message)
    assert times == 1, message
    return words


# The owner's known device


def test_the_owner_signs_in_at_once_on_their_known_device_after_200_guesses_from_elsewhere(
        defended, world):
    keep_closed(defended)
    owner = world.practitioner
    tablet, _ = known_device(defended, owner)
    answers = Counter(fail_from_elsewhere(defended, owner.email, 200))
    assert answers == {200: 5, 429: 195}, "five failures were free, then the account closed"
    assert sign_in(tablet, owner.email, PASSWORD).status_code == 302
    assert events("sign_in")[-1].actor_id == owner.id


def test_an_unknown_device_is_told_when_to_try_again(defended, world):
    fail_from_elsewhere(defended, world.practitioner.email, 5)
    newcomer = client_at(defended, "192.0.2.20")
    refused = sign_in(newcomer, world.practitioner.email, PASSWORD)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "1"
    assert "Try again in 1 second (after " in text(refused)
    assert "On a device where you have signed in before, you can sign in now." in text(refused)
    assert newcomer.get("/cases").status_code == 302, "no session was started"
    time.sleep(1.05)
    assert sign_in(newcomer, world.practitioner.email, PASSWORD).status_code == 302


def test_an_unknown_email_is_slowed_with_the_same_words_as_a_real_account(app, world):
    keep_closed(app)
    fail_from_elsewhere(app, world.practitioner.email, 5)
    fail_from_elsewhere(app, "nobody@example.org", 5)
    real = sign_in(client_at(app, "192.0.2.30"), world.practitioner.email, PASSWORD)
    unknown = sign_in(client_at(app, "192.0.2.31"), "nobody@example.org", PASSWORD)
    assert real.status_code == unknown.status_code == 429
    assert refusal_words(real) == refusal_words(unknown)


def test_delays_for_unknown_devices_grow_up_to_their_cap(defended, world):
    defended.config.update(SIGNIN_FREE_FAILURES=1, SIGNIN_MAX_DELAY_SECONDS=2)
    waits = []
    for number in range(3):
        assert fail_from_elsewhere(defended, world.practitioner.email, 1, number) == [200]
        refused = sign_in(client_at(defended, "192.0.2.40"), world.practitioner.email, PASSWORD)
        assert refused.status_code == 429
        waits.append(int(refused.headers["Retry-After"]))
        time.sleep(waits[-1] + 0.05)
    assert waits == [1, 2, 2]


def test_refused_attempts_are_audited_once_per_account_not_once_per_try(app, world):
    keep_closed(app)
    fail_from_elsewhere(app, world.practitioner.email, 5)
    assert fail_from_elsewhere(app, world.practitioner.email, 10, 100) == [429] * 10
    [slowed] = events("sign_in_slowed")
    assert slowed.actor_id == world.practitioner.id
    assert slowed.detail["email"] == world.practitioner.email
    assert len(events("sign_in_failed")) == 5, "refused before the password was checked"


def test_a_shared_tablet_stays_a_known_device_for_each_person_who_signed_in_on_it(app, world):
    keep_closed(app)
    people = (world.practitioner, world.other_practitioner)
    tablet = client_at(app, "192.0.2.12")
    for person in people:
        assert sign_in(tablet, person.email, PASSWORD).status_code == 302
        assert tablet.post_form("/logout").status_code == 302
    for person in people:
        fail_from_elsewhere(app, person.email, 8)
    for person in people:
        assert sign_in(tablet, person.email, PASSWORD).status_code == 302
        assert tablet.post_form("/logout").status_code == 302


def test_failures_on_a_known_device_do_not_slow_the_account_elsewhere(app, world):
    tablet, _ = known_device(app, world.practitioner)
    for _ in range(4):
        assert sign_in(tablet, world.practitioner.email, "typo-in-password").status_code == 200
    newcomer = client_at(app, "192.0.2.50")
    assert sign_in(newcomer, world.practitioner.email, PASSWORD).status_code == 302


def test_the_device_cookie_is_kept_from_scripts_and_other_sites(app, world):
    app.config["SESSION_COOKIE_SECURE"] = True
    response = sign_in(app.test_client(), world.practitioner.email, PASSWORD)
    [header] = [header for header in response.headers.getlist("Set-Cookie")
                if header.startswith("dailylife_device_")]
    for attribute in ("HttpOnly", "Secure", "SameSite=Lax", "Path=/login",
                      f"Max-Age={180 * 24 * 3600}"):
        assert attribute in header


def test_signing_out_keeps_the_device_known(app, world):
    tablet, _ = known_device(app, world.practitioner)
    response = tablet.post_form("/logout")
    assert "cookies" not in response.headers.get("Clear-Site-Data", "")


# Device cookies that must not be trusted


def test_a_forged_or_altered_device_cookie_is_not_trusted(app, world):
    keep_closed(app)
    _, (name, value) = known_device(app, world.practitioner)
    _, payload = URLSafeTimedSerializer("any").loads_unsafe(value)  # readable without the key
    forged = URLSafeTimedSerializer("a-guessed-key", salt="dailylife-device-cookie").dumps(payload)
    altered = value[:-10] + ("A" if value[-10] != "A" else "B") + value[-9:]
    fail_from_elsewhere(app, world.practitioner.email, 5)
    for cookie in (forged, altered):
        attacker = client_at(app, "198.51.100.1")
        attacker.set_cookie(name, cookie, path="/login")
        assert sign_in(attacker, world.practitioner.email, PASSWORD).status_code == 429
    attacker.set_cookie(name, value, path="/login")
    assert sign_in(attacker, world.practitioner.email, PASSWORD).status_code == 302


def test_another_accounts_device_cookie_is_not_trusted(app, world):
    keep_closed(app)
    _, (owner_name, _) = known_device(app, world.practitioner)
    _, (_, supervisor_value) = known_device(app, world.supervisor, address="192.0.2.11")
    fail_from_elsewhere(app, world.practitioner.email, 5)
    attacker = client_at(app, "198.51.100.2")
    attacker.set_cookie(owner_name, supervisor_value, path="/login")
    assert sign_in(attacker, world.practitioner.email, PASSWORD).status_code == 429


def test_a_stolen_device_cookie_stops_being_trusted_after_its_own_failures(app, world):
    keep_closed(app)
    _, (name, value) = known_device(app, world.practitioner)
    thief = client_at(app, "198.51.100.3")
    thief.set_cookie(name, value, path="/login")
    for _ in range(5):
        assert sign_in(thief, world.practitioner.email, "guess-by-thief").status_code == 200
    fail_from_elsewhere(app, world.practitioner.email, 5)
    assert sign_in(thief, world.practitioner.email, PASSWORD).status_code == 429


# The real client address behind a proxy


def test_behind_one_proxy_the_audit_and_the_address_limit_see_the_real_client(sibling, world):
    proxied = sibling(PROXY_COUNT=1, SIGNIN_LIMIT_PER_ADDRESS="3 per 15 minutes")
    for number in range(3):
        client = client_at(proxied, "127.0.0.1", x_forwarded_for="198.51.100.7")
        assert sign_in(client, f"guess{number}@example.org", "wrong-password-1").status_code == 200
    assert {event.ip for event in events("sign_in_failed")} == {"198.51.100.7"}
    same_person = client_at(proxied, "127.0.0.1", x_forwarded_for="198.51.100.7")
    assert sign_in(same_person, world.practitioner.email, PASSWORD).status_code == 429
    someone_else = client_at(proxied, "127.0.0.1", x_forwarded_for="198.51.100.8")
    assert sign_in(someone_else, world.practitioner.email, PASSWORD).status_code == 302


def test_without_a_proxy_setting_x_forwarded_for_is_ignored(app, world):
    app.config["SIGNIN_LIMIT_PER_ADDRESS"] = "3 per 15 minutes"
    for number in range(3):
        client = client_at(app, "127.0.0.1", x_forwarded_for=f"198.51.100.{number + 20}")
        assert sign_in(client, f"guess{number}@example.org", "wrong-password-1").status_code == 200
    assert {event.ip for event in events("sign_in_failed")} == {"127.0.0.1"}
    spoofing = client_at(app, "127.0.0.1", x_forwarded_for="198.51.100.99")
    assert sign_in(spoofing, world.practitioner.email, PASSWORD).status_code == 429


def test_a_negative_proxy_count_is_refused(app):
    with pytest.raises(config.UnsafeConfiguration, match="DAILYLIFE_PROXY_COUNT"):
        create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://",
                    "PROXY_COUNT": -1})


# Several workers and servers


def test_two_app_servers_on_one_redis_share_the_counts(sibling, world, redis_url):
    first = sibling(RATELIMIT_STORAGE_URI=redis_url, SIGNIN_FIRST_DELAY_SECONDS=60)
    second = sibling(RATELIMIT_STORAGE_URI=redis_url, SIGNIN_FIRST_DELAY_SECONDS=60)
    assert fail_from_elsewhere(first, world.practitioner.email, 5) == [200] * 5
    refused = sign_in(client_at(second, "192.0.2.60"), world.practitioner.email, PASSWORD)
    assert refused.status_code == 429


def test_two_app_servers_counting_in_memory_do_not_share_the_counts(sibling, world):
    """The multi-worker bug that production refuses: each process counts on its own."""
    first = sibling(RATELIMIT_STORAGE_URI="memory://", SIGNIN_FIRST_DELAY_SECONDS=60)
    second = sibling(RATELIMIT_STORAGE_URI="memory://", SIGNIN_FIRST_DELAY_SECONDS=60)
    fail_from_elsewhere(first, world.practitioner.email, 5)
    assert sign_in(client_at(second, "192.0.2.61"), world.practitioner.email,
                   PASSWORD).status_code == 302


@pytest.mark.parametrize("workers, instances", [("4", 1), ("1", 2)])
def test_production_refuses_memory_counts_with_several_workers_or_servers(
        migrated, monkeypatch, workers, instances):
    monkeypatch.setenv("WEB_CONCURRENCY", workers)
    with pytest.raises(config.UnsafeConfiguration, match="RATELIMIT_STORAGE_URI is memory://"):
        create_app(production_settings(migrated, INSTANCES=instances))


def test_production_refuses_a_worker_count_that_is_not_a_number(migrated, monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "four")
    with pytest.raises(config.UnsafeConfiguration, match="WEB_CONCURRENCY must be a whole number"):
        create_app(production_settings(migrated))


def test_production_runs_several_workers_on_redis_or_one_worker_in_memory(
        migrated, monkeypatch, redis_url, tmp_path, rescue_key_file):
    monkeypatch.setenv("WEB_CONCURRENCY", "4")
    create_app(production_settings(migrated, RATELIMIT_STORAGE_URI=redis_url, INSTANCES=3,
                                   MEDIA_DIR=str(tmp_path / "shared-media"),
                                   RESCUE_KEY=rescue_key_file.read_text()))
    monkeypatch.setenv("WEB_CONCURRENCY", "1")
    create_app(production_settings(migrated))


def _gunicorn(tmp_path, storage: str) -> subprocess.Popen:
    """Two gunicorn workers in production on a migrated database (production refuses to serve
    a database without this release's schema)."""
    database_url = f"sqlite:///{tmp_path / 'gunicorn.sqlite'}"
    with create_app({"ENV_NAME": "testing", "SQLALCHEMY_DATABASE_URI": database_url}).app_context():
        upgrade()
        db.engine.dispose()
    environment = {key: value for key, value in os.environ.items()
                   if key != "WEB_CONCURRENCY" and not key.startswith("DAILYLIFE_")}
    environment.update({f"DAILYLIFE_{name}": value for name, value in PRODUCTION.items()})
    environment.update(SECRET_KEY="s" * 64, RATELIMIT_STORAGE_URI=storage,
                       DATABASE_URL=database_url,
                       DAILYLIFE_MEDIA_DIR=str(tmp_path / "media"))
    return subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "python:dailylife.gunicorn_conf", "-w", "2",
         "-b", "127.0.0.1:0", "dailylife:create_app()"],
        cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def test_gunicorn_with_two_workers_and_memory_counts_refuses_to_start(tmp_path):
    server = _gunicorn(tmp_path, "memory://")
    try:
        output, _ = server.communicate(timeout=60)
    finally:
        server.kill()
    assert server.returncode != 0
    assert "RATELIMIT_STORAGE_URI is memory:// but 2 worker(s)" in output


def test_gunicorn_with_two_workers_on_redis_serves_the_sign_in_page(tmp_path, redis_url):
    server = _gunicorn(tmp_path, redis_url)
    try:
        port = _listening_port(server)
        with socket.create_connection(("127.0.0.1", port), timeout=90) as connection:
            connection.sendall(b"GET /login HTTP/1.0\r\nHost: localhost\r\n\r\n")
            assert connection.recv(64).startswith(b"HTTP/1.0 200")
    finally:
        server.terminate()
        server.communicate(timeout=30)


def _listening_port(server: subprocess.Popen) -> int:
    """The port gunicorn chose, read from its log; fails with the log if it never listens."""
    seen = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = server.stdout.readline()
        if not line and server.poll() is not None:
            break
        seen.append(line)
        found = re.search(r"Listening at: http://127\.0\.0\.1:(\d+)", line)
        if found:
            return int(found.group(1))
    pytest.fail("gunicorn did not start:\n" + "".join(seen))
