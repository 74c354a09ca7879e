"""/api/v1: JSON for the offline app. Signed-out callers get 401 JSON, never a login page."""

from flask import Blueprint, current_app, jsonify, request
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from dailylife import audit
from dailylife.access import (Action, keeps_case_data_on_device, requires, sign_in_needed,
                              visible_children_query)
from dailylife.children.models import Child
from dailylife.errors import respond
from dailylife.extensions import csrf, db
from dailylife.rescue import keys
from dailylife.sync import briefs
from dailylife.sync.items import process_batch
from dailylife.web import JSON_MAX_DEPTH, JSONTooDeep, json_depth

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


@bp.before_request
def signed_in_then_csrf():
    """Say "sign in again" before "bad token": after a session ends, the token is stale too."""
    if not current_user.is_authenticated:
        return sign_in_needed()
    csrf.protect()
    return None


@bp.post("/sync")
@requires(Action.SIGNED_IN)
def sync():
    if request.content_length and request.content_length > current_app.config["SYNC_MAX_BYTES"]:
        return respond(413, f"This batch is larger than {current_app.config['SYNC_MAX_BYTES']:,} "
                            "bytes. Send fewer items at a time.", code="batch_too_large")
    envelope = request.get_json(silent=True)
    if envelope is None:
        return respond(400, "The body must be JSON: {\"device_id\": ..., \"items\": [...]}.",
                       code="malformed_json")
    problem = _envelope_problem(envelope)
    if problem:
        return respond(*problem)
    results = [result.as_json()
               for result in process_batch(envelope["items"], envelope.get("device_id"))]
    return jsonify(results=results)


def _envelope_problem(envelope) -> tuple[int, str, str] | None:
    """What is wrong with the body around the items (each item is judged on its own)."""
    if not isinstance(envelope, dict) or not isinstance(envelope.get("items"), list):
        return 400, "The body must be an object with an \"items\" list.", "malformed_envelope"
    around_items = {key: value for key, value in envelope.items() if key != "items"}
    if json_depth(around_items) > JSON_MAX_DEPTH:
        return 400, JSONTooDeep.description, "json_too_deep"
    device_id = envelope.get("device_id")
    if device_id is not None and (not isinstance(device_id, str) or len(device_id) > 64):
        return 400, "device_id must be a string of at most 64 characters.", "malformed_envelope"
    limit = current_app.config["SYNC_MAX_ITEMS"]
    if len(envelope["items"]) > limit:
        return 413, f"At most {limit} items per batch; send the rest in another.", "batch_too_large"
    return None


@bp.get("/me")
@requires(Action.SIGNED_IN)
def me():
    user = current_user
    return jsonify(id=str(user.id), email=user.email, display_name=user.display_name,
                   role=user.role.value, team=user.team.name if user.team else None,
                   idle_minutes=current_app.config["SESSION_IDLE_MINUTES"],
                   offline_lock_seconds=current_app.config["OFFLINE_LOCK_SECONDS"],
                   stuck_hours=current_app.config["STUCK_HOURS"],
                   sync_max_items=current_app.config["SYNC_MAX_ITEMS"],
                   keeps_case_data=keeps_case_data_on_device(user),
                   csrf_token=generate_csrf())


@bp.get("/unsent-key")
@requires(Action.SIGNED_IN)
def unsent_key():
    """The public key a tablet locks a file of unsent entries with (rescue/unsent_file.py)."""
    return jsonify(**keys.public_key_json(), author_proof=keys.author_proof(current_user.id))


@bp.get("/cases")
@requires(Action.SIGNED_IN)
def cases():
    children = db.session.scalars(visible_children_query(current_user).order_by(Child.display_name)).all()
    audit.record("sync_caseload", children=str(len(children)))
    return jsonify(cases=[briefs.brief_for(current_user, child) for child in children])
