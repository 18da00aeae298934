"""Bulk inserts for large operation batches: COPY on PostgreSQL, the ORM's bulk_create elsewhere.

Loading a 1,000-element diagram is one batch of 3,000 operations: 1,000 element rows, 2,000 flow
rows and 3,000 log rows. Django's ``bulk_create`` builds a model instance and an adapted parameter
per value for each of them, and setting the parents of new elements afterwards is a
``bulk_update`` of one CASE per row; together they were three quarters of the batch's time. COPY
streams the same rows in one statement, the new rows' ids are read back by their keys (unique per
threat model), and parents are set by one UPDATE from two arrays. SQLite (the embedded default)
keeps the ORM path.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection, models
from psycopg.types.json import Jsonb


def copy_available() -> bool:
    return connection.vendor == "postgresql"


def insert_rows(model: type[models.Model], fields: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Insert ``rows`` (values in the order of ``fields``, foreign keys by ``<name>_id``) with COPY."""
    meta = model._meta
    concrete = [_field(model, name) for name in fields]
    columns = [str(f.column) for f in concrete]
    json_at = {i for i, f in enumerate(concrete) if isinstance(f, models.JSONField)}
    quote = connection.ops.quote_name
    statement = f"COPY {quote(meta.db_table)} ({', '.join(quote(c) for c in columns)}) FROM STDIN"
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row([Jsonb(v) if i in json_at and v is not None else v for i, v in enumerate(row)])


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    found = model._meta.get_field(name.removesuffix("_id"))
    if not isinstance(found, models.Field) or not found.column:
        raise TypeError(f"{model.__name__}.{name} is not a column")
    return found


def ids_by_key(model: type[models.Model], threat_model_id: int, keys: Sequence[str]) -> dict[str, int]:
    """The row id of each key of ``model`` in the threat model (keys are unique per model)."""
    rows = model._default_manager.filter(threat_model_id=threat_model_id, key__in=list(keys)).values_list("key", "pk")
    return {key: pk for key, pk in rows}


def set_parents(pairs: Sequence[tuple[int, int | None]]) -> None:
    """Set ``parent_id`` of elements, one UPDATE for all: ``pairs`` are (element id, parent id or None)."""
    if not pairs:
        return
    from dfd.models import Element

    table = connection.ops.quote_name(Element._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS e SET parent_id = v.parent FROM "
            "(SELECT unnest(%s::bigint[]) AS id, unnest(%s::bigint[]) AS parent) AS v WHERE e.id = v.id",
            [[pk for pk, _ in pairs], [parent for _, parent in pairs]],
        )
