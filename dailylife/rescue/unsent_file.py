"""The file a tablet makes of the entries it could not send, and opening it on the server.

On the outside, JSON: ``format``, ``key_id`` (which server key it was made for), ``wrapped_key``
(a fresh AES-256 key, wrapped with RSA-OAEP-SHA-256 to the server's public key), ``iv`` and
``ciphertext`` (AES-GCM, authenticated with the format name), all binary parts in base64. Inside,
JSON: ``user_id`` (whose entries), ``author_proof`` (the proof the server gave that user's tablet,
see ``keys.author_proof``), ``device_id``, ``exported_at``, ``items`` (sync items, exactly
as ``POST /api/v1/sync`` takes them) and ``images`` (``id``, ``entry_id``, ``kind``, ``caption``,
``data`` in base64). Only the server's private key opens it; a changed byte makes it unopenable.
"""

import base64
import binascii
import json
import uuid
from dataclasses import dataclass
from datetime import datetime

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from dailylife.rescue import keys

FORMAT = "dailylife-unsent/1"
OAEP = padding.OAEP(mgf=padding.MGF1(algorithm=hashes.SHA256()), algorithm=hashes.SHA256(),
                    label=None)
NOT_OURS = ("This is not a file of unsent entries exported by dailylife. On the tablet, open "
            "“Waiting to send” and choose “Export for my team manager”.")
DAMAGED = ("This file cannot be opened: it was changed or damaged after it was exported. Ask for "
           "it to be exported again; the entries are still on the tablet.")


class FileRefused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Unsent:
    user_id: uuid.UUID
    author_proof: str | None
    device_id: str | None
    #: When the tablet made the file, if it says so in a form we can read.
    exported_at: datetime | None
    items: list
    images: list[dict]


def open_file(raw: bytes) -> Unsent:
    outer = _json(raw, NOT_OURS)
    if not isinstance(outer, dict) or outer.get("format") != FORMAT:
        raise FileRefused(NOT_OURS)
    if outer.get("key_id") != keys.key_id():
        raise FileRefused("This file was locked for another dailylife server (or before this "
                          "server's key was changed), so it cannot be opened here.")
    wrapped, iv, ciphertext = (_base64(outer.get(name)) for name in
                               ("wrapped_key", "iv", "ciphertext"))
    try:
        key = keys.private_key().decrypt(wrapped, OAEP)
        inner = AESGCM(key).decrypt(iv, ciphertext, FORMAT.encode("ascii"))
    except (ValueError, InvalidTag):
        raise FileRefused(DAMAGED)
    return _contents(_json(inner, DAMAGED))


def _json(raw: bytes, problem: str):
    try:
        return json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        raise FileRefused(problem)


def _base64(value) -> bytes:
    if not isinstance(value, str):
        raise FileRefused(DAMAGED)
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error:
        raise FileRefused(DAMAGED)


def _contents(inner) -> Unsent:
    """What the device wrote; each item is judged later as a sync item would be."""
    if not isinstance(inner, dict) or not isinstance(inner.get("items"), list) \
            or not isinstance(inner.get("images", []), list):
        raise FileRefused(DAMAGED)
    try:
        user_id = uuid.UUID(str(inner.get("user_id")))
    except ValueError:
        raise FileRefused(DAMAGED)
    device_id = inner.get("device_id")
    if device_id is not None and (not isinstance(device_id, str) or len(device_id) > 64):
        raise FileRefused(DAMAGED)
    images = inner.get("images", [])
    if not all(isinstance(image, dict) for image in images):
        raise FileRefused(DAMAGED)
    proof = inner.get("author_proof")
    return Unsent(user_id=user_id, author_proof=proof if isinstance(proof, str) else None,
                  device_id=device_id, exported_at=_moment(inner.get("exported_at")),
                  items=inner["items"], images=images)


def _moment(text) -> datetime | None:
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def image_bytes(image: dict) -> bytes | None:
    """An image's picture, or None when the device wrote something that is not base64."""
    try:
        return _base64(image.get("data"))
    except FileRefused:
        return None
