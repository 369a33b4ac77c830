"""Pure-Pillow image engine of the offline "local" provider.

Cuts subjects out of photos, places products into scenes (PPL) and draws goods mock-ups with a
character printed on them. Only Pillow and the standard library: pixel work runs in Pillow's C
code (filters, lookup tables, channel ops, mesh transforms); the one Python pixel loop (connected
components) runs on a <=192 px copy. Randomness comes only from random.Random(seed), so equal
inputs and seed give identical bytes. Inputs are never mutated.
"""

from __future__ import annotations

import math
import random
import re

from PIL import Image, ImageChops, ImageDraw, ImageFilter, ImageOps, ImageStat

ASPECT_RATIOS: tuple[str, ...] = ("match_input_image", "1:1", "16:9", "9:16", "4:3", "3:4", "3:2",
                                  "2:3", "4:5", "5:4", "21:9", "9:21", "2:1", "1:2")
GOODS_TYPES: tuple[str, ...] = ("mug", "t_shirt", "tote_bag", "phone_case", "keyring", "sticker",
                                "poster", "cushion")

R = Image.Resampling
_WORK = 192  # long side of the copy used for connected components (a pure Python loop)
_SS = 3  # supersampling factor for anti-aliased shapes
BLACK, WHITE = (0, 0, 0), (255, 255, 255)
_COLOURS = {  # colour words a goods prompt may use for the item ("a black mug")
    "white": (246, 246, 244), "black": (42, 42, 45), "grey": (150, 152, 156),
    "gray": (150, 152, 156), "navy": (38, 50, 86), "blue": (70, 118, 196), "red": (192, 44, 50),
    "green": (60, 130, 86), "pink": (242, 176, 196), "yellow": (246, 210, 84),
    "beige": (224, 206, 172), "cream": (245, 238, 218), "natural": (234, 224, 200),
    "oak": (168, 124, 80), "wood": (168, 124, 80),
}


# --------------------------------------------------------------------------- small helpers
def _rgba(image: Image.Image) -> Image.Image:
    """A new, upright RGBA copy of an image in any mode."""
    image = ImageOps.exif_transpose(image)  # phone photos keep their rotation in EXIF
    if image.mode.startswith("I") or image.mode == "F":  # 16/32-bit: stretch to 8 bits
        lo, hi = image.getextrema()
        k = 255 / max(hi - lo, 1)
        image = image.convert("F").point(lambda v: (v - lo) * k).convert("L")
    return image.convert("RGBA")  # resolves palettes, colour-key transparency, CMYK, L, 1...


def _shrink(image: Image.Image, side: int) -> Image.Image:
    """RGBA copy at most side x side: huge photos would only slow the cut-out down."""
    rgba = _rgba(image)
    rgba.thumbnail((side, side), R.LANCZOS)
    return rgba


def _mix(a, b, t: float) -> tuple[int, ...]:
    return tuple(round(x + (y - x) * t) for x, y in zip(a, b, strict=False))


def _lum(c) -> float:
    return 0.299 * c[0] + 0.587 * c[1] + 0.114 * c[2]


def _mean_rgb(rgba: Image.Image) -> tuple[float, ...]:
    """Mean colour of the opaque part of an RGBA image."""
    mask = rgba.getchannel("A").point(lambda v: 255 if v > 128 else 0)
    return tuple(ImageStat.Stat(rgba.convert("RGB"), mask).mean) if mask.getbbox() else (200,) * 3


def _quantile(hist: list[int], q: float) -> int:
    target, acc = q * sum(hist), 0
    for value, count in enumerate(hist):
        acc += count
        if acc >= target:
            return value
    return len(hist) - 1


def _blur(image: Image.Image, radius: float) -> Image.Image:
    return image.filter(ImageFilter.GaussianBlur(radius))


def _ramp(image: Image.Image, lo: float, hi: float) -> Image.Image:
    """lo -> 0, hi -> 255 linearly: a threshold that keeps an anti-aliased edge."""
    return image.point(lambda v: min(255, max(0, round((v - lo) * 255 / (hi - lo)))))


# --------------------------------------------------------------------------- public: sizes
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


# --------------------------------------------------------------------------- public: cut-out
def _background(rgb: Image.Image) -> tuple[Image.Image, int]:
    """Distance of each pixel to the backdrop colour (median of a border ring), and the ring's
    80th-percentile distance: how noisy or graded the backdrop itself is."""
    w, h = rgb.size
    b = max(1, min(w, h) // 40)
    ring = Image.new("L", rgb.size, 255)
    if min(w, h) > 2 * b + 1:
        ImageDraw.Draw(ring).rectangle((b, b, w - 1 - b, h - 1 - b), fill=0)
    hist = rgb.histogram(mask=ring)
    bg = tuple(_quantile(hist[i * 256:(i + 1) * 256], 0.5) for i in range(3))
    diff = ImageChops.difference(rgb, Image.new("RGB", rgb.size, bg))
    r, g, bl = diff.split()
    # largest channel difference, but small differences in all channels add up (grey on white)
    half_sum = diff.convert("L", (0.5, 0.5, 0.5, 0))
    dist = ImageChops.lighter(ImageChops.lighter(r, g), ImageChops.lighter(bl, half_sum))
    return dist, _quantile(dist.histogram(mask=ring), 0.8)


def _components(data: bytearray, w: int, h: int, value: int) -> list[list[int]]:
    """4-connected components (as flat pixel indices) of the pixels equal to value."""
    seen, parts, n = bytearray(len(data)), [], len(data)
    for start in range(n):
        if seen[start] or data[start] != value:
            continue
        seen[start], stack, part = 1, [start], []
        while stack:
            i = stack.pop()
            part.append(i)
            x = i % w
            for j in (i - 1 if x else -1, i + 1 if x < w - 1 else -1, i - w, i + w):
                if 0 <= j < n and not seen[j] and data[j] == value:
                    seen[j] = 1
                    stack.append(j)
        parts.append(part)
    return parts


def _solid(soft: Image.Image) -> Image.Image | None:
    """Small subject mask: specks dropped, small enclosed holes filled; None if degenerate."""
    scale = min(1.0, _WORK / max(soft.size))
    w, h = max(1, round(soft.width * scale)), max(1, round(soft.height * scale))
    small = soft.resize((w, h), R.BOX).point(lambda v: 255 if v >= 100 else 0)
    parts = _components(bytearray(small.tobytes()), w, h, 255)
    if not parts:
        return None
    biggest, keep = max(map(len, parts)), bytearray(w * h)
    for part in parts:
        if len(part) >= 0.04 * biggest:  # detached pieces of the subject survive, specks do not
            for i in part:
                keep[i] = 255
    area = keep.count(255)
    for hole in _components(keep, w, h, 0):
        inside = not any(i < w or i >= w * (h - 1) or i % w in (0, w - 1) for i in hole)
        if inside and len(hole) < 0.03 * area:  # a big hole (a mug's handle) is see-through
            for i in hole:
                keep[i] = 255
    filled = keep.count(255)
    if filled < 0.002 * w * h or filled > 0.97 * w * h:
        return None
    return Image.frombytes("L", (w, h), bytes(keep))


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
    solid = _solid(soft)
    if solid is None:
        return rgba
    up = _blur(solid.resize(rgba.size, R.BILINEAR), max(1.0, max(rgba.size) / max(solid.size)))
    near = up.point(lambda v: 255 if v > 12 else 0)  # kept parts plus a margin for the soft edge
    core = up.point(lambda v: 255 if v > 240 else 0)  # well inside: opaque, filled holes included
    mask = ImageChops.lighter(ImageChops.multiply(soft, near), core)
    mask = _ramp(_blur(mask, 0.8), 40, 240)  # feather, and trim the backdrop-coloured fringe
    rgba.putalpha(mask)
    return rgba.crop(mask.getbbox() or (0, 0, *rgba.size))


# --------------------------------------------------------------------------- public: PPL
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


def compose_ppl(scene: Image.Image, product: Image.Image, *, aspect_ratio: str = "match_input_image",
                prompt: str = "", seed: int | None = None) -> Image.Image:
    """Product placement: the product (cut out) composed into the scene at a plausible place and
    scale with a soft contact shadow. Returns RGB at output_size(aspect_ratio, scene.size) (scene
    centre-cropped/cover-scaled to that ratio)."""
    base = _rgba(scene)
    flat = Image.new("RGB", base.size, WHITE)
    flat.paste(base, mask=base.getchannel("A"))
    W, H = size = output_size(aspect_ratio, flat.size)
    canvas = ImageOps.fit(flat, size, R.LANCZOS)
    item = cut_out(_shrink(product, 1024))
    rng = random.Random(seed if seed is not None else 0)
    words = set(re.findall(r"[a-z]+", prompt.lower()))

    # plausible scale: ~38% of the scene height, never wider than half the scene
    small, large = words & {"small", "tiny", "little"}, words & {"large", "big", "hero"}
    ph = (0.3 if small else 0.45 if large else 0.38) * H * rng.uniform(0.95, 1.05)
    pw = ph * item.width / item.height
    if pw > 0.5 * W:
        ph, pw = ph * 0.5 * W / pw, 0.5 * W
    pw, ph = max(1, round(pw)), max(1, round(ph))
    item = item.resize((pw, ph), R.LANCZOS)
    x, y = _spot(canvas, pw, ph, words, rng)
    rgb, alpha = item.convert("RGB"), item.getchannel("A")

    # nudge brightness and colour cast toward the surroundings so it sits in the scene's light
    around = ImageStat.Stat(canvas.crop((max(0, x - pw // 2), max(0, y - ph // 4),
                                         min(W, x + pw + pw // 2), H))).mean
    gain = min(1.12, max(0.88, (_lum(around) / max(_lum(_mean_rgb(item)), 1)) ** 0.2))
    lut = []
    for c in range(3):
        cast = min(1.06, max(0.94, (around[c] / max(_lum(around), 1)) ** 0.15))
        lut += [min(255, round(v * gain * cast)) for v in range(256)]
    rgb = rgb.point(lut)

    # shadows: light comes from the brighter half of the scene, so they lean the other way
    gray = canvas.convert("L")
    halves = [ImageStat.Stat(gray.crop(b)).mean[0] for b in ((0, 0, W // 2, H), (W // 2, 0, W, H))]
    side = 1 if halves[0] >= halves[1] else -1
    foot = alpha.crop((0, ph * 9 // 10, pw, ph)).getbbox() or (0, 0, pw, 1)  # the product's base
    ew = (foot[2] - foot[0]) * 1.15 + 0.05 * pw
    eh, cx, by = max(4.0, ew * 0.16), x + (foot[0] + foot[2]) / 2 + side * ew * 0.05, y + ph - 1
    contact, core, drop = (Image.new("L", size, 0) for _ in range(3))
    ImageDraw.Draw(contact).ellipse((cx - ew / 2, by - eh / 2, cx + ew / 2, by + eh / 2), fill=160)
    ImageDraw.Draw(core).ellipse((cx - ew * 0.4, by - eh / 4, cx + ew * 0.4, by + eh / 4), fill=200)
    drop.paste(alpha.point(lambda v: v * 60 // 255), (x + side * round(0.05 * pw), y + ph // 50))
    shadow = ImageChops.lighter(_blur(contact, eh * 0.45), _blur(core, eh * 0.12))
    shadow = ImageChops.lighter(shadow, _blur(drop, 0.04 * ph))  # faint shadow of the silhouette
    canvas.paste(canvas.point(lambda v: v * 3 // 10), mask=shadow)
    canvas.paste(rgb, (x, y), alpha)
    return canvas


# --------------------------------------------------------------------------- goods: drawing kit
class _Pen:
    """Anti-aliased mask over a canvas: shapes are drawn _SS times larger (in canvas coordinates)
    and box-reduced; paint() fills the canvas through the mask."""

    def __init__(self, canvas: Image.Image):
        self.canvas, self.im = canvas, Image.new("L", (canvas.width * _SS, canvas.height * _SS))
        self.draw = ImageDraw.Draw(self.im)

    def __getattr__(self, name):  # ellipse, polygon, line, arc, rectangle, rounded_rectangle...
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
        mask = self.mask
        _paint(self.canvas, mask, fill, shade, gloss)
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
    canvas.paste(canvas.point(lambda v: v * 3 // 10), mask=_blur(s, blur).point(lambda v: round(v * strength)))


def _grow(mask, d):
    """The shape offset outward by about d px, with a smooth anti-aliased edge (die-cut lines)."""
    return _ramp(_blur(_blur(mask, d / 2).point(lambda v: 255 if v > 10 else 0), 1.0), 64, 192)


def _fit(art, w, h):
    return ImageOps.contain(art, (max(1, round(w)), max(1, round(h))), R.LANCZOS)


def _place(layer, art, box) -> None:
    """Print art, aspect kept, centred in box on an RGB layer."""
    a = _fit(art, box[2] - box[0], box[3] - box[1])
    layer.paste(a, (round((box[0] + box[2] - a.width) / 2), round((box[1] + box[3] - a.height) / 2)), a)


def _field(size, rng, cell, amount):
    """Smooth random shading just below 255 (folds, grain): random cells upscaled bicubically."""
    w, h = max(2, size[0] // max(1, cell)), max(2, size[1] // max(1, cell))
    noise = Image.frombytes("L", (w, h), rng.randbytes(w * h)).resize(size, R.BICUBIC)
    return noise.point(lambda v: round(255 - amount * v / 255))


def _at(size, box, image):
    """A canvas-sized L map with image stretched over box (shading and gloss maps)."""
    out = Image.new("L", size, 255)
    bw, bh = max(1, round(box[2] - box[0])), max(1, round(box[3] - box[1]))
    out.paste(image.resize((bw, bh), R.BICUBIC), (round(box[0]), round(box[1])))
    return out


def _sides(amount):
    """Shade row darkening toward the left and right edges of a soft, rounded object."""
    return Image.frombytes("L", (64, 1), bytes(round(255 - amount * abs(i / 31.5 - 1) ** 3) for i in range(64)))


def _box(size, aspect, frac, cy=0.5):
    """Box of the given aspect (w/h) centred at (0.5, cy), at most frac of the canvas each way."""
    W, H = size
    w = min(frac * W, frac * H * aspect)
    return W / 2 - w / 2, cy * H - w / aspect / 2, W / 2 + w / 2, cy * H + w / aspect / 2


def _studio(size, tint, depth):
    """Seamless studio backdrop: vertical gradient, soft light behind the item, a hint of the
    art's hue; depth darkens it for white items that would vanish on white."""
    top, bottom = (_mix(_mix(c, tint, 0.1), (150, 146, 140), depth) for c in ((248, 246, 243), (224, 220, 214)))
    bg = ImageOps.colorize(Image.linear_gradient("L").resize(size, R.BICUBIC), top, bottom)
    glow = ImageOps.invert(Image.radial_gradient("L")).resize(size, R.BICUBIC)
    bg.paste(_mix(top, WHITE, 0.5), mask=glow.point(lambda v: v * 2 // 5))
    return bg


def _metal_ring(canvas, box, w) -> None:
    """A steel ring: darker body with a bright arc, reads as polished metal."""
    _Pen(canvas).arc(box, 0, 360, width=w).paint((118, 122, 130))
    inner = [box[0] + w * 0.3, box[1] + w * 0.3, box[2] - w * 0.3, box[3] - w * 0.3]
    _paint(canvas, _blur(_Pen(canvas).arc(inner, 150, 300, width=w * 0.4).mask, w * 0.12), (236, 238, 242))
    _paint(canvas, _Pen(canvas).arc(inner, 330, 60, width=w * 0.3).mask.point(lambda v: v // 2), (200, 204, 210))


def _cylinder_light(w, h):
    """Shade and specular maps for a vertical cylinder lit from the front-left."""
    shade, spec = bytearray(), bytearray()
    for i in range(w):
        nx = (i + 0.5) / w * 2 - 1
        nz = math.sqrt(max(0.0, 1 - nx * nx))
        shade.append(round(255 * min(1.0, 0.45 + 0.6 * max(0.0, 0.87 * nz - 0.5 * nx))))
        spec.append(round(210 * math.exp(-(((nx + 0.5) / 0.08) ** 2)) + 60 * math.exp(-(((nx - 0.84) / 0.06) ** 2))))
    shade, spec = (Image.frombytes("L", (w, 1), bytes(b)).resize((w, h)) for b in (shade, spec))
    base = Image.linear_gradient("L").resize((w, h)).point(lambda v: round(255 - 50 * (v / 255) ** 4))
    return ImageChops.multiply(shade, base), spec  # base: a little darker toward the bottom


def _wrap(art, r, half, height, bulge):
    """Art printed round a vertical cylinder of radius r seen slightly from above: squeezed toward
    the sides, and rows bowed down by bulge px at the front, like the rim ellipse."""
    art = _fit(art, 2 * r * math.asin(min(0.999, half / r)), height)
    aw, ah = art.size
    hx = r * math.sin(min(aw / (2 * r), 1.5))
    w, h, n, mesh = max(1, round(2 * hx)), round(ah + bulge), 32, []
    for k in range(n):
        xa, xb = -hx + 2 * hx * k / n, -hx + 2 * hx * (k + 1) / n
        ua, ub = (r * math.asin(x / r) + aw / 2 for x in (xa, xb))
        oa, ob = (bulge * math.sqrt(max(0.0, 1 - (x / r) ** 2)) for x in (xa, xb))
        mesh.append(((round(xa + hx), 0, round(xb + hx), h), (ua, -oa, ua, h - oa, ub, h - ob, ub, -ob)))
    return art.convert("RGBa").transform((w, h), Image.Transform.MESH, mesh, R.BILINEAR).convert("RGBA")


# --------------------------------------------------------------------------- goods: items
def _mug(canvas, art, colour, rng):
    x0, y0, x1, y1 = _box(canvas.size, 1.18, 0.7)
    bw = (x1 - x0) * 0.76  # the body; the handle sticks out on the right
    r, e = bw / 2, bw * 0.085  # e: half-height of the rim ellipse (seen slightly from above)
    cx, top, bot = x0 + r, y0 + e, y1 - e
    _shadow(canvas, _Pen(canvas).ellipse([x0, bot - e, x1 - bw * 0.05, bot + e * 1.2]).mask, bw * 0.03, e * 0.3, e * 0.7, 0.6)
    hb, t = [x0 + bw * 0.7, top + (bot - top) * 0.12, x1, bot - (bot - top) * 0.2], bw * 0.085
    handle = _Pen(canvas).ellipse(hb).ellipse([hb[0] + t, hb[1] + t * 0.9, hb[2] - t, hb[3] - t * 0.9], fill=0).mask
    _shadow(canvas, handle, bw * 0.04, bw * 0.03, bw * 0.03, 0.3)
    hl = _Pen(canvas).arc([v + d * t * 0.3 for v, d in zip(hb, (1, 1, -1, -1), strict=True)], 290, 20, width=t * 0.25)
    _paint(canvas, handle, _mix(colour, BLACK, 0.14), gloss=_blur(hl.mask, t * 0.1).point(lambda v: v * 2 // 3))
    # body: wrapped print, cylinder shading and a glossy streak
    body = _Pen(canvas).rectangle([x0, top, x0 + bw, bot]).ellipse([x0, bot - e, x0 + bw, bot + e])
    albedo = Image.new("RGB", canvas.size, colour)
    layer = _wrap(art, r, r * 0.72, (bot - top) * 0.66, e)
    albedo.paste(layer, (round(cx - layer.width / 2), round((top + bot - layer.height) / 2 + e * 0.4)), layer)
    shade, spec = _cylinder_light(round(bw), round(bot - top + 2 * e))
    box = (x0, top - e, x0 + bw, bot + e)
    body.ellipse([x0, top - e, x0 + bw, top + e]).paint(albedo, _at(canvas.size, box, shade), _at(canvas.size, box, spec))
    # the opening: inside wall lit at the back and falling into shadow toward the bottom
    rim = bw * 0.03
    opening = [x0 + rim, top - e + rim * 0.6, x0 + bw - rim, top + e - rim * 0.6]
    inside = Image.linear_gradient("L").point(lambda v: 248 - v * 100 // 255)
    _Pen(canvas).ellipse(opening).paint(_mix(colour, BLACK, 0.06), _at(canvas.size, opening, inside))


_TEE = [(0.365, 0.03), (0.15, 0.085), (0.0, 0.31), (0.115, 0.385), (0.215, 0.305), (0.205, 0.985),
        (0.795, 0.985), (0.785, 0.305), (0.885, 0.385), (1.0, 0.31), (0.85, 0.085), (0.635, 0.03)]
_TEE_FOLDS = [((0.22, 0.33), (0.34, 0.44)), ((0.78, 0.33), (0.66, 0.44)), ((0.3, 0.9), (0.42, 0.8)),
              ((0.62, 0.93), (0.74, 0.84))]
_TEE_SEAMS = [((0.15, 0.085), (0.19, 0.2), (0.215, 0.305)), ((0.85, 0.085), (0.81, 0.2), (0.785, 0.305)),
              ((0.205, 0.955), (0.795, 0.955)), ((0.02, 0.29), (0.135, 0.365)), ((0.98, 0.29), (0.865, 0.365))]


def _t_shirt(canvas, art, colour, rng):
    size = canvas.size
    x0, y0, x1, y1 = _box(size, 0.96, 0.84)
    w = x1 - x0

    def P(u, v):
        return x0 + u * w, y0 + v * (y1 - y0)

    def neck(depth, lift=0.0):  # a curve between the two neck points
        return [P(0.5 - 0.135 * math.cos(a * math.pi / 16), 0.03 + lift + depth * math.sin(a * math.pi / 16))
                for a in range(17)]

    folds, seams = _Pen(canvas), _Pen(canvas).line(neck(0.105), width=w * 0.003)
    for line in _TEE_FOLDS:
        folds.line([P(*p) for p in line], width=w * 0.012)
    for line in _TEE_SEAMS:
        seams.line([P(*p) for p in line], width=w * 0.003)
    shade = ImageChops.multiply(_field(size, rng, round(w / 5), 26), _field(size, rng, 2, 10))
    shade = ImageChops.multiply(shade, _at(size, (x0, y0, x1, y1), _sides(50)))
    shade = ImageChops.subtract(shade, _blur(folds.mask, w * 0.015).point(lambda v: v // 5))
    shirt = _Pen(canvas).polygon([P(*p) for p in _TEE])
    _shadow(canvas, shirt.mask, w * 0.01, w * 0.018, w * 0.02, 0.4)
    albedo = Image.new("RGB", size, colour)
    _place(albedo, art, (*P(0.3, 0.18), *P(0.7, 0.6)))
    shirt.paint(albedo, shade)
    _Pen(canvas).polygon(neck(0.09)).paint(_mix(colour, BLACK, 0.2), shade)  # inside of the back
    _Pen(canvas).line(neck(0.015, 0.008), width=w * 0.02).paint(_mix(colour, BLACK, 0.06), shade)
    _Pen(canvas).line(neck(0.09), width=w * 0.028).paint(_mix(colour, WHITE, 0.1), shade)  # rib collar
    _paint(canvas, seams.mask.point(lambda v: v * 2 // 5), _mix(colour, BLACK, 0.3))


def _tote_bag(canvas, art, colour, rng):
    size = canvas.size
    x0, y0, x1, y1 = _box(size, 0.62, 0.84)
    w, bh = x1 - x0, (y1 - y0) / 1.42  # the handles rise 0.42 body heights above the bag
    top, t = y1 - bh, w * 0.055
    fabric = ImageChops.multiply(_field(size, rng, round(w / 4), 22), _field(size, rng, 1, 18))  # folds, weave
    fabric = ImageChops.multiply(fabric, _at(size, (x0, top, x1, y1), _sides(40)))
    _shadow(canvas, _Pen(canvas).ellipse([x0, y1 - w * 0.05, x1, y1 + w * 0.05]).mask, w * 0.02, 0, w * 0.04, 0.6)
    back = [x0 + 0.235 * w, top - 0.38 * bh, x0 + 0.835 * w, top + 0.46 * bh]  # back handle, peeking out
    _Pen(canvas).arc(back, 180, 360, width=t).paint(_mix(colour, BLACK, 0.22), fabric)
    body = _Pen(canvas).rounded_rectangle([x0, top, x1, y1], radius=w * 0.015)
    _shadow(canvas, body.mask, w * 0.015, w * 0.02, w * 0.025, 0.35)
    albedo = Image.new("RGB", size, colour)
    _place(albedo, art, (x0 + 0.13 * w, top + 0.2 * bh, x1 - 0.13 * w, y1 - 0.12 * bh))
    body.paint(albedo, fabric)
    _Pen(canvas).rectangle([x0, top, x1, top + 0.075 * bh]).paint(_mix(colour, BLACK, 0.07), fabric)  # hem
    hb = [x0 + 0.2 * w, top - 0.42 * bh, x0 + 0.8 * w, top + 0.42 * bh]
    strap = _Pen(canvas).arc(hb, 180, 360, width=t)
    for sx in (hb[0], hb[2] - t):  # the straps run down the front, where they are sewn on
        strap.rectangle([sx, top - 1, sx + t, top + 0.17 * bh])
    _shadow(canvas, strap.mask, w * 0.006, w * 0.008, w * 0.006, 0.3)
    strap.paint(_mix(colour, BLACK, 0.04), fabric)
    stitch, step, sy = _Pen(canvas), t * 0.5, top + 0.062 * bh
    for i in range(int(w / step)):  # dashed hem stitch
        stitch.line([(x0 + (i + 0.2) * step, sy), (x0 + (i + 0.7) * step, sy)], width=w * 0.004)
    for sx in (hb[0], hb[2] - t):  # box-and-cross stitch on each strap
        sq = [sx + t * 0.15, top + 0.09 * bh, sx + t * 0.85, top + 0.16 * bh]
        stitch.rectangle(sq, fill=None, outline=255, width=w * 0.003).line(sq, width=w * 0.003)
        stitch.line([sq[0], sq[3], sq[2], sq[1]], width=w * 0.003)
    _paint(canvas, stitch.mask.point(lambda v: v // 2), _mix(colour, BLACK, 0.35))


def _phone_case(canvas, art, colour, rng):
    x0, y0, x1, y1 = _box(canvas.size, 0.49, 0.84)
    w, h = x1 - x0, y1 - y0
    keys = _Pen(canvas).rounded_rectangle([x1 - w * 0.02, y0 + 0.22 * h, x1 + w * 0.014, y0 + 0.33 * h], radius=w * 0.01)
    for a, b in ((0.18, 0.24), (0.27, 0.33)):  # side buttons
        keys.rounded_rectangle([x0 - w * 0.014, y0 + a * h, x0 + w * 0.02, y0 + b * h], radius=w * 0.01)
    case = _Pen(canvas).rounded_rectangle([x0, y0, x1, y1], radius=w * 0.17)
    _shadow(canvas, ImageChops.lighter(case.mask, keys.mask), w * 0.03, w * 0.05, w * 0.05, 0.5)
    keys.paint(_mix(colour, BLACK, 0.25))
    albedo = Image.new("RGB", canvas.size, colour)
    _place(albedo, art, (x0 + 0.1 * w, y0 + 0.56 * w, x1 - 0.1 * w, y1 - 0.08 * w))
    inner = _Pen(canvas).rounded_rectangle([x0 + w * 0.03, y0 + w * 0.03, x1 - w * 0.03, y1 - w * 0.03], radius=w * 0.14)
    wall = _blur(ImageChops.subtract(case.mask, inner.mask), w * 0.01).point(lambda v: v // 5)  # the case's rim
    shade = ImageChops.subtract(_at(canvas.size, (x0, y0, x1, y1), _sides(30)), wall)
    glare = _Pen(canvas).polygon([(x0 + 0.5 * w, y0), (x0 + 0.8 * w, y0), (x0 + 0.2 * w, y1), (x0 - 0.1 * w, y1)])
    case.paint(albedo, shade, _blur(glare.mask, w * 0.08).point(lambda v: v // 7))
    # camera: the case's raised lip around the phone's dark camera island, three lenses, flash
    lip = [x0 + 0.055 * w, y0 + 0.045 * w, x0 + 0.5 * w, y0 + 0.49 * w]
    _shadow(canvas, _Pen(canvas).rounded_rectangle(lip, radius=w * 0.12).mask, w * 0.008, w * 0.012, w * 0.01, 0.4)
    _Pen(canvas).rounded_rectangle(lip, radius=w * 0.12).paint(_mix(colour, BLACK, 0.1))
    island = [lip[0] + w * 0.025, lip[1] + w * 0.025, lip[2] - w * 0.025, lip[3] - w * 0.025]
    _Pen(canvas).rounded_rectangle(island, radius=w * 0.1).paint((44, 46, 52))
    dots = [(0.385, 0.11, 0.03, (246, 238, 212)), (0.385, 0.425, 0.014, (24, 24, 28))]
    for u, v in ((0.17, 0.165), (0.17, 0.37), (0.385, 0.2675)):
        dots += [(u, v, 0.085, (90, 92, 98)), (u, v, 0.066, (14, 16, 22)), (u, v, 0.036, (34, 44, 68)),
                 (u - 0.022, v - 0.022, 0.012, (210, 220, 235))]
    for u, v, rad, fill in dots:
        cx, cy, rad = x0 + u * w, y0 + v * w, rad * w
        _Pen(canvas).ellipse([cx - rad, cy - rad, cx + rad, cy + rad]).paint(fill)


def _keyring(canvas, art, colour, rng):
    W, H = canvas.size
    s = min(W, H)
    a = _fit(art, min(0.56 * W, 0.6 * s), 0.44 * s)
    border = 0.045 * s
    ax, ay = round(W / 2 - a.width / 2), round((H - a.height + 0.36 * s) / 2)  # chain room above
    shape = Image.new("L", canvas.size, 0)
    shape.paste(a.getchannel("A"), (ax, ay))
    opaque = a.getchannel("A").point(lambda v: 255 if v > 128 else 0)
    top = (opaque.getbbox() or (0, 0, a.width, 1))[1]
    row = opaque.crop((0, top, a.width, top + max(2, a.height // 30))).getbbox() or (0, 0, a.width, 1)
    hx, hy, tr = ax + (row[0] + row[2]) / 2, ay + top - border * 0.9, 0.045 * s  # the hanging hole
    tab = _Pen(canvas).ellipse([hx - tr, hy - tr, hx + tr, hy + tr]).mask
    hole = _Pen(canvas).ellipse([hx - tr * 0.4, hy - tr * 0.4, hx + tr * 0.4, hy + tr * 0.4]).mask
    acrylic = ImageChops.subtract(_grow(ImageChops.lighter(shape, tab), border), hole)
    _shadow(canvas, acrylic, s * 0.02, s * 0.03, s * 0.02, 0.35)
    _shadow(canvas, acrylic, s * 0.006, s * 0.008, 0.5, 0.25)  # the acrylic's cut edge
    _paint(canvas, acrylic.point(lambda v: v * 3 // 5), (252, 253, 255))  # clear, shows the backdrop
    canvas.paste(a, (ax, ay), a)
    edge = ImageChops.subtract(acrylic, _blur(acrylic, s * 0.004).point(lambda v: 255 if v > 250 else 0))
    glare = _blur(_Pen(canvas).polygon([(W * 0.3, 0), (W * 0.45, 0), (W * 0.2, H), (W * 0.05, H)]).mask, s * 0.05)
    _paint(canvas, ImageChops.lighter(edge, ImageChops.multiply(acrylic, glare.point(lambda v: v // 4))), WHITE)
    # a jump ring through the hole, a short chain of alternating links, and the split ring
    rr, lw = tr * 1.1, s * 0.011
    _metal_ring(canvas, [hx - rr, hy - rr * 1.9, hx + rr, hy + rr * 0.1], lw)
    y, ln = hy - rr * 1.9, s * 0.05
    for i in range(3):
        half = ln * 0.32 if i % 2 == 0 else lw * 0.9  # face-on, then edge-on
        _metal_ring(canvas, [hx - half, y - ln + lw, hx + half, y + lw], lw * (0.85 if i % 2 == 0 else 0.7))
        y -= ln - lw * 1.5
    big = 0.085 * s
    for inset, width in ((0, 1.2), (1.1, 0.9)):  # two turns of a split ring
        _metal_ring(canvas, [hx - big + lw * inset, y - 2 * big + lw * inset, hx + big - lw * inset, y - lw * inset],
                    lw * width)


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
    layer = layer.convert("RGBa").rotate(rng.uniform(-8, -3), R.BICUBIC, expand=True).convert("RGBA")
    x, y, alpha = (W - layer.width) // 2, (H - layer.height) // 2, layer.getchannel("A")
    _shadow(canvas, alpha, x + 0.008 * W, y + 0.014 * H, 0.012 * min(W, H), 0.45)
    canvas.paste(layer, (x, y), layer)
    gloss = Image.new("L", canvas.size, 0)
    gloss.paste(alpha, (x, y))
    band = _Pen(canvas).polygon([(W * 0.55, 0), (W * 0.75, 0), (W * 0.35, H), (W * 0.15, H)]).mask
    _paint(canvas, ImageChops.multiply(gloss, _blur(band, W * 0.06).point(lambda v: v // 6)), WHITE)


def _poster(canvas, art, colour, rng):
    W, H = canvas.size
    floor = round(0.86 * H)  # a wall with a skirting board and a wooden floor
    canvas.paste(ImageOps.colorize(Image.linear_gradient("L").resize((W, floor)), (236, 232, 226), (214, 209, 201)))
    canvas.paste(ImageOps.colorize(Image.linear_gradient("L").resize((W, H - floor)), (186, 160, 128), (160, 134, 104)),
                 (0, floor))
    _Pen(canvas).rectangle([0, floor - 0.025 * H, W, floor]).paint((246, 244, 240))
    _shadow(canvas, _Pen(canvas).rectangle([0, floor, W, floor + 0.004 * H]).mask, 0, 0, 0.004 * H, 0.5)
    canvas.paste(ImageChops.multiply(canvas, _field(canvas.size, rng, 2, 8).convert("RGB")))  # plaster grain
    x0, y0, x1, y1 = _box(canvas.size, 0.75 if art.height >= art.width * 0.85 else 4 / 3, 0.62, 0.43)
    f, m = 0.04 * min(x1 - x0, y1 - y0), 0.1 * min(x1 - x0, y1 - y0)  # frame and mat widths
    mat = [x0 + f, y0 + f, x1 - f, y1 - f]
    _shadow(canvas, _Pen(canvas).rectangle([x0, y0, x1, y1]).mask, 0.012 * W, 0.02 * H, 0.018 * H, 0.5)
    outer = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]
    inner = [(mat[0], mat[1]), (mat[2], mat[1]), (mat[2], mat[3]), (mat[0], mat[3])]
    for i, k in enumerate((0.25, -0.12, -0.25, 0.1)):  # mitred sides, lit from the top-left
        side = [outer[i], outer[(i + 1) % 4], inner[(i + 1) % 4], inner[i]]
        _Pen(canvas).polygon(side).paint(_mix(colour, WHITE if k > 0 else BLACK, abs(k)))
    opening = _Pen(canvas).rectangle(mat).paint((247, 246, 242))
    paper = [mat[0] + m, mat[1] + m, mat[2] - m, mat[3] - m]
    layer = Image.new("RGB", canvas.size, _mix((250, 249, 246), _mean_rgb(art), 0.12))
    _place(layer, art, (paper[0] + m * 0.4, paper[1] + m * 0.4, paper[2] - m * 0.4, paper[3] - m * 0.4))
    _Pen(canvas).rectangle(paper).paint(layer)
    _Pen(canvas).rectangle(paper, fill=None, outline=255, width=max(1.0, f * 0.08)).paint((222, 220, 214))
    frame = ImageChops.subtract(_Pen(canvas).rectangle([x0, y0, x1, y1]).mask, opening)
    _shadow(canvas, frame, f * 0.3, f * 0.4, f * 0.4, 0.45)  # the frame's shadow on the mat
    glare = _Pen(canvas).polygon([(x0 + 0.55 * (x1 - x0), y0), (x1, y0), (x1, y0 + 0.2 * (y1 - y0)),
                                  (x0 + 0.2 * (x1 - x0), y1), (x0, y1)])
    _paint(canvas, ImageChops.multiply(_blur(glare.mask, f), opening).point(lambda v: v // 9), WHITE)


def _cushion(canvas, art, colour, rng):
    size = canvas.size
    x0, y0, x1, y1 = _box(size, 1.0, 0.66)
    s, d = x1 - x0, (x1 - x0) * 0.045  # d: how far the plump middle pulls the sides in
    corners, pts = [(x0, y0), (x1, y0), (x1, y1), (x0, y1)], []
    for i in range(4):  # concave sides between pinched corners (quadratic curves)
        (ax, ay), (bx, by) = corners[i], corners[(i + 1) % 4]
        cx, cy = (ax + bx) / 2 + (x0 + x1 - ax - bx) / s * 2 * d, (ay + by) / 2 + (y0 + y1 - ay - by) / s * 2 * d
        pts += [((1 - t) ** 2 * ax + 2 * t * (1 - t) * cx + t * t * bx, (1 - t) ** 2 * ay + 2 * t * (1 - t) * cy + t * t * by)
                for t in (j / 20 for j in range(20))]
    shape = _ramp(_blur(_Pen(canvas).polygon(pts).mask, s * 0.012), 110, 146)  # softly rounded corners
    _shadow(canvas, _Pen(canvas).ellipse([x0 + s * 0.05, y1 - s * 0.05, x1 - s * 0.05, y1 + s * 0.05]).mask,
            s * 0.02, 0, s * 0.04, 0.55)
    _shadow(canvas, shape, s * 0.015, s * 0.025, s * 0.03, 0.35)
    puff = ImageOps.invert(Image.radial_gradient("L")).point(lambda v: 190 + v * 65 // 255)  # plump middle
    creases = _Pen(canvas)
    for cx, cy in corners:  # little folds fanning out of each corner
        for k in (-0.05, 0.05):
            creases.line([(cx, cy), (cx + (x0 + x1 - 2 * cx) * (0.16 + k), cy + (y0 + y1 - 2 * cy) * (0.16 - k))],
                         width=s * 0.01)
    shade = ImageChops.multiply(_at(size, (x0 - s * 0.1, y0 - s * 0.1, x1 + s * 0.1, y1 + s * 0.1), puff),
                                _field(size, rng, 1, 14))
    shade = ImageChops.subtract(shade, _blur(creases.mask, s * 0.01).point(lambda v: v // 4))
    albedo = Image.new("RGB", size, colour)
    _place(albedo, art, (x0 + 0.2 * s, y0 + 0.2 * s, x1 - 0.2 * s, y1 - 0.2 * s))
    _paint(canvas, shape, albedo, shade)
    piping = _Pen(canvas).polygon(pts, fill=None, outline=255, width=s * 0.012).mask
    _paint(canvas, ImageChops.multiply(piping, shape), _mix(colour, BLACK, 0.12), shade)


# drawer, default item colour (None: a pale tint of the art), backdrop depth
_GOODS = {
    "mug": (_mug, (247, 247, 245), 0.0), "t_shirt": (_t_shirt, (244, 244, 242), 0.0),
    "tote_bag": (_tote_bag, (234, 224, 200), 0.0), "phone_case": (_phone_case, None, 0.0),
    "keyring": (_keyring, None, 0.12), "sticker": (_sticker, None, 0.3),
    "poster": (_poster, (36, 36, 38), 0.0), "cushion": (_cushion, (240, 236, 228), 0.0),
}


def compose_goods(character: Image.Image, *, goods_type: str, aspect_ratio: str = "1:1",
                  prompt: str = "", seed: int | None = None) -> Image.Image:
    """A product mock-up: the goods item drawn with Pillow on a clean studio background, with the
    character (cut out) printed on its printable area. Returns RGB at
    output_size(aspect_ratio, (1024, 1024)). ValueError for an unknown goods_type."""
    if goods_type not in _GOODS:
        raise ValueError(f"unknown goods type {goods_type!r}; expected one of {GOODS_TYPES}")
    size = output_size(aspect_ratio, (1024, 1024))
    art = cut_out(_shrink(character, 1024))
    tint = _mean_rgb(art)
    draw, default, depth = _GOODS[goods_type]
    words = re.findall(r"[a-z]+", prompt.lower())
    colour = next((_COLOURS[w] for w in words if w in _COLOURS), default or _mix((250, 250, 248), tint, 0.25))
    canvas = _studio(size, tint, depth)
    draw(canvas, art, colour, random.Random(f"{goods_type}:{seed}"))
    return canvas
