"""Pure-Pillow image engine of the offline "local" provider (goods drawings: local_goods).

Cut-outs, product placement (PPL) and goods mock-ups with only Pillow and the standard library:
pixel work runs in Pillow's C code (filters, lookup tables, channel ops, mesh transforms), and the
connected-component pass runs on a <=192 px copy. All randomness comes from random.Random(seed),
so equal inputs and seed give identical bytes. Inputs are never mutated.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Sequence
from typing import Any, cast

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps, ImageStat

from generation.constants import ASPECT_RATIOS, GOODS_TYPES

__all__ = ["ASPECT_RATIOS", "GOODS_TYPES", "compose_goods", "compose_ppl", "cut_out", "output_size"]

R = Image.Resampling
Colour = tuple[int, ...]  # RGB
Box = Sequence[float]  # left, top, right, bottom in canvas pixels
_WORK = 192  # long side of the copy used for connected components (flood fills are Python)
_SS = 3  # supersampling factor for anti-aliased shapes
BLACK, WHITE = (0, 0, 0), (255, 255, 255)
_COLOURS = {  # colour words a goods prompt may use for the item ("a black mug", "oak frame")
    "white": (246, 246, 244),
    "black": (42, 42, 45),
    "grey": (150, 152, 156),
    "gray": (150, 152, 156),
    "navy": (38, 50, 86),
    "blue": (70, 118, 196),
    "red": (192, 44, 50),
    "green": (60, 130, 86),
    "pink": (242, 176, 196),
    "yellow": (246, 210, 84),
    "beige": (224, 206, 172),
    "cream": (245, 238, 218),
    "oak": (168, 124, 80),
}


# --------------------------------------------------------------------------- small helpers
def _rgba(image: Image.Image, side: int = 0) -> Image.Image:
    """A new, upright RGBA copy of an image in any mode; at most side x side if side is given."""
    image = ImageOps.exif_transpose(image)  # phone photos keep their rotation in EXIF
    if image.mode.startswith("I") or image.mode == "F":  # 16/32-bit: stretch to 8 bits
        lo, hi = _extrema(image)
        k = 255 / max(hi - lo, 1)
        image = image.convert("F").point(lambda v: (v - lo) * k).convert("L")
    if image.mode == "La":  # premultiplied grey converts only to its straight twin
        image = image.convert("LA")
    image = image.convert("RGBA")  # resolves palettes, colour-key transparency, CMYK, L, 1...
    if side:  # huge photos would only slow the cut-out down
        image.thumbnail((side, side), R.LANCZOS)
    return image


def _extrema(band: Image.Image) -> tuple[float, float]:
    """Lowest and highest value of a single-band image (Pillow types getextrema for any image, so
    also as one (min, max) pair per band)."""
    return cast("tuple[float, float]", band.getextrema())


def _mix(a: Sequence[float], b: Sequence[float], t: float) -> Colour:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=False))


def _mean_rgb(rgba: Image.Image) -> tuple[float, ...]:
    """Mean colour of the opaque part of an RGBA image."""
    mask = rgba.getchannel("A").point(lambda v: 255 if v > 128 else 0)
    return tuple(ImageStat.Stat(rgba.convert("RGB"), mask).mean) if mask.getbbox() else (200,) * 3


def _blur(image: Image.Image, radius: float) -> Image.Image:
    return image.filter(ImageFilter.GaussianBlur(radius))


def _ramp(image: Image.Image, lo: float, hi: float) -> Image.Image:
    """lo -> 0, hi -> 255 linearly: a threshold that keeps an anti-aliased edge."""
    return image.point(lambda v: min(255, max(0, round((v - lo) * 255 / (hi - lo)))))


def output_size(aspect_ratio: str, reference: tuple[int, int], long_side: int = 1024) -> tuple[int, int]:
    """Pixel size for an aspect ratio; "match_input_image" keeps the reference's ratio.
    Long side = long_side. ValueError for an unknown ratio."""
    if aspect_ratio == "match_input_image":
        rw, rh = reference
    elif aspect_ratio in ASPECT_RATIOS:
        rw, rh = (int(v) for v in aspect_ratio.split(":"))
    else:
        raise ValueError(f"unknown aspect ratio {aspect_ratio!r}; expected one of {ASPECT_RATIOS}")
    if rw <= 0 or rh <= 0:
        raise ValueError(f"reference size must be positive, got {reference!r}")
    if rw >= rh:
        return long_side, max(1, round(long_side * rh / rw))
    return max(1, round(long_side * rw / rh)), long_side


# --------------------------------------------------------------------------- cut-out
def _background(rgb: Image.Image) -> tuple[Image.Image, float]:
    """Distance to the backdrop colour (median of a border ring), and how far the ring itself
    strays from it (mean + stddev): high for noisy or graded backdrops."""
    w, h = rgb.size
    b = max(1, min(w, h) // 40)
    ring = Image.new("L", rgb.size, 255)
    if min(w, h) > 2 * b + 1:
        ImageDraw.Draw(ring).rectangle((b, b, w - 1 - b, h - 1 - b), fill=0)
    bg = tuple(ImageStat.Stat(rgb, ring).median)
    diff = ImageChops.difference(rgb, Image.new("RGB", rgb.size, bg))
    r, g, bl = diff.split()
    # largest channel difference, but small differences in all channels add up (grey on white)
    half_sum = diff.convert("L", (0.5, 0.5, 0.5, 0))
    dist = ImageChops.lighter(ImageChops.lighter(r, g), ImageChops.lighter(bl, half_sum))
    stat = ImageStat.Stat(dist, ring)
    return dist, stat.mean[0] + stat.stddev[0]


def _parts(mask: Image.Image) -> tuple[Image.Image, dict[int, int]]:
    """4-connected white parts of a 0/255 mask, numbered 1..254 (any beyond stay 255), and sizes."""
    mask, sizes = mask.copy(), {}
    for n in range(1, 255):
        i = mask.tobytes().find(255)
        if i < 0:
            break
        ImageDraw.floodfill(mask, (i % mask.width, i // mask.width), n)
        sizes[n] = mask.histogram()[n]
    return mask, sizes


def _solid(soft: Image.Image, dist: Image.Image, spread: float) -> Image.Image | None:
    """Small subject mask: specks dropped; enclosed holes filled unless big and backdrop-like
    (seen through, like a mug's handle). None if the mask is empty or covers almost everything."""
    scale = min(1.0, _WORK / max(soft.size))
    size = (max(1, round(soft.width * scale)), max(1, round(soft.height * scale)))
    binary = soft.resize(size, R.BOX).point(lambda v: 255 if v >= 100 else 0)
    parts, sizes = _parts(binary)
    if 255 in parts.tobytes():  # too many specks to number them all: despeckle first
        parts, sizes = _parts(binary.filter(ImageFilter.MedianFilter(3)))
    big = max(sizes.values(), default=0)  # detached pieces of the subject survive, specks do not
    keep = parts.point([255 if sizes.get(v, 0) >= 0.04 * big > 0 else 0 for v in range(256)])
    outside = ImageOps.expand(ImageOps.invert(keep), 1, 255)  # padded: the outside is one region
    ImageDraw.floodfill(outside, (0, 0), 0)
    holes, hole_sizes = _parts(outside.crop((1, 1, size[0] + 1, size[1] + 1)))
    area, dist = keep.histogram()[255], dist.resize(size, R.BOX)
    for n, hole_size in hole_sizes.items():  # a white label on a product is a hole, yet solid
        hole = holes.point(lambda v, n=n: 255 * (v == n))
        if hole_size < 0.03 * area or ImageStat.Stat(dist, hole).mean[0] > spread / 2 + 3:
            keep.paste(255, mask=hole)
    filled = keep.histogram()[255] / (size[0] * size[1])
    return keep if 0.002 < filled < 0.97 else None


def cut_out(image: Image.Image) -> Image.Image:
    """RGBA cut-out of the main subject, cropped to it. Uses the alpha channel when the image has
    real transparency; otherwise estimates the background colour from the border pixels and
    masks pixels far from it (clean up specks, fill holes reasonably, feather the edge slightly).
    Falls back to the whole image if the mask would be empty or covers almost everything."""
    rgba = _rgba(image)
    alpha = rgba.getchannel("A")
    if _extrema(alpha)[0] < 128:  # real transparency: trust the artist's mask
        box = alpha.point(lambda v: 255 if v > 8 else 0).getbbox()
        return rgba.crop(box) if box else rgba
    dist, spread = _background(rgba.convert("RGB"))
    t = min(90, max(28, spread * 1.6 + 12))  # a noisy or graded backdrop needs a higher threshold
    soft = _ramp(dist, t - 12, t + 12)
    solid = _solid(soft, dist, spread)
    if solid is None:
        return rgba
    up = _blur(solid.resize(rgba.size, R.BILINEAR), max(1.0, max(rgba.size) / max(solid.size)))
    near = up.point(lambda v: 255 if v > 12 else 0)  # kept parts plus a margin for the soft edge
    core = up.point(lambda v: 255 if v > 240 else 0)  # well inside: opaque, filled holes included
    mask = ImageChops.lighter(ImageChops.multiply(soft, near), core)
    mask = _ramp(_blur(mask, 0.8), 40, 240)  # feather, and trim the backdrop-coloured fringe
    rgba.putalpha(mask)
    return rgba.crop(mask.getbbox() or (0, 0, *rgba.size))


# --------------------------------------------------------------------------- product placement
def _spot(canvas: Image.Image, pw: int, ph: int, words: set[str], rng: random.Random) -> tuple[int, int]:
    """Top-left corner for the product: the calmest (least edge energy) spot low in the scene."""
    W, H = canvas.size
    k = max(1, W // 256)  # score on a reduced edge map: fast, and blind to fine texture
    edges = canvas.convert("L").reduce(k).filter(ImageFilter.FIND_EDGES)
    lo, hi = (0.06, 0.45) if "left" in words else (0.55, 0.94) if "right" in words else (0.06, 0.94)
    pull = 60 if words & {"center", "centre", "middle"} else 12  # commerce shots favour the centre
    best = (math.inf, 0, 0)
    for bottom in (0.86, 0.9, 0.94):
        for i in range(9):
            x = W * (lo + (hi - lo) * i / 8) - pw / 2
            x, y = round(min(max(x, 0.03 * W), 0.97 * W - pw)), round(bottom * H - ph)
            box = (x // k, y // k, (x + pw) // k + 1, round((bottom + 0.05) * H) // k + 1)
            energy = ImageStat.Stat(edges.crop(box)).mean[0]  # includes where the shadow falls
            score = energy + pull * abs((x + pw / 2) / W - 0.5) + rng.random()  # seed breaks ties
            best = min(best, (score, x, y))
    return best[1], best[2]


def compose_ppl(
    scene: Image.Image,
    product: Image.Image,
    *,
    aspect_ratio: str = "match_input_image",
    prompt: str = "",
    seed: int | None = None,
) -> Image.Image:
    """Product placement: the product (cut out) composed into the scene at a plausible place and
    scale with a soft contact shadow. Returns RGB at output_size(aspect_ratio, scene.size) (scene
    centre-cropped/cover-scaled to that ratio)."""
    base = _rgba(scene)
    flat = Image.new("RGB", base.size, WHITE)
    flat.paste(base, mask=base.getchannel("A"))
    W, H = output_size(aspect_ratio, flat.size)
    canvas = ImageOps.fit(flat, (W, H), R.LANCZOS)
    item = cut_out(_rgba(product, 1024))
    rng = random.Random(seed if seed is not None else 0)
    words = set(re.findall(r"[a-z]+", prompt.lower()))
    # plausible scale: ~38% of the scene height, never wider than half the scene
    small, large = words & {"small", "tiny", "little"}, words & {"large", "big", "hero"}
    ph = (0.3 if small else 0.45 if large else 0.38) * H * rng.uniform(0.95, 1.05)
    pw = max(1, round(min(ph * item.width / item.height, 0.5 * W)))
    item = item.resize((pw, ph := max(1, round(pw * item.height / item.width))), R.LANCZOS)
    x, y = _spot(canvas, pw, ph, words, rng)
    rgb, alpha = item.convert("RGB"), item.getchannel("A")
    # nudge brightness and colour cast toward the surroundings so it sits in the scene's light
    around = ImageStat.Stat(
        canvas.crop((max(0, x - pw // 2), max(0, y - ph // 4), min(W, x + pw + pw // 2), H))
    ).mean
    level = sum(around) / 3
    gain = min(1.12, max(0.88, (level / max(sum(_mean_rgb(item)) / 3, 1)) ** 0.2))
    casts = [min(1.06, max(0.94, (c / max(level, 1)) ** 0.15)) for c in around]
    rgb = rgb.point([min(255, round(v * gain * cast)) for cast in casts for v in range(256)])
    # shadows: light comes from the brighter half of the scene, so they lean the other way
    gray = canvas.convert("L")
    halves = [ImageStat.Stat(gray.crop(b)).mean[0] for b in ((0, 0, W // 2, H), (W // 2, 0, W, H))]
    side = 1 if halves[0] >= halves[1] else -1
    foot = alpha.crop((0, ph * 9 // 10, pw, ph)).getbbox() or (0, 0, pw, 1)  # the product's base
    ew = (foot[2] - foot[0]) * 1.15 + 0.05 * pw
    eh, cx, by = max(4.0, ew * 0.16), x + (foot[0] + foot[2]) / 2 + side * ew * 0.05, y + ph - 1
    _shadow(canvas, alpha, x + side * pw / 20, y + ph / 50, ph / 25, 0.22)  # faint, of its outline
    for rx, ry, blur, strength in ((ew / 2, eh / 2, 0.45, 0.6), (ew * 0.4, eh / 4, 0.12, 0.75)):
        contact = _Pen(canvas).ellipse([cx - rx, by - ry, cx + rx, by + ry]).mask  # soft; tight
        _shadow(canvas, contact, 0, 0, eh * blur, strength)
    canvas.paste(rgb, (x, y), alpha)
    return canvas


# --------------------------------------------------------------------------- goods: drawing kit
class _Pen:
    """Anti-aliased mask over a canvas: shapes drawn _SS times larger (canvas coordinates), then
    box-reduced. Methods are ImageDraw's; paint() fills the canvas through the mask."""

    def __init__(self, canvas: Image.Image):
        self.canvas, self.im = canvas, Image.new("L", (canvas.width * _SS, canvas.height * _SS))
        self.draw = ImageDraw.Draw(self.im)

    def __getattr__(self, name: str) -> Callable[..., _Pen]:
        op = getattr(self.draw, name)

        def call(xy: Sequence[Any], *args: Any, fill: Any = 255, **kw: Any) -> _Pen:
            xy = [tuple(c * _SS for c in p) if isinstance(p, tuple) else p * _SS for p in xy]
            kw = {k: round(v * _SS) if k in ("width", "radius") else v for k, v in kw.items()}
            op(xy, *args, fill=fill, **kw)
            return self

        return call

    @property
    def mask(self) -> Image.Image:
        return self.im.reduce(_SS)

    def paint(
        self, fill: Colour | Image.Image, shade: Image.Image | None = None, gloss: Image.Image | None = None
    ) -> Image.Image:
        _paint(self.canvas, mask := self.mask, fill, shade, gloss)
        return mask


def _paint(
    canvas: Image.Image,
    mask: Image.Image,
    fill: Colour | Image.Image,
    shade: Image.Image | None = None,
    gloss: Image.Image | None = None,
) -> None:
    """Fill through mask with a colour or RGB layer, multiplied by shade, screened with gloss."""
    layer = Image.new("RGB", canvas.size, fill) if isinstance(fill, tuple) else fill
    if shade is not None:
        layer = ImageChops.multiply(layer, shade.convert("RGB"))
    if gloss is not None:
        layer = ImageChops.screen(layer, gloss.convert("RGB"))
    canvas.paste(layer, mask=mask)


def _shadow(
    canvas: Image.Image, mask: Image.Image, dx: float, dy: float, blur: float, strength: float
) -> None:
    """Darken the canvas under an offset, blurred copy of mask (a soft cast or contact shadow)."""
    s = Image.new("L", canvas.size, 0)
    s.paste(mask, (round(dx), round(dy)))
    s = _blur(s, blur).point(lambda v: round(v * strength))
    canvas.paste(canvas.point(lambda v: v * 3 // 10), mask=s)


def _units(box: Box) -> Callable[..., list[float]]:
    """Item coordinates: (u, v, u, v, ...) in units of the box width from its top-left corner."""
    x0, y0, w = box[0], box[1], box[2] - box[0]
    return lambda *uv: [(y0 if i % 2 else x0) + c * w for i, c in enumerate(uv)]


def _grow(mask: Image.Image, d: float) -> Image.Image:
    """The shape offset outward by about d px, with a smooth anti-aliased edge (die-cut lines)."""
    return _ramp(_blur(_blur(mask, d / 2).point(lambda v: 255 if v > 10 else 0), 1.0), 64, 192)


def _fit(art: Image.Image, w: float, h: float) -> Image.Image:
    return ImageOps.contain(art, (max(1, round(w)), max(1, round(h))), R.LANCZOS)


def _printed(size: tuple[int, int], colour: Colour, art: Image.Image, box: Box) -> Image.Image:
    """Flat item colour with the art printed (aspect kept) centred in box."""
    layer, a = Image.new("RGB", size, colour), _fit(art, box[2] - box[0], box[3] - box[1])
    x, y = (box[0] + box[2] - a.width) / 2, (box[1] + box[3] - a.height) / 2
    layer.paste(a, (round(x), round(y)), a)
    return layer


def _field(size: tuple[int, int], rng: random.Random, cell: int, amount: float) -> Image.Image:
    """Smooth random shading just below 255 (folds, grain): random cells upscaled bicubically."""
    w, h = max(2, size[0] // max(1, cell)), max(2, size[1] // max(1, cell))
    noise = Image.frombytes("L", (w, h), rng.randbytes(w * h)).resize(size, R.BICUBIC)
    return noise.point(lambda v: round(255 - amount * v / 255))


def _at(size: tuple[int, int], box: Box, image: Image.Image | None = None, sides: float = 0) -> Image.Image:
    """Canvas-sized L map (shading, gloss) with image, or white, stretched over box; sides > 0
    darkens it toward the box's left and right edges."""
    bw, bh = max(1, round(box[2] - box[0])), max(1, round(box[3] - box[1]))
    image = Image.new("L", (bw, bh), 255) if image is None else image.resize((bw, bh), R.BICUBIC)
    if sides:  # a soft, rounded object falls off toward its edges
        row = bytes(round(255 - sides * abs(i / 31.5 - 1) ** 3) for i in range(64))
        image = ImageChops.multiply(image, Image.frombytes("L", (64, 1), row).resize((bw, bh)))
    out = Image.new("L", size, 255)
    out.paste(image, (round(box[0]), round(box[1])))
    return out


def _box(
    size: tuple[int, int], aspect: float, frac: float, cy: float = 0.5
) -> tuple[float, float, float, float]:
    """Box of the given aspect (w/h) centred at (0.5, cy), at most frac of the canvas each way."""
    W, H = size
    w = min(frac * W, frac * H * aspect)
    return W / 2 - w / 2, cy * H - w / aspect / 2, W / 2 + w / 2, cy * H + w / aspect / 2


def _studio(size: tuple[int, int], tint: Sequence[float], depth: float) -> Image.Image:
    """Seamless backdrop: vertical gradient, soft light behind the item, a hint of the art's hue;
    depth darkens it for white items that would vanish on white."""
    top, bottom = (
        _mix(_mix(c, tint, 0.1), (150, 146, 140), depth) for c in ((248, 246, 243), (224, 220, 214))
    )
    bg = ImageOps.colorize(Image.linear_gradient("L").resize(size, R.BICUBIC), top, bottom)
    glow = ImageOps.invert(Image.radial_gradient("L")).resize(size, R.BICUBIC)
    bg.paste(_mix(top, WHITE, 0.5), mask=glow.point(lambda v: v * 2 // 5))
    return bg


def _cylinder_light(w: int, h: int) -> tuple[Image.Image, Image.Image]:
    """Shade and specular maps for a vertical cylinder lit from the front-left."""
    shade_row, spec_row = bytearray(), bytearray()
    for i in range(w):
        nx = (i + 0.5) / w * 2 - 1
        diffuse = max(0.0, 0.87 * math.sqrt(max(0.0, 1 - nx * nx)) - 0.5 * nx)
        shade_row.append(round(255 * min(1.0, 0.45 + 0.6 * diffuse)))
        spec_row.append(
            round(210 * math.exp(-(((nx + 0.5) / 0.08) ** 2)) + 60 * math.exp(-(((nx - 0.84) / 0.06) ** 2)))
        )  # key light + rim light
    shade, spec = (Image.frombytes("L", (w, 1), bytes(b)).resize((w, h)) for b in (shade_row, spec_row))
    base = Image.linear_gradient("L").resize((w, h)).point(lambda v: 255 - 50 * v**4 // 255**4)
    return ImageChops.multiply(shade, base), spec  # base: a little darker toward the bottom


def _wrap(art: Image.Image, r: float, half: float, height: float, bulge: float) -> Image.Image:
    """Art printed round a vertical cylinder of radius r seen slightly from above: squeezed toward
    the sides, rows bowed down by bulge px at the front like the rim ellipse (a mesh warp)."""
    art = _fit(art, 2 * r * math.asin(min(0.999, half / r)), height)
    aw, ah = art.size
    hx = r * math.sin(min(aw / (2 * r), 1.5))
    w, h, n = max(1, round(2 * hx)), round(ah + bulge), 32
    mesh: list[tuple[tuple[int, int, int, int], tuple[float, ...]]] = []
    for k in range(n):
        xa, xb = -hx + 2 * hx * k / n, -hx + 2 * hx * (k + 1) / n
        ua, ub = (r * math.asin(x / r) + aw / 2 for x in (xa, xb))
        oa, ob = (bulge * math.sqrt(max(0.0, 1 - (x / r) ** 2)) for x in (xa, xb))
        quad = (ua, -oa, ua, h - oa, ub, h - ob, ub, -ob)  # source corners: UL, LL, LR, UR
        mesh.append(((round(xa + hx), 0, round(xb + hx), h), quad))
    art = art.convert("RGBa")  # premultiplied, so resampling leaves no dark fringe
    return art.transform((w, h), Image.Transform.MESH, mesh, R.BILINEAR).convert("RGBA")


from generation.providers.local_goods import compose_goods  # noqa: E402  (re-exported)
