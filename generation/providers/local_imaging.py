"""Pure-Pillow image engine of the offline "local" provider.

Cut-outs, product placement (PPL) and goods mock-ups with only Pillow and the standard library:
pixel work runs in Pillow's C code (filters, lookup tables, channel ops, mesh transforms), and the
connected-component pass runs on a <=192 px copy. All randomness comes from random.Random(seed),
so equal inputs and seed give identical bytes. Inputs are never mutated.
"""

from __future__ import annotations

import math
import random
import re

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps, ImageStat

from generation.constants import ASPECT_RATIOS, GOODS_TYPES

__all__ = ["ASPECT_RATIOS", "GOODS_TYPES", "compose_goods", "compose_ppl", "cut_out", "output_size"]

R = Image.Resampling
_WORK = 192  # long side of the copy used for connected components (flood fills are Python)
_SS = 3  # supersampling factor for anti-aliased shapes
BLACK, WHITE = (0, 0, 0), (255, 255, 255)
_COLOURS = {  # colour words a goods prompt may use for the item ("a black mug", "oak frame")
    "white": (246, 246, 244), "black": (42, 42, 45), "grey": (150, 152, 156),
    "gray": (150, 152, 156), "navy": (38, 50, 86), "blue": (70, 118, 196), "red": (192, 44, 50),
    "green": (60, 130, 86), "pink": (242, 176, 196), "yellow": (246, 210, 84),
    "beige": (224, 206, 172), "cream": (245, 238, 218), "oak": (168, 124, 80),
}


# --------------------------------------------------------------------------- small helpers
def _rgba(image: Image.Image, side: int = 0) -> Image.Image:
    """A new, upright RGBA copy of an image in any mode; at most side x side if side is given."""
    image = ImageOps.exif_transpose(image)  # phone photos keep their rotation in EXIF
    if image.mode.startswith("I") or image.mode == "F":  # 16/32-bit: stretch to 8 bits
        lo, hi = image.getextrema()
        k = 255 / max(hi - lo, 1)
        image = image.convert("F").point(lambda v: (v - lo) * k).convert("L")
    if image.mode == "La":  # premultiplied grey converts only to its straight twin
        image = image.convert("LA")
    image = image.convert("RGBA")  # resolves palettes, colour-key transparency, CMYK, L, 1...
    if side:  # huge photos would only slow the cut-out down
        image.thumbnail((side, side), R.LANCZOS)
    return image


def _mix(a, b, t: float) -> tuple[int, ...]:
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


def output_size(aspect_ratio: str, reference: tuple[int, int],
                long_side: int = 1024) -> tuple[int, int]:
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
    if alpha.getextrema()[0] < 128:  # real transparency: trust the artist's mask
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
def _spot(canvas, pw: int, ph: int, words: set[str], rng: random.Random) -> tuple[int, int]:
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


def compose_ppl(scene: Image.Image, product: Image.Image, *,
                aspect_ratio: str = "match_input_image", prompt: str = "",
                seed: int | None = None) -> Image.Image:
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
    around = ImageStat.Stat(canvas.crop((max(0, x - pw // 2), max(0, y - ph // 4),
                                         min(W, x + pw + pw // 2), H))).mean
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

    def __getattr__(self, name):
        op = getattr(self.draw, name)

        def call(xy, *args, fill=255, **kw):
            xy = [tuple(c * _SS for c in p) if isinstance(p, tuple) else p * _SS for p in xy]
            kw = {k: round(v * _SS) if k in ("width", "radius") else v for k, v in kw.items()}
            op(xy, *args, fill=fill, **kw)
            return self

        return call

    @property
    def mask(self) -> Image.Image:
        return self.im.reduce(_SS)

    def paint(self, fill, shade=None, gloss=None) -> Image.Image:
        _paint(self.canvas, mask := self.mask, fill, shade, gloss)
        return mask


def _paint(canvas, mask, fill, shade=None, gloss=None) -> None:
    """Fill through mask with a colour or RGB layer, multiplied by shade, screened with gloss."""
    layer = Image.new("RGB", canvas.size, fill) if isinstance(fill, tuple) else fill
    if shade is not None:
        layer = ImageChops.multiply(layer, shade.convert("RGB"))
    if gloss is not None:
        layer = ImageChops.screen(layer, gloss.convert("RGB"))
    canvas.paste(layer, mask=mask)


def _shadow(canvas, mask, dx, dy, blur, strength) -> None:
    """Darken the canvas under an offset, blurred copy of mask (a soft cast or contact shadow)."""
    s = Image.new("L", canvas.size, 0)
    s.paste(mask, (round(dx), round(dy)))
    s = _blur(s, blur).point(lambda v: round(v * strength))
    canvas.paste(canvas.point(lambda v: v * 3 // 10), mask=s)


def _units(box):
    """Item coordinates: (u, v, u, v, ...) in units of the box width from its top-left corner."""
    x0, y0, w = box[0], box[1], box[2] - box[0]
    return lambda *uv: [(y0 if i % 2 else x0) + c * w for i, c in enumerate(uv)]


def _grow(mask, d):
    """The shape offset outward by about d px, with a smooth anti-aliased edge (die-cut lines)."""
    return _ramp(_blur(_blur(mask, d / 2).point(lambda v: 255 if v > 10 else 0), 1.0), 64, 192)


def _fit(art, w, h):
    return ImageOps.contain(art, (max(1, round(w)), max(1, round(h))), R.LANCZOS)


def _printed(size, colour, art, box):
    """Flat item colour with the art printed (aspect kept) centred in box."""
    layer, a = Image.new("RGB", size, colour), _fit(art, box[2] - box[0], box[3] - box[1])
    x, y = (box[0] + box[2] - a.width) / 2, (box[1] + box[3] - a.height) / 2
    layer.paste(a, (round(x), round(y)), a)
    return layer


def _field(size, rng, cell, amount):
    """Smooth random shading just below 255 (folds, grain): random cells upscaled bicubically."""
    w, h = max(2, size[0] // max(1, cell)), max(2, size[1] // max(1, cell))
    noise = Image.frombytes("L", (w, h), rng.randbytes(w * h)).resize(size, R.BICUBIC)
    return noise.point(lambda v: round(255 - amount * v / 255))


def _at(size, box, image=None, sides=0):
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


def _box(size, aspect, frac, cy=0.5):
    """Box of the given aspect (w/h) centred at (0.5, cy), at most frac of the canvas each way."""
    W, H = size
    w = min(frac * W, frac * H * aspect)
    return W / 2 - w / 2, cy * H - w / aspect / 2, W / 2 + w / 2, cy * H + w / aspect / 2


def _studio(size, tint, depth):
    """Seamless backdrop: vertical gradient, soft light behind the item, a hint of the art's hue;
    depth darkens it for white items that would vanish on white."""
    top, bottom = (_mix(_mix(c, tint, 0.1), (150, 146, 140), depth)
                   for c in ((248, 246, 243), (224, 220, 214)))
    bg = ImageOps.colorize(Image.linear_gradient("L").resize(size, R.BICUBIC), top, bottom)
    glow = ImageOps.invert(Image.radial_gradient("L")).resize(size, R.BICUBIC)
    bg.paste(_mix(top, WHITE, 0.5), mask=glow.point(lambda v: v * 2 // 5))
    return bg


def _cylinder_light(w, h):
    """Shade and specular maps for a vertical cylinder lit from the front-left."""
    shade, spec = bytearray(), bytearray()
    for i in range(w):
        nx = (i + 0.5) / w * 2 - 1
        diffuse = max(0.0, 0.87 * math.sqrt(max(0.0, 1 - nx * nx)) - 0.5 * nx)
        shade.append(round(255 * min(1.0, 0.45 + 0.6 * diffuse)))
        spec.append(round(210 * math.exp(-((nx + 0.5) / 0.08) ** 2)
                          + 60 * math.exp(-((nx - 0.84) / 0.06) ** 2)))  # key light + rim light
    shade, spec = (Image.frombytes("L", (w, 1), bytes(b)).resize((w, h)) for b in (shade, spec))
    base = Image.linear_gradient("L").resize((w, h)).point(lambda v: 255 - 50 * v**4 // 255**4)
    return ImageChops.multiply(shade, base), spec  # base: a little darker toward the bottom


def _wrap(art, r, half, height, bulge):
    """Art printed round a vertical cylinder of radius r seen slightly from above: squeezed toward
    the sides, rows bowed down by bulge px at the front like the rim ellipse (a mesh warp)."""
    art = _fit(art, 2 * r * math.asin(min(0.999, half / r)), height)
    aw, ah = art.size
    hx = r * math.sin(min(aw / (2 * r), 1.5))
    w, h, n, mesh = max(1, round(2 * hx)), round(ah + bulge), 32, []
    for k in range(n):
        xa, xb = -hx + 2 * hx * k / n, -hx + 2 * hx * (k + 1) / n
        ua, ub = (r * math.asin(x / r) + aw / 2 for x in (xa, xb))
        oa, ob = (bulge * math.sqrt(max(0.0, 1 - (x / r) ** 2)) for x in (xa, xb))
        quad = (ua, -oa, ua, h - oa, ub, h - ob, ub, -ob)  # source corners: UL, LL, LR, UR
        mesh.append(((round(xa + hx), 0, round(xb + hx), h), quad))
    art = art.convert("RGBa")  # premultiplied, so resampling leaves no dark fringe
    return art.transform((w, h), Image.Transform.MESH, mesh, R.BILINEAR).convert("RGBA")


# --------------------------------------------------------------------------- goods: items
# Each drawer gets the studio canvas, the cut-out art, the item colour and a seeded Random;
# U() maps item units (fractions of the item's width) to canvas pixels, S is that width in px.
def _mug(canvas, art, colour, rng):
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


_TEE = (0.365, 0.03, 0.15, 0.085, 0, 0.31, 0.115, 0.385, 0.215, 0.305, 0.205, 0.985, 0.795, 0.985,
        0.785, 0.305, 0.885, 0.385, 1, 0.31, 0.85, 0.085, 0.635, 0.03)  # flat-lay silhouette
_TEE_FOLDS = ((0.22, 0.33, 0.34, 0.44), (0.78, 0.33, 0.66, 0.44), (0.3, 0.9, 0.42, 0.8),
              (0.62, 0.93, 0.74, 0.84))
_TEE_SEAMS = ((0.15, 0.085, 0.19, 0.2, 0.215, 0.305), (0.85, 0.085, 0.81, 0.2, 0.785, 0.305),
              (0.205, 0.955, 0.795, 0.955), (0.02, 0.29, 0.135, 0.365), (0.98, 0.29, 0.865, 0.365))


def _t_shirt(canvas, art, colour, rng):
    box = _box(canvas.size, 0.96, 0.84)
    U, S, size = _units(box), box[2] - box[0], canvas.size
    k = (box[3] - box[1]) / S  # the shirt is drawn in a unit square: stretch v by k

    def tee(*uv):
        return U(*(c * (k if i % 2 else 1) for i, c in enumerate(uv)))

    def neck(depth, lift=0.0):  # a curve between the two neck points
        angles = [i * math.pi / 16 for i in range(17)]
        return tee(*(c for a in angles
                     for c in (0.5 - 0.135 * math.cos(a), 0.03 + lift + depth * math.sin(a))))

    folds, seams = _Pen(canvas), _Pen(canvas).line(neck(0.105), width=S * 0.003)
    for line in _TEE_FOLDS:
        folds.line(tee(*line), width=S * 0.012)
    for line in _TEE_SEAMS:
        seams.line(tee(*line), width=S * 0.003)
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


def _tote_bag(canvas, art, colour, rng):
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


def _phone_case(canvas, art, colour, rng):
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
    case.paint(_printed(size, colour, art, U(0.1, 0.56, 0.9, h - 0.08)),
               ImageChops.subtract(_at(size, box, sides=30), rim), glare.point(lambda v: v // 7))
    # camera: the case's raised lip around the phone's dark camera island, three lenses, flash
    lip = _Pen(canvas).rounded_rectangle(U(0.055, 0.045, 0.5, 0.49), radius=S * 0.12)
    _shadow(canvas, lip.mask, S * 0.008, S * 0.012, S * 0.01, 0.4)
    lip.paint(_mix(colour, BLACK, 0.1))
    _Pen(canvas).rounded_rectangle(U(0.08, 0.07, 0.475, 0.465), radius=S * 0.1).paint((44, 46, 52))
    dots = [(0.385, 0.11, 0.03, (246, 238, 212)), (0.385, 0.425, 0.014, (24, 24, 28))]
    for u, v in ((0.17, 0.165), (0.17, 0.37), (0.385, 0.2675)):  # ring, glass, coating, glint
        dots += [(u, v, 0.085, (90, 92, 98)), (u, v, 0.066, (14, 16, 22)),
                 (u, v, 0.036, (34, 44, 68)), (u - 0.022, v - 0.022, 0.012, (210, 220, 235))]
    for u, v, r, fill in dots:
        _Pen(canvas).ellipse(U(u - r, v - r, u + r, v + r)).paint(fill)


def _keyring(canvas, art, colour, rng):
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

    def circle(r, cy=hy):
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


def _sticker(canvas, art, colour, rng):
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


def _poster(canvas, art, colour, rng):
    W, H = canvas.size
    floor = round(0.86 * H)  # a plaster wall and skirting board over a wooden floor
    for tones, y, h in ((((236, 232, 226), (214, 209, 201)), 0, floor),
                        (((186, 160, 128), (160, 134, 104)), floor, H - floor)):
        canvas.paste(ImageOps.colorize(Image.linear_gradient("L"), *tones).resize((W, h)), (0, y))
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
        side = outer[2 * i:2 * i + 2] + outer[2 * j:2 * j + 2]
        side += inner[2 * j:2 * j + 2] + inner[2 * i:2 * i + 2]
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


def _cushion(canvas, art, colour, rng):
    box = _box(canvas.size, 1.0, 0.66)
    U, S, size = _units(box), box[2] - box[0], canvas.size
    corners, outline = ((0, 0), (1, 0), (1, 1), (0, 1)), []
    for (au, av), (bu, bv) in zip(corners, corners[1:] + corners[:1], strict=True):
        cu, cv = (au + bu) / 2 + (1 - au - bu) * 0.09, (av + bv) / 2 + (1 - av - bv) * 0.09
        for t in (j / 20 for j in range(20)):  # concave sides between pinched corners
            outline += U((1 - t) ** 2 * au + 2 * t * (1 - t) * cu + t * t * bu,
                         (1 - t) ** 2 * av + 2 * t * (1 - t) * cv + t * t * bv)
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


# drawer, default item colour (None: a pale tint of the art), backdrop depth
_GOODS = {
    "mug": (_mug, (247, 247, 245), 0.0), "t_shirt": (_t_shirt, (244, 244, 242), 0.0),
    "tote_bag": (_tote_bag, (234, 224, 200), 0.0), "phone_case": (_phone_case, None, 0.0),
    "keyring": (_keyring, None, 0.12), "sticker": (_sticker, None, 0.3),
    "poster": (_poster, (36, 36, 38), 0.0), "cushion": (_cushion, (242, 238, 230), 0.0),
}


def compose_goods(character: Image.Image, *, goods_type: str, aspect_ratio: str = "1:1",
                  prompt: str = "", seed: int | None = None) -> Image.Image:
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
    colour = next((_COLOURS[w] for w in words if w in _COLOURS), default)
    canvas = _studio(size, tint, depth)
    colour = colour or _mix((250, 250, 248), tint, 0.25)
    draw(canvas, art, colour, random.Random(f"{goods_type}:{seed}"))
    return canvas
