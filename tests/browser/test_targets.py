"""Links and buttons a finger uses all day are big enough to tap (issue 16): on the caseload, the
child's page, the visit form, the chronology and the team dashboard, on a tablet held upright,
every visible link and button is at least 44×44 CSS px, the tablet norm.

The issue allows one kind of smaller target only, and the test prints each one it let through:
a target named in ``SPACED_OUT`` with the reason it may be smaller, and only while it meets WCAG
2.2's spacing exception (a 24-px circle centred on it touches no other target and no other small
target's circle). A link inside a sentence gets no allowance on these pages: it is made a target
of its own instead.
"""

import math

import pytest

from .conftest import TABLET_PORTRAIT
from .test_accessibility import addresses  # noqa: F401 (the world with entries of every kind)
from .test_accessibility import entries_the_server_refused

TAP = 44
SPACING_CIRCLE = 24

#: (page, the target's text) -> why it may be smaller than 44×44 (its spacing is still checked).
SPACED_OUT: dict[tuple[str, str], str] = {}

#: What each person opens all day.
PAGES = [
    ("practitioner", "caseload", "/cases"),
    ("practitioner", "child page", "/cases/{child}"),
    ("practitioner", "visit form", "/cases/{child}/visits/new"),
    ("practitioner", "chronology", "/cases/{child}/chronology"),
    ("supervisor", "dashboard", "/team"),
]

#: Each visible link and button on the page: its text and box (page coordinates).
TARGETS = """() => {
  const selector = 'a[href], button, summary, input[type=submit], input[type=button], '
    + '[role=button], [role=link]';
  // Out of sight and out of reach: hidden from everyone, or moved off the page until focused
  // (the skip link, whose focused size the stylesheet sets like any other).
  const unseen = (element, box) => box.width <= 1 || box.height <= 1
    || box.right + window.scrollX <= 0 || element.closest('[aria-hidden=true]')
    || getComputedStyle(element).visibility === 'hidden';
  return [...document.querySelectorAll(selector)].flatMap((element) => {
    const box = element.getBoundingClientRect();
    if (unseen(element, box)) return [];
    return [{
      text: (element.innerText || element.value || element.getAttribute('aria-label') || '')
        .trim().replace(/\\s+/g, ' ').slice(0, 60),
      x: box.left + window.scrollX, y: box.top + window.scrollY,
      width: box.width, height: box.height,
    }];
  });
}"""


def big_enough(target) -> bool:
    return target["width"] >= TAP and target["height"] >= TAP


def centre(target) -> tuple[float, float]:
    return target["x"] + target["width"] / 2, target["y"] + target["height"] / 2


def circle_touches_box(point, radius, box) -> bool:
    nearest_x = min(max(point[0], box["x"]), box["x"] + box["width"])
    nearest_y = min(max(point[1], box["y"]), box["y"] + box["height"])
    return (point[0] - nearest_x) ** 2 + (point[1] - nearest_y) ** 2 < radius ** 2


def spaced_out(target, targets) -> bool:
    """WCAG 2.2 2.5.8's spacing exception for an undersized target."""
    here = centre(target)
    for other in targets:
        if other is target:
            continue
        if circle_touches_box(here, SPACING_CIRCLE / 2, other):
            return False
        undersized = other["width"] < SPACING_CIRCLE or other["height"] < SPACING_CIRCLE
        if undersized and math.dist(here, centre(other)) < SPACING_CIRCLE:
            return False
    return True


def describe(page_name, target) -> str:
    return (f"{page_name}: {target['text']!r} is {target['width']:.0f}×{target['height']:.0f} "
            "CSS px")


def judge(page_name, targets) -> tuple[list[str], list[str]]:
    """(too small, let through with the reason) for one page's targets."""
    too_small, excepted = [], []
    for target in targets:
        if big_enough(target):
            continue
        reason = SPACED_OUT.get((page_name, target["text"]))
        if reason and spaced_out(target, targets):
            excepted.append(f"{describe(page_name, target)}: {reason} (spacing exception met)")
        else:
            too_small.append(describe(page_name, target))
    return too_small, excepted


@pytest.mark.parametrize("viewport", [TABLET_PORTRAIT], ids=["tablet-portrait"])
def test_links_and_buttons_used_all_day_are_big_enough_to_tap(
        world, addresses, new_context, sign_in):  # noqa: F811
    too_small, excepted = [], []
    for person in ("practitioner", "supervisor"):
        page = sign_in(new_context().new_page(), getattr(world, person))
        for _, page_name, address in (row for row in PAGES if row[0] == person):
            page.goto(address.format(**addresses))
            small, let_through = judge(page_name, page.evaluate(TARGETS))
            too_small += small
            excepted += let_through
    print("Smaller targets let through:", *excepted, sep="\n  ")
    assert too_small == [], "Smaller than 44×44 CSS px:\n" + "\n".join(too_small)


@pytest.mark.parametrize("viewport", [TABLET_PORTRAIT], ids=["tablet-portrait"])
def test_the_link_to_entries_the_server_refused_is_big_enough_to_tap(
        world, live_server, signed_in_page):
    page = signed_in_page(world.practitioner)
    entries_the_server_refused(page, live_server, world)
    link = page.locator("#sync-status a.needs-attention").bounding_box()
    assert link["height"] >= TAP and link["width"] >= TAP, link


def box(x, y, width, height, text="") -> dict:
    return {"text": text, "x": x, "y": y, "width": width, "height": height}


def test_the_spacing_exception_is_judged_as_wcag_2_2_says():
    small = box(100, 100, 20, 20)
    alone, near_a_button, near_another_small = (
        [small, box(200, 100, 44, 44)], [small, box(120, 100, 44, 44)],
        [small, box(124, 102, 16, 16)])
    assert spaced_out(small, alone)
    assert not spaced_out(small, near_a_button), "its circle reaches the button beside it"
    assert not spaced_out(small, near_another_small), "the circles overlap (centres 22 px apart)"


def test_a_small_target_passes_only_when_listed_and_spaced_out_and_the_output_says_so(monkeypatch):
    monkeypatch.setitem(SPACED_OUT, ("dashboard", "i"), "an information mark beside a heading")
    listed, unlisted = box(100, 100, 20, 20, "i"), box(300, 100, 20, 20, "?")
    too_small, excepted = judge("dashboard", [listed, unlisted])
    assert too_small == ["dashboard: '?' is 20×20 CSS px"]
    assert excepted == ["dashboard: 'i' is 20×20 CSS px: an information mark beside a heading "
                        "(spacing exception met)"]
    crowded = box(110, 100, 44, 44)
    assert judge("dashboard", [listed, crowded])[0] == ["dashboard: 'i' is 20×20 CSS px"]
