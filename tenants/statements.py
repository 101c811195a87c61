"""The hot path's SQL: tenant-scoped reads by key, row locks taken first come, first served, and a ledger
change written in one statement. ledger.change takes its locks and writes its changes here, and the
selectors of the cheapest, most frequent reads (an account by its id) read here; everything else uses
the ORM.

Building and compiling one ORM statement costs 1-3 ms of CPU on a small box, several times what PostgreSQL
spends running it (bench/README.md), and a payment is a handful of statements. These build each
statement's SQL once per model and shape, from the model's `_meta`, and cache it; rows come back as
ordinary model instances (`Model.from_db`, as the ORM builds them), so services and presenters work on
them unchanged. No library does this for Django: caching ORM results (django-cachalot) skips reads, not
writes; prepared statements would still pay the compiler first.

Reads are scoped like `Model.objects.for_tenant(ctx)`: the business and the context's entities are always
in the WHERE clause; there is no unscoped read here.
"""

from collections.abc import Sequence
from functools import cache
from typing import NamedTuple

from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.db.models import Model

from core.errors import NotFound
from core.ids import parse_uuid
from tenants.context import TenantContext


def get[M: Model](
    model: type[M], ctx: TenantContext, pk, *, lock: bool = False, related: str | None = None, **equal
) -> M | None:
    """The tenant's row of `model` with primary key `pk` (and the `equal` column values), or None.

    With `pk` None the `equal` columns alone find it (they must name one row at most, as an invoice's
    active payment link). `lock` takes its row lock (`FOR UPDATE OF` the model's table only), a row found
    by its key in its turn in the lock queue (see _lock_queue); `related` names a foreign key whose row is
    joined and cached on the instance, as `select_related` does.
    """
    names = tuple(sorted(equal))
    by_key = pk is not None
    sql = _select(((model, related, names, by_key),), lock)
    params = [_queue_key(model, ctx, pk)] if lock and by_key else []
    params += _where_params(model, ctx, pk, [equal[name] for name in names])
    found = _fetch(sql, params, ((model, related),))
    return found[0] if found else None


def get_by_key[M: Model](
    model: type[M], ctx: TenantContext, pk, *, what: str, field: str, lock: bool = False, **lookup
) -> M:
    """`get` for a key as a client sent it (any spelling parse_uuid reads): the row, or NotFound("`what`
    not found") on `field` when it is absent or the key is malformed."""
    key = parse_uuid(pk)
    row = get(model, ctx, key, lock=lock, **lookup) if key else None
    if row is None:
        raise NotFound(f"{what} not found", field=field)
    return row


def get_locked[M: Model](model: type[M], ctx: TenantContext, pk, *, what: str, field: str, **lookup) -> M:
    """`get_by_key` with the row locked in its turn."""
    return get_by_key(model, ctx, pk, what=what, field=field, lock=True, **lookup)


class Wanted(NamedTuple):
    """One row to lock by its key, as get_locked takes it."""

    model: type[Model]
    pk: object
    what: str
    field: str
    related: str | None = None


def get_locked_together(ctx: TenantContext, *wanted: Wanted) -> list[Model]:
    """The rows get_locked would return one by one, locked in one statement (a round trip fewer per row),
    each in its turn and in the order given. When one is absent, NotFound names the first absent one, as
    the calls one by one would."""
    keys = [parse_uuid(one.pk) for one in wanted]
    if None not in keys:
        sql = _select(tuple((one.model, one.related, (), True) for one in wanted), True)
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


def write(
    *,
    updates: Sequence[tuple[Model, Sequence[str]]] = (),
    inserts: Sequence[Model] = (),
    deletes: Sequence[Model] = (),
) -> None:
    """UPDATEs (of the named fields), INSERTs and DELETEs in one statement, one round trip: each a
    data-modifying WITH clause, which PostgreSQL runs exactly once. A ledger change holds its invoice's
    lock for one round trip, not five. An updated or deleted row that is not there fails the whole
    statement: it checks its own counts (row_written, tenants' migration 0006).

    The statement is held until the transaction's next statement or, when none comes, sent with its COMMIT
    in one round trip (config.postgres): a ledger change that ends its transaction holds its rows' locks
    for one round trip fewer. A field the database fills (`db_default`, a payment's number from its
    sequence) is then loaded when first read, like a deferred field: a query after the statement is sent.
    Sent at once (outside a transaction, or in a savepoint), the statement returns those fields.
    A key the database generates (an identity column) is not read back.

    Foreign keys are checked at commit (Django creates them DEFERRABLE INITIALLY DEFERRED), so a row may
    refer to another inserted by the same statement.

    PostgreSQL runs the WITH clauses in no promised order, so the rows of a model the database fills
    nothing of but its key (ledger events, applications, receipts) go in one multi-row INSERT: their keys
    follow the order they were added in, and so does the ledger's history.
    """
    shape = (
        tuple((type(row), tuple(fields)) for row, fields in updates),
        tuple(type(row) for row in inserts),
        tuple(type(row) for row in deletes),
    )
    sql, update_fields, insert_order = _write(shape)
    db = _db()
    params = []
    for (row, _), fields in zip(updates, update_fields, strict=True):
        params += [*_update_values(db, row, fields), row.pk]
    for index in insert_order:
        row = inserts[index]
        params += [field.get_db_prep_save(field.pre_save(row, True), db) for field in _insert(type(row))[1]]
    params += [row.pk for row in deletes]
    params += [f"{type(row).__name__} {row.pk}" for row in (*(row for row, _ in updates), *deletes)]
    found = db.execute_with_commit(sql, params)
    filled = iter(found or ())  # sent at once: the fields the database filled come first
    for row in inserts:
        for field in _insert(type(row))[2]:
            if found is None:  # held: loaded from its row when first read, as a deferred field is
                row.__dict__.pop(field.attname, None)
            else:
                setattr(row, field.attname, next(filled))
        row._state.adding, row._state.db = False, db.alias


# --- the statements, built once per shape ---------------------------------------------------------------


def _db():
    """This thread's connection itself. `django.db.connection` is a proxy that looks it up again on every
    attribute read, and Django's field conversions read several per value: 40-50 lookups per payment."""
    return connections[DEFAULT_DB_ALIAS]


def _queue_key(model: type[Model], ctx: TenantContext, pk) -> str:
    """The row's place in its lock queue: one spelling whichever form of its key was sent."""
    return f"{model._meta.db_table}:{ctx.business_id}:{model._meta.pk.to_python(pk)}"


def _where_params(model: type[Model], ctx: TenantContext, pk, equal: list) -> list:
    params = [ctx.business_id]
    if model.tenant_entity_field:
        params.append(list(ctx.entity_ids))
    if pk is not None:
        params.append(pk)
    return [*params, *equal]


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
def _select(sources: tuple[tuple[type[Model], str | None, tuple[str, ...], bool], ...], lock: bool) -> str:
    """One row of each (model, related, equal column names, by key) source, tenant-scoped, joined in one
    row; locked, each row found by its key in its turn (_lock_queue)."""
    quote = connection.ops.quote_name
    columns, tables, where = [], [], []
    for number, (model, related, equal, by_key) in enumerate(sources):
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
        if by_key:
            where.append(f"{alias}.{quote(meta.pk.column)} = %s")
        where += [f"{alias}.{quote(meta.get_field(name).column)} = %s" for name in equal]
    select = f"SELECT {', '.join(columns)} FROM {' CROSS JOIN '.join(tables)}"
    if not lock:
        return f"{select} WHERE {' AND '.join(where)}"
    locked = ", ".join(f"t{number}" for number in range(len(sources)))
    turns = sum(by_key for _, _, _, by_key in sources)
    if turns:
        select = f"WITH turn AS MATERIALIZED ({_lock_queue(turns)}) {select} CROSS JOIN turn"
    return f"{select} WHERE {' AND '.join(where)} FOR UPDATE OF {locked}"


def _lock_queue(turns: int) -> str:
    """The lock queue: `turns` places taken, left to right, just before the row locks, in one statement.

    PostgreSQL does not grant a row lock in the order it was asked for: when the holder commits, a newcomer
    that finds the row unlocked takes it before the waiter, which still has to be scheduled to wake up.
    Under contention (every client paying one invoice) some requests waited through dozens of others: p99
    4-5 x p50. A transaction-scoped advisory lock is a heavyweight lock, whose queue is first come, first
    served; taken in the same statement just before the row locks (LockRows runs on the joined row), it
    makes every locker of a row wait its turn. Its key (_queue_key) names the table, the business and the
    row, so no other tenant's request ever waits behind it.
    """
    return "SELECT " + ", ".join(["pg_advisory_xact_lock(hashtextextended(%s, 0))"] * turns)


def _update_values(db, row: Model, fields) -> list:
    return [field.get_db_prep_save(field.pre_save(row, False), db) for field in fields]


@cache
def _insert(model: type[Model], rows: int = 1):
    """(INSERT statement of `rows` rows, the fields it takes values for, the fields the database fills and
    it returns: only ever asked of one row)."""
    quote = connection.ops.quote_name
    meta = model._meta
    # A database-generated primary key (an identity column) is left out; a db_default is the database's.
    columns = [field for field in meta.concrete_fields if not (field.primary_key and field.db_returning)]
    filled = [field for field in columns if field.db_returning]
    values = f"({', '.join('DEFAULT' if field in filled else '%s' for field in columns)})"
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in columns)})"
        f" VALUES {', '.join([values] * rows)}"
    )
    if filled:
        sql += f" RETURNING {', '.join(quote(field.column) for field in filled)}"
    return sql, [field for field in columns if field not in filled], filled


@cache
def _update(model: type[Model], names: tuple[str, ...]):
    quote = connection.ops.quote_name
    meta = model._meta
    fields = [meta.get_field(name) for name in names]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    return f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s", fields


@cache
def _write(shape):
    updates, inserts, deletes = shape
    quote = connection.ops.quote_name
    clauses, counted, update_fields = [], [], []
    for number, (model, names) in enumerate(updates):
        sql, fields = _update(model, names)
        clauses.append(f"u{number} AS ({sql} RETURNING 1)")
        counted.append(f"u{number}")
        update_fields.append(fields)
    returned, insert_order = [], []
    for number, indexes in enumerate(_insert_groups(inserts)):
        sql, _, filled = _insert(inserts[indexes[0]], len(indexes))
        clauses.append(f"i{number} AS ({sql})")
        insert_order += indexes
        returned += [f"(SELECT {quote(field.column)} FROM i{number})" for field in filled]
    for number, model in enumerate(deletes):
        meta = model._meta
        clauses.append(
            f"d{number} AS (DELETE FROM {quote(meta.db_table)} WHERE {quote(meta.pk.column)} = %s RETURNING 1)"
        )
        counted.append(f"d{number}")
    checked = [f"row_written((SELECT count(*) FROM {name}), %s)" for name in counted]
    selected = ", ".join(returned + checked) or "1"
    return f"WITH {', '.join(clauses)} SELECT {selected}", update_fields, tuple(insert_order)


def _insert_groups(inserts: tuple[type[Model], ...]) -> list[list[int]]:
    """The inserts' indexes, one INSERT each: a model's rows together in one, in the order they were added,
    unless the database fills a field of it to read back (one row each, so each value is found)."""
    groups: dict[type[Model], list[int]] = {}
    single = []
    for index, model in enumerate(inserts):
        if _insert(model)[2]:
            single.append([index])
        else:
            groups.setdefault(model, []).append(index)
    return [*groups.values(), *single]
