from uuid import UUID

from django.db.models import Model, QuerySet

from core.errors import NotFound
from core.ids import parse_uuid
from tenants import statements
from tenants.context import TenantContext
from tenants.models import Account


def one_or_none[M: Model](queryset: QuerySet[M]) -> M | None:
    """The row of a lookup by a unique key, or None. Unlike `.first()`, without an ORDER BY to compile
    and run (`.first()` orders by Meta.ordering, which costs a primary-key lookup a third of its time)."""
    found = list(queryset.order_by()[:1])
    return found[0] if found else None


def one_by_key[M: Model](queryset: QuerySet[M], key: object, *, what: str, field: str) -> M:
    """The row of `queryset` whose primary key is `key` as a client sent it (any spelling parse_uuid reads),
    or NotFound("`what` not found") on `field`: a malformed key finds nothing, never a 500."""
    pk = parse_uuid(key)
    row = one_or_none(queryset.filter(pk=pk)) if pk else None
    if row is None:
        raise NotFound(f"{what} not found", field=field)
    return row


def account_get(*, ctx: TenantContext, account_id: str | UUID) -> Account:
    return statements.get_by_key(Account, ctx, account_id, what="account", field="account_id")


def account_list(*, ctx: TenantContext) -> QuerySet[Account]:
    return Account.objects.for_tenant(ctx).order_by("created_at", "id")
