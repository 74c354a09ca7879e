"""The server's key pair for files of unsent entries.

The private key stays on the server: its PEM text in ``DAILYLIFE_RESCUE_KEY`` (the way to give
several app servers the same key), or else in ``DAILYLIFE_RESCUE_KEY_FILE``; the tablets keep only
the public key. The file is made on first use when it does not exist, written so that two workers
starting together cannot end up with two different keys.
"""

import base64
import hashlib
import hmac
import os
import uuid
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from flask import current_app

KEY_BITS = 3072


def private_key() -> rsa.RSAPrivateKey:
    cached = current_app.extensions.get("dailylife_rescue_key")
    if cached is None:
        cached = serialization.load_pem_private_key(_pem(current_app.config), password=None)
        current_app.extensions["dailylife_rescue_key"] = cached
    return cached


def _pem(config) -> bytes:
    if config["RESCUE_KEY"]:
        return config["RESCUE_KEY"].encode()
    path = Path(config["RESCUE_KEY_FILE"])
    if not path.exists():
        _create(path)
    return path.read_bytes()


def settings_problem(config) -> str | None:
    """A key given in the environment is checked at start, not when a tablet first asks for it;
    the message never repeats the key."""
    if not config["RESCUE_KEY"]:
        return None
    try:
        key = serialization.load_pem_private_key(str(config["RESCUE_KEY"]).encode(),
                                                 password=None)
    except (ValueError, TypeError):
        return ("DAILYLIFE_RESCUE_KEY is not an unencrypted PEM private key. Make one with "
                "`openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072` and give its "
                "whole text, BEGIN and END lines included.")
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size < KEY_BITS:
        return f"DAILYLIFE_RESCUE_KEY must be an RSA key of at least {KEY_BITS} bits."
    return None


def public_key_spki() -> bytes:
    return private_key().public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)


def key_id() -> str:
    """A short name for the key, so that a file locked with another key is told apart."""
    return hashlib.sha256(public_key_spki()).hexdigest()[:16]


def public_key_json() -> dict:
    return {"key_id": key_id(), "spki": base64.b64encode(public_key_spki()).decode("ascii"),
            "algorithm": "RSA-OAEP-256"}


def author_proof(user_id: uuid.UUID) -> str:
    """Given to each user's tablet and written into their exports, so that a file cannot claim
    to hold someone else's entries: anyone may encrypt to the public key, but only this server
    (its SECRET_KEY) makes a user's proof."""
    message = f"dailylife-unsent-author:{user_id}".encode()
    return hmac.new(current_app.secret_key.encode(), message, hashlib.sha256).hexdigest()


def proves_author(user_id: uuid.UUID, proof) -> bool:
    return isinstance(proof, str) and hmac.compare_digest(proof, author_proof(user_id))


def _create(path: Path) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=KEY_BITS)
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{os.getpid()}.part")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        out.write(pem)
    try:
        os.link(partial, path)  # fails if another worker made the key first: theirs stands
    except FileExistsError:
        pass
    finally:
        partial.unlink()
