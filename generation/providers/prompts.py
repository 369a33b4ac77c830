"""Prompts that a product designer would write, shared by the providers that take text.

Kontext-style models edit what they are shown: the prompts say what to keep (the character's
identity, colours and line work) as firmly as what to make, because that is what goes wrong.
"""

from __future__ import annotations

_KEEP_CHARACTER = (
    "Keep the character exactly as in the reference image: same face, proportions, colours, "
    "outlines and details; do not redraw, restyle or add text to it."
)

GOODS_PROMPTS: dict[str, str] = {
    "mug": (
        "Professional e-commerce product photo of a glossy white ceramic coffee mug with the "
        "character from the image printed on its side, wrapped naturally around the curved "
        "surface with correct perspective. Three-quarter view with the handle on the right, on "
        "a clean light-grey studio background, soft diffused lighting, gentle reflections on the "
        "glaze and a soft contact shadow."
    ),
    "t_shirt": (
        "Professional apparel mock-up of a plain white crew-neck cotton t-shirt, front view, "
        "laid flat or on an invisible mannequin, with the character from the image screen-printed "
        "centred on the chest at a natural print size. The print follows the fabric's folds and "
        "texture. Clean light studio background, even soft lighting."
    ),
    "tote_bag": (
        "Product photo of a natural off-white canvas tote bag with long cotton handles, hanging "
        "straight, front view, with the character from the image printed centred on the front "
        "panel. The print shows the woven canvas texture. Clean neutral studio background, soft "
        "even lighting, subtle shadow."
    ),
    "phone_case": (
        "Product photo of a slim glossy smartphone case seen from the back at a slight angle, "
        "with the character from the image printed edge to edge around the camera cut-out, "
        "sharp and centred. Clean white studio background, soft lighting with a subtle "
        "highlight along the case's curved edges."
    ),
    "keyring": (
        "Product photo of a clear acrylic keyring charm cut to the character's outline with a "
        "thin even border, the character from the image printed on it, attached by a small "
        "silver jump ring to a metal key ring. Close-up on a clean light background, soft "
        "lighting with small reflections on the acrylic edges."
    ),
    "sticker": (
        "Product photo of a die-cut vinyl sticker of the character from the image, cut along "
        "its outline with an even white border, lying flat on a clean light surface with one "
        "corner slightly lifted. Matte finish, crisp edges, soft top lighting, subtle shadow."
    ),
    "poster": (
        "Mock-up of a framed art poster on a softly lit, plain light wall: a thin black frame "
        "with a white mat around the character from the image, printed large and centred on "
        "matte paper. Straight front view, natural daylight, subtle shadow under the frame."
    ),
    "cushion": (
        "Product photo of a square soft fabric throw cushion on a neutral sofa, front view, "
        "with the character from the image printed centred on the cover. The print follows "
        "the cushion's plump shape and the fabric's weave. Warm soft interior lighting."
    ),
}


def goods_prompt(goods_type: str, extra: str) -> str:
    """The designer's prompt for a goods type, with the user's extra wishes appended."""
    base = GOODS_PROMPTS.get(goods_type) or (
        f"Professional product photo of a {goods_type.replace('_', ' ')} with the character from "
        "the image printed on it. Clean studio background, soft lighting."
    )
    prompt = f"{base} {_KEEP_CHARACTER}"
    extra = (extra or "").strip()
    if extra:
        prompt += f" Additional request: {extra}"
    return prompt


def ppl_prompt(extra: str) -> str:
    """Product placement: the user's instruction, with what must not change spelled out."""
    instruction = (extra or "").strip() or "Place the product naturally in the scene."
    return (
        f"{instruction} Use the first image as the scene and the second image as the product. "
        "Keep the product's shape, label, text and colours exactly as they are, and match the "
        "scene's lighting, perspective and shadows so it looks photographed there."
    )
