"""Small helpers shared by the remote providers for sending our inputs."""

from __future__ import annotations

import base64

from generation.providers.base import InputImage


def data_url(image: InputImage) -> str:
    return f"data:image/{image.format};base64,{base64.b64encode(image.read()).decode()}"


def b64(image: InputImage) -> str:
    return base64.b64encode(image.read()).decode()


def provider_format(output_format: str, *, jpeg_name: str = "jpg") -> str:
    """Our `png`/`jpg` in the spelling a provider expects (Replicate: jpg, BFL/Together: jpeg)."""
    return jpeg_name if output_format == "jpg" else "png"
