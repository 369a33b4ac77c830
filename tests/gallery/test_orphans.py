"""The orphan-file command: finds files no row references, in the gallery's folders and job inputs only."""

import os
import time
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from gallery.references import register_reference_check, unregister_reference_check
from generation.models import JobInput
from tests.conftest import ppl_form

pytestmark = pytest.mark.django_db


def _plant(storage_dir, name: str, *, age_hours: float = 2, data: bytes = b"orphan bytes") -> str:
    path = storage_dir / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    old = time.time() - age_hours * 3600
    os.utime(path, (old, old))
    return name


def _run(*args) -> str:
    out = StringIO()
    call_command("gallery_orphans", *args, stdout=out)
    return out.getvalue()


def test_orphans_are_reported_then_removed_and_referenced_files_never(api, user, make_image, storage_dir):
    image = make_image(user)
    assert api.post("/api/v1/jobs/ppl", ppl_form(), format="multipart").status_code == 202
    job_inputs = [storage_dir / i.file.name for i in JobInput.objects.all()]
    assert len(job_inputs) == 2 and all(p.exists() for p in job_inputs)
    for path in job_inputs:  # old enough to look orphaned, were their JobInput rows not there
        os.utime(path, (time.time() - 86400, time.time() - 86400))
    lost = _plant(storage_dir, "images/2026/01/lost.png")
    lost_thumb = _plant(storage_dir, "thumbs/2026/01/lost.webp")
    fresh = _plant(storage_dir, "images/2026/01/just-written.png", age_hours=0)
    stray_input = _plant(storage_dir, "inputs/2026/01/not-ours.png")

    report = _run()
    assert "lost.png" in report and "lost.webp" in report and "not-ours.png" in report
    assert "3 orphan(s), 36 bytes" in report
    assert "1 recent unreferenced file(s) left alone" in report
    assert (storage_dir / lost).exists()  # reported only

    report = _run("--delete")
    assert "3 removed" in report
    for gone in (lost, lost_thumb, stray_input):
        assert not (storage_dir / gone).exists(), gone
    for kept in (image.file.name, image.thumbnail.name, fresh):
        assert (storage_dir / kept).exists(), kept
    assert all(p.exists() for p in job_inputs)


def test_files_another_app_registers_as_referenced_are_kept(db, storage_dir):
    shared = _plant(storage_dir, "images/2026/02/used-by-another-app.png")
    other = _plant(storage_dir, "images/2026/02/nobody.png")

    def check(names):
        return {n for n in names if n == shared}

    register_reference_check(check)
    try:
        _run("--delete")
    finally:
        unregister_reference_check(check)
    assert (storage_dir / shared).exists() and not (storage_dir / other).exists()


def test_the_command_refuses_folders_outside_the_gallery(db):
    with pytest.raises(CommandError, match="not inside the gallery's folders"):
        _run("--prefix", "provider-results/")
    with pytest.raises(CommandError):
        _run("--prefix", "../")


def test_the_age_guard_is_configurable(db, storage_dir):
    young = _plant(storage_dir, "thumbs/2026/03/x.webp", age_hours=0.1)
    _run("--delete", "--min-age-minutes", "60")
    assert (storage_dir / young).exists()
    _run("--delete", "--min-age-minutes", str(int(timedelta(minutes=1).total_seconds() // 60)))
    assert not (storage_dir / young).exists()
