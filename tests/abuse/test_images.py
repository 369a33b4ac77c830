"""Untrusted images: refused by pixel count before they are decoded, and stripped of their
metadata (GPS positions above all) before they are stored or handed to a provider."""

import io
import time

import pytest
from PIL import Image as PILImage

from gallery.models import Image
from generation.models import Job, JobInput
from tests.conftest import goods_form, stored_files, upload

pytestmark = pytest.mark.django_db

_ORIENTATION, _MAKE, _GPS_IFD = 0x0112, 0x010F, 0x8825


def _jpeg_with_gps(orientation: int, size=(300, 200)) -> bytes:
    """A camera-style JPEG: GPS position, camera make, XMP, and an orientation (6: 'rotate 90°
    clockwise to view', 1: upright, which needs no re-encoding at all)."""
    exif = PILImage.Exif()
    exif[_ORIENTATION] = orientation
    exif[_MAKE] = "PhoneCam"
    gps = exif.get_ifd(_GPS_IFD)
    gps[1], gps[2], gps[3], gps[4] = "N", (37.0, 33.0, 59.0), "E", (126.0, 58.0, 41.0)
    buffer = io.BytesIO()
    PILImage.new("RGB", size, (200, 60, 60)).save(
        buffer, "JPEG", exif=exif, xmp=b"<x:xmpmeta>home address</x:xmpmeta>"
    )
    return buffer.getvalue()


def _assert_clean(data: bytes, *, size: tuple[int, int]) -> None:
    picture = PILImage.open(io.BytesIO(data))
    assert picture.size == size  # the orientation was applied to the pixels
    assert not picture.getexif() and "exif" not in picture.info and "xmp" not in picture.info
    assert b"PhoneCam" not in data and b"home address" not in data


def _stored(field_file) -> bytes:
    with field_file.open("rb") as handle:
        return handle.read()


@pytest.mark.parametrize(("orientation", "size"), [(1, (300, 200)), (6, (200, 300))])
def test_a_gallery_upload_loses_its_exif_and_keeps_its_orientation(api, orientation, size):
    data = _jpeg_with_gps(orientation)
    assert PILImage.open(io.BytesIO(data)).getexif().get_ifd(_GPS_IFD)  # the input does carry GPS
    response = api.post(
        "/api/v1/images/upload", {"image": upload("photo.jpg", data, "image/jpeg")}, format="multipart"
    )
    assert response.status_code == 201, response.json()
    assert (response.json()["width"], response.json()["height"]) == size
    _assert_clean(_stored(Image.objects.get().file), size=size)


@pytest.mark.parametrize(("orientation", "size"), [(1, (300, 200)), (6, (200, 300))])
def test_a_job_input_given_to_the_provider_has_no_exif(api, orientation, size):
    form = goods_form(character_image=upload("char.jpg", _jpeg_with_gps(orientation), "image/jpeg"))
    assert api.post("/api/v1/jobs/goods", form, format="multipart").status_code == 202
    job_input = JobInput.objects.get(role="character_image")
    assert (job_input.width, job_input.height) == size
    _assert_clean(_stored(job_input.file), size=size)


def test_an_input_without_metadata_is_kept_byte_for_byte(api):
    buffer = io.BytesIO()
    PILImage.new("RGB", (300, 200), (20, 90, 160)).save(buffer, "PNG")
    response = api.post(
        "/api/v1/images/upload", {"image": upload("clean.png", buffer.getvalue())}, format="multipart"
    )
    assert response.status_code == 201
    assert _stored(Image.objects.get().file) == buffer.getvalue()


def test_a_png_just_under_the_former_pixel_limit_is_refused_from_its_header(api, storage_dir):
    buffer = io.BytesIO()
    PILImage.new("RGB", (6300, 6300), (10, 20, 30)).save(buffer, "PNG", optimize=True)
    assert len(buffer.getvalue()) < 200_000  # a small file: only the pixel count gives it away
    started = time.monotonic()
    response = api.post(
        "/api/v1/jobs/goods",
        goods_form(character_image=upload("huge.png", buffer.getvalue())),
        format="multipart",
    )
    elapsed = time.monotonic() - started
    assert response.status_code == 400
    assert "pixels" in response.json()["fields"]["character_image"][0]
    assert elapsed < 1.0, f"validation took {elapsed:.2f} s"  # decoding it took seconds
    assert Job.objects.count() == 0 and stored_files(storage_dir) == []


def test_a_large_jpeg_is_decoded_at_a_reduced_scale(api):
    buffer = io.BytesIO()
    PILImage.new("RGB", (6000, 4000), (10, 200, 10)).save(buffer, "JPEG", quality=70)
    form = goods_form(character_image=upload("big.jpg", buffer.getvalue(), "image/jpeg"))
    assert api.post("/api/v1/jobs/goods", form, format="multipart").status_code == 202
    job_input = JobInput.objects.get(role="character_image")
    assert (job_input.width, job_input.height) == (1024, 683)


def test_one_request_decodes_a_bounded_number_of_pixels_in_all(api, settings, storage_dir):
    settings.INPUT_MAX_PIXELS = 1_000_000
    settings.INPUT_DECODE_PIXELS_PER_REQUEST = 1_500_000
    buffer = io.BytesIO()
    PILImage.new("RGB", (1000, 900), (10, 20, 30)).save(buffer, "PNG")  # 0.9 M pixels each
    form = {
        "prompt": "Place it",
        "input_image_1": upload("a.png", buffer.getvalue()),
        "input_image_2": upload("b.png", buffer.getvalue()),
    }
    response = api.post("/api/v1/jobs/ppl", form, format="multipart")
    assert response.status_code == 400
    assert "this request" in response.json()["fields"]["input_image_2"][0]
    assert Job.objects.count() == 0 and stored_files(storage_dir) == []
    # each request has its own budget (an upload decodes its image and then its thumbnail)
    small = io.BytesIO()
    PILImage.new("RGB", (800, 800), (10, 20, 30)).save(small, "PNG")
    response = api.post(
        "/api/v1/images/upload", {"image": upload("a.png", small.getvalue())}, format="multipart"
    )
    assert response.status_code == 201, response.json()
