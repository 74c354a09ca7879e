"""Whether an export of the chronology carries the advocates' confidential notes.

A PDF or CSV goes to a child protection conference, well beyond the people who may read what the
child did not agree to share. So whoever may read the notes (``READ_CONFIDENTIAL``) chooses on the
export form, and leaving them out is the default: the export then reads as the team's chronology
does (each note a sealed row with its date, never answering the "significant" filter), and each
sealed row says it was left out. Someone who may not read the notes has no choice to make: their
export shows the notes as their chronology does.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace

from wtforms import Form, RadioField
from wtforms.validators import ValidationError

from dailylife.access import Action, entry_reader, sealed
from dailylife.chronology.rows import Row, rows_for

LEAVE_OUT, INCLUDE = "leave_out", "include"
#: The audit says what happened to the notes.
AUDITED = {LEAVE_OUT: "left_out", INCLUDE: "included"}
#: Added to a sealed row's words when the reader chose to leave the note out.
LEFT_OUT = "It was left out of this export."
NOT_YOURS = ("only the child's advocate and the team manager read these notes, so they cannot be "
             "included in your export. Remove confidential_notes from the address.")


class ChoiceForm(Form):
    """The export form's question on the notes, read from the address like the filters; only a
    reader who may read the notes (``offered``) is asked it or may answer "include"."""

    confidential_notes = RadioField(
        "Confidential advocate notes",
        choices={LEAVE_OUT: "Leave them out: show only the date of each",
                 INCLUDE: "Include them word for word"},
        description="What the child told their advocate and did not agree to share with the "
                    "social work team. Include them only if everyone who will read this export "
                    "may read them.",
        default=LEAVE_OUT, validate_choice=False)

    def __init__(self, formdata, *, offered: bool):
        super().__init__(formdata)
        #: The reader may read the notes, so the choice is theirs.
        self.offered = offered

    def validate_confidential_notes(self, field):
        if field.data not in AUDITED:
            raise ValidationError(f"choose “{LEAVE_OUT}” or “{INCLUDE}”, not “{field.data}”.")
        if field.data == INCLUDE and not self.offered:
            raise ValidationError(NOT_YOURS)

    @property
    def include(self) -> bool:
        return self.confidential_notes.data == INCLUDE

    def audited(self) -> dict[str, str]:
        """The choice for the export's audit event; nothing for a reader who had none."""
        return {"confidential_notes": AUDITED[self.confidential_notes.data]} if self.offered else {}

    def reading(self, actions: set[Action]) -> set[Action]:
        """The actions the export's query reads with: leaving the notes out reads as the team."""
        return actions if self.include else actions - {Action.READ_CONFIDENTIAL}

    def row_maker(self, user, child) -> Callable[..., list[Row]]:
        """``rows(child, entries)``: the export's rows, usable after the request's session closed
        (the CSV streams), with the notes sealed unless the reader chose to include them."""
        readable = entry_reader(user, child)
        left_out = self.offered and not self.include

        def exported(entry) -> bool:
            return readable(entry) and not (left_out and sealed(entry))

        def rows(child_now, entries) -> list[Row]:
            found = rows_for(child_now, entries, exported)
            if not left_out:
                return found
            return [replace(row, summary=f"{row.summary} {LEFT_OUT}") if row.sealed else row
                    for row in found]

        return rows

    def note(self, rows: list[Row]) -> str | None:
        """What the PDF says above its entries about the notes it left out or carries."""
        if not self.offered:
            return None
        if not self.include:
            count = sum(row.sealed for row in rows)
            return (f"{_notes(count)} {'was' if count == 1 else 'were'} left out of this export "
                    "(each shows only its date)." if count else None)
        count = sum(not row.sealed and not row.unshowable and sealed(row.entry) for row in rows)
        return (f"This export includes {_notes(count)} word for word: the child did not agree "
                "to share them with the social work team. Share it only with those who must "
                "read them." if count else None)


def _notes(count: int) -> str:
    return f"{count} confidential advocate note{'' if count == 1 else 's'}"


def choice_form(args, actions: set[Action]) -> ChoiceForm:
    return ChoiceForm(args, offered=Action.READ_CONFIDENTIAL in actions)
