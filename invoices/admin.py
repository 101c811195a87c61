"""Back office for invoices and their payment links. The ledger's side of an invoice page (its payments,
refunds and receipts, and applying a payment) is added by payments/admin.py, which knows the money.

Every row is read-only: invoices change only through the actions below, each one service call made as the
staff user (TenantScopedAdmin.staff_context), so the ledger events it writes name them.
"""

from django.contrib import admin
from django.db.models import F
from django.urls import reverse
from django.utils.html import format_html

from invoices.links import link_url
from invoices.models import Invoice, InvoiceLine, PaymentLink
from invoices.services import invoice_void, payment_link_cancel
from tenants.admin import BY_BUSINESS, EVERYWHERE, ReadOnlyAdmin, ReadOnlyInline, money


def ledger_events_link(field: str, value) -> str:
    """The ledger events of one invoice or payment (events keep plain ids, so a filtered list)."""
    url = f"{reverse('admin:ledger_ledgerevent_changelist')}?{field}={value}"
    return format_html('<a href="{}">Its ledger events</a>', url)


class InvoiceLineInline(ReadOnlyInline):
    model = InvoiceLine
    show_change_link = False
    fields = readonly_fields = ("name", "quantity", "unit_price_shown", "options_shown", "product_id")
    select_related = ("invoice",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("options")

    @admin.display(description="unit price")
    def unit_price_shown(self, line):
        return money(line.unit_price, line.invoice.currency)

    @admin.display(description="options")
    def options_shown(self, line):
        currency = line.invoice.currency
        return ", ".join(
            f"{option.quantity} x {option.name}"
            + (f" ({money(option.price_modifier, currency)})" if option.price_modifier else "")
            for option in line.options.all()
        )


class InvoicePaymentLinkInline(ReadOnlyInline):
    model = PaymentLink
    fields = readonly_fields = (
        "url",
        "status",
        "cancel_requested_at",
        "canceled_at",
        "created_at",
    )

    @admin.display(description="URL")
    def url(self, link):
        return link_url(link)


@admin.register(Invoice)
class InvoiceAdmin(ReadOnlyAdmin):
    list_display = (
        "number",
        "account",
        "business",
        "status",
        "amount_shown",
        "balance_shown",
        "invoice_date",
        "due_date",
    )
    list_select_related = ("account", "business")
    list_filter = (BY_BUSINESS, "status", "currency", "invoice_date", "due_date", "created_at")
    search_fields = ("number", "account__name", "id__exact")
    search_help_text = "Invoice number, account name or id"
    fieldsets = (
        (None, {"fields": ("number", "status", "business", "entity", "account", "description", "id")}),
        ("Balance", {"fields": ("amount_shown", "balance_arithmetic", "ledger_events")}),
        (
            "Dates",
            {"fields": ("invoice_date", "due_date", "sent_at", "paid_at", "voided_at", "created_at")},
        ),
    )
    readonly_fields = ("amount_shown", "balance_arithmetic", "ledger_events")
    inlines = (InvoiceLineInline, InvoicePaymentLinkInline)
    actions = ("void",)

    @admin.display(description="amount", ordering="amount")
    def amount_shown(self, invoice):
        return money(invoice.amount, invoice.currency)

    @admin.display(description="balance", ordering=F("amount") - F("payment_amount") + F("refund_amount"))
    def balance_shown(self, invoice):
        return money(invoice.balance, invoice.currency)

    @admin.display(description="balance")
    def balance_arithmetic(self, invoice):
        currency = invoice.currency
        return (
            f"{money(invoice.amount, currency)} - {money(invoice.payment_amount, currency)} paid "
            f"+ {money(invoice.refund_amount, currency)} refunded = {money(invoice.balance, currency)}"
        )

    @admin.display(description="ledger")
    def ledger_events(self, invoice):
        return ledger_events_link("invoice_id", invoice.pk)

    @admin.action(
        description="Void this invoice",
        description_plural="Void the selected invoices",
        permissions=["operate"],
        location=EVERYWHERE,
    )
    def void(self, request, queryset):
        self.run_service(
            request,
            queryset,
            lambda ctx, invoice: invoice_void(ctx=ctx, invoice_id=invoice.pk),
            done="Voided",
        )


@admin.register(PaymentLink)
class PaymentLinkAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "invoice",
        "status",
        "cancel_requested_at",
        "canceled_at",
        "business",
    )
    list_select_related = ("invoice", "business")
    list_filter = (BY_BUSINESS, "status", "created_at")
    search_fields = ("invoice__number", "invoice__account__name")
    search_help_text = "Invoice number or account name"
    fields = (
        "invoice",
        "status",
        "url",
        "business",
        "entity",
        "cancel_requested_at",
        "canceled_at",
        "created_at",
        "updated_at",
    )
    readonly_fields = ("url",)
    actions = ("cancel",)

    def describe(self, link):
        return f"The link of invoice {link.invoice}"

    @admin.display(description="URL")
    def url(self, link):
        return link_url(link)

    @admin.action(
        description="Cancel this payment link",
        description_plural="Cancel the selected payment links",
        permissions=["operate"],
        location=EVERYWHERE,
    )
    def cancel(self, request, queryset):
        self.run_service(
            request,
            queryset,
            lambda ctx, link: payment_link_cancel(ctx=ctx, link_id=link.pk),
            done="Cancellation requested",
        )
