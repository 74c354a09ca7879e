"""What every response shares: one commit at the edge, security headers, template helpers."""

from flask import request

from dailylife import clock
from dailylife.extensions import db, serialise_sqlite_writers

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)


def init_app(app) -> None:
    with app.app_context():
        serialise_sqlite_writers(db.engine)
    app.after_request(commit_or_roll_back)
    app.after_request(protect_response)
    app.jinja_env.filters["local_datetime"] = lambda moment: (
        clock.to_local(moment).strftime("%a %-d %b %Y, %H:%M") if moment else "")
    app.jinja_env.filters["local_date"] = lambda moment: (
        clock.to_local(moment).strftime("%-d %b %Y") if moment else "")
    app.jinja_env.filters["day"] = lambda day: day.strftime("%-d %b %Y") if day else ""


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
