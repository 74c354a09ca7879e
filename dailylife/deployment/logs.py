"""Logs an operator can search, that never hold anything about a child.

Each request leaves one line: its id, method, route (the template, such as
``/children/<uuid:child_id>``, never the address with its ids or query string), status, duration
and the signed-in user's id (never a name or an email); every other line logged while it runs
carries the same request id. Nothing a person typed is logged: no query string, no form, no body.
``DAILYLIFE_LOG_FORMAT`` chooses one JSON object per line (production's default) or plain text
(development's and the tests').

The request id is the one a proxy or load balancer sent in ``X-Request-ID`` when it is well formed
(so one id follows a request through every server), a new one otherwise; the answer echoes it.
"""

import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

from flask import Flask, g, has_request_context, request
from flask.logging import default_handler

REQUEST_ID_HEADER = "X-Request-ID"
#: What a request id taken from a client may look like: letters, digits and ``._-``, as proxies
#: make them (a UUID, a hex string); anything else is replaced, never logged.
WELL_FORMED_ID = re.compile(r"[A-Za-z0-9._-]{8,128}")
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
#: Attributes a record may carry from a request, written out by the JSON formatter.
REQUEST_FIELDS = ("request_id", "method", "route", "endpoint", "status", "duration_ms", "user_id")


class JSONFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the request's fields."""

    def format(self, record: logging.LogRecord) -> str:
        line = {"time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
                "level": record.levelname, "logger": record.name, "message": record.getMessage()}
        line.update({field: getattr(record, field) for field in REQUEST_FIELDS
                     if getattr(record, field, None) is not None})
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


class RequestFields(logging.Filter):
    """Gives every record logged during a request that request's id, method and route."""

    def filter(self, record: logging.LogRecord) -> bool:
        if has_request_context():
            record.request_id = g.get("request_id")
            record.method = request.method
            record.route = request.url_rule.rule if request.url_rule else None
            record.endpoint = request.endpoint
        else:
            record.request_id = getattr(record, "request_id", None)
        return True


#: The one handler the app's logger writes through; replaced when another app is made in the same
#: process (tests make many), so lines are never written twice.
_handler: logging.Handler | None = None


def init_app(app: Flask) -> None:
    global _handler
    logger = app.logger
    logger.removeHandler(default_handler)
    if _handler is not None:
        logger.removeHandler(_handler)
    _handler = logging.StreamHandler()
    _handler.setFormatter(JSONFormatter() if app.config["LOG_FORMAT"] == "json"
                          else logging.Formatter(TEXT_FORMAT))
    _handler.addFilter(RequestFields())
    logger.addHandler(_handler)
    logger.setLevel(logging.INFO)
    app.before_request(_start)
    app.after_request(_log_request)


def _start() -> None:
    g.started = time.perf_counter()
    offered = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = offered if WELL_FORMED_ID.fullmatch(offered) else uuid.uuid4().hex


def _log_request(response):
    """The request's line, once its answer is final (registered first, so it runs last)."""
    response.headers[REQUEST_ID_HEADER] = g.request_id
    duration_ms = round((time.perf_counter() - g.started) * 1000, 1)
    status = response.status_code
    level = logging.ERROR if status >= 500 else logging.INFO
    route = request.url_rule.rule if request.url_rule else "(no route)"
    logging.getLogger("dailylife.requests").log(
        level, "%s %s %s %.1f ms", request.method, route, status, duration_ms,
        extra={"status": status, "duration_ms": duration_ms, "user_id": _user_id()})
    return response


def _user_id() -> str | None:
    """The signed-in user's id, if this request loaded one: logging alone never loads a user
    (a static file or a health check would then read the database)."""
    user = g.get("_login_user")
    return str(user.id) if user is not None and user.is_authenticated else None
