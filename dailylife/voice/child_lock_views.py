"""/api/v1 for child mode: the tablet marks its session on entering and gives the PIN to leave."""

from flask import Blueprint, jsonify, request

from dailylife.access import Action, requires
from dailylife.errors import respond
from dailylife.extensions import csrf
from dailylife.sync.api import signed_in_then_csrf
from dailylife.voice import child_lock

bp = Blueprint("child_lock", __name__, url_prefix="/api/v1")
csrf.exempt(bp)
bp.before_request(signed_in_then_csrf)


def _pin_or_problem():
    body = request.get_json(silent=True)
    pin = body.get("pin") if isinstance(body, dict) else None
    problem = child_lock.pin_problem(pin)
    if problem:
        return None, respond(400, f'{problem} Send it as JSON: {{"pin": "1234"}}.',
                             code="invalid_pin")
    return pin, None


@bp.post("/cases/<child_id>/child-mode")
@requires(Action.RECORD_VOICE)
def enter(child):
    """Entering marks the session (a session already in child mode is refused by ``access``,
    so a child cannot choose a new PIN)."""
    pin, problem = _pin_or_problem()
    if problem:
        return problem
    child_lock.enter(child, pin)
    return jsonify(child_mode=True)


@bp.post("/child-mode/leave")
@requires(Action.SIGNED_IN)
def leave():
    if child_lock.held_child_id() is None:
        return respond(409, "This tablet is not in child mode on the server; its own PIN check "
                            "applies.", code="not_in_child_mode")
    pin, problem = _pin_or_problem()
    if problem:
        return problem
    outcome, tries_left = child_lock.leave(pin)
    if outcome is child_lock.Left.LEFT:
        return jsonify(child_mode=False)
    if outcome is child_lock.Left.SIGNED_OUT:
        return respond(401, f"Wrong PIN {child_lock.MAX_WRONG_PINS} times: this tablet has been "
                            "signed out. What the child made is kept on it, sealed; sign in again "
                            "to send it.", code="signed_out")
    return respond(403, f"That is not the PIN. After {tries_left} more wrong "
                        f"{'try' if tries_left == 1 else 'tries'} this tablet is signed out.",
                   code="wrong_pin")
