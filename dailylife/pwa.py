"""The installable, offline app: service worker, manifest, and the shell pages it precaches.

Shell pages hold no personal data (no names, no CSRF token): offline, the service worker serves
them in place of the real pages and JavaScript fills them from IndexedDB, which is the only place
case data is kept on the device (DESIGN.md section 3).
"""

import hashlib
import json
from pathlib import Path

from flask import Blueprint, current_app, render_template, url_for
from flask_login import current_user

from dailylife import assets
from dailylife.access import Action, requires
from dailylife.entries.pages import RecordVisitForm, TriangulationPage
from dailylife.entries.rules import published, rules_url
from dailylife.voice import child_lock
from dailylife.voice.views import child_mode_page

bp = Blueprint("pwa", __name__)

#: Shell page endpoint -> the real pages it stands in for offline (URL patterns for sw.js).
SHELLS = {
    "pwa.caseload_shell": r"^/(cases/?)?$",
    "pwa.child_shell": r"^/cases/[0-9a-f-]{36}/?$",
    "pwa.visit_shell": r"^/cases/[0-9a-f-]{36}/visits/new$",
    "pwa.child_mode_shell": r"^/cases/[0-9a-f-]{36}/child-mode$",
    "pwa.outbox_shell": r"^/outbox$",
}
#: Static files the app needs offline. Left out: vendor/axe-core (tests only), css/online.css
#: (pages that exist only online) and the large icons (read by the browser when it installs the
#: app, online).
STATIC_PATTERNS = ("css/dailylife.css", "js/*.js", "vendor/idb/*.js",
                   "vendor/@cfworker/json-schema/*.js", "icons/icon-192.png")


def _static_files() -> list[Path]:
    root = Path(current_app.static_folder)
    found = {path for pattern in STATIC_PATTERNS for path in root.glob(pattern)}
    return sorted(path for path in found if path.name != "sw.js")


def shell_version() -> str:
    """A hash of every precached file and shell template: a release changes it, and the new
    service worker replaces the old cache."""
    cached = current_app.extensions.get("dailylife_shell_version")
    if cached:
        return cached
    digest = hashlib.sha256()
    templates = Path(current_app.template_folder)
    for path in [*_static_files(), *sorted(templates.rglob("*.html"))]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    digest.update(published()[1].encode())
    version = current_app.extensions["dailylife_shell_version"] = digest.hexdigest()[:16]
    return version


def precache_urls() -> list[str]:
    root = Path(current_app.static_folder)
    static = [url_for("static", filename=path.relative_to(root).as_posix())
              for path in _static_files()]
    pages = [url_for(endpoint) for endpoint in SHELLS] + [url_for("pwa.offline"),
                                                          url_for("pwa.child_mode_refused_shell")]
    return [*pages, url_for("pwa.manifest"), rules_url(), *static]


@bp.get("/sw.js")
@requires(Action.PUBLIC)
def service_worker():
    """Served from the root so that its scope is the whole app; never cached by the browser."""
    routes = [[pattern, url_for(endpoint)] for endpoint, pattern in SHELLS.items()]
    head = (f"const VERSION = {json.dumps(shell_version())};\n"
            f"const PRECACHE = {json.dumps(precache_urls())};\n"
            f"const SHELL_ROUTES = {json.dumps(routes)};\n"
            f"const OFFLINE_PAGE = {json.dumps(url_for('pwa.offline'))};\n"
            f"const CHILD_MODE_REFUSED = {json.dumps(url_for('pwa.child_mode_refused_shell'))};\n")
    body = assets.text_of(Path(current_app.static_folder) / "js" / "sw.js")
    response = current_app.response_class(head + body, mimetype="text/javascript")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/manifest.webmanifest")
@requires(Action.PUBLIC)
def manifest():
    icons = [{"src": url_for("static", filename=f"icons/icon-{size}.png"), "sizes": f"{size}x{size}",
              "type": "image/png", "purpose": "any"} for size in (192, 512)]
    icons.append({"src": url_for("static", filename="icons/icon-maskable-512.png"),
                  "sizes": "512x512", "type": "image/png", "purpose": "maskable"})
    body = {"name": "dailylife", "short_name": "dailylife", "start_url": "/cases", "scope": "/",
            "display": "standalone", "theme_color": "#1d4e63", "background_color": "#ffffff",
            "description": "Home-visit notebook for children's social care", "icons": icons}
    response = current_app.response_class(json.dumps(body), mimetype="application/manifest+json")
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/offline")
@requires(Action.PUBLIC)
def offline():
    return render_template("pwa/offline.html", shell=True)


@bp.get("/shell/caseload")
@requires(Action.PUBLIC)
def caseload_shell():
    return render_template("pwa/caseload.html", shell=True)


@bp.get("/shell/child")
@requires(Action.PUBLIC)
def child_shell():
    """The offline child page: its script makes a check form for each report the brief lists
    from the one form here (no token: a check made offline is saved to the outbox)."""
    return render_template("pwa/child.html", shell=True,
                           form=TriangulationPage(formdata=None, meta={"csrf": False}))


@bp.get("/shell/visit")
@requires(Action.PUBLIC)
def visit_shell():
    """The real record-visit form, with no child named and no token: it saves to the outbox.
    Its lists start empty: rows.js makes their first rows from the row templates (the same
    markup), which keeps the app shell small."""
    form = RecordVisitForm(meta={"csrf": False})
    for list_name in form.ROW_LISTS.values():
        form[list_name].entries = []
    return render_template("entries/record_visit.html", child=None, form=form,
                           row_templates=form.row_templates(), shell=True)


@bp.get("/shell/child-mode")
@requires(Action.PUBLIC)
def child_mode_shell():
    return child_mode_page()


@bp.get("/shell/child-mode-refused")
@requires(Action.PUBLIC)
def child_mode_refused_shell():
    """What the service worker answers, in child mode, for any other page: the way back is
    filled in by the worker from what the child-mode page stored."""
    return render_template("voice/child_mode_refused.html", shell=True, back=None,
                           message=child_lock.REFUSED)


@bp.get("/shell/outbox")
@requires(Action.PUBLIC)
def outbox_shell():
    """What waits on this device to be sent, without a connection; read from IndexedDB, so the
    page itself is empty."""
    return render_template("pwa/outbox.html", shell=True)


@bp.get("/outbox")
@requires(Action.PUBLIC)
def outbox():
    """Online, the same page under the header of every other page (name, sign-out, team link).
    Public all the same: when the session has ended, what waits on the device is still shown."""
    return render_template("pwa/outbox.html", shell=not current_user.is_authenticated)
