"""Our JavaScript and CSS as a tablet downloads them: minified as they are served, once per file
and process, by tdewolff/minify (a parsing minifier: template literals, optional chaining and
modules come out as they went in). The files in ``static/`` stay as written, commented and
readable, with no build step; the app shell a tablet precaches is a quarter smaller for it. In
debug mode they are served as written.
"""

import hashlib
from functools import cache
from pathlib import Path

import minify
from flask import current_app, request
from werkzeug.security import safe_join

#: What each kind of file is, for the minifier and for the answer.
MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css"}


@cache
def _minified(path: Path, modified_ns: int) -> bytes:
    return minify.string(MEDIA_TYPES[path.suffix], path.read_text(encoding="utf-8")).encode()


def text_of(path: Path) -> str:
    """A script or stylesheet as served (minified unless debugging)."""
    if current_app.debug:
        return path.read_text(encoding="utf-8")
    return _minified(path, path.stat().st_mtime_ns).decode()


def send_minified(filename: str):
    """The minified answer for a static script or stylesheet, or None for anything else."""
    found = safe_join(current_app.static_folder, filename)
    path = Path(found) if found else None
    if current_app.debug or path is None or path.suffix not in MEDIA_TYPES or not path.is_file():
        return None
    body = _minified(path, path.stat().st_mtime_ns)
    response = current_app.response_class(body, mimetype=MEDIA_TYPES[path.suffix])
    response.set_etag(hashlib.sha256(body).hexdigest()[:32])
    response.cache_control.no_cache = True
    return response.make_conditional(request)
