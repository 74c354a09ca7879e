"""The keys every instance must share, checked through the database they share.

Two app servers with different ``SECRET_KEY``s sign each other's session cookies off (people are
signed out at random); two with different audit keys break the audit chain for good. Each key's
fingerprint (an HMAC-SHA-256 of a fixed label under the key: equal keys give equal fingerprints,
and it reveals nothing of the key) is stored by the first instance that sees the database empty
of them; every later instance compares its own.
"""

import hmac
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column

from dailylife.clock import utcnow
from dailylife.extensions import db

#: The label each fingerprint is the HMAC of: fixed, so that equal keys give equal fingerprints.
LABEL = b"dailylife instance key fingerprint"
#: Config name -> the environment variable an operator sets.
SHARED_KEYS = {"SECRET_KEY": "SECRET_KEY", "AUDIT_KEY": "DAILYLIFE_AUDIT_KEY"}


class KeyFingerprint(db.Model):
    """One row per shared key, written once by the first instance to start on the database."""

    #: The environment variable of the key: SECRET_KEY or DAILYLIFE_AUDIT_KEY.
    setting: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    #: HMAC-SHA-256 (hex) of ``LABEL`` under the key; never the key, nor a plain hash of it.
    fingerprint: Mapped[str] = mapped_column(sa.String(64))
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)


def fingerprint(key: str | bytes) -> str:
    raw = key if isinstance(key, bytes) else key.encode()
    return hmac.digest(raw, LABEL, "sha256").hex()


def ours() -> dict[str, str]:
    """This instance's fingerprints, by environment variable."""
    return {setting: fingerprint(current_app.config[name]) for name, setting in SHARED_KEYS.items()}


def mismatches() -> list[str]:
    """What to tell the operator for each key that differs from the one the database holds,
    recording this instance's fingerprints first where none is held yet (in their own commit,
    so that a failing check elsewhere does not undo them)."""
    mine = ours()
    _record_missing(mine)
    held = dict(db.session.execute(
        sa.select(KeyFingerprint.setting, KeyFingerprint.fingerprint)).all())
    return [_differs(setting) for setting, value in mine.items() if held.get(setting) != value]


def _record_missing(mine: dict[str, str]) -> None:
    """Insert the fingerprints the database lacks; an instance starting at the same moment may
    insert them first, and then its rows stand (the comparison that follows reads them)."""
    held = set(db.session.scalars(sa.select(KeyFingerprint.setting)))
    missing = [{"setting": setting, "fingerprint": value, "recorded_at": utcnow()}
               for setting, value in mine.items() if setting not in held]
    if not missing:
        return
    try:
        db.session.execute(sa.insert(KeyFingerprint), missing)
        db.session.commit()
    except sa.exc.IntegrityError:
        db.session.rollback()


def _differs(setting: str) -> str:
    return (f"{setting} differs from the one the other instances of this database use (its "
            f"fingerprint in the key_fingerprint table does not match). Give every instance the "
            f"same {setting}, then restart this one. If the key was replaced on purpose on every "
            f"instance, delete its row (DELETE FROM key_fingerprint WHERE setting = '{setting}') "
            "and the next instance to start records the new one.")
