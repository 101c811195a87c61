"""Back office for money: payments, invoice payments (applications), refunds and receipts, and the
ledger's side of the invoice page.

Every row is read-only. Money moves only through the actions below, each one service call made as the
staff user (TenantScopedAdmin.staff_context), so the ledger events it writes name them.
"""

from django.contrib import admin
from django.db.models import F

from invoices.admin import InvoiceAdmin, ledger_events_link
from invoices.models import Invoice
from payments.admin_forms import ApplyPaymentForm, ApplyToInvoiceForm, RefundForm, payment_label
from payments.models import InvoicePayment, Payment, Receipt, Refund, RefundLine
from payments.receipts import receipt_resend
from payments.services import payment_unapply
from tenants.admin import BY_BUSINESS, EVERYWHERE, ReadOnlyAdmin, ReadOnlyInline, admin_link, money


class InvoiceApplicationInline(ReadOnlyInline):
    model = InvoicePayment
    fk_name = "invoice"
    verbose_name_plural = "applications (invoice payments)"
    fields = readonly_fields = ("payment_shown", "amount_shown", "refunded_shown", "paid_on", "created_by")
    select_related = ("payment", "invoice")

    @admin.display(description="payment")
    def payment_shown(self, application):
        return admin_link(Payment, application.payment_id, payment_label(application.payment))

    @admin.display(description="amount")
    def amount_shown(self, application):
        return money(application.amount, application.invoice.currency)

    @admin.display(description="refunded")
    def refunded_shown(self, application):
        return money(application.refund_amount, application.invoice.currency)


class InvoiceRefundInline(ReadOnlyInline):
    model = RefundLine
    fk_name = "invoice"
    verbose_name_plural = "refunds"
    show_change_link = False
    fields = readonly_fields = ("refund_shown", "amount_shown", "comment", "created_by")
    select_related = ("refund", "invoice")

    @admin.display(description="refund")
    def refund_shown(self, line):
        return admin_link(Refund, line.refund_id, f"Refund of {line.refund.refund_date:%Y-%m-%d}")

    @admin.display(description="amount")
    def amount_shown(self, line):
        return money(line.amount, line.invoice.currency)

    @admin.display(description="comment")
    def comment(self, line):
        return line.refund.comment

    @admin.display(description="by")
    def created_by(self, line):
        return line.refund.created_by


class InvoiceReceiptInline(ReadOnlyInline):
    model = Receipt
    fields = readonly_fields = (
        "amount_shown",
        "status",
        "to_email",
        "paid_on",
        "sent_at",
        "balance_after_shown",
    )

    @admin.display(description="amount")
    def amount_shown(self, receipt):
        return money(receipt.amount, receipt.currency)

    @admin.display(description="balance after")
    def balance_after_shown(self, receipt):
        return money(receipt.balance_after, receipt.currency)


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


class LedgerInvoiceAdmin(InvoiceAdmin):
    """The invoice page with its money: applications, refunds and receipts, and applying a payment."""

    inlines = (InvoiceApplicationInline, InvoiceRefundInline, InvoiceReceiptInline, *InvoiceAdmin.inlines)
    actions = ("apply_payment", *InvoiceAdmin.actions)

    @admin.action(description="Apply a payment", permissions=["operate"], location=EVERYWHERE)
    def apply_payment(self, request, queryset):
        return self.form_action(
            request, queryset.select_related("account"), ApplyPaymentForm, action="apply_payment"
        )


admin.site.unregister(Invoice)
admin.site.register(Invoice, LedgerInvoiceAdmin)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = (
        "occurred_at",
        "reference",
        "foreign_id",
        "account",
        "business",
        "status",
        "amount_shown",
        "unallocated_shown",
        "refunded_shown",
    )
    list_select_related = ("account", "business")
    list_filter = (BY_BUSINESS, "status", "currency", "occurred_at", "created_at")
    search_fields = ("reference", "foreign_id", "account__name", "counterparty", "id__exact")
    search_help_text = "Reference, foreign id, account name, counterparty or id"
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

    def describe(self, payment):
        return payment_label(payment)

    @admin.display(description="amount", ordering="amount")
    def amount_shown(self, payment):
        return money(payment.amount, payment.currency)

    @admin.display(description="applied")
    def allocated_shown(self, payment):
        return money(payment.allocated_amount, payment.currency)

    @admin.display(description="unallocated", ordering=F("amount") - F("allocated_amount"))
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
    list_filter = (BY_BUSINESS, "paid_on", "created_at")
    search_fields = ("invoice__number", "invoice__account__name", "payment__reference", "payment__foreign_id")
    search_help_text = "Invoice number, account name, payment reference or foreign id"
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
        return admin_link(Payment, application.payment_id, payment_label(application.payment))

    @admin.display(description="amount", ordering="amount")
    def amount_shown(self, application):
        return money(application.amount, application.invoice.currency)

    @admin.display(description="refunded")
    def refunded_shown(self, application):
        return money(application.refund_amount, application.invoice.currency)

    @admin.action(
        description="Unapply: take this payment off its invoice",
        description_plural="Unapply the selected invoice payments",
        permissions=["operate"],
        location=EVERYWHERE,
    )
    def unapply(self, request, queryset):
        self.run_service(
            request,
            queryset.select_related("invoice"),
            lambda ctx, application: payment_unapply(ctx=ctx, invoice_payment_id=application.pk),
            done="Unapplied",
        )

    @admin.action(description="Refund", permissions=["operate"], location=EVERYWHERE)
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
    list_filter = (BY_BUSINESS, "refund_date", "created_at")
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
        return admin_link(Payment, refund.payment_id, payment_label(refund.payment))

    @admin.display(description="amount", ordering="amount")
    def amount_shown(self, refund):
        return money(refund.amount, refund.payment.currency)


@admin.register(Receipt)
class ReceiptAdmin(ReadOnlyAdmin):
    list_display = (
        "created_at",
        "invoice",
        "amount_shown",
        "status",
        "to_email",
        "attempts",
        "sent_at",
        "business",
    )
    list_select_related = ("invoice", "business")
    list_filter = (BY_BUSINESS, "status", "currency", "created_at", "sent_at")
    search_fields = ("invoice__number", "invoice__account__name", "to_email")
    search_help_text = "Invoice number, account name or email"
    fields = (
        "invoice",
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
