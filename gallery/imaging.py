"""Decoding and normalising user images: the one place an untrusted image is opened.

Checked by decoding, not by name: PNG, JPEG or WebP only, a byte limit, a pixel limit read from
the header before anything is decoded (decompression bombs, and CPU: a 6300 x 6300 PNG of 116 KB
took seconds to decode), JPEGs decoded at a reduced scale when they are scaled down anyway, EXIF
orientation applied, metadata dropped (EXIF with its GPS position, XMP, comments, text chunks;
the colour profile is kept), and the long side scaled down to INPUT_MAX_SIDE_PX before the image
goes anywhere (seed 001: big inputs made providers time out).
"""

from __future__ import annotations

import contextvars
import hashlib
import io
import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings

from config.errors import InvalidInput
from config.lazy import lazy_module

if TYPE_CHECKING:
    from PIL import Image, ImageOps
else:  # Pillow only when an image is decoded (a web worker mostly serves polls and lists)
    Image = lazy_module("PIL.Image")
    ImageOps = lazy_module("PIL.ImageOps")

_FORMATS: dict[str | None, str] = {"PNG": "png", "JPEG": "jpeg", "WEBP": "webp"}  # PIL's name: ours
_SAVE_OPTIONS = {"png": {}, "jpeg": {"quality": 92}, "webp": {"quality": 92}}


@dataclass(frozen=True)
class PreparedImage:
    data: bytes
    format: str  # png | jpeg | webp
    width: int
    height: int
    sha256: str

    @property
    def extension(self) -> str:
        return "jpg" if self.format == "jpeg" else self.format


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(f"{field}: {message}", fields={field: [message]})


# Pixels decoded so far by the request being served (None outside requests: workers are not
# bounded). Reset when a request starts (GalleryConfig.ready connects request_started), so one
# request decodes at most INPUT_DECODE_PIXELS_PER_REQUEST whatever number of images it carries.
_decoded_pixels: contextvars.ContextVar[int | None] = contextvars.ContextVar("decoded_pixels", default=None)


def decode_budget_start(**kwargs) -> None:
    _decoded_pixels.set(0)


def decode_budget_end(**kwargs) -> None:
    _decoded_pixels.set(None)


def _decode_budget_spend(pixels: int, field: str) -> None:
    spent = _decoded_pixels.get()
    if spent is None:
        return
    if spent + pixels > settings.INPUT_DECODE_PIXELS_PER_REQUEST:
        raise _invalid(field, "has too many pixels to be processed with the other images of this request.")
    _decoded_pixels.set(spent + pixels)


def image_decode(data: bytes, *, field: str, max_side: int | None = None) -> Image.Image:
    """Open and fully decode untrusted bytes, or raise InvalidInput naming the field.

    The pixel count comes from the header (Image.open reads nothing more) and is checked before
    load() decodes anything. With `max_side`, a JPEG is decoded at the smallest DCT scale whose
    both sides still reach it (the caller scales it down to max_side anyway), a fraction of the work.
    """
    from PIL import UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = settings.INPUT_MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            if image.format not in _FORMATS:
                raise _invalid(field, "must be a PNG, JPEG or WebP image.")
            width, height = image.size
            if width * height > settings.INPUT_MAX_PIXELS:
                raise Image.DecompressionBombError
            if max_side and image.format == "JPEG" and min(width, height) >= 2 * max_side:
                image.draft(image.mode, (max_side, max_side))
            _decode_budget_spend(image.width * image.height, field)
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _invalid(field, "has too many pixels to be processed safely.")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise _invalid(field, "is not a readable PNG, JPEG or WebP image.")
    return image


# Metadata a stored or provider-bound image must not carry (EXIF holds GPS positions, camera
# serials and the like; XMP and PNG text chunks anything at all).
_METADATA_KEYS = (
    "exif",
    "xmp",
    "XML:com.adobe.xmp",
    "comment",
    "photoshop",
    "Raw profile type exif",
    "Raw profile type xmp",
)


def image_has_metadata(image: Image.Image) -> bool:
    if any(key in image.info for key in _METADATA_KEYS):
        return True
    if image.format == "PNG" and getattr(image, "text", None):
        return True
    return bool(image.getexif())


def image_encode(image: Image.Image, fmt: str) -> bytes:
    """Encode without metadata: Pillow writes EXIF or XMP only when given them, and nothing is
    given but the colour profile (colours would shift without it)."""
    icc_profile = image.info.get("icc_profile")
    if fmt == "jpeg" and image.mode not in ("RGB", "L"):
        image = image.convert("RGB")
    elif fmt in ("png", "webp") and image.mode not in ("RGB", "RGBA", "L", "LA"):
        image = image.convert("RGBA" if "A" in image.getbands() or "transparency" in image.info else "RGB")
    options = dict(_SAVE_OPTIONS[fmt])
    if icc_profile:
        options["icc_profile"] = icc_profile
    image.info = {}  # nothing from the source's info may be carried into the file by the encoder
    buffer = io.BytesIO()
    image.save(buffer, format=fmt.upper(), **options)
    return buffer.getvalue()


def prepared_from_image(image: Image.Image, fmt: str) -> PreparedImage:
    data = image_encode(image, fmt)
    return PreparedImage(
        data=data, format=fmt, width=image.width, height=image.height, sha256=hashlib.sha256(data).hexdigest()
    )


def image_prepare_upload(upload, *, field: str, max_side: int | None = None) -> PreparedImage:
    """Validate an uploaded file and return it ready for storage and providers."""
    max_bytes = settings.MAX_UPLOAD_BYTES
    max_side = max_side or settings.INPUT_MAX_SIDE_PX
    size = getattr(upload, "size", None)
    if size is not None and size > max_bytes:
        raise _invalid(
            field,
            f"must be at most {max_bytes // (1024 * 1024)} MB "
            f"({max_bytes} bytes); this file has {size} bytes.",
        )
    data = upload.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise _invalid(field, f"must be at most {max_bytes} bytes.")
    if not data:
        raise _invalid(field, "is empty.")
    image = image_decode(data, field=field, max_side=max_side)
    fmt = _FORMATS[image.format]
    # Re-encoded whenever the bytes as sent would carry metadata, a rotation or a draft-scaled
    # decode; otherwise the original bytes are kept (no generation loss for clean inputs).
    changed = image_has_metadata(image) or image.size != _header_size(data)
    normalised = ImageOps.exif_transpose(image)
    if max(normalised.size) > max_side:
        normalised = normalised.copy()
        normalised.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        changed = True
    if not changed:
        return PreparedImage(
            data=data,
            format=fmt,
            width=image.width,
            height=image.height,
            sha256=hashlib.sha256(data).hexdigest(),
        )
    return prepared_from_image(normalised, fmt)


def _header_size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as header:
        return header.size


def image_prepare_output(data: bytes, *, fmt: str, field: str = "output") -> PreparedImage:
    """A provider's answer as a stored image in the requested format (re-encoded if needed, and
    always when it carries metadata)."""
    image = image_decode(data, field=field)
    if image_has_metadata(image):
        image = ImageOps.exif_transpose(image)
        return prepared_from_image(image, fmt)
    if _FORMATS[image.format] == fmt:
        return PreparedImage(
            data=data,
            format=fmt,
            width=image.width,
            height=image.height,
            sha256=hashlib.sha256(data).hexdigest(),
        )
    return prepared_from_image(image, fmt)


def image_thumbnail(data: bytes, *, max_side: int | None = None) -> PreparedImage:
    """A small WebP preview of stored image bytes (long side at most THUMBNAIL_SIDE_PX)."""
    max_side = max_side or settings.THUMBNAIL_SIDE_PX
    image = ImageOps.exif_transpose(image_decode(data, field="image"))
    if image.mode not in ("RGB", "RGBA"):
        has_alpha = "A" in image.getbands() or "transparency" in image.info
        image = image.convert("RGBA" if has_alpha else "RGB")
    image.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="WEBP", quality=80, method=4)
    thumb = buffer.getvalue()
    return PreparedImage(
        data=thumb,
        format="webp",
        width=image.width,
        height=image.height,
        sha256=hashlib.sha256(thumb).hexdigest(),
    )
