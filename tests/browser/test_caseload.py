"""The caseload for the day in a real browser (issue 16, item 2): finding a child by name as you
type, online and offline, and the same cards in the same order offline as online."""

from playwright.sync_api import expect

from helpers import days_ago, record

from .conftest import AXE
from .test_offline import wait_for_app


def seen(author, child, days: int, alone: bool = True) -> None:
    record(author, child, "visit", days_ago(days, 12), type="planned", child_seen=True,
           seen_alone=alone, seen_alone_reason=None if alone else "Mother stayed.")


def three_signals_for_amy(world) -> None:
    """Not seen alone at her last three visits, no words of her own, a report nobody checked."""
    for days in (3, 2, 1):
        seen(world.practitioner, world.child, days, alone=False)
    record(world.practitioner, world.child, "observation", days_ago(21, 12), category="education",
           text="Mum says school is fine.", source="parent_reported")


def a_caseload(world, make_child, allocate, case_opened) -> None:
    """Amy (never seen: due in ten working days), Zoë known as Bee (due in 2 days) and Carl
    (overdue by 3 days), so that the caseload's order is not alphabetical. Their cases opened
    before their last visits (a case's visits are due from the later of the two)."""
    for name, known_as, interval, days in (("Zoë Brown", "Bee", 7, 5), ("Carl Dunn", None, 7, 10)):
        child = make_child(world.team_a, name=name, preferred_name=known_as,
                           visit_interval_days=interval)
        case_opened(child, days_ago(days + 1))
        allocate(world.practitioner, child)
        seen(world.practitioner, child, days)


def caseload_on_a_tablet(world, make_child, allocate, case_opened, signed_in_page):
    """The social worker's caseload open on a tablet that holds its briefs."""
    a_caseload(world, make_child, allocate, case_opened)
    page = signed_in_page(world.practitioner)
    page.goto("/cases")
    wait_for_app(page)
    return page


def card_names(page) -> list[str]:
    return page.locator(".caseload .card:visible .card-name").all_inner_texts()


def cards(page) -> list[str]:
    return page.locator(".caseload .card").all_inner_texts()


def find(page, text: str) -> None:
    page.get_by_label("Find a child by name").fill(text)


def go_offline(page, live_server) -> None:
    page.context.set_offline(True)
    live_server.stop()
    page.goto("/cases")
    expect(page.locator("[data-offline-note]")).to_be_visible()


def test_typing_a_name_or_the_name_a_child_is_known_by_finds_them_and_sends_nothing(
        world, make_child, allocate, case_opened, live_server, signed_in_page):
    page = caseload_on_a_tablet(world, make_child, allocate, case_opened, signed_in_page)
    assert card_names(page) == ["Carl Dunn", "Zoë Brown", "Amy Example"]
    live_server.forget_requests()

    find(page, "zoe")
    expect(page.locator(".caseload .card:visible")).to_have_count(1)
    assert card_names(page) == ["Zoë Brown"]
    find(page, "BEE")
    assert card_names(page) == ["Zoë Brown"]
    find(page, "amy ex")
    assert card_names(page) == ["Amy Example"]
    find(page, "Nobody")
    expect(page.locator(".caseload .card:visible")).to_have_count(0)
    expect(page.get_by_text("No child on your caseload has that name.")).to_be_visible()
    page.get_by_label("Find a child by name").press("Enter")
    find(page, "")
    assert card_names(page) == ["Carl Dunn", "Zoë Brown", "Amy Example"]
    assert not [path for path in live_server.paths() if "zoe" in path.lower()
                or "nobody" in path.lower() or path.startswith("/cases")], live_server.paths()


def test_offline_the_caseload_shows_the_same_cards_in_the_same_order_as_online(
        world, make_child, allocate, case_opened, live_server, signed_in_page):
    page = caseload_on_a_tablet(world, make_child, allocate, case_opened, signed_in_page)
    online = cards(page)
    assert "Next visit overdue by 3 days" in online[0] and "Visit overdue" not in online[0]
    assert "Next visit due in 2 days" in online[1]
    expect(page.locator(".card").first.locator('[data-signal="visit_overdue"]')).to_be_visible()

    go_offline(page, live_server)
    expect(page.locator(".caseload .card")).to_have_count(3)
    assert cards(page) == online
    expect(page.locator(".card").first.locator('[data-signal="visit_overdue"]')).to_be_visible()


def test_offline_the_search_finds_children_in_the_briefs_kept_on_the_tablet(
        world, make_child, allocate, case_opened, live_server, signed_in_page):
    page = caseload_on_a_tablet(world, make_child, allocate, case_opened, signed_in_page)
    go_offline(page, live_server)
    expect(page.locator(".caseload .card")).to_have_count(3)

    find(page, "bee")
    assert card_names(page) == ["Zoë Brown"]
    expect(page.get_by_text("1 of 3 children shown.")).to_be_visible()
    find(page, "")
    assert card_names(page) == ["Carl Dunn", "Zoë Brown", "Amy Example"]


def targets_smaller_than_44px(page) -> list[str]:
    targets = page.locator("main a:visible, main button:visible, main input:visible, "
                           "main summary:visible")
    assert targets.count() >= 5
    return [f"{target.inner_text() or target.get_attribute('id')}: {box['width']}x{box['height']}"
            for target in targets.all()
            if (box := target.bounding_box())["height"] < 44 or box["width"] < 44]


def test_every_target_on_the_caseload_is_at_least_44_pixels_and_axe_finds_nothing_online_or_offline(
        world, make_child, allocate, case_opened, live_server, signed_in_page, axe_violations):
    three_signals_for_amy(world)
    page = caseload_on_a_tablet(world, make_child, allocate, case_opened, signed_in_page)
    expect(page.locator(".more-signals summary")).to_have_text("1 more")
    assert targets_smaller_than_44px(page) == []
    assert axe_violations(page) == []

    # axe-core is a test tool, not part of the app the tablet keeps: handed to the page offline.
    page.context.route("**/vendor/axe-core/axe.min.js", lambda route: route.fulfill(path=AXE))
    go_offline(page, live_server)
    expect(page.locator(".more-signals summary")).to_have_text("1 more")
    assert targets_smaller_than_44px(page) == []
    assert axe_violations(page) == []
