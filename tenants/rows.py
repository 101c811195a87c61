"""Single-row reads and writes of the ledger's hot path, without Django's query compiler.

Building and compiling one ORM statement costs 1-3 ms of CPU on a small box, several times what PostgreSQL
spends running it (bench/README.md, "Profile"), and recording a payment takes about ten statements. These
helpers build each statement's SQL once per model and shape, from the model's `_meta`, and cache it; rows
come back as ordinary model instances (`Model.from_db`, as the ORM builds them), so the services and
presenters work on them unchanged. No library does this for Django: caching ORM results (django-cachalot)
skips reads, not writes; prepared statements would still pay the compiler first. Everything off the hot
path uses the ORM.

Reads are scoped like `Model.objects.for_tenant(ctx)`: the business and the context's entities are always
in the WHERE clause; there is no unscoped read here.
"""

from collections.abc import Sequence
from functools import cache
from typing import NamedTuple

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections
from django.db.models import Model

from tenants.context import TenantContext
from tenants.errors import NotFound
from tenants.services import parse_uuid


def get[M: Model](
    model: type[M], ctx: TenantContext, pk, *, lock: bool = False, related: str | None = None, **equal
) -> M | None:
    """The tenant's row of `model` with primary key `pk` (and the `equal` column values), or None.

    `lock` takes its row lock (`FOR UPDATE OF` the model's table only), in the order the requests for it
    arrived (see _select); `related` names a foreign key whose row is joined and cached on the instance,
    as `select_related` does.
    """
    names = tuple(sorted(equal))
    sql = _select(((model, related, names),), lock)
    params = [_queue_key(model, ctx, pk)] if lock else []
    params += _where_params(model, ctx, pk, [equal[name] for name in names])
    found = _fetch(sql, params, ((model, related),))
    return found[0] if found else None


def get_locked[M: Model](model: type[M], ctx: TenantContext, pk, *, what: str, field: str, **lookup) -> M:
    """`get(..., lock=True)` for a key as a client sent it (any spelling parse_uuid reads): the row, locked
    in its turn, or NotFound("`what` not found") on `field` when it is absent or the key is malformed."""
    key = parse_uuid(pk)
    row = get(model, ctx, key, lock=True, **lookup) if key else None
    if row is None:
        raise NotFound(f"{what} not found", field=field)
    return row


class Wanted(NamedTuple):
    """One row for get_locked_together, as get_locked takes it."""

    model: type[Model]
    pk: object
    what: str
    field: str
    related: str | None = None


def get_locked_together(ctx: TenantContext, *wanted: Wanted) -> list[Model]:
    """The rows get_locked would return one by one, locked in one statement (a round trip fewer per row),
    each in its turn and in the order given: the ledger's fixed lock order. When one is absent, NotFound
    names the first absent one, as the calls one by one would."""
    keys = [parse_uuid(one.pk) for one in wanted]
    if None not in keys:
        sql = _select(tuple((one.model, one.related, ()) for one in wanted), True)
        params = [_queue_key(one.model, ctx, key) for one, key in zip(wanted, keys, strict=True)]
        for one, key in zip(wanted, keys, strict=True):
            params += _where_params(one.model, ctx, key, [])
        found = _fetch(sql, params, tuple((one.model, one.related) for one in wanted))
        if found:
            return found
    # Which one is absent: locked one by one in the same order, the first absent raises.
    return [
        get_locked(one.model, ctx, one.pk, what=one.what, field=one.field, related=one.related)
        for one in wanted
    ]


def _queue_key(model: type[Model], ctx: TenantContext, pk) -> str:
    """The row's place in its lock queue (see _select): one spelling whichever form of its key was sent."""
    return f"{model._meta.db_table}:{ctx.business_id}:{model._meta.pk.to_python(pk)}"


def _where_params(model: type[Model], ctx: TenantContext, pk, equal: list) -> list:
    params = [ctx.business_id]
    if model.tenant_entity_field:
        params.append(list(ctx.entity_ids))
    return [*params, pk, *equal]


def _fetch(sql: str, params: list, shapes) -> list[Model] | None:
    """Runs a _select statement; its row as one instance per (model, related), the related row cached."""
    db = _db()
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchone()
    if found is None:
        return None
    instances, start = [], 0
    for model, related in shapes:
        width = len(model._meta.concrete_fields)
        row = _instance(db, model, found[start : start + width])
        start += width
        if related:
            field = model._meta.get_field(related)
            width = len(field.related_model._meta.concrete_fields)
            field.set_cached_value(row, _instance(db, field.related_model, found[start : start + width]))
            start += width
        instances.append(row)
    return instances


def insert(row: Model) -> Model:
    """INSERTs `row` as `Model.save(force_insert=True)` would (defaults, auto_now_add), without signals."""
    sql, fields, returning = _insert(type(row))
    db = _db()
    with db.cursor() as cursor:
        if returning is None:
            cursor.execute(sql, _insert_values(db, row, fields))
        else:
            cursor.execute(
                f"{sql} RETURNING {db.ops.quote_name(returning.column)}", _insert_values(db, row, fields)
            )
            setattr(row, returning.attname, cursor.fetchone()[0])
    row._state.adding, row._state.db = False, db.alias
    return row


def update(row: Model, fields: tuple[str, ...], *, with_commit: bool = False) -> None:
    """UPDATEs `fields` of `row` (auto_now fields among them get the time now), as `save(update_fields=...)`.

    `with_commit` sends it with the transaction's COMMIT, in one round trip (config.postgres), for a row
    this transaction wrote itself: nothing reads its row count then.
    """
    sql, model_fields = _update(type(row), fields)
    db = _db()
    params = [*_update_values(db, row, model_fields), row.pk]
    if with_commit:
        db.execute_with_commit(sql, params)
        return
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        _check_updated(row, cursor.rowcount)


def write(*, updates: Sequence[tuple[Model, tuple[str, ...]]] = (), inserts: Sequence[Model] = ()) -> None:
    """UPDATEs and INSERTs in one statement, one round trip: each a data-modifying WITH clause, which
    PostgreSQL runs exactly once. A ledger change holds its invoice's lock for one round trip, not five.

    Foreign keys are checked at commit (Django creates them DEFERRABLE INITIALLY DEFERRED), so a row may
    refer to another inserted by the same statement. Keys generated by the database are not read back.
    """
    shape = (tuple((type(row), fields) for row, fields in updates), tuple(type(row) for row in inserts))
    sql, update_fields, insert_fields = _write(shape)
    db = _db()
    params = []
    for (row, _), fields in zip(updates, update_fields, strict=True):
        params += [*_update_values(db, row, fields), row.pk]
    for row, fields in zip(inserts, insert_fields, strict=True):
        params += _insert_values(db, row, fields)
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        updated = cursor.fetchone()[: len(updates)]
    for (row, _), count in zip(updates, updated, strict=True):
        _check_updated(row, count)
    for row in inserts:
        row._state.adding, row._state.db = False, db.alias


def _check_updated(row: Model, count: int) -> None:
    if count != 1:
        raise DatabaseError(f"{type(row).__name__} {row.pk} was not updated")


# --- the statements, built once per shape ---------------------------------------------------------------


def _db():
    """This thread's connection itself. `django.db.connection` is a proxy that looks it up again on every
    attribute read, and Django's field conversions read several per value: 40-50 lookups per payment."""
    return connections[DEFAULT_DB_ALIAS]


def _instance(db, model: type[Model], values) -> Model:
    """A model instance from a row of all its concrete columns, converted as the ORM converts them."""
    attnames, converted = _loading(model)
    if converted:
        values = list(values)
        for index, field in converted:
            values[index] = field.from_db_value(values[index], field, db)
    return model.from_db(db.alias, attnames, values)


@cache
def _loading(model: type[Model]):
    fields = model._meta.concrete_fields
    converted = [(index, field) for index, field in enumerate(fields) if hasattr(field, "from_db_value")]
    return [field.attname for field in fields], converted


def _columns(alias: str, fields) -> str:
    return ", ".join(f"{alias}.{connection.ops.quote_name(field.column)}" for field in fields)


@cache
def _select(sources: tuple[tuple[type[Model], str | None, tuple[str, ...]], ...], lock: bool) -> str:
    """One row of each (model, related, equal column names) source, tenant-scoped, joined in one row."""
    quote = connection.ops.quote_name
    columns, tables, where = [], [], []
    for number, (model, related, equal) in enumerate(sources):
        meta, alias = model._meta, f"t{number}"
        columns.append(_columns(alias, meta.concrete_fields))
        table = f"{quote(meta.db_table)} {alias}"
        if related:
            foreign_key = meta.get_field(related)
            columns.append(_columns(f"r{number}", foreign_key.related_model._meta.concrete_fields))
            table += (
                f" JOIN {quote(foreign_key.related_model._meta.db_table)} r{number}"
                f" ON r{number}.{quote(foreign_key.target_field.column)} = {alias}.{quote(foreign_key.column)}"
            )
        tables.append(table)
        where.append(f"{alias}.business_id = %s")
        if model.tenant_entity_field:
            where.append(f"{alias}.{quote(meta.get_field(model.tenant_entity_field).column)} = ANY(%s)")
        where.append(f"{alias}.{quote(meta.pk.column)} = %s")
        where += [f"{alias}.{quote(meta.get_field(name).column)} = %s" for name in equal]
    select = f"SELECT {', '.join(columns)} FROM {' CROSS JOIN '.join(tables)}"
    if not lock:
        return f"{select} WHERE {' AND '.join(where)}"
    # PostgreSQL does not grant a row lock in the order it was asked for: when the holder commits, a
    # newcomer that finds the row unlocked takes it before the waiter, which still has to be scheduled to
    # wake up. Under contention (every client paying one invoice) some requests waited through dozens of
    # others: p99 4-5 x p50 (bench/README.md). A transaction-scoped advisory lock is a heavyweight lock,
    # whose queue is first come, first served; taken in the same statement just before the row locks
    # (LockRows runs on the joined row), it makes every locker of a row wait its turn. Its key names the
    # table, the business and the row, so no other tenant's request ever waits behind it. Several are taken
    # left to right, in the order of `sources`.
    turns = ", ".join(["pg_advisory_xact_lock(hashtextextended(%s, 0))"] * len(sources))
    locked = ", ".join(f"t{number}" for number in range(len(sources)))
    return (
        f"WITH turn AS MATERIALIZED (SELECT {turns}) {select} CROSS JOIN turn"
        f" WHERE {' AND '.join(where)} FOR UPDATE OF {locked}"
    )


def _update_values(db, row: Model, fields) -> list:
    return [field.get_db_prep_save(field.pre_save(row, False), db) for field in fields]


def _insert_values(db, row: Model, fields) -> list:
    return [field.get_db_prep_save(field.pre_save(row, True), db) for field in fields]


@cache
def _insert(model: type[Model]):
    quote = connection.ops.quote_name
    meta = model._meta
    # A database-generated primary key (an identity column) is left out.
    returning = meta.pk if meta.pk.db_returning else None
    fields = [field for field in meta.concrete_fields if field is not returning]
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)})"
        f" VALUES ({', '.join(['%s'] * len(fields))})"
    )
    return sql, fields, returning


@cache
def _update(model: type[Model], names: tuple[str, ...]):
    quote = connection.ops.quote_name
    meta = model._meta
    fields = [meta.get_field(name) for name in names]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    return f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s", fields


@cache
def _write(shape):
    updates, inserts = shape
    clauses, update_fields, insert_fields = [], [], []
    for number, (model, names) in enumerate(updates):
        sql, fields = _update(model, names)
        clauses.append(f"u{number} AS ({sql} RETURNING 1)")
        update_fields.append(fields)
    for number, model in enumerate(inserts):
        sql, fields, _ = _insert(model)
        clauses.append(f"i{number} AS ({sql})")
        insert_fields.append(fields)
    counts = ", ".join(f"(SELECT count(*) FROM u{number})" for number in range(len(updates))) or "1"
    return f"WITH {', '.join(clauses)} SELECT {counts}", update_fields, insert_fields
