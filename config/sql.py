"""Reads whose SQL is written once per process, for the requests every client repeats.

The ORM builds and compiles a queryset's SQL again at every call: on the job detail, the endpoint
every client polls, that was more than half of a request's CPU (benchmarks/api_bench.py). A
`RowQuery` is one plain `SELECT <columns> FROM <table> WHERE <field> = %s AND ...` over one model,
its SQL made the first time it runs and its rows turned into model instances the way the ORM does
(each column through the backend's and the field's converters, then `Model.from_db`), so the
instances are the ones a queryset would give (fields left out are deferred, as with `only()`).
`ModelColumns` is that conversion on its own, for a statement written by hand that reads several
models in one row (a join).

PostgreSQL parses and plans every statement it is sent, which cost it more CPU than running them
(the job poll's join: ~0.8 ms of the server's CPU a poll, ~0.1 ms once prepared). A `Statement`
is therefore prepared once per database session (PREPARE, then EXECUTE at each run). Behind a
transaction-pooling PgBouncer a session's statements are not the next transaction's: set
DISABLE_SERVER_SIDE_CURSORS there (Django asks for it anyway) and they are sent as they are.
"""

from __future__ import annotations

import hashlib
import re
import threading
import weakref
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar

from django.db import DatabaseError, connections, models

M = TypeVar("M", bound=models.Model)

_PLACEHOLDER = re.compile(r"%\((\w+)\)s")
_NO_SUCH_STATEMENT = "26000"  # PostgreSQL's invalid_sql_statement_name


class Statement:
    """`Statement(build)`: the SQL `build(connection)` writes (values as `%(name)s`), run with
    `rows(params)`. On PostgreSQL sessions that outlive a request (see _sessions_keep_statements)
    it is prepared the first time a session runs it (the PREPARE is connection set-up: it goes to
    the connection directly, so query counts stay one per run); elsewhere it is sent as it is
    (SQLite keeps its own compiled statements)."""

    def __init__(self, build: Callable[[Any], str], *, using: str = "default") -> None:
        self.build, self.using = build, using
        self._texts: tuple[str, str, str, list[str]] | None = None
        self._sessions: weakref.WeakSet[Any] = weakref.WeakSet()  # connections that prepared it
        self._lock = threading.Lock()

    def _prepare_texts(self, connection) -> tuple[str, str, str, list[str]]:
        sql = self.build(connection)
        names: list[str] = []
        for name in _PLACEHOLDER.findall(sql):
            if name not in names:
                names.append(name)
        statement = f"studio_{hashlib.sha1(sql.encode(), usedforsecurity=False).hexdigest()[:16]}"
        numbered = _PLACEHOLDER.sub(lambda match: f"${names.index(match[1]) + 1}", sql)
        execute = (
            f"EXECUTE {statement}({', '.join(['%s'] * len(names))})" if names else f"EXECUTE {statement}"
        )
        return sql, f"PREPARE {statement} AS {numbered}", execute, names

    def rows(self, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        connection = connections[self.using]
        if self._texts is None:
            with self._lock:
                if self._texts is None:
                    self._texts = self._prepare_texts(connection)
        sql, prepare, execute, names = self._texts
        with connection.cursor() as cursor:
            if not _sessions_keep_statements(connection):
                cursor.execute(sql, params)
                return cursor.fetchall()
            values = [params[name] for name in names]
            for attempt in (1, 2):
                session = connection.connection
                if session not in self._sessions:
                    with connection.wrap_database_errors:
                        session.execute(prepare).close()
                    with self._lock:
                        self._sessions.add(session)
                try:
                    cursor.execute(execute, values)
                    return cursor.fetchall()
                except DatabaseError as exc:
                    # Gone from the session (a DISCARD ALL or DEALLOCATE): prepared again, unless
                    # the error broke a transaction that must end first.
                    missing = getattr(exc.__cause__, "sqlstate", None) == _NO_SUCH_STATEMENT
                    if attempt == 2 or not missing or connection.in_atomic_block:
                        raise
                    with self._lock:
                        self._sessions.discard(session)
            raise AssertionError("unreachable")  # the second attempt returns or raises


def _sessions_keep_statements(connection) -> bool:
    """PostgreSQL sessions that outlive a request (CONN_MAX_AGE, or a pool), not shared by a
    transaction pooler (DISABLE_SERVER_SIDE_CURSORS)."""
    settings = connection.settings_dict
    return (
        connection.vendor == "postgresql"
        and (settings["CONN_MAX_AGE"] != 0 or bool(settings["OPTIONS"].get("pool")))
        and not settings["DISABLE_SERVER_SIDE_CURSORS"]
    )


class ModelColumns(Generic[M]):
    """One model's columns in a SELECT (`select(connection)`: `"alias"."column", ...`, every
    concrete field or those named in `fields`, the primary key always) and the instance made from
    their values in a row (`instance(row, start)`: the `width` values from `start`)."""

    def __init__(
        self,
        model: type[M],
        *,
        alias: str | None = None,
        fields: Sequence[str] | None = None,
        using: str = "default",
    ) -> None:
        self.model, self.using = model, using
        meta = model._meta
        self.alias = alias or meta.db_table
        concrete = list(meta.concrete_fields)
        if fields is not None:
            wanted = {meta.get_field(name).attname for name in fields} | {meta.pk.attname}  # type: ignore[union-attr]
            concrete = [field for field in concrete if field.attname in wanted]
        self.fields: list[models.Field] = concrete
        self.attnames = [field.attname for field in concrete]
        self.width = len(concrete)
        self.pk_index = self.attnames.index(meta.pk.attname)
        self._converters: list[tuple[int, list[Callable], Any]] | None = None
        self._lock = threading.Lock()

    def select(self, connection) -> str:
        quote = connection.ops.quote_name
        return ", ".join(f"{quote(self.alias)}.{quote(field.column)}" for field in self.fields)

    def _prepare(self, connection) -> list[tuple[int, list[Callable], Any]]:
        converters = []
        for index, field in enumerate(self.fields):
            column = field.get_col(self.model._meta.db_table)
            found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if found:
                converters.append((index, found, column))
        return converters

    def instance(self, row: Sequence[Any], start: int = 0) -> M:
        connection = connections[self.using]
        if self._converters is None:
            with self._lock:
                if self._converters is None:
                    self._converters = self._prepare(connection)
        values = list(row[start : start + self.width])
        for index, functions, column in self._converters:
            value = values[index]
            for function in functions:
                value = function(value, column, connection)
            values[index] = value
        return self.model.from_db(self.using, self.attnames, values)


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
        self.columns = ModelColumns(model, fields=fields, using=using)
        self.params_fields: list[models.Field] = [
            meta.pk if name == "pk" else meta.get_field(name)  # type: ignore[misc]
            for name in where
        ]
        self.statement = Statement(self._sql, using=using)

    def _sql(self, connection) -> str:
        meta, quote = self.model._meta, connection.ops.quote_name
        table = quote(meta.db_table)
        conditions = [
            f"{table}.{quote(field.column)} = %(p{n})s" for n, field in enumerate(self.params_fields)
        ]
        order = []
        for name in self.order_by:
            column = getattr(meta.get_field(name.lstrip("-")), "column")  # noqa: B009 (a Field, not a relation)
            order.append(f"{table}.{quote(column)}{' DESC' if name.startswith('-') else ''}")
        sql = f"SELECT {self.columns.select(connection)} FROM {table} WHERE {' AND '.join(conditions)}"  # noqa: S608 (names from the model)
        if order:
            sql += f" ORDER BY {', '.join(order)}"
        return sql

    def __call__(self, *values: Any) -> list[M]:
        connection = connections[self.using]
        params = {
            f"p{n}": field.get_db_prep_value(value, connection, prepared=False)
            for n, (field, value) in enumerate(zip(self.params_fields, values, strict=True))
        }
        return [self.columns.instance(row) for row in self.statement.rows(params)]

    def first(self, *values: Any) -> M | None:
        rows = self(*values)
        return rows[0] if rows else None
