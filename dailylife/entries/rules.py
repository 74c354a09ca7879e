"""Every kind's rules, published for the tablet at one versioned URL that the service worker
precaches with the app shell: before saving anything offline, the tablet validates it with these
very schemas (``static/js/rules.js``), so what it saves is what the server accepts.
"""

import hashlib
import json
from functools import cache

from flask import Blueprint, current_app, url_for

from dailylife.access import Action, requires
from dailylife.entries import operations
from dailylife.entries.describe import choices_of
from dailylife.entries.kinds import AMENDMENT, KINDS, TRIANGULATION_CHECK
from dailylife.entries.payload import AMENDMENT_CHECKER, CHECKERS, TRIANGULATION_CHECKER

bp = Blueprint("rules", __name__)


def document() -> dict:
    """The published rules: the envelope's moments, each kind's schema and the labels of its
    questions (the tablet names a refused answer by its question)."""
    kinds = {name: described(declaration, CHECKERS[name].schema)
             for name, declaration in KINDS.items()}
    kinds[AMENDMENT.name] = described(AMENDMENT, AMENDMENT_CHECKER.schema)
    return {
        "envelope": {
            "earliest": operations.EARLIEST_MOMENT.isoformat().replace("+00:00", "Z"),
            "ahead_seconds": int(operations.CLOCK_TOLERANCE.total_seconds()),
            "messages": {"missing": operations.MOMENT_MISSING,
                         "future": operations.MOMENT_IN_FUTURE,
                         "too_early": operations.MOMENT_TOO_EARLY},
        },
        "kinds": kinds,
        #: A check of reported information is a correction with its own questions.
        "checks": {"triangulation": {
            "label": "Check of reported information", "schema": TRIANGULATION_CHECKER.schema,
            "labels": {question.name: question.label for question in TRIANGULATION_CHECK}}},
    }


def described(declaration, schema: dict) -> dict:
    """The kind's words for the tablet: its questions, and its choices' answers, so that an
    offline page shows "Domestic abuse" where the record holds ``domestic_abuse``."""
    return {"label": declaration.label, "schema": schema,
            "labels": {question.name: question.label for question in declaration.questions},
            "answers": {question.name: choices_of(question.answer)
                        for question in declaration.questions if choices_of(question.answer)}}


@cache
def published() -> tuple[str, str]:
    """(the document as JSON, its version): the same for the life of the process."""
    body = json.dumps(document(), ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return body, hashlib.sha256(body.encode()).hexdigest()[:16]


def rules_url() -> str:
    """The document's versioned URL: a release that changes a rule changes it."""
    return url_for("rules.rules_document", v=published()[1])


@bp.get("/rules.json")
@requires(Action.PUBLIC)
def rules_document():
    """No personal data: the rules alone, the same for everyone."""
    response = current_app.response_class(published()[0], mimetype="application/json")
    response.headers["Cache-Control"] = "no-cache"
    return response
