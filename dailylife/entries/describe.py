"""Entries in words: the questions and answer labels of their declarations, for pages and exports."""

from functools import cache

from dailylife.entries.declare import Choice, Many, Rows
from dailylife.entries.kinds import (ALL_KINDS, AMENDMENT_META_KEYS, QUESTION_LABELS,
                                     TRIANGULATION)


@cache
def _labels(kind: str) -> dict[str, tuple[str, dict]]:
    """key -> (question, {stored value: answer as shown}) for one kind's questions; for a list of
    rows, {key in a row: its question}, so that a ticked box in a row says what it means."""
    labels = {}
    for question in ALL_KINDS[kind].questions:
        labels[question.name] = (question.label, choices_of(question.answer))
    labels["triangulation"] = ("Checked against others?", dict(TRIANGULATION))
    labels["triangulation_by"] = ("Checked with", {})
    return labels


def choices_of(answer) -> dict:
    """{stored value: its words} of a question's answer (the tablet gets the same, published)."""
    if isinstance(answer, (Choice, Many)):
        return dict(answer.options)
    if isinstance(answer, Rows):
        return {question.name: question.label for question in answer.questions}
    return {}


def answer(value, choices: dict) -> str:
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if isinstance(value, list):
        return "; ".join(_list_item(item, choices) for item in value)
    return choices.get(value, str(value))


def _list_item(item, choices: dict) -> str:
    if isinstance(item, dict):
        return ", ".join(choices.get(key, key) if value is True else str(value)
                         for key, value in item.items() if value)
    return choices.get(item, str(item))


def described(kind: str, data: dict) -> list[tuple[str, str]]:
    """(question, answer) pairs in the declaration's order, for the answers that were given."""
    labels = _labels(kind)
    ordered = [key for key in labels if key in data] + [key for key in data if key not in labels]
    return [(labels.get(key, (QUESTION_LABELS.get(key, key), {}))[0],
             answer(data[key], labels.get(key, (key, {}))[1]))
            for key in ordered if data[key] is not None]


def corrections(amendment_data: dict) -> dict:
    """What an amendment changed, without its reason and bookkeeping."""
    return {key: value for key, value in amendment_data.items() if key not in AMENDMENT_META_KEYS}
