"""Zuora's keys: an object's id (32 hex digits) or its number as Zuora writes it, A00000042 for an
account, P-00000042 for a payment, R-00000042 for a refund, the invoice's own number for an invoice."""

import re

from django.db.models import Model, QuerySet

from core.errors import NotFound
from core.ids import parse_uuid
from invoices import selectors as invoice_selectors
from invoices.models import Invoice
from payments import selectors
from payments.models import Payment, Refund
from tenants import selectors as tenant_selectors
from tenants.context import TenantContext
from tenants.models import Account
from tenants.selectors import one_or_none

ACCOUNT, PAYMENT, REFUND = "A", "P-", "R-"
_DIGITS = re.compile(r"[0-9]{1,18}")


def number(prefix: str, value: int) -> str:
    return f"{prefix}{value:08d}"


def account(ctx: TenantContext, key: str, *, field: str = "account_id") -> Account:
    return _by_key(tenant_selectors.account_list(ctx=ctx), key, ACCOUNT, what="account", field=field)


def payment(ctx: TenantContext, key: str) -> Payment:
    return _by_key(selectors.payment_list(ctx=ctx), key, PAYMENT, what="payment", field="payment_id")


def refund(ctx: TenantContext, key: str) -> Refund:
    return _by_key(selectors.refund_list(ctx=ctx), key, REFUND, what="refund", field="refund_id")


def invoice(ctx: TenantContext, key: str, *, field: str = "invoice_id") -> Invoice:
    """By id, or by number: numbers are unique in an entity, and a Zuora request works in one."""
    rows = invoice_selectors.invoice_list(ctx=ctx)
    if parse_uuid(key) is not None:
        return tenant_selectors.one_by_key(rows, key, what="invoice", field=field)
    found = one_or_none(rows.filter(number=key))
    if found is None:
        raise NotFound("invoice not found", field=field)
    return found


def _by_key[M: Model](rows: QuerySet[M], key: str, prefix: str, *, what: str, field: str) -> M:
    digits = key[len(prefix) :] if key.startswith(prefix) else ""
    if _DIGITS.fullmatch(digits):
        found = one_or_none(rows.filter(number=int(digits)))
        if found is None:
            raise NotFound(f"{what} not found", field=field)
        return found
    return tenant_selectors.one_by_key(rows, key, what=what, field=field)
