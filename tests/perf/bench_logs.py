"""What the request log and the readiness check cost.

Run from the repository root::

    .venv/bin/python tests/perf/bench_logs.py [--repeat 200]

It makes the demo data (SQLite in a temporary directory), signs the demo practitioner in through
the test client, and times, in turns within one run, the same requests with the request line
written as production writes it (JSON, to /dev/null) and with it switched off (the baseline): the
health check, the caseload page and a child's page. It also times ``/readyz`` (what a load
balancer's probe costs the instance). Medians in milliseconds; the ratio is logged / baseline.
It is not a pytest test (pytest collects test_*.py only).
"""

import argparse
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import sqlalchemy as sa

from dailylife import create_app, demo
from dailylife.children.models import Child
from dailylife.extensions import db

PASSWORD = "demo-password"
REQUEST_LOGGER = logging.getLogger("dailylife.requests")


def demo_client(folder: Path):
    from flask_migrate import upgrade
    (folder / "media").mkdir()
    app = create_app({"ENV_NAME": "development", "SECRET_KEY": "bench", "LOG_FORMAT": "json",
                      "MEDIA_DIR": str(folder / "media"),
                      "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'bench.sqlite'}"})
    with app.app_context():
        upgrade()
        logging.getLogger().handlers.clear()  # Alembic's console handler: the figures only
        demo.seed(PASSWORD)
        db.session.commit()
        child = db.session.scalar(sa.select(Child).where(
            Child.name == demo.DEMO_CHILDREN[0]["name"]))
        child_id = child.id
    for handler in app.logger.handlers:
        handler.setStream(open(os.devnull, "w"))
    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    token = login.split('name="csrf-token" content="')[1].split('"')[0]
    answer = client.post("/login", data={"csrf_token": token, "email": demo.DEMO_EMAILS[0],
                                         "password": PASSWORD})
    assert answer.status_code == 302, answer.status_code
    return client, child_id


def timed(client, url: str) -> float:
    started = time.perf_counter()
    answer = client.get(url)
    elapsed = (time.perf_counter() - started) * 1000
    assert answer.status_code == 200, (url, answer.status_code)
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    repeat = parser.parse_args().repeat
    with tempfile.TemporaryDirectory() as folder:
        client, child_id = demo_client(Path(folder))
        urls = {"/healthz": "/healthz", "/cases": "/cases", "child page": f"/cases/{child_id}"}
        print(f"median of {repeat} requests each, in turns (ms); logged = one JSON line each")
        for name, url in urls.items():
            logged, baseline = [], []
            for _ in range(repeat):
                REQUEST_LOGGER.setLevel(logging.NOTSET)
                logged.append(timed(client, url))
                REQUEST_LOGGER.setLevel(logging.CRITICAL)
                baseline.append(timed(client, url))
            REQUEST_LOGGER.setLevel(logging.NOTSET)
            print(f"{name:12} logged {statistics.median(logged):7.2f}  baseline "
                  f"{statistics.median(baseline):7.2f}  ratio "
                  f"{statistics.median(logged) / statistics.median(baseline):.2f}")
        ready = [timed(client, "/readyz") for _ in range(repeat)]
        print(f"{'/readyz':12} {statistics.median(ready):7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
