"""Reads of money received and applied, always through a tenant context. Another tenant's row is
NotFound."""

from collections.abc import Collection
from uuid import UUID

from django.db.models import QuerySet
from django.utils import timezone

from core.ids import parse_uuid
from invoices.models import Invoice
from invoices.selectors import past_due
from payments.models import InvoicePayment, Payment, Refund
from tenants.context import TenantContext
from tenants.selectors import one_by_key


def payment_get(*, ctx: TenantContext, payment_id: UUID | str) -> Payment:
    return one_by_key(Payment.objects.for_tenant(ctx), payment_id, what="payment", field="payment_id")


def payment_list(*, ctx: TenantContext) -> QuerySet[Payment]:
    return Payment.objects.for_tenant(ctx)


def application_get(
    *, ctx: TenantContext, invoice_payment_id: UUID | str, invoice_id: UUID | str | None = None
) -> InvoicePayment:
    """One application; with `invoice_id`, only if it is on that invoice (a malformed id finds nothing)."""
    applications = InvoicePayment.objects.for_tenant(ctx).select_related("payment")
    if invoice_id is not None:
        applications = applications.filter(invoice_id=parse_uuid(invoice_id))
    return one_by_key(applications, invoice_payment_id, what="invoice payment", field="invoice_payment_id")


def application_list(*, ctx: TenantContext, invoice_id: UUID) -> QuerySet[InvoicePayment]:
    """An invoice's applications with their payment, in one query however many there are."""
    return InvoicePayment.objects.for_tenant(ctx).filter(invoice_id=invoice_id).select_related("payment")


def refund_get(*, ctx: TenantContext, refund_id: UUID | str) -> Refund:
    return one_by_key(Refund.objects.for_tenant(ctx), refund_id, what="refund", field="refund_id")


def _with_payments_and_links(invoices: QuerySet[Invoice]) -> QuerySet[Invoice]:
    # An invoice shows its applications (with their payment) and its link: three queries for any page.
    return invoices.prefetch_related("applications__payment", "payment_links")


def account_invoice_get(*, ctx: TenantContext, account_id: UUID, invoice_id: UUID | str) -> Invoice:
    """One invoice of the account with its payments and links; another account's invoice is as absent as
    a missing one."""
    invoices = _with_payments_and_links(Invoice.objects.for_tenant(ctx).filter(account_id=account_id))
    return one_by_key(invoices, invoice_id, what="invoice", field="invoice_id")


def account_invoice_list(
    *,
    ctx: TenantContext,
    account_id: UUID,
    statuses: Collection[str] | None = None,
    overdue: bool | None = None,
) -> QuerySet[Invoice]:
    """The account's invoices with their payments and links, oldest first (so offset paging does not shift
    as new ones arrive). `overdue` True keeps only invoices past their due date, False only the others."""
    invoices = Invoice.objects.for_tenant(ctx).filter(account_id=account_id)
    if statuses is not None:
        invoices = invoices.filter(status__in=statuses)
    if overdue is not None:
        due = past_due(timezone.localdate())
        invoices = invoices.filter(due) if overdue else invoices.exclude(due)
    return _with_payments_and_links(invoices).order_by("created_at", "id")
