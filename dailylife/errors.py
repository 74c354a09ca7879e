"""Errors answer in the caller's language: JSON under /api/, a page for people. Never a traceback."""

from flask import current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from dailylife.access import wants_json
from dailylife.extensions import db
from dailylife.media.store import MediaStoreUnavailable
from dailylife.web import JSONTooDeep

MESSAGES = {
    400: "The request could not be understood. Go back, check what you entered and try again.",
    403: "You do not have permission to do that.",
    404: "There is nothing here, or you do not have access to it.",
    405: "That action is not available here.",
    409: "That conflicts with what is already recorded.",
    413: "What you sent is larger than this server accepts. Nothing of it was saved; send it in "
         "smaller parts, or ask your system administrator.",
    429: "Too many attempts. Wait a few minutes, then try again.",
    500: "Something went wrong on our side. Nothing you had already saved has been lost. "
         "Try again; if it keeps happening, tell your system administrator.",
}

ERROR_CODES = {400: "bad_request", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
               409: "conflict", 413: "too_large", 422: "unprocessable",
               429: "too_many_requests", 500: "server_error", 503: "unavailable"}

MEDIA_STORE_UNAVAILABLE = (
    "Photos and drawings cannot be kept or shown right now: their store does not answer. Nothing "
    "of this request was saved and nothing already kept is affected. An image sent from the "
    "tablet waits there and is sent again; on a page, go back and try again in a few minutes, "
    "or save without the images.")


def init_app(app) -> None:
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(JSONTooDeep, _json_too_deep)
    app.register_error_handler(MediaStoreUnavailable, _media_store_unavailable)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def respond(status: int, message: str | None = None, code: str | None = None,
            errors: dict | None = None):
    """The error answer; ``errors`` (field name: messages) goes to API clients, as sync's do."""
    message = message or MESSAGES.get(status, "")
    if wants_json():
        body = {"error": code or ERROR_CODES.get(status, "error"), "message": message}
        return jsonify(**body, **({"errors": errors} if errors else {})), status
    template = f"errors/{status}.html" if status in (404, 429, 500) else "errors/generic.html"
    return render_template(template, status=status, message=message), status


def _csrf_error(error: CSRFError):
    return respond(400, "This form had expired or its security token was missing. Reload the page "
                   "and send it again; what you typed may need to be entered again.",
                   code="csrf_failed")


def _json_too_deep(error: JSONTooDeep):
    return respond(400, error.description, code="json_too_deep")


def _media_store_unavailable(error: MediaStoreUnavailable):
    """The operator reads why in the log; the person is told that nothing was lost."""
    db.session.rollback()
    current_app.logger.error("media store unavailable: %s", error.reason)
    return respond(503, MEDIA_STORE_UNAVAILABLE, "media_store_unavailable")


def _http_error(error: HTTPException):
    status = error.code or 500
    own_words = error.description != type(error).description
    description = error.description if own_words and status in (400, 413) else None
    if status == 429 and request.endpoint == "people.login":
        description = ("Too many unsuccessful sign-in attempts from this network address. Wait a "
                       "few minutes before trying again.")
    return respond(status, description)


def _unexpected_error(error: Exception):
    db.session.rollback()
    current_app.logger.exception("unexpected error")
    return respond(500)
