"""Photos and drawings on the tablet: taken with no signal, made small on the device, kept with
the draft and the outbox, sent after their entry, and shown in the chronology."""

import io

import sqlalchemy as sa
import sqlalchemy.orm
from PIL import Image
from playwright.sync_api import expect

import sample_images
from dailylife.extensions import db
from dailylife.media import store
from dailylife.media.models import Media

from .test_offline import (fill_visit, open_visit_form_then_lose_signal, save_visit, visit_page,
                           wait_for_app, wait_for_draft, wait_for_key, wait_for_outbox,
                           wait_until,
                           wait_until_sent_after_signal_returns)

SLOT = "observations-0-images-0-"
MEDIA_COUNT = """async (wanted) => {
    const { database } = await import('/static/js/store.js');
    return (await (await database()).count('media')) === wanted;
}"""


def media_records(page) -> list[dict]:
    """The device's image records as the app reads them (caption and kind unsealed), without
    the sealed picture itself."""
    wait_for_key(page)  # a page just opened takes the key from the page before
    return page.evaluate("""async () => {
        const { database } = await import('/static/js/store.js');
        const { open } = await import('/static/js/vault.js');
        const records = await (await database()).getAll('media');
        return Promise.all(records.map(async ({ image, sealed, ...record }) => (
            { ...record, ...(sealed ? await open(sealed) : {}) })));
    }""")


def kept_media() -> list[Media]:
    """What the server kept, read whole (entries too) before the transaction ends: an open one
    would hold SQLite's write lock against the live server (see conftest)."""
    rows = db.session.scalars(sa.select(Media).options(sa.orm.joinedload(Media.entry))).all()
    db.session.commit()
    return rows


def open_images(page) -> None:
    """Open the observation's "Photos and drawings", as a practitioner would."""
    page.locator("details.image-slots", has=page.locator(f'[data-image-slot="{SLOT}"]')) \
        .locator("summary").click()


def choose_photo(page, content: bytes, name: str = "IMG_0042.jpg") -> None:
    page.set_input_files(f"#{SLOT}camera", files=[
        {"name": name, "mimeType": "image/jpeg", "buffer": content}])


def test_a_photo_taken_offline_reaches_the_chronology_after_its_visit(
        app, world, live_server, signed_in_page):
    child = world.child
    page = signed_in_page(world.practitioner)
    open_visit_form_then_lose_signal(page, live_server, child)
    live_server.forget_requests()

    original = sample_images.phone_photo(3000, 2000)  # turned upright: 2000 wide, 3000 high
    fill_visit(page, observation="No bedding on Amy's bed.", words="I sleep with my coat.")
    open_images(page)
    choose_photo(page, original)
    expect(page.locator(f'[data-image-slot="{SLOT}"] [data-image-preview]')).to_have_count(1)
    page.fill(f"#{SLOT}caption", "Amy's bed")
    wait_for_draft(page, f"{SLOT}caption", "Amy's bed")

    page.reload()  # the chosen photo is kept with the draft
    page.locator("[data-draft-banner]").get_by_role("button", name="Resume draft").click()
    expect(page.locator(f'[data-image-slot="{SLOT}"] [data-image-preview]')).to_have_count(1)
    save_visit(page, child)

    status = page.locator("#sync-status")
    expect(status).to_contain_text("4 entries and 1 image waiting to send")
    [record] = media_records(page)
    assert record["status"] == "waiting" and record["caption"] == "Amy's bed"
    assert record["type"] == "image/jpeg" and record["size"] < len(original)
    assert live_server.requests == [], "nothing may reach the server while offline"

    live_server.start()
    page.context.set_offline(False)
    wait_until_sent_after_signal_returns(page)
    wait_until(page, MEDIA_COUNT, 0)
    expect(status).to_contain_text("Online · Nothing waiting")

    [media] = kept_media()
    assert (media.width, media.height) == (1365, 2048), "downscaled on the tablet, upright"
    assert media.caption == "Amy's bed" and media.entry.data["text"] == "No bedding on Amy's bed."
    with app.app_context():
        stored = Image.open(io.BytesIO(store.read(media)))
    assert dict(stored.getexif()) == {}
    assert live_server.paths("POST").count("/api/v1/media") == 1

    page.goto(f"/cases/{child.id}/chronology")
    thumbnail = page.locator(f"#entry-{media.entry_id} img[data-media='{media.id}']")
    expect(thumbnail).to_be_visible()
    assert thumbnail.evaluate("(image) => image.complete && image.naturalWidth") > 0


def test_a_file_that_is_not_an_image_is_refused_on_the_tablet(world, signed_in_page):
    page = signed_in_page(world.practitioner)
    page.goto(visit_page(world.child))
    wait_for_app(page)
    open_images(page)
    choose_photo(page, sample_images.NOT_IMAGES["html renamed .jpg"], name="photo.jpg")
    slot = page.locator(f'[data-image-slot="{SLOT}"]')
    expect(slot.get_by_role("alert")).to_contain_text("not a photo or drawing this tablet can read")
    expect(slot.locator("[data-image-preview]")).to_have_count(0)
    assert media_records(page) == []


def test_removing_a_chosen_image_leaves_nothing_to_send(world, live_server, signed_in_page):
    child = world.child
    page = signed_in_page(world.practitioner)
    page.goto(visit_page(child))
    wait_for_app(page)
    fill_visit(page, observation="Kitchen tidy.", words="I like pasta.")
    open_images(page)
    choose_photo(page, sample_images.plain(400, 300))
    slot = page.locator(f'[data-image-slot="{SLOT}"]')
    slot.get_by_role("button", name="Remove this image").click()
    expect(slot.locator("[data-image-preview]")).to_have_count(0)
    save_visit(page, child)
    wait_for_outbox(page, 0)
    assert media_records(page) == [] and kept_media() == []
