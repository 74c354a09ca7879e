"""The child's voice in a real browser (issue 6): an advocate's workflow on a tablet, and child
mode, which works offline and cannot be left without the adult's PIN."""

import re

import pytest
from playwright.sync_api import expect

from dailylife.entries.models import Entry, Kind

from .conftest import TABLET_LANDSCAPE, TABLET_PORTRAIT
from .test_images import MEDIA_COUNT, kept_media
from .test_offline import outbox, wait_for_app, wait_for_outbox, wait_until
from .test_recording import entries_of

PIN = "2468"


def ready_offline(page) -> None:
    """``wait_for_app``, once the service worker is active. A worker that activates (and claims
    its pages) while a page is still on its way leaves that one page uncontrolled until it loads
    again: a tablet would be controlled from its next page on; here the page is loaded again."""
    page.evaluate("navigator.serviceWorker.ready.then(() => true)")
    if not page.evaluate("navigator.serviceWorker.controller !== null"):
        page.reload()
    wait_for_app(page)


def voice_entries(child) -> list[Entry]:
    return [entry for entry in entries_of(child) if entry.kind is Kind.VOICE]


@pytest.mark.parametrize("viewport", [pytest.param(TABLET_LANDSCAPE, id="landscape"),
                                      pytest.param(TABLET_PORTRAIT, id="portrait")])
def test_an_advocate_adds_a_confidential_note_on_a_tablet_and_sees_only_the_childs_voice(
        world, page, sign_in, axe_violations):
    sign_in(page, world.advocate)
    page.get_by_role("link", name="Amy Example").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Amy Example")
    expect(page.get_by_text("Legal status")).to_have_count(0)
    expect(page.get_by_role("link", name="Amy's chronology")).to_have_count(0)
    assert axe_violations(page) == []

    page.get_by_role("link", name="The child's own words").click()
    page.get_by_label("The child's own words").fill("I don't want to go back to Dad's at weekends.")
    page.get_by_label("How the child communicated it").select_option("spoken")
    page.get_by_label("Time of day").select_option("weekend")
    page.get_by_text("Three houses: worries, good things, dreams").click()
    page.get_by_label("House of worries").fill("Shouting at Dad's.")
    page.get_by_label("The child agreed this can be shared with the social work team").uncheck()
    assert axe_violations(page) == []
    with page.expect_navigation(url=re.compile(rf"/cases/{world.child.id}$")):
        page.get_by_role("button", name="Save the child's words").click()
    expect(page.locator("#sync-status")).to_contain_text("Nothing waiting")

    (entry,) = voice_entries(world.child)
    assert entry.data["share_with_team"] is False and entry.data["worries"] == "Shouting at Dad's."
    page.get_by_role("link", name="What Amy said").first.click()
    expect(page.locator("blockquote.child-words").first).to_contain_text("Shouting at Dad's.")
    expect(page.get_by_text("Confidential: not shared with the social work team")).to_be_visible()
    assert axe_violations(page) == []
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def draw_a_stroke(page) -> None:
    """One line across the child's canvas, as a finger draws it."""
    page.locator("canvas[data-canvas]").scroll_into_view_if_needed()
    canvas = page.locator("canvas[data-canvas]").bounding_box()
    page.mouse.move(canvas["x"] + 40, canvas["y"] + 40)
    page.mouse.down()
    page.mouse.move(canvas["x"] + 200, canvas["y"] + 120, steps=5)
    page.mouse.up()


def start_child_mode(page, child) -> None:
    page.goto(f"/cases/{child.id}")
    ready_offline(page)
    page.get_by_role("link", name="Child mode: hand the tablet to Amy").first.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Child mode")


def test_child_mode_works_offline_saves_the_childs_words_and_cannot_be_left_without_the_pin(
        world, context, page, sign_in, live_server, axe_violations):
    sign_in(page, world.practitioner)
    start_child_mode(page, world.child)
    assert axe_violations(page) == []
    page.get_by_label("Choose a PIN (4 to 8 digits)").fill(PIN)
    page.get_by_label("The same PIN again").fill("1357")
    page.get_by_role("button", name="Start child mode").click()
    expect(page.get_by_role("alert")).to_contain_text("The two PINs are not the same")
    page.get_by_label("Choose a PIN (4 to 8 digits)").fill(PIN)
    page.get_by_label("The same PIN again").fill(PIN)
    page.get_by_role("button", name="Start child mode").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("This is your space")
    assert axe_violations(page) == []

    live_server.stop()  # out of signal, for real
    context.set_offline(True)
    live_server.forget_requests()
    page.get_by_role("radio", name="Happy", exact=True).check()
    page.get_by_label("My house of dreams").fill("A puppy called Biscuit.")
    draw_a_stroke(page)
    page.get_by_role("button", name="I've finished").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you!")
    (saved,) = outbox(page)
    assert saved["item"]["kind"] == "voice" and saved["status"] == "waiting"
    assert saved["item"]["data"]["dreams"] == "A puppy called Biscuit."
    assert (saved["item"]["data"]["feeling"], saved["item"]["data"]["mode"]) == ("happy", "drawing")

    # The child tries to leave: Back, another page of the app (refused, with the way back), a
    # reload. Child mode stays.
    page.go_back()
    expect(page).to_have_url(re.compile(rf"/cases/{world.child.id}/child-mode$"))
    page.goto("/cases")
    expect(page.get_by_role("heading", level=1)).to_have_text("This tablet is in child mode")
    page.get_by_role("link", name="Back to child mode").click()
    expect(page).to_have_url(re.compile(rf"/cases/{world.child.id}/child-mode$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("This is your space")
    expect(page.get_by_role("link")).to_have_count(1)  # the skip link to the page's own content
    dialogs = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.type), dialog.dismiss()))
    page.get_by_label("Your own words").fill("Can I stay?")
    page.close(run_before_unload=True)
    expect(page.get_by_role("heading", level=1)).to_have_text("This is your space")
    assert dialogs == ["beforeunload"]
    assert live_server.requests == [], "child mode worked with no server at all"

    leave = page.get_by_role("button", name="Grown-up: leave child mode")
    leave.click()
    page.get_by_label("Your PIN").fill("0000")
    page.get_by_role("button", name="Leave child mode", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="PIN")).to_contain_text("That is not the PIN")
    expect(page).to_have_url(re.compile(r"/child-mode$"))
    page.get_by_label("Your PIN").fill(PIN)
    page.get_by_role("button", name="Leave child mode", exact=True).click()
    # "Can I stay?" was never finished: the grown-up decides, here to discard it.
    expect(page.get_by_role("heading", level=1)).to_have_text("The child has not finished")
    with page.expect_navigation(url=re.compile(rf"/cases/{world.child.id}$")):
        page.get_by_role("button", name="Discard it and leave child mode").click()

    live_server.start()
    context.set_offline(False)
    wait_for_outbox(page, 0, timeout=15_000)
    wait_until(page, MEDIA_COUNT, 0)
    (entry,) = voice_entries(world.child)
    assert entry.author_id == world.practitioner.id
    assert entry.data["dreams"] == "A puppy called Biscuit."
    [picture] = kept_media()
    assert (picture.entry_id, picture.kind.value, picture.content_type) == (
        entry.id, "drawing", "image/png")


def test_offline_three_wrong_pins_make_the_next_try_wait_and_signing_out_is_the_way_out(
        world, context, page, sign_in, live_server):
    sign_in(page, world.advocate)
    start_child_mode(page, world.child)
    page.get_by_label("Choose a PIN (4 to 8 digits)").fill(PIN)
    page.get_by_label("The same PIN again").fill(PIN)
    page.get_by_role("button", name="Start child mode").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("This is your space")
    live_server.stop()  # the server cannot check the PIN: the tablet does (online, see
    context.set_offline(True)  # tests/browser/test_child_mode.py)
    page.get_by_role("button", name="Grown-up: leave child mode").click()
    for _ in range(3):
        page.get_by_label("Your PIN").fill("1111")
        page.get_by_role("button", name="Leave child mode", exact=True).click()
    expect(page.get_by_text("Try again in 30 seconds")).to_be_visible()
    page.get_by_label("Your PIN").fill(PIN)
    page.get_by_role("button", name="Leave child mode", exact=True).click()
    # The right PIN during the wait is not checked, and not called wrong.
    expect(page.get_by_text(re.compile(r"Too many wrong tries: wait \d+ seconds"))).to_be_visible()
    expect(page).to_have_url(re.compile(r"/child-mode$"))
    stored = page.evaluate("localStorage.getItem('dailylife-child-mode')")
    assert PIN not in stored, "the PIN itself is never stored"

    # The adult's password instead: signing out ends the session and child mode with it.
    live_server.start()
    context.set_offline(False)
    with page.expect_navigation(url=re.compile(r"/login$")):
        page.get_by_role("button", name="Forgotten the PIN? Sign out instead").click()
    page.goto(f"/cases/{world.child.id}")
    expect(page).to_have_url(re.compile(r"/login\?next="))


def test_the_visit_form_reminds_while_the_child_is_seen_and_not_yet_heard(world, page, sign_in):
    sign_in(page, world.practitioner)
    page.goto(f"/cases/{world.child.id}/visits/new")
    reminder = page.locator("[data-voice-reminder]")
    expect(reminder).to_be_hidden()
    page.check("#child_seen-0")
    expect(reminder).to_be_visible()
    page.select_option("#voice-0-feeling", "sad")
    expect(reminder).to_be_hidden()


def test_offline_an_advocates_child_page_offers_child_mode_and_nothing_of_the_record(
        world, context, page, sign_in, live_server):
    sign_in(page, world.advocate)
    page.goto(f"/cases/{world.child.id}")
    ready_offline(page)
    live_server.stop()
    context.set_offline(True)
    page.reload()
    expect(page.locator("[data-offline-child] h1")).to_have_text("Amy Example")
    for record_only in ("Legal status", "Last visit", "Household now"):
        expect(page.get_by_text(record_only)).to_be_hidden()
    expect(page.get_by_role("link", name="Record a visit")).to_be_hidden()
    page.get_by_role("link", name="Child mode: hand the tablet to the child").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Child mode")
