"""The administrator's pages on a phone and a tablet (issue 16): nothing wider than the screen,
and a confirmation after adding a child, correcting one and allocating."""

import re

import pytest
from playwright.sync_api import expect

from .conftest import PHONE, TABLET_PORTRAIT
from .test_pages import ADMIN_FORMS, fits_the_screen


def admin_pages(world) -> list[str]:
    return ["/admin/", *ADMIN_FORMS, f"/admin/users/{world.practitioner.id}/edit",
            f"/admin/children/{world.child.id}/edit"]


@pytest.mark.parametrize("viewport", [PHONE, TABLET_PORTRAIT], ids=["phone", "tablet-portrait"])
def test_every_admin_page_fits_a_phone_and_a_tablet_held_upright(
        world, page, sign_in, axe_violations):
    sign_in(page, world.admin)
    too_wide, violations = [], []
    for path in admin_pages(world):
        page.goto(path)
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        if not fits_the_screen(page):
            width = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            too_wide.append(f"{path}: {width}px too wide")
        violations += axe_violations(page)
    assert too_wide == []
    assert violations == [], "\n".join(violations)


def confirmation(page):
    return page.locator(".flash[role=status]")


@pytest.mark.parametrize("viewport", [PHONE], ids=["phone"])
def test_the_admin_is_told_when_a_child_is_added_corrected_and_allocated(world, page, sign_in):
    sign_in(page, world.admin)
    page.goto("/admin/children/new")
    page.get_by_label("Full name").fill("Cara Newcase")
    page.get_by_label("Date of birth").fill("2019-05-04")
    page.get_by_label("Responsible team").select_option(label="Team A")
    page.get_by_role("button", name="Add child").click()
    expect(confirmation(page)).to_contain_text("Cara Newcase is added to Team A.")

    page.get_by_role("link", name="Change details of Cara Newcase").click()
    expect(page.get_by_label("Full name")).to_have_value("Cara Newcase")
    page.get_by_label("Preferred name").fill("Cara")
    page.get_by_role("button", name="Save changes").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))
    expect(confirmation(page)).to_have_text("Cara Newcase's details are saved.")

    page.goto("/admin/allocations/new")
    page.get_by_label("Person").select_option(label="Olu Other (Social worker)")
    page.get_by_label("Child").select_option(label="Cara Newcase")
    page.get_by_role("button", name="Allocate").click()
    expect(confirmation(page)).to_have_text(
        "Olu Other is allocated to Cara Newcase as social worker.")
