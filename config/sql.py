"""Reads whose SQL is written once per process, for the requests every client repeats.

The ORM builds and compiles a queryset's SQL again at every call: on the job detail, the endpoint
every client polls, that was more than half of a request's CPU (benchmarks/api_bench.py). A
`RowQuery` is one plain `SELECT <columns> FROM <table> WHERE <field> = %s AND ...` over one model,
its SQL made the first time it runs and its rows turned into model instances the way the ORM does
(each column through the backend's and the field's converters, then `Model.from_db`), so the
instances are the ones a queryset would give (fields left out are deferred, as with `only()`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from django.db import connections, models

M = TypeVar("M", bound=models.Model)


class RowQuery(Generic[M]):
    """`RowQuery(Job, where=["pk", "user"])(job_id, user_id)`: the rows whose fields equal the
    values given, in that order; `order_by` names fields (`"-field"` descending); `fields` limits
    the columns read (default: every concrete field)."""

    def __init__(
        self,
        model: type[M],
        *,
        where: Sequence[str],
        order_by: Sequence[str] = (),
        fields: Sequence[str] | None = None,
        using: str = "default",
    ) -> None:
        self.model, self.where, self.order_by, self.using = model, where, order_by, using
        meta = model._meta
        concrete = list(meta.concrete_fields)
        if fields is not None:
            wanted = {meta.get_field(name).attname for name in fields} | {meta.pk.attname}  # type: ignore[union-attr]
            concrete = [field for field in concrete if field.attname in wanted]
        self.fields: list[models.Field] = concrete
        self.attnames = [field.attname for field in concrete]
        self.params_fields: list[models.Field] = [
            meta.pk if name == "pk" else meta.get_field(name)  # type: ignore[misc]
            for name in where
        ]
        self._prepared: tuple[str, list[tuple[int, list[Callable], Any]]] | None = None
        self._lock = threading.Lock()

    def _prepare(self, connection) -> tuple[str, list[tuple[int, list[Callable], Any]]]:
        meta, quote = self.model._meta, connection.ops.quote_name
        table = quote(meta.db_table)
        conditions = [f"{table}.{quote(field.column)} = %s" for field in self.params_fields]
        order = []
        for name in self.order_by:
            column = getattr(meta.get_field(name.lstrip("-")), "column")  # noqa: B009 (a Field, not a relation)
            order.append(f"{table}.{quote(column)}{' DESC' if name.startswith('-') else ''}")
        columns = ", ".join(f"{table}.{quote(field.column)}" for field in self.fields)
        sql = f"SELECT {columns} FROM {table} WHERE {' AND '.join(conditions)}"  # noqa: S608 (names from the model)
        if order:
            sql += f" ORDER BY {', '.join(order)}"
        converters = []
        for index, field in enumerate(self.fields):
            column = field.get_col(meta.db_table)
            found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if found:
                converters.append((index, found, column))
        return sql, converters

    def __call__(self, *values: Any) -> list[M]:
        connection = connections[self.using]
        if self._prepared is None:
            with self._lock:
                if self._prepared is None:
                    self._prepared = self._prepare(connection)
        sql, converters = self._prepared
        params = [
            field.get_db_prep_value(value, connection, prepared=False)
            for field, value in zip(self.params_fields, values, strict=True)
        ]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        found = []
        for row in rows:
            converted = list(row)
            for index, functions, column in converters:
                value = converted[index]
                for function in functions:
                    value = function(value, column, connection)
                converted[index] = value
            found.append(self.model.from_db(self.using, self.attnames, converted))
        return found

    def first(self, *values: Any) -> M | None:
        rows = self(*values)
        return rows[0] if rows else None
