"""Helpers the benchmark scripts share (they run as scripts: `from bench_common import ...`)."""

from __future__ import annotations

import io
import re
import socket
from pathlib import Path

from PIL import Image, ImageDraw


def pct(values: list[float], q: float) -> float:
    """The q-quantile (0..1) of values, nearest rank."""
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def character_png() -> bytes:
    """A small character drawing for goods jobs."""
    image = Image.new("RGB", (400, 400), "white")
    ImageDraw.Draw(image).ellipse((80, 60, 320, 340), fill=(240, 180, 40))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def served_app(tree: Path) -> str:
    """The application that tree's scripts/run.sh serves (config.wsgi before the live event
    streams, config.asgi since): its deploy/gunicorn.conf.py only runs that one."""
    return re.search(r"config\.[aw]sgi:application", (tree / "scripts" / "run.sh").read_text()).group()
