"""From an uploaded file to an image safe to keep: Pillow, under a pixel limit, nothing but pixels.

A photo from a phone carries the GPS position of the child's home in its EXIF block, and may
carry XMP, maker notes, comments and a colour profile naming the device. The upload is decoded
(only JPEG, PNG and WebP, recognised by their content), turned the right way up, brought into
sRGB, scaled down and encoded afresh from its pixels alone, so no metadata can survive.
"""

import hashlib
import io
import warnings
from dataclasses import dataclass
from functools import cached_property

from PIL import Image, ImageCms, ImageOps

#: Recognised by content (Pillow's own detection), never by file name or declared type.
FORMATS = ("JPEG", "PNG", "WEBP")
LONGEST_SIDE = 2048
THUMBNAIL_SIDE = 320
#: A photo decoded at a reduced scale keeps at least this many pixels on its longest side.
SMALLEST_REDUCED = 1600
JPEG_QUALITY = 85
THUMBNAIL_QUALITY = 80
#: Pillow's bicubic scaling is antialiased (a convolution over the whole source area): as good
#: as Lanczos to the eye at these ratios, and about 40% faster on a 12-megapixel photo.
RESAMPLING = Image.Resampling.BICUBIC
DAMAGED = ("This image is damaged or incomplete, so it cannot be kept. Take the photo again, or "
           "choose another copy of it.")

_SRGB = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB"))


class ImageRefused(ValueError):
    """An upload that will not be kept, with the words to tell the person who sent it."""

    def __init__(self, message: str, code: str = "image_refused"):
        super().__init__(message)
        self.message = message
        self.code = code


@dataclass(frozen=True)
class ProcessedImage:
    content_type: str
    extension: str
    image: bytes
    thumbnail: bytes
    width: int
    height: int
    #: SHA-256 of the file as uploaded: a retried upload is recognised by it.
    upload_sha256: str

    @cached_property
    def sha256(self) -> str:
        """SHA-256 of the stored file, recorded so that its integrity can be checked later."""
        return hashlib.sha256(self.image).hexdigest()


def process(upload: bytes, max_pixels: int) -> ProcessedImage:
    """Check, orient, clean, scale and encode an upload, or refuse it with a reason."""
    if not upload:
        raise ImageRefused("The file is empty (0 bytes). Choose the image again.", "image_empty")
    picture = _decoded(upload, max_pixels)
    # Scaled first: turning and colour-converting 2 million pixels costs a sixth of 12 million.
    picture.thumbnail((LONGEST_SIDE, LONGEST_SIDE), RESAMPLING)
    picture = _in_srgb(ImageOps.exif_transpose(picture))
    transparent = _has_transparency(picture)
    picture = picture.convert("RGBA" if transparent else "RGB")
    picture.info = {}
    thumbnail = picture.copy()
    thumbnail.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE), RESAMPLING)
    kind = "png" if transparent else "jpeg"
    return ProcessedImage(
        content_type=f"image/{kind}", extension="png" if transparent else "jpg",
        image=_encoded(picture, kind, JPEG_QUALITY), thumbnail=_encoded(thumbnail, kind,
                                                                       THUMBNAIL_QUALITY),
        width=picture.width, height=picture.height,
        upload_sha256=hashlib.sha256(upload).hexdigest())


def _decoded(upload: bytes, max_pixels: int) -> Image.Image:
    """Read the header, refuse what is too big before decoding a pixel, then decode it all."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            picture = Image.open(io.BytesIO(upload), formats=FORMATS)
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise _too_many_pixels(max_pixels) from None
    except (Image.UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ImageRefused("This file is not a photo or drawing this app can keep: send a JPEG, "
                           "PNG or WebP image (what a tablet's camera makes).",
                           "image_unsupported") from None
    width, height = picture.size
    if width * height > max_pixels:
        raise _too_many_pixels(max_pixels)
    if picture.format == "JPEG":
        _decode_reduced(picture)
    try:
        picture.load()
    except (OSError, SyntaxError, ValueError, EOFError, Image.DecompressionBombError):
        raise ImageRefused(DAMAGED, "image_damaged") from None
    return picture


def _decode_reduced(picture) -> None:
    """Have libjpeg decode a big photo at 1/2, 1/4 or 1/8 of its size (scaling in the DCT):
    several times faster and lighter than decoding every pixel and scaling after. A 12-megapixel
    photo (4032 px) is kept at 2016 px rather than decoded whole for 32 px more."""
    longest = max(picture.size)
    reduction = next((factor for factor in (8, 4, 2) if longest / factor >= SMALLEST_REDUCED), 1)
    if reduction > 1:
        picture.draft("RGB", (picture.width // reduction, picture.height // reduction))


def _too_many_pixels(max_pixels: int) -> ImageRefused:
    return ImageRefused(f"This image has more than {max_pixels / 1e6:.0f} million pixels, more "
                        "than a photo can have, so it is not opened. Take the photo again with "
                        "the tablet's camera.", "image_too_many_pixels")


def _in_srgb(picture: Image.Image) -> Image.Image:
    """Colours as the embedded profile meant them, so that dropping the profile changes nothing."""
    profile = picture.info.get("icc_profile")
    if not profile or picture.mode not in ("RGB", "RGBA", "CMYK", "L"):
        return picture
    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(profile))
        output_mode = "RGBA" if picture.mode == "RGBA" else "RGB"
        return ImageCms.profileToProfile(picture, source, _SRGB, outputMode=output_mode)
    except (ImageCms.PyCMSError, OSError, ValueError):
        return picture


def _has_transparency(picture: Image.Image) -> bool:
    return picture.mode in ("RGBA", "LA", "PA") or "transparency" in picture.info


def _encoded(picture: Image.Image, kind: str, quality: int) -> bytes:
    out = io.BytesIO()
    if kind == "png":
        picture.save(out, "PNG", optimize=False)
    else:
        picture.save(out, "JPEG", quality=quality)
    return out.getvalue()
