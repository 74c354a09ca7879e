"""Images made for the tests with Pillow: what a tablet's camera sends, and what an attacker might.

``phone_photo`` is laid out so that orientation can be checked: red on the left half and blue on
the right as stored, with an EXIF orientation tag saying "turn 90° clockwise to view" (as a
phone held upright writes it). Seen the right way up it is red on top, blue below.
"""

import io

from PIL import Image, ImageCms

RED, BLUE = (220, 30, 30), (30, 30, 220)
#: Where a phone's photo says the child lives: 51° 30' 12.5" N, 0° 7' 34" W.
LATITUDE = (51.0, 30.0, 12.5)
ROTATE_CLOCKWISE_TO_VIEW = 6
XMP = (b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-'
       b'rdf-syntax-ns#"><rdf:Description photoshop:City="Hometown"/></rdf:RDF></x:xmpmeta>')


def _halves(width: int, height: int) -> Image.Image:
    picture = Image.new("RGB", (width, height), BLUE)
    picture.paste(RED, (0, 0, width // 2, height))
    return picture


def phone_photo(width: int = 400, height: int = 300, colour_profile: bool = True) -> bytes:
    """A JPEG with GPS, camera make, an orientation tag, XMP, a comment and (unless asked not to)
    a colour profile: converting to sRGB happens to drop the rest, so both kinds are tested."""
    exif = Image.Exif()
    exif[0x0112] = ROTATE_CLOCKWISE_TO_VIEW
    exif[0x010F] = "PhoneMaker"
    exif[0x0110] = "Phone 12"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2], gps[3], gps[4] = "N", LATITUDE, "W", (0.0, 7.0, 34.0)
    out = io.BytesIO()
    profile = {"icc_profile": ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
               } if colour_profile else {}
    _halves(width, height).save(out, "JPEG", quality=90, exif=exif, comment=b"Taken at home",
                                xmp=XMP, **profile)
    return out.getvalue()


def drawing_with_transparency(width: int = 200, height: int = 150) -> bytes:
    picture = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    picture.paste((20, 120, 20, 255), (10, 10, 60, 60))
    out = io.BytesIO()
    picture.save(out, "PNG")
    return out.getvalue()


def plain(width: int, height: int, fmt: str = "JPEG") -> bytes:
    out = io.BytesIO()
    _halves(width, height).save(out, fmt)
    return out.getvalue()


def truncated_photo() -> bytes:
    whole = plain(600, 400)
    return whole[: len(whole) // 2]


def decompression_bomb(side: int = 10_000) -> bytes:
    """A few kilobytes that would decode to ``side``² pixels."""
    out = io.BytesIO()
    Image.new("1", (side, side)).save(out, "PNG")
    return out.getvalue()


NOT_IMAGES = {
    "text": b"Notes from the visit: the fridge was empty.\n",
    "pdf": b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n",
    "svg": (b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
            b'<script>alert(1)</script></svg>'),
    "html renamed .jpg": b"<!doctype html><script>alert(document.cookie)</script>",
}
