"""Your account page in a real browser: signing out this device goes through the header's
sign-out, whose script first takes this person's data off the tablet."""

import re

from playwright.sync_api import expect

from .test_device import RAW_COUNT
from .test_offline import wait_for_app


def test_signing_out_this_device_from_your_sessions_leaves_nothing_on_the_tablet(
        world, page, sign_in):
    sign_in(page, world.practitioner)
    page.get_by_role("link", name="Your account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    expect(page.get_by_text("(this device)")).to_be_visible()
    wait_for_app(page)
    assert page.evaluate(RAW_COUNT, "vaults") == 1

    with page.expect_response("**/logout"):
        page.get_by_role("button", name="Sign out this device").click()

    expect(page).to_have_url(re.compile(r"/login$"))
    for store in ("briefs", "vaults"):
        assert page.evaluate(RAW_COUNT, store) == 0, store
    page.goto("/account")
    expect(page).to_have_url(re.compile(r"/login\?next=/account$"))
