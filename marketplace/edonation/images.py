"""Uploaded QR images: only PNG or JPEG, not too large, re-encoded as a clean PNG."""

import io
import warnings

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

from ..errors import ValidationFailed

MAX_BYTES = 2 * 1024 * 1024
# A bank's QR is a few hundred pixels a side; this leaves room for a phone photo.
MAX_PIXELS = 4096 * 4096
# Shown to donors at this size at most: larger uploads are scaled down.
MAX_SIDE = 1024
FORMATS = {"PNG", "JPEG"}


def _refuse(message) -> ValidationFailed:
    return ValidationFailed(fields={"qr_image": [str(message)]})


def clean_png(data: bytes) -> bytes:
    """The upload re-encoded as PNG: pixels only, no metadata, at most MAX_SIDE.

    Anything that is not a PNG or JPEG, too large in bytes or pixels, or broken, is
    refused with a message on the `qr_image` field.
    """
    if not data:
        raise _refuse(_l("Choose the QR image file (PNG or JPEG)."))
    if len(data) > MAX_BYTES:
        raise _refuse(_l("The image is larger than 2 MB. Upload a smaller one."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                if image.format not in FORMATS:
                    raise _refuse(_l("Upload a PNG or JPEG image."))
                if image.width * image.height > MAX_PIXELS:
                    raise _refuse(_l("The image has too many pixels."))
                image.load()
                picture = ImageOps.exif_transpose(image).convert("RGB")
    except (
        UnidentifiedImageError,
        Image.DecompressionBombWarning,
        Image.DecompressionBombError,
        OSError,
        SyntaxError,
        ValueError,
    ):
        raise _refuse(_l("Upload a PNG or JPEG image.")) from None
    picture.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    picture.save(out, "PNG", optimize=True)
    return out.getvalue()
