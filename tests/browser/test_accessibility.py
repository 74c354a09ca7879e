"""Every page a person can open passes axe-core at WCAG 2.2 AA and axe's best-practice rules, on
a tablet held upright (768×1024) and on a phone (390×844), with no violation at all (issue 16).

The pages are read from the app's url map: every route that answers GET is either opened below
by someone who may open it, in a world with entries of every kind, or listed in ``NOT_PAGES``
with the reason it is not a page. A new GET route fails the first test below until it is added
to one or the other. Routes that only answer POST are actions: their answers are the pages
checked here (the forms showing what is missing, the error pages), or redirects to them.
"""

import hashlib
import re
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect
from sample_images import plain

from dailylife.access import Action, requires
from dailylife.clock import local_today, utcnow
from dailylife.entries import demo_history, operations
from dailylife.entries.models import Entry, Kind
from dailylife.entries.payload import validate
from dailylife.extensions import db
from dailylife.media import operations as media_operations
from dailylife.media.models import MediaKind
from dailylife.media.processing import process
from dailylife.people import operations as operations_people
from dailylife.people.models import Allocation, CaseRole, PasswordLink, Role

from .conftest import PHONE, TABLET_PORTRAIT, open_device
from .test_child_mode import REFUSAL, hand_over, try_pin
from .test_passkeys import enrol_a_passkey, passkey_page, password, password_step  # noqa: F401
from .test_offline import record_visit_offline
from .test_refused import come_back_online

SIZES = [pytest.param(TABLET_PORTRAIT, id="tablet-portrait"), pytest.param(PHONE, id="phone")]

#: What each person opens, as (endpoint, address). The braces are filled from ``addresses``.
PAGES = {
    None: [
        ("people.login", "/login"),
        ("pwa.offline", "/offline"),
        ("pwa.outbox", "/outbox"),
        ("pwa.caseload_shell", "/shell/caseload"),
        ("pwa.child_shell", "/shell/child"),
        ("pwa.visit_shell", "/shell/visit"),
        ("pwa.child_mode_shell", "/shell/child-mode"),
        ("pwa.child_mode_refused_shell", "/shell/child-mode-refused"),
        ("pwa.outbox_shell", "/shell/outbox"),
        ("account.set_password", "/set-password/{token}"),
    ],
    "practitioner": [
        ("children.caseload", "/cases"),
        ("children.child_page", "/cases/{child}"),
        ("chronology.chronology", "/cases/{child}/chronology"),
        ("voice.said", "/cases/{child}/voice"),
        ("voice.day_in_the_life", "/cases/{child}/day"),
        ("entries.record_visit", "/cases/{child}/visits/new"),
        ("entries.new_observation", "/cases/{child}/observations/new"),
        ("entries.new_household_change", "/cases/{child}/household/new"),
        ("entries.new_move", "/cases/{child}/moves/new"),
        ("entries.new_voice", "/cases/{child}/voice/new"),
        ("entries.new_escalation", "/cases/{child}/escalations/new"),
        ("entries.new_contact", "/cases/{child}/contacts/new"),
        ("entries.new_measurement", "/cases/{child}/measurements/new"),
        ("entries.new_safety_plan", "/cases/{child}/safety-plans/new"),
        # Every kind's entry in full; an amendment is shown on the page of the entry it corrects.
        *[("entries.entry_detail", f"/cases/{{child}}/entries/{{{kind}}}")
          for kind in Kind if kind not in (Kind.AMENDMENT, Kind.BIRTH)],
        # A baby before birth, and a birth (of another baby: a born child has no birth to come).
        ("children.child_page", "/cases/{unborn}"),
        ("entries.record_visit", "/cases/{unborn}/visits/new"),
        ("entries.entry_detail", "/cases/{newborn}/entries/{birth}"),
        ("entries.entry_detail", "/cases/{child}/entries/{amended}"),
        ("entries.amend", "/cases/{child}/entries/{observation}/amend"),
        ("entries.triangulate", "/cases/{child}/entries/{report}/triangulate"),
        ("voice.child_mode", "/cases/{child}/child-mode"),
        ("account.account", "/account"),
        ("mfa.security", "/account/security"),
        ("mfa.add_authenticator_app", "/account/security/authenticator-app"),
        ("pwa.outbox", "/outbox"),
    ],
    "supervisor": [
        ("team.team_dashboard", "/team"),
        ("rescue.import_unsent", "/team/unsent"),
        ("children.caseload", "/cases"),
        ("children.child_page", "/cases/{child}"),
        ("chronology.chronology", "/cases/{child}/chronology"),
        ("entries.new_oversight", "/cases/{child}/oversight/new"),
        ("entries.new_history_flag", "/cases/{child}/history-flags/new"),
        ("entries.new_status_change", "/cases/{child}/status/new"),
        ("entries.entry_detail", "/cases/{child}/entries/{escalation}"),
        ("entries.record_birth", "/cases/{unborn}/birth"),
        ("siblings.group", "/cases/{child}/siblings"),
    ],
    "reviewer": [
        ("team.team_dashboard", "/team"),
        ("team.team_dashboard", "/team?team={team}"),
        ("children.child_page", "/cases/{child}"),
        ("chronology.chronology", "/cases/{child}/chronology"),
        ("voice.said", "/cases/{child}/voice"),
        ("voice.day_in_the_life", "/cases/{child}/day"),
        ("siblings.group", "/cases/{child}/siblings"),
        ("entries.entry_detail", "/cases/{child}/entries/{visit}"),
    ],
    "advocate": [
        ("children.caseload", "/cases"),
        ("children.child_page", "/cases/{child}"),
        ("voice.said", "/cases/{child}/voice"),
        ("entries.new_voice", "/cases/{child}/voice/new"),
        ("voice.child_mode", "/cases/{child}/child-mode"),
    ],
    "admin": [
        ("admin.index", "/admin/"),
        ("admin.new_user", "/admin/users/new"),
        ("admin.new_team", "/admin/teams/new"),
        ("admin.new_child", "/admin/children/new"),
        ("admin.new_allocation", "/admin/allocations/new"),
        ("admin.edit_user", "/admin/users/{practitioner}/edit"),
        ("admin.edit_child", "/admin/children/{child}/edit"),
        ("account.account", "/account"),
    ],
}

#: Pages reached by doing something first, each checked by its own test below.
REACHED_BY_DOING = {
    "mfa.enrol": "test_signing_in_with_a_second_factor_passes_axe",
    "mfa.enrol_recovery_codes": "test_signing_in_with_a_second_factor_passes_axe",
    "mfa.second_factor": "test_signing_in_with_a_second_factor_passes_axe",
}

#: GET routes that are not pages a person reads, and why.
NOT_PAGES = {
    "static": "stylesheets, scripts, icons and vendored files",
    "children.home": "only redirects: to the caseload, or to sign in",
    "api.cases": "JSON for the tablet",
    "api.me": "JSON for the tablet",
    "api.unsent_key": "JSON for the tablet (a public key)",
    "rules.rules_document": "JSON for the tablet (the rules of each kind of entry)",
    "pwa.service_worker": "the service worker's script",
    "pwa.manifest": "the web app manifest (JSON)",
    "chronology.export_csv": "a CSV download",
    "chronology.export_pdf": "a PDF download, not a web page",
    "chronology.transfer_pdf": "a PDF download, not a web page",
    "chronology.transfer_json": "JSON for a receiving authority",
    "media.image": "an image file; the pages that show it are checked",
    "media.thumbnail": "an image file; the pages that show it are checked",
    "sso.start": "hands over to the council's identity provider; without one set up it answers "
                 "the 404 page checked in test_the_error_pages_pass_axe",
    "sso.callback": "comes back from the identity provider and redirects; without one set up it "
                    "answers the 404 page checked in test_the_error_pages_pass_axe",
    "health.healthz": "JSON for a load balancer",
    "health.readyz": "JSON for a load balancer",
}

SET_PASSWORD_TOKEN = "a-link-the-admin-sent-for-the-accessibility-test"


def get_endpoints(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if "GET" in rule.methods}


def test_every_page_is_checked_or_says_why_not(app):
    opened = {endpoint for pages in PAGES.values() for endpoint, _ in pages}
    unchecked = get_endpoints(app) - opened - set(REACHED_BY_DOING) - set(NOT_PAGES)
    assert unchecked == set(), ("GET routes nobody opens in this test: add them to PAGES (who "
                                "opens them, at which address) or to NOT_PAGES with the reason")
    stale = (opened | set(REACHED_BY_DOING) | set(NOT_PAGES)) - get_endpoints(app)
    assert stale == set(), "listed here but no longer GET routes"


# --- a world with entries of every kind -----------------------------------------------------

def _clean(kind: str, data: dict) -> dict:
    clean, errors = validate(kind, data)
    assert not errors, errors
    return clean


#: The kinds the demo history has no entry of.
CASE_REVIEW_KINDS = {
    "contact": {"method": "health_appointment", "outcome": "not_brought",
                "with_whom": "Health visitor clinic"},
    "measurement": {"weight_kg": 24.5, "weight_centile": "25", "measured_by": "school nurse"},
    "safety_plan": {"conditions": [{"id": str(uuid.uuid4()),
                                    "text": "Dean does not stay overnight."}]},
}


@pytest.fixture
def addresses(world) -> dict:
    """Six months of the demo history for world.child (visits, observations, the child's words,
    a household change, oversight, a history flag, a corrected report, an advocate's notes), plus
    an escalation, a photo and a set-password link: what fills the braces in ``PAGES``."""
    people = {Role.PRACTITIONER: world.practitioner, Role.SUPERVISOR: world.supervisor,
              Role.ADVOCATE: world.advocate}
    demo_history.write_histories(people, [world.child], local_today())
    operations.add_entry(author=world.practitioner, child=world.child, kind=Kind.ESCALATION,
                         data=_clean("escalation", {"reason": "Dean has moved in for good.",
                                                    "need": "A joint visit this week."}),
                         occurred_at=utcnow() - timedelta(hours=3))
    for kind, data in CASE_REVIEW_KINDS.items():
        operations.add_entry(author=world.practitioner, child=world.child, kind=Kind(kind),
                             data=_clean(kind, data), occurred_at=utcnow() - timedelta(hours=2))
    db.session.commit()
    first_of = {str(kind): db.session.scalar(
        sa.select(Entry).where(Entry.child_id == world.child.id, Entry.kind == kind)
        .order_by(Entry.occurred_at).limit(1)) for kind in Kind}
    report = db.session.scalar(sa.select(Entry).where(
        Entry.child_id == world.child.id, Entry.source == "parent_reported",
        Entry.triangulation == "unverified").limit(1))
    media_operations.attach(world.practitioner, report, media_id=uuid.uuid4(),
                            kind=MediaKind.PHOTO, caption="The kitchen",
                            image=process(plain(40, 30), 10**6))
    now = utcnow()
    unborn, newborn = (operations_people.create_child(
        name=None, expectant_parent=parent, date_of_birth=None, team_id=world.team_a.id,
        expected_delivery_date=local_today() + timedelta(weeks=10),
        legal_status=world.child.legal_status) for parent in ("Jade Example", "Kim Example"))
    for baby in (unborn, newborn):
        operations_people.allocate(user=world.practitioner, child=baby,
                                   case_role=CaseRole.PRACTITIONER,
                                   start_date=local_today() - timedelta(days=30))
    birth = operations.add_entry(
        author=world.supervisor, child=newborn, kind=Kind.BIRTH, occurred_at=utcnow(),
        data=_clean("birth", {"date_of_birth": local_today().isoformat(), "name": "Lily Example"}))
    db.session.add(PasswordLink(
        user_id=world.other_practitioner.id, purpose="new_account", created_at=now,
        token_hash=hashlib.sha256(SET_PASSWORD_TOKEN.encode()).hexdigest(),
        expires_at=now + timedelta(hours=24)))
    db.session.commit()
    return {"team": world.team_a.id, "child": world.child.id, "report": report.id, "practitioner": world.practitioner.id,
            "token": SET_PASSWORD_TOKEN, "amended": first_of["amendment"].amends_id,
            "unborn": unborn.id, "newborn": newborn.id, "birth": birth.id,
            **{kind: entry.id for kind, entry in first_of.items() if entry is not None}}


def check_pages(page, pages, addresses, axe_violations) -> list[str]:
    violations = []
    for endpoint, address in pages:
        answer = page.goto(address.format(**addresses))
        assert answer.ok, f"{endpoint} at {page.url} answered {answer.status}"
        open_device(page)
        violations += axe_violations(page, best_practice=True)
    return violations


@pytest.mark.parametrize("viewport", SIZES)
@pytest.mark.parametrize("person", list(PAGES), ids=lambda person: person or "signed-out")
def test_every_page_passes_axe_with_best_practices(
        world_with_a_reviewer, addresses, page, sign_in, axe_violations, person):
    if person is not None:
        sign_in(page, getattr(world_with_a_reviewer, person))
    violations = check_pages(page, PAGES[person], addresses, axe_violations)
    assert violations == [], "\n".join(violations)


#: The forms people fill all day, sent empty: (who, address, the button that sends it).
FORMS = [
    ("practitioner", "/cases/{child}/visits/new", "Save visit"),
    ("practitioner", "/cases/{child}/observations/new", "Save observation"),
    ("practitioner", "/cases/{child}/household/new", "Save household change"),
    ("practitioner", "/cases/{child}/moves/new", "Save move"),
    ("practitioner", "/cases/{child}/voice/new", "Save the child's words"),
    ("practitioner", "/cases/{child}/escalations/new", "Escalate to my team manager"),
    ("practitioner", "/cases/{child}/entries/{report}/triangulate", "Save check"),
    ("supervisor", "/cases/{child}/oversight/new", "Save decision"),
    ("supervisor", "/cases/{child}/history-flags/new", "Save history flag"),
    ("supervisor", "/cases/{unborn}/birth", "Record the birth"),
    ("supervisor", "/cases/{child}/status/new", "Save status change"),
]


@pytest.mark.parametrize("viewport", SIZES)
def test_forms_showing_what_is_missing_pass_axe_with_best_practices(
        world, addresses, new_context, sign_in, axe_violations):
    violations = []
    for person in ("practitioner", "supervisor"):
        page = sign_in(new_context().new_page(), getattr(world, person))
        for _, address, button in (form for form in FORMS if form[0] == person):
            page.goto(address.format(**addresses))
            page.locator("main form").get_by_role("button", name=button, exact=True).click()
            expect(page.locator(".error-summary")).to_be_visible()
            violations += axe_violations(page, best_practice=True)
    assert violations == [], "\n".join(violations)


def entries_the_server_refused(page, live_server, world) -> None:
    """A visit recorded offline about a child who is then allocated to someone else: back online,
    the server refuses its four entries and the header links to them."""
    record_visit_offline(page, live_server, world.child, observation="Amy had a cough.",
                         words="My throat hurts.")
    back_online_after_the_child_moved_on(page, live_server, world)


def back_online_after_the_child_moved_on(page, live_server, world) -> None:
    """The child is allocated to someone else while the tablet is out of signal: back online,
    the server refuses what waited and the header links to it."""
    db.session.execute(sa.update(Allocation).where(Allocation.user_id == world.practitioner.id)
                       .values(end_date=local_today() - timedelta(days=1)))
    db.session.commit()
    come_back_online(page, live_server)
    expect(page.locator("#sync-status a.needs-attention")).to_be_visible()


@pytest.mark.parametrize("viewport", [TABLET_PORTRAIT], ids=["tablet-portrait"])
def test_the_sync_status_is_not_announced_again_when_nothing_changed(
        world, live_server, signed_in_page):
    """The status is a live region refreshed every few seconds and on every change of network:
    rebuilt each time, a screen reader would read it out again and the link under a finger would
    be replaced mid-tap."""
    page = signed_in_page(world.practitioner)
    entries_the_server_refused(page, live_server, world)
    page.evaluate("""() => {
        window.statusChanges = { rebuilt: 0, refreshed: 0 };
        new MutationObserver((records) => records.forEach((record) => {
            if (record.type === 'childList') window.statusChanges.rebuilt += 1;
            if (record.attributeName === 'data-waiting') window.statusChanges.refreshed += 1;
        })).observe(document.getElementById('sync-status'),
                    { childList: true, attributes: true });
        window.dispatchEvent(new Event('online'));
        window.dispatchEvent(new Event('online'));
    }""")
    page.wait_for_function("() => window.statusChanges.refreshed >= 2")
    assert page.evaluate("() => window.statusChanges.rebuilt") == 0


@pytest.mark.parametrize("viewport", SIZES)
def test_entries_needing_attention_pass_axe_with_best_practices(
        world, live_server, signed_in_page, axe_violations):
    page = signed_in_page(world.practitioner)
    entries_the_server_refused(page, live_server, world)
    violations = axe_violations(page, best_practice=True)
    page.locator("#sync-status a.needs-attention").click()
    expect(page.locator("[data-outbox=rejected] .card")).to_be_visible()
    violations += axe_violations(page, best_practice=True)
    assert violations == [], "\n".join(violations)


@pytest.mark.parametrize("viewport", SIZES)
def test_child_mode_passes_axe_with_best_practices(world, page, sign_in, axe_violations):
    sign_in(page, world.practitioner)
    hand_over(page, world.child)
    violations = axe_violations(page, best_practice=True)
    page.get_by_role("button", name="Grown-up: leave child mode").click()
    expect(page.get_by_label("Your PIN")).to_be_visible()
    violations += axe_violations(page, best_practice=True)
    try_pin(page, "0000")
    expect(page.get_by_role("alert")).to_be_visible()
    violations += axe_violations(page, best_practice=True)
    assert page.goto("/cases").status == 423
    expect(page.get_by_role("heading", level=1)).to_have_text(REFUSAL)
    violations += axe_violations(page, best_practice=True)
    assert violations == [], "\n".join(violations)


@pytest.mark.parametrize("viewport", SIZES)
def test_signing_in_with_a_second_factor_passes_axe(
        passkey_page, world, password, axe_violations):  # noqa: F811
    violations = []

    def check(page):
        violations.extend(axe_violations(page, best_practice=True))

    enrol_a_passkey(passkey_page, world.supervisor, password, check=check)
    passkey_page.context.clear_cookies()
    password_step(passkey_page, world.supervisor, password)
    expect(passkey_page).to_have_url(re.compile(r"/login/second-factor$"))
    check(passkey_page)
    assert violations == [], "\n".join(violations)


@pytest.fixture
def failing_page(app):
    """/fails-on-purpose: an unexpected error, answered with the 500 page (not re-raised)."""
    @requires(Action.PUBLIC)
    def fails_on_purpose():
        raise RuntimeError("an unexpected error, on purpose")

    app.add_url_rule("/fails-on-purpose", "fails_on_purpose", fails_on_purpose)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    return "/fails-on-purpose"


@pytest.mark.parametrize("viewport", SIZES)
def test_the_error_pages_pass_axe(
        app, world, page, sign_in, live_server, failing_page, axe_violations):
    app.config["SIGNIN_LIMIT_PER_ADDRESS"] = "1 per 15 minutes"
    for _ in range(2):
        page.goto("/login")
        page.get_by_label("Email").fill(world.practitioner.email)
        page.get_by_label("Password").fill("not-the-password")
        page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Too many attempts")
    violations = axe_violations(page, best_practice=True)
    app.config["SIGNIN_LIMIT_PER_ADDRESS"] = "100 per 15 minutes"

    sign_in(page, world.practitioner)
    for address, status in [(f"/cases/{uuid.uuid4()}", 404), ("/login/sso", 404),
                            ("/logout", 405), (failing_page, 500)]:
        assert page.goto(address).status == status, address
        violations += axe_violations(page, best_practice=True)
    live_server.errors.clear()  # the 500 above was asked for
    assert violations == [], "\n".join(violations)
