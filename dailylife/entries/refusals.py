"""Entries refused for what they say are audited, from a page or a sync item alike: a status
decision over open concerns, a second birth, a move with no address. One event shape,
``entry_refused``: the kind, each field refused with its messages, and for a status decision the
status asked for; never the entry's own words, which were not kept.
"""

from wtforms import FieldList, FormField

from dailylife import audit
from dailylife.children.models import LegalStatus
from dailylife.entries.models import Kind
from dailylife.extensions import db

ACTION = "entry_refused"
STATUSES = {status.value for status in LegalStatus}


def detail(kind: Kind | str, errors: dict, data) -> dict:
    """What an ``entry_refused`` event says: what was asked, and why it was refused."""
    said = {"kind": Kind(kind).value,
            "errors": {field: [str(message) for message in messages]
                       for field, messages in sorted(errors.items())}}
    wanted = data.get("status") if isinstance(data, dict) else None
    if kind == Kind.STATUS_CHANGE and wanted in STATUSES:
        said["status"] = wanted
    return said


def audit_page(child, kind: Kind | str, form) -> None:
    """Audit a page's refused entry in its own commit: the refusal's response (a 400) rolls
    back the request's work, and nothing else of it is kept."""
    db.session.rollback()
    audit.record(ACTION, child_id=child.id, **detail(kind, page_errors(form), form.data))
    db.session.commit()


def page_errors(fields) -> dict:
    """The messages a page put at its fields, by field name (``acknowledges-0-reason`` in a
    row), as a sync result names them."""
    errors = {}
    for field in fields:
        if isinstance(field, FormField):
            errors.update(page_errors(field))
            continue
        if isinstance(field, FieldList):
            errors.update(page_errors(field))
        own = [message for message in field.errors if isinstance(message, str)]
        if own:
            errors[field.name] = own
    return errors
