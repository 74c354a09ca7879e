"""Image slots on the recording pages: a photo or a drawing, with its caption, per entry.

Each entry on a page (the visit, each observation, each set of the child's words) offers a few
slots. They are page fields only, never part of an entry's ``data``: the image travels on its
own (``POST /api/v1/media`` from the tablet, or in the page's multipart post without JavaScript).
"""

from flask_wtf.file import FileField
from wtforms import FieldList, Form, FormField, RadioField, StringField
from wtforms.validators import Length, ValidationError

from dailylife.media.models import MediaKind

#: Slots per entry on a page. More images can be added to the entry later, one save at a time.
IMAGE_SLOTS = 3
CAPTION_LENGTH = 500


def _kind_field(default: MediaKind) -> RadioField:
    return RadioField("This is", choices={kind.value: kind.label for kind in MediaKind},
                      default=default.value)


class PhotoSlot(Form):
    camera = FileField("Take a photo", render_kw={"accept": "image/*", "capture": "environment"})
    file = FileField("Or choose an image", render_kw={"accept": "image/jpeg,image/png,image/webp"})
    kind = _kind_field(MediaKind.PHOTO)
    caption = StringField("Caption", validators=[Length(max=CAPTION_LENGTH)],
                          filters=[lambda text: (text or "").strip()],
                          description="What it shows, and why it matters for the child.")

    @property
    def upload(self):
        """The chosen file (a werkzeug FileStorage), or None."""
        return self.camera.data or self.file.data

    def validate_file(self, field):
        if self.camera.data and field.data:
            raise ValidationError("Take a photo or choose an image here, not both: use the next "
                                  "slot for a second image.")

    def validate_caption(self, field):
        if field.data and not self.upload:
            raise ValidationError("Add the photo or drawing this caption describes, or clear "
                                  "the caption.")


class DrawingSlot(PhotoSlot):
    kind = _kind_field(MediaKind.DRAWING)


def image_slots(slot: type[PhotoSlot] = PhotoSlot) -> FieldList:
    return FieldList(FormField(slot), "Photos and drawings", min_entries=IMAGE_SLOTS,
                     max_entries=IMAGE_SLOTS)


def chosen(slots) -> list[PhotoSlot]:
    """The filled slots of an ``image_slots`` field, in order."""
    return [entry.form for entry in slots if entry.form.upload]
