"""Back office for the ledger: invoices and their payment links, payments, invoice payments (applications),
refunds, receipts and ledger events.

Invoice and PaymentLink are registered here, not in invoices/admin.py: their pages and actions use the
ledger, and invoices never imports payments (DESIGN.md: api -> payments -> invoices -> tenants).

Every row is read-only. Money moves only through the actions below, each one service call made as the
staff user (TenantScopedAdmin.staff_context), so the ledger events it writes name them.
"""

import json

from django import forms
from django.contrib import admin
from django.db.models import F
from django.urls import reverse
from django.utils.html import format_html

from invoices.models import Invoice, PaymentLink
from invoices.services import payment_link_url
from payments.models import InvoicePayment, LedgerEvent, Payment, Receipt, Refund, RefundLine
from payments.money import MAX_DIGITS, PLACES, plain
from payments.receipts import receipt_resend
from payments.services import (
    RefundPart,
    application_remove,
    invoice_void,
    payment_apply,
    payment_link_cancel_request,
    refund_create,
)
from tenants.admin import (
    BY_BUSINESS,
    EVERYWHERE,
    ActionForm,
    ReadOnlyAdmin,
    ReadOnlyInline,
    admin_link,
    money,
)

# --- how rows are named --------------------------------------------------------------------------------


def payment_label(payment: Payment) -> str:
    """How staff recognise a payment: its reference (or foreign id), amount and date."""
    name = payment.reference or payment.foreign_id or payment.get_kind_display()
    return f"{name} · {money(payment.amount, payment.currency)} on {payment.occurred_at:%Y-%m-%d}"


def ledger_events_link(field: str, value) -> str:
    """The ledger events of one invoice or payment (events keep plain ids, so a filtered list)."""
    url = f"{reverse('admin:payments_ledgerevent_changelist')}?{field}={value}"
    return format_html('<a href="{}">Its ledger events</a>', url)


# --- action forms: each collects the input of one service call -----------------------------------------


class ApplyForm(ActionForm):
    """Applies one payment to one invoice. The action fixes one of the two, the form picks the other, and
    the amount among the payment's unallocated amount, the invoice's open balance or another one. The
    service judges it: an amount over either is refused with its message. Subclasses say which of the
    two is fixed (`invoice_and_payment`)."""

    UNALLOCATED, BALANCE, OTHER = "unallocated", "balance", "other"
    submit_label = "Apply"
    field_order = ("invoice", "payment", "amount_from", "other_amount")

    amount_from = forms.ChoiceField(label="Amount to apply", widget=forms.RadioSelect)
    other_amount = forms.DecimalField(
        label="Other amount", required=False, max_digits=MAX_DIGITS, decimal_places=PLACES
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("amount_from") == self.OTHER and cleaned.get("other_amount") is None:
            self.add_error("other_amount", "Enter the amount to apply.")
        return cleaned

    def submit(self) -> str:
        invoice, payment = self.invoice_and_payment()
        amount = {
            self.UNALLOCATED: payment.unallocated_amount,
            self.BALANCE: invoice.balance,
            self.OTHER: self.cleaned_data["other_amount"],
        }[self.cleaned_data["amount_from"]]
        payment_apply(ctx=self.ctx, invoice_id=invoice.pk, payment_id=payment.pk, amount=amount)
        return (
            f"Applied {money(amount, invoice.currency)} of payment {payment_label(payment)} "
            f"to invoice {invoice.number}."
        )


class ApplyPaymentForm(ApplyForm):
    """From an invoice: one of the payments that could pay it (same entity and currency, money left)."""

    title = "Apply a payment to this invoice"
    payment = forms.ModelChoiceField(queryset=Payment.all_tenants.none())

    def __init__(self, data, *, ctx, obj):
        super().__init__(data, ctx=ctx, obj=obj)
        invoice = obj
        self.intro = (
            f"Invoice {invoice.number} of {invoice.account}: {money(invoice.amount, invoice.currency)}, "
            f"open balance {money(invoice.balance, invoice.currency)}."
        )
        choice = self.fields["payment"]
        choice.queryset = (
            Payment.objects.for_tenant(ctx)
            .filter(
                entity_id=invoice.entity_id,
                currency=invoice.currency,
                status=Payment.Status.PROCESSED,
                allocated_amount__lt=F("amount"),
            )
            .order_by("-occurred_at", "id")
        )
        choice.label_from_instance = lambda p: (
            f"{payment_label(p)} · {money(p.unallocated_amount, p.currency)} unallocated"
        )
        self.fields["amount_from"].choices = [
            (self.BALANCE, f"The invoice's open balance: {money(invoice.balance, invoice.currency)}"),
            (self.UNALLOCATED, "The payment's unallocated amount (shown with each payment)"),
            (self.OTHER, "Another amount"),
        ]
        self.fields["amount_from"].initial = self.BALANCE

    def invoice_and_payment(self) -> tuple[Invoice, Payment]:
        return self.obj, self.cleaned_data["payment"]


class ApplyToInvoiceForm(ApplyForm):
    """From a payment: one of the invoices it could pay (same entity and currency, open)."""

    title = "Apply this payment to an invoice"
    invoice = forms.ModelChoiceField(queryset=Invoice.all_tenants.none())

    def __init__(self, data, *, ctx, obj):
        super().__init__(data, ctx=ctx, obj=obj)
        payment = obj
        self.intro = (
            f"Payment {payment_label(payment)}: "
            f"{money(payment.unallocated_amount, payment.currency)} unallocated."
        )
        choice = self.fields["invoice"]
        choice.queryset = (
            Invoice.objects.for_tenant(ctx)
            .filter(entity_id=payment.entity_id, currency=payment.currency, status__in=Invoice.PAYABLE)
            .select_related("account")
            .order_by("due_date", "number")
        )
        choice.label_from_instance = lambda i: (
            f"{i.number} · {i.account} · {money(i.balance, i.currency)} open balance"
        )
        self.fields["amount_from"].choices = [
            (
                self.UNALLOCATED,
                f"The payment's unallocated amount: {money(payment.unallocated_amount, payment.currency)}",
            ),
            (self.BALANCE, "The invoice's open balance (shown with each invoice)"),
            (self.OTHER, "Another amount"),
        ]
        self.fields["amount_from"].initial = self.UNALLOCATED

    def invoice_and_payment(self) -> tuple[Invoice, Payment]:
        return self.cleaned_data["invoice"], self.obj


class RefundForm(ActionForm):
    """Refunds some or all of what one invoice payment put on its invoice."""

    title = "Refund this invoice payment"
    submit_label = "Refund"

    amount = forms.DecimalField(max_digits=MAX_DIGITS, decimal_places=PLACES)
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, data, *, ctx, obj):
        super().__init__(data, ctx=ctx, obj=obj)
        currency = obj.invoice.currency
        self.intro = (
            f"{money(obj.amount, currency)} of payment {payment_label(obj.payment)} on invoice "
            f"{obj.invoice.number}; {money(obj.net_amount, currency)} of it is not refunded."
        )
        self.fields["amount"].initial = plain(obj.net_amount, currency)

    def submit(self) -> str:
        application, amount = self.obj, self.cleaned_data["amount"]
        refund_create(
            ctx=self.ctx,
            payment_id=application.payment_id,
            amount=amount,
            parts=[RefundPart(application.invoice_id, amount)],
            comment=self.cleaned_data["comment"],
        )
        return (
            f"Refunded {money(amount, application.invoice.currency)} of invoice {application.invoice.number}."
        )


# --- inlines ---------------------------------------------------------------------------------------------


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


class InvoicePaymentLinkInline(ReadOnlyInline):
    model = PaymentLink
    fields = readonly_fields = (
        "url",
        "status",
        "cancel_requested_at",
        "canceled_at",
        "expires_at",
        "created_at",
    )

    @admin.display(description="URL")
    def url(self, link):
        return payment_link_url(link)


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


# --- pages -----------------------------------------------------------------------------------------------


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
    inlines = (InvoiceApplicationInline, InvoiceRefundInline, InvoiceReceiptInline, InvoicePaymentLinkInline)
    actions = ("apply_payment", "void")

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

    @admin.action(description="Apply a payment", permissions=["operate"], location=EVERYWHERE)
    def apply_payment(self, request, queryset):
        return self.form_action(
            request, queryset.select_related("account"), ApplyPaymentForm, action="apply_payment"
        )

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
        "expires_at",
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
        "expires_at",
        "created_at",
        "updated_at",
    )
    readonly_fields = ("url",)
    actions = ("cancel",)

    def describe(self, link):
        return f"The link of invoice {link.invoice}"

    @admin.display(description="URL")
    def url(self, link):
        return payment_link_url(link)

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
            lambda ctx, link: payment_link_cancel_request(ctx=ctx, link_id=link.pk),
            done="Cancellation requested",
        )


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = (
        "occurred_at",
        "kind",
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
    list_filter = (BY_BUSINESS, "status", "kind", "currency", "occurred_at", "created_at")
    search_fields = ("reference", "foreign_id", "account__name", "counterparty", "id__exact")
    search_help_text = "Reference, foreign id, account name, counterparty or id"
    fieldsets = (
        (
            None,
            {
                "fields": (
                    "kind",
                    "status",
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
            lambda ctx, application: application_remove(ctx=ctx, invoice_payment_id=application.pk),
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
        "type",
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
        "type",
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


@admin.register(LedgerEvent)
class LedgerEventAdmin(ReadOnlyAdmin):
    list_display = ("id", "created_at", "kind", "actor", "invoice_shown", "payment_shown", "business")
    list_select_related = ("business",)
    list_filter = (BY_BUSINESS, "kind", "created_at")
    search_fields = ("actor", "request_id", "invoice_id__exact", "payment_id__exact")
    search_help_text = "Actor, request id, invoice id or payment id"
    fields = (
        "kind",
        "actor",
        "created_at",
        "request_id",
        "business",
        "entity",
        "invoice_shown",
        "payment_shown",
        "invoice_payment_id",
        "refund_id",
        "before_shown",
        "after_shown",
    )
    readonly_fields = ("invoice_shown", "payment_shown", "before_shown", "after_shown")

    @admin.display(description="invoice")
    def invoice_shown(self, event):
        return admin_link(Invoice, event.invoice_id, event.invoice_id) if event.invoice_id else "-"

    @admin.display(description="payment")
    def payment_shown(self, event):
        return admin_link(Payment, event.payment_id, event.payment_id) if event.payment_id else "-"

    @admin.display(description="before")
    def before_shown(self, event):
        return format_html("<pre>{}</pre>", json.dumps(event.before, indent=2, sort_keys=True))

    @admin.display(description="after")
    def after_shown(self, event):
        return format_html("<pre>{}</pre>", json.dumps(event.after, indent=2, sort_keys=True))
