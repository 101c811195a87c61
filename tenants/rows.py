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

from functools import cache

from django.db import DatabaseError, connection
from django.db.models import Model

from tenants.context import TenantContext


def get[M: Model](
    model: type[M], ctx: TenantContext, pk, *, lock: bool = False, related: str | None = None, **equal
) -> M | None:
    """The tenant's row of `model` with primary key `pk` (and the `equal` column values), or None.

    `lock` takes its row lock (`FOR UPDATE OF` the model's table only); `related` names a foreign key whose
    row is joined and cached on the instance, as `select_related` does.
    """
    sql, fields, related_fields = _select(model, related, lock, tuple(sorted(equal)))
    params = [ctx.business_id]
    if model.tenant_entity_field:
        params.append(list(ctx.entity_ids))
    params += [pk, *(equal[name] for name in sorted(equal))]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchone()
    if found is None:
        return None
    row = _instance(model, fields, found[: len(fields)])
    if related:
        field = model._meta.get_field(related)
        field.set_cached_value(row, _instance(field.related_model, related_fields, found[len(fields) :]))
    return row


def insert(row: Model) -> Model:
    """INSERTs `row` as `Model.save(force_insert=True)` would (defaults, auto_now_add), without signals."""
    sql, fields, returning = _insert(type(row))
    values = [field.get_db_prep_save(field.pre_save(row, True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        if returning is not None:
            setattr(row, returning.attname, cursor.fetchone()[0])
    row._state.adding, row._state.db = False, connection.alias
    return row


def update(row: Model, fields: tuple[str, ...]) -> None:
    """UPDATEs `fields` of `row` (auto_now fields among them get the time now), as `save(update_fields=...)`."""
    sql, model_fields = _update(type(row), fields)
    values = [field.get_db_prep_save(field.pre_save(row, False), connection) for field in model_fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*values, row.pk])
        if cursor.rowcount != 1:
            raise DatabaseError(f"{type(row).__name__} {row.pk} was not updated")


# --- the statements, built once per shape ---------------------------------------------------------------


def _instance(model: type[Model], fields, values) -> Model:
    values = [
        field.from_db_value(value, field, connection) if hasattr(field, "from_db_value") else value
        for field, value in zip(fields, values, strict=True)
    ]
    return model.from_db(connection.alias, [field.attname for field in fields], values)


def _columns(alias: str, fields) -> str:
    return ", ".join(f"{alias}.{connection.ops.quote_name(field.column)}" for field in fields)


@cache
def _select(model: type[Model], related: str | None, lock: bool, equal: tuple[str, ...]):
    quote = connection.ops.quote_name
    meta = model._meta
    fields = meta.concrete_fields
    columns, joins, related_fields = _columns("t", fields), "", ()
    if related:
        foreign_key = meta.get_field(related)
        related_fields = foreign_key.related_model._meta.concrete_fields
        columns += ", " + _columns("r", related_fields)
        joins = (
            f" JOIN {quote(foreign_key.related_model._meta.db_table)} r"
            f" ON r.{quote(foreign_key.target_field.column)} = t.{quote(foreign_key.column)}"
        )
    where = ["t.business_id = %s"]
    if model.tenant_entity_field:
        where.append(f"t.{quote(meta.get_field(model.tenant_entity_field).column)} = ANY(%s)")
    where.append(f"t.{quote(meta.pk.column)} = %s")
    where += [f"t.{quote(meta.get_field(name).column)} = %s" for name in equal]
    sql = f"SELECT {columns} FROM {quote(meta.db_table)} t{joins} WHERE {' AND '.join(where)}"
    return sql + (" FOR UPDATE OF t" if lock else ""), fields, related_fields


@cache
def _insert(model: type[Model]):
    quote = connection.ops.quote_name
    meta = model._meta
    # A database-generated primary key (an identity column) is left out and read back.
    returning = meta.pk if meta.pk.db_returning else None
    fields = [field for field in meta.concrete_fields if field is not returning]
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(quote(field.column) for field in fields)})"
        f" VALUES ({', '.join(['%s'] * len(fields))})"
    )
    if returning is not None:
        sql += f" RETURNING {quote(returning.column)}"
    return sql, fields, returning


@cache
def _update(model: type[Model], names: tuple[str, ...]):
    quote = connection.ops.quote_name
    meta = model._meta
    fields = [meta.get_field(name) for name in names]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    return f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s", fields
