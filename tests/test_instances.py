"""Two app servers, as a council runs dailylife behind a load balancer: real gunicorn processes on
their own ports over one PostgreSQL database and one Redis, with the same keys and the PostgreSQL
media store, and nothing shared on disk. A browser or tablet may reach either for any request, so
whatever is done through one must be true on the other at once."""

import os
import re
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests
import sqlalchemy as sa

import sample_images
from conftest import PASSWORD, _test_config, free_port, postgresql_only
from test_sync import count_entries, item

from dailylife import audit
from dailylife.extensions import db
from dailylife.media.models import Media, MediaBlob

pytestmark = postgresql_only

ROOT = Path(__file__).resolve().parent.parent
START_SECONDS = 60
#: A server's gunicorn config file, as the README's production layout has it.
GUNICORN_CONF = """
from dailylife.gunicorn_conf import on_starting, post_worker_init  # noqa: F401

bind = "127.0.0.1:{port}"
workers = 2
"""


class Instance:
    """One gunicorn server of the deployment, with its own port, config file and (unused) disk."""

    def __init__(self, name: str, environment: dict, scratch: Path):
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.media_dir = scratch / name / "media"
        self.log = scratch / name / "gunicorn.log"
        self.log.parent.mkdir(parents=True)
        settings = scratch / name / "gunicorn.conf.py"
        settings.write_text(GUNICORN_CONF.format(port=self.port))
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-c", str(settings), "dailylife:create_app()"],
                cwd=ROOT, env={**environment, "DAILYLIFE_MEDIA_DIR": str(self.media_dir)},
                stdout=log, stderr=subprocess.STDOUT)

    def wait_until_ready(self) -> None:
        """Ready as a load balancer judges it (``/readyz``: database, schema, the keys the other
        instance recorded, Redis, media store), or fail with the server's own log."""
        deadline, last = time.monotonic() + START_SECONDS, "none"
        while time.monotonic() < deadline and self.process.poll() is None:
            try:
                answer = requests.get(f"{self.url}/readyz", timeout=START_SECONDS)
            except requests.ConnectionError as error:  # not listening yet
                last = str(error)
            else:
                if answer.status_code == 200:
                    return
                last = answer.text
            time.sleep(0.2)
        self.stop()
        pytest.fail(f"the {self.name} app server did not become ready (last answer: {last}):\n"
                    + self.log.read_text())

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def servers(migrated, redis_server, rescue_key_file, tmp_path_factory):
    """Both servers, started once for the module: each test's data is its own (``world``)."""
    redis_url, _ = redis_server
    testing = _test_config(migrated, None)
    environment = {key: value for key, value in os.environ.items()
                   if key != "WEB_CONCURRENCY" and not key.startswith("DAILYLIFE_")}
    # development: plain HTTP on loopback (production's cookies are sent over HTTPS only).
    environment.update(DAILYLIFE_ENV_NAME="development", DATABASE_URL=migrated,
                       SECRET_KEY=testing["SECRET_KEY"], DAILYLIFE_AUDIT_KEY=testing["AUDIT_KEY"],
                       DAILYLIFE_RESCUE_KEY=rescue_key_file.read_text(),
                       DAILYLIFE_MEDIA_STORE="postgresql", RATELIMIT_STORAGE_URI=redis_url,
                       DAILYLIFE_INSTANCES="2", DAILYLIFE_MFA_REQUIRED_ROLES="")
    scratch = tmp_path_factory.mktemp("instances")
    made = [Instance(name, environment, scratch) for name in ("first", "second")]
    try:
        for instance in made:
            instance.wait_until_ready()
        yield made
    finally:
        for instance in made:
            if instance.process.poll() is None:
                instance.stop()
        for instance in made:
            assert not instance.media_dir.exists() or not any(instance.media_dir.iterdir()), \
                f"the {instance.name} server kept something on its own disk"


class Browser:
    """One person's browser or tablet; the load balancer may send each request to either
    server (the session cookie is the same for both: cookies do not depend on the port)."""

    def __init__(self):
        self.http = requests.Session()
        self.csrf = None

    def sign_in(self, server: Instance, email: str) -> None:
        self.csrf = self._token(server)
        answer = self.http.post(f"{server.url}/login", allow_redirects=False, timeout=30,
                                data={"email": email, "password": PASSWORD,
                                      "csrf_token": self.csrf})
        assert answer.status_code == 302 and "/login" not in answer.headers["Location"], \
            answer.text
        self.csrf = self._token(server)

    def _token(self, server: Instance) -> str:
        page = self.http.get(f"{server.url}/login", timeout=30).text
        return re.search(r'<meta name="csrf-token" content="([^"]+)"', page).group(1)

    def get(self, server: Instance, path: str) -> requests.Response:
        return self.http.get(f"{server.url}{path}", timeout=60, allow_redirects=False)

    def post(self, server: Instance, path: str, **kwargs) -> requests.Response:
        return self.http.post(f"{server.url}{path}", headers={"X-CSRFToken": self.csrf},
                              timeout=60, allow_redirects=False, **kwargs)

    def sync(self, server: Instance, *items) -> requests.Response:
        return self.post(server, "/api/v1/sync", json={"device_id": "tablet-1",
                                                       "items": list(items)})


@pytest.fixture
def practitioner(servers, world):
    """The world's practitioner, signed in through the first server."""
    browser = Browser()
    db.session.commit()
    browser.sign_in(servers[0], world.practitioner.email)
    return browser


def test_the_same_batch_sent_to_both_servers_at_once_stores_each_entry_once(
        servers, world, practitioner):
    batch = [item(world.child), item(world.child, "voice"), item(world.child, "visit")]
    start, answers = threading.Barrier(len(servers)), {}

    def send(server):
        start.wait(30)
        answers[server.name] = practitioner.sync(server, *batch)

    senders = [threading.Thread(target=send, args=(server,)) for server in servers]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(120)
    assert [answer.status_code for answer in answers.values()] == [200, 200]
    for position, sent in enumerate(batch):
        said = sorted(answer.json()["results"][position]["status"] for answer in answers.values())
        assert said == ["created", "duplicate"], (sent["kind"], said)
    db.session.expire_all()
    assert count_entries() == len(batch)
    assert audit.verify_chain().intact


def test_an_entry_written_through_one_is_in_the_others_chronology_and_signals_at_once(
        servers, world, practitioner):
    first, second = servers

    def signals_on_second() -> list[str]:
        [brief] = practitioner.get(second, "/api/v1/cases").json()["cases"]
        return brief["signals"]

    assert "escalation_open" not in signals_on_second()  # and the second server keeps this
    raised = item(world.child, "escalation", data={"reason": "Bruise on Amy's arm, unexplained.",
                                                    "need": "A strategy discussion today."})
    assert practitioner.sync(first, raised).json()["results"][0]["status"] == "created"
    assert "escalation_open" in signals_on_second()
    chronology = practitioner.get(second, f"/cases/{world.child.id}/chronology")
    assert chronology.status_code == 200 and "Bruise on Amy&#39;s arm" in chronology.text


def test_a_sign_out_through_one_ends_the_session_on_the_other(servers, world, practitioner):
    first, second = servers
    assert practitioner.get(second, "/api/v1/me").status_code == 200
    assert practitioner.post(first, "/logout", data={"csrf_token": practitioner.csrf}
                             ).status_code == 302
    refused = practitioner.get(second, "/api/v1/me")
    assert refused.status_code == 401 and refused.json()["error"]
    assert practitioner.sync(second, item(world.child)).status_code == 401


def test_a_photo_uploaded_through_one_is_served_by_the_other(servers, world, practitioner):
    first, second = servers
    observation = item(world.child)
    practitioner.sync(first, observation)
    media_id = "9b1f4c2e-7d3a-4e8b-a5c6-0f1e2d3c4b5a"
    uploaded = practitioner.post(first, "/api/v1/media", data={
        "id": media_id, "entry_id": observation["id"], "kind": "photo", "caption": "Fridge"},
        files={"file": ("photo.jpg", sample_images.phone_photo(), "image/jpeg")})
    assert uploaded.status_code == 201, uploaded.text
    served = practitioner.get(second, f"/media/{media_id}")
    assert served.status_code == 200 and served.headers["Content-Type"] == "image/jpeg"
    db.session.expire_all()
    media = db.session.get(Media, uuid.UUID(media_id))
    kept = db.session.scalar(sa.select(MediaBlob.content).where(MediaBlob.media_id == media.id,
                                                               MediaBlob.variant == "image"))
    assert served.content == kept and len(served.content) == media.size_bytes
    assert practitioner.get(second, f"/media/{media_id}/thumb").status_code == 200

