"""The words a kind of entry is declared in: its questions, their answers, when each applies.

A declaration is plain data. ``entries.schema`` turns it into the JSON Schema that both the
server and the tablet validate with, ``entries.forms`` into the WTForms form of its pages, and
``entries.describe`` into words for pages and exports; nothing else states a kind's rules.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

#: The longest text a practitioner may write in one field (characters), documented in the README.
TEXT_LIMIT = 20_000
SHORT_LIMIT = 200
#: The longest postal address, on several lines (a flat, a house name, a street, a town, a
#: postcode fit in well under this).
ADDRESS_LIMIT = 500
#: The most lines in a list such as "who was present", and the longest line.
LINES_LIMIT = 50
#: The most rows a list of structured answers may hold (actions of an oversight).
ROWS_LIMIT = 50

#: What counts as blank, written out so that Python and JavaScript regular expressions agree on
#: it exactly (their ``\s`` differ at the edges of Unicode).
BLANK = "\t\n\u000b\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
NOT_BLANK = f"[^{BLANK}]"
#: PostgreSQL cannot store a NUL character in JSON text: refuse it rather than fail to store it.
NO_NUL = "^[^\u0000]*$"
UUID_PATTERN = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


# --- Answers: what a question takes, as JSON ---------------------------------------------------

@dataclass(frozen=True)
class Text:
    """Free text, kept exactly as typed. ``short`` is one line (a name, a place); ``maximum``
    bounds a text on several lines that is not an account of events (an address)."""

    short: bool = False
    maximum: int | None = None

    @property
    def limit(self) -> int:
        return self.maximum or (SHORT_LIMIT if self.short else TEXT_LIMIT)


@dataclass(frozen=True)
class Choice:
    """One of a fixed list of answers, stored as its code. A short list asked all day is shown as
    ``buttons`` (one tap each) rather than a drop-down list (two taps)."""

    options: tuple[tuple[str, str], ...]
    placeholder: str = "Choose one"
    buttons: bool = False


@dataclass(frozen=True)
class YesNo:
    """Yes or no; unanswered (or ``not_applicable``, when the form offers it) is left out."""

    not_applicable: str | None = None


@dataclass(frozen=True)
class Tick:
    """A tick box. Unticked is stored as ``false`` unless ``keep_false`` is off (then left out)."""

    default: bool = False
    keep_false: bool = True


@dataclass(frozen=True)
class Lines:
    """A list of short texts, typed one per line (who was present)."""


@dataclass(frozen=True)
class Number:
    """A number between ``minimum`` and ``maximum`` (``message`` otherwise): a whole number
    unless ``whole`` is off (a weight in kilograms, 7.25)."""

    minimum: int | float
    maximum: int | float
    message: str
    whole: bool = True


@dataclass(frozen=True)
class Many:
    """Any of a fixed list of answers (tick boxes), stored as a list of codes."""

    options: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Day:
    """A calendar date, stored as YYYY-MM-DD."""


@dataclass(frozen=True)
class Reference:
    """The id of another entry (which one is checked against the record when it is saved)."""


@dataclass(frozen=True)
class Rows:
    """A list of small structured answers (the actions of an oversight), each its own questions."""

    questions: tuple["Question", ...]
    noun: str = "row"


@dataclass(frozen=True)
class Siblings:
    """Brothers and sisters of the child (their ids) that the entry is recorded for as well; which
    children may be named is checked against the sibling group when it is saved."""


Answer = Text | Choice | YesNo | Tick | Lines | Number | Many | Day | Reference | Rows | Siblings


# --- When a question applies --------------------------------------------------------------------

@dataclass(frozen=True)
class Condition:
    """A test of the entry's other answers, as a JSON Schema over the entry's data, and in words
    for the message that says why an answer was not expected."""

    schema: dict
    words: str

    def __and__(self, other: "Condition") -> "Condition":
        return Condition({"allOf": [self.schema, other.schema]}, f"{self.words} and {other.words}")

    def __invert__(self) -> "Condition":
        return Condition({"not": self.schema}, f"not {self.words}")


def when(name: str, *values, words: str) -> Condition:
    """The answer to ``name`` is one of ``values`` (a question not answered is none of them)."""
    return Condition({"required": [name], "properties": {name: {"enum": list(values)}}}, words)


# --- Questions, rules and kinds -----------------------------------------------------------------

@dataclass(frozen=True)
class Question:
    name: str
    label: str
    answer: Answer
    #: The message when it is not answered (None: it may be left out).
    required: str | None = None
    #: It is asked only when this holds; otherwise it must be left out (and pages drop it).
    applies: Condition | None = None
    #: The message when it was answered although it does not apply (a default is made).
    not_asked: str | None = None
    #: Shown under the question.
    help: str | None = None

    @property
    def not_asked_message(self) -> str:
        return self.not_asked or f"Leave “{self.label}” empty: it is asked only when {self.applies.words}."


@dataclass(frozen=True)
class Rule:
    """A check across answers that the questions cannot say on their own: a JSON Schema over the
    entry's data; when the data fails it, ``message`` is shown at ``field``."""

    field: str
    message: str
    schema: dict


#: The question of every kind recorded once for brothers and sisters (``for_siblings``): it is
#: not kept in the entry's data; the entries of one such write share ``Entry.sibling_write_id``.
ALSO_FOR = Question("also_for", "Also record for", Siblings(),
                    help="The same entry is saved in each brother's or sister's record too.")


@dataclass(frozen=True)
class KindDeclaration:
    name: str
    label: str
    questions: tuple[Question, ...]
    rules: tuple[Rule, ...] = ()
    #: The access policy's action a user needs to write this kind (``access.Action`` values).
    action: str = "record"
    #: The macro of ``templates/entries/_fields.html`` that lays out its questions.
    fields_macro: str | None = None
    #: What the entry says in one line of the chronology and the CSV (its data, as it reads now).
    summary: Callable[[dict], str] | None = None
    #: Checks that change with the day, which a published schema cannot hold (a year not yet
    #: come): ``(data, today) -> {field: [messages]}``, run by the server after the schema.
    check: Callable[[dict, date], dict] | None = None
    #: Recorded once for brothers and sisters: the kind is asked ``ALSO_FOR`` as its last question.
    for_siblings: bool = False

    def __post_init__(self):
        if self.for_siblings:
            object.__setattr__(self, "questions", (*self.questions, ALSO_FOR))

    def question(self, name: str) -> Question | None:
        return next((question for question in self.questions if question.name == name), None)
