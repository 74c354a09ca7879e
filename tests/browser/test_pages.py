"""The pages practitioners and administrators use, in a real browser at tablet and phone sizes."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import TABLET_LANDSCAPE, TABLET_PORTRAIT, VIEWPORTS


def fits_the_screen(page) -> bool:
    """Nothing wider than the viewport: no sideways scrolling on a tablet or a phone."""
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_practitioner_signs_in_sees_their_caseload_and_opens_a_child(world, page, sign_in):
    sign_in(page, world.practitioner)

    expect(page).to_have_url(re.compile(r"/cases$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("My caseload")
    expect(page.get_by_role("link", name="Amy Example")).to_be_visible()
    expect(page.get_by_text("Ben Elsewhere")).to_have_count(0)
    assert fits_the_screen(page)

    page.get_by_role("link", name="Amy Example").click()

    expect(page).to_have_url(re.compile(rf"/cases/{world.child.id}$"))
    expect(page.get_by_role("heading", level=1)).to_contain_text("Amy Example")
    expect(page.get_by_role("definition").filter(has_text="Child protection plan")).to_be_visible()
    expect(page.get_by_role("link", name="Child protection plan")).to_be_visible()  # its history
    assert fits_the_screen(page)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_signing_out_ends_the_session(world, page, sign_in):
    sign_in(page, world.practitioner)

    page.get_by_role("button", name="Sign out").click()

    expect(page).to_have_url(re.compile(r"/login$"))
    page.goto(f"/cases/{world.child.id}")
    expect(page).to_have_url(re.compile(r"/login\?next="))
    expect(page.get_by_text("Amy Example")).to_have_count(0)


def test_a_wrong_password_keeps_you_on_the_sign_in_page_with_a_message(world, page):
    page.goto("/login")
    page.get_by_label("Email").fill(world.practitioner.email)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("alert")).to_contain_text("do not match an active account")
    expect(page).to_have_url(re.compile(r"/login$"))


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_sign_in_page_passes_axe_at_wcag_2_2_aa(page, axe_violations):
    page.goto("/login")
    violations = axe_violations(page)

    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("This field is required.")).to_have_count(2)
    violations += axe_violations(page)

    assert violations == [], "\n".join(violations)


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_the_practitioners_pages_pass_axe_at_wcag_2_2_aa(world, page, sign_in, axe_violations):
    sign_in(page, world.practitioner)
    violations = axe_violations(page)
    page.goto(f"/cases/{world.child.id}")
    violations += axe_violations(page)

    assert violations == [], "\n".join(violations)


ADMIN_FORMS = ["/admin/users/new", "/admin/teams/new", "/admin/children/new",
               "/admin/allocations/new"]


# Administrators work at a desk or on a tablet: the tablet sizes only, to keep the suite quick.
@pytest.mark.parametrize("viewport", [TABLET_LANDSCAPE, TABLET_PORTRAIT],
                         ids=["tablet-landscape", "tablet-portrait"])
def test_the_admin_pages_pass_axe_at_wcag_2_2_aa(world, page, sign_in, axe_violations):
    sign_in(page, world.admin)
    page.goto("/admin/")
    expect(page.get_by_role("heading", level=1)).to_have_text("People and allocations")
    violations = axe_violations(page)
    for form in [*ADMIN_FORMS, f"/admin/users/{world.practitioner.id}/edit"]:
        page.goto(form)
        violations += axe_violations(page)

    page.goto("/admin/users/new")
    page.get_by_role("button", name=re.compile("user", re.I)).click()
    expect(page.locator(".error-summary")).to_be_visible()
    violations += axe_violations(page)

    assert violations == [], "\n".join(violations)


@pytest.mark.parametrize("viewport", [TABLET_PORTRAIT], ids=["tablet-portrait"])
def test_your_account_page_passes_axe_at_wcag_2_2_aa(world, page, sign_in, axe_violations):
    sign_in(page, world.practitioner)
    page.get_by_role("link", name="Your account").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your account")
    violations = axe_violations(page)
    page.get_by_role("button", name="Change password").click()
    expect(page.locator(".error-summary")).to_be_visible()
    violations += axe_violations(page)

    assert violations == [], "\n".join(violations)


def header_targets_smaller_than_44px(page) -> list[str]:
    small = []
    for target in page.locator("header a, header button").all():
        box = target.bounding_box()
        if box is None or box["height"] < 44:
            small.append(f"{target.inner_text()!r}: {box and box['height']:.0f}px high")
    return small


@pytest.mark.parametrize("viewport", VIEWPORTS)
def test_header_links_and_buttons_are_big_enough_to_tap(world, page, sign_in):
    page.goto("/login")
    small = header_targets_smaller_than_44px(page)
    sign_in(page, world.practitioner)
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()
    small += header_targets_smaller_than_44px(page)

    assert small == []
