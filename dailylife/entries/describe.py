"""Entries in words: the questions and answer labels of their declarations, for pages and exports."""

from functools import cache

from dailylife.entries.declare import Choice, Many, Reference, Rows
from dailylife.entries.kinds import (ALL_KINDS, AMENDMENT_META_KEYS, CONTRADICTED_BY,
                                     QUESTION_LABELS, TRIANGULATION)


@cache
def _labels(kind: str) -> dict[str, tuple[str, dict]]:
    """key -> (question, {stored value: answer as shown}) for one kind's questions; for a list of
    rows, {key in a row: its question}, so that a ticked box in a row says what it means."""
    labels = {}
    for question in ALL_KINDS[kind].questions:
        rows = question.answer if isinstance(question.answer, Rows) else None
        labels[question.name] = (question.label, rows or choices_of(question.answer))
    labels["triangulation"] = ("Checked against others?", dict(TRIANGULATION))
    labels["contradicted_by_kind"] = ("What contradicted it", dict(CONTRADICTED_BY))
    labels["triangulation_by"] = ("Checked with", {})
    return labels


def choices_of(answer) -> dict:
    """{stored value: its words} of a question's answer (the tablet gets the same, published)."""
    if isinstance(answer, (Choice, Many)):
        return dict(answer.options)
    if isinstance(answer, Rows):
        return {question.name: question.label for question in answer.questions}
    return {}


def answer(value, choices: dict | Rows, named: dict | None = None) -> str:
    """``named``: words for the ids of entries and conditions the answers name
    (``references.names``); an id without words is shown as it is."""
    named = named or {}
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if isinstance(value, list):
        return "; ".join(_row(item, choices, named)
                         if isinstance(choices, Rows) and isinstance(item, dict)
                         else _list_item(item, choices) for item in value)
    return choices.get(value, named.get(str(value).lower(), str(value)))


def _row(item: dict, rows: Rows, named: dict) -> str:
    """A row in words, in its questions' order: a ticked box says its question, a code its
    label; the id of an entry or of a condition is bookkeeping, shown only as its words."""
    parts = []
    for question in rows.questions:
        value = item.get(question.name)
        if value in (None, "", [], False):
            continue
        if isinstance(question.answer, Reference):
            parts += [named[str(value).lower()]] if str(value).lower() in named else []
            continue
        parts.append(question.label if value is True
                     else answer(value, choices_of(question.answer)))
    return ", ".join(parts)


def _list_item(item, choices: dict) -> str:
    if isinstance(item, dict):
        return ", ".join(choices.get(key, key) if value is True else str(value)
                         for key, value in item.items() if value)
    return choices.get(item, str(item))


def described(kind: str, data: dict, named: dict | None = None) -> list[tuple[str, str]]:
    """(question, answer) pairs in the declaration's order, for the answers that were given."""
    labels = _labels(kind)
    ordered = [key for key in labels if key in data] + [key for key in data if key not in labels]
    return [(labels.get(key, (QUESTION_LABELS.get(key, key), {}))[0],
             answer(data[key], labels.get(key, (key, {}))[1], named))
            for key in ordered if data[key] is not None]


def corrections(amendment_data: dict) -> dict:
    """What an amendment changed, without its reason and bookkeeping."""
    return {key: value for key, value in amendment_data.items() if key not in AMENDMENT_META_KEYS}
