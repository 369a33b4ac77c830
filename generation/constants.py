"""Values that are part of the API contract (provider-apis.md)."""

ASPECT_RATIOS = (
    "match_input_image",
    "1:1",
    "16:9",
    "9:16",
    "4:3",
    "3:4",
    "3:2",
    "2:3",
    "4:5",
    "5:4",
    "21:9",
    "9:21",
    "2:1",
    "1:2",
)
OUTPUT_FORMATS = ("png", "jpg")
GOODS_TYPES = ("mug", "t_shirt", "tote_bag", "phone_case", "keyring", "sticker", "poster", "cushion")
PROMPT_MAX_CHARS = 2000
SEED_MAX = 2**32 - 1
