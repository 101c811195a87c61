"""Back office for money: payments (and recording one received), invoice payments (applications),
refunds and receipts. The invoice page with its money, the account page and the ledger events with what
they are about are defined in payments/admin_pages.py and registered here, in place of the lower layers'.

Every row is read-only. Money moves only through the pages and actions below, each one service call made
as the staff user (TenantScopedAdmin.staff_context), so the ledger events it writes name them.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.urls import path, reverse

from invoices.admin import ledger_events_link
from invoices.models import Invoice
from ledger.models import LedgerEvent
from payments.admin_forms import ApplyToInvoiceForm, RecordPaymentForm, RefundForm, UnapplyForm
from payments.admin_pages import LedgerAccountAdmin, LedgerEventsAdmin, LedgerInvoiceAdmin
from payments.models import InvoicePayment, Payment, Receipt, Refund, RefundLine
from payments.receipts import receipt_resend
from payments.selectors import UNALLOCATED
from tenants.admin import BY_BUSINESS, EVERYWHERE, ReadOnlyAdmin, ReadOnlyInline, admin_link
from tenants.admin_lists import money
from tenants.models import Account


class PaymentApplicationInline(ReadOnlyInline):
    model = InvoicePayment
    fk_name = "payment"
    verbose_name_plural = "applications (invoice payments)"
    fields = readonly_fields = ("invoice", "amount_shown", "refunded_shown", "paid_on", "created_by")
    select_related = ("invoice",)

    @admin.display(description="amount")
    def amount_shown(self, application):
        return money(application.amount, application.invoice.currency)

    @admin.display(description="refunded")
    def refunded_shown(self, application):
        return money(application.refund_amount, application.invoice.currency)


class PaymentRefundInline(ReadOnlyInline):
    model = Refund
    fields = readonly_fields = ("refund_date", "amount_shown", "comment", "created_by")
    select_related = ("payment",)

    @admin.display(description="amount")
    def amount_shown(self, refund):
        return money(refund.amount, refund.payment.currency)


class RefundLineInline(ReadOnlyInline):
    model = RefundLine
    fk_name = "refund"
    show_change_link = False
    fields = readonly_fields = ("invoice", "amount_shown")
    select_related = ("invoice",)

    @admin.display(description="amount")
    def amount_shown(self, line):
        return money(line.amount, line.invoice.currency)


admin.site.unregister(Invoice)
admin.site.register(Invoice, LedgerInvoiceAdmin)
admin.site.unregister(Account)
admin.site.register(Account, LedgerAccountAdmin)
admin.site.unregister(LedgerEvent)
admin.site.register(LedgerEvent, LedgerEventsAdmin)


class UnappliedFilter(admin.SimpleListFilter):
    title = "unapplied money"
    parameter_name = "unapplied"

    def lookups(self, request, model_admin):
        return [("yes", "Some left to apply"), ("no", "All applied or refunded")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.alias(left=UNALLOCATED).filter(status=Payment.Status.PROCESSED, left__gt=0)
        if self.value() == "no":
            return queryset.alias(left=UNALLOCATED).filter(left=0)
        return queryset


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = (
        "occurred_at",
        "reference",
        "counterparty",
        "account",
        "business",
        "status",
        "amount_shown",
        "unallocated_shown",
        "refunded_shown",
    )
    list_select_related = ("account", "business")
    list_filter = (
        BY_BUSINESS,
        UnappliedFilter,
        "status",
        "method",
        ("account", admin.RelatedOnlyFieldListFilter),
        "currency",
    )
    ordering = ("-occurred_at", "-created_at")
    date_hierarchy = "occurred_at"
    totals = (("Amount", "amount"), ("Unallocated", UNALLOCATED), ("Refunded", "refund_amount"))
    search_fields = (
        "reference",
        "description",
        "counterparty",
        "foreign_id",
        "account__name",
        "amount__exact",
        "id__exact",
    )
    search_help_text = "Reference, description, counterparty, foreign id, account name, amount or id"
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "status",
                    "for_invoice",
                    "business",
                    "entity",
                    "account",
                    "reference",
                    "foreign_id",
                    "counterparty",
                    "method",
                    "payment_method_id",
                    "description",
                    "created_by",
                    "id",
                )
            },
        ),
        (
            "Amounts",
            {
                "fields": (
                    "amount_shown",
                    "allocated_shown",
                    "unallocated_shown",
                    "refunded_shown",
                    "ledger_events",
                )
            },
        ),
        ("Dates", {"fields": ("occurred_at", "created_at")}),
    )
    readonly_fields = (
        "amount_shown",
        "allocated_shown",
        "unallocated_shown",
        "refunded_shown",
        "ledger_events",
    )
    inlines = (PaymentApplicationInline, PaymentRefundInline)
    actions = ("apply_to_invoice",)

    def page_urls(self, name):
        return [path("record/", self.admin_site.admin_view(self.record_view), name=f"{name}_record")]

    def list_tools(self, request):
        if not self.has_operate_permission(request):
            return []
        return [(reverse("admin:payments_payment_record"), "Record a payment received")]

    def record_view(self, request):
        if not self.has_operate_permission(request):
            raise PermissionDenied
        site = self.admin_site
        form = RecordPaymentForm(
            request.POST or None,
            accounts=site.get_model_admin(Account).get_queryset(request),
            invoices=site.get_model_admin(Invoice).get_queryset(request),
        )
        return self.form_page(
            request,
            form,
            title="Record a payment received",
            intro="A cheque, a wire or cash received outside the platform, applied now or later.",
        )

    @admin.display(description="amount", ordering="amount")
    def amount_shown(self, payment):
        return money(payment.amount, payment.currency)

    @admin.display(description="applied")
    def allocated_shown(self, payment):
        return money(payment.allocated_amount, payment.currency)

    @admin.display(description="unallocated", ordering=UNALLOCATED)
    def unallocated_shown(self, payment):
        return money(payment.unallocated_amount, payment.currency)

    @admin.display(description="refunded")
    def refunded_shown(self, payment):
        return money(payment.refund_amount, payment.currency)

    @admin.display(description="ledger")
    def ledger_events(self, payment):
        return ledger_events_link("payment_id", payment.pk)

    @admin.action(description="Apply to an invoice", permissions=["operate"], location=EVERYWHERE)
    def apply_to_invoice(self, request, queryset):
        return self.form_action(request, queryset, ApplyToInvoiceForm, action="apply_to_invoice")


@admin.register(InvoicePayment)
class InvoicePaymentAdmin(ReadOnlyAdmin):
    list_display = (
        "paid_on",
        "invoice",
        "payment_shown",
        "amount_shown",
        "refunded_shown",
        "created_by",
        "business",
    )
    list_select_related = ("invoice", "payment", "business")
    list_filter = (BY_BUSINESS, ("invoice__account", admin.RelatedOnlyFieldListFilter))
    ordering = ("-paid_on", "-created_at")
    date_hierarchy = "paid_on"
    totals = (("Amount", "amount"), ("Refunded", "refund_amount"))
    totals_currency = "invoice__currency"
    search_fields = (
        "invoice__number",
        "invoice__account__name",
        "payment__reference",
        "payment__counterparty",
        "payment__foreign_id",
        "amount__exact",
    )
    search_help_text = "Invoice number, account name, payment reference, counterparty or foreign id, amount"
    fields = (
        "invoice",
        "payment_shown",
        "amount_shown",
        "refunded_shown",
        "paid_on",
        "business",
        "entity",
        "created_by",
        "updated_by",
        "created_at",
        "updated_at",
    )
    readonly_fields = ("payment_shown", "amount_shown", "refunded_shown")
    actions = ("unapply", "refund")

    def describe(self, application):
        return f"{money(application.amount, application.invoice.currency)} on invoice {application.invoice}"

    @admin.display(description="payment")
    def payment_shown(self, application):
        return admin_link(Payment, application.payment_id, str(application.payment))

    @admin.display(description="amount", ordering="amount")
    def amount_shown(self, application):
        return money(application.amount, application.invoice.currency)

    @admin.display(description="refunded")
    def refunded_shown(self, application):
        return money(application.refund_amount, application.invoice.currency)

    @admin.action(
        description="Unapply: take this payment off its invoice (asks why)",
        permissions=["operate"],
        location=EVERYWHERE,
    )
    def unapply(self, request, queryset):
        return self.form_action(
            request, queryset.select_related("invoice", "payment"), UnapplyForm, action="unapply"
        )

    @admin.action(description="Refund (asks why)", permissions=["operate"], location=EVERYWHERE)
    def refund(self, request, queryset):
        return self.form_action(
            request, queryset.select_related("invoice", "payment"), RefundForm, action="refund"
        )


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = (
        "refund_date",
        "payment_shown",
        "amount_shown",
        "comment",
        "created_by",
        "business",
    )
    list_select_related = ("payment", "business")
    list_filter = (BY_BUSINESS,)
    ordering = ("-refund_date", "-created_at")
    date_hierarchy = "refund_date"
    totals = (("Amount", "amount"),)
    totals_currency = "payment__currency"
    search_fields = ("payment__reference", "payment__foreign_id", "lines__invoice__number", "comment")
    search_help_text = "Payment reference or foreign id, invoice number or comment"
    fields = (
        "payment_shown",
        "amount_shown",
        "refund_date",
        "comment",
        "business",
        "entity",
        "created_by",
        "created_at",
    )
    readonly_fields = ("payment_shown", "amount_shown")
    inlines = (RefundLineInline,)

    @admin.display(description="payment")
    def payment_shown(self, refund):
        return admin_link(Payment, refund.payment_id, str(refund.payment))

    @admin.display(description="amount", ordering="amount")
    def amount_shown(self, refund):
        return money(refund.amount, refund.payment.currency)


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "invoice",
        "kind",
        "amount_shown",
        "status",
        "to_email",
        "attempts",
        "sent_at",
        "business",
    )
    list_select_related = ("invoice", "business")
    list_filter = (BY_BUSINESS, "kind", "status", "currency")
    ordering = ("-created_at",)
    date_hierarchy = "created_at"
    search_fields = ("invoice__number", "invoice__account__name", "to_email")
    search_help_text = "Invoice number, account name or email"
    fields = (
        "invoice",
        "kind",
        "corrects",
        "amount_shown",
        "balance_after_shown",
        "paid_on",
        "status",
        "to_email",
        "attempts",
        "last_error",
        "message_id",
        "sent_at",
        "business",
        "entity",
        "created_at",
        "updated_at",
    )
    readonly_fields = ("amount_shown", "balance_after_shown")
    actions = ("resend",)

    def describe(self, receipt):
        return f"The receipt of {money(receipt.amount, receipt.currency)} on invoice {receipt.invoice}"

    @admin.display(description="amount", ordering="amount")
    def amount_shown(self, receipt):
        return money(receipt.amount, receipt.currency)

    @admin.display(description="balance after")
    def balance_after_shown(self, receipt):
        return money(receipt.balance_after, receipt.currency)

    @admin.action(
        description="Resend this receipt",
        description_plural="Resend the selected receipts",
        permissions=["operate"],
        location=EVERYWHERE,
    )
    def resend(self, request, queryset):
        self.run_service(
            request,
            queryset,
            lambda ctx, receipt: receipt_resend(ctx=ctx, receipt_id=receipt.pk),
            done="Queued",
        )
