"""Teams, users, their sessions and their allocations to children."""

import enum
import uuid
from datetime import date, datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dailylife.clock import utcnow
from dailylife.extensions import db, stored_enum


class Role(enum.StrEnum):
    PRACTITIONER = "practitioner"
    SUPERVISOR = "supervisor"
    ADVOCATE = "advocate"
    ADMIN = "admin"
    #: Reads every team's records and changes nothing: a safeguarding practice review's author,
    #: a quality assurance officer.
    REVIEWER = "reviewer"

    @property
    def label(self) -> str:
        return {"practitioner": "Social worker", "supervisor": "Team manager",
                "advocate": "Children's advocate", "admin": "Administrator",
                "reviewer": "Reviewer"}[self.value]


class CaseRole(enum.StrEnum):
    """The part a person plays on one child's case."""

    PRACTITIONER = "practitioner"
    ADVOCATE = "advocate"

    @property
    def label(self) -> str:
        """The same words as the role's ("Social worker")."""
        return Role(self.value).label


class Team(db.Model):
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True)

    members: Mapped[list["User"]] = relationship(back_populates="team")


class User(UserMixin, db.Model):
    # One person per identity at one provider; several accounts without one (None) are fine.
    __table_args__ = (sa.UniqueConstraint("oidc_issuer", "oidc_subject",
                                          name="uq_user_oidc_identity"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    #: Stored lower-cased so that sign-in is case-insensitive.
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    display_name: Mapped[str] = mapped_column(sa.String(120))
    role: Mapped[Role] = mapped_column(stored_enum(Role, 20))
    team_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("team.id"))
    active: Mapped[bool] = mapped_column(default=True)
    #: None until the person sets their own password through a set-password link (an account
    #: without one cannot sign in by password).
    password_hash: Mapped[str | None] = mapped_column(sa.String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: The identity provider's stable id for this person (``iss`` and ``sub`` of its ID tokens),
    #: bound at their first single sign-on; None until then. Never matched by email afterwards.
    oidc_issuer: Mapped[str | None] = mapped_column(sa.String(255))
    oidc_subject: Mapped[str | None] = mapped_column(sa.String(255))

    team: Mapped[Team | None] = relationship(back_populates="members")
    allocations: Mapped[list["Allocation"]] = relationship(back_populates="user")

    @property
    def is_active(self) -> bool:
        return self.active

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"


class UserSession(db.Model):
    """A signed-in browser. The cookie carries a random token; only its SHA-256 is stored here.

    Flask's signed cookie cannot be revoked by itself, so every request checks its row: signing
    out, a password change or deactivation ends the row and the copied cookie stops working.
    """

    #: SHA-256 (hex) of the token in the cookie.
    id: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]
    #: Why it ended: signed_out, idle, expired, deactivated, password_changed, password_set,
    #: role_changed, ended_by_user.
    end_reason: Mapped[str | None] = mapped_column(sa.String(20))
    ip: Mapped[str | None] = mapped_column(sa.String(45))
    user_agent: Mapped[str | None] = mapped_column(sa.String(300))
    #: While set, this browser is in child mode for this child: it may use only child mode
    #: (``access.CHILD_MODE_ENDPOINTS``) until the adult's PIN is given (voice/child_lock.py).
    child_mode_child_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("child.id"))
    #: Argon2 hash of the PIN chosen for this handover; never the PIN itself.
    child_mode_pin_hash: Mapped[str | None] = mapped_column(sa.String(255))
    #: Wrong PINs given since child mode began; enough of them end the session.
    child_mode_failures: Mapped[int] = mapped_column(default=0, server_default="0")

    user: Mapped[User] = relationship()


class Allocation(db.Model):
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user.id"), index=True)
    child_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("child.id"), index=True)
    case_role: Mapped[CaseRole] = mapped_column(stored_enum(CaseRole, 20))
    start_date: Mapped[date]
    #: Last day of the allocation; open-ended while None.
    end_date: Mapped[date | None]

    user: Mapped[User] = relationship(back_populates="allocations")
    child: Mapped["Child"] = relationship(back_populates="allocations")  # noqa: F821

    def is_current(self, today: date) -> bool:
        return self.start_date <= today and (self.end_date is None or self.end_date >= today)


class PasswordLink(db.Model):
    """A one-time link by email with which a person sets their own password.

    Only the SHA-256 of the link's random token is stored, so the table cannot be used to sign
    in as anyone. A link works once, until it expires, and only while it is the newest one.
    """

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user.id"), index=True)
    #: SHA-256 (hex) of the token in the link.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: new_account, reset or reactivated: what the email says.
    purpose: Mapped[str] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    #: When it stopped working: used, or replaced by a newer link (see ``end_reason``).
    ended_at: Mapped[datetime | None]
    end_reason: Mapped[str | None] = mapped_column(sa.String(20))
    sent_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user.id"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class RoleGrant(db.Model):
    """A role that reads case records given to someone, or a move to another team.

    Kept so that the team's supervisor sees who was given access to their children, and by whom:
    an administrator manages people but must not hand out case access unseen.
    """

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user.id"), index=True)
    role: Mapped[Role] = mapped_column(stored_enum(Role, 20))
    team_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("team.id"), index=True)
    #: None for a new account.
    previous_role: Mapped[Role | None] = mapped_column(stored_enum(Role, 20))
    previous_team_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("team.id"))
    #: None when the operator did it at the server (``flask users create``).
    granted_by_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("user.id"))
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    previous_team: Mapped[Team | None] = relationship(foreign_keys=[previous_team_id])
    granted_by: Mapped[User | None] = relationship(foreign_keys=[granted_by_id])
