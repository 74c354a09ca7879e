"""A real OpenID provider for the single sign-on tests: panva's ``oidc-provider`` under node.

``tests/oidc/provider.js`` is started on a free loopback port with a client for dailylife and a
signing key made here, so that a test can also forge ID tokens: with the provider's own key (a
token the provider never issued, e.g. for another audience) or with a stranger's key.
"""

import json
import socket
import subprocess
import time
import uuid
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from authlib.jose import JsonWebKey, jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

HERE = Path(__file__).resolve().parent / "oidc"
CLIENT_ID = "dailylife"
CLIENT_SECRET = "a-client-secret-for-the-test-provider-only"
REDIRECT_URI = "http://localhost/login/sso/callback"
KEY_ID = "test-signing-key"
STARTUP_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _rsa_key() -> bytes:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


class Provider:
    def __init__(self, workdir: Path):
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.key = _rsa_key()
        #: Another key published under the same id: what a forger without the real key signs with.
        self.stranger_key = _rsa_key()
        jwk = JsonWebKey.import_key(self.key, {"kty": "RSA"}).as_dict(is_private=True)
        settings = {"port": self.port, "issuer": self.issuer,
                    "client": {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET,
                               "redirect_uris": [REDIRECT_URI]},
                    "jwks": {"keys": [{**jwk, "kid": KEY_ID, "alg": "RS256", "use": "sig"}]},
                    "acr_values": ["urn:council:mfa", "urn:council:password"]}
        self.config_file = workdir / "provider.json"
        self.config_file.write_text(json.dumps(settings))
        self.log = workdir / "provider.log"
        self.process = None

    def start(self) -> None:
        if not (HERE / "node_modules" / "oidc-provider").is_dir():
            pytest.fail("The test OpenID provider is not installed: run scripts/setup --test "
                        "(npm ci in tests/oidc).")
        with self.log.open("w") as log:
            self.process = subprocess.Popen(["node", "provider.js", str(self.config_file)],
                                            cwd=HERE, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                if requests.get(self.issuer + "/.well-known/openid-configuration",
                                timeout=2).ok:
                    return
            except requests.ConnectionError:
                time.sleep(0.2)
        self.stop()
        pytest.fail(f"The test OpenID provider did not start:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)

    # What the test controls

    def add_person(self, *, email: str, email_verified: bool | None = True, amr=("pwd", "mfa"),
                   acr: str | None = None, sub: str | None = None, **claims) -> str:
        """A person at the provider (a new subject unless ``sub`` is given); returns the subject.
        ``email_verified=None`` leaves the claim out, as Entra ID does."""
        sub = sub or f"subject-{uuid.uuid4().hex}"
        claims = {"email": email, "email_verified": email_verified, "name": "Test Person",
                  **claims}
        claims = {name: value for name, value in claims.items() if value is not None}
        response = requests.put(f"{self.issuer}/__test__/accounts/{sub}", timeout=5,
                                json={"claims": claims, "amr": list(amr), "acr": acr})
        assert response.status_code == 204
        return sub

    def forge_next_id_token(self, claims: dict, *, key: bytes | None = None) -> None:
        """The next token response carries this ID token, signed with ``key`` (the provider's
        own unless a stranger's is given), instead of the one the provider made."""
        token = jwt.encode({"alg": "RS256", "kid": KEY_ID}, claims, key or self.key).decode()
        response = requests.post(f"{self.issuer}/__test__/next-id-token", timeout=5,
                                 json={"id_token": token})
        assert response.status_code == 204

    def sign_in(self, authorize_url: str, sub: str) -> str:
        """Play the person at the provider: sign in as ``sub`` and return the URL the provider
        sends the browser back to (dailylife's callback, with the code and state)."""
        browser = requests.Session()
        url, method = authorize_url, "GET"
        for _ in range(10):
            if urlsplit(url).path.startswith("/interaction/"):
                method = "POST"
            response = browser.request(method, url, allow_redirects=False, timeout=10,
                                       data={"login": sub} if method == "POST" else None)
            method = "GET"
            location = response.headers.get("Location")
            assert response.status_code in (302, 303), (response.status_code, response.text)
            url = urljoin(url, location)
            if url.startswith(REDIRECT_URI):
                return url
        raise AssertionError("the provider never sent the browser back to dailylife")


def query_of(url: str) -> dict:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}
