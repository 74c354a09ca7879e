"""Child mode held by the server: while a browser's session is marked, it may use only child mode.

The tablet's own lock (static/js/pin.js, child-lock.js, the service worker) keeps a child on the
page, but a live session would still answer anything typed in the address bar. So entering child
mode marks the session record with the child and an argon2 verifier of the adult's PIN (never
the PIN), ``access.enforce_declared_access`` refuses every request outside child mode's own, and
only the right PIN clears the mark. Wrong PINs are counted; the fifth ends the session, so a
4-digit PIN cannot be guessed, and the adult is only ever one password sign-in away.
"""

import enum
import re
import uuid

from flask import jsonify, render_template, request, url_for
from flask_login import current_user, logout_user

from dailylife import audit
from dailylife.extensions import db
from dailylife.people import sessions
from dailylife.people.models import UserSession
from dailylife.people.passwords import hash_password, verify_password

PIN = re.compile(r"\d{4,8}")
MAX_WRONG_PINS = 5
REFUSED = ("This tablet is in child mode. Nothing else can be opened until the grown-up leaves "
           "child mode with their PIN.")


class Left(enum.Enum):
    LEFT = "left"
    WRONG_PIN = "wrong_pin"
    SIGNED_OUT = "signed_out"


def pin_problem(pin) -> str | None:
    """Why a PIN is not one, in words the adult can act on (the tablet asks the same)."""
    if not isinstance(pin, str) or not PIN.fullmatch(pin):
        return "Choose a PIN of 4 to 8 digits."
    return None


def _record() -> UserSession | None:
    return sessions.current_record() if current_user.is_authenticated else None


def held_child_id() -> uuid.UUID | None:
    """The child this browser's session is in child mode for, or None."""
    record = _record()
    return record.child_mode_child_id if record is not None else None


def enter(child, pin: str) -> None:
    """Mark this session: from now on it is the child's, until the PIN is given."""
    record = _record()
    record.child_mode_child_id = child.id
    record.child_mode_pin_hash = hash_password(pin)
    record.child_mode_failures = 0
    audit.record("child_mode_entered", child_id=child.id)


def leave(pin: str) -> tuple[Left, int]:
    """Check the PIN; answers the outcome and how many wrong tries are left. Each try is kept
    (committed here: the answer to a wrong PIN is an error, which the request would roll back)."""
    record = _record()
    child_id = record.child_mode_child_id
    if isinstance(pin, str) and verify_password(record.child_mode_pin_hash, pin):
        _clear(record)
        audit.record("child_mode_left", child_id=child_id)
        return Left.LEFT, MAX_WRONG_PINS
    record.child_mode_failures = UserSession.child_mode_failures + 1
    db.session.flush()
    db.session.refresh(record, ["child_mode_failures"])
    wrong = record.child_mode_failures
    audit.record("child_mode_pin_wrong", child_id=child_id, attempt=wrong)
    if wrong < MAX_WRONG_PINS:
        db.session.commit()
        return Left.WRONG_PIN, MAX_WRONG_PINS - wrong
    audit.record("child_mode_signed_out", child_id=child_id)
    _clear(record)
    sessions.end_current("child_mode_pin")
    logout_user()
    db.session.commit()
    return Left.SIGNED_OUT, 0


def _clear(record: UserSession) -> None:
    record.child_mode_child_id = None
    record.child_mode_pin_hash = None
    record.child_mode_failures = 0


def refusal(child_id: uuid.UUID, as_json: bool):
    """The answer to anything but child mode's own requests: audited (an attempt to leave the
    child's page without the PIN), JSON for the API, else a page with the way back."""
    db.session.rollback()
    audit.record("child_mode_refused", child_id=child_id, path=request.path[:200])
    db.session.commit()
    back = url_for("voice.child_mode", child_id=child_id)
    if as_json:
        response = jsonify(error="child_mode", message=REFUSED, child_mode=back)
    else:
        response = render_template("voice/child_mode_refused.html", back=back, message=REFUSED)
    return response, 423
