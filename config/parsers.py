"""The API's JSON parser: DRF's, with the body size and nesting depth bounded before parsing.

Python's json module recurses once per nesting level, so `[` x 5000 raised RecursionError (a
500) inside DRF's parser; and DRF reads a JSON body whole whatever its size (Django checks
DATA_UPLOAD_MAX_MEMORY_SIZE only for `request.body` and forms). Here the body is read up to
JSON_BODY_MAX_BYTES (past it: 413 `payload_too_large`; parsing costs seconds of CPU per ten
megabytes of small arrays), its depth is measured on the raw bytes with the strings taken out,
and past MAX_JSON_DEPTH it is refused before parsing (400 `invalid` naming `body`).
"""

from __future__ import annotations

import operator
import re
from itertools import accumulate, count

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework import exceptions
from rest_framework.parsers import JSONParser
from rest_framework.utils import json

# Deeper than any request of this API needs (a template's slots are 3 levels), far below the
# interpreter's recursion limit.
MAX_JSON_DEPTH = 64

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)  # unrolled: linear, no backtracking
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")
_STEP = bytes.maketrans(b"[{]}", b"\x02\x02\x00\x00")  # an opening bracket 2, a closing one 0


def json_depth(raw: bytes) -> int:
    """How deeply the arrays and objects of a JSON text nest (brackets inside strings do not count).

    With opening brackets as 2 and closing ones as 0, the depth after k brackets is the running
    sum minus k: C-level iterators only (about 0.1 s for a megabyte of brackets)."""
    steps = _STRING.sub(b"", raw).translate(None, _NOT_BRACKET).translate(_STEP)
    if not steps:
        return 0
    return max(map(operator.sub, accumulate(steps), count(1)))


def json_body_max_bytes() -> int | None:
    """JSON_BODY_MAX_BYTES, within DATA_UPLOAD_MAX_MEMORY_SIZE (None: that one is off too)."""
    limits = [
        limit
        for limit in (settings.JSON_BODY_MAX_BYTES, settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        if limit is not None
    ]
    return min(limits) if limits else None


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        if stream is None:
            return None
        limit = json_body_max_bytes()
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise RequestDataTooBig("The request body is too large.")
        if json_depth(raw) > MAX_JSON_DEPTH:
            raise exceptions.ValidationError({"body": [f"is nested more than {MAX_JSON_DEPTH} levels deep."]})
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            parse_constant = json.strict_constant if self.strict else None
            return json.loads(raw.decode(encoding), parse_constant=parse_constant)
        except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError too
            raise exceptions.ParseError(f"JSON parse error - {exc}")
