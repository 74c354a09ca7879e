"""The child whose daily life the record describes."""

import enum
import uuid
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from dailylife.clock import age_on, utcnow
from dailylife.extensions import db, stored_enum

#: How dates of birth and delivery read in the child's details: 3 Mar 2027.
DAY_FORMAT = "%-d %b %Y"
#: A baby with neither a name nor an expectant parent's name.
UNNAMED = "Baby, not named yet"


class LegalStatus(enum.StrEnum):
    """The legal frame of the case, from referral to closure: each child's is a dated history of
    ``status_change`` entries (``children.status``); ``Child.legal_status`` is the one in force."""

    REFERRAL = "referral"
    ASSESSMENT = "assessment"
    EARLY_HELP = "early_help"
    CHILD_IN_NEED = "child_in_need"
    CHILD_PROTECTION_PLAN = "child_protection_plan"
    LOOKED_AFTER = "looked_after"
    SUPERVISION_ORDER = "supervision_order"
    PRE_BIRTH = "pre_birth"
    CLOSED = "closed"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self.value]

    @property
    def level(self) -> int:
        """How much the status does for the child: a change to a lower level is a step down."""
        return STATUS_LEVELS[self.value]


#: The words of each status, in the order a supervisor chooses from.
STATUS_LABELS = {
    "referral": "Referral", "assessment": "Assessment", "early_help": "Early help",
    "child_in_need": "Child in need", "child_protection_plan": "Child protection plan",
    "looked_after": "Looked after", "supervision_order": "Supervision order",
    "pre_birth": "Pre-birth assessment", "closed": "Closed",
}
#: The step-down ladder, defined once (issue 17): closed, then early help, then child in need
#: with the statuses of a child being assessed (a referral, an assessment, a pre-birth
#: assessment), then the protective statuses (a plan, a supervision order, looked after). A move
#: down a rung is a step down; a move along a rung is not (child in need to an assessment, a
#: plan to looked after).
STATUS_LEVELS = {
    "closed": 0, "early_help": 1,
    "referral": 2, "assessment": 2, "pre_birth": 2, "child_in_need": 2,
    "child_protection_plan": 3, "supervision_order": 3, "looked_after": 3,
}


class Child(db.Model):
    __table_args__ = (
        #: A child is recorded once born or, before birth, with the date the baby is due.
        sa.CheckConstraint("date_of_birth IS NOT NULL OR expected_delivery_date IS NOT NULL",
                           name="born_or_expected"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=uuid.uuid4)
    #: None until the child has a name (an unborn baby): ``display_name`` stands in.
    name: Mapped[str | None] = mapped_column(sa.String(200))
    preferred_name: Mapped[str | None] = mapped_column(sa.String(100))
    #: None before birth; set by the supervisor's ``birth`` entry (``children.birth``).
    date_of_birth: Mapped[date | None]
    #: When an unborn baby is due; kept after the birth (the pre-birth assessment was timed by it).
    expected_delivery_date: Mapped[date | None]
    #: The expectant mother's (or parent's) name: an unnamed baby is "Baby of <this>".
    expectant_parent: Mapped[str | None] = mapped_column(sa.String(200))
    pronouns: Mapped[str | None] = mapped_column(sa.String(40))
    first_language: Mapped[str | None] = mapped_column(sa.String(80))
    communication_needs: Mapped[str | None] = mapped_column(sa.String(1000))
    #: The status in force: kept in step with the newest ``status_change`` entry by the one write
    #: path (``children.status.settle``); never set on its own.
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
    #: Brothers and sisters share it (``children.siblings``); None: linked to no other child.
    sibling_group_id: Mapped[uuid.UUID | None] = mapped_column(index=True)

    team: Mapped["Team"] = relationship()  # noqa: F821
    allocations: Mapped[list["Allocation"]] = relationship(back_populates="child")  # noqa: F821

    @hybrid_property
    def display_name(self) -> str:
        """The child's name, or for a baby not named yet whose baby it is."""
        if self.name:
            return self.name
        return f"Baby of {self.expectant_parent}" if self.expectant_parent else UNNAMED

    @display_name.inplace.expression
    @classmethod
    def _display_name_in_sql(cls):
        """The same in SQL, to list children by the name shown (a NULL name would sort first on
        SQLite and last on PostgreSQL)."""
        return sa.func.coalesce(cls.name, sa.literal("Baby of ") + cls.expectant_parent, UNNAMED)

    @property
    def known_as(self) -> str:
        if self.preferred_name:
            return self.preferred_name
        return self.name.split()[0] if self.name else self.display_name

    @property
    def unborn(self) -> bool:
        return self.date_of_birth is None

    def born_by(self, day: date) -> bool:
        """Was the child born on or before ``day``? (A visit before then met the expectant
        parent, not the child.)"""
        return self.date_of_birth is not None and self.date_of_birth <= day

    def age(self, on: date) -> str:
        """'3 years 2 months', or before birth 'Unborn, due 3 Mar 2027'."""
        if self.unborn:
            return f"Unborn, due {self.expected_delivery_date:{DAY_FORMAT}}"
        return age_on(self.date_of_birth, on)

    @property
    def birth_words(self) -> str:
        """'born 3 Mar 2020', or before birth 'unborn, due 3 Mar 2027' (page headings)."""
        if self.unborn:
            return f"unborn, due {self.expected_delivery_date:{DAY_FORMAT}}"
        return f"born {self.date_of_birth:{DAY_FORMAT}}"

    def current_allocations(self, today: date) -> list:
        return [a for a in self.allocations if a.is_current(today)]
