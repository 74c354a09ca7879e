"""The child whose daily life the record describes."""

import enum
import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dailylife.clock import age_on, utcnow
from dailylife.extensions import db, stored_enum


class LegalStatus(enum.StrEnum):
    CHILD_IN_NEED = "child_in_need"
    CHILD_PROTECTION_PLAN = "child_protection_plan"
    LOOKED_AFTER = "looked_after"

    @property
    def label(self) -> str:
        return {"child_in_need": "Child in need", "child_protection_plan": "Child protection plan",
                "looked_after": "Looked after"}[self.value]


class Child(db.Model):
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    name: Mapped[str] = mapped_column(sa.String(200))
    preferred_name: Mapped[str | None] = mapped_column(sa.String(100))
    date_of_birth: Mapped[date]
    pronouns: Mapped[str | None] = mapped_column(sa.String(40))
    first_language: Mapped[str | None] = mapped_column(sa.String(80))
    communication_needs: Mapped[str | None] = mapped_column(sa.String(1000))
    legal_status: Mapped[LegalStatus] = mapped_column(
        stored_enum(LegalStatus, 30))
    #: Days allowed between visits where the child is seen; the status's default while None.
    visit_interval_days: Mapped[int | None]
    #: The team responsible for the case: its supervisor oversees the child.
    team_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("team.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Made anew by every write of an entry about the child (``entries.operations``), never
    #: reused, so that what is computed from the record can be kept until it changes
    #: (``children.kept``). None until the first entry written after the column was added.
    record_stamp: Mapped[uuid.UUID | None]

    team: Mapped["Team"] = relationship()  # noqa: F821
    allocations: Mapped[list["Allocation"]] = relationship(back_populates="child")  # noqa: F821

    @property
    def known_as(self) -> str:
        return self.preferred_name or self.name.split()[0]

    def age(self, on: date) -> str:
        return age_on(self.date_of_birth, on)

    def current_allocations(self, today: date) -> list:
        return [a for a in self.allocations if a.is_current(today)]
