"""Hypothesis strategies for entries of every kind, drawn from their declarations: mostly answers a
practitioner could give, and among them the wrong ones a tablet, a bug or an attacker might send
(wrong types, blank or oversized texts, unknown options and keys, answers to questions that do
not apply, impossible dates)."""

import math

from hypothesis import strategies as st

from dailylife.entries.declare import (LINES_LIMIT, ROWS_LIMIT, SHORT_LIMIT, Choice, Day, Lines,
                                       Many, Number, Reference, Rows, Siblings, Text, Tick, YesNo)
from dailylife.entries.kinds import KINDS

#: Texts that test the edges of "blank": spaces of every kind, and one character that is not.
BLANKS = st.sampled_from(["", " ", "\t\n", "\u00a0", "\u3000 ", "\u2028", "\ufeff", "\u001c",
                          "\u0085", "\u180e", " x "])
WRONG_TYPES = st.one_of(st.integers(-3, 3), st.booleans(), st.just([]), st.just({}),
                        st.just(1.5))


def _text(answer: Text):
    return st.one_of(st.text(max_size=40), st.text(max_size=40), BLANKS,
                     st.just("x" * answer.limit), st.just("y" * (answer.limit + 1)),
                     st.just("before\u0000after"))


def _options(options):
    return [value for value, _ in options]


def _day():
    return st.one_of(st.dates().map(lambda day: day.isoformat()),
                     st.from_regex(r"\A[0-9]{4}-[0-9]{2}-[0-9]{2}\Z"),
                     st.sampled_from(["2024-02-29", "2023-02-29", "2026-04-31", "26-1-1", ""]))


def valid_looking(question):
    """An answer of the right shape (which may still be refused: blank, too long, not asked)."""
    answer = question.answer
    if isinstance(answer, Text):
        return _text(answer)
    if isinstance(answer, Choice):
        return st.sampled_from(_options(answer.options))
    if isinstance(answer, (YesNo, Tick)):
        return st.booleans()
    if isinstance(answer, Lines):
        return st.one_of(st.lists(st.text(max_size=20), max_size=4),
                         st.lists(st.just("z" * (SHORT_LIMIT + 1)), min_size=1, max_size=2),
                         st.just(["Mum"] * (LINES_LIMIT + 1)))
    if isinstance(answer, Number):
        return _number(answer, answer.minimum - 2, answer.maximum + 2)
    if isinstance(answer, Many):
        return st.lists(st.sampled_from(_options(answer.options)), max_size=3)
    if isinstance(answer, Day):
        return _day()
    if isinstance(answer, Reference):
        return st.one_of(st.uuids().map(str), st.text(max_size=40))
    if isinstance(answer, Siblings):
        return st.one_of(st.lists(st.uuids().map(str), max_size=2), st.just(["not-a-child"]))
    if isinstance(answer, Rows):
        row = answers_to(answer.questions)
        return st.one_of(st.lists(row, max_size=3), st.just([{}] * (ROWS_LIMIT + 1)))
    raise TypeError(answer)


def _number(answer: Number, low, high):
    """Whole numbers from ``low`` to ``high``; for a measure with decimals (a weight), numbers
    with two decimal places as well, the way scales show them."""
    whole = st.integers(math.ceil(low), math.floor(high))
    if answer.whole:
        return whole
    hundredths = st.integers(math.ceil(low * 100), math.floor(high * 100)).map(lambda n: n / 100)
    return st.one_of(whole, hundredths)


def any_answer(question):
    """Mostly an answer of the right shape; sometimes the wrong type, an unknown option, null."""
    wrong = [WRONG_TYPES, st.none()]
    if isinstance(question.answer, (Choice, Many)):
        wrong.append(st.text(max_size=12))
    return st.one_of(valid_looking(question), valid_looking(question), valid_looking(question),
                     *wrong)


def answers_to(questions):
    """A dict of answers: the required questions usually answered, the others sometimes, and now
    and then a key no question has."""
    required = {question.name: any_answer(question) for question in questions
                if question.required and question.applies is None}
    optional = {question.name: any_answer(question) for question in questions
                if question.name not in required}
    unknown = st.dictionaries(st.sampled_from(["colour", "visit_id", "Text", "text "]),
                              st.integers(0, 3), max_size=1)
    return st.tuples(st.fixed_dictionaries(required, optional=optional), unknown,
                     st.sets(st.sampled_from(sorted(required) or [""]), max_size=1)).map(
        lambda drawn: {key: value for key, value in {**drawn[0], **drawn[1]}.items()
                       if key not in drawn[2]})


def sound_answer(question):
    """An answer a careful practitioner gives: the right shape, within limits, not blank."""
    answer = question.answer
    if question.name in ("child_seen", "significant"):
        return st.just(False)  # the questions they open are left out of a sound entry
    if isinstance(answer, Text):
        return st.text(st.characters(categories=["L", "N", "P"]), min_size=1, max_size=30)
    if isinstance(answer, Lines):
        return st.lists(st.text(st.characters(categories=["L"]), max_size=20), max_size=4)
    if isinstance(answer, Number):
        return _number(answer, answer.minimum, answer.maximum)
    if isinstance(answer, Day):
        return st.dates().map(lambda day: day.isoformat())
    if isinstance(answer, Reference):
        return st.uuids().map(str)
    if isinstance(answer, Rows):
        return st.lists(sound_answers_to(answer.questions), max_size=3)
    if isinstance(answer, Siblings):
        return st.just([])  # naming a brother or sister needs a group (tests/test_siblings.py)
    return valid_looking(question)


def sound_answers_to(questions):
    """The required questions answered and some of the others, none that applies only sometimes."""
    asked = [question for question in questions if question.applies is None]
    return st.fixed_dictionaries(
        {question.name: sound_answer(question) for question in asked if question.required},
        optional={question.name: sound_answer(question) for question in asked
                  if not question.required})


def kind_items():
    """(kind, data) for any kind: half of them as a careful practitioner writes, half anything."""
    return st.one_of(*(st.tuples(st.just(name), answers)
                       for name, declaration in KINDS.items()
                       for answers in (sound_answers_to(declaration.questions),
                                       answers_to(declaration.questions))))
