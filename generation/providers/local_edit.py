"""Prompt edits for the offline provider: the instructions Pillow can really carry out.

The English prompt (translated by the LLM when it can) is read for edit words — black and
white, sepia/vintage, brighter/darker, warmer/cooler, more/less saturated, contrast, sharpen,
blur/soft, mirror, rotate, vignette, white or removed background. What matches is applied in
a fixed order; a prompt with none of them gets a gentle auto-enhance and says so.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageFilter, ImageOps

from generation.providers import local_imaging

Edit = Callable[[Image.Image], Image.Image]


def _tint(image: Image.Image, rgb: tuple[float, float, float]) -> Image.Image:
    bands = [
        band.point(lambda v, k=k: min(255, int(v * k)))
        for band, k in zip(image.split()[:3], rgb, strict=True)
    ]
    return Image.merge("RGB", bands)


def _sepia(image: Image.Image) -> Image.Image:
    grey = ImageOps.grayscale(image)
    return ImageOps.colorize(grey, (40, 26, 13), (255, 240, 200), mid=(170, 120, 70))


def _vignette(image: Image.Image) -> Image.Image:
    w, h = image.size
    mask = Image.new("L", (w, h), 0)
    ImageDraw.Draw(mask).ellipse((-w * 0.15, -h * 0.15, w * 1.15, h * 1.15), fill=255)
    mask = mask.filter(ImageFilter.GaussianBlur(max(w, h) / 8))
    return Image.composite(image, ImageEnhance.Brightness(image).enhance(0.45), mask)


def _white_background(image: Image.Image) -> Image.Image:
    cut = local_imaging.cut_out(image)
    canvas = Image.new("RGB", image.size, (255, 255, 255))
    cut.thumbnail((int(image.width * 0.9), int(image.height * 0.9)))
    canvas.paste(cut, ((image.width - cut.width) // 2, (image.height - cut.height) // 2), cut)
    return canvas


_EDITS: list[tuple[str, re.Pattern[str], Edit]] = [
    (
        "white background",
        re.compile(r"(white|clean|remove[sd]?( the)?|no) background|background removal"),
        _white_background,
    ),
    (
        "black and white",
        re.compile(r"black and white|black & white|grayscale|greyscale|monochrome|b&w"),
        lambda im: ImageOps.grayscale(im).convert("RGB"),
    ),
    ("sepia", re.compile(r"sepia|vintage|retro|old photo"), _sepia),
    (
        "brighter",
        re.compile(r"bright(er|en)?|lighter|lighten"),
        lambda im: ImageEnhance.Brightness(im).enhance(1.25),
    ),
    (
        "darker",
        re.compile(r"dark(er|en)?|dimmer|moody"),
        lambda im: ImageEnhance.Brightness(im).enhance(0.78),
    ),
    ("warmer", re.compile(r"warm(er)?|golden|sunset"), lambda im: _tint(im, (1.08, 1.0, 0.88))),
    ("cooler", re.compile(r"cool(er)?|cold(er)?|blu(e|ish) tone"), lambda im: _tint(im, (0.9, 1.0, 1.1))),
    (
        "more saturated",
        re.compile(r"vivid|vibrant|saturat(ed|e)|colou?rful|pop"),
        lambda im: ImageEnhance.Color(im).enhance(1.45),
    ),
    (
        "muted",
        re.compile(r"muted|pastel|desaturat|faded|washed"),
        lambda im: ImageEnhance.Color(im).enhance(0.55),
    ),
    (
        "more contrast",
        re.compile(r"contrast|punchy|dramatic"),
        lambda im: ImageEnhance.Contrast(im).enhance(1.35),
    ),
    (
        "sharper",
        re.compile(r"sharp(er|en)?|crisp|detail"),
        lambda im: im.filter(ImageFilter.UnsharpMask(2, 120)),
    ),
    (
        "soft focus",
        re.compile(r"blur(ry|red)?|soft(er)?( focus)?|dreamy|bokeh"),
        lambda im: ImageChops.blend(im, im.filter(ImageFilter.GaussianBlur(4)), 0.6),
    ),
    ("mirrored", re.compile(r"mirror|flip"), ImageOps.mirror),
    ("rotated", re.compile(r"rotate|turn (it )?(sideways|90)"), lambda im: im.rotate(-90, expand=True)),
    ("vignette", re.compile(r"vignette|spotlight|focus on the (center|centre|subject)"), _vignette),
]


def apply_edit(
    image: Image.Image, prompt: str, *, aspect_ratio: str = "match_input_image"
) -> tuple[Image.Image, list[str]]:
    """Return the edited image and the names of the edits applied."""
    text = prompt.lower()
    result = image.convert("RGB")
    applied = []
    for name, pattern, edit in _EDITS:
        if pattern.search(text):
            result = edit(result)
            applied.append(name)
    if not applied:
        result = ImageOps.autocontrast(result, cutoff=1)
        applied.append("auto-enhance (no edit instruction recognised offline)")
    if aspect_ratio != "match_input_image":
        size = local_imaging.output_size(aspect_ratio, result.size, long_side=max(result.size))
        result = ImageOps.fit(result, size, Image.Resampling.LANCZOS)
    return result, applied
