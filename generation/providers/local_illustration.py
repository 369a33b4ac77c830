"""Offline illustrations for product pages: a studio backdrop whose palette and composition
come from the prompt (same prompt, same picture). Honest stand-ins for a photo: soft light,
a podium for the product, depth from blurred shapes, no text."""

from __future__ import annotations

import colorsys
import hashlib
import random

from PIL import Image, ImageChops, ImageDraw, ImageFilter

from generation.providers.local_imaging import output_size

_MOODS = {  # words in a prompt that pull the palette somewhere sensible
    "fresh": 0.33,
    "natural": 0.28,
    "organic": 0.25,
    "green": 0.33,
    "ocean": 0.55,
    "water": 0.55,
    "blue": 0.6,
    "tech": 0.6,
    "night": 0.68,
    "luxury": 0.12,
    "gold": 0.12,
    "warm": 0.06,
    "beauty": 0.93,
    "pink": 0.95,
    "rose": 0.97,
    "coffee": 0.07,
    "food": 0.08,
    "summer": 0.14,
}


def illustration(prompt: str, *, aspect_ratio: str = "4:3", long_side: int = 1024) -> Image.Image:
    digest = hashlib.sha256(prompt.encode()).digest()
    rng = random.Random(digest)
    words = prompt.lower()
    hue = next((h for word, h in _MOODS.items() if word in words), digest[0] / 255)
    w, h = output_size(aspect_ratio, (4, 3), long_side=long_side)

    def colour(dh: float, s: float, v: float) -> tuple[int, int, int]:
        r, g, b = colorsys.hsv_to_rgb((hue + dh) % 1.0, s, v)
        return int(r * 255), int(g * 255), int(b * 255)

    top, bottom = colour(0.0, 0.18, 0.98), colour(0.04, 0.35, 0.82)
    gradient = Image.linear_gradient("L").resize((w, h))
    canvas = Image.composite(Image.new("RGB", (w, h), bottom), Image.new("RGB", (w, h), top), gradient)

    blobs = Image.new("RGB", (w, h), (0, 0, 0))
    draw = ImageDraw.Draw(blobs)
    for _ in range(6):
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h * 0.7), rng.uniform(0.1, 0.3) * w
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=colour(rng.uniform(-0.08, 0.08), 0.4, 0.35))
    canvas = ImageChops.add(canvas, blobs.filter(ImageFilter.GaussianBlur(w / 12)), scale=1.3)

    rays = Image.new("L", (w, h), 0)
    ray_draw = ImageDraw.Draw(rays)
    for i in range(5):
        x = w * (0.15 + 0.18 * i + rng.uniform(-0.04, 0.04))
        ray_draw.polygon([(x, 0), (x + w * 0.05, 0), (x + w * 0.22, h), (x + w * 0.12, h)], fill=40)
    canvas = Image.composite(
        Image.new("RGB", (w, h), (255, 255, 255)), canvas, rays.filter(ImageFilter.GaussianBlur(w / 40))
    )

    # The podium: where a product would stand, with its shadow and a rim light.
    podium = Image.new("L", (w, h), 0)
    px0, px1, py = w * 0.28, w * 0.72, h * 0.74
    podium_draw = ImageDraw.Draw(podium)
    podium_draw.rectangle((px0, py, px1, h * 0.9), fill=255)
    podium_draw.ellipse((px0, h * 0.86, px1, h * 0.94), fill=255)
    shadow = Image.new("L", (w, h), 0)
    ImageDraw.Draw(shadow).ellipse((px0 - w * 0.05, h * 0.85, px1 + w * 0.08, h * 0.98), fill=150)
    canvas = Image.composite(
        Image.new("RGB", (w, h), colour(0.02, 0.45, 0.45)),
        canvas,
        shadow.filter(ImageFilter.GaussianBlur(w / 50)),
    )
    canvas = Image.composite(Image.new("RGB", (w, h), colour(0.0, 0.08, 0.97)), canvas, podium)
    top_face = Image.new("L", (w, h), 0)
    ImageDraw.Draw(top_face).ellipse((px0, py - h * 0.04, px1, py + h * 0.04), fill=255)
    canvas = Image.composite(Image.new("RGB", (w, h), (255, 255, 255)), canvas, top_face)
    return canvas
