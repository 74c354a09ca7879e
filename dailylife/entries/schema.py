"""Each kind's declaration as JSON Schema (draft 2020-12), and validation with it.

The same schema is published to the tablet (``entries.rules``), which validates every item with
``@cfworker/json-schema`` before saving it; the server validates with ``jsonschema-rs``. Every
check sits in a *rule*: a subschema carrying ``x-field`` and ``x-message``. ``locate`` turns an
error of either validator into the field and message of its rule, the same way on both sides
(``static/js/rules.js`` is its twin), so the tablet shows what the server would say, where it
would say it.
"""

import json
from functools import cache

import jsonschema_rs

from dailylife.entries.declare import (LINES_LIMIT, NO_NUL, NOT_BLANK, ROWS_LIMIT, SHORT_LIMIT,
                                       TEXT_LIMIT, UUID_PATTERN, Choice, Condition, Day,
                                       KindDeclaration, Lines, Many, Number, Question, Reference,
                                       Rows, Siblings, Text, Tick, YesNo)

DRAFT = "https://json-schema.org/draft/2020-12/schema"
UNKNOWN = "Unknown field: it is not part of this kind of entry."
NOT_AN_OBJECT = "data must be a JSON object of the entry's fields."
#: PostgreSQL cannot keep a NUL character in text: it is refused with the wrong type.
TEXT = "Must be text (without NUL characters)."
LINES = "Must be a list of texts (without NUL characters)."
WHOLE_NUMBER = "Must be a whole number."
A_NUMBER = "Must be a number, for example 7.25."


def rule(field: str, message: str, schema: dict) -> dict:
    return {"x-field": field, "x-message": message, **schema}


def _answer_checks(answer) -> list[tuple[str, dict]]:
    """(message, schema of the value) for each check of one answer's type and limits."""
    if isinstance(answer, Text):
        too_long = (f"This is longer than {answer.limit:,} characters. Split it into more than "
                    "one entry." if answer.limit == TEXT_LIMIT
                    else f"Keep this under {answer.limit} characters.")
        return [(TEXT, {"type": ["string", "null"], "pattern": NO_NUL}),
                (too_long, {"maxLength": answer.limit})]
    if isinstance(answer, Choice):
        values = [value for value, _ in answer.options]
        return [(f"This is not one of the options: {_in_words(answer)}.",
                 {"enum": [*values, None]})]
    if isinstance(answer, (YesNo, Tick)):
        return [("Must be true or false.", {"type": ["boolean", "null"]})]
    if isinstance(answer, Lines):
        return [(LINES, {"type": ["array", "null"], "items": {"type": "string", "pattern": NO_NUL}}),
                (f"At most {LINES_LIMIT} lines.", {"maxItems": LINES_LIMIT}),
                (f"Keep each line under {SHORT_LIMIT} characters.",
                 {"items": {"maxLength": SHORT_LIMIT}})]
    if isinstance(answer, Number):
        return [(WHOLE_NUMBER, {"type": ["integer", "null"]}) if answer.whole
                else (A_NUMBER, {"type": ["number", "null"]}),
                (answer.message, {"minimum": answer.minimum, "maximum": answer.maximum})]
    if isinstance(answer, Many):
        values = [value for value, _ in answer.options]
        return [(f"Choose from: {_in_words(answer)}.",
                 {"type": ["array", "null"], "items": {"enum": values}}),
                ("Choose each answer once.", {"uniqueItems": True})]
    if isinstance(answer, Day):
        return [("Give a date as YYYY-MM-DD, for example 2026-12-31.",
                 {"type": ["string", "null"], "format": "date"})]
    if isinstance(answer, Reference):
        return [("Must be the id (a UUID) of an entry.",
                 {"type": ["string", "null"], "pattern": UUID_PATTERN})]
    if isinstance(answer, Siblings):
        return [("Must be a list of ids (UUIDs) of brothers and sisters of the child.",
                 {"type": ["array", "null"], "items": {"type": "string", "pattern": UUID_PATTERN}}),
                ("Name each brother or sister once.", {"uniqueItems": True}),
                (f"At most {LINES_LIMIT} brothers and sisters.", {"maxItems": LINES_LIMIT})]
    if isinstance(answer, Rows):
        return [("Must be a list of objects.",
                 {"type": ["array", "null"], "items": {"type": "object"}}),
                (f"At most {ROWS_LIMIT} {answer.noun}s.", {"maxItems": ROWS_LIMIT})]
    raise TypeError(f"No checks for {answer!r}")


def _in_words(answer: Choice | Many) -> str:
    """The options as people read them: the message may reach a person on the tablet."""
    return "; ".join(label for _, label in answer.options)


def _answered(question: Question) -> dict:
    """The question has an answer: present, not null, and not blank text or an empty list."""
    value: dict = {"not": {"type": "null"}}
    if isinstance(question.answer, Text):
        value["pattern"] = NOT_BLANK
    elif isinstance(question.answer, (Lines, Many, Rows, Siblings)):
        value["minItems"] = 1
    return {"required": [question.name], "properties": {question.name: value}}


def _question_rules(question: Question) -> list[dict]:
    name = question.name
    rules = [rule(name, message, {"properties": {name: check}})
             for message, check in _answer_checks(question.answer)]
    if isinstance(question.answer, Rows):
        rows = object_schema(question.answer.questions)
        rules.append({"properties": {name: {"items": rows}}})
    if question.required:
        answered = _answered(question)
        rules.append(rule(name, question.required, answered if question.applies is None else
                          {"if": question.applies.schema, "then": answered}))
    if question.applies is not None:
        rules.append(rule(name, question.not_asked_message,
                          {"if": {"not": question.applies.schema},
                           "then": {"properties": {name: {"type": "null"}}}}))
    return rules


def object_schema(questions, rules=(), *, closed: bool = True) -> dict:
    """The schema of an object answering ``questions``: unknown keys refused unless not ``closed``."""
    schema = {"properties": {question.name: {} for question in questions},
              "allOf": [check for question in questions for check in _question_rules(question)]
              + [rule(extra.field, extra.message, extra.schema) for extra in rules]}
    if closed:
        schema["additionalProperties"] = rule("", UNKNOWN, {"not": {}})
    return schema


def kind_schema(declaration: KindDeclaration, *, closed: bool = True) -> dict:
    """The whole schema of one kind's ``data``, as published."""
    schema = object_schema(declaration.questions, declaration.rules, closed=closed)
    schema["allOf"].insert(0, rule("data", NOT_AN_OBJECT, {"type": "object"}))
    return {"$schema": DRAFT, **schema}


# --- Validation ----------------------------------------------------------------------------------

ONE_CHILD = ("if", "then", "else", "not", "contains")
NAMED_CHILD = ("properties", "patternProperties", "$defs")
NUMBERED_CHILD = ("allOf", "anyOf", "oneOf", "prefixItems")
DEEPER = ("items", "additionalProperties")


def locate(schema: dict, keyword_path, instance_path) -> tuple[str, str] | None:
    """The (field, message) of the rule an error failed, or None for an error that only sums up
    others. ``keyword_path`` leads from the schema's root to the failing keyword, ``instance_path``
    from the data's root to the failing value; the field is the rule's key, under the rows it is in
    (``actions-0-due``)."""
    node, depth, found, steps = schema, 0, None, list(keyword_path)
    index = 0
    while index < len(steps):
        step = steps[index]
        if step in NAMED_CHILD or step in NUMBERED_CHILD:
            if index + 1 >= len(steps):
                break
            key = steps[index + 1]
            node = node[step][int(key) if step in NUMBERED_CHILD else key]
            depth += step in ("properties", "patternProperties")
            index += 2
        elif step in DEEPER or step in ONE_CHILD:
            node = node[step]
            depth += step in DEEPER
            index += 1
        else:
            break
        if isinstance(node, dict) and "x-message" in node:
            found = (node, depth)
    instance_path = list(instance_path)
    if found is None or len(instance_path) < found[1]:
        return None  # a summary of other errors (some validators repeat them at the parent)
    rule_node, depth = found
    path = [str(part) for part in instance_path[:depth]]
    if rule_node["x-field"]:
        path.append(rule_node["x-field"])
    return "-".join(path), rule_node["x-message"]


class Checker:
    """One kind's compiled schema: made once, used for every item of that kind."""

    def __init__(self, schema: dict):
        self.schema = schema
        self.validator = jsonschema_rs.validator_for(schema, validate_formats=True)

    def problems(self, data) -> dict[str, list[str]]:
        """``{field: [messages]}`` for what is wrong with ``data``; empty when it passes."""
        if self.validator.is_valid(data):
            return {}
        found: dict[str, list[str]] = {}
        for error in self.validator.iter_errors(data):
            located = locate(self.schema, error.schema_path, error.instance_path)
            if located is None:
                continue
            field, message = located
            messages = found.setdefault(field, [])
            if message not in messages:
                messages.append(message)
        return found


@cache
def _compiled(condition_json: str):
    return jsonschema_rs.validator_for(json.loads(condition_json)).is_valid


def holds(condition: Condition, answers: dict) -> bool:
    """Does the condition hold for these answers (compiled once per condition)?"""
    return _compiled(json.dumps(condition.schema, sort_keys=True))(answers)
