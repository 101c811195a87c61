from uuid import UUID

from django.db.models import QuerySet

from tenants.context import TenantContext
from tenants.errors import NotFound
from tenants.models import Account
from tenants.services import parse_uuid


def account_get(*, ctx: TenantContext, account_id: str | UUID) -> Account:
    pk = account_id if isinstance(account_id, UUID) else parse_uuid(account_id)
    account = Account.objects.for_tenant(ctx).filter(pk=pk).first() if pk else None
    if account is None:
        raise NotFound("account not found", field="account_id")
    return account


def account_list(*, ctx: TenantContext) -> QuerySet[Account]:
    return Account.objects.for_tenant(ctx).order_by("created_at", "id")
