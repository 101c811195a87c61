"""Reads of invoices, always through a tenant context. Another tenant's invoice is NotFound."""

from datetime import date
from uuid import UUID

from django.db.models import Q, QuerySet

from invoices.models import Invoice
from tenants.context import TenantContext
from tenants.selectors import one_by_key


def invoice_get(*, ctx: TenantContext, invoice_id: UUID | str) -> Invoice:
    return one_by_key(Invoice.objects.for_tenant(ctx), invoice_id, what="invoice", field="invoice_id")


def invoice_list(*, ctx: TenantContext) -> QuerySet[Invoice]:
    return Invoice.objects.for_tenant(ctx)


# An invoice is past due from the day after its due date; these two say so in SQL and in Python.
def past_due(today: date) -> Q:
    return Q(due_date__lt=today)


def is_past_due(invoice: Invoice, today: date) -> bool:
    return invoice.due_date is not None and invoice.due_date < today
