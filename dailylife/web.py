"""What every response shares: one commit at the edge, security headers, template helpers."""

import flask
from flask import request
from werkzeug.exceptions import BadRequest

from dailylife import clock
from dailylife.extensions import db, serialise_sqlite_writers

#: The deepest JSON value an API reads: an item, or a request body less its items. The deepest
#: real one, an oversight's sync item (item, data, actions, an action), nests 4 levels.
JSON_MAX_DEPTH = 16
#: What a page shows for a moment that has no local time.
NO_LOCAL_TIME = "(date out of range)"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


class JSONTooDeep(BadRequest):
    description = (f"The JSON sent nests deeper than {JSON_MAX_DEPTH} levels; nothing this app "
                   "keeps is that deep. Nothing was saved.")


class Request(flask.Request):
    """Reads JSON as Flask does, except that a body nested too deep for Python's parser (a
    RecursionError, which Flask does not treat as bad JSON) is a 400, not a 500."""

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True):
        try:
            return super().get_json(force=force, silent=silent, cache=cache)
        except RecursionError:
            raise JSONTooDeep() from None


def json_depth(value, ceiling: int = JSON_MAX_DEPTH + 1) -> int:
    """How deeply a parsed JSON value nests (a scalar is 0, ``[1]`` is 1), counted no further
    than ``ceiling``: enough to tell a value deeper than ``JSON_MAX_DEPTH``, and the recursion is
    never deeper than that either. Every sync item is measured, so only containers are visited
    (a parsed value holds plain dicts and lists)."""
    kind = type(value)
    if kind is dict:
        children = value.values()
    elif kind is list:
        children = value
    else:
        return 0
    deepest = 0
    if ceiling > 1:
        for child in children:
            kind = type(child)
            if kind is dict or kind is list:
                deepest = max(deepest, json_depth(child, ceiling - 1))
    return deepest + 1


def init_app(app) -> None:
    app.request_class = Request
    with app.app_context():
        serialise_sqlite_writers(db.engine)
    app.after_request(commit_or_roll_back)
    app.after_request(protect_response)
    if app.config["ENV_NAME"] == "production":
        app.after_request(require_https_in_browsers)
    app.jinja_env.filters["local_datetime"] = lambda moment: local_moment(
        moment, "%a %-d %b %Y, %H:%M")
    app.jinja_env.filters["local_date"] = lambda moment: local_moment(moment, "%-d %b %Y")
    app.jinja_env.filters["day"] = lambda day: day.strftime("%-d %b %Y") if day else ""


def local_moment(moment, pattern: str) -> str:
    """A stored moment in the service's time zone, as ``pattern`` writes it. One that has no
    local time (left by an older release) says so instead of taking the whole page down; the
    pages that list entries show its entry as one that cannot be shown."""
    if moment is None:
        return ""
    try:
        return clock.to_local(moment).strftime(pattern)
    except (OverflowError, ValueError):
        return NO_LOCAL_TIME


def commit_or_roll_back(response):
    """The request's one commit: keep the work of a successful response, drop a failed one's."""
    if response.status_code < 400:
        db.session.commit()
    else:
        db.session.rollback()
    return response


def protect_response(response):
    """Pages hold children's personal data: never cache them, never frame them."""
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    if request.endpoint != "static":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def require_https_in_browsers(response):
    """Production only (development is plain HTTP): browsers must never speak plain HTTP to the
    service, not even for the first request of a day (Strict-Transport-Security)."""
    max_age = flask.current_app.config["HSTS_MAX_AGE"]
    response.headers.setdefault("Strict-Transport-Security",
                                f"max-age={max_age}; includeSubDomains")
    return response
