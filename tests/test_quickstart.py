"""The README's first command works from a clean clone: it installs, migrates, seeds the demo data
and serves the app. (The second command, scripts/test, is what CI runs from its own clean clone.)

It builds a fresh virtual environment (under a minute with pip's cache), so it is the slowest test.
"""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path


ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200 and b"Sign in" in response.read()
    except OSError:
        return False


def test_scripts_demo_serves_the_demo_from_a_clean_clone(tmp_path):
    clone = tmp_path / "clone"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
    port = free_port()
    env = {**os.environ, "PORT": str(port), "PYTHON": sys.executable}
    env.pop("DATABASE_URL", None)
    log = (tmp_path / "demo.log").open("w")
    server = subprocess.Popen(["scripts/demo"], cwd=clone, env=env, stdout=log,
                              stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and server.poll() is None:
            if answers(f"http://127.0.0.1:{port}/login"):
                break
            time.sleep(1)
        output = (tmp_path / "demo.log").read_text()
        assert answers(f"http://127.0.0.1:{port}/login"), output[-3000:]
        assert "practitioner@demo.test" in output
        assert (clone / "instance" / "dailylife.sqlite").is_file()
    finally:
        if server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        log.close()
