"""Recovery codes: ten single-use codes, shown once, kept only as SHA-256 hashes."""

import hashlib
import re
import secrets

import sqlalchemy as sa

from dailylife.clock import utcnow
from dailylife.extensions import db
from dailylife.mfa.models import RecoveryCode
from dailylife.people.models import User

COUNT = 10
#: Crockford's base32 without look-alikes: easy to read from paper and to type.
ALPHABET = "abcdefghjkmnpqrstvwxyz23456789"
LENGTH = 10


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def normalise(text: str) -> str:
    return re.sub(r"[\s-]", "", (text or "").lower())


def regenerate(user: User) -> list[str]:
    """New codes for the user; every earlier code stops working. Returns them, to show once."""
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = ["".join(secrets.choice(ALPHABET) for _ in range(LENGTH)) for _ in range(COUNT)]
    db.session.add_all(RecoveryCode(user_id=user.id, code_hash=_hash(code)) for code in codes)
    db.session.flush()
    return [f"{code[:5]}-{code[5:]}" for code in codes]


def use(user: User, text: str) -> bool:
    """Spend one code, in one conditional UPDATE: a code works once, even for two requests."""
    used = db.session.execute(
        sa.update(RecoveryCode)
        .where(RecoveryCode.user_id == user.id, RecoveryCode.code_hash == _hash(normalise(text)),
               RecoveryCode.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False))
    return used.rowcount == 1


def remaining(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode).where(
        RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))
