"""Ids as the database can hold them: a bounded integer field, a bounded primary-key field and
an `<id:…>` path converter.

SQLite raises OverflowError for an integer parameter beyond 64 bits (a 500 for `?category=2**64`);
PostgreSQL would answer nothing found. Checking the range first gives one answer everywhere: 400
naming the field in a body or query, 404 in a path.
"""

from __future__ import annotations

from django.urls import register_converter
from rest_framework import serializers

ID_MAX = 2**63 - 1  # the largest signed 64-bit integer: bigint, and SQLite's INTEGER


class IdField(serializers.IntegerField):
    """A positive database id (1 … 2**63 - 1)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(**kwargs)


class BoundedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """PrimaryKeyRelatedField whose out-of-range ids are "does not exist", not a 500."""

    def to_internal_value(self, data):
        if isinstance(data, bool):
            self.fail("incorrect_type", data_type=type(data).__name__)
        try:
            number = int(data)
        except (TypeError, ValueError, OverflowError):
            self.fail("incorrect_type", data_type=type(data).__name__)
        if not 1 <= number <= ID_MAX or (isinstance(data, float) and data != number):
            self.fail("does_not_exist", pk_value=data)
        return super().to_internal_value(number)


def json_has_nul(value) -> bool:
    """Whether a JSON value holds the NUL character in any string or key (PostgreSQL's jsonb and
    text refuse it: a DataError, a 500, when it reaches the database)."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(json_has_nul(key) or json_has_nul(item) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return any(json_has_nul(item) for item in value)
    return False


class IdConverter:
    """`<id:name>` in a URL: digits that fit a 64-bit id (more never match: 404)."""

    regex = "[0-9]{1,18}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value) -> str:
        return str(value)


register_converter(IdConverter, "id")
