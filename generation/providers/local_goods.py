"""Goods mock-ups for the offline provider: each item drawn with Pillow, the character printed on
its printable area, on a soft studio backdrop (see local_imaging for the cut-out and helpers)."""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable

from PIL import Image, ImageChops, ImageOps

from generation.constants import GOODS_TYPES
from generation.providers.local_imaging import (  # the helpers both modules draw with
    _COLOURS,
    BLACK,
    WHITE,
    Colour,
    R,
    _at,
    _blur,
    _box,
    _cylinder_light,
    _field,
    _fit,
    _grow,
    _mean_rgb,
    _mix,
    _paint,
    _Pen,
    _printed,
    _ramp,
    _rgba,
    _shadow,
    _studio,
    _units,
    _wrap,
    cut_out,
    output_size,
)


# --------------------------------------------------------------------------- goods: items
# Each drawer gets the studio canvas, the cut-out art, the item colour and a seeded Random;
# U() maps item units (fractions of the item's width) to canvas pixels, S is that width in px.
def _mug(canvas: Image.Image, art: Image.Image, colour: Colour, rng: random.Random) -> None:
    box = _box(canvas.size, 1.18, 0.7)
    U, S, size = _units(box), box[2] - box[0], canvas.size
    bw, e = 0.76, 0.065  # body width (the handle sticks out right), rim ellipse half-height
    top, bot = e, (box[3] - box[1]) / S - e
    floor = _Pen(canvas).ellipse(U(0, bot - e, 0.95, bot + e * 1.2)).mask
    _shadow(canvas, floor, S * 0.02, S * 0.02, S * 0.05, 0.6)
    handle = _Pen(canvas).ellipse(U(0.53, top + 0.08, 1, bot - 0.14))
    handle.ellipse(U(0.6, top + 0.14, 0.94, bot - 0.2), fill=0)
    _shadow(canvas, handle.mask, S * 0.03, S * 0.02, S * 0.02, 0.3)
    glint = _Pen(canvas).arc(U(0.56, top + 0.1, 0.98, bot - 0.16), 290, 20, width=S * 0.016).mask
    glint = _blur(glint, S * 0.005).point(lambda v: v * 2 // 3)
    handle.paint(_mix(colour, BLACK, 0.14), gloss=glint)
    # body: the print wrapped round the cylinder, shading, a glossy streak
    albedo = Image.new("RGB", size, colour)
    layer = _wrap(art, bw / 2 * S, 0.27 * S, (bot - top) * 0.66 * S, e * S)
    (cx,), (cy,) = U(bw / 2), U(0, (top + bot) / 2 + e * 0.4)[1:]
    albedo.paste(layer, (round(cx - layer.width / 2), round(cy - layer.height / 2)), layer)
    shade, spec = _cylinder_light(round(bw * S), round((bot - top + 2 * e) * S))
    body = _Pen(canvas).rectangle(U(0, top, bw, bot)).ellipse(U(0, 0, bw, 2 * e))
    whole = U(0, 0, bw, bot + e)
    body.ellipse(U(0, bot - e, bw, bot + e))
    body.paint(albedo, _at(size, whole, shade), _at(size, whole, spec))
    # the opening: the inside wall, lit at the back and falling into shadow toward the bottom
    opening = U(0.023, 0.014, bw - 0.023, 2 * e - 0.014)
    inside = Image.linear_gradient("L").point(lambda v: 248 - v * 100 // 255)
    _Pen(canvas).ellipse(opening).paint(_mix(colour, BLACK, 0.06), _at(size, opening, inside))


_TEE = (
    0.365,
    0.03,
    0.15,
    0.085,
    0,
    0.31,
    0.115,
    0.385,
    0.215,
    0.305,
    0.205,
    0.985,
    0.795,
    0.985,
    0.785,
    0.305,
    0.885,
    0.385,
    1,
    0.31,
    0.85,
    0.085,
    0.635,
    0.03,
)  # flat-lay silhouette
_TEE_FOLDS = (
    (0.22, 0.33, 0.34, 0.44),
    (0.78, 0.33, 0.66, 0.44),
    (0.3, 0.9, 0.42, 0.8),
    (0.62, 0.93, 0.74, 0.84),
)
_TEE_SEAMS = (
    (0.15, 0.085, 0.19, 0.2, 0.215, 0.305),
    (0.85, 0.085, 0.81, 0.2, 0.785, 0.305),
    (0.205, 0.955, 0.795, 0.955),
    (0.02, 0.29, 0.135, 0.365),
    (0.98, 0.29, 0.865, 0.365),
)


def _t_shirt(canvas: Image.Image, art: Image.Image, colour: Colour, rng: random.Random) -> None:
    box = _box(canvas.size, 0.96, 0.84)
    U, S, size = _units(box), box[2] - box[0], canvas.size
    k = (box[3] - box[1]) / S  # the shirt is drawn in a unit square: stretch v by k

    def tee(*uv: float) -> list[float]:
        return U(*(c * (k if i % 2 else 1) for i, c in enumerate(uv)))

    def neck(depth: float, lift: float = 0.0) -> list[float]:  # a curve between the two neck points
        angles = [i * math.pi / 16 for i in range(17)]
        return tee(
            *(c for a in angles for c in (0.5 - 0.135 * math.cos(a), 0.03 + lift + depth * math.sin(a)))
        )

    folds, seams = _Pen(canvas), _Pen(canvas).line(neck(0.105), width=S * 0.003)
    for line in _TEE_FOLDS:
        folds.line(tee(*line), width=S * 0.012)
    for seam in _TEE_SEAMS:
        seams.line(tee(*seam), width=S * 0.003)
    shade = ImageChops.multiply(_field(size, rng, round(S / 5), 26), _field(size, rng, 2, 10))
    shade = ImageChops.multiply(shade, _at(size, box, sides=50))
    shade = ImageChops.subtract(shade, _blur(folds.mask, S * 0.015).point(lambda v: v // 5))
    shirt = _Pen(canvas).polygon(tee(*_TEE))
    _shadow(canvas, shirt.mask, S * 0.01, S * 0.018, S * 0.02, 0.4)
    shirt.paint(_printed(size, colour, art, tee(0.3, 0.18, 0.7, 0.6)), shade)
    _Pen(canvas).polygon(neck(0.09)).paint(_mix(colour, BLACK, 0.2), shade)  # inside of the back
    _Pen(canvas).line(neck(0.015, 0.008), width=S * 0.02).paint(_mix(colour, BLACK, 0.06), shade)
    _Pen(canvas).line(neck(0.09), width=S * 0.028).paint(_mix(colour, WHITE, 0.1), shade)  # collar
    _paint(canvas, seams.mask.point(lambda v: v * 2 // 5), _mix(colour, BLACK, 0.3))


def _tote_bag(canvas: Image.Image, art: Image.Image, colour: Colour, rng: random.Random) -> None:
    box = _box(canvas.size, 0.62, 0.84)
    U, S, size = _units(box), box[2] - box[0], canvas.size
    bot = (box[3] - box[1]) / S
    top, t = bot * 0.42 / 1.42, 0.055  # the handles rise above the bag; strap width
    fabric = ImageChops.multiply(_field(size, rng, round(S / 4), 22), _field(size, rng, 1, 18))
    fabric = ImageChops.multiply(fabric, _at(size, U(0, top, 1, bot), sides=40))  # folds, weave
    floor = _Pen(canvas).ellipse(U(0, bot - 0.05, 1, bot + 0.05)).mask
    _shadow(canvas, floor, S / 50, 0, S / 25, 0.6)
    back = _Pen(canvas).arc(U(0.235, 0.045, 0.835, 2 * top + 0.045), 180, 360, width=S * t)
    back.paint(_mix(colour, BLACK, 0.22), fabric)  # the back handle peeks out behind
    body = _Pen(canvas).rounded_rectangle(U(0, top, 1, bot), radius=S * 0.015)
    _shadow(canvas, body.mask, S * 0.015, S * 0.02, S * 0.025, 0.35)
    body.paint(_printed(size, colour, art, U(0.13, top + 0.2, 0.87, bot - 0.1)), fabric)
    _Pen(canvas).rectangle(U(0, top, 1, top + 0.08)).paint(_mix(colour, BLACK, 0.07), fabric)  # hem
    strap, stitch = _Pen(canvas).arc(U(0.2, 0, 0.8, 2 * top), 180, 360, width=S * t), _Pen(canvas)
    for u in (0.2, 0.8 - t):  # each strap runs down the front, sewn on with a box-and-cross
        sq = U(u + t * 0.15, top + 0.1, u + t * 0.85, top + 0.17)
        strap.rectangle(U(u, top - 0.01, u + t, top + 0.18))
        stitch.rectangle(sq, fill=None, outline=255, width=S * 0.003).line(sq, width=S * 0.003)
        stitch.line([sq[0], sq[3], sq[2], sq[1]], width=S * 0.003)
    for i in range(36):  # dashed hem stitch
        stitch.line(U(i / 36 + 0.005, top + 0.066, i / 36 + 0.02, top + 0.066), width=S * 0.004)
    _shadow(canvas, strap.mask, S * 0.006, S * 0.008, S * 0.006, 0.3)
    strap.paint(_mix(colour, BLACK, 0.04), fabric)
    _paint(canvas, stitch.mask.point(lambda v: v // 2), _mix(colour, BLACK, 0.35))


def _phone_case(canvas: Image.Image, art: Image.Image, colour: Colour, rng: random.Random) -> None:
    box = _box(canvas.size, 0.49, 0.84)
    U, S, size = _units(box), box[2] - box[0], canvas.size
    h = (box[3] - box[1]) / S
    keys = _Pen(canvas)  # side buttons: power on the right, volume on the left
    for u, v0, v1 in ((0.98, 0.45, 0.67), (-0.014, 0.37, 0.49), (-0.014, 0.55, 0.67)):
        keys.rounded_rectangle(U(u, v0, u + 0.034, v1), radius=S * 0.01)
    case = _Pen(canvas).rounded_rectangle(U(0, 0, 1, h), radius=S * 0.17)
    _shadow(canvas, ImageChops.lighter(case.mask, keys.mask), S * 0.03, S * 0.05, S * 0.05, 0.5)
    keys.paint(_mix(colour, BLACK, 0.25))
    inner = _Pen(canvas).rounded_rectangle(U(0.03, 0.03, 0.97, h - 0.03), radius=S * 0.14).mask
    rim = _blur(ImageChops.subtract(case.mask, inner), S * 0.01).point(lambda v: v // 5)
    glare = _blur(_Pen(canvas).polygon(U(0.5, 0, 0.8, 0, 0.2, h, -0.1, h)).mask, S * 0.08)
    case.paint(
        _printed(size, colour, art, U(0.1, 0.56, 0.9, h - 0.08)),
        ImageChops.subtract(_at(size, box, sides=30), rim),
        glare.point(lambda v: v // 7),
    )
    # camera: the case's raised lip around the phone's dark camera island, three lenses, flash
    lip = _Pen(canvas).rounded_rectangle(U(0.055, 0.045, 0.5, 0.49), radius=S * 0.12)
    _shadow(canvas, lip.mask, S * 0.008, S * 0.012, S * 0.01, 0.4)
    lip.paint(_mix(colour, BLACK, 0.1))
    _Pen(canvas).rounded_rectangle(U(0.08, 0.07, 0.475, 0.465), radius=S * 0.1).paint((44, 46, 52))
    dots = [(0.385, 0.11, 0.03, (246, 238, 212)), (0.385, 0.425, 0.014, (24, 24, 28))]
    for u, v in ((0.17, 0.165), (0.17, 0.37), (0.385, 0.2675)):  # ring, glass, coating, glint
        dots += [
            (u, v, 0.085, (90, 92, 98)),
            (u, v, 0.066, (14, 16, 22)),
            (u, v, 0.036, (34, 44, 68)),
            (u - 0.022, v - 0.022, 0.012, (210, 220, 235)),
        ]
    for u, v, r, fill in dots:
        _Pen(canvas).ellipse(U(u - r, v - r, u + r, v + r)).paint(fill)


def _keyring(canvas: Image.Image, art: Image.Image, colour: Colour, rng: random.Random) -> None:
    W, H = canvas.size
    s = min(W, H)
    a, border = _fit(art, min(0.56 * W, 0.6 * s), 0.44 * s), 0.045 * s
    ax, ay = round(W / 2 - a.width / 2), round((H - a.height + 0.36 * s) / 2)  # chain room above
    shape = Image.new("L", canvas.size, 0)
    shape.paste(a.getchannel("A"), (ax, ay))
    opaque = a.getchannel("A").point(lambda v: 255 if v > 128 else 0)
    top = (opaque.getbbox() or (0, 0, a.width, 1))[1]  # hang it above the art's topmost point
    row = opaque.crop((0, top, a.width, top + max(2, a.height // 30))).getbbox() or (0, 0, 2, 1)
    hx, hy, tr = ax + (row[0] + row[2]) / 2, ay + top - border * 0.9, 0.045 * s

    def circle(r: float, cy: float = hy) -> list[float]:
        return [hx - r, cy - r, hx + r, cy + r]

    acrylic = _grow(ImageChops.lighter(shape, _Pen(canvas).ellipse(circle(tr)).mask), border)
    acrylic = ImageChops.subtract(acrylic, _Pen(canvas).ellipse(circle(tr * 0.4)).mask)  # hole
    _shadow(canvas, acrylic, s * 0.02, s * 0.03, s * 0.02, 0.35)
    _shadow(canvas, acrylic, s * 0.006, s * 0.008, 0.5, 0.25)  # the acrylic's cut edge
    _paint(canvas, acrylic.point(lambda v: v * 3 // 5), (252, 253, 255))  # clear: backdrop shows
    canvas.paste(a, (ax, ay), a)
    edge = ImageChops.subtract(acrylic, _blur(acrylic, s / 250).point(lambda v: 255 * (v > 250)))
    glare = _Pen(canvas).polygon([W * 0.3, 0, W * 0.45, 0, W * 0.2, H, W * 0.05, H]).mask
    glare = _blur(glare, s / 20)
    glare = ImageChops.multiply(acrylic, glare.point(lambda v: v // 4))
    _paint(canvas, ImageChops.lighter(edge, glare), WHITE)
    # steel: a jump ring through the hole, a chain of face-on and edge-on links, a split ring
    lw, ln, y = s * 0.011, s * 0.05, hy - tr * 2.1
    rings = [(circle(tr * 1.1, hy - tr * 0.9), lw)]
    for i in range(3):
        half = ln * 0.32 if i % 2 == 0 else lw * 0.9
        rings.append(([hx - half, y - ln + lw, hx + half, y + lw], lw * (0.85 - 0.15 * (i % 2))))
        y -= ln - lw * 1.5
    big = 0.085 * s
    rings += [(circle(big, y - big), lw * 1.2), (circle(big - lw * 1.1, y - big), lw * 0.9)]
    for ring, width in rings:
        _Pen(canvas).arc(ring, 0, 360, width=width).paint((118, 122, 130))
        inset = [c + d * width * 0.3 for c, d in zip(ring, (1, 1, -1, -1), strict=True)]
        glint = _Pen(canvas).arc(inset, 150, 300, width=width * 0.4).mask
        _paint(canvas, _blur(glint, width * 0.12), (236, 238, 242))


def _sticker(canvas: Image.Image, art: Image.Image, colour: Colour, rng: random.Random) -> None:
    W, H = canvas.size
    a = _fit(art, 0.6 * W, 0.6 * H)
    b = round(0.05 * max(a.size))
    layer = Image.new("RGBA", (a.width + 4 * b, a.height + 4 * b), (0, 0, 0, 0))
    shape = Image.new("L", layer.size, 0)
    shape.paste(a.getchannel("A"), (2 * b, 2 * b))
    shape = _grow(shape, b)  # the white die-cut border follows the character's outline
    layer.paste((252, 252, 250, 255), mask=shape)
    layer.paste(a, (2 * b, 2 * b), a)
    edge = ImageChops.subtract(shape, _blur(shape, 1.5).point(lambda v: 255 if v > 250 else 0))
    layer.paste((200, 200, 204, 255), mask=edge.point(lambda v: v // 2))
    layer.putalpha(shape)
    layer = layer.convert("RGBa").rotate(rng.uniform(-8, -3), R.BICUBIC, expand=True)
    layer = layer.convert("RGBA")  # rotated premultiplied: no dark fringe on the white edge
    x, y, alpha = (W - layer.width) // 2, (H - layer.height) // 2, layer.getchannel("A")
    _shadow(canvas, alpha, x + 0.008 * W, y + 0.014 * H, 0.012 * min(W, H), 0.45)
    canvas.paste(layer, (x, y), layer)
    gloss = Image.new("L", canvas.size, 0)
    gloss.paste(alpha, (x, y))
    band = _Pen(canvas).polygon([W * 0.55, 0, W * 0.75, 0, W * 0.35, H, W * 0.15, H]).mask
    _paint(canvas, ImageChops.multiply(gloss, _blur(band, W * 0.06).point(lambda v: v // 6)), WHITE)


def _poster(canvas: Image.Image, art: Image.Image, colour: Colour, rng: random.Random) -> None:
    W, H = canvas.size
    floor = round(0.86 * H)  # a plaster wall and skirting board over a wooden floor
    for tones, y, rows in (
        (((236, 232, 226), (214, 209, 201)), 0, floor),
        (((186, 160, 128), (160, 134, 104)), floor, H - floor),
    ):
        canvas.paste(ImageOps.colorize(Image.linear_gradient("L"), *tones).resize((W, rows)), (0, y))
    _Pen(canvas).rectangle([0, floor - 0.025 * H, W, floor]).paint((246, 244, 240))
    _shadow(canvas, _Pen(canvas).rectangle([0, floor, W, floor + H / 250]).mask, 0, 0, H / 250, 0.5)
    canvas.paste(ImageChops.multiply(canvas, _field(canvas.size, rng, 2, 8).convert("RGB")))
    box = _box(canvas.size, 0.75 if art.height >= art.width * 0.85 else 4 / 3, 0.62, 0.43)
    U, S, size = _units(box), box[2] - box[0], canvas.size
    h = (box[3] - box[1]) / S
    f, m = 0.04 * min(1, h), 0.1 * min(1, h)  # frame and mat widths
    frame = _Pen(canvas).rectangle(U(0, 0, 1, h)).mask
    _shadow(canvas, frame, 0.012 * W, 0.02 * H, 0.018 * H, 0.5)
    outer, inner = U(0, 0, 1, 0, 1, h, 0, h), U(f, f, 1 - f, f, 1 - f, h - f, f, h - f)
    for i, k in enumerate((0.25, -0.12, -0.25, 0.1)):  # mitred sides, lit from the top-left
        j = (i + 1) % 4
        side = outer[2 * i : 2 * i + 2] + outer[2 * j : 2 * j + 2]
        side += inner[2 * j : 2 * j + 2] + inner[2 * i : 2 * i + 2]
        _Pen(canvas).polygon(side).paint(_mix(colour, WHITE if k > 0 else BLACK, abs(k)))
    opening = _Pen(canvas).rectangle(U(f, f, 1 - f, h - f)).paint((247, 246, 242))
    paper, p = U(f + m, f + m, 1 - f - m, h - f - m), f + 1.4 * m
    tone = _mix((250, 249, 246), _mean_rgb(art), 0.12)
    _Pen(canvas).rectangle(paper).paint(_printed(size, tone, art, U(p, p, 1 - p, h - p)))
    bevel = _Pen(canvas).rectangle(paper, fill=None, outline=255, width=max(1.0, S * f * 0.08))
    bevel.paint((222, 220, 214))  # the mat's bevelled cut
    moulding = ImageChops.subtract(frame, opening)  # casts a thin shadow on the mat
    _shadow(canvas, moulding, S * f * 0.3, S * f * 0.4, S * f * 0.4, 0.45)
    glare = _blur(_Pen(canvas).polygon(U(0.55, 0, 1, 0, 1, 0.2 * h, 0.2, h, 0, h)).mask, S * f)
    _paint(canvas, ImageChops.multiply(glare, opening).point(lambda v: v // 9), WHITE)  # glass


def _cushion(canvas: Image.Image, art: Image.Image, colour: Colour, rng: random.Random) -> None:
    box = _box(canvas.size, 1.0, 0.66)
    U, S, size = _units(box), box[2] - box[0], canvas.size
    corners, outline = ((0, 0), (1, 0), (1, 1), (0, 1)), []
    for (au, av), (bu, bv) in zip(corners, corners[1:] + corners[:1], strict=True):
        cu, cv = (au + bu) / 2 + (1 - au - bu) * 0.09, (av + bv) / 2 + (1 - av - bv) * 0.09
        for t in (j / 20 for j in range(20)):  # concave sides between pinched corners
            outline += U(
                (1 - t) ** 2 * au + 2 * t * (1 - t) * cu + t * t * bu,
                (1 - t) ** 2 * av + 2 * t * (1 - t) * cv + t * t * bv,
            )
    shape = _ramp(_blur(_Pen(canvas).polygon(outline).mask, S * 0.012), 110, 146)  # round corners
    _shadow(canvas, _Pen(canvas).ellipse(U(0.05, 0.95, 0.95, 1.05)).mask, S / 50, 0, S / 25, 0.55)
    _shadow(canvas, shape, S * 0.015, S * 0.025, S * 0.03, 0.35)
    creases = _Pen(canvas)
    for u, v in corners:  # little folds fanning out of each corner
        for k in (-0.05, 0.05):
            tip = (u + (1 - 2 * u) * (0.16 + k), v + (1 - 2 * v) * (0.16 - k))
            creases.line(U(u, v, *tip), width=S / 100)
    puff = ImageOps.invert(Image.radial_gradient("L")).point(lambda v: 190 + v * 65 // 255)
    shade = ImageChops.multiply(_at(size, U(-0.1, -0.1, 1.1, 1.1), puff), _field(size, rng, 1, 14))
    shade = ImageChops.subtract(shade, _blur(creases.mask, S / 100).point(lambda v: v // 4))
    _paint(canvas, shape, _printed(size, colour, art, U(0.2, 0.2, 0.8, 0.8)), shade)
    piping = _Pen(canvas).polygon(outline, fill=None, outline=255, width=S * 0.012).mask
    _paint(canvas, ImageChops.multiply(piping, shape), _mix(colour, BLACK, 0.12), shade)


Drawer = Callable[[Image.Image, Image.Image, Colour, random.Random], None]

# drawer, default item colour (None: a pale tint of the art), backdrop depth
_GOODS: dict[str, tuple[Drawer, Colour | None, float]] = {
    "mug": (_mug, (247, 247, 245), 0.0),
    "t_shirt": (_t_shirt, (244, 244, 242), 0.0),
    "tote_bag": (_tote_bag, (234, 224, 200), 0.0),
    "phone_case": (_phone_case, None, 0.0),
    "keyring": (_keyring, None, 0.12),
    "sticker": (_sticker, None, 0.3),
    "poster": (_poster, (36, 36, 38), 0.0),
    "cushion": (_cushion, (242, 238, 230), 0.0),
}


def compose_goods(
    character: Image.Image,
    *,
    goods_type: str,
    aspect_ratio: str = "1:1",
    prompt: str = "",
    seed: int | None = None,
) -> Image.Image:
    """A product mock-up: the goods item drawn with Pillow on a clean studio background, with the
    character (cut out) printed on its printable area. Returns RGB at
    output_size(aspect_ratio, (1024, 1024)). ValueError for an unknown goods_type."""
    if goods_type not in _GOODS:
        raise ValueError(f"unknown goods type {goods_type!r}; expected one of {GOODS_TYPES}")
    size = output_size(aspect_ratio, (1024, 1024))
    art = cut_out(_rgba(character, 1024))
    tint = _mean_rgb(art)
    draw, default, depth = _GOODS[goods_type]
    words = re.findall(r"[a-z]+", prompt.lower())
    named = next((_COLOURS[w] for w in words if w in _COLOURS), default)
    canvas = _studio(size, tint, depth)
    colour = named or _mix((250, 250, 248), tint, 0.25)
    draw(canvas, art, colour, random.Random(f"{goods_type}:{seed}"))
    return canvas
