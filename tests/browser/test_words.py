"""The tablet's words (issue 16, item 5): each of the three secrets says which it is where it is
asked for, and the offline pages show the child's words in quotation marks and never a code, a
role's code word or jargon."""

import re
from datetime import timedelta

from playwright.sync_api import expect

from dailylife.clock import utcnow
from dailylife.entries import operations, payload
from dailylife.extensions import db

from test_words import JARGON, OLD_ROLE_WORDS, RAW_CODE

from .conftest import PASSPHRASE
from .test_accessibility import addresses  # noqa: F401 (the world with entries of every kind)
from .test_accessibility import back_online_after_the_child_moved_on
from .test_child_mode import hand_over
from .test_offline import record_visit_offline, wait_for_app
from .test_voice import start_child_mode

PASSWORD_WORDS = "Your password is for your council account"
PASSPHRASE_WORDS = "Your offline passphrase opens the records kept on this tablet"
PIN_WORDS = "The PIN locks this tablet while the child uses it"


def test_the_first_sign_in_says_which_secret_is_the_password_and_which_the_passphrase(
        world, page):
    page.goto("/login")
    expect(page.get_by_text(PASSWORD_WORDS)).to_be_visible()
    page.locator("input[name=email]").fill(world.practitioner.email)
    page.locator("input[name=password]").fill("kitchen-table-notes-42")
    page.get_by_role("button", name="Sign in").click()

    chooser = page.get_by_role("dialog")
    expect(chooser.get_by_role("heading")).to_have_text(
        "Choose an offline passphrase for this tablet")
    expect(chooser.get_by_text(PASSPHRASE_WORDS)).to_be_visible()
    chooser.get_by_label("Offline passphrase", exact=True).fill(PASSPHRASE)
    chooser.get_by_label("The same passphrase again").fill(PASSPHRASE)
    chooser.get_by_role("button", name="Set passphrase").click()
    expect(page.locator("html")).to_have_attribute("data-device", "unlocked")


def test_child_mode_says_what_the_pin_is_where_it_is_chosen_and_where_it_is_typed(
        world, page, sign_in):
    sign_in(page, world.practitioner)
    start_child_mode(page, world.child)
    expect(page.locator("form[data-setup]").get_by_text(PIN_WORDS)).to_be_visible()
    expect(page.get_by_label("Choose a PIN (4 to 8 digits)")).to_have_accessible_description(
        re.compile(PIN_WORDS))
    hand_over(page, world.child)
    page.get_by_role("button", name="Grown-up: leave child mode").click()
    unlock = page.locator("form[data-unlock]")
    expect(unlock.get_by_text(PIN_WORDS)).to_be_visible()
    expect(unlock.get_by_label("Your PIN")).to_have_accessible_description(re.compile(PIN_WORDS))


def test_offline_the_childs_page_names_known_risks_and_waiting_quotes_the_childs_words(
        world, page, sign_in, live_server):
    data, errors = payload.validate("household_change", {
        "change": "joined", "name": "Dan", "relationship": "Mum's partner",
        "risk_factors": ["domestic_abuse", "parental_mental_health"]})
    assert not errors
    operations.add_entry(author=world.practitioner, child=world.child, kind="household_change",
                         data=data, occurred_at=utcnow() - timedelta(days=1))
    db.session.commit()
    sign_in(page, world.practitioner)
    page.goto(f"/cases/{world.child.id}")
    wait_for_app(page)

    record_visit_offline(page, live_server, world.child, observation="Fridge was full",
                         words="I like the park")

    page.goto(f"/cases/{world.child.id}")
    household = page.locator("[data-field=household]")
    expect(household).to_contain_text(
        "Dan — Mum's partner (known risks: Domestic abuse, Mental health)")
    expect(household).not_to_contain_text("_")
    page.goto("/outbox")
    expect(page.locator("main")).to_contain_text("“I like the park”")


def words_out_of_place(page) -> list[str]:
    """Codes, the code words of roles and jargon in what the page's main part says."""
    text = page.locator("main").inner_text()
    return [found for pattern in (RAW_CODE, OLD_ROLE_WORDS, JARGON)
            for found in pattern.findall(text)]


def test_the_tablets_own_pages_say_everything_in_words_offline_and_with_refused_entries(
        world, addresses, live_server, signed_in_page):  # noqa: F811
    """The caseload, the child's page and "Waiting to send" are filled on the tablet from what it
    keeps (a household with known risks, signals, reports nobody checked, a history flag), not
    by the server's templates, so they are read here as a person sees them."""
    for user, name in ((world.practitioner, "Pat Green"), (world.supervisor, "Sara Hill")):
        user.display_name = name
    db.session.commit()
    page = signed_in_page(world.practitioner)
    page.goto("/cases")
    wait_for_app(page)
    record_visit_offline(page, live_server, world.child, observation="Amy had a cough.",
                         words="My throat hurts.")
    seen = {}
    for name, address, filled in (
            ("caseload", "/cases", "Amy Example"),
            ("child page", f"/cases/{world.child.id}", "Known history"),
            ("waiting to send", "/outbox", "My throat hurts.")):
        page.goto(address)
        expect(page.locator("main")).to_contain_text(filled)
        seen[f"{name}, offline"] = words_out_of_place(page)
    back_online_after_the_child_moved_on(page, live_server, world)
    page.goto("/outbox")
    expect(page.locator("main")).to_contain_text("My throat hurts.")
    seen["waiting to send, refused"] = words_out_of_place(page)
    assert seen == dict.fromkeys(seen, []), seen
