"""Back office for money: payments (and recording one received), invoice payments (applications),
refunds and receipts; the ledger's side of the invoice page and the account page (what is open, what
happened); the ledger events with their invoice, account and amount.

Every row is read-only. Money moves only through the pages and actions below, each one service call made
as the staff user (TenantScopedAdmin.staff_context), so the ledger events it writes name them.
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from invoices.admin import InvoiceAdmin, ledger_events_link
from invoices.models import Invoice
from ledger.admin import LedgerEventAdmin
from ledger.models import LedgerEvent
from payments.admin_forms import (
    ApplyPaymentForm,
    ApplyToInvoiceForm,
    RecordPaymentForm,
    RefundForm,
    UnapplyForm,
)
from payments.models import InvoicePayment, Payment, Receipt, Refund, RefundLine
from payments.receipts import receipt_resend
from payments.selectors import UNALLOCATED, account_totals
from payments.timeline import ledger_timeline
from tenants.admin import (
    BY_BUSINESS,
    EVERYWHERE,
    AccountAdmin,
    ReadOnlyAdmin,
    ReadOnlyInline,
    admin_link,
    money,
)
from tenants.models import Account

WITH_TIMELINE = "admin/back_office/change_form_with_timeline.html"


def timeline_html(moments) -> str:
    if not moments:
        return format_html('<p class="help">{}</p>', "Nothing happened yet.")
    items = format_html_join(
        "",
        '<li><span class="when">{}</span>{}{}</li>',
        (
            (
                f"{m.at:%Y-%m-%d %H:%M}",
                m.text,
                format_html(" · reason: <q>{}</q>", m.reason) if m.reason else "",
            )
            for m in moments
        ),
    )
    return format_html('<ul class="timeline">{}</ul>', items)


class InvoiceApplicationInline(ReadOnlyInline):
    model = InvoicePayment
    fk_name = "invoice"
    verbose_name_plural = "applications (invoice payments)"
    fields = readonly_fields = ("payment_shown", "amount_shown", "refunded_shown", "paid_on", "created_by")
    select_related = ("payment", "invoice")

    @admin.display(description="payment")
    def payment_shown(self, application):
        return admin_link(Payment, application.payment_id, str(application.payment))

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
    """The invoice page with its money: applications, refunds and receipts, what happened to it in words,
    and applying a payment."""

    change_form_template = WITH_TIMELINE
    inlines = (InvoiceApplicationInline, InvoiceRefundInline, InvoiceReceiptInline, *InvoiceAdmin.inlines)
    actions = ("apply_payment", *InvoiceAdmin.actions)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        invoice = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if invoice is not None:
            ctx = self.staff_context(request, invoice.business_id)
            context["timeline"] = timeline_html(
                ledger_timeline(ctx=ctx, invoice_ids=[invoice.pk], here=invoice.pk)
            )
        return super().change_view(request, object_id, form_url, context)

    @admin.action(description="Apply a payment", permissions=["operate"], location=EVERYWHERE)
    def apply_payment(self, request, queryset):
        return self.form_action(
            request, queryset.select_related("account"), ApplyPaymentForm, action="apply_payment"
        )


admin.site.unregister(Invoice)
admin.site.register(Invoice, LedgerInvoiceAdmin)


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


class LedgerEventsAdmin(LedgerEventAdmin):
    """The ledger events with what they are about: the invoice's number, the account, the amount."""

    list_display = (
        "created_at",
        "kind",
        "invoice_shown",
        "account_shown",
        "payment_shown",
        "amount_shown",
        "actor",
        "business",
    )
    search_fields = ("actor", "reason", "request_id", "invoice_id__exact", "payment_id__exact")
    search_help_text = "Invoice number, payment reference, actor, reason, request id, invoice or payment id"

    def get_queryset(self, request):
        invoices = Invoice.objects.of_business(OuterRef("business_id")).filter(pk=OuterRef("invoice_id"))
        payments = Payment.objects.of_business(OuterRef("business_id")).filter(pk=OuterRef("payment_id"))
        return (
            super()
            .get_queryset(request)
            .annotate(
                invoice_number=Subquery(invoices.values("number")),
                payment_name=Subquery(payments.values("reference")),
                account_name=Coalesce(
                    Subquery(invoices.values("account__name")), Subquery(payments.values("account__name"))
                ),
                currency=Coalesce(
                    Subquery(invoices.values("currency")), Subquery(payments.values("currency"))
                ),
            )
        )

    def get_search_results(self, request, queryset, search_term):
        """Also the events of the invoices whose number is the term, and of the payments whose reference
        is, among those the user sees (found by their indexes, not by reading every event)."""
        found, duplicates = super().get_search_results(request, queryset, search_term)
        term = search_term.strip()
        if term:
            site = self.admin_site
            invoices = site.get_model_admin(Invoice).get_queryset(request).filter(number__iexact=term)
            payments = site.get_model_admin(Payment).get_queryset(request).filter(reference__iexact=term)
            found = (
                found
                | queryset.filter(invoice_id__in=Subquery(invoices.values("pk")))
                | queryset.filter(payment_id__in=Subquery(payments.values("pk")))
            )
        return found, duplicates

    @admin.display(description="invoice", ordering="invoice_number")
    def invoice_shown(self, event):
        if not event.invoice_id:
            return "-"
        return admin_link(Invoice, event.invoice_id, event.invoice_number or "a deleted draft")

    @admin.display(description="payment")
    def payment_shown(self, event):
        if not event.payment_id:
            return "-"
        return admin_link(Payment, event.payment_id, event.payment_name or "payment")

    @admin.display(description="account", ordering="account_name")
    def account_shown(self, event):
        return event.account_name or "-"

    @admin.display(description="amount")
    def amount_shown(self, event):
        amount = event.amount
        return "-" if amount is None or not event.currency else money(amount, event.currency)


admin.site.unregister(LedgerEvent)
admin.site.register(LedgerEvent, LedgerEventsAdmin)


class LedgerAccountAdmin(AccountAdmin):
    """The account page with what it owes and holds: its open invoices and balance, its unapplied payments,
    and what happened, in words."""

    change_form_template = WITH_TIMELINE

    def change_view(self, request, object_id, form_url="", extra_context=None):
        account = self.get_object(request, object_id)
        context = dict(extra_context or {})
        if account is not None:
            context.update(self.summary(request, account))
        return super().change_view(request, object_id, form_url, context)

    def summary(self, request, account) -> dict:
        ctx = self.staff_context(request, account.business_id)
        currency = account.currency
        invoices = list(
            Invoice.objects.for_tenant(ctx)
            .filter(account=account, status__in=Invoice.PAYABLE)
            .order_by("due_date", "number")
        )
        payments = list(
            Payment.objects.for_tenant(ctx)
            .filter(account=account, status=Payment.Status.PROCESSED)
            .alias(left=UNALLOCATED)
            .filter(left__gt=0)
            .order_by("-occurred_at")
        )
        totals = account_totals(ctx=ctx, account=account)
        ids = Invoice.objects.for_tenant(ctx).filter(account=account).values_list("pk", flat=True)
        paid_with = Payment.objects.for_tenant(ctx).filter(account=account).values_list("pk", flat=True)
        return {
            "summary": [
                ("Balance owed", money(totals["invoice_balance"], currency)),
                ("Unapplied payments", money(totals["unapplied"], currency)),
            ],
            "open_invoices": [
                (
                    admin_link(Invoice, i.pk, i.number),
                    i.due_date or "-",
                    money(i.amount, currency),
                    money(i.balance, currency),
                )
                for i in invoices
            ],
            "unapplied_payments": [
                (admin_link(Payment, p.pk, p), money(p.unallocated_amount, currency)) for p in payments
            ],
            "timeline": timeline_html(
                ledger_timeline(ctx=ctx, invoice_ids=list(ids), payment_ids=list(paid_with))
            ),
        }


admin.site.unregister(Account)
admin.site.register(Account, LedgerAccountAdmin)
