"""Reads of invoices, always through a tenant context. Another tenant's invoice is NotFound."""

from datetime import date, timedelta
from uuid import UUID

from django.db.models import Q, QuerySet

from core.errors import NotFound
from invoices.links import LINK_CODE
from invoices.models import Invoice, PaymentLink
from tenants import statements
from tenants.context import TenantContext
from tenants.selectors import one_by_key, one_or_none


def invoice_get(*, ctx: TenantContext, invoice_id: UUID | str) -> Invoice:
    return one_by_key(Invoice.objects.for_tenant(ctx), invoice_id, what="invoice", field="invoice_id")


def invoice_currency(*, ctx: TenantContext, invoice_id: UUID | str) -> tuple[UUID, str]:
    """An invoice's id and currency, read by the hot path's cached statement (no ORM query to compile)."""
    invoice = statements.get_by_key(Invoice, ctx, invoice_id, what="invoice", field="invoice_id")
    return invoice.pk, invoice.currency


def invoice_list(*, ctx: TenantContext) -> QuerySet[Invoice]:
    return Invoice.objects.for_tenant(ctx)


# An invoice is past due from the day after its due date; these two say so in SQL and in Python.
def past_due(today: date) -> Q:
    return Q(due_date__lt=today)


# Due soon: payable and due within this many days from today.
DUE_SOON_DAYS = 7


def due_soon(today: date) -> Q:
    return Q(due_date__gte=today, due_date__lte=today + timedelta(days=DUE_SOON_DAYS))


def is_past_due(invoice: Invoice, today: date) -> bool:
    return invoice.due_date is not None and invoice.due_date < today


def link_get(*, ctx: TenantContext, code: str) -> PaymentLink:
    """One of the tenant's payment links, by its code."""
    links = PaymentLink.objects.for_tenant(ctx).select_related("invoice")
    link = one_or_none(links.filter(code=code)) if LINK_CODE.fullmatch(code) else None
    if link is None:
        raise NotFound("payment link not found", field="link_code")
    return link


def link_list(*, ctx: TenantContext) -> QuerySet[PaymentLink]:
    """The tenant's payment links, oldest first, with their invoices."""
    return PaymentLink.objects.for_tenant(ctx).select_related("invoice").order_by("created_at", "id")
