"""The gallery's lifecycle on every storage backend: local files, S3 through boto3 against moto's
S3 server, and Azure Blob through Azurite, each started by the test on loopback. Store (upload),
thumbnail, the file endpoint (local: the bytes; remote: a redirect to a signed URL that serves
them), trash, restore, purge with `verified`, orphans, and a job's input files."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from gallery.models import Image
from gallery.services import storage_orphans_sweep, trash_purge
from generation.models import JobInput
from tests.conftest import png_bytes, ppl_form, upload

# moto's server and Azurite run as processes beside the test.
pytestmark = [pytest.mark.django_db, pytest.mark.subprocess]

TOOLS = Path(__file__).resolve().parent.parent / "tools"
BUCKET = CONTAINER = "studio-test"
# Azurite's well-known development account (public; it opens nothing but a local emulator).
AZURITE_ACCOUNT = "devstoreaccount1"
AZURITE_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
DEADLINE_SECONDS = 60


@pytest.fixture(scope="module")
def moto_s3() -> Iterator[str]:
    boto3 = pytest.importorskip("boto3")
    server_module = pytest.importorskip("moto.server")
    server = server_module.ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    ).create_bucket(Bucket=BUCKET)
    yield endpoint
    server.stop()


@pytest.fixture(scope="module")
def azurite(tmp_path_factory) -> Iterator[str]:
    pytest.importorskip("azure.storage.blob")
    if shutil.which("node") is None:
        pytest.skip("Azurite needs Node.js, which is not installed")
    binary = TOOLS / "node_modules" / ".bin" / "azurite-blob"
    if not binary.exists():
        pytest.skip("Azurite is not installed: run `npm ci` in tests/tools")
    folder = tmp_path_factory.mktemp("azurite")
    log = folder / "azurite.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [
                str(binary),
                "--blobHost",
                "127.0.0.1",
                "--blobPort",
                "0",
                "--inMemoryPersistence",
                "--skipApiVersionCheck",
                "--loose",
                "--silent",
                "--disableTelemetry",
            ],
            cwd=folder,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        endpoint = _azurite_endpoint(process, log)
        connection = (
            f"DefaultEndpointsProtocol=http;AccountName={AZURITE_ACCOUNT};"
            f"AccountKey={AZURITE_KEY};BlobEndpoint={endpoint}/{AZURITE_ACCOUNT};"
        )
        from azure.storage.blob import BlobServiceClient

        BlobServiceClient.from_connection_string(connection).create_container(CONTAINER)
        yield connection
    finally:
        process.terminate()
        process.wait(timeout=DEADLINE_SECONDS)


def _azurite_endpoint(process: subprocess.Popen, log: Path) -> str:
    """The address Azurite prints once it listens (it was given port 0: any free port)."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while time.monotonic() < deadline and process.poll() is None:
        found = re.search(r"listens on (http://127\.0\.0\.1:\d+)", log.read_text())
        if found:
            return found.group(1)
        time.sleep(0.05)
    raise AssertionError(f"Azurite did not start: {log.read_text()[-2000:]}")


@pytest.fixture(params=["local", "s3", "azure"])
def backend(request, settings) -> str:
    """Point default storage at one backend, as config/settings.py would for STORAGE_BACKEND."""
    name = request.param
    settings.STORAGE_BACKEND = name
    location = f"test-{uuid4().hex[:12]}"  # the servers live for the module: a folder per test
    if name == "s3":
        endpoint = request.getfixturevalue("moto_s3")
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": BUCKET,
                    "endpoint_url": endpoint,
                    "region_name": "us-east-1",
                    "access_key": "test",
                    "secret_key": "test",
                    "location": location,
                    "default_acl": None,
                    "querystring_auth": True,
                    "querystring_expire": 300,
                },
            },
        }
    elif name == "azure":
        connection = request.getfixturevalue("azurite")
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.azure_storage.AzureStorage",
                "OPTIONS": {
                    "azure_container": CONTAINER,
                    "connection_string": connection,
                    "location": location,
                    "expiration_secs": 300,
                },
            },
        }
    return name


def _fetch(api, url: str, backend: str) -> bytes:
    """What a browser gets from a file endpoint: local storage answers the bytes itself, a remote
    one redirects to a signed URL on the store."""
    response = api.get(url)
    if backend == "local":
        assert response.status_code == 200, response.status_code
        return b"".join(response.streaming_content)
    assert response.status_code == 302, response.status_code
    signed = response["Location"]
    assert signed.startswith("http://127.0.0.1:") and ("Signature" in signed or "sig=" in signed), signed
    remote = httpx.get(signed, timeout=DEADLINE_SECONDS)
    assert remote.status_code == 200, remote.text[:300]
    return remote.content


def test_the_gallery_lifecycle_on_each_backend(backend, api, user):
    original = png_bytes((640, 480))
    response = api.post("/api/v1/images/upload", {"image": upload("photo.png", original)}, format="multipart")
    assert response.status_code == 201, response.json()
    image = Image.objects.get(pk=response.json()["id"])
    assert default_storage.exists(image.file.name) and default_storage.exists(image.thumbnail.name)
    assert default_storage.size(image.file.name) == image.size_bytes
    assert default_storage.size(image.thumbnail.name) == image.thumbnail_bytes > 0

    stored = default_storage.open(image.file.name).read()
    assert _fetch(api, f"/api/v1/images/{image.id}/file", backend) == stored
    assert _fetch(api, f"/api/v1/images/{image.id}/thumbnail", backend)[:4] == b"RIFF"  # WebP

    assert api.post(f"/api/v1/images/{image.id}/delete").status_code == 200
    assert api.post(f"/api/v1/images/{image.id}/restore").status_code == 200
    assert api.post(f"/api/v1/images/{image.id}/delete").status_code == 200
    report = trash_purge(older_than=timedelta(0), owner_id=user.pk)
    assert (report.images, report.files_deleted, report.verified) == (1, 2, True)
    assert not default_storage.exists(image.file.name) and not default_storage.exists(image.thumbnail.name)
    assert not Image.objects.filter(pk=image.pk).exists()


def test_orphans_and_job_inputs_on_each_backend(backend, api, user, django_capture_on_commit_callbacks):
    assert api.post("/api/v1/jobs/ppl", ppl_form(), format="multipart").status_code == 202
    inputs = list(JobInput.objects.all())
    assert len(inputs) == 2 and all(default_storage.exists(row.file.name) for row in inputs)
    first = inputs[0]
    assert (
        _fetch(api, f"/api/v1/jobs/{first.job_id}/inputs/{first.role}", backend)
        == default_storage.open(first.file.name).read()
    )
    kept = api.post("/api/v1/images/upload", {"image": upload("kept.png", png_bytes())}, format="multipart")
    kept_image = Image.objects.get(pk=kept.json()["id"])
    lost = default_storage.save("images/2026/01/lost.png", ContentFile(b"lost bytes"))
    stray = default_storage.save("inputs/2026/01/stray.png", ContentFile(b"stray"))

    report = storage_orphans_sweep(remove=True, min_age=timedelta(0))

    assert sorted(name for name, _ in report.orphans) == sorted([lost, stray])
    assert report.removed == 2 and report.orphan_bytes == len(b"lost bytes") + len(b"stray")
    assert not default_storage.exists(lost) and not default_storage.exists(stray)
    for name in (kept_image.file.name, kept_image.thumbnail.name, *(row.file.name for row in inputs)):
        assert default_storage.exists(name), name
