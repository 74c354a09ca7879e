"""What a user has enrolled as a second factor. Secrets are kept encrypted or hashed, never plain."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from dailylife.clock import utcnow
from dailylife.extensions import db


class AuthenticatorApp(db.Model):
    """One TOTP secret per user. It counts only once confirmed by a correct code."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user.id"), unique=True)
    #: The base32 secret, encrypted with a key derived from SECRET_KEY (``mfa.totp``).
    secret_encrypted: Mapped[str] = mapped_column(sa.String(255))
    #: The last time step whose code was accepted: that code and older ones are refused.
    last_used_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]


class Passkey(db.Model):
    """A WebAuthn credential (a passkey or a security key) registered by a user."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user.id"), index=True)
    credential_id: Mapped[bytes] = mapped_column(sa.LargeBinary(1024), unique=True)
    public_key: Mapped[bytes] = mapped_column(sa.LargeBinary(2048))
    #: The authenticator's signature counter; one that goes backwards means a cloned key.
    sign_count: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    name: Mapped[str] = mapped_column(sa.String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]


class RecoveryCode(db.Model):
    """A single-use code for when the phone or key is lost; only its SHA-256 is kept."""

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user.id"), index=True)
    #: SHA-256 (hex) of the code: the codes are long and random, so a fast hash is enough.
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]
