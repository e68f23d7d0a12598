"""Single-statement writes for the hot paths of a transition (bench report 2026-11-26, measurement 5).

The ORM spends a round trip on each question it cannot fold into the write: "is there a live deadline of
this kind already?", "is a document of this kind still pending?", "was this message sent before?". These
helpers ask the question inside the INSERT itself (``INSERT … SELECT … WHERE NOT EXISTS``, ``ON CONFLICT DO
NOTHING``) and return what the caller needs with ``RETURNING``. They write exactly the row ``save()`` would
(the fields' own ``pre_save``/``get_db_prep_save``, so defaults, encryption and JSON behave the same) but
send no ``pre_save``/``post_save`` signals: use them only for models nobody listens to.
"""

import re

from django.db import connections
from django.db.transaction import TransactionManagementError


_CASTS: dict = {}


def _cast(field, connection) -> str:
    """``%s::type`` for ``field`` on ``connection``, computed once per field and database (db_type() is
    the costliest part of building the statement: bench report 2026-11-27, measurement 5)."""
    key = (field, connection.alias)
    cast = _CASTS.get(key)
    if cast is None:
        cast = _CASTS[key] = _cast_sql(field, connection)
    return cast


def _cast_sql(field, connection) -> str:
    # INSERT … SELECT resolves untyped parameters as text on PostgreSQL; cast each to its column's type.
    # SQLite applies the column's affinity itself. The type without its modifier ("varchar", not
    # "varchar(60)"): an explicit cast would silently cut a long value, the assignment refuses it as save() does.
    if connection.vendor == "postgresql":
        return f"%s::{re.sub(r'[(].*[)]$', '', field.db_type(connection))}"
    return "%s"


def insert_returning(obj, *, unless_exists: tuple[str, list] | None = None, on_conflict: str = "",
                     returning: str = "", with_: tuple[str, list] | None = None, from_: str = "",
                     computed: dict[str, str] | None = None, using: str = "default"):
    """INSERT ``obj`` (a new, unsaved instance) in one statement and set its primary key.

    ``unless_exists=(sql, params)``: a subquery (``SELECT 1 FROM … WHERE …``); when it finds a row nothing is
    inserted. ``on_conflict``: e.g. ``"(dedupe_key) DO NOTHING"``. ``returning``: extra SQL expressions to
    return after the key. ``with_=(sql, params)`` puts common table expressions (``name AS (…)``) before the
    INSERT, ``from_`` names what the SELECT reads from (e.g. one of those), and ``computed`` maps field names
    to SQL expressions written instead of the instance's values (PostgreSQL only: SQLite has no
    data-modifying CTE). Returns the tuple of those extra values when a row was inserted, else None (and
    ``obj.pk`` stays None)."""
    connection = connections[using]
    meta = type(obj)._meta
    qn = connection.ops.quote_name
    computed = computed or {}
    fields = [f for f in meta.concrete_fields if not (f.primary_key and getattr(obj, f.attname) is None)]
    params = list(with_[1]) if with_ else []
    params += [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields if f.name not in computed]
    sql = (f"WITH {with_[0]} " if with_ else "") + (
        f"INSERT INTO {qn(meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) "
        f"SELECT {', '.join(computed.get(f.name) or _cast(f, connection) for f in fields)}"
        + (f" FROM {from_}" if from_ else ""))
    if unless_exists is not None:
        sql += f" WHERE NOT EXISTS ({unless_exists[0]})"
        params += list(unless_exists[1])
    elif on_conflict and connection.vendor == "sqlite":
        sql += " WHERE true"  # SQLite: "INSERT … SELECT … ON CONFLICT" needs a WHERE to parse
    if on_conflict:
        sql += f" ON CONFLICT {on_conflict}"
    sql += f" RETURNING {qn(meta.pk.column)}" + (f", {returning}" if returning else "")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:
        return None
    setattr(obj, meta.pk.attname, meta.pk.to_python(row[0]))
    obj._state.adding = False
    obj._state.db = using
    return tuple(row[1:])


def update_returning(model, assignments: dict, where: str, params: list, *, raw: dict | None = None,
                     using: str = "default") -> list:
    """``UPDATE <table> SET <assignments> WHERE <where> RETURNING *`` as model instances (ordered by pk), the
    rows locked as the UPDATE leaves them. ``assignments`` maps field names to Python values, ``raw`` field
    names to ``(sql, params)`` expressions."""
    connection = connections[using]
    meta = model._meta
    qn = connection.ops.quote_name
    sets, set_params = [], []
    for name, value in assignments.items():
        field = meta.get_field(name)
        sets.append(f"{qn(field.column)} = %s")
        set_params.append(field.get_db_prep_save(value, connection))
    for name, (sql, sql_params) in (raw or {}).items():
        sets.append(f"{qn(meta.get_field(name).column)} = {sql}")
        set_params.extend(sql_params)
    columns = ", ".join(qn(f.column) for f in meta.concrete_fields)
    sql = f"UPDATE {qn(meta.db_table)} SET {', '.join(sets)} WHERE {where} RETURNING {columns}"
    rows = list(model._base_manager.db_manager(using).raw(sql, set_params + list(params)))
    return sorted(rows, key=lambda row: row.pk)


def lock_row(model, pk, *, using: str = "default"):
    """``model._base_manager.select_for_update().get(pk=pk)``: the current row, locked until the transaction
    ends (not locked on SQLite, which has no row locks and serialises writers). Raises ``model.DoesNotExist``.

    A plain ``SELECT … FOR UPDATE`` through ``raw()``, without the ORM's query compilation: every service
    starts with this lock (median 1.13 → 1.00 ms a lock on the benchmark's data; the rest is the round trip
    and building the instance, measurement 5 of issue 8)."""
    connection = connections[using]
    meta = model._meta
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in meta.concrete_fields)
    lock = ""
    if connection.features.has_select_for_update:
        if not connection.in_atomic_block:  # as the ORM refuses: a lock that ends with its statement is none
            raise TransactionManagementError("lock_row() cannot be used outside of a transaction.")
        lock = " FOR UPDATE"
    sql = f"SELECT {columns} FROM {qn(meta.db_table)} WHERE {qn(meta.pk.column)} = %s{lock}"
    rows = list(model._base_manager.db_manager(using).raw(sql, [pk]))
    if not rows:
        raise model.DoesNotExist(f"{meta.object_name} matching pk={pk!r} does not exist.")
    return rows[0]
