"""Write many narrow rows fast: the raw records, observations and results of a batch.

Django's `bulk_create` runs every value of every object through the field
API and builds one SQL text per chunk; for the thousands of rows a batch of
frames makes, that costs several times what the database itself spends.
These helpers take plain tuples in the order of the columns named and
write them in one go:

- PostgreSQL: binary `COPY`, with ids drawn beforehand from the table's
  sequence when the caller needs them (a multi-row `INSERT` for a few rows);
- SQLite: multi-row `INSERT … RETURNING` (SQLite 3.35 and later), in chunks
  under the bound-parameter limit.

Nothing is validated here: callers build rows from values they have
already checked, as they would hand objects to `bulk_create`. Values are
what the driver adapts: aware datetimes, bytes, and dicts for JSON columns.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.db.models import Model

# Binary COPY needs each column's type; Django's column types, by prefix.
_COPY_TYPES = (
    ("bigint", "int8"),
    ("integer", "int4"),
    ("smallint", "int2"),
    ("boolean", "bool"),
    ("double precision", "float8"),
    ("timestamp with time zone", "timestamptz"),
    ("jsonb", "jsonb"),
    ("bytea", "bytea"),
    ("varchar", "text"),
    ("text", "text"),
)
_sequences: dict[str, str] = {}
# Below this many rows one INSERT (one round trip) beats drawing ids and
# copying (two): a frame read on its own writes a handful of rows.
COPY_FROM_ROWS = 50


def constructor(model: type[Model], attnames: Sequence[str]) -> type[Model]:
    """Return `model` after checking its columns are `attnames`, in order.

    Callers build instances positionally (`Model(*values)`), which skips
    the keyword handling of `Model.__init__`; this guard turns a migration
    that adds, drops or reorders a column into an error at the first call
    instead of values in the wrong fields.
    """
    actual = tuple(f.attname for f in model._meta.concrete_fields)
    if actual != tuple(attnames):
        raise TypeError(
            f"{model.__name__} columns are {actual}, the fast writer expects "
            f"{tuple(attnames)}: update the writer with the model"
        )
    return model


def mark_saved(objects: Sequence[Model], ids: Sequence[int]) -> None:
    """Give objects written by `insert` their ids, as `bulk_create` does."""
    alias = connection.alias
    for obj, pk in zip(objects, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = alias


def insert(
    model: type[Model],
    columns: Sequence[str],
    rows: Sequence[tuple],
    *,
    returning: bool = True,
) -> list[int]:
    """Insert `rows` into `model`'s table; return the new ids in row order.

    `columns` are attribute names (`device_id`, not `device`). With
    `returning=False` no ids are drawn and the result is empty.
    """
    if not rows:
        return []
    fields = [model._meta.get_field(name) for name in columns]
    if connection.vendor == "postgresql" and len(rows) >= COPY_FROM_ROWS:
        return _copy(model, fields, rows, returning=returning)
    return _insert_values(model, fields, rows, returning=returning)


def insert_new(
    model: type[Model],
    columns: Sequence[str],
    rows: Sequence[tuple],
    *,
    unique: str,
) -> dict[object, int]:
    """Insert the rows whose `unique` column value is not stored yet.

    Return the new ids by that value. A value stored before, by this
    process or another, is left out by the database, never written twice.
    The rows must not repeat a value among themselves. On PostgreSQL the
    stored values are looked up first and the rest copied; if another
    writer stores one of them in between, the copy fails whole and the
    rows go again through `INSERT … ON CONFLICT DO NOTHING`.
    """
    if not rows:
        return {}
    fields = [model._meta.get_field(name) for name in columns]
    position = list(columns).index(unique)
    if connection.vendor == "postgresql":
        field = model._meta.get_field(unique)
        values = [row[position] for row in rows]
        stored = set(
            model._default_manager.filter(
                **{f"{field.attname}__in": values}
            ).values_list(field.attname, flat=True)
        )
        new = [row for row in rows if row[position] not in stored]
        try:
            with transaction.atomic():
                ids = _copy(model, fields, new, returning=True)
        except IntegrityError:
            pass
        else:
            return {row[position]: pk for row, pk in zip(new, ids, strict=True)}
    quote = connection.ops.quote_name
    conflict = (
        f" ON CONFLICT ({quote(fields[position].column)}) DO NOTHING "
        f"RETURNING {quote(model._meta.pk.column)}, {quote(fields[position].column)}"
    )
    return {
        value: pk
        for pk, value in _insert_values(
            model, fields, rows, returning=False, suffix=conflict, fetch=True
        )
    }


def _copy(model, fields, rows, *, returning: bool) -> list[int]:
    import psycopg

    table = model._meta.db_table
    quote = connection.ops.quote_name
    names = [quote(f.column) for f in fields]
    types = [_copy_type(f) for f in fields]
    sequence = _sequence(model._meta.db_table, model._meta.pk.column)
    connection.ensure_connection()
    ids: list[int] = []
    # Errors come out as Django's (IntegrityError and the rest), as they
    # would from a Django cursor, and the raw cursor is closed either way.
    with (
        connection.wrap_database_errors,
        psycopg.Cursor(connection.connection) as cursor,
    ):
        if returning:
            pk = model._meta.pk
            ids = sorted(
                row[0]
                for row in cursor.execute(
                    "SELECT nextval(%s) FROM generate_series(1, %s)",
                    (sequence, len(rows)),
                )
            )
            names.insert(0, quote(pk.column))
            types.insert(0, _copy_type(pk))
            rows = [(pk_value, *row) for pk_value, row in zip(ids, rows, strict=True)]
        with cursor.copy(
            f"COPY {quote(table)} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)"
        ) as copy:
            copy.set_types(types)
            for row in rows:
                copy.write_row(row)
    return ids


def _copy_type(field) -> str:
    db_type = field.db_type(connection)
    for prefix, name in _COPY_TYPES:
        if db_type.startswith(prefix):
            return name
    raise TypeError(f"{field}: no COPY type for column type {db_type!r}")


def _sequence(table: str, column: str) -> str:
    key = f"{table}.{column}"
    if key not in _sequences:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [table, column])
            _sequences[key] = cursor.fetchone()[0]
    return _sequences[key]


def _insert_values(
    model, fields, rows, *, returning: bool, suffix: str = "", fetch: bool = False
) -> list:
    table = model._meta.db_table
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    adapt = _adapters(fields)
    one = "(" + ", ".join(["%s"] * len(fields)) + ")"
    per_statement = max(1, (connection.features.max_query_params or 999) // len(fields))
    if returning:
        suffix = f" RETURNING {quote(model._meta.pk.column)}"
    fetched: list = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            params = [
                value if convert is None else convert(value)
                for row in chunk
                for value, convert in zip(row, adapt, strict=True)
            ]
            cursor.execute(
                f"INSERT INTO {quote(table)} ({columns}) "
                f"VALUES {', '.join([one] * len(chunk))}{suffix}",
                params,
            )
            if returning:
                fetched.extend(row[0] for row in cursor.fetchall())
            elif fetch:
                fetched.extend(cursor.fetchall())
    return fetched


def _adapters(fields) -> list:
    """Return, per column, how a value becomes a parameter (None: as it is)."""
    adapters = []
    for field in fields:
        kind = field.get_internal_type()
        if kind == "JSONField":
            adapters.append(_json)
        elif kind == "DateTimeField" and connection.vendor != "postgresql":
            adapters.append(_datetime_adapter())
        else:
            adapters.append(None)
    return adapters


def _datetime_adapter():
    # A batch repeats the same few datetime objects (one per frame) many
    # times; they are remembered by identity, as hashing an aware datetime
    # costs a UTC offset computation each time.
    seen: dict[int, tuple[datetime, str]] = {}

    def adapt(value: datetime | None):
        if value is None:
            return None
        held = seen.get(id(value))
        if held is None or held[0] is not value:
            held = seen[id(value)] = (
                value,
                connection.ops.adapt_datetimefield_value(value),
            )
        return held[1]

    return adapt


def _json(value):
    if connection.vendor == "postgresql":
        from psycopg.types.json import Jsonb

        return Jsonb(value)
    return json.dumps(value)


def cache_related(obj: Model, **related: Model | None) -> None:
    """Remember related objects on `obj`, so reading them runs no query."""
    meta = obj._meta
    for name, value in related.items():
        meta.get_field(name).set_cached_value(obj, value)
