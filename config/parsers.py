"""The API's JSON parser: DRF's, with the body size and nesting depth bounded before parsing.

Python's json module recurses once per nesting level, so `[` x 5000 raised RecursionError (a
500) inside DRF's parser; and DRF reads a JSON body whole whatever its size (Django checks
DATA_UPLOAD_MAX_MEMORY_SIZE only for `request.body` and forms). Here the body is read up to
that limit (past it: 413 `payload_too_large`), its depth is measured on the raw bytes with the
strings taken out, and past MAX_JSON_DEPTH it is refused (400 `invalid` naming `body`).
"""

from __future__ import annotations

import re
from itertools import accumulate

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from rest_framework import exceptions
from rest_framework.parsers import JSONParser
from rest_framework.utils import json

# Deeper than any request of this API needs (a template's slots are 3 levels), far below the
# interpreter's recursion limit.
MAX_JSON_DEPTH = 64

_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_NOT_BRACKET = bytes(b for b in range(256) if b not in b"[]{}")


def json_depth(raw: bytes) -> int:
    """How deeply the arrays and objects of a JSON text nest (brackets inside strings do not count)."""
    brackets = _STRING.sub(b"", raw).translate(None, _NOT_BRACKET)
    if not brackets:
        return 0
    return max(accumulate(1 if byte in b"[{" else -1 for byte in brackets))


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        if stream is None:
            return None
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise RequestDataTooBig("The request body is too large.")
        if json_depth(raw) > MAX_JSON_DEPTH:
            raise exceptions.ValidationError({"body": [f"is nested more than {MAX_JSON_DEPTH} levels deep."]})
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = raw.decode(encoding)
            parse_constant = json.strict_constant if self.strict else None
            return json.loads(text, parse_constant=parse_constant)
        except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
            raise exceptions.ParseError(f"JSON parse error - {exc}")
