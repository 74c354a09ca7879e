"""The installable app shell (DESIGN.md section 3): cached, versioned, and free of personal data."""

import json
import re
from pathlib import Path

import minify
import pytest

from dailylife import pwa


def test_the_manifest_makes_the_app_installable(app):
    manifest = json.loads(app.test_client().get("/manifest.webmanifest").get_data())
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/cases"
    assert manifest["theme_color"]
    assert {icon["sizes"] for icon in manifest["icons"]} >= {"192x192", "512x512"}
    for icon in manifest["icons"]:
        with app.test_client().get(icon["src"]) as response:
            assert response.status_code == 200
            assert response.mimetype == "image/png"


def test_the_service_worker_is_served_from_the_root_and_never_cached(app):
    response = app.test_client().get("/sw.js")
    assert response.status_code == 200
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "no-cache"
    body = response.get_data(as_text=True)
    precache = json.loads(re.search(r"const PRECACHE = (\[.*?\]);", body).group(1))
    assert "/static/css/dailylife.css" in precache and "/static/js/app.js" in precache
    assert "/shell/visit" in precache
    assert "/static/vendor/@cfworker/json-schema/validator.js" in precache, "validates offline"
    assert not any("axe" in url for url in precache), "test-only files stay out of the cache"
    assert not any(url.startswith(("/cases", "/api")) for url in precache)


def test_a_release_that_changes_a_static_file_changes_the_cache_version(app, tmp_path):
    static = tmp_path / "static"
    (static / "css").mkdir(parents=True)
    (static / "css" / "dailylife.css").write_text("body {}")
    app.static_folder = str(static)
    with app.app_context():
        first = pwa.shell_version()
        app.extensions.pop("dailylife_shell_version")
        (static / "css" / "dailylife.css").write_text("body { color: red }")
        assert pwa.shell_version() != first


@pytest.mark.parametrize("path", ["/shell/caseload", "/shell/child", "/shell/visit", "/shell/outbox",
                                  "/offline"])
def test_shell_pages_hold_no_personal_data_even_for_a_signed_in_user(world, client_for, path):
    html = client_for(world.practitioner).get(path).get_data(as_text=True)
    for personal in (world.child.name, world.practitioner.display_name, world.practitioner.email,
                     'name="csrf-token"', 'name="csrf_token"'):
        assert personal not in html, personal


def test_pages_with_case_data_are_never_stored_by_the_browser(world, client_for):
    client = client_for(world.practitioner)
    for path in ("/cases", f"/cases/{world.child.id}", f"/cases/{world.child.id}/visits/new",
                 "/api/v1/cases", "/api/v1/me"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path


def test_every_page_registers_the_app_and_shows_the_sync_status(world, client_for):
    html = client_for(world.practitioner).get("/cases").get_data(as_text=True)
    assert 'src="/static/js/app.js"' in html
    assert 'id="sync-status"' in html
    assert 'rel="manifest"' in html


def test_scripts_and_the_stylesheet_are_served_minified_from_the_files_as_written(app):
    client = app.test_client()
    static = Path(app.static_folder)
    script = client.get("/static/js/outbox.js")
    assert script.mimetype == "text/javascript"
    assert script.get_data(as_text=True) == minify.string(
        "text/javascript", (static / "js/outbox.js").read_text())
    assert "// The outbox" in (static / "js/outbox.js").read_text()
    assert "// The outbox" not in script.get_data(as_text=True)
    stylesheet = client.get("/static/css/dailylife.css")
    assert stylesheet.get_data(as_text=True) == minify.string(
        "text/css", (static / "css/dailylife.css").read_text())
    again = client.get("/static/js/outbox.js", headers={"If-None-Match": script.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/static/js/no-such-file.js").status_code == 404
    with client.get("/static/icons/icon-192.png") as icon:
        assert icon.mimetype == "image/png"


def test_minifying_keeps_every_word_of_a_text_built_from_nested_template_literals(app):
    """A minifier that does not parse JavaScript ate the space in `${count} entries` (nested in
    another template literal) on the tablet's status."""
    served = app.test_client().get("/static/js/offline-pages.js").get_data(as_text=True)
    assert re.search(r"\$\{\w+\} entries and images have`\} waited more than \$\{\w+\} hours",
                     served)


def test_in_debug_mode_scripts_are_served_as_written(app):
    app.debug = True
    static = Path(app.static_folder)
    with app.test_client().get("/static/js/outbox.js") as response:
        assert response.get_data(as_text=True) == (static / "js/outbox.js").read_text()
