"""An entry's ``data`` judged by its kind's declaration: the one check for pages, sync and imports.

A page's answers are read from its form into the same JSON a tablet sends, then judged by the same
compiled schema; what passes is stored as ``stored`` keeps it.
"""

from collections.abc import Callable
from datetime import date

from wtforms import FieldList

from dailylife.clock import local_today, to_local
from dailylife.entries.declare import Day, Lines, Rows, Tick
from dailylife.entries.kinds import (AMENDMENT, AMENDMENT_META_KEYS, INDEPENDENT_EVIDENCE, KINDS,
                                     TRIANGULATION, TRIANGULATION_CHECK, TRIANGULATION_KEYS,
                                     is_reported)
from dailylife.entries.schema import DRAFT, Checker, holds, kind_schema, object_schema
from dailylife.safety import plans

#: Correcting these would move the entry between chronology filters, or show the team what the
#: child did not agree to share (or hide what it has read), or say that a visit met the child
#: where the record says the baby was not born (or the other way round): withdraw and re-record.
#: By kind: the same key of another kind (a history flag's source) is only words, and is
#: corrected as such.
FIXED_KEYS = {"observation": ("category", "source"), "voice": ("share_with_team",),
              "visit": ("unborn",), "household_change": ("information_source",)}

CHECKERS = {name: Checker(kind_schema(declaration)) for name, declaration in KINDS.items()}
#: The meta answers of a correction; its other keys are the corrected answers of the amended kind.
AMENDMENT_CHECKER = Checker(kind_schema(AMENDMENT, closed=False))
TRIANGULATION_CHECKER = Checker({"$schema": DRAFT, **object_schema(TRIANGULATION_CHECK,
                                                                   INDEPENDENT_EVIDENCE)})


def validate(kind: str, data) -> tuple[dict | None, dict]:
    """(the data as stored, {}) or (None, {field: [messages]})."""
    if kind not in KINDS:
        return None, {"kind": [f"Unknown kind “{kind}”. Use one of: {', '.join(KINDS)}."]}
    errors = CHECKERS[kind].problems(data) or dated_problems(kind, data)
    if errors:
        return None, errors
    return STORED[kind](data), {}


def dated_problems(kind: str, data: dict) -> dict:
    """What the kind's own check of today's date finds in answers that passed its schema."""
    check = KINDS[kind].check
    return check(data, local_today()) if check is not None else {}


def storing(questions) -> Callable[[dict], dict]:
    """What is kept of valid answers to ``questions``, in the declaration's order: unanswered
    questions left out, tick boxes as true or false (or left out, for those that say nothing
    unticked), lines trimmed. How each answer is kept is decided here, once per kind, not again
    for every entry a sync batch brings."""
    steps = [(question.name, _keeping(question.answer)) for question in questions]

    def stored(data: dict) -> dict:
        kept = {}
        for name, keep in steps:
            value = data.get(name)
            if keep is not None:
                value = keep(value)
            if value is not None and value != "" and value != []:
                kept[name] = value
        return kept

    return stored


def _keeping(answer) -> Callable | None:
    """How one answer is kept (None: as it was sent)."""
    if isinstance(answer, Tick):
        return lambda value: _ticked(answer, value)
    if isinstance(answer, Lines):
        return lambda value: [line.strip() for line in value if line.strip()] if value else value
    if isinstance(answer, Rows):
        row_stored = storing(answer.questions)
        return lambda value: [row_stored(row) for row in value] if value else value
    return None


def _ticked(tick: Tick, value):
    value = tick.default if value is None else value
    return None if value is False and not tick.keep_false else value


STORED = {name: storing(declaration.questions) for name, declaration in KINDS.items()}
AMENDMENT_STORED = storing(AMENDMENT.questions)


def without_unasked(questions, answers: dict) -> dict:
    """The answers less those to questions that do not apply to the others (a page without
    script shows every question; the tablet's script hides these and leaves them out)."""
    kept = dict(answers)
    for question in questions:
        if (question.applies is not None and kept.get(question.name) is not None
                and not holds(question.applies, kept)):
            del kept[question.name]
    return kept


# --- Pages: between a form and the JSON a tablet would send -------------------------------------

def answers_of(form, questions, *, keep_empty: bool = False) -> dict:
    """A page form's answers as JSON: empty answers left out (or None with ``keep_empty``, so
    that a correction can clear an answer), False kept."""
    answers = {}
    for question in questions:
        value = _json_value(form[question.name], question)
        if value is None or value == "" or value == []:
            if keep_empty:
                answers[question.name] = None
            continue
        answers[question.name] = value
    return answers


def _json_value(field, question):
    if isinstance(question.answer, Rows):
        return [answers_of(row.form, question.answer.questions) for row in field]
    if isinstance(question.answer, Day):
        return field.data.isoformat() if isinstance(field.data, date) else None
    return field.data


def form_values(questions, data: dict) -> dict:
    """Stored ``data`` as a form takes it (dates as dates), to show an entry for correction."""
    values = dict(data)
    for question in questions:
        value = data.get(question.name)
        if isinstance(question.answer, Day) and isinstance(value, str):
            values[question.name] = _date_or_none(value)
        elif isinstance(question.answer, Rows) and isinstance(value, list):
            values[question.name] = [form_values(question.answer.questions, row)
                                     for row in value if isinstance(row, dict)]
    return values


def _date_or_none(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def check_page(form, kind: str) -> dict | None:
    """Judge a page's answers as a synced item would be: the stored data, or None with each
    message put at its field."""
    questions = KINDS[kind].questions
    clean, errors = validate(kind, without_unasked(questions, answers_of(form, questions)))
    show_errors(errors, form)
    return clean


def show_errors(errors: dict, *forms, fallback=None) -> None:
    """Put each message at its field in the first of ``forms`` that has it (``actions-0-due`` is a
    field of a row); one that no form has goes to ``fallback``."""
    for name, messages in errors.items():
        field = next((found for form in forms if (found := field_named(form, name)) is not None),
                     fallback)
        if field is not None:
            field.errors = [*field.errors, *messages]


def field_named(form, name: str):
    if name in form._fields:
        return form._fields[name]
    head, _, rest = name.partition("-")
    index, _, inner = rest.partition("-")
    rows = form._fields.get(head)
    if isinstance(rows, FieldList) and index.isdigit() and int(index) < len(rows.entries):
        return field_named(rows.entries[int(index)].form, inner)
    return None


# --- Corrections --------------------------------------------------------------------------------

def validate_amendment(version, data) -> tuple[dict | None, dict]:
    """Check an amendment of ``version`` (the entry as it reads now).

    The amendment keeps its reason and the corrected keys that really change; the corrected entry
    as a whole must still pass its kind's declaration, so a correction cannot make an entry
    invalid. Answers that no longer apply once corrected are cleared by the amendment.
    """
    if not isinstance(data, dict):
        return None, {"data": ["data must be a JSON object."]}
    kind = version.entry.kind.value
    if kind not in KINDS:
        return None, {"amends_id": ["Entries of this kind cannot be amended."]}
    meta = {key: data[key] for key in AMENDMENT_META_KEYS if key in data}
    corrections = {key: value for key, value in data.items() if key not in AMENDMENT_META_KEYS}
    errors = AMENDMENT_CHECKER.problems(meta)
    check = {key: corrections.pop(key) for key in TRIANGULATION_KEYS if key in corrections}
    triangulation = {key: value for key, value in check.items()
                     if version.data.get(key) != value}
    if triangulation:
        errors.update(_triangulation_problems(version, check, meta))
        # A check is said whole: what an earlier check said and this one does not is cleared.
        triangulation.update({key: None for key in TRIANGULATION_KEYS
                              if key not in check and version.data.get(key) is not None})
    if corrections.get("also_for"):
        errors["also_for"] = ["A correction corrects this child's entry only: correct a brother's "
                              "or sister's entry from their own record."]
    for key in FIXED_KEYS.get(kind, ()):
        if key in corrections and corrections[key] != version.data.get(key):
            errors[key] = ["This cannot be corrected. Withdraw the entry (entered in error) and "
                           "record it again with the right answer."]
    if kind == "status_change":
        errors.update(_decision_problems(version, corrections, meta))
    if kind == "visit" and "safety_plan_checks" in corrections and (
            corrections["safety_plan_checks"] != version.data.get("safety_plan_checks")):
        # Checks changed by a correction name the child's current plan, as a new visit's do.
        errors.update(plans.check_problems(version.entry.child, corrections))
    questions = KINDS[kind].questions
    merged = {key: value for key, value in {**version.data, **corrections}.items()
              if key not in TRIANGULATION_KEYS}
    asked = without_unasked(questions, merged)
    corrections.update({key: None for key in merged if key not in asked})
    errors.update(CHECKERS[kind].problems(asked) or dated_problems(kind, asked))
    corrected = STORED[kind](asked) if not errors else asked
    changed = {key: corrected.get(key) for key in corrections
               if version.data.get(key) != corrected.get(key)}
    changed.update(triangulation)
    if not changed and not meta.get("withdrawn") and not errors:
        errors["reason"] = ["Nothing was changed. Correct at least one answer, or withdraw the entry."]
    if errors:
        return None, errors
    return {**AMENDMENT_STORED(meta), **changed}, {}


def _decision_problems(version, corrections: dict, meta: dict) -> dict:
    """A status decision stands as it was taken (its reasons and details can be corrected): a
    later decision changes the status, and is checked as a decision, step-down and all."""
    errors = {}
    if meta.get("withdrawn"):
        errors["withdrawn"] = ["A status decision cannot be withdrawn. Record a new status change "
                               "with its reasons."]
    if "status" in corrections and corrections["status"] != version.data.get("status"):
        errors["status"] = ["A status decision's status cannot be corrected. Record a new status "
                            "change with its reasons."]
    return errors


def _triangulation_problems(version, check: dict, meta: dict) -> dict:
    """A check's own answers, all of them as given (a second check that repeats the first's
    outcome says again what contradicted it), said in the words of a check (its reason is what
    was found), and what has become of the report since the checker saw it."""
    if not is_reported(version.entry.kind.value, version.data):
        return {"triangulation": ["Only information that someone reported can be corroborated or "
                                  "contradicted."]}
    if version.withdrawn:
        return {"triangulation": ["This report was withdrawn (entered in error), so there is "
                                  "nothing left to check. Nothing was saved."]}
    earlier = _check_made_since(version, meta.get("based_on"))
    if earlier is not None:
        return {"triangulation": [_already_checked(earlier)]}
    answers = {key: value for key, value in check.items() if value is not None}
    return TRIANGULATION_CHECKER.problems({**answers, "reason": meta.get("reason", "")})


def _check_made_since(version, based_on: str | None):
    """The latest check recorded after the version the checker saw (two people checking the
    same report at once), or None. A check made from the version that holds the other check is
    a deliberate second source, and welcome."""
    seen = [str(version.entry.id), *(str(amendment.id) for amendment in version.amendments)]
    if based_on is None or based_on == seen[-1]:
        return None
    since = version.amendments[seen.index(based_on):] if based_on in seen else version.amendments
    return next((amendment for amendment in reversed(since)
                 if amendment.data.get("triangulation")), None)


def _already_checked(check) -> str:
    outcome = dict(TRIANGULATION)[check.data["triangulation"]]
    when = to_local(check.received_at).strftime("%-d %b %Y")
    return (f"This report was already checked by {check.author.display_name} on {when}: "
            f"{outcome} ({check.data.get('triangulation_by', '')}). Nothing was saved. Reload the "
            "page to see their check; to add another source, check it again from the report.")
