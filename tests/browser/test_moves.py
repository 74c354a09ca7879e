"""Recording a move on the tablet out of signal (issue 17, item 5): the tablet judges it by the
server's own rules before keeping it, and sends it once the signal is back."""

import re

from playwright.sync_api import expect

from dailylife.entries.models import Kind

from .test_offline import entries_of, outbox, wait_for_app, wait_until_sent_after_signal_returns

ADDRESS = "Flat 3\n12 Oak Road\nLeeds LS9 7AB"


def test_a_move_recorded_out_of_signal_is_checked_on_the_tablet_and_arrives_once(
        world, live_server, signed_in_page):
    page = signed_in_page(world.practitioner)
    page.goto(f"/cases/{world.child.id}/moves/new")
    wait_for_app(page)
    page.context.set_offline(True)
    live_server.stop()

    page.fill("#local_authority", "Leeds City Council")
    page.fill("#who", "Amy\nMum")
    page.get_by_role("button", name="Save move").click()
    expect(page.locator("[data-field=address] .error-message")).to_have_text(
        "Give the new address: where the child lives now.")
    assert outbox(page) == [], "the tablet refuses what the server would refuse"

    page.fill("#address", ADDRESS)
    with page.expect_navigation(url=re.compile(rf"/cases/{world.child.id}$")):
        page.get_by_role("button", name="Save move").click()
    (waiting,) = outbox(page)
    assert waiting["item"]["kind"] == "move"

    live_server.start()
    page.context.set_offline(False)
    wait_until_sent_after_signal_returns(page)
    (stored,) = [entry for entry in entries_of(world.child) if entry.kind is Kind.MOVE]
    assert stored.data == {"address": ADDRESS, "local_authority": "Leeds City Council",
                           "who": ["Amy", "Mum"]}
