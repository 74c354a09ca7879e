"""Standing facts in the browser (issue 17 item 7): a history flag the supervisor records heads
the child's page, online and on the tablet out of signal."""

from playwright.sync_api import expect

from .test_offline import wait_for_app


def test_a_flag_the_supervisor_records_heads_the_childs_page_online_and_out_of_signal(
        world, live_server, signed_in_page, axe_violations):
    sara = signed_in_page(world.supervisor)
    sara.goto(f"/cases/{world.child.id}")
    sara.get_by_role("link", name="Record a history flag").click()
    sara.get_by_label("What happened before").select_option(label="Earlier child protection plan")
    sara.get_by_label("This child").check()
    sara.get_by_label("Where this is known from").fill("Leeds children's services records")
    sara.get_by_label("When", exact=True).fill("2019")
    assert axe_violations(sara) == []
    sara.get_by_role("button", name="Save history flag").click()
    flags = sara.locator("section.history-flags")
    expect(flags).to_contain_text("Earlier child protection plan — This child, 2019.")
    expect(flags).to_contain_text("Known from: Leeds children's services records.")

    page = signed_in_page(world.practitioner)
    page.goto(f"/cases/{world.child.id}")
    expect(page.locator("[data-history-flag=child_protection_plan]")).to_be_visible()
    assert axe_violations(page) == []
    wait_for_app(page)
    page.context.set_offline(True)
    live_server.stop()
    page.reload()
    offline = page.locator("[data-offline-child]")
    expect(offline.locator("h1")).to_have_text("Amy Example")
    flag = offline.locator("[data-history-flag=child_protection_plan]")
    expect(flag).to_contain_text("Earlier child protection plan — This child, 2019.")
    expect(flag).to_contain_text("Known from: Leeds children's services records.")
    expect(flag).to_contain_text("by Sara Supervisor")
