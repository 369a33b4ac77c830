"""Behaviour of the local provider's pure-Pillow image engine (no database, no Django)."""

from __future__ import annotations

import functools
import io
import itertools

import pytest
from PIL import Image, ImageChops, ImageDraw, ImageOps, ImageStat

from generation.providers import local_imaging as li


@pytest.fixture(autouse=True)
def _test_settings():
    """These tests need no Django settings; this shadows the suite-wide settings fixture."""
    yield


# --------------------------------------------------------------------------- helpers
def red_square_on_white(size=400, lo=100, hi=299):
    image = Image.new("RGB", (size, size), "white")
    ImageDraw.Draw(image).rectangle((lo, lo, hi, hi), fill=(220, 20, 30))
    return image


def blueish_scene():
    scene = Image.new("RGB", (1200, 800))
    gradient = Image.linear_gradient("L").resize(scene.size)
    scene = ImageOps.colorize(gradient, (110, 140, 210), (60, 80, 150))
    ImageDraw.Draw(scene).rectangle((80, 60, 380, 300), fill=(40, 60, 120))  # a busy corner
    return scene


def red_product():
    product = Image.new("RGB", (300, 500), (250, 250, 250))
    draw = ImageDraw.Draw(product)
    draw.rounded_rectangle((70, 120, 230, 470), 30, fill=(210, 20, 30))
    draw.rectangle((120, 40, 180, 130), fill=(210, 20, 30))
    return product


def magenta_character():
    image = Image.new("RGB", (500, 600), "white")
    draw = ImageDraw.Draw(image)
    draw.ellipse((100, 150, 400, 560), fill=(255, 0, 255))
    draw.ellipse((130, 40, 370, 280), fill=(255, 0, 255))
    draw.ellipse((180, 120, 220, 170), fill="white")
    draw.ellipse((280, 120, 320, 170), fill="white")
    return image


def count(image, predicate):
    """Pixels of an RGB image whose (r, g, b) satisfies predicate."""
    lut = [[predicate(c, channel) for c in range(256)] for channel in range(3)]
    r, g, b = image.convert("RGB").split()
    masks = [band.point([255 if ok else 0 for ok in lut[i]]) for i, band in enumerate((r, g, b))]
    both = ImageChops.multiply(ImageChops.multiply(masks[0], masks[1]), masks[2])
    return both.histogram()[255]


def strongly_red(c, channel):
    return c > 150 if channel == 0 else c < 80


def magenta(c, channel):
    return c < 90 if channel == 1 else c > 150


def near_white(c, channel):
    return c > 235


def red_box(image):
    r, g, _ = image.convert("RGB").split()
    mask = ImageChops.multiply(r.point(lambda v: 255 * (v > 150)), g.point(lambda v: 255 * (v < 80)))
    return mask.getbbox()


def mean_luminance(image, box):
    return ImageStat.Stat(image.convert("L").crop(box)).mean[0]


# --------------------------------------------------------------------------- output_size
def test_output_size_honours_every_ratio_with_a_1024_long_side():
    for ratio in li.ASPECT_RATIOS[1:]:
        a, b = (int(v) for v in ratio.split(":"))
        w, h = li.output_size(ratio, (640, 480))
        assert max(w, h) == 1024
        assert abs(w / h - a / b) < 0.01, ratio


def test_output_size_for_match_input_image_keeps_the_reference_ratio():
    assert li.output_size("match_input_image", (1600, 1000)) == (1024, 640)
    assert li.output_size("match_input_image", (300, 900)) == (341, 1024)
    assert li.output_size("match_input_image", (50, 50), long_side=512) == (512, 512)


def test_output_size_rejects_an_unknown_ratio():
    for ratio in ("7:5", "square", ""):
        with pytest.raises(ValueError):
            li.output_size(ratio, (100, 100))


# --------------------------------------------------------------------------- cut_out
def test_cut_out_of_a_red_square_on_white_is_the_square_with_transparent_corners():
    cut = li.cut_out(red_square_on_white())
    assert cut.mode == "RGBA"
    assert 196 <= cut.width <= 210 and 196 <= cut.height <= 210
    corners = [(0, 0), (cut.width - 1, 0), (0, cut.height - 1), (cut.width - 1, cut.height - 1)]
    assert all(cut.getpixel(p)[3] < 64 for p in corners)
    assert cut.getpixel((cut.width // 2, cut.height // 2)) == (220, 20, 30, 255)


def test_cut_out_keeps_the_alpha_of_a_png_with_real_transparency():
    art = Image.new("RGBA", (300, 200), (0, 0, 0, 0))
    ImageDraw.Draw(art).ellipse((50, 40, 250, 160), fill=(10, 200, 90, 200))
    buffer = io.BytesIO()
    art.save(buffer, format="PNG")
    cut = li.cut_out(Image.open(buffer))
    assert cut.size == (201, 121)
    assert cut.getpixel((100, 60)) == (10, 200, 90, 200)
    assert cut.getpixel((0, 0))[3] == 0


def test_cut_out_ignores_specks_and_fills_small_holes():
    image = red_square_on_white()
    draw = ImageDraw.Draw(image)
    for x, y in ((20, 20), (370, 40), (30, 360)):  # dust far from the subject
        draw.rectangle((x, y, x + 3, y + 3), fill=(60, 60, 60))
    draw.rectangle((190, 190, 205, 205), fill="white")  # a white detail inside the product
    cut = li.cut_out(image)
    assert cut.width <= 210 and cut.height <= 210
    assert cut.getpixel((cut.width // 2, cut.height // 2))[3] == 255


def test_cut_out_falls_back_to_the_whole_image_when_nothing_stands_out():
    plain = Image.new("RGB", (120, 80), (200, 200, 200))
    cut = li.cut_out(plain)
    assert cut.size == (120, 80)
    assert cut.getextrema()[3] == (255, 255)


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "P", "L", "LA", "CMYK", "I;16", "1"])
def test_cut_out_accepts_any_mode_and_leaves_the_input_untouched(mode):
    image = red_square_on_white().convert(mode)
    before = image.tobytes()
    cut = li.cut_out(image)
    assert cut.mode == "RGBA"
    assert cut.width < 300 and cut.height < 300
    assert image.tobytes() == before and image.mode == mode


# --------------------------------------------------------------------------- compose_ppl
@pytest.fixture(scope="module")
def ppl():
    scene, product = blueish_scene(), red_product()
    return scene, product, li.compose_ppl(scene, product, seed=11)


def test_compose_ppl_returns_rgb_at_the_requested_size(ppl):
    scene, product, out = ppl
    assert out.mode == "RGB"
    assert out.size == li.output_size("match_input_image", scene.size) == (1024, 683)
    wide = li.compose_ppl(scene, product, aspect_ratio="9:16", seed=11)
    assert wide.size == (576, 1024)


def test_compose_ppl_places_the_cut_out_product_without_its_white_background(ppl):
    _, _, out = ppl
    assert count(out, strongly_red) > 5_000  # the product is there, at a visible size
    assert count(out, near_white) < 300  # its white backdrop was removed


def test_compose_ppl_puts_the_product_in_the_lower_half_away_from_the_busy_corner(ppl):
    _, _, out = ppl
    left, top, right, bottom = red_box(out)
    assert (top + bottom) / 2 > out.height / 2
    assert bottom <= out.height and left > 0 and right < out.width
    assert 0.25 * out.height < bottom - top < 0.5 * out.height  # a plausible scale


def test_compose_ppl_casts_a_shadow_just_below_the_product(ppl):
    scene, _, out = ppl
    left, _, right, bottom = red_box(out)
    quarter = (right - left) // 4
    below = (left + quarter, bottom + 1, right - quarter, bottom + 8)
    plain = ImageOps.fit(scene, out.size, Image.Resampling.LANCZOS)
    assert mean_luminance(out, below) < mean_luminance(plain, below) - 8


def test_compose_ppl_is_deterministic_for_a_seed(ppl):
    scene, product, out = ppl
    again = li.compose_ppl(scene, product, seed=11)
    assert again.tobytes() == out.tobytes()


def test_compose_ppl_leaves_its_inputs_untouched_and_accepts_other_modes():
    scene, product = blueish_scene().convert("P"), red_product().convert("CMYK")
    before = (scene.tobytes(), product.tobytes())
    out = li.compose_ppl(scene, product, aspect_ratio="1:1", seed=3)
    assert out.size == (1024, 1024) and out.mode == "RGB"
    assert (scene.tobytes(), product.tobytes()) == before


def test_compose_ppl_rejects_an_unknown_ratio():
    with pytest.raises(ValueError):
        li.compose_ppl(blueish_scene(), red_product(), aspect_ratio="5:7")


# --------------------------------------------------------------------------- compose_goods
@functools.cache
def _goods_image(kind: str) -> Image.Image:
    return li.compose_goods(magenta_character(), goods_type=kind, seed=5)


class _Goods(dict):
    """Each goods type composed on first use, once per process: parallel test processes each
    compose only the types their tests ask for (all eight took seconds per process)."""

    def __missing__(self, kind: str) -> Image.Image:
        return _goods_image(kind)


@pytest.fixture
def goods():
    return _Goods()


def test_every_required_goods_type_is_offered():
    required = {"mug", "t_shirt", "tote_bag", "phone_case", "keyring", "sticker", "poster", "cushion"}
    assert required <= set(li.GOODS_TYPES)


@pytest.mark.parametrize("kind", li.GOODS_TYPES)
def test_compose_goods_prints_the_character_at_the_requested_size(goods, kind):
    out = goods[kind]
    assert out.mode == "RGB" and out.size == (1024, 1024)
    assert count(out, magenta) > 2_000


def test_compose_goods_draws_each_type_visibly_differently(goods):
    for a, b in itertools.combinations(li.GOODS_TYPES, 2):
        difference = ImageStat.Stat(ImageChops.difference(goods[a], goods[b]).convert("L")).mean[0]
        assert difference > 6, (a, b, difference)


def test_compose_goods_honours_other_aspect_ratios():
    out = li.compose_goods(magenta_character(), goods_type="mug", aspect_ratio="16:9")
    assert out.size == (1024, 576)
    assert count(out, magenta) > 1_000


def test_compose_goods_is_deterministic_for_a_seed(goods):
    again = li.compose_goods(magenta_character(), goods_type="t_shirt", seed=5)
    assert again.tobytes() == goods["t_shirt"].tobytes()


def test_compose_goods_takes_the_item_colour_from_the_prompt(goods):
    black = li.compose_goods(magenta_character(), goods_type="t_shirt", prompt="a black tee", seed=5)
    middle = (312, 312, 712, 712)
    assert mean_luminance(black, middle) < mean_luminance(goods["t_shirt"], middle) - 60


def test_compose_goods_accepts_a_transparent_character_and_leaves_it_untouched():
    character = magenta_character().convert("RGBA")
    character.putalpha(magenta_character().convert("L").point(lambda v: 255 * (v < 250)))
    character = character.convert("P")
    before = character.tobytes()
    out = li.compose_goods(character, goods_type="sticker", seed=1)
    assert count(out, magenta) > 2_000
    assert character.tobytes() == before


def test_compose_goods_rejects_an_unknown_type_or_ratio():
    with pytest.raises(ValueError):
        li.compose_goods(magenta_character(), goods_type="hat")
    with pytest.raises(ValueError):
        li.compose_goods(magenta_character(), goods_type="mug", aspect_ratio="3:1")


def test_cut_out_keeps_a_big_see_through_hole_but_fills_an_outlined_white_product():
    ring = Image.new("RGB", (400, 400), "white")
    ImageDraw.Draw(ring).ellipse((60, 60, 340, 340), fill=(30, 60, 200))
    ImageDraw.Draw(ring).ellipse((140, 140, 260, 260), fill="white")  # the hole of a donut
    cut = li.cut_out(ring)
    assert cut.getpixel((cut.width // 2, cut.height // 2))[3] == 0

    label = Image.new("RGB", (400, 400), "white")  # an off-white box with a grey outline
    ImageDraw.Draw(label).rectangle((80, 80, 320, 320), fill=(244, 243, 240), outline=(90, 90, 90), width=4)
    cut = li.cut_out(label)
    assert 235 <= cut.width <= 250
    assert cut.getpixel((cut.width // 2, cut.height // 2))[3] == 255
