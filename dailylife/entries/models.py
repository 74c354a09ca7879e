"""The Entry table: every piece of a child's record, append-only.

All kinds share one table. What the chronology filters on has its own indexed column; the rest of
each kind's fields live in ``data`` under the same names as the form fields (DESIGN.md section 4).
"""

import enum
import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dailylife.clock import utcnow
from dailylife.entries.kinds import ALL_KINDS
from dailylife.extensions import append_only, db, stored_enum
from dailylife.people.models import Role


class Kind(enum.StrEnum):
    VISIT = "visit"
    OBSERVATION = "observation"
    VOICE = "voice"
    HOUSEHOLD_CHANGE = "household_change"
    MOVE = "move"
    OVERSIGHT = "oversight"
    AMENDMENT = "amendment"
    ESCALATION = "escalation"
    HISTORY_FLAG = "history_flag"
    BIRTH = "birth"
    STATUS_CHANGE = "status_change"
    CONTACT = "contact"
    MEASUREMENT = "measurement"
    SAFETY_PLAN = "safety_plan"

    @property
    def label(self) -> str:
        return ALL_KINDS[self.value].label


JSONData = sa.JSON().with_variant(JSONB(), "postgresql")
#: The rows of partial indexes below.
REPORTED = sa.text("amends_id IS NULL AND triangulation IS NOT NULL")
CHECKS = sa.text("amends_id IS NOT NULL AND triangulation IS NOT NULL")
SOURCED = sa.text("amends_id IS NULL AND source IS NOT NULL")


@append_only
class Entry(db.Model):
    __table_args__ = (
        sa.Index("ix_entry_chronology", "child_id", "occurred_at", "id"),
        #: Practice signals read each child's latest entries of one kind (dailylife.signals).
        sa.Index("ix_entry_child_kind", "child_id", "kind", "occurred_at"),
        #: Reported information as written (unverified, or entered already checked), and the
        #: checks that cover it: the report_unverified signal counts them instead of reading them.
        sa.Index("ix_entry_reported", "child_id", "triangulation", "occurred_at",
                 sqlite_where=REPORTED, postgresql_where=REPORTED),
        sa.Index("ix_entry_checks", "child_id", "amends_id",
                 sqlite_where=CHECKS, postgresql_where=CHECKS),
        #: What may be an incident or a disclosure (``incident_decision_due``).
        sa.Index("ix_entry_incident", "child_id", "occurred_at",
                 sqlite_where=sa.text("incident = 1"), postgresql_where=sa.text("incident")),
        #: Entries by where their information came from: incidents the police, a hospital or
        #: emergency services reported, and the concerns others keep raising (``repeated_concerns``).
        sa.Index("ix_entry_source", "child_id", "source", "occurred_at",
                 sqlite_where=SOURCED, postgresql_where=SOURCED),
    )

    #: Made by the client (a UUID from the tablet), so a retried sync is recognised.
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    child_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("child.id"))
    kind: Mapped[Kind] = mapped_column(stored_enum(Kind, 20))
    #: When it happened, as the practitioner says.
    occurred_at: Mapped[datetime]
    #: The device clock when it was written down.
    recorded_at: Mapped[datetime]
    #: The server clock when it arrived.
    received_at: Mapped[datetime] = mapped_column(default=utcnow)
    author_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("user.id"), index=True)
    #: The author's role when they wrote it (roles change; the record must not).
    author_role: Mapped[str] = mapped_column(sa.String(20))
    device_id: Mapped[str | None] = mapped_column(sa.String(64))
    visit_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("entry.id"), index=True)
    #: The entry this one corrects (amendments only).
    amends_id: Mapped[uuid.UUID | None] = mapped_column(sa.ForeignKey("entry.id"), index=True)
    significant: Mapped[bool] = mapped_column(default=False)
    #: Written as an incident or a disclosure, or a correction marking one (``references``).
    incident: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    category: Mapped[str | None] = mapped_column(sa.String(30))
    source: Mapped[str | None] = mapped_column(sa.String(30))
    #: unverified / corroborated / contradicted, for reported information.
    triangulation: Mapped[str | None] = mapped_column(sa.String(20))
    data: Mapped[dict] = mapped_column(JSONData, default=dict)
    #: The device clock said it was written well after it reached the server: kept, but flagged.
    clock_skewed: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: Recorded once for brothers and sisters: every entry of that one write carries the id of
    #: the entry recorded for the child it was written from (``entries.operations``).
    sibling_write_id: Mapped[uuid.UUID | None] = mapped_column(index=True)

    author: Mapped["User"] = relationship()  # noqa: F821
    child: Mapped["Child"] = relationship()  # noqa: F821

    @property
    def author_role_label(self) -> str:
        """The author's role when they wrote it, in the words people read ("Social worker")."""
        return Role(self.author_role).label
